// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_ct_udp_icmp.c: the cases of ward_ct_test for UDP flows,
 * ICMP echo, and ICMP errors related to a flow (or to none). The harness
 * is in ct_harness.c, main() in test_ct.c.
 */
#include "ct_harness.h"
#include "test_ct.h"

/* ------------------------------------------------------------------ */
/* UDP and ICMP */

void test_udp(void)
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

void test_echo(void)
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

void test_icmp_errors(void)
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
void test_icmp_orphan_accepted(void)
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
