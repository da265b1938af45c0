// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/unit/test_compile.c: the compiler, from ward.yaml text to map
 * contents: flattening, expansion, shapes and their order, the errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "config.h"
#include "compile.h"

struct fixture {
	struct pol_policy pol;
	struct compiled c;
	char err[CFG_ERR_MAX];
};

static struct fixture fx;

static int build(const char *yaml)
{
	char perr[CFG_ERR_MAX];

	memset(&fx, 0, sizeof(fx));
	if (cfg_parse_string("t.yaml", yaml, strlen(yaml), &fx.pol, perr, sizeof(perr))) {
		fprintf(stderr, "parse: %s\n", perr);
		return -100;
	}
	return compile_policy(&fx.pol, &fx.c, fx.err, sizeof(fx.err));
}

static int teardown(void **state)
{
	compiled_free(&fx.c);
	pol_free(&fx.pol);
	return 0;
}

/* Entries of a rule, by its index. */
static size_t entries_of(__u32 rule)
{
	size_t i, n = 0;

	for (i = 0; i < fx.c.n_entries; i++)
		n += fx.c.entries[i].rule == rule;
	return n;
}

/* to_fqdn: a shape per (shape, set), the set's index + 1 where the
 * destination would be, combined with the branch's zone and the rule's
 * ports; no destination mask. */
static void test_to_fqdn_shapes(void **state)
{
	const struct ward_tuple *t;
	size_t i, fq = 0;

	assert_int_equal(build("interfaces: [{ match: lan0, role: lan }]\n"
			       "fqdn_sets:\n  a: [a.example]\n  b: [\"*.b.example\"]\n"
			       "fqdn: { resolvers: [10.0.0.53] }\n"
			       "rules:\n"
			       "  - in: lan\n"
			       "    rules:\n"
			       "      - { name: ra, to_fqdn: $a, proto: tcp, port: [80, 443], action: accept }\n"
			       "      - { name: rb, to_fqdn: $b, proto: tcp, port: [80, 443], action: accept }\n"
			       "      - { name: rest, action: drop }\n"), 0);
	assert_int_equal(fx.c.fqdn.n_sets, 2);
	assert_string_equal(fx.c.fqdn.sets[1].names[0], "*.b.example");
	for (i = 0; i < fx.c.n_entries; i++) {
		const struct cls_entry *e = &fx.c.entries[i];

		t = &fx.c.hdr.tuples[e->key.tuple];
		if (e->rule == 2) {
			assert_int_equal(t->fqdn, 0);
			continue;
		}
		fq++;
		/* Rule 0 is set a (index 0 + 1), rule 1 set b. */
		assert_int_equal(t->fqdn, e->rule + 1);
		assert_int_equal(e->key.dst[0], e->rule + 1);
		assert_int_equal(t->dst_mask[0], 0);
		assert_true(t->flags & WARD_TF_IN_ZONE);
		assert_true(t->flags & WARD_TF_PROTO);
		assert_true(e->key.dport == htons(80) || e->key.dport == htons(443));
	}
	/* 2 rules x 2 ports x 2 families. */
	assert_int_equal(fq, 8);
}

static void test_leaf_numbering_and_defaults(void **state)
{
	assert_int_equal(build("defaults: { policy: accept, dry_run: true }\n"
			       "rules:\n"
			       "  - { name: a, proto: tcp, port: 22, action: accept }\n"
			       "  - name: b\n"
			       "    proto: udp\n"
			       "    rules:\n"
			       "      - { name: c, port: 53, action: accept }\n"
			       "      - { name: d, action: drop, dry_run: true }\n"), 0);
	assert_int_equal(fx.c.n_rules, 3);	/* branches are not rules */
	assert_string_equal(fx.c.names[0], "a");
	assert_string_equal(fx.c.names[1], "c");
	assert_string_equal(fx.c.names[2], "d");
	assert_int_equal(fx.c.rules[2].action, WARD_ACT_DROP);
	assert_true(fx.c.rules[2].flags & WARD_RF_DRY_RUN);
	assert_int_equal(fx.c.hdr.default_action, WARD_ACT_ACCEPT);
	assert_true(fx.c.hdr.flags & WARD_RF_DRY_RUN);
}

