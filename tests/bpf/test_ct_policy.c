// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_policy.c: the cases of ward_ct_test for flows across
 * policy changes: revoked when their rule goes, for good, and what dry_run
 * does to them. The harness is in ct_harness.c, main() in test_ct.c.
 */
#include "ct_harness.h"
#include "test_ct.h"

/* ------------------------------------------------------------------ */
/* Policy changes */

void test_revocation(void)
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
void test_revocation_sticks(void)
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
void test_dry_run(void)
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
