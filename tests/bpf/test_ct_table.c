// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_table.c: the cases of ward_ct_test for the flow table
 * itself: timeouts (aged flows, real waits and the sweeper) and fragments
 * following their flow. A full table has its own suite, test_ct_pressure.c.
 * The harness is in ct_harness.c, main() in test_ct.c.
 */
#include "ct_harness.h"
#include "test_ct.h"
#include "ct_sweep.h"

/* ------------------------------------------------------------------ */
/* Timeouts */

void test_expiry(void)
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
void test_expiry_sleep(void)
{
	struct conv a = mk_conv(P_UDP, RB, 1010, 42010);
	struct conv b = mk_conv(P_UDP, RB, 1011, 42011);
	char yaml[2048];
	size_t n;

	ct_test("timeouts: real waits, and the sweeper (its ring, then its walk)");
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
	n = dp_ct_expire(&dp);
	ASSERT_EQ(n, 1, "the sweeper expires the unreplied flow");
	ASSERT_FALSE(flow_exists(&b), "it is gone");
	ASSERT_TRUE(flow_exists(&a), "the replied one stays");
	ASSERT_EQ(dp.ct_ctl->swept, dp.ct_ctl->head, "both ring entries were looked at");
	EXPECT_DROP(udp(&b, IN, 30), POLICY, "late reply meets the rules");
	usleep(3100 * 1000);
	dp.walk_next = 0;	/* the walk's next step is due now, not in a minute */
	n = dp_ct_expire(&dp);
	ASSERT_EQ(n, 1, "the walk expires the replied flow past udp_stream");
	ASSERT_FALSE(flow_exists(&a), "it is gone");
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

void test_fragments(void)
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
void test_fragments_on_flow(void)
{
	struct conv c = mk_conv(P_UDP, RB, 53, 42100);

	ct_test("fragments: a fragmented reply on an existing flow");
	EXPECT_PASS(udp(&c, OUT, 40), "query out");
	EXPECT_PASS(frag(&c, IN, true, 0x6161), "first fragment of the reply passes");
	EXPECT_PASS(frag(&c, IN, false, 0x6161), "its later fragment passes");
	ASSERT_EQ(MOVED(FRAG_PASS), 1, "frag_pass");
	test_end();
}
