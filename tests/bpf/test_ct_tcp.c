// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_tcp.c: the cases of ward_ct_test for opening TCP
 * flows: handshakes both ways, sequence numbers and their wrap, loose
 * pickup of ACKs, simultaneous open, retransmissions and window scaling.
 * The harness is in ct_harness.c, main() in test_ct.c.
 */
#include "ct_harness.h"
#include "test_ct.h"

void test_handshake_in(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40001, 80);
	struct ward_ct_val v;
	long web = stat_of("web");
	__u64 pk0, by0, pk, by, bytes = 0;
	__u32 ri = 1000, li = 5000;

	ct_test("inbound handshake: SYN, SYN-ACK, ACK, data both ways");
	if (!ASSERT_GE(web, 0, "rule 'web' has a stat index"))
		goto out;
	read_stat(web, &pk0, &by0);

	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "SYN in passes (rule web)");
	bytes += last_len;
	ASSERT_EQ(MOVED(CT_NEW), 1, "SYN: ct_new");
	ASSERT_EQ(MOVED(ACCEPT), 1, "SYN: accept");
	EXPECT_STATE(&c, SYN_SENT, "after SYN");
	if (ASSERT_OK(flow_get(&c, &v), "flow after SYN")) {
		ASSERT_EQ(v.orig, conv_ep(&c, IN), "the peer is the originator");
		ASSERT_EQ(v.flags & (WARD_CTF_LOCAL | WARD_CTF_REPLIED | WARD_CTF_LIBERAL), 0,
			  "no LOCAL, REPLIED or LIBERAL flag");
		ASSERT_EQ(v.stat, web, "flow carries the web rule's stat");
		ASSERT_EQ(v.generation, live_generation(), "flow stamped with the live generation");
	}

	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "retransmitted SYN passes");
	bytes += last_len;
	EXPECT_STATE(&c, SYN_SENT, "still SYN_SENT");

	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li, ri + 1, 0), "SYN-ACK out");
	bytes += last_len;
	EXPECT_STATE(&c, SYN_RECV, "after SYN-ACK");
	if (ASSERT_OK(flow_get(&c, &v), "flow after SYN-ACK"))
		ASSERT_TRUE(v.flags & WARD_CTF_REPLIED, "REPLIED after the SYN-ACK");

	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 0), "ACK in passes");
	bytes += last_len;
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "ACK: ct_established");
	ASSERT_EQ(MOVED(ACCEPT), 0, "ACK: no rule decision");
	EXPECT_STATE(&c, ESTABLISHED, "after ACK");

	EXPECT_PASS(seg(&c, IN, TH_ACK | TH_PSH, ri + 1, li + 1, 100), "data in");
	bytes += last_len;
	EXPECT_PASS(seg(&c, OUT, TH_ACK | TH_PSH, li + 1, ri + 101, 300), "data out");
	bytes += last_len;
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 101, li + 301, 0), "ACK of the data in");
	bytes += last_len;
	EXPECT_PASS(seg(&c, IN, TH_ACK | TH_PSH, ri + 101, li + 301, 1000), "more data in");
	bytes += last_len;
	EXPECT_STATE(&c, ESTABLISHED, "after data");

	if (ASSERT_OK(flow_get(&c, &v), "flow after data")) {
		ASSERT_EQ(v.packets[0], 6, "packets from the originator");
		ASSERT_EQ(v.packets[1], 2, "packets from the responder");
		ASSERT_EQ(v.bytes[0] + v.bytes[1], bytes, "bytes of the flow");
	}
	/* Every packet of the flow counts toward the rule that admitted it,
	 * ingress and egress alike. */
	read_stat(web, &pk, &by);
	ASSERT_EQ(pk - pk0, 8, "rule web: packets of both directions");
	ASSERT_EQ(by - by0, bytes, "rule web: bytes of both directions");
out:
	test_end();
}

/* Sequence numbers that wrap through 2^32 in the middle of the flow. */
void test_seq_wrap(void)
{
	struct conv c = mk_conv(P_TCP, RB, 40002, 80);
	__u32 ri = 0xffffff00u, li = 0xfffffff0u;

	ct_test("sequence numbers wrapping through 2^32");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 1000), "data in across the wrap");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 1001, 1000), "data out across the wrap");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1001, li + 1001, 100), "next data in");
	EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 1001 + (1u << 30), li + 1001, 100), TCP_WINDOW,
		    "far-out segment still dropped after the wrap");
	EXPECT_STATE(&c, ESTABLISHED, "established");
out:
	test_end();
}

