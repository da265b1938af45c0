// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct.c: conntrack on the real data plane (build/ward.bpf.o
 * through its skeleton), driven with BPF_PROG_TEST_RUN.
 *
 * The test plays both ends of each conversation: a peer outside, whose
 * packets go through the ingress program (ward_xdp_ingress, and the whole
 * suite again through ward_tc_ingress), and this host, whose packets go
 * through ward_tc_egress with ingress_ifindex 0 (locally made). Policies go
 * the way wardd sends them: YAML -> cfg_parse_string -> compile_policy ->
 * dp_commit, into maps that are not pinned. After every packet the verdict,
 * the drop reason (every drop moves exactly one) and the conntrack counters
 * it should move are checked, and the flow is read back from ward_ct.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_ct_test [-v] [-b]
 *   -v  print every test, and libbpf/libward info messages
 *   -b  also run the tests that are disabled because of a known bug
 */
#include "ct_harness.h"

/* ------------------------------------------------------------------ */
/* TCP */

static void test_handshake_in(void)
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
static void test_seq_wrap(void)
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
static void test_loose_ack(void)
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

static void test_outbound(void)
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
static void test_outbound_bad_synack_first(void)
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
static void test_syn_new_isn(void)
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

static void test_simultaneous_open(void)
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

static void test_retransmission(void)
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

static void test_wscale(void)
{
	wscale_case("both SYNs scale 7", 7, 7, true, 80);
	wscale_case("peer 2, host 7", 2, 7, true, 80);
	wscale_case("only the host's SYN-ACK has the option", NO_WS, 7, false, 80);
	wscale_case("only the peer's SYN has the option", 7, NO_WS, false, 80);
}

static void test_rst(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40030, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("RST with the exact sequence number closes the flow");
	if (open_in(&c, ri, li)) {
		/* Data in flight, not yet acknowledged: the peer's highest seq
		 * is ri + 101, the host's RCV.NXT is still ri + 1. */
		EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data in, unacknowledged");
		EXPECT_PASS(seg(&c, IN, TH_RST, ri + 1, 0, 0), "RST at the host's last ack");
		EXPECT_STATE(&c, CLOSE, "CLOSE");
		EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 1, li + 1, 10), TCP_INVALID,
			    "data after the RST");
	}
	test_end();

	c.rport = 40031;
	ct_test("RST in window but inexact passes, the flow stays (RFC 5961)");
	if (open_in(&c, ri, li)) {
		EXPECT_PASS(seg(&c, IN, TH_RST, ri + 1 + 500, 0, 0), "inexact RST passes");
		ASSERT_EQ(MOVED(RST_INEXACT), 1, "rst_inexact");
		EXPECT_STATE(&c, ESTABLISHED, "still ESTABLISHED");
		EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 1, 0), "challenge ACK out");
		EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data still passes");
		EXPECT_PASS(seg(&c, IN, TH_RST | TH_ACK, ri + 1, li + 1, 0),
			    "the exact RST answering the challenge closes it");
		EXPECT_STATE(&c, CLOSE, "CLOSE");
	}
	test_end();

	c.rport = 40032;
	ct_test("RST out of window is dropped, the flow stays");
	if (open_in(&c, ri, li)) {
		EXPECT_DROP(seg(&c, IN, TH_RST, ri + 1 + (1u << 30), 0, 0), TCP_WINDOW,
			    "RST far out of window");
		EXPECT_DROP(seg(&c, IN, TH_RST, ri + 1 - 200000, 0, 0), TCP_WINDOW,
			    "RST before the window");
		EXPECT_STATE(&c, ESTABLISHED, "still ESTABLISHED");
		EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data still passes");
	}
	test_end();

	c = mk_conv(P_TCP, RB, 443, 41010);
	ct_test("RST answering an outbound SYN (connection refused) closes it");
	EXPECT_PASS(seg(&c, OUT, TH_SYN, li, 0, 0), "SYN out");
	EXPECT_DROP(seg(&c, IN, TH_RST | TH_ACK, 0, li + 7, 0), TCP_WINDOW,
		    "RST-ACK with the wrong ack");
	EXPECT_STATE(&c, SYN_SENT, "still SYN_SENT");
	EXPECT_PASS(seg(&c, IN, TH_RST | TH_ACK, 0, li + 1, 0), "RST-ACK with ack = isn + 1");
	EXPECT_STATE(&c, CLOSE, "CLOSE");
	EXPECT_PASS(seg(&c, OUT, TH_SYN, li + 10000, 0, 0), "the host's new SYN reopens it");
	EXPECT_STATE(&c, SYN_SENT, "SYN_SENT again");
	test_end();

	c = mk_conv(P_TCP, RA, 40033, 80);
	ct_test("host refuses an inbound SYN with RST, the peer's next SYN is decided anew");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "SYN in");
	EXPECT_PASS(seg(&c, OUT, TH_RST | TH_ACK, 0, ri + 1, 0), "RST-ACK out");
	EXPECT_STATE(&c, CLOSE, "CLOSE");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri + 5000, 0, 0), "a new SYN passes on the rule");
	ASSERT_EQ(MOVED(ACCEPT), 1, "decided by the rules");
	EXPECT_STATE(&c, SYN_SENT, "SYN_SENT");
	test_end();
}

