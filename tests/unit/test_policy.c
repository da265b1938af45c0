// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/unit/test_policy.c: the policy logic of src/lib/policy/pol_edit.h
 * on policies read by the real config parser: the diff an Apply answers
 * with (added, removed, changed, moved, settings), and the merge of rules
 * added at run time (placed before their anchor or at the end; a taken
 * name, a lost anchor or a bad field refused, naming the rule), and an
 * Apply that keeps them on top of a new file or drops them (--replace).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "config.h"
#include "pol_edit.h"
#include "ward/abi.h"

/* The rules of base_yaml, to write variants of it line by line. */
#define IFACES	"interfaces:\n  - { match: eth0, role: lan }\n"
#define PING	"  - { name: ping, proto: icmp, action: accept }\n"
#define WEB	"  - { name: web, in: lan, proto: tcp, port: 80, action: accept }\n"
#define ADMIN	"  - name: admin\n    rules:\n"
#define SSH	"      - { name: ssh, proto: tcp, port: 22, action: accept }\n"
#define DNS	"  - { name: dns, proto: udp, port: 53, action: accept }\n"

static const char base_yaml[] = IFACES "rules:\n" PING WEB ADMIN SSH DNS;

static void parse(const char *text, struct pol_policy *pol)
{
	char err[CFG_ERR_MAX];

	memset(pol, 0, sizeof(*pol));
	if (cfg_parse_string("test.yaml", text, strlen(text), pol, err, sizeof(err)))
		fail_msg("parse: %s", err);
}

/* "a b c": the names of v joined, for one assert per list. */
static const char *joined(const char **v, size_t n)
{
	static char buf[256];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "", v[i]);
	return buf;
}

static const char *top_names(const struct pol_policy *pol)
{
	const char *v[32];
	size_t i;

	for (i = 0; i < pol->n_rules && i < 32; i++)
		v[i] = pol->rules[i].name;
	return joined(v, i);
}

/* Diff */

static void diff_same(void **state)
{
	struct pol_policy a, b;
	struct pol_diff d;

	parse(base_yaml, &a);
	parse(base_yaml, &b);
	assert_int_equal(pol_diff(&a, &b, &d), 0);
	assert_true(pol_diff_empty(&d));
	assert_int_equal(d.unchanged, 5);	/* the branch and its rule count */
	pol_diff_free(&d);
	pol_free(&a);
	pol_free(&b);
}

static void diff_rules(void **state)
{
	struct pol_policy a, b;
	struct pol_diff d;

	parse(base_yaml, &a);
	/* web changed (port), ping gone, ntp new, ssh moved out of admin. */
	parse(IFACES "rules:\n"
	      "  - { name: web, in: lan, proto: tcp, port: 8080, action: accept }\n"
	      ADMIN "      - { name: ssh2, proto: tcp, port: 22, action: accept }\n"
	      "  - { name: ssh, proto: tcp, port: 22, action: accept }\n"
	      DNS "  - { name: ntp, proto: udp, port: 123, action: accept }\n", &b);
	assert_int_equal(pol_diff(&a, &b, &d), 0);
	assert_string_equal(joined(d.added, d.n_added), "ssh2 ntp");
	assert_string_equal(joined(d.removed, d.n_removed), "ping");
	assert_string_equal(joined(d.changed, d.n_changed), "web ssh");
	assert_int_equal(d.unchanged, 2);	/* admin, dns */
	assert_int_equal(d.n_settings, 0);
	pol_diff_free(&d);
	pol_free(&a);
	pol_free(&b);
}

static void diff_moved_one(void **state)
{
	struct pol_policy a, b;
	struct pol_diff d;

	parse(base_yaml, &a);
	/* dns moved to the top: that one rule is reported, not the others. */
	parse(IFACES "rules:\n" DNS PING WEB ADMIN SSH, &b);
	assert_int_equal(pol_diff(&a, &b, &d), 0);
	assert_string_equal(joined(d.changed, d.n_changed), "dns");
	assert_int_equal(d.n_added + d.n_removed, 0);
	assert_int_equal(d.unchanged, 4);
	pol_diff_free(&d);
	pol_free(&a);
	pol_free(&b);
}

