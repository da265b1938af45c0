// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_linux.c: where ward's conntrack must agree with Linux's
 * nf_conntrack (issue 26, and new-flow flags of issue 20): port reuse after
 * a lost connection, flag validation in every state, the first SYN-ACK
 * winning, ICMP errors related only in their direction, UDP streams, flows
 * picked up mid-stream, and TCP checksums. Each case failed before the fix.
 *
 * The same harness as test_ct.c (tests/bpf/ct_harness.h): the peer's
 * packets through the ingress program (XDP, then the whole suite through
 * tc), this host's through ward_tc_egress, IPv4 and IPv6.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_ct_linux_test [-v] [-b]
 */
#include "ct_harness.h"

#define TH_URG		0x20
#define SEC_NS(s)	((__u64)((s) * 1e9))

static int seg_sum(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
		   __u16 len, bool bad)
{
	struct pkt_desc d;

	seg_desc(c, dir, flags, seq, ack, len, WIN, NO_WS, &d);
	d.bad_l4sum = bad;
	return run_desc(&d, dir);
}

/* ------------------------------------------------------------------ */
/* 1. A client that lost its connection connects again from its port */

static void test_port_reuse(void)
{
	struct conv c = mk_conv(P_TCP, RA, 41001, 80);
	__u32 ri = 1000, li = 5000, ri2 = 90000000;

	ct_test("port reuse: SYN on a live flow, challenge ACK, RST, new SYN connects");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data in");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 101, 0), "host ACKs it");
	/* The client crashed and connects again from the same port. */
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2, 0, 0), "a new SYN on the established flow passes");
	ASSERT_EQ(MOVED(TCP_IGNORED), 1, "tcp_ignored");
	EXPECT_STATE(&c, ESTABLISHED, "the flow is unchanged");
	EXPECT_PASS(seg(&c, OUT, TH_ACK, li + 1, ri + 101, 0), "the host's challenge ACK");
	/* RFC 793 SYN-SENT: an unacceptable ACK is answered <SEQ=SEG.ACK><CTL=RST>. */
	EXPECT_PASS(seg(&c, IN, TH_RST, ri + 101, 0, 0), "the client's RST to it");
	EXPECT_STATE(&c, CLOSE, "the RST was exact: closed");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2, 0, 0), "the retransmitted SYN");
	ASSERT_EQ(MOVED(ACCEPT), 1, "decided by the rules as a new flow");
	EXPECT_STATE(&c, SYN_SENT, "a new flow");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li + 7000, ri2 + 1, 0), "SYN-ACK out");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri2 + 1, li + 7001, 0), "ACK in");
	EXPECT_STATE(&c, ESTABLISHED, "the new connection is established");
out:
	test_end();

	c.rport = 41002;
	ct_test("port reuse: the server forgot the connection and refuses the SYN");
	if (!open_in(&c, ri, li))
		goto out2;
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2, 0, 0), "a new SYN on the established flow");
	EXPECT_PASS(seg(&c, OUT, TH_RST | TH_ACK, 0, ri2 + 1, 0), "the host's RST-ACK to it");
	EXPECT_STATE(&c, CLOSE, "closed");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2, 0, 0), "the next SYN opens a new flow");
	ASSERT_EQ(MOVED(ACCEPT), 1, "decided by the rules");
out2:
	test_end();

	c.rport = 41003;
	ct_test("port reuse: the server forgot the connection and accepts the SYN");
	if (!open_in(&c, ri, li))
		goto out3;
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2, 0, 0), "a new SYN on the established flow");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, 777, ri2 + 1, 0), "the host's SYN-ACK to it");
	EXPECT_STATE(&c, SYN_RECV, "the flow follows the new connection");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri2 + 1, 778, 0), "the client's ACK");
	EXPECT_STATE(&c, ESTABLISHED, "established");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri2 + 1, 778, 500), "data in");
