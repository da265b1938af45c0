// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_pressure.c: a full flow table (issue 25). A new flow
 * takes the place of the oldest unanswered one (early drop), answered
 * flows are never evicted and a new flow is refused (ct_full) only when
 * nothing unanswered is left, and the adaptive timeout scale shortens
 * unanswered flows' timeouts only. A table of 1024 flows.
 *
 * The same harness as test_ct.c (tests/bpf/ct_harness.h): the peer's
 * packets through the ingress program (XDP, then the whole suite through
 * tc), this host's through ward_tc_egress, IPv4 and IPv6.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_ct_pressure_test [-v] [-b]
 */
#include "ct_harness.h"

/* Fills the table up to max_flows - used with unanswered UDP flows from RA,
 * ports 10000 on; false when one did not pass. */
static bool fill_unanswered(__u32 n, bool answer)
{
	struct conv f;
	__u32 i;

	for (i = 0; i < n; i++) {
		f = mk_conv(P_UDP, RA, (__u16)(10000 + i), 53);
		if (udp(&f, IN, 20) != V_PASS || (answer && udp(&f, OUT, 20) != V_PASS))
			return false;
	}
	return true;
}

static void test_table_full(void)
{
	struct conv est = mk_conv(P_TCP, RA, 40080, 80);
	struct conv loc = mk_conv(P_UDP, RB, 53, 42200);
	struct conv syn = mk_conv(P_TCP, RB, 40081, 80);
	struct conv f = mk_conv(P_UDP, RA, 20000, 53);
	struct conv first = mk_conv(P_UDP, RA, 10000, 53);
	struct conv second = mk_conv(P_UDP, RA, 10001, 53);
	struct conv half = mk_conv(P_TCP, RB, 40082, 80);
	__u32 ri = 1000, li = 5000;

	ct_test("table full (max_flows 1024): a new flow takes the oldest unanswered one's place");
	if (!ASSERT_EQ(bpf_map__max_entries(dp.skel->maps.ward_ct), 1024, "table size"))
		goto out;
	if (!open_in(&est, ri, li))
		goto out;
	EXPECT_PASS(udp(&loc, OUT, 30), "a local UDP flow");
	EXPECT_PASS(udp(&loc, IN, 300), "answered");
	EXPECT_PASS(seg(&half, IN, TH_SYN, ri, 0, 0), "a SYN");
	EXPECT_PASS(seg(&half, OUT, TH_SYN | TH_ACK, li, ri + 1, 0), "its SYN-ACK");
	if (!ASSERT_TRUE(fill_unanswered(1021, false), "1021 unanswered flows fill the table"))
		goto out;
	ASSERT_EQ(count_flows(), 1024, "the table is full");

	EXPECT_PASS(udp(&f, IN, 20), "a new flow passes");
	ASSERT_EQ(MOVED(CT_EARLY_DROP), 1, "by early drop");
	ASSERT_EQ(MOVED(CT_NEW), 1, "and has its flow");
	ASSERT_FALSE(flow_exists(&half), "of the oldest unanswered flow: a handshake never done");
	ASSERT_TRUE(flow_exists(&first), "the next oldest is still there");
	EXPECT_PASS(seg(&syn, IN, TH_SYN, 1, 0, 0), "a new TCP flow passes too");
	ASSERT_FALSE(flow_exists(&first), "in place of the next oldest");
	ASSERT_TRUE(flow_exists(&second), "and only that one");

	EXPECT_PASS(seg(&est, IN, TH_ACK, ri + 1, li + 1, 100), "established TCP passes");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on its flow");
	EXPECT_PASS(seg(&est, OUT, TH_ACK, li + 1, ri + 101, 100), "and its reply");
	EXPECT_PASS(udp(&loc, IN, 300), "the answered local flow's reply passes");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on its flow");
	ASSERT_EQ(count_flows(), 1024, "the table stays full");
out:
	test_end();
}

static void test_table_full_answered(void)
{
	struct conv f = mk_conv(P_UDP, RB, 20000, 53);
	struct conv syn = mk_conv(P_TCP, RB, 40081, 80);
	struct conv old = mk_conv(P_UDP, RA, 10000, 53);

	ct_test("table full of answered flows: a new flow is refused, none is evicted");
	if (!ASSERT_TRUE(fill_unanswered(1024, true), "1024 answered flows fill the table"))
		goto out;
	EXPECT_DROP(udp(&f, IN, 20), CT_FULL, "a new UDP flow is refused");
	ASSERT_EQ(MOVED(CT_EARLY_DROP), 0, "nothing evicted");
	ASSERT_FALSE(flow_exists(&f), "the refused flow is not there");
	EXPECT_DROP(seg(&syn, IN, TH_SYN, 1, 0, 0), CT_FULL, "a new TCP flow is refused too");
	EXPECT_PASS(udp(&old, IN, 20), "the oldest answered flow passes");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "on its flow");
	ASSERT_EQ(count_flows(), 1024, "nothing was evicted");
out:
	test_end();
}

/* With the scale wardd writes under pressure at 0, an unanswered flow is
 * gone as soon as it is idle; an answered one keeps its timeout. */
static void test_adaptive_timeout(void)
{
	struct conv una = mk_conv(P_UDP, RA, 10000, 53);
	struct conv ans = mk_conv(P_UDP, RA, 10001, 53);

	ct_test("adaptive timeout: pressure shortens unanswered flows' timeouts only");
	EXPECT_PASS(udp(&una, IN, 20), "an unanswered flow");
	EXPECT_PASS(udp(&ans, IN, 20), "a flow");
	EXPECT_PASS(udp(&ans, OUT, 20), "answered");
	ASSERT_EQ(MOVED(CT_ANSWERED), 1, "counted as answered");
	dp.ct_ctl->scale = 0;
	usleep(20000);	/* past a coarse clock tick */
	EXPECT_PASS(udp(&una, IN, 20), "the unanswered flow's next packet");
	ASSERT_EQ(MOVED(CT_ADAPTIVE), 1, "found it expired by the adaptive timeout");
	ASSERT_EQ(MOVED(CT_NEW), 1, "and opened it anew");
	EXPECT_PASS(udp(&ans, IN, 20), "the answered flow's next packet");
	ASSERT_EQ(MOVED(CT_ESTABLISHED), 1, "passes on its flow");
	ASSERT_EQ(MOVED(CT_ADAPTIVE), 0, "untouched by the pressure");
	dp.ct_ctl->scale = WARD_CT_SCALE_ONE;
	test_end();
}

static void run_suite(void)
{
	test_table_full();
	test_table_full_answered();
	test_adaptive_timeout();
}

int main(int argc, char **argv)
{
	int ret = ct_main_start(argc, argv, "ward_ct_pressure_test", "ct_pressure");

	if (ret)
		return ret;
	if (open_dp(1024))
		ct_each_hook(run_suite);
	return ct_main_end("ct_pressure");
}