static void diff_settings(void **state)
{
	struct pol_policy a, b;
	struct pol_diff d;

	parse(base_yaml, &a);
	parse("interfaces:\n  - { match: eth1, role: lan }\n"
	      "defaults:\n  policy: accept\n"
	      "logs:\n  path: none\n"
	      "rules:\n" PING WEB ADMIN SSH DNS, &b);
	assert_int_equal(pol_diff(&a, &b, &d), 0);
	assert_string_equal(joined(d.settings, d.n_settings), "interfaces defaults logs");
	assert_int_equal(d.n_added + d.n_removed + d.n_changed, 0);
	assert_false(pol_diff_empty(&d));
	pol_diff_free(&d);
	pol_free(&a);
	pol_free(&b);
}

/* Merge */

static struct pol_added added(const char *name, const char *before, const char *yaml)
{
	return (struct pol_added){ (char *)name, (char *)before, (char *)yaml };
}

static void merge_places(void **state)
{
	struct pol_added v[] = {
		added("block", "web", "  - { name: block, in: lan, proto: tcp, port: 81, action: drop }\n"),
		added("tail", NULL, "  - { name: tail, action: accept }\n"),
		added("first", "block", "  - { name: first, proto: udp, action: drop }\n"),
	};
	const struct pol_ent *e;
	struct pol_policy pol;
	struct pol_ent *idx;
	char err[512];
	size_t n;

	parse(base_yaml, &pol);
	assert_int_equal(pol_merge_added(&pol, v, 3, cfg_parse_added, err, sizeof(err)), 0);
	assert_string_equal(top_names(&pol), "ping first block web admin dns tail");
	idx = pol_index(&pol, &n);
	assert_non_null(idx);
	assert_int_equal(n, 8);
	e = pol_index_find(idx, n, "block");
	assert_non_null(e);
	assert_int_equal(e->r->line, 0);	/* not a line of the file */
	assert_int_equal(e->r->dport.v[0].lo, 81);
	e = pol_index_find(idx, n, "ssh");
	assert_non_null(e);
	assert_string_equal(e->parent, "admin");
	assert_null(pol_index_find(idx, n, "nosuch"));
	free(idx);
	pol_free(&pol);
}

static void merge_err(const struct pol_added *v, size_t n, int want, const char *msg)
{
	struct pol_policy pol;
	char err[512];

	parse(base_yaml, &pol);
	assert_int_equal(pol_merge_added(&pol, v, n, cfg_parse_added, err, sizeof(err)), want);
	assert_string_equal(err, msg);
	pol_free(&pol);
}

static void merge_refused(void **state)
{
	struct pol_added dup = added("ssh", NULL, "  - { name: ssh, action: accept }\n");
	struct pol_added lost[] = {
		added("a", NULL, "  - { name: a, action: accept }\n"),
		added("b", "gone", "  - { name: b, action: accept }\n"),
	};
	struct pol_added bad[] = {
		added("a", NULL, "  - { name: a, action: accept }\n"),
		added("b", NULL, "  - name: b\n    in: nosuch\n    action: accept\n"),
	};

	merge_err(&dup, 1, -EEXIST,
		  "rule ssh (added with wardctl rule add): test.yaml:8 has a rule of that name; delete one (wardctl rule delete ssh)");
	merge_err(lost, 2, -ENOENT,
		  "rule b (added with wardctl rule add) goes before gone, which test.yaml does not have; delete it (wardctl rule delete b) or keep gone");
	merge_err(bad, 2, -EINVAL,
		  "rule b (added with wardctl rule add): in: unknown zone or interface 'nosuch'");
}

/* Apply: the API's rules kept on top of a new file, or dropped (--replace) */