out3:
	test_end();

	c.rport = 41004;
	ct_test("closed flows: a SYN in TIME_WAIT or CLOSE opens a new flow");
	if (!open_in(&c, ri, li))
		goto out4;
	EXPECT_PASS(seg(&c, IN, TH_RST | TH_ACK, ri + 1, li + 1, 0), "exact RST");
	EXPECT_STATE(&c, CLOSE, "CLOSE");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2, 0, 0), "SYN in CLOSE");
	ASSERT_EQ(MOVED(CT_NEW), 1, "a new flow");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li, ri2 + 1, 0), "SYN-ACK");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri2 + 1, li + 1, 0), "ACK");
	EXPECT_PASS(seg(&c, IN, TH_FIN | TH_ACK, ri2 + 1, li + 1, 0), "client FIN");
	EXPECT_PASS(seg(&c, OUT, TH_FIN | TH_ACK, li + 1, ri2 + 2, 0), "host FIN");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri2 + 2, li + 2, 0), "last ACK");
	EXPECT_STATE(&c, TIME_WAIT, "TIME_WAIT");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri2 + 5000, 0, 0), "SYN in TIME_WAIT");
	ASSERT_EQ(MOVED(CT_NEW), 1, "a new flow");
out4:
	test_end();
}

/* Linux lets a retransmitted SYN through while the handshake is half done. */
static void test_syn_half_open(void)
{
	struct conv c = mk_conv(P_TCP, RA, 41010, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("half open: a retransmitted SYN in SYN_RECV passes");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "SYN");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li, ri + 1, 0), "SYN-ACK (lost on its way)");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "the client's retransmitted SYN");
	EXPECT_STATE(&c, SYN_RECV, "still SYN_RECV");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li, ri + 1, 0), "the SYN-ACK again");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 0), "ACK");
	EXPECT_STATE(&c, ESTABLISHED, "established");
	test_end();
}

/*
 * A server still holding the port pair's old connection in TIME_WAIT that
 * does not take a new SYN answers it with a bare ACK of the old connection;
 * Linux passes it ignored, the client's RST (seq = that ack) ends the
 * TIME_WAIT, and its next SYN connects. cli: the client's direction.
 */
static void time_wait_reuse(const struct conv *c, int cli, int srv)
{
	__u32 isn = 1000, old_snd = 700000, old_rcv = 90000000, li = 5000;

	EXPECT_PASS(seg(c, cli, TH_SYN, isn, 0, 0), "SYN");
	EXPECT_PASS(seg(c, srv, TH_ACK, old_snd, old_rcv, 0),
		    "the TIME_WAIT's bare ACK of the old connection passes");
	ASSERT_EQ(MOVED(TCP_IGNORED), 1, "tcp_ignored");
	EXPECT_STATE(c, SYN_SENT, "the flow is unchanged");
	/* The host's own segments pass egress whatever they are: only the
	 * peer's can be dropped. */
	if (srv == IN) {
		EXPECT_DROP(seg(c, srv, TH_ACK, old_snd, old_rcv, 100), TCP_INVALID,
			    "a reply with data before any SYN-ACK");
		EXPECT_DROP(seg(c, srv, TH_FIN | TH_ACK, old_snd, old_rcv, 0), TCP_INVALID,
			    "a FIN before any SYN-ACK");
	} else {
		EXPECT_DROP(seg(c, cli, TH_RST, old_rcv + 1, 0, 0), TCP_WINDOW,
			    "a RST with another seq");
	}
	EXPECT_STATE(c, SYN_SENT, "still SYN_SENT");
	/* RFC 9293 3.10.7.3: <SEQ=SEG.ACK><CTL=RST>. */
	EXPECT_PASS(seg(c, cli, TH_RST, old_rcv, 0, 0), "the client's RST to the ACK");
	EXPECT_STATE(c, CLOSE, "closed");
	EXPECT_PASS(seg(c, cli, TH_SYN, isn, 0, 0), "the retransmitted SYN");
	ASSERT_EQ(MOVED(CT_NEW), 1, "a new flow");
	EXPECT_STATE(c, SYN_SENT, "SYN_SENT");
	EXPECT_PASS(seg(c, srv, TH_SYN | TH_ACK, li, isn + 1, 0), "SYN-ACK");
	EXPECT_PASS(seg(c, cli, TH_ACK, isn + 1, li + 1, 0), "ACK");
	EXPECT_STATE(c, ESTABLISHED, "the new connection is established");
	EXPECT_PASS(seg(c, srv, TH_ACK, li + 1, isn + 1, 100), "the server's data");
}