static void test_fin_client_first(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40040, 80);
	__u32 ri = 1000, li = 5000;
	struct ward_ct_val v;

	ct_test("FIN: the peer (client) closes first, then reopens");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_FIN | TH_ACK, ri + 1, li + 1, 0), "client FIN");
	EXPECT_STATE(&c, FIN_WAIT, "FIN_WAIT");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 2, 0), "host ACKs the FIN");
	EXPECT_STATE(&c, CLOSE_WAIT, "CLOSE_WAIT");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 2, 200), "host still sends data");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 2, li + 201, 0), "client ACKs it");
	EXPECT_STATE(&c, CLOSE_WAIT, "CLOSE_WAIT");
	EXPECT_PASS(seg(&c, OUT, TH_FIN | TH_ACK, li + 201, ri + 2, 0), "host FIN");
	EXPECT_STATE(&c, LAST_ACK, "LAST_ACK");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 2, li + 202, 0), "client ACKs the FIN");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 2, li + 202, 0), "a repeated last ACK passes");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");

	EXPECT_PASS(seg(&c, IN, TH_SYN, ri + 100000, 0, 0), "a new SYN from the client");
	ASSERT_EQ(MOVED(ACCEPT), 1, "decided by the rules again");
	ASSERT_EQ(MOVED(CT_NEW), 1, "a new flow");
	EXPECT_STATE(&c, SYN_SENT, "reopened: SYN_SENT");
	if (ASSERT_OK(flow_get(&c, &v), "flow")) {
		ASSERT_EQ(v.packets[0], 1, "counts start over");
		ASSERT_EQ(v.packets[1], 0, "counts start over (reply)");
	}
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li + 100000, ri + 100001, 0), "SYN-ACK out");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 100001, li + 100001, 0), "ACK in");
	EXPECT_STATE(&c, ESTABLISHED, "ESTABLISHED again");
out:
	test_end();
}

static void test_fin_server_first(void)
{
	struct conv c = mk_conv(P_TCP, RB, 40041, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("FIN: this host (server) closes first");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, OUT, TH_FIN | TH_ACK, li + 1, ri + 1, 0), "host FIN");
	EXPECT_STATE(&c, FIN_WAIT, "FIN_WAIT");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 2, 0), "client ACKs the FIN");
	EXPECT_STATE(&c, CLOSE_WAIT, "CLOSE_WAIT");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 2, 300), "client still sends data");
	EXPECT_PASS(seg(&c, IN, TH_FIN | TH_ACK, ri + 301, li + 2, 0), "client FIN");
	EXPECT_STATE(&c, LAST_ACK, "LAST_ACK");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 2, ri + 302, 0), "host ACKs the FIN");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");
	EXPECT_PASS(seg(&c, IN, TH_FIN | TH_ACK, ri + 301, li + 2, 0),
		    "a retransmitted FIN in TIME_WAIT passes");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");
	EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 302 + (1u << 30), li + 2, 10), TCP_WINDOW,
		    "far-out segment in TIME_WAIT");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri + 900000, 0, 0), "the client's new SYN reopens it");
	EXPECT_STATE(&c, SYN_SENT, "SYN_SENT");
out:
	test_end();
}

/* Both FINs cross: each side's FIN, then both ACKs. */
static void test_fin_simultaneous(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40042, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("FIN: both sides close at once");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_FIN | TH_ACK, ri + 1, li + 1, 0), "client FIN");
	EXPECT_PASS(seg(&c, OUT, TH_FIN | TH_ACK, li + 1, ri + 1, 0), "host FIN, crossing");
	EXPECT_STATE(&c, LAST_ACK, "LAST_ACK");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 2, li + 2, 0), "client ACKs the host's FIN");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 2, ri + 2, 0), "host ACKs the client's FIN");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");
out:
	test_end();
}

