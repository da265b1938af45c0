// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_bpf_commit.c: the cases of ward_bpf_test about a policy
 * as a whole: its defaults (policy, dry_run, none given, no rules), the
 * atomic swap from one commit to the next (slots, generations, counters
 * kept by name) and ten thousand rules in one commit. The harness is in
 * bpf_harness.c, main() in test_bpf.c.
 */
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "test_assert.h"
#include "pkt.h"
#include "bpf_harness.h"

/* ------------------------------------------------------------------ */
/* Defaults */

static const char defaults_accept_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n";

static const char defaults_drop_policy[] =
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n"
	"  - name: d-accept\n"
	"    proto: tcp\n"
	"    port: 7402\n"
	"    action: accept\n";

static const char defaults_dry_drop_policy[] =
	"defaults:\n"
	"  policy: drop\n"
	"  dry_run: true\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n"
	"  - name: d-accept\n"
	"    proto: tcp\n"
	"    port: 7402\n"
	"    action: accept\n";

static const char defaults_dry_accept_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"  dry_run: true\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n";

/* Without a defaults: section the policy is drop. */
static const char defaults_implicit_policy[] =
	"rules:\n"
	"  - name: d-accept\n"
	"    proto: tcp\n"
	"    port: 7402\n"
	"    action: accept\n";

static const char empty_accept_policy[] =
	"defaults:\n"
	"  policy: accept\n";

static const struct pkt_case defaults_accept_cases[] = {
	{ "unmatched ipv4 is accepted", TCP4(7401), PASS(ACCEPT, "default") },
	{ "unmatched ipv6 is accepted", UDP6(7401), PASS(ACCEPT, "default") },
	{ "the drop rule still drops", TCP4(7400), DROP(RULE, "d-drop") },
};

static const struct pkt_case defaults_drop_cases[] = {
	{ "unmatched ipv4 is dropped", TCP4(7401), DROP(POLICY, "default") },
	{ "unmatched ipv6 is dropped", UDP6(7401), DROP(POLICY, "default") },
	{ "the drop rule drops as a rule", TCP4(7400), DROP(RULE, "d-drop") },
	{ "the accept rule accepts", TCP4(7402), PASS(ACCEPT, "d-accept") },
};

static const struct pkt_case defaults_dry_drop_cases[] = {
	{ "unmatched passes, would_drop, default counted", TCP4(7401),
	  PASS(WOULD_DROP, "default") },
	{ "a drop rule passes too, would_drop, rule counted", TCP4(7400),
	  PASS(WOULD_DROP, "d-drop") },
	{ "an accept rule is a plain accept", TCP4(7402), PASS(ACCEPT, "d-accept") },
	{ "a malformed packet is still dropped", TCP4(7401, .patch = { SET8(L3, 0, 0x44) }),
	  DROP(BAD_IP4, NULL) },
};

static const struct pkt_case defaults_dry_accept_cases[] = {
	{ "unmatched is accepted, not would_drop", TCP4(7401), PASS(ACCEPT, "default") },
	{ "a drop rule passes, would_drop", TCP4(7400), PASS(WOULD_DROP, "d-drop") },
};

static const struct pkt_case defaults_implicit_cases[] = {
	{ "unmatched is dropped", TCP4(7401), DROP(POLICY, "default") },
	{ "the accept rule accepts", TCP4(7402), PASS(ACCEPT, "d-accept") },
};

static const struct pkt_case empty_accept_cases[] = {
	{ "no rules: ipv4 accepted by default", TCP4(1), PASS(ACCEPT, "default") },
	{ "no rules: ipv6 accepted by default", UDP6(1), PASS(ACCEPT, "default") },
};

void test_defaults(void)
{
	if (commit_test("defaults accept", defaults_accept_policy))
		run_cases("defaults accept", defaults_accept_cases,
			  ARRAY_SIZE(defaults_accept_cases));
	if (commit_test("defaults drop", defaults_drop_policy))
		run_cases("defaults drop", defaults_drop_cases, ARRAY_SIZE(defaults_drop_cases));
	if (commit_test("defaults drop + dry_run", defaults_dry_drop_policy))
		run_cases("defaults drop + dry_run", defaults_dry_drop_cases,
			  ARRAY_SIZE(defaults_dry_drop_cases));
	if (commit_test("defaults accept + dry_run", defaults_dry_accept_policy))
		run_cases("defaults accept + dry_run", defaults_dry_accept_cases,
			  ARRAY_SIZE(defaults_dry_accept_cases));
	if (commit_test("no defaults section", defaults_implicit_policy))
		run_cases("no defaults section", defaults_implicit_cases,
			  ARRAY_SIZE(defaults_implicit_cases));
	if (commit_test("no rules", empty_accept_policy)) {
		struct ward_policy_hdr *h = calloc(1, sizeof(*h));

		run_cases("no rules", empty_accept_cases, ARRAY_SIZE(empty_accept_cases));
		test_start("no rules: the live slot has no tuples");
		if (ASSERT_OK_PTR(h, "calloc") &&
		    ASSERT_OK(live_hdr(live_state().active_slot, h), "read ward_policy"))
			ASSERT_EQ(h->n_tuples, 0, "n_tuples");
		test_end();
		free(h);
	}
}