static void test_time_wait_reuse(void)
{
	struct conv in = mk_conv(P_TCP, RA, 41015, 80);
	struct conv out = mk_conv(P_TCP, RB, 443, 41016);

	ct_test("TIME_WAIT reuse: the host's bare ACK to a peer's SYN passes ignored");
	time_wait_reuse(&in, IN, OUT);
	test_end();

	ct_test("TIME_WAIT reuse: the peer's bare ACK to the host's SYN passes ignored");
	time_wait_reuse(&out, OUT, IN);
	test_end();
}

/* ------------------------------------------------------------------ */
/* 2. Flags validated before tracking, in every state */

struct bad_flags {
	__u8	flags;
	const char *name;
};

static const struct bad_flags bad_flags[] = {
	{ TH_SYN | TH_FIN, "SYN+FIN" },
	{ TH_SYN | TH_RST, "SYN+RST" },
	{ TH_FIN | TH_RST, "FIN+RST" },
	{ TH_FIN | TH_RST | TH_ACK, "FIN+RST+ACK" },
	{ 0, "no flags" },
	{ TH_FIN | TH_PSH | TH_URG, "XMAS" },
	{ TH_FIN, "FIN without ACK" },
	{ TH_PSH, "PSH alone" },
	{ TH_URG, "URG alone" },
	{ TH_SYN | TH_ACK | TH_RST, "SYN+ACK+RST" },
};

static void test_invalid_flags(void)
{
	struct conv c = mk_conv(P_TCP, RA, 41020, 80);
	struct conv n = mk_conv(P_TCP, RA, 41021, 80);
	__u32 ri = 1000, li = 5000;
	size_t i;

	ct_test("flags: invalid combinations on an established flow");
	if (!open_in(&c, ri, li))
		goto out;
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		EXPECT_DROP(seg(&c, IN, bad_flags[i].flags, ri + 1, li + 1, 0), TCP_INVALID,
			    bad_flags[i].name);
		EXPECT_STATE(&c, ESTABLISHED, bad_flags[i].name);
	}
	/* The forged FIN of the issue: in the window, no ACK. */
	EXPECT_DROP(seg(&c, IN, TH_FIN, ri + 1, 0, 0), TCP_INVALID, "in-window FIN without ACK");
	EXPECT_STATE(&c, ESTABLISHED, "not moved to a closing state");
	EXPECT_PASS(seg(&c, IN, TH_ACK | TH_PSH | TH_URG, ri + 1, li + 1, 10), "ACK+PSH+URG is fine");
out:
	test_end();

	ct_test("flags: without a flow only a SYN (or a bare ACK) may start one");
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		EXPECT_DROP(seg(&n, IN, bad_flags[i].flags, ri, 0, 0), TCP_INVALID,
			    bad_flags[i].name);
		ASSERT_FALSE(flow_exists(&n), "no flow");
	}
	EXPECT_DROP(seg(&n, IN, TH_RST, ri, 0, 0), TCP_INVALID, "a lone RST");
	EXPECT_DROP(seg(&n, IN, TH_RST | TH_ACK, ri, li, 0), TCP_INVALID, "a lone RST-ACK");
	EXPECT_DROP(seg(&n, IN, TH_FIN | TH_ACK, ri, li, 0), TCP_INVALID, "a lone FIN-ACK");
	EXPECT_DROP(seg(&n, IN, TH_SYN | TH_ACK, ri, li, 0), TCP_INVALID, "a lone SYN-ACK");
	ASSERT_FALSE(flow_exists(&n), "no flow");
	EXPECT_PASS(seg(&n, IN, TH_SYN | TH_URG, ri, 0, 0), "SYN+URG is a SYN");
	EXPECT_STATE(&n, SYN_SENT, "it opens the flow");
	test_end();
}