static void apply_keeps_or_replaces(void **state)
{
	struct pol_added v[] = {
		added("block", "web", "  - { name: block, in: lan, proto: tcp, port: 81, action: drop }\n"),
		added("tail", NULL, "  - { name: tail, action: accept }\n"),
	};
	struct pol_policy live, kept, replaced;
	struct pol_diff d;
	char err[512];

	/* Live: the file with the API's rules merged in. */
	parse(base_yaml, &live);
	assert_int_equal(pol_merge_added(&live, v, 2, cfg_parse_added, err, sizeof(err)), 0);

	/* The same file applied again keeps them: nothing differs. */
	parse(base_yaml, &kept);
	assert_int_equal(pol_apply_added(&kept, v, 2, false, cfg_parse_added, err, sizeof(err)), 0);
	assert_string_equal(top_names(&kept), "ping block web admin dns tail");
	assert_int_equal(pol_diff(&live, &kept, &d), 0);
	assert_true(pol_diff_empty(&d));
	pol_diff_free(&d);

	/* Replaced: the file alone, the API's rules are what the diff removes. */
	parse(base_yaml, &replaced);
	assert_int_equal(pol_apply_added(&replaced, v, 2, true, cfg_parse_added, err, sizeof(err)), 0);
	assert_string_equal(top_names(&replaced), "ping web admin dns");
	assert_int_equal(pol_diff(&live, &replaced, &d), 0);
	assert_string_equal(joined(d.removed, d.n_removed), "block tail");
	assert_int_equal(d.n_added + d.n_changed + d.n_settings, 0);
	assert_int_equal(d.unchanged, 5);
	pol_diff_free(&d);

	pol_free(&live);
	pol_free(&kept);
	pol_free(&replaced);
}

/* A new file that takes an API rule's name, or loses its anchor: refused
 * with the way out (--replace), and taken with --replace. */
static void apply_clash_points_to_replace(void **state)
{
	static const char clash_yaml[] = IFACES "rules:\n" PING
		"  - { name: tail, proto: udp, action: drop }\n";
	struct pol_added dup = added("tail", NULL, "  - { name: tail, action: accept }\n");
	struct pol_added lost = added("block", "web", "  - { name: block, action: drop }\n");
	struct pol_policy pol;
	char err[512];

	parse(clash_yaml, &pol);
	assert_int_equal(pol_apply_added(&pol, &dup, 1, false, cfg_parse_added, err, sizeof(err)),
			 -EEXIST);
	assert_string_equal(err,
			    "rule tail (added with wardctl rule add): test.yaml:5 has a rule of that name; delete one (wardctl rule delete tail); or apply with --replace: the file becomes the whole policy, the rules added with wardctl rule add are dropped");
	pol_free(&pol);

	parse(clash_yaml, &pol);
	assert_int_equal(pol_apply_added(&pol, &lost, 1, false, cfg_parse_added, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "goes before web, which test.yaml does not have"));
	assert_non_null(strstr(err, "; or apply with --replace"));
	pol_free(&pol);

	parse(clash_yaml, &pol);
	assert_int_equal(pol_apply_added(&pol, &dup, 1, true, cfg_parse_added, err, sizeof(err)), 0);
	assert_int_equal(pol_apply_added(&pol, &lost, 1, true, cfg_parse_added, err, sizeof(err)), 0);
	assert_string_equal(top_names(&pol), "ping tail");
	assert_int_equal(pol.rules[1].action, WARD_ACT_DROP);	/* the file's tail */
	pol_free(&pol);
}

/* Writer and parser */

static const char sets_yaml[] = IFACES
	"sets:\n  admins: [10.0.0.0/8, \"2001:db8::/32\"]\n  web: [80, 443]\n"
	"rules:\n" PING;

static char *words_yaml(const struct cfg_rule_words *w)
{
	char *yaml = cfg_rule_words_yaml(w);

	assert_non_null(yaml);
	return yaml;
}

