// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_tcp_close.c: the cases of ward_ct_test for ending
 * TCP flows and what no flow may accept: RST, the FIN exchanges, reopening
 * after the rule went, and invalid segments. The harness is in
 * ct_harness.c, main() in test_ct.c.
 */
#include "ct_harness.h"
#include "test_ct.h"

void test_rst(void)
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

void test_fin_client_first(void)
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

void test_fin_server_first(void)
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
void test_fin_simultaneous(void)
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
void test_reopen_after_rule_removed(void)
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

void test_invalid(void)
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
