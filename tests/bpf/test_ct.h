/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/test_ct.h: the cases of ward_ct_test, one area a file, for
 * test_ct.c's main() to run. Only the files of ward_ct_test include it,
 * after ct_harness.h.
 */
#ifndef WARD_TEST_CT_H
#define WARD_TEST_CT_H

/* test_ct_tcp.c: opening TCP flows */
void test_handshake_in(void);
void test_seq_wrap(void);
void test_loose_ack(void);
void test_outbound(void);
void test_outbound_bad_synack_first(void);
void test_syn_new_isn(void);
void test_simultaneous_open(void);
void test_retransmission(void);
void test_wscale(void);

/* test_ct_tcp_close.c: ending TCP flows, invalid segments */
void test_rst(void);
void test_fin_client_first(void);
void test_fin_server_first(void);
void test_fin_simultaneous(void);
void test_reopen_after_rule_removed(void);
void test_invalid(void);

/* test_ct_udp_icmp.c */
void test_udp(void);
void test_echo(void);
void test_icmp_errors(void);
void test_icmp_orphan_accepted(void);

/* test_ct_policy.c: flows across policy changes */
void test_revocation(void);
void test_revocation_sticks(void);
void test_dry_run(void);

/* test_ct_table.c: timeouts, fragments */
void test_expiry(void);
void test_expiry_sleep(void);
void test_fragments(void);
void test_fragments_on_flow(void);

#endif /* WARD_TEST_CT_H */