/* With the accept rule gone, the SYN on a closed flow is dropped. */
static void test_reopen_after_rule_removed(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40043, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("reopen on TIME_WAIT: the rules decide (accept rule removed: dropped)");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_FIN | TH_ACK, ri + 1, li + 1, 0), "client FIN");
	EXPECT_PASS(seg(&c, OUT, TH_FIN | TH_ACK, li + 1, ri + 2, 0), "host FIN+ACK");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 2, li + 2, 0), "last ACK");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");
	if (!ASSERT_OK(commit_yaml("no web", no_web_policy), "commit without web"))
		goto out;
	/* A flow of an older generation is re-checked before it is followed:
	 * the reopening SYN meets the rules as a revoked flow's packet. */
	ASSERT_EQ(seg(&c, IN, TH_SYN, ri + 100000, 0, 0), V_DROP, "new SYN dropped");
	ASSERT_EQ(MOVED(DROP_REVOKED) + MOVED(DROP_POLICY), 1, "dropped as revoked or by policy");
	ASSERT_FALSE(flow_exists(&c), "no flow");
	EXPECT_DROP(seg(&c, IN, TH_SYN, ri + 100000, 0, 0), POLICY, "retransmitted SYN dropped");
	commit_main();
out:
	test_end();
}

static void test_invalid(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40050, 80);
	struct conv o = mk_conv(P_TCP, RB, 443, 41020);
	__u32 ri = 1000, li = 5000;

	ct_test("invalid: SYN from the responder on an established flow");
	if (open_in(&c, ri, li)) {
		/* The host is the responder; test the peer as responder too.
		 * The originator's SYN passes, ignored (test_ct_linux.c). */
		EXPECT_PASS(seg(&c, IN, TH_SYN, ri + 1, 0, 0),
			    "the originator's SYN on an established flow");
		ASSERT_EQ(MOVED(TCP_IGNORED), 1, "ignored");
		EXPECT_STATE(&c, ESTABLISHED, "still ESTABLISHED");
	}
	if (open_out(&o, li, ri)) {
		EXPECT_DROP(seg(&o, IN, TH_SYN, ri + 1, 0, 0), TCP_INVALID,
			    "the responder's SYN on an established flow");
		EXPECT_STATE(&o, ESTABLISHED, "still ESTABLISHED");
	}
	test_end();

	c.rport = 40051;
	o.lport = 41021;
	ct_test("invalid: an ACK in SYN_SENT");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "SYN in");
	EXPECT_DROP(seg(&c, IN, TH_ACK, ri + 1, li + 1, 0), TCP_INVALID,
		    "the originator's ACK before any SYN-ACK");
	EXPECT_STATE(&c, SYN_SENT, "still SYN_SENT");
	EXPECT_PASS(seg(&o, OUT, TH_SYN, li, 0, 0), "SYN out");
	/* A bare one is what a server in TIME_WAIT answers: ignored, as Linux
	 * (test_ct_linux.c); data before any SYN-ACK has no connection. */
	EXPECT_PASS(seg(&o, IN, TH_ACK, ri, li + 1, 0),
		    "the responder's bare ACK instead of a SYN-ACK passes ignored");
	ASSERT_EQ(MOVED(TCP_IGNORED), 1, "tcp_ignored");
	EXPECT_DROP(seg(&o, IN, TH_ACK, ri, li + 1, 10), TCP_INVALID,
		    "the responder's data instead of a SYN-ACK");
	EXPECT_STATE(&o, SYN_SENT, "still SYN_SENT");
	EXPECT_PASS(seg(&o, IN, TH_SYN | TH_ACK, ri, li + 1, 0), "the SYN-ACK still passes");
	test_end();

	c.rport = 40052;
	ct_test("invalid: a segment with no flags");
	if (open_in(&c, ri, li)) {
		EXPECT_DROP(seg(&c, IN, 0, ri + 1, li + 1, 10), TCP_INVALID, "no flags");
		EXPECT_DROP(seg(&c, IN, TH_PSH, ri + 1, li + 1, 10), TCP_INVALID,
			    "PSH alone (no ACK)");
		EXPECT_STATE(&c, ESTABLISHED, "still ESTABLISHED");
		EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 10), "a normal segment passes");
	}
	test_end();

	c.rport = 40053;
	ct_test("invalid: the originator's SYN-ACK on an established flow");
	if (open_in(&c, ri, li))
		EXPECT_DROP(seg(&c, IN, TH_SYN | TH_ACK, ri, li + 1, 0), TCP_INVALID,
			    "SYN-ACK from the originator");
	test_end();
}

/* ------------------------------------------------------------------ */
/* UDP and ICMP */