/* ------------------------------------------------------------------ */
/* The atomic swap */

static const char swap_a_policy[] =
	"interfaces:\n"
	"  - match: lo\n"
	"    role: lan\n"
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: keep\n"
	"    proto: tcp\n"
	"    port: 9000\n"
	"    action: accept\n"
	"  - name: gone\n"
	"    proto: tcp\n"
	"    port: 9001\n"
	"    action: drop\n"
	"  - name: lan-only\n"
	"    in: lan\n"
	"    proto: tcp\n"
	"    port: 9003\n"
	"    action: accept\n";

/* keep moves down and changes shape; gone goes; the default flips. */
static const char swap_b_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: new\n"
	"    proto: tcp\n"
	"    port: 9001\n"
	"    action: accept\n"
	"  - name: new-drop\n"
	"    proto: tcp\n"
	"    port: 9003\n"
	"    action: drop\n"
	"  - name: keep\n"
	"    proto: tcp\n"
	"    port: [9000, 9010]\n"
	"    action: accept\n";

static const struct pkt_case swap_a_cases[] = {
	{ "A: keep accepts", TCP4(9000), PASS(ACCEPT, "keep") },
	{ "A: keep accepts again", TCP6(9000), PASS(ACCEPT, "keep") },
	{ "A: gone drops", TCP4(9001), DROP(RULE, "gone") },
	{ "A: unmatched dropped", TCP4(9002), DROP(POLICY, "default") },
	{ "A: lan-only on lo", TCP4(9003), PASS(ACCEPT, "lan-only") },
};

static const struct pkt_case swap_b_cases[] = {
	{ "B: 9001 now accepted by new", TCP4(9001), PASS(ACCEPT, "new") },
	{ "B: keep still accepts", TCP4(9000), PASS(ACCEPT, "keep") },
	{ "B: keep's new port", TCP4(9010), PASS(ACCEPT, "keep") },
	{ "B: unmatched now accepted by default", TCP4(9002), PASS(ACCEPT, "default") },
	{ "B: A's zone rule is gone, and lo has no zone left", TCP4(9003),
	  DROP(RULE, "new-drop") },
};

void test_swap(void)
{
	struct ward_state st0, st1, st2;
	__u64 keep_pk, keep_by, def_pk, def_by, pk, by;
	long keep_a, keep_b, def_a;
	__u32 old;

	if (!commit_test("swap", swap_a_policy))
		return;
	st0 = live_state();
	run_cases("swap", swap_a_cases, ARRAY_SIZE(swap_a_cases));

	keep_a = stat_of("keep");
	def_a = stat_of("default");
	read_stat(keep_a, &keep_pk, &keep_by);
	read_stat(def_a, &def_pk, &def_by);

	if (!commit_test("swap B", swap_b_policy))
		return;
	st1 = live_state();
	old = st0.active_slot;

	test_start("swap: one commit is one generation and flips the slot");
	ASSERT_EQ(st1.generation, st0.generation + 1, "generation");
	ASSERT_EQ(st1.active_slot, st0.active_slot ^ 1, "active slot");
	ASSERT_EQ(dp.generation, st1.generation, "dp.generation");
	test_end();

	test_start("swap: the old slot is emptied after the swap");
	ASSERT_EQ(cls_keys_of_slot(old), 0, "classifier keys of the old slot");
	ASSERT_EQ(cls_keys_of_slot(st1.active_slot), live.comp.n_entries,
		  "classifier keys of the live slot");
	ASSERT_EQ(iface_keys_of_slot(old), 0, "interface keys of the old slot");
	test_end();

	test_start("swap: a rule that keeps its name keeps its counters");
	keep_b = stat_of("keep");
	ASSERT_EQ(keep_b, keep_a, "keep's stat index");
	read_stat(keep_b, &pk, &by);
	ASSERT_EQ(pk, keep_pk, "keep's packets carried over");
	ASSERT_EQ(by, keep_by, "keep's bytes carried over");
	ASSERT_EQ(stat_of("default"), def_a, "default's stat index");
	read_stat(stat_of("default"), &pk, &by);
	ASSERT_EQ(pk, def_pk, "default's packets carried over");
	ASSERT_EQ(stat_of("gone"), -1, "gone has no stat index");
	ASSERT_EQ(stat_of("lan-only"), -1, "lan-only has no stat index");
	test_end();

	run_cases("swap", swap_b_cases, ARRAY_SIZE(swap_b_cases));

	test_start("swap: keep counted on from where it was");
	read_stat(keep_b, &pk, &by);
	/* B ran two keep packets, each through both hooks. */
	ASSERT_EQ(pk, keep_pk + 4, "keep's packets");
	test_end();

	/* Back to A: gone returns with fresh counters, keep still counts. */
	if (!commit_test("swap back to A", swap_a_policy))
		return;
	st2 = live_state();
	test_start("swap back: generation and slot");
	ASSERT_EQ(st2.generation, st1.generation + 1, "generation");
	ASSERT_EQ(st2.active_slot, old, "active slot");
	ASSERT_EQ(cls_keys_of_slot(st1.active_slot), 0, "classifier keys of B's slot");
	test_end();

	test_start("swap back: a returning rule starts from zero");
	{
		long gone = stat_of("gone");

		if (ASSERT_GE(gone, 0, "gone has a stat index")) {
			read_stat(gone, &pk, &by);
			ASSERT_EQ(pk, 0, "gone's packets");
			ASSERT_EQ(by, 0, "gone's bytes");
		}
		read_stat(stat_of("keep"), &pk, &by);
		ASSERT_EQ(pk, keep_pk + 4, "keep's packets");
	}
	test_end();
	run_cases("swap back", swap_a_cases, ARRAY_SIZE(swap_a_cases));
}