static void assert_ports(const struct pol_port_list *l, size_t i, int lo, int hi)
{
	assert_true(i < l->n);
	assert_int_equal(l->v[i].lo, lo);
	assert_int_equal(l->v[i].hi, hi);
}

/*
 * Rules in their user's words go to text and back: $set names are read
 * against the sets of the document, and words YAML would read as something
 * else (colons, IPv6, a range, yes/no/on, quotes) stay the strings they
 * were. The merge reads them the same way, and says a bad one's error of
 * the rule.
 */
static void words_round_trip(void **state)
{
	char *from[] = { "$admins", "2001:db8::1" }, *to[] = { "fd00::/8" };
	char *port[] = { "$web", "8000-8100" }, *sport[] = { "1024-65535" };
	const struct cfg_rule_words ops = {
		.name = "ops:no", .in = "lan", .proto = "tcp", .action = "accept",
		.rate = "10/s", .from = from, .n_from = 2, .port = port, .n_port = 2,
		.log = true,
	}, yes = {
		.name = "yes", .family = "ipv6", .proto = "udp", .action = "drop",
		.to = to, .n_to = 1, .sport = sport, .n_sport = 1, .dry_run = true,
	}, quoted = {
		.name = "on", .in = "la\"n\\: off", .action = "accept",
	};
	char *text[] = { words_yaml(&ops), words_yaml(&yes) };
	struct pol_added bad = added("on", NULL, words_yaml(&quoted));
	const struct pol_rule *r;
	struct pol_policy pol;
	char doc[1024];

	snprintf(doc, sizeof(doc), "%s%s%s", sets_yaml, text[0], text[1]);
	parse(doc, &pol);
	assert_string_equal(top_names(&pol), "ping ops:no yes");
	r = &pol.rules[1];
	assert_string_equal(r->in, "lan");
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->rate, 10);
	assert_true(r->log);
	assert_false(r->dry_run);
	assert_int_equal(r->from.n, 3);		/* the set's two and one more */
	assert_int_equal(r->from.v[2].family, 6);
	assert_int_equal(r->dport.n, 3);
	assert_ports(&r->dport, 0, 80, 80);
	assert_ports(&r->dport, 1, 443, 443);
	assert_ports(&r->dport, 2, 8000, 8100);
	r = &pol.rules[2];
	assert_int_equal(r->family, 6);
	assert_int_equal(r->proto, 17);
	assert_int_equal(r->to.n, 1);
	assert_ports(&r->sport, 0, 1024, 65535);
	assert_true(r->dry_run);
	assert_false(r->log);
	pol_free(&pol);

	/* A quote, a backslash and ": " reach the parser as typed. */
	merge_err(&bad, 1, -EINVAL,
		  "rule on (added with wardctl rule add): in: unknown zone or interface 'la\"n\\: off'");
	free(bad.yaml);
	free(text[0]);
	free(text[1]);
}

static void added_copy_find(void **state)
{
	struct pol_added v[] = { added("a", "x", "y\n"), added("b", NULL, "z\n") };
	struct pol_added *c = pol_added_copy(v, 2, 1);

	assert_non_null(c);
	assert_string_equal(c[0].before, "x");
	assert_null(c[1].before);
	assert_null(c[2].name);		/* the room for one more */
	assert_ptr_equal(pol_added_find(c, 2, "b"), &c[1]);
	assert_null(pol_added_find(c, 2, "x"));
	pol_added_free(c, 2);
}

int run_policy_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diff_same),
		cmocka_unit_test(diff_rules),
		cmocka_unit_test(diff_moved_one),
		cmocka_unit_test(diff_settings),
		cmocka_unit_test(merge_places),
		cmocka_unit_test(merge_refused),
		cmocka_unit_test(apply_keeps_or_replaces),
		cmocka_unit_test(apply_clash_points_to_replace),
		cmocka_unit_test(added_copy_find),
		cmocka_unit_test(words_round_trip),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