static void test_udp(void)
{
	struct conv in = mk_conv(P_UDP, RA, 5300, 53);
	struct conv out = mk_conv(P_UDP, RB, 5353, 40500);
	struct conv stray = mk_conv(P_UDP, RB, 5353, 40501);
	struct ward_ct_val v;
	long dns = stat_of("dns");
	__u64 pk0, by0, pk, by;

	ct_test("UDP: request opens, reply passes and sets REPLIED");
	if (!ASSERT_GE(dns, 0, "rule 'dns' has a stat index"))
		goto out;
	read_stat(dns, &pk0, &by0);
	EXPECT_PASS(udp(&in, IN, 30), "request in (rule dns)");
	ASSERT_EQ(MOVED(CT_NEW), 1, "ct_new");
	if (ASSERT_OK(flow_get(&in, &v), "flow")) {
		ASSERT_FALSE(v.flags & WARD_CTF_REPLIED, "not REPLIED yet");
		ASSERT_EQ(v.orig, conv_ep(&in, IN), "the peer is the originator");
		ASSERT_EQ(v.state, 0, "no TCP state");
	}
	EXPECT_PASS(udp(&in, OUT, 200), "reply out");
	if (ASSERT_OK(flow_get(&in, &v), "flow"))
		ASSERT_TRUE(v.flags & WARD_CTF_REPLIED, "REPLIED");
	EXPECT_PASS(udp(&in, IN, 30), "next request in");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on the flow");
	ASSERT_EQ(MOVED(ACCEPT), 0, "not by a rule");
	read_stat(dns, &pk, &by);
	ASSERT_EQ(pk - pk0, 3, "rule dns: packets of both directions");

	EXPECT_PASS(udp(&out, OUT, 40), "this host's request out");
	if (ASSERT_OK(flow_get(&out, &v), "flow"))
		ASSERT_TRUE(v.flags & WARD_CTF_LOCAL, "LOCAL");
	EXPECT_PASS(udp(&out, IN, 400), "its reply passes under policy drop");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on the flow");
	if (ASSERT_OK(flow_get(&out, &v), "flow"))
		ASSERT_TRUE(v.flags & WARD_CTF_REPLIED, "REPLIED");
	EXPECT_DROP(udp(&stray, IN, 400), POLICY, "the same peer to another local port");
out:
	test_end();
}

static void test_echo(void)
{
	struct conv in = mk_conv(P_ICMPX, RA, 0x4d01, 0);
	struct conv out = mk_conv(P_ICMPX, RB, 0x4d02, 0);
	struct conv stray = mk_conv(P_ICMPX, RB, 0x4d03, 0);
	struct ward_ct_val v;

	ct_test("ICMP echo: request opens, reply passes, unsolicited reply decided by rules");
	EXPECT_PASS(echo(&in, IN, ECHO_REQ), "request in (rule ping)");
	ASSERT_EQ(MOVED(CT_NEW), 1, "ct_new");
	EXPECT_PASS(echo(&in, OUT, ECHO_REP), "reply out");
	if (ASSERT_OK(flow_get(&in, &v), "flow keyed by the identifier"))
		ASSERT_TRUE(v.flags & WARD_CTF_REPLIED, "REPLIED");
	EXPECT_PASS(echo(&in, IN, ECHO_REQ), "next request in");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on the flow");

	EXPECT_PASS(echo(&out, OUT, ECHO_REQ), "this host's request out");
	ASSERT_EQ(MOVED(CT_NEW), 1, "opens a flow");
	EXPECT_PASS(echo(&out, IN, ECHO_REP), "its reply passes under policy drop");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on the flow");

	EXPECT_DROP(echo(&stray, IN, ECHO_REP), POLICY, "unsolicited reply (no flow)");
	ASSERT_FALSE(flow_exists(&stray), "opens nothing");
	test_end();
}