/* A bare ACK without a flow: the rules decide; accepted, it is picked up. */
void test_loose_ack(void)
{
	struct conv dropped = mk_conv(P_TCP, RA, 40003, 81);
	struct conv picked = mk_conv(P_TCP, RA, 40003, 80);
	struct conv synack = mk_conv(P_TCP, RA, 40004, 80);
	struct ward_ct_val v;

	ct_test("unsolicited ACK: the rules decide, an accepted one is picked up");
	EXPECT_DROP(seg(&dropped, IN, TH_ACK, 7000, 9000, 10), POLICY,
		    "ACK to a port the rules drop");
	ASSERT_FALSE(flow_exists(&dropped), "no flow for it");

	EXPECT_PASS(seg(&picked, IN, TH_ACK, 7000, 9000, 10), "ACK to an accepted port");
	ASSERT_EQ(MOVED(CT_NEW), 1, "ct_new");
	EXPECT_STATE(&picked, ESTABLISHED, "picked up as established");
	if (ASSERT_OK(flow_get(&picked, &v), "flow"))
		ASSERT_TRUE(v.flags & WARD_CTF_LIBERAL, "LIBERAL: window unknown");
	EXPECT_PASS(seg(&picked, OUT, TH_ACK, 9000, 7010, 100), "host answers");
	EXPECT_PASS(seg(&picked, IN, TH_ACK, 7010, 9100, 10), "more from the peer");

	/* Only a SYN or a bare ACK opens a flow; without one the rest has
	 * nothing to belong to (nf_conntrack: INVALID). */
	EXPECT_DROP(seg(&synack, IN, TH_SYN | TH_ACK, 7000, 9000, 0), TCP_INVALID,
		    "a SYN-ACK to an accepted port, no flow");
	ASSERT_FALSE(flow_exists(&synack), "opens no flow");
	EXPECT_DROP(seg(&synack, IN, TH_FIN | TH_ACK, 7000, 9000, 0), TCP_INVALID,
		    "so is a FIN");
	ASSERT_FALSE(flow_exists(&synack), "which opens none either");
	test_end();
}

void test_outbound(void)
{
	struct conv c = mk_conv(P_TCP, RB, 443, 41000);
	struct ward_ct_val v;
	__u64 pk0, by0, pk, by;
	__u32 li = 3000, ri = 8000;

	ct_test("outbound: the reply passes under policy drop");
	read_stat(WARD_STAT_DEFAULT, &pk0, &by0);
	EXPECT_PASS(seg(&c, OUT, TH_SYN, li, 0, 0), "SYN out");
	ASSERT_EQ(MOVED(CT_NEW), 1, "egress SYN opens a flow");
	EXPECT_STATE(&c, SYN_SENT, "after SYN");
	if (ASSERT_OK(flow_get(&c, &v), "flow")) {
		ASSERT_TRUE(v.flags & WARD_CTF_LOCAL, "LOCAL");
		ASSERT_EQ(v.orig, conv_ep(&c, OUT), "this host is the originator");
	}
	EXPECT_DROP(seg(&c, IN, TH_SYN | TH_ACK, ri, li + 1000, 0), TCP_WINDOW,
		    "SYN-ACK with a wrong ack number");
	EXPECT_STATE(&c, SYN_SENT, "still SYN_SENT");
	EXPECT_PASS(seg(&c, IN, TH_SYN | TH_ACK, ri, li + 1, 0), "the right SYN-ACK passes");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "as part of the flow");
	EXPECT_STATE(&c, SYN_RECV, "after SYN-ACK");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 1, 0), "ACK out");
	EXPECT_STATE(&c, ESTABLISHED, "after ACK");
	EXPECT_PASS(seg(&c, IN, TH_SYN | TH_ACK, ri, li + 1, 0),
		    "a retransmitted SYN-ACK (the ACK was lost) passes");
	EXPECT_STATE(&c, ESTABLISHED, "still ESTABLISHED");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 500), "data in");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 501, 0), "ACK out");
	/* The data in ACKs what this host never sent. */
	EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 501, li + 1 + 100000, 0), TCP_WINDOW,
		    "an ACK of data never sent");
	read_stat(WARD_STAT_DEFAULT, &pk, &by);
	ASSERT_EQ(pk - pk0, 0, "no rule counts a local flow's packets (default)");
	test_end();
}

/*
 * A SYN-ACK with a wrong ack (forged, or from an old incarnation) is
 * dropped; the real one, with its own ISN and options, must still pass.
 */
void test_outbound_bad_synack_first(void)
{
	struct conv c = mk_conv(P_TCP, RB, 443, 41001);
	__u32 li = 3000, ri = 8000;

	ct_test("outbound: a wrong SYN-ACK does not spoil the real one");
	EXPECT_PASS(seg_ex(&c, OUT, TH_SYN, li, 0, 0, WIN, 7), "SYN out (wscale 7)");
	EXPECT_DROP(seg(&c, IN, TH_SYN | TH_ACK, 123456789, li + 1000, 0), TCP_WINDOW,
		    "forged SYN-ACK (other ISN, wrong ack)");
	EXPECT_PASS(seg_ex(&c, IN, TH_SYN | TH_ACK, ri, li + 1, 0, 1000, 7),
		    "the real SYN-ACK passes");
	EXPECT_STATE(&c, SYN_RECV, "SYN_RECV");
	EXPECT_PASS(seg_ex(&c, OUT, TH_ACK, li + 1, ri + 1, 0, 1000, NO_WS), "ACK out (scaled)");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1 + 100000, li + 1, 100),
		    "data within the scaled window still passes");
	test_end();
}