static void test_child_inherits_parent_match(void **state)
{
	size_t i;

	assert_int_equal(build("rules:\n"
			       "  - name: p\n"
			       "    from: 10.0.0.0/8\n"
			       "    proto: udp\n"
			       "    rules:\n"
			       "      - { name: c, port: 53, action: accept }\n"), 0);
	/* IPv4 only: the parent's prefix fixes the family. */
	assert_int_equal(fx.c.n_entries, 1);
	assert_int_equal(fx.c.entries[0].key.family, WARD_FAM_V4);
	assert_int_equal(fx.c.entries[0].key.proto, 17);
	assert_int_equal(fx.c.entries[0].key.src[0], htonl(0x0a000000));
	assert_int_equal(fx.c.entries[0].key.dport, htons(53));
	for (i = 0; i < fx.c.hdr.n_tuples; i++)
		assert_int_equal(fx.c.hdr.tuples[i].src_mask[0], htonl(0xff000000));
}

static void test_child_narrows_and_disjoint_child_never_matches(void **state)
{
	assert_int_equal(build("rules:\n"
			       "  - name: p\n"
			       "    from: 10.0.0.0/8\n"
			       "    rules:\n"
			       "      - { name: inside, from: 10.1.0.0/16, action: accept }\n"
			       "      - { name: outside, from: 192.168.0.0/16, action: drop }\n"), 0);
	assert_int_equal(fx.c.n_rules, 2);
	assert_int_equal(entries_of(0), 1);
	assert_int_equal(fx.c.entries[0].key.src[0], htonl(0x0a010000));
	/* A child that cannot intersect its parent keeps its name, gets no entries. */
	assert_int_equal(entries_of(1), 0);
}

static void test_no_family_means_both(void **state)
{
	assert_int_equal(build("rules:\n  - { name: ssh, proto: tcp, port: 22, action: accept }\n"), 0);
	assert_int_equal(fx.c.n_entries, 2);
	assert_int_equal(fx.c.hdr.n_tuples, 2);
}

static void test_icmp_is_ipv4_only(void **state)
{
	assert_int_equal(build("rules:\n  - { name: p, proto: icmp, icmp_type: echo-request, action: accept }\n"), 0);
	assert_int_equal(fx.c.n_entries, 1);
	assert_int_equal(fx.c.entries[0].key.family, WARD_FAM_V4);
	assert_int_equal(fx.c.entries[0].key.dport, htons(8));
}

static void test_small_range_exact_wide_range_blocks(void **state)
{
	assert_int_equal(build("rules:\n"
			       "  - { name: small, family: ipv4, proto: tcp, port: \"8000-8100\", action: accept }\n"), 0);
	assert_int_equal(fx.c.n_entries, 101);
	assert_int_equal(fx.c.hdr.n_tuples, 1);
	teardown(NULL);

	/* 1024-65535: 504 blocks of 128 ports, all aligned: one shape */
	assert_int_equal(build("rules:\n"
			       "  - { name: wide, family: ipv4, proto: tcp, port: \"1024-65535\", action: accept }\n"), 0);
	assert_int_equal(fx.c.n_entries, 504);
	assert_int_equal(fx.c.hdr.n_tuples, 1);
	assert_int_equal(fx.c.hdr.tuples[0].dport_mask, htons(0xff80));
	teardown(NULL);

	/* 10000-20000: 16 exact, 312 blocks of 32 (10016-19999), 20000 exact: two shapes */
	assert_int_equal(build("rules:\n"
			       "  - { name: mid, family: ipv4, proto: udp, port: \"10000-20000\", action: accept }\n"), 0);
	assert_int_equal(fx.c.n_entries, 16 + 312 + 1);
	assert_int_equal(fx.c.hdr.n_tuples, 2);
	teardown(NULL);

	assert_int_equal(build("rules:\n"
			       "  - { name: all, family: ipv4, proto: tcp, port: \"0-65535\", action: accept }\n"), 0);
	assert_int_equal(fx.c.n_entries, 1);
	assert_int_equal(fx.c.hdr.tuples[0].dport_mask, 0);
}

static void test_duplicate_keys_keep_first_rule(void **state)
{
	assert_int_equal(build("rules:\n"
			       "  - { name: first, from: 10.0.0.1, action: accept }\n"
			       "  - { name: second, from: 10.0.0.1, action: drop }\n"), 0);
	assert_int_equal(fx.c.n_entries, 1);
	assert_int_equal(fx.c.entries[0].rule, 0);
}

static void test_tuples_sorted_by_first_rule(void **state)
{
	__u32 i;

	assert_int_equal(build("rules:\n"
			       "  - { name: a, from: 10.0.0.0/8, action: accept }\n"
			       "  - { name: b, from: 10.0.0.1, proto: tcp, action: drop }\n"
			       "  - { name: c, from: 10.0.0.2, action: drop }\n"
			       "  - { name: d, to: 10.9.0.0/16, action: drop }\n"), 0);
	assert_int_equal(fx.c.hdr.n_tuples, 4);
	for (i = 1; i < fx.c.hdr.n_tuples; i++)
		assert_true(fx.c.hdr.tuples[i - 1].min_rule <= fx.c.hdr.tuples[i].min_rule);
	/* c shares b's prefix length but not its protocol flag: its own shape. */
	assert_int_equal(fx.c.hdr.tuples[2].min_rule, 2);
}