static void test_icmp_errors(void)
{
	struct conv t = mk_conv(P_TCP, RB, 443, 41100);
	struct conv u = mk_conv(P_UDP, RB, 53, 41101);
	struct conv tin = mk_conv(P_TCP, RA, 40060, 80);
	struct conv none_t = mk_conv(P_TCP, RB, 443, 41999);
	struct conv none_u = mk_conv(P_UDP, RB, 53, 41998);
	struct conv ping = mk_conv(P_ICMPX, RB, 0x4d30, 0);
	struct conv none_p = mk_conv(P_ICMPX, RB, 0x4d31, 0);
	__u8 unreach = fam == 4 ? 3 : 1, exceeded = fam == 4 ? 11 : 3, ptb = 2;

	ct_test("ICMP errors quoting a flow pass (related), forged ones do not");
	if (!open_out(&t, 3000, 8000))
		goto out;
	EXPECT_PASS(udp(&u, OUT, 30), "UDP request out");
	if (!open_in(&tin, 1000, 5000))
		goto out;

	EXPECT_PASS(icmp_error(unreach, &t, OUT), "unreachable quoting the TCP flow");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	ASSERT_EQ(MOVED(ICMP_ORPHAN), 0, "not an orphan");
	EXPECT_PASS(icmp_error(unreach, &u, OUT), "port unreachable quoting the UDP flow");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	EXPECT_PASS(icmp_error(exceeded, &u, OUT), "time exceeded quoting the UDP flow");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	EXPECT_PASS(icmp_error(unreach, &tin, OUT), "unreachable quoting an inbound flow's reply");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	/* traceroute -I: time exceeded about this host's echo request. */
	EXPECT_PASS(echo(&ping, OUT, ECHO_REQ), "echo request out");
	EXPECT_PASS(icmp_error(exceeded, &ping, OUT), "time exceeded quoting the echo flow");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	EXPECT_DROP(icmp_error(exceeded, &none_p, OUT), POLICY, "quoting an echo with no flow");
	ASSERT_EQ(MOVED(ICMP_ORPHAN), 1, "icmp_orphan");

	EXPECT_DROP(icmp_error(unreach, &none_t, OUT), POLICY, "unreachable quoting no TCP flow");
	ASSERT_EQ(MOVED(ICMP_ORPHAN), 1, "icmp_orphan");
	ASSERT_EQ(MOVED(CT_RELATED), 0, "not related");
	EXPECT_DROP(icmp_error(unreach, &none_u, OUT), POLICY, "unreachable quoting no UDP flow");
	ASSERT_EQ(MOVED(ICMP_ORPHAN), 1, "icmp_orphan");

	if (fam == 6) {
		EXPECT_PASS(icmp_error(ptb, &t, OUT), "packet too big quoting the TCP flow");
		ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
		EXPECT_DROP(icmp_error(ptb, &none_t, OUT), POLICY,
			    "packet too big quoting no flow");
		ASSERT_EQ(MOVED(ICMP_ORPHAN), 1, "icmp_orphan");
	} else {
		/* Fragmentation needed is the IPv4 packet too big. */
		EXPECT_PASS(icmp_error(3, &t, OUT), "frag needed quoting the TCP flow");
	}
out:
	test_end();
}