/*
 * RFC 793: a TCP that restarts need not wait, it must only use larger
 * sequence numbers. A client that retries with the same port and a new ISN
 * while its first attempt is still half-open must get through (Linux
 * re-initialises the sender's window on such a SYN in SYN_SENT).
 */
void test_syn_new_isn(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40005, 80);

	ct_test("SYN_SENT: a new SYN with a larger ISN (the client restarted)");
	EXPECT_PASS(seg(&c, IN, TH_SYN, 1000, 0, 0), "first SYN");
	EXPECT_PASS(seg(&c, IN, TH_SYN, 50000000, 0, 0), "new SYN, larger ISN");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, 5000, 50000001, 0), "SYN-ACK to it");
	EXPECT_PASS(seg(&c, IN, TH_ACK, 50000001, 5001, 0), "ACK");
	EXPECT_STATE(&c, ESTABLISHED, "ESTABLISHED");
	test_end();
}

void test_simultaneous_open(void)
{
	struct conv c = mk_conv(P_TCP, RA, 5555, 5556);
	__u32 li = 100, ri = 200000;

	ct_test("simultaneous open: a SYN each way, then SYN-ACKs");
	EXPECT_PASS(seg(&c, OUT, TH_SYN, li, 0, 0), "SYN out");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "the peer's SYN passes");
	EXPECT_STATE(&c, SYN_SENT2, "SYN_SENT2");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li, ri + 1, 0), "SYN-ACK out");
	EXPECT_STATE(&c, SYN_RECV, "SYN_RECV");
	EXPECT_PASS(seg(&c, IN, TH_SYN | TH_ACK, ri, li + 1, 0), "the peer's SYN-ACK passes");
	EXPECT_STATE(&c, ESTABLISHED, "ESTABLISHED");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data in");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 101, 100), "data out");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 101, li + 101, 0), "ACK in");
	EXPECT_STATE(&c, ESTABLISHED, "still ESTABLISHED");
	test_end();
}

void test_retransmission(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40010, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("retransmission passes, a far-out segment is dropped, the flow survives");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data in");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 101, 0), "host ACKs it");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100),
		    "retransmission of acknowledged data passes");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 51, li + 1, 100), "overlapping retransmission");
	EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 101 + (1u << 30), li + 1, 100), TCP_WINDOW,
		    "seq + 2^30");
	EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 101 - (1u << 30), li + 1, 100), TCP_WINDOW,
		    "seq - 2^30");
	EXPECT_STATE(&c, ESTABLISHED, "flow survives");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 151, li + 1, 100), "next in-window segment");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "as part of the flow");
out:
	test_end();
}

/*
 * Window scaling: the peer may send up to this host's ack plus its window
 * shifted by its scale, when both SYNs carried the option (RFC 7323).
 */
static void wscale_case(const char *name, int ws_peer, int ws_host, bool scaled, __u16 port)
{
	struct conv c = mk_conv(P_TCP, RA, 40020, port);
	__u32 ri = 1000, li = 5000, edge;

	ct_test("window scale: %s", name);
	EXPECT_PASS(seg_ex(&c, IN, TH_SYN, ri, 0, 0, WIN, ws_peer), "SYN in");
	/* SYN-ACK windows are never scaled: 1000 bytes until the next ACK. */
	EXPECT_PASS(seg_ex(&c, OUT, TH_SYN | TH_ACK, li, ri + 1, 0, 1000, ws_host), "SYN-ACK out");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 0), "ACK in");
	EXPECT_PASS(seg_ex(&c, OUT, TH_ACK, li + 1, ri + 1, 0, 1000, NO_WS),
		    "host ACK with window 1000");
	if (scaled) {
		edge = ri + 1 + (1000u << ws_host);
		EXPECT_DROP(seg(&c, IN, TH_ACK, edge + 1, li + 1, 100), TCP_WINDOW,
			    "past ack + (win << scale)");
		EXPECT_PASS(seg(&c, IN, TH_ACK, edge, li + 1, 100),
			    "up to ack + (win << scale) passes");
		EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1 + 100000, li + 1, 100),
			    "past the unscaled window passes");
	} else {
		edge = ri + 1 + 1000;
		EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 1 + 100000, li + 1, 100), TCP_WINDOW,
			    "past the unscaled window: dropped, scaling is off");
		EXPECT_DROP(seg(&c, IN, TH_ACK, edge + 1, li + 1, 100), TCP_WINDOW,
			    "past ack + win");
		EXPECT_PASS(seg(&c, IN, TH_ACK, edge, li + 1, 100), "up to ack + win passes");
	}
	EXPECT_STATE(&c, ESTABLISHED, "established");
	test_end();
}

void test_wscale(void)
{
	wscale_case("both SYNs scale 7", 7, 7, true, 80);
	wscale_case("peer 2, host 7", 2, 7, true, 80);
	wscale_case("only the host's SYN-ACK has the option", NO_WS, 7, false, 80);
	wscale_case("only the peer's SYN has the option", 7, NO_WS, false, 80);
}