/* ------------------------------------------------------------------ */
/* Many rules */

#define MANY_RULES	10000

static const struct pkt_case many_cases[] = {
	{ "the first /32 is dropped", { .family = 4, .proto = P_TCP, .dport = 22,
	  .src = "100.64.0.0" }, DROP(RULE, "d0") },
	{ "a middle /32 is dropped", { .family = 4, .proto = P_UDP, .dport = 53,
	  .src = "100.64.19.136" }, DROP(RULE, "d5000") },
	{ "the last /32 is dropped", { .family = 4, .proto = P_TCP, .dport = 22,
	  .src = "100.64.39.15" }, DROP(RULE, "d9999") },
	{ "the address after the last is accepted", { .family = 4, .proto = P_TCP,
	  .dport = 22, .src = "100.64.39.16" }, PASS(ACCEPT, "last-accept") },
	{ "an unlisted address is accepted", { .family = 4, .proto = P_TCP, .dport = 22,
	  .src = "192.0.2.200" }, PASS(ACCEPT, "last-accept") },
	{ "ipv6 is accepted", { .family = 6, .proto = P_TCP, .dport = 22 },
	  PASS(ACCEPT, "last-accept") },
};

void test_many_rules(void)
{
	size_t cap = (size_t)MANY_RULES * 80 + 256, len = 0;
	struct ward_policy_hdr *h;
	struct timespec t0, t1;
	char *yaml = malloc(cap);
	int i, ret;

	test_start("many rules: %d /32 drops and an accept commit", MANY_RULES);
	if (!ASSERT_OK_PTR(yaml, "malloc")) {
		test_end();
		return;
	}
	len += snprintf(yaml + len, cap - len, "defaults:\n  policy: drop\nrules:\n");
	for (i = 0; i < MANY_RULES; i++)
		len += snprintf(yaml + len, cap - len,
				"  - name: d%d\n    from: 100.64.%d.%d\n    action: drop\n",
				i, i >> 8, i & 0xff);
	len += snprintf(yaml + len, cap - len, "  - name: last-accept\n    action: accept\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = commit_yaml("many rules", yaml);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(yaml);
	ASSERT_OK(ret, "commit");
	test_end();
	if (ret)
		return;
	if (test_env.verbose)
		printf("     (parse+compile+commit of %d rules: %.0f ms)\n", MANY_RULES + 1,
		       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

	test_start("many rules: the match shapes stay few");
	ASSERT_EQ(live.comp.n_rules, MANY_RULES + 1, "n_rules");
	ASSERT_EQ(live.comp.n_entries, MANY_RULES + 2, "classifier entries");
	/* One shape for every /32 drop, one each for the catch-all's families. */
	ASSERT_EQ(live.comp.hdr.n_tuples, 3, "n_tuples compiled");
	h = calloc(1, sizeof(*h));
	if (ASSERT_OK_PTR(h, "calloc") &&
	    ASSERT_OK(live_hdr(live_state().active_slot, h), "read ward_policy"))
		ASSERT_EQ(h->n_tuples, 3, "n_tuples live");
	free(h);
	test_end();

	run_cases("many rules", many_cases, ARRAY_SIZE(many_cases));
}

