// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_bpf.c: the real data plane (build/ward.bpf.o through its
 * skeleton) run with BPF_PROG_TEST_RUN on crafted packets.
 *
 * Every policy goes the way wardd sends it: YAML -> cfg_parse_string ->
 * compile_policy -> dp_commit, into maps that are not pinned (dp_open with
 * no pin dir), so nothing outlives the process and nothing is attached.
 * Every packet row runs through both ward_xdp_ingress and ward_tc_ingress,
 * and for each hook the verdict, the per-CPU counters (exactly the expected
 * ones move, by exactly one) and the per-rule packet and byte counters
 * (exactly the expected rule moves) are checked.
 *
 * This file holds main(), the test-run interface the rest relies on and
 * the maps before any commit. The harness is in bpf_harness.c; the cases,
 * one area a file, in test_bpf_parser.c (parser branches, the link layer),
 * test_bpf_malformed.c, test_bpf_rules.c (what a rule matches) and
 * test_bpf_commit.c (defaults, the atomic swap, many rules).
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_bpf_test [-v] [-b]
 *   -v  print every test, and libbpf/libward info messages
 *   -b  also run the tests that are disabled because of a known bug
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "ward.skel.h"
#include "log.h"
#include "test_assert.h"
#include "test_main.h"
#include "pkt.h"
#include "bpf_harness.h"

/* ------------------------------------------------------------------ */
/* The test-run interface itself: what the rest relies on. */

static void test_env_checks(void)
{
	struct pkt_desc d = { .family = 4, .proto = P_TCP, .dport = 80 };
	struct pkt k;
	__u32 rv;

	pkt_build(&d, &k);

	test_start("env: a frame shorter than Ethernet is refused by BPF_PROG_TEST_RUN");
	/* So "shorter than Ethernet" cannot reach the programs from here;
	 * the shortest frame they can see is 14 bytes (see the malformed group). */
	ASSERT_ERR(run_prog(true, k.data, 13, 1, 1, &rv), -EINVAL, "xdp 13 bytes");
	ASSERT_ERR(run_prog(false, k.data, 13, 1, 1, &rv), -EINVAL, "tc 13 bytes");
	test_end();

	test_start("env: xdp refuses an ingress_ifindex with no device, tc does not");
	ASSERT_ERR(run_prog(true, k.data, k.len, 0x7ffffff0, 1, &rv), -ENODEV, "xdp");
	ASSERT_OK(run_prog(false, k.data, k.len, 0x7ffffff0, 1, &rv), "tc");
	test_end();
}

/* Before the first commit the maps are zero: slot 0, no tuples, and a
 * default action of 0, which is not accept. */
static const struct pkt_case before_commit_cases[] = {
	{ "ipv4 tcp is dropped (fail closed)",
	  { .family = 4, .proto = P_TCP, .dport = 22 }, DROP(POLICY, NULL) },
	{ "ipv6 udp is dropped (fail closed)",
	  { .family = 6, .proto = P_UDP, .dport = 53 }, DROP(POLICY, NULL) },
	{ "arp passes",
	  { .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },
	{ "ipv6 neighbour solicitation passes",
	  { ND(135, "ff02::1:ff00:2"), .payload = 16 }, PASS(PASS_ND, NULL) },
};

static void test_before_commit(void)
{
	__u64 pk0, by0, pk, by;

	read_stat(WARD_STAT_DEFAULT, &pk0, &by0);
	run_cases("before commit", before_commit_cases, ARRAY_SIZE(before_commit_cases));
	test_start("before commit: the default pseudo-rule's stat counted the drops");
	read_stat(WARD_STAT_DEFAULT, &pk, &by);
	/* Two drops, each through both hooks; ARP and ND are not counted. */
	ASSERT_EQ(pk - pk0, 4, "stat 0 packets");
	test_end();
}

int main(int argc, char **argv)
{
	int err;

	if (test_args(argc, argv, "ward_bpf_test", &run_bugs))
		return 2;
	find_links();
	ncpus = libbpf_num_possible_cpus();

	test_start("setup: dp_open");
	err = dp_open(&dp, NULL, 0);	/* 0: the default flow table size */
	ASSERT_OK(err, "dp_open");
	ASSERT_GE(ncpus, 1, "possible cpus");
	test_end();
	if (err || ncpus < 1) {
		printf("bpf: %d passed, %d failed\n", test_env.passed, test_env.failed);
		return 1;
	}
	if (test_env.verbose)
		printf("links: lo=%d wan=%s(%d) unlisted=%s(%d), %d possible cpus\n",
		       tlinks[L_LO].ifindex, tlinks[L_WAN].name, tlinks[L_WAN].ifindex,
		       tlinks[L_NONE].name, tlinks[L_NONE].ifindex, ncpus);

	test_env_checks();
	test_before_commit();
	test_parser();
	test_drop_all();
	test_malformed();
	test_rules();
	test_defaults();
	test_swap();
	test_many_rules();
	harness_close();

	if (test_env.skipped)
		printf("bpf: %d skipped%s\n", test_env.skipped,
		       run_bugs ? "" : " (known bugs: run with -b to include them)");
	printf("bpf: %d passed, %d failed\n", test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