/* Global dry-run passes everything the rules would drop; what no flow would
 * let in is no different. */
static void test_invalid_dry_run(void)
{
	struct conv n = mk_conv(P_TCP, RA, 41022, 80);
	static const char dry[] =
		"defaults:\n"
		"  policy: drop\n"
		"  dry_run: true\n";

	ct_test("flags: in global dry-run a lone FIN passes as would-drop");
	if (!ASSERT_OK(commit_yaml("dry-run", dry), "commit dry-run"))
		goto out;
	EXPECT_PASS(seg(&n, IN, TH_FIN | TH_ACK, 1000, 1, 0), "a lone FIN-ACK");
	ASSERT_EQ(MOVED(WOULD_DROP), 1, "would_drop");
	ASSERT_FALSE(flow_exists(&n), "opens nothing");
	commit_main();
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* 3. The first SYN-ACK wins */

static void test_first_synack(void)
{
	struct conv c = mk_conv(P_TCP, RA, 41030, 80);
	struct conv o = mk_conv(P_TCP, RB, 443, 41031);
	__u32 ri = 1000, li = 5000, other = 5000 + 3000000;

	ct_test("handshake: a second SYN-ACK with other numbers is ignored (host responds)");
	EXPECT_PASS(seg(&c, IN, TH_SYN, ri, 0, 0), "SYN in");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, li, ri + 1, 0), "SYN-ACK out");
	EXPECT_PASS(seg(&c, OUT, TH_SYN | TH_ACK, other, ri + 1, 0), "another SYN-ACK out");
	EXPECT_STATE(&c, SYN_RECV, "SYN_RECV");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 0), "the client ACKs the first");
	EXPECT_STATE(&c, ESTABLISHED, "established on the first");
	EXPECT_PASS(seg(&c, IN, TH_ACK, ri + 1, li + 1, 100), "data in");
	test_end();

	ct_test("handshake: a second SYN-ACK with other numbers is ignored (peer responds)");
	EXPECT_PASS(seg(&o, OUT, TH_SYN, li, 0, 0), "SYN out");
	EXPECT_PASS(seg(&o, IN, TH_SYN | TH_ACK, ri, li + 1, 0), "SYN-ACK in");
	EXPECT_PASS(seg(&o, IN, TH_SYN | TH_ACK, ri + 3000000, li + 1, 0),
		    "an injected SYN-ACK passes, ignored");
	ASSERT_EQ(MOVED(TCP_IGNORED), 1, "tcp_ignored");
	EXPECT_PASS(seg(&o, OUT, TH_ACK, li + 1, ri + 1, 0), "the host ACKs the first");
	EXPECT_STATE(&o, ESTABLISHED, "established");
	EXPECT_PASS(seg(&o, IN, TH_ACK, ri + 1, li + 1, 1000), "the peer's data on the first");
	test_end();
}

/* ------------------------------------------------------------------ */
/* 4. ICMP errors: related only in their direction */