static void test_many_rules_few_shapes(void **state)
{
	size_t cap = 64 * 10000 + 64, len = 0, i;
	char *y = malloc(cap);

	len += snprintf(y + len, cap - len, "rules:\n");
	for (i = 0; i < 10000; i++)
		len += snprintf(y + len, cap - len, "  - { name: r%zu, from: 10.%zu.%zu.1, action: drop }\n",
				i, i / 256, i % 256);
	len += snprintf(y + len, cap - len, "  - { name: rest, action: accept }\n");
	assert_int_equal(build(y), 0);
	free(y);
	assert_int_equal(fx.c.n_rules, 10001);
	/* /32 sources + the catch-all (both families) */
	assert_int_equal(fx.c.hdr.n_tuples, 3);
}

/* Does rule name's classifier hold addr (IPv4, host order) as a source? */
static bool covers(const char *name, uint32_t addr)
{
	size_t i;

	for (i = 0; i < fx.c.n_entries; i++) {
		const struct cls_entry *e = &fx.c.entries[i];
		const struct ward_tuple *t = &fx.c.hdr.tuples[e->key.tuple];

		if (!strcmp(fx.c.names[e->rule], name) && t->family == WARD_FAM_V4 &&
		    (htonl(addr) & t->src_mask[0]) == e->key.src[0])
			return true;
	}
	return false;
}

/* A blocklist of many prefix lengths is merged down to a few lengths. */
static void test_prefix_expansion(void **state)
{
	char y[4096];
	size_t len = 0;
	int plen;

	len += snprintf(y + len, sizeof(y) - len, "rules:\n");
	for (plen = 17; plen <= 32; plen++)
		len += snprintf(y + len, sizeof(y) - len,
				"  - { name: b%d, from: 10.%d.0.0/%d, action: drop }\n", plen, plen, plen);
	assert_int_equal(build(y), 0);
	/* sixteen lengths, four shapes */
	assert_int_equal(fx.c.hdr.n_tuples, 4);
	assert_true(fx.c.n_entries > 16);
	/* Same addresses as before: 10.20.0.0/20 holds 10.20.15.7, not 10.20.16.1. */
	assert_true(covers("b20", 0x0a140f07));
	assert_true(covers("b20", 0x0a140001));
	assert_false(covers("b20", 0x0a141001));
	assert_true(covers("b17", 0x0a117fff));
	assert_false(covers("b17", 0x0a118000));
	assert_true(covers("b32", 0x0a200000));
	assert_false(covers("b32", 0x0a200001));
	teardown(NULL);

	/* Four lengths or fewer: nothing is expanded. */
	assert_int_equal(build("rules:\n"
			       "  - { name: a, from: 10.0.0.0/20, action: drop }\n"
			       "  - { name: b, from: 10.1.0.0/21, action: drop }\n"), 0);
	assert_int_equal(fx.c.n_entries, 2);
	assert_int_equal(fx.c.hdr.n_tuples, 2);
}

static void test_too_many_shapes_is_refused(void **state)
{
	char y[16384];
	size_t len = 0;
	int plen, port;

	/* 32 prefix lengths x 5 port-range shapes > 128 */
	len += snprintf(y + len, sizeof(y) - len, "rules:\n");
	for (plen = 1; plen <= 32; plen++)
		for (port = 0; port < 5; port++)
			len += snprintf(y + len, sizeof(y) - len,
					"  - { name: r%d-%d, from: 0.0.0.0/%d, proto: tcp, port: \"%d-%d\", action: drop }\n",
					plen, port, plen, 1 << (port + 9), (1 << (port + 10)) - 1);
	assert_int_equal(build(y), -E2BIG);
	assert_non_null(strstr(fx.err, "distinct match shapes"));
	assert_non_null(strstr(fx.err, "rule r"));
	assert_null(fx.c.entries);	/* nothing half-built is handed out */
}

