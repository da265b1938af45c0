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
 * This file holds main() and the order the cases run in; the cases are in
 * test_ct_tcp.c, test_ct_tcp_close.c, test_ct_udp_icmp.c, test_ct_policy.c
 * and test_ct_table.c, the harness in ct_harness.c.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_ct_test [-v] [-b]
 *   -v  print every test, and libbpf/libward info messages
 *   -b  also run the tests that are disabled because of a known bug
 */
#include "ct_harness.h"
#include "test_ct.h"

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
	return ct_main_end("ct");
}