static void test_icmp_direction(void)
{
	struct conv t = mk_conv(P_TCP, RB, 443, 41040);
	struct conv tin = mk_conv(P_TCP, RA, 41041, 80);
	const char *other = fam == 4 ? "198.51.100.99" : "2001:db8::99";
	__u8 unreach = fam == 4 ? 3 : 1;

	ct_test("ICMP errors: related only going back to the quoted packet's sender");
	if (!open_out(&t, 3000, 8000) || !open_in(&tin, 1000, 5000))
		goto out;
	EXPECT_PASS(icmp_error(unreach, &t, OUT), "about the host's packet, to the host");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	EXPECT_DROP(icmp_error_to(unreach, &t, OUT, other), POLICY,
		    "about the host's packet, to another inside address");
	ASSERT_EQ(MOVED(ICMP_ORPHAN), 1, "not related");
	EXPECT_DROP(icmp_error(unreach, &t, IN), POLICY,
		    "about the peer's packet of a local flow, to the host");
	ASSERT_EQ(MOVED(CT_RELATED), 0, "not related");
	EXPECT_PASS(icmp_error(unreach, &tin, OUT), "about the host's reply of an inbound flow");
	ASSERT_EQ(MOVED(CT_RELATED), 1, "ct_related");
	EXPECT_DROP(icmp_error(unreach, &tin, IN), POLICY,
		    "about the peer's packet, sent to the host instead of the peer");
	ASSERT_EQ(MOVED(CT_RELATED), 0, "not related");
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* 5. UDP: udp_stream only for flows that keep exchanging */

static void test_udp_stream(void)
{
	struct conv q = mk_conv(P_UDP, RA, 5310, 53);
	struct conv s = mk_conv(P_UDP, RA, 5311, 53);
	struct ward_ct_val v;
	char yaml[2048];

	ct_test("UDP: an answered query keeps the udp timeout, a stream gets udp_stream");
	snprintf(yaml, sizeof(yaml), "%s%s", main_policy, short_timeouts);
	if (!ASSERT_OK(commit_yaml("timeouts", yaml), "commit short timeouts"))
		goto out;
	EXPECT_PASS(udp(&q, IN, 30), "query in");
	EXPECT_PASS(udp(&q, OUT, 200), "answer out at once");
	if (ASSERT_OK(flow_get(&q, &v), "flow"))
		ASSERT_FALSE(v.flags & WARD_CTF_STREAM, "not a stream");
	ASSERT_OK(flow_age(&q, SEC_NS(1.5)), "idle 1.5 s");
	EXPECT_PASS(udp(&q, IN, 30), "next query (udp: 1 s)");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "the answered query's flow had expired");

	EXPECT_PASS(udp(&s, IN, 30), "stream in");
	EXPECT_PASS(udp(&s, OUT, 30), "stream out");
	ASSERT_OK(flow_times(&s, SEC_NS(2.5), 0), "the flow began 2.5 s ago");
	EXPECT_PASS(udp(&s, IN, 30), "still exchanging after 2 s");
	if (ASSERT_OK(flow_get(&s, &v), "flow"))
		ASSERT_TRUE(v.flags & WARD_CTF_STREAM, "a stream");
	ASSERT_OK(flow_age(&s, SEC_NS(1.5)), "idle 1.5 s");
	EXPECT_PASS(udp(&s, IN, 30), "passes (udp_stream: 3 s)");
	ASSERT_EQ(MOVED(CT_EXPIRED), 0, "not expired");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on the flow");
	commit_main();
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* 6. Flows picked up mid-stream */

static void test_loose_pickup(void)
{
	struct conv a = mk_conv(P_TCP, RA, 41060, 80);
	struct conv b = mk_conv(P_TCP, RA, 41061, 80);
	char yaml[2048];

	ct_test("stray ACK: a short timeout until answered, and it never stops a SYN");
	snprintf(yaml, sizeof(yaml), "%s%s", main_policy, short_timeouts);
	if (!ASSERT_OK(commit_yaml("timeouts", yaml), "commit short timeouts"))
		goto out;
	EXPECT_PASS(seg(&a, IN, TH_ACK, 7000, 9000, 0), "a stray ACK is picked up");
	EXPECT_STATE(&a, ESTABLISHED, "picked up");
	ASSERT_OK(flow_age(&a, SEC_NS(1.5)), "idle 1.5 s");
	EXPECT_PASS(seg(&a, IN, TH_ACK, 7000, 9000, 0), "another ACK (tcp_handshake: 1 s)");
	ASSERT_EQ(MOVED(CT_EXPIRED), 1, "the unanswered pickup had expired");
	EXPECT_PASS(seg(&a, IN, TH_SYN, 123456, 0, 0), "a SYN from that port");
	ASSERT_EQ(MOVED(ACCEPT), 1, "opens a new flow, decided by the rules");
	EXPECT_STATE(&a, SYN_SENT, "SYN_SENT");
	EXPECT_PASS(seg(&a, OUT, TH_SYN | TH_ACK, 5000, 123457, 0), "SYN-ACK");
	EXPECT_PASS(seg(&a, IN, TH_ACK, 123457, 5001, 0), "ACK");
	EXPECT_STATE(&a, ESTABLISHED, "connected");

	EXPECT_PASS(seg(&b, IN, TH_ACK, 7000, 9000, 10), "a picked-up session");
	EXPECT_PASS(seg(&b, OUT, TH_ACK, 9000, 7010, 100), "the host answers");
	ASSERT_OK(flow_age(&b, SEC_NS(1.5)), "idle 1.5 s");
	EXPECT_PASS(seg(&b, IN, TH_ACK, 7010, 9100, 10), "answered: the established timeout");
	ASSERT_EQ(MOVED(CT_EXPIRED), 0, "not expired");
	commit_main();
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* 7. TCP checksums */

static void test_checksum(void)
{
	struct conv c = mk_conv(P_TCP, RA, 41070, 80);
	struct conv n = mk_conv(P_TCP, RA, 41071, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("checksum: verified on segments that open or change a flow");
	EXPECT_DROP(seg_sum(&n, IN, TH_SYN, ri, 0, 0, true), BAD_CHECKSUM, "a corrupted SYN");
	ASSERT_FALSE(flow_exists(&n), "opens nothing");
	EXPECT_DROP(seg_sum(&n, IN, TH_ACK, ri, li, 10, true), BAD_CHECKSUM,
		    "a corrupted stray ACK");
	ASSERT_FALSE(flow_exists(&n), "opens nothing");
	if (!open_in(&c, ri, li))
		goto out;
	EXPECT_DROP(seg_sum(&c, IN, TH_RST, ri + 1, 0, 0, true), BAD_CHECKSUM,
		    "a corrupted RST with the exact sequence number");
	EXPECT_STATE(&c, ESTABLISHED, "the flow lives");
	EXPECT_DROP(seg_sum(&c, IN, TH_FIN | TH_ACK, ri + 1, li + 1, 0, true), BAD_CHECKSUM,
		    "a corrupted FIN");
	EXPECT_STATE(&c, ESTABLISHED, "still established");
	EXPECT_DROP(seg_sum(&c, IN, TH_SYN, ri + 50000, 0, 0, true), BAD_CHECKSUM,
		    "a corrupted SYN on the live flow");
	EXPECT_PASS(seg_sum(&c, IN, TH_ACK, ri + 1, li + 1, 1000, false), "data with a right sum");
	EXPECT_PASS(seg_sum(&c, IN, TH_RST, ri + 1, 0, 0, false), "the exact RST, right sum");
	EXPECT_STATE(&c, CLOSE, "closes it");
out:
	test_end();
}

/* A local sender's offloaded segment carries the pseudo-header sum only. */
static void test_checksum_partial(void)
{
	struct conv c = mk_conv(P_TCP, RA, 41072, 80);
	struct pkt_desc d;

	ct_test("checksum: a segment left to offload (CHECKSUM_PARTIAL) passes");
	seg_desc(&c, IN, TH_SYN, 1000, 0, 0, WIN, NO_WS, &d);
	d.partial_l4sum = true;
	EXPECT_PASS(run_desc(&d, IN), "SYN with a partial checksum");
	EXPECT_STATE(&c, SYN_SENT, "opens the flow");
	test_end();
}

/* ------------------------------------------------------------------ */

static void run_suite(void)
{
	test_port_reuse();
	test_syn_half_open();
	test_time_wait_reuse();
	test_invalid_flags();
	test_invalid_dry_run();
	test_first_synack();
	test_icmp_direction();
	test_udp_stream();
	test_loose_pickup();
	test_checksum();
	test_checksum_partial();
}

int main(int argc, char **argv)
{
	int ret = ct_main_start(argc, argv, "ward_ct_linux_test", "ct_linux");

	if (ret)
		return ret;
	if (open_dp(0))
		ct_each_hook(run_suite);
	return ct_main_end("ct_linux");
}