/* An orphan error is decided by the rules: an accept rule lets it in. */
static void test_icmp_orphan_accepted(void)
{
	struct conv none_u = mk_conv(P_UDP, RB, 53, 41997);
	char yaml[1024];

	ct_test("ICMP error quoting no flow: an accept rule decides it");
	snprintf(yaml, sizeof(yaml), "%s"
		 "  - name: errors\n"
		 "    proto: %s\n"
		 "    action: accept\n", main_policy, fam == 4 ? "icmp" : "icmpv6");
	if (!ASSERT_OK(commit_yaml("errors", yaml), "commit"))
		goto out;
	EXPECT_PASS(icmp_error(fam == 4 ? 3 : 1, &none_u, OUT), "orphan accepted by the rule");
	ASSERT_EQ(MOVED(ICMP_ORPHAN), 1, "still counted as an orphan");
	ASSERT_EQ(MOVED(ACCEPT), 1, "accepted by a rule");
	commit_main();
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* Policy changes */

static void test_revocation(void)
{
	struct conv web = mk_conv(P_TCP, RA, 40070, 80);
	struct conv alt = mk_conv(P_TCP, RA, 40071, 8080);
	struct conv dns = mk_conv(P_UDP, RA, 5301, 53);
	struct conv loc = mk_conv(P_TCP, RB, 443, 41200);
	struct conv ping = mk_conv(P_ICMPX, RA, 0x4d20, 0);
	struct ward_ct_val v;
	__u64 g0, g1;
	__u32 ri = 1000, li = 5000;
	long alt_stat;

	ct_test("revocation: removing an accept rule cuts its flows, and only those");
	if (!open_in(&web, ri, li) || !open_in(&alt, ri, li) || !open_out(&loc, li, ri))
		goto out;
	EXPECT_PASS(udp(&dns, IN, 30), "UDP request in");
	EXPECT_PASS(echo(&ping, IN, ECHO_REQ), "echo request in");
	g0 = live_generation();
	if (!ASSERT_OK(commit_yaml("no web", no_web_policy), "commit without web"))
		goto out;
	g1 = live_generation();
	ASSERT_NEQ(g1, g0, "a new generation");
	alt_stat = stat_of("alt");

	EXPECT_DROP(seg(&web, IN, TH_ACK, ri + 1, li + 1, 100), REVOKED,
		    "the web flow's next packet");
	ASSERT_FALSE(flow_exists(&web), "the web flow is deleted");
	EXPECT_DROP(seg(&web, IN, TH_ACK, ri + 1, li + 1, 100), POLICY,
		    "and the packet after it meets the rules");

	EXPECT_PASS(seg(&alt, IN, TH_ACK, ri + 1, li + 1, 100), "the alt flow passes");
	if (ASSERT_OK(flow_get(&alt, &v), "alt flow")) {
		ASSERT_EQ(v.generation, g1, "re-stamped with the new generation");
		ASSERT_EQ(v.stat, alt_stat, "with the rule's stat under the new policy");
		ASSERT_STREQ(state_names[v.state % WARD_TCP_STATE_MAX], "ESTABLISHED",
			     "still ESTABLISHED");
	}
	EXPECT_PASS(seg(&alt, IN, TH_ACK, ri + 101, li + 1, 100), "and keeps passing");

	EXPECT_PASS(udp(&dns, IN, 30), "the dns flow passes");
	if (ASSERT_OK(flow_get(&dns, &v), "dns flow"))
		ASSERT_EQ(v.generation, g1, "re-stamped");

	EXPECT_PASS(echo(&ping, OUT, ECHO_REP), "echo reply out");
	EXPECT_PASS(echo(&ping, IN, ECHO_REQ), "the ping flow passes (re-checked as a request)");
	if (ASSERT_OK(flow_get(&ping, &v), "ping flow"))
		ASSERT_EQ(v.generation, g1, "re-stamped");

	EXPECT_PASS(seg(&loc, IN, TH_ACK, ri + 1, li + 1, 100), "the local flow passes");
	if (ASSERT_OK(flow_get(&loc, &v), "local flow"))
		ASSERT_EQ(v.generation, g0, "LOCAL: not re-checked");
	commit_main();
out:
	test_end();
}

/*
 * A revoked flow stays cut: this host, still connected, keeps sending on it
 * (ACKs, retransmissions, keepalives); that must not open a flow through
 * which the peer gets back in without a rule.
 */
static void test_revocation_sticks(void)
{
	struct conv web = mk_conv(P_TCP, RA, 40072, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("revocation: the host's next segment does not reopen a revoked flow");
	if (!open_in(&web, ri, li))
		goto out;
	if (!ASSERT_OK(commit_yaml("no web", no_web_policy), "commit without web"))
		goto out;
	EXPECT_DROP(seg(&web, IN, TH_ACK, ri + 1, li + 1, 100), REVOKED, "revoked");
	EXPECT_PASS(seg(&web, OUT, TH_ACK, li + 1, ri + 1, 100), "host still sends data");
	EXPECT_DROP(seg(&web, IN, TH_ACK, ri + 1, li + 101, 100), POLICY,
		    "the peer's next segment is still refused");
	commit_main();
out:
	test_end();
}

/* A flow a dry-run drop let in passes as would-drop, until a real policy. */
static void test_dry_run(void)
{
	struct conv c = mk_conv(P_TCP, RA, 40090, 81);
	struct ward_ct_val v;
	char yaml[2048];

	ct_test("dry run: flows of would-drops pass, and are cut when it ends");
	snprintf(yaml, sizeof(yaml), "defaults:\n  dry_run: true\n%s",
		 strstr(main_policy, "  policy: drop"));
	if (!ASSERT_OK(commit_yaml("dry run", yaml), "commit dry run"))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_SYN, 1000, 0, 0), "SYN to a dropped port passes");
	ASSERT_EQ(MOVED(WOULD_DROP), 1, "would_drop");
	if (ASSERT_OK(flow_get(&c, &v), "flow"))
		ASSERT_TRUE(v.flags & WARD_CTF_DRY_RUN, "DRY_RUN flag");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, 5000, 1001, 0), "SYN-ACK out");
	EXPECT_PASS(seg(&c, IN, TH_ACK, 1001, 5001, 0), "ACK in");
	ASSERT_EQ(MOVED(WOULD_DROP), 1, "would_drop");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 0, "not counted as established");
	if (!ASSERT_OK(commit_yaml("main", main_policy), "commit without dry run"))
		goto out;
	EXPECT_DROP(seg(&c, IN, TH_ACK, 1001, 5001, 10), REVOKED, "cut when dry run ends");
out:
	commit_main();
	test_end();
}

/* ------------------------------------------------------------------ */
/* Timeouts */