static void test_interface_ids(void **state)
{
	struct ward_iface info;
	const struct pol_iface *pi;

	assert_int_equal(build("interfaces:\n"
			       "  - { match: \"lan*\", role: lan, mode: tc }\n"
			       "  - { match: eth0, role: wan }\n"
			       "rules:\n"
			       "  - { name: a, in: lan, action: accept }\n"
			       "  - { name: b, in: lan3, action: drop }\n"), 0);
	pi = compiled_iface(&fx.c, &fx.pol, "lan3", &info);
	assert_non_null(pi);
	assert_int_equal(pi->mode, POL_MODE_TC);
	assert_int_equal(info.in_zone, 1);
	assert_int_equal(info.in_if, 1);
	pi = compiled_iface(&fx.c, &fx.pol, "lan1", &info);
	assert_non_null(pi);
	assert_int_equal(info.in_zone, 1);
	assert_int_equal(info.in_if, 0);
	pi = compiled_iface(&fx.c, &fx.pol, "eth0", &info);
	assert_int_equal(info.in_zone, 2);
	assert_null(compiled_iface(&fx.c, &fx.pol, "wlan0", &info));
}

/*
 * Dry-run leaves go to a classifier of their own, after the main one: the
 * main tuples hold no dry-run rule, the dry-run tuples nothing else, rules
 * keep their places in the whole policy, and two dry-run rules with the
 * same key are both kept, by rank.
 */
static void test_dry_run_classifier(void **state)
{
	const struct ward_policy_hdr *h;
	__u32 n_main, i;
	size_t ranked = 0;

	assert_int_equal(build("rules:\n"
			       "  - { name: try, proto: tcp, port: 22, action: drop, dry_run: true }\n"
			       "  - { name: ssh, proto: tcp, port: 22, action: accept }\n"
			       "  - { name: try2, proto: tcp, port: 22, action: reject, dry_run: true }\n"
			       "  - { name: net, from: 10.0.0.0/8, action: drop, dry_run: true }\n"), 0);
	h = &fx.c.hdr;
	assert_int_equal(fx.c.n_rules, 4);
	assert_int_equal(h->n_dry_tuples, 3);	/* tcp/22 v4, v6; from /8 */
	n_main = h->n_tuples - h->n_dry_tuples;
	assert_int_equal(n_main, 2);		/* tcp/22 v4, v6 */
	for (i = 1; i < h->n_tuples; i++)
		if (i != n_main)
			assert_true(h->tuples[i - 1].min_rule <= h->tuples[i].min_rule);
	for (i = 0; i < fx.c.n_entries; i++) {
		const struct cls_entry *e = &fx.c.entries[i];
		bool dry = e->key.tuple >= n_main;

		assert_int_equal(dry, e->rule != 1);
		if (e->rule == 2) {
			assert_int_equal(e->key.rank, 1);
			assert_int_equal(h->tuples[e->key.tuple].ranks, 2);
			ranked++;
		} else {
			assert_int_equal(e->key.rank, 0);
		}
	}
	assert_int_equal(ranked, 2);
	/* tcp/22 shapes hold only TCP: other protocols skip them unlooked. */
	for (i = 0; i < h->n_tuples; i++) {
		bool tcp = h->tuples[i].flags & WARD_TF_PROTO;

		assert_int_equal(!!(h->tuples[i].flags & WARD_TF_ONE_PROTO), tcp);
		if (tcp)
			assert_int_equal(h->tuples[i].proto, 6);
	}
	assert_int_equal(entries_of(0), 2);
	assert_int_equal(entries_of(3), 1);

	/* Without dry-run rules: nothing of it. */
	teardown(state);
	assert_int_equal(build("rules:\n  - { name: a, proto: tcp, port: 22, action: drop }\n"), 0);
	assert_int_equal(fx.c.hdr.n_dry_tuples, 0);
}

int run_compile_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_leaf_numbering_and_defaults, teardown),
		cmocka_unit_test_teardown(test_child_inherits_parent_match, teardown),
		cmocka_unit_test_teardown(test_child_narrows_and_disjoint_child_never_matches, teardown),
		cmocka_unit_test_teardown(test_no_family_means_both, teardown),
		cmocka_unit_test_teardown(test_icmp_is_ipv4_only, teardown),
		cmocka_unit_test_teardown(test_small_range_exact_wide_range_blocks, teardown),
		cmocka_unit_test_teardown(test_duplicate_keys_keep_first_rule, teardown),
		cmocka_unit_test_teardown(test_tuples_sorted_by_first_rule, teardown),
		cmocka_unit_test_teardown(test_many_rules_few_shapes, teardown),
		cmocka_unit_test_teardown(test_prefix_expansion, teardown),
		cmocka_unit_test_teardown(test_too_many_shapes_is_refused, teardown),
		cmocka_unit_test_teardown(test_interface_ids, teardown),
		cmocka_unit_test_teardown(test_to_fqdn_shapes, teardown),
		cmocka_unit_test_teardown(test_dry_run_classifier, teardown),
	};

	return cmocka_run_group_tests_name("compile", tests, NULL, NULL);
}