static void test_expiry(void)
{
	struct conv a = mk_conv(P_UDP, RB, 1001, 42001);
	struct conv b = mk_conv(P_UDP, RB, 1002, 42002);
	struct conv c = mk_conv(P_UDP, RA, 1003, 53);
	struct conv t = mk_conv(P_TCP, RB, 443, 42004);
	struct conv e = mk_conv(P_ICMPX, RB, 0x4d10, 0);
	char yaml[2048];

	ct_test("timeouts: udp, udp_stream, tcp_handshake, icmp; then the rules decide");
	snprintf(yaml, sizeof(yaml), "%s%s", main_policy, short_timeouts);
	if (!ASSERT_OK(commit_yaml("timeouts", yaml), "commit short timeouts"))
		goto out;

	EXPECT_PASS(udp(&a, OUT, 30), "request out, never answered");
	ASSERT_OK(flow_age(&a, 1500000000ULL), "age 1.5 s");
	EXPECT_DROP(udp(&a, IN, 30), POLICY, "late reply (udp: 1 s): the rules drop it");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "ct_expired");
	ASSERT_FALSE(flow_exists(&a), "the flow is gone");

	EXPECT_PASS(udp(&b, OUT, 30), "request out");
	EXPECT_PASS(udp(&b, IN, 30), "reply in: REPLIED");
	ASSERT_OK(flow_times(&b, 2500000000ULL, 0), "begun 2.5 s ago");
	EXPECT_PASS(udp(&b, IN, 30), "still exchanging: a stream");
	ASSERT_OK(flow_age(&b, 1500000000ULL), "age 1.5 s");
	EXPECT_PASS(udp(&b, IN, 30), "replied flow at 1.5 s (udp_stream: 3 s) passes");
	ASSERT_EQ(MOVED(CT_EXPIRED), 0, "not expired");
	ASSERT_OK(flow_age(&b, 3500000000ULL), "age 3.5 s");
	EXPECT_DROP(udp(&b, IN, 30), POLICY, "at 3.5 s it has expired");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "ct_expired");

	EXPECT_PASS(udp(&c, IN, 30), "inbound request (rule dns)");
	ASSERT_OK(flow_age(&c, 1500000000ULL), "age 1.5 s");
	EXPECT_PASS(udp(&c, IN, 30), "expired, the rules accept it again");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "ct_expired");
	ASSERT_EQ(MOVED(CT_NEW), 1, "a new flow");
	ASSERT_EQ(MOVED(ACCEPT), 1, "by the rule");

	EXPECT_PASS(seg(&t, OUT, TH_SYN, 3000, 0, 0), "SYN out");
	ASSERT_OK(flow_age(&t, 1500000000ULL), "age 1.5 s");
	EXPECT_DROP(seg(&t, IN, TH_SYN | TH_ACK, 8000, 3001, 0), TCP_INVALID,
		    "SYN-ACK after tcp_handshake (1 s): no flow to belong to");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "ct_expired");

	EXPECT_PASS(echo(&e, OUT, ECHO_REQ), "echo request out");
	ASSERT_OK(flow_age(&e, 1500000000ULL), "age 1.5 s");
	EXPECT_DROP(echo(&e, IN, ECHO_REP), POLICY, "reply after icmp (1 s)");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "ct_expired");
	commit_main();
out:
	test_end();
}

/* The clock for real once: bpf_ktime_get_ns against an actual wait. */
static void test_expiry_sleep(void)
{
	struct conv a = mk_conv(P_UDP, RB, 1010, 42010);
	struct conv b = mk_conv(P_UDP, RB, 1011, 42011);
	char yaml[2048];
	size_t n;

	ct_test("timeouts: a real 1.2 s wait, and the sweeper");
	snprintf(yaml, sizeof(yaml), "%s%s", main_policy, short_timeouts);
	if (!ASSERT_OK(commit_yaml("timeouts", yaml), "commit short timeouts"))
		goto out;
	EXPECT_PASS(udp(&a, OUT, 30), "request out");
	EXPECT_PASS(udp(&b, OUT, 30), "another request out");
	EXPECT_PASS(udp(&a, IN, 30), "a prompt reply passes");
	ASSERT_OK(flow_times(&a, 2500000000ULL, 0), "begun 2.5 s ago");
	EXPECT_PASS(udp(&a, IN, 30), "still exchanging: a stream");
	usleep(1200 * 1000);
	EXPECT_PASS(udp(&a, IN, 30), "replied flow after 1.2 s (udp_stream 3 s)");
	n = dp_ct_sweep(&dp, 1000);
	ASSERT_EQ(n, 1, "the sweeper expires the unreplied flow");
	ASSERT_FALSE(flow_exists(&b), "it is gone");
	ASSERT_TRUE(flow_exists(&a), "the replied one stays");
	EXPECT_DROP(udp(&b, IN, 30), POLICY, "late reply meets the rules");
	commit_main();
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* Fragments */

static int frag(const struct conv *c, int dir, bool first, __u32 id)
{
	struct pkt_desc d;

	conv_desc(c, dir, &d);
	d.frag_id = id;
	d.payload = 104;
	if (c->family == 4) {
		d.ip4_frag = first ? IP4_MF : IP4_FRAG_OFF(112);
	} else {
		d.ext = "f";
		d.ip6_frag = first ? IP6_MF : IP6_FRAG_OFF(112);
	}
	return run_desc(&d, dir);
}

static void test_fragments(void)
{
	struct conv c = mk_conv(P_UDP, RA, 5400, 53);

	ct_test("fragments: later fragments follow an admitted first one");
	EXPECT_PASS(frag(&c, IN, true, 0x5151), "first fragment (MF, offset 0) to port 53");
	ASSERT_EQ(MOVED(ACCEPT), 1, "accepted by the rule");
	ASSERT_TRUE(flow_exists(&c), "opens the flow");
	EXPECT_PASS(frag(&c, IN, false, 0x5151), "later fragment, same id");
	ASSERT_EQ(MOVED(FRAG_PASS), 1, "frag_pass");
	EXPECT_DROP(frag(&c, IN, false, 0x5152), POLICY, "later fragment, unknown id");
	ASSERT_EQ(MOVED(FRAGMENT), 1, "fragment");
	test_end();
}

/* A big reply on a flow that exists (EDNS, NFS over UDP): its first
 * fragment passes on the flow, and the rest must follow it. */
static void test_fragments_on_flow(void)
{
	struct conv c = mk_conv(P_UDP, RB, 53, 42100);

	ct_test("fragments: a fragmented reply on an existing flow");
	EXPECT_PASS(udp(&c, OUT, 40), "query out");
	EXPECT_PASS(frag(&c, IN, true, 0x6161), "first fragment of the reply passes");
	EXPECT_PASS(frag(&c, IN, false, 0x6161), "its later fragment passes");
	ASSERT_EQ(MOVED(FRAG_PASS), 1, "frag_pass");
	test_end();
}

/* ------------------------------------------------------------------ */
/* Table pressure */

static void test_table_full(void)
{
	struct conv est = mk_conv(P_TCP, RA, 40080, 80);
	struct conv loc = mk_conv(P_UDP, RB, 53, 42200);
	struct conv syn = mk_conv(P_TCP, RB, 40081, 80);
	struct conv f;
	__u32 ri = 1000, li = 5000, i;
	int v = V_PASS;

	ct_test("table full (max_flows 1024): new flows refused, live ones pass");
	if (!ASSERT_EQ(bpf_map__max_entries(dp.skel->maps.ward_ct), 1024, "table size"))
		goto out;
	if (!open_in(&est, ri, li))
		goto out;
	EXPECT_PASS(udp(&loc, OUT, 30), "a local UDP flow");
	for (i = 0; i < 2000; i++) {
		f = mk_conv(P_UDP, RA, (__u16)(10000 + i), 53);
		v = udp(&f, IN, 20);
		if (v != V_PASS)
			break;
	}
	if (!ASSERT_EQ(v, V_DROP, "a new flow is refused at last"))
		goto out;
	ASSERT_STREQ(last_drop(), "ct_full", "as ct_full");
	ASSERT_FALSE(flow_exists(&f), "the refused flow is not there");
	ASSERT_EQ(count_flows(), 1024, "refused when the table held max_flows flows");
	EXPECT_DROP(seg(&syn, IN, TH_SYN, 1, 0, 0), CT_FULL,
		    "a new TCP flow is refused too");

	EXPECT_PASS(seg(&est, IN, TH_ACK, ri + 1, li + 1, 100), "established TCP passes");
	EXPECT_PASS(seg(&est, OUT, TH_ACK, li + 1, ri + 101, 100), "and its reply");
	EXPECT_PASS(udp(&loc, IN, 300), "the local flow's reply passes");
	f = mk_conv(P_UDP, RA, 10000, 53);
	EXPECT_PASS(udp(&f, IN, 20), "a flow made while filling passes");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on its flow");
	ASSERT_EQ(count_flows(), 1024, "nothing was evicted");
out:
	test_end();
}

/* ------------------------------------------------------------------ */

static void run_suite(void)
{
	test_handshake_in();
	test_seq_wrap();
	test_loose_ack();
	test_outbound();
	test_outbound_bad_synack_first();
	test_syn_new_isn();
	test_simultaneous_open();
	test_retransmission();
	test_wscale();
	test_rst();
	test_fin_client_first();
	test_fin_server_first();
	test_fin_simultaneous();
	test_reopen_after_rule_removed();
	test_invalid();
	test_udp();
	test_echo();
	test_icmp_errors();
	test_icmp_orphan_accepted();
	test_revocation();
	test_revocation_sticks();
	test_dry_run();
	test_expiry();
	test_fragments();
	test_fragments_on_flow();
}

int main(int argc, char **argv)
{
	int ret = ct_main_start(argc, argv, "ward_ct_test", "ct");

	if (ret)
		return ret;
	if (open_dp(0)) {
		ct_each_hook(run_suite);
		test_expiry_sleep();
	}
	if (open_dp(1024)) {
		for (fam = 4; fam <= 6; fam += 2)
			test_table_full();
	}
	return ct_main_end("ct");
}
