/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/unit/test_config.c: the ward.yaml reader (src/lib/config/) on what
 * it accepts, its printer, and the address helpers of src/lib/policy/pol_util.h;
 * what it refuses is in test_config_errors.c. Errors are checked as the exact
 * text users see, line number included: that text is part of the contract.
 * tests/unit/main.c runs the group through run_config_tests().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config.h"
#include "test_config.h"
#include "pol_util.h"

int run_config_tests(void);

static const struct pol_policy zero_policy;

void parse_ok(const char *text, struct pol_policy *pol)
{
	char err[CFG_ERR_MAX] = "";
	int ret;

	ret = cfg_parse_string("t.yaml", text, strlen(text), pol, err, sizeof(err));
	if (ret)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(ret, 0);
	assert_string_equal(err, "");
}

void expect_error(const char *text, const char *msg)
{
	char err[CFG_ERR_MAX];
	struct pol_policy pol;
	int ret;

	memset(&pol, 0xa5, sizeof(pol));
	ret = cfg_parse_string("t.yaml", text, strlen(text), &pol, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(err, msg);
	/* Nothing half-built is handed back. */
	assert_memory_equal(&pol, &zero_policy, sizeof(pol));
}

char *print_str(const struct pol_policy *pol)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cfg_print(pol, f), 0);
	fclose(f);
	return buf;
}

/* Print, parse the output, print again: both texts must be the same. */
static void assert_round_trip(const struct pol_policy *pol)
{
	struct pol_policy again;
	char *a, *b;

	a = print_str(pol);
	parse_ok(a, &again);
	b = print_str(&again);
	assert_string_equal(a, b);
	pol_free(&again);
	free(a);
	free(b);
}

static void assert_cidr(const struct pol_cidr *c, const char *text)
{
	char buf[POL_CIDR_STRLEN];

	assert_true(pol_cidr_format(c, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

/* Positive cases */

static void test_empty_file(void **state)
{
	struct pol_policy pol;

	parse_ok("", &pol);
	assert_int_equal(pol.n_ifaces, 0);
	assert_int_equal(pol.n_rules, 0);
	assert_int_equal(pol.default_action, WARD_ACT_DROP);
	assert_false(pol.dry_run);
	assert_int_equal(pol.log, POL_LOG_DROPS);
	assert_string_equal(pol.source, "t.yaml");
	pol_free(&pol);

	parse_ok("---\n", &pol);
	assert_int_equal(pol.n_rules, 0);
	pol_free(&pol);

	parse_ok("# nothing but a comment\n", &pol);
	pol_free(&pol);

	parse_ok("interfaces:\ndefaults:\nsets:\nrules:\n", &pol);
	assert_int_equal(pol.n_ifaces, 0);
	assert_int_equal(pol.n_rules, 0);
	pol_free(&pol);
}

static void test_embedded_default(void **state)
{
	struct pol_policy pol;
	char err[CFG_ERR_MAX];

	assert_int_equal(cfg_parse_string("<embedded>", cfg_embedded_default,
					  strlen(cfg_embedded_default), &pol,
					  err, sizeof(err)), 0);
	assert_string_equal(pol.source, "<embedded>");
	assert_int_equal(pol.n_ifaces, 1);
	assert_string_equal(pol.ifaces[0].match, "*");
	assert_null(pol.ifaces[0].role);
	assert_int_equal(pol.ifaces[0].mode, POL_MODE_AUTO);
	assert_int_equal(pol.default_action, WARD_ACT_DROP);
	assert_true(pol.dry_run);
	assert_int_equal(pol.log, POL_LOG_DROPS);
	assert_int_equal(pol.n_rules, 0);
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_interfaces_defaults(void **state)
{
	struct pol_policy pol;

	parse_ok("interfaces:\n"
		 "  - match: eth0\n"
		 "    role: wan\n"
		 "    mode: xdp\n"
		 "  - { match: \"veth*\", role: lan, mode: tc }\n"
		 "  - match: eth9\n"
		 "defaults: { policy: accept, dry_run: true, log: all }\n", &pol);
	assert_int_equal(pol.n_ifaces, 3);
	assert_string_equal(pol.ifaces[0].match, "eth0");
	assert_string_equal(pol.ifaces[0].role, "wan");
	assert_int_equal(pol.ifaces[0].mode, POL_MODE_XDP);
	assert_int_equal(pol.ifaces[0].line, 2);
	assert_string_equal(pol.ifaces[1].match, "veth*");
	assert_int_equal(pol.ifaces[1].mode, POL_MODE_TC);
	assert_null(pol.ifaces[2].role);
	assert_int_equal(pol.ifaces[2].mode, POL_MODE_AUTO);
	assert_int_equal(pol.default_action, WARD_ACT_ACCEPT);
	assert_true(pol.dry_run);
	assert_int_equal(pol.log, POL_LOG_ALL);
	assert_round_trip(&pol);
	pol_free(&pol);

	parse_ok("defaults: { log: none }\n", &pol);
	assert_int_equal(pol.log, POL_LOG_NONE);
	assert_int_equal(pol.default_action, WARD_ACT_DROP);
	pol_free(&pol);
}

static void test_sets_expand(void **state)
{
	struct pol_policy pol;
	struct pol_rule *r;

	parse_ok("sets:\n"
		 "  admins: [10.0.0.0/8, \"2001:db8::/32\", 192.0.2.7]\n"
		 "  web: [80, 443, \"8000-8100\"]\n"
		 "rules:\n"
		 "  - name: a\n"
		 "    from: $admins\n"
		 "    to: [$admins, 198.51.100.0/24]\n"
		 "    proto: tcp\n"
		 "    port: $web\n"
		 "    sport: [$web, 1-2, 7]\n"
		 "    action: accept\n", &pol);
	assert_int_equal(pol.n_rules, 1);
	r = &pol.rules[0];
	assert_int_equal(r->from.n, 3);
	assert_cidr(&r->from.v[0], "10.0.0.0/8");
	assert_cidr(&r->from.v[1], "2001:db8::/32");
	assert_cidr(&r->from.v[2], "192.0.2.7");
	assert_int_equal(r->from.v[2].plen, 32);
	assert_int_equal(r->to.n, 4);
	assert_cidr(&r->to.v[3], "198.51.100.0/24");
	assert_int_equal(r->dport.n, 3);
	assert_int_equal(r->dport.v[0].lo, 80);
	assert_int_equal(r->dport.v[0].hi, 80);
	assert_int_equal(r->dport.v[2].lo, 8000);
	assert_int_equal(r->dport.v[2].hi, 8100);
	assert_int_equal(r->sport.n, 5);
	assert_int_equal(r->sport.v[3].lo, 1);
	assert_int_equal(r->sport.v[3].hi, 2);
	assert_int_equal(r->sport.v[4].lo, 7);
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->action, WARD_ACT_ACCEPT);
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_nesting_and_names(void **state)
{
	struct pol_policy pol;
	struct pol_rule *b;

	parse_ok("rules:\n"
		 "  - proto: tcp\n"				/* 2 */
		 "    rules:\n"
		 "      - { port: 22, action: accept }\n"	/* 4 */
		 "      - name: inner\n"
		 "        rules:\n"
		 "          - { port: 80, action: accept }\n"
		 "          - { action: drop, log: true }\n"
		 "  - name: top\n"
		 "    family: ipv6\n"
		 "    rules:\n"
		 "      - { action: accept, dry_run: true }\n"
		 "  - action: drop\n", &pol);
	assert_int_equal(pol.n_rules, 3);
	b = &pol.rules[0];
	assert_string_equal(b->name, "rule1");
	assert_int_equal(b->line, 2);
	assert_int_equal(b->action, 0);
	assert_int_equal(b->n_children, 2);
	assert_string_equal(b->children[0].name, "rule1/1");
	assert_int_equal(b->children[0].line, 4);
	/* The port's protocol comes from the branch. */
	assert_int_equal(b->children[0].proto, POL_ANY);
	assert_int_equal(b->children[0].dport.v[0].lo, 22);
	assert_string_equal(b->children[1].name, "inner");
	assert_string_equal(b->children[1].children[0].name, "inner/1");
	assert_string_equal(b->children[1].children[1].name, "inner/2");
	assert_true(b->children[1].children[1].log);
	assert_int_equal(b->children[1].children[1].action, WARD_ACT_DROP);
	assert_string_equal(pol.rules[1].name, "top");
	assert_int_equal(pol.rules[1].family, 6);
	assert_int_equal(pol.rules[1].children[0].family, 0);
	assert_string_equal(pol.rules[1].children[0].name, "top/1");
	assert_true(pol.rules[1].children[0].dry_run);
	assert_string_equal(pol.rules[2].name, "rule3");
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_nesting_eight_levels(void **state)
{
	struct pol_policy pol;
	const struct pol_rule *r;
	int depth = 1;

	parse_ok("rules:\n"
		 "- rules:\n"
		 "  - rules:\n"
		 "    - rules:\n"
		 "      - rules:\n"
		 "        - rules:\n"
		 "          - rules:\n"
		 "            - rules:\n"
		 "              - action: accept\n", &pol);
	for (r = &pol.rules[0]; r->n_children; r = &r->children[0])
		depth++;
	assert_int_equal(depth, 8);
	assert_string_equal(r->name, "rule1/1/1/1/1/1/1/1");
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_ipv6_normalized(void **state)
{
	struct pol_policy pol;
	struct pol_rule *r;
	char *out;

	parse_ok("rules:\n"
		 "  - from: [\"2001:0DB8:0000::/48\", \"::1\", \"::/0\", \"fe80::1/128\","
		 " \"::ffff:192.0.2.1\"]\n"
		 "    to: [0.0.0.0/0, 192.0.2.1/32, \"::/0\"]\n"
		 "    action: accept\n", &pol);
	r = &pol.rules[0];
	assert_int_equal(r->from.n, 5);
	assert_int_equal(r->from.v[0].family, 6);
	assert_int_equal(r->from.v[0].plen, 48);
	assert_cidr(&r->from.v[0], "2001:db8::/48");
	assert_cidr(&r->from.v[1], "::1");
	assert_cidr(&r->from.v[2], "::/0");
	assert_cidr(&r->from.v[3], "fe80::1");
	assert_cidr(&r->from.v[4], "::ffff:192.0.2.1");
	assert_cidr(&r->to.v[0], "0.0.0.0/0");
	assert_cidr(&r->to.v[1], "192.0.2.1");
	out = print_str(&pol);
	assert_non_null(strstr(out, "from: [\"2001:db8::/48\", \"::1\", \"::/0\", \"fe80::1\","
				 " \"::ffff:192.0.2.1\"]\n"));
	assert_non_null(strstr(out, "to: [0.0.0.0/0, 192.0.2.1, \"::/0\"]\n"));
	free(out);
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_ports_and_protos(void **state)
{
	struct pol_policy pol;
	char *out;

	parse_ok("rules:\n"
		 "  - { proto: udp, port: \"53\", sport: 1024-65535, action: accept }\n"
		 "  - { proto: sctp, port: [0, 65535, 5-5], action: accept }\n"
		 "  - { proto: 47, action: accept }\n"
		 "  - { proto: any, action: drop }\n"
		 "  - { proto: 6, port: 1, action: drop }\n", &pol);
	assert_int_equal(pol.rules[0].proto, 17);
	assert_int_equal(pol.rules[0].dport.v[0].lo, 53);
	assert_int_equal(pol.rules[0].sport.v[0].lo, 1024);
	assert_int_equal(pol.rules[0].sport.v[0].hi, 65535);
	assert_int_equal(pol.rules[1].proto, 132);
	assert_int_equal(pol.rules[1].dport.n, 3);
	assert_int_equal(pol.rules[1].dport.v[1].hi, 65535);
	assert_int_equal(pol.rules[1].dport.v[2].lo, 5);
	assert_int_equal(pol.rules[1].dport.v[2].hi, 5);
	assert_int_equal(pol.rules[2].proto, 47);
	assert_int_equal(pol.rules[3].proto, POL_ANY);
	assert_int_equal(pol.rules[4].proto, 6);
	out = print_str(&pol);
	assert_non_null(strstr(out, "    sport: \"1024-65535\"\n"));
	assert_non_null(strstr(out, "    port: [0, 65535, 5]\n"));
	assert_non_null(strstr(out, "    proto: 47\n"));
	assert_non_null(strstr(out, "- name: rule5\n    proto: tcp\n"));
	free(out);
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_icmp_names(void **state)
{
	static const struct { const char *proto, *name; int type; } cases[] = {
		{ "icmp", "echo-reply", 0 },
		{ "icmp", "destination-unreachable", 3 },
		{ "icmp", "redirect", 5 },
		{ "icmp", "echo-request", 8 },
		{ "icmp", "router-advertisement", 9 },
		{ "icmp", "router-solicitation", 10 },
		{ "icmp", "time-exceeded", 11 },
		{ "icmp", "parameter-problem", 12 },
		{ "icmp", "timestamp-request", 13 },
		{ "icmp", "timestamp-reply", 14 },
		{ "icmp", "42", 42 },
		{ "icmpv6", "destination-unreachable", 1 },
		{ "icmpv6", "packet-too-big", 2 },
		{ "icmpv6", "time-exceeded", 3 },
		{ "icmpv6", "parameter-problem", 4 },
		{ "icmpv6", "echo-request", 128 },
		{ "icmpv6", "echo-reply", 129 },
		{ "icmpv6", "router-solicitation", 133 },
		{ "icmpv6", "router-advertisement", 134 },
		{ "icmpv6", "neighbor-solicitation", 135 },
		{ "icmpv6", "neighbour-solicitation", 135 },
		{ "icmpv6", "neighbor-advertisement", 136 },
		{ "icmpv6", "neighbour-advertisement", 136 },
		{ "icmpv6", "redirect", 137 },
		{ "icmpv6", "255", 255 },
	};
	struct pol_policy pol;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "rules: [{ proto: %s, icmp_type: %s, action: accept }]\n",
			 cases[i].proto, cases[i].name);
		parse_ok(text, &pol);
		assert_int_equal(pol.rules[0].icmp_type, cases[i].type);
		assert_round_trip(&pol);
		pol_free(&pol);
	}

	/* The protocol may come from the branch. */
	parse_ok("rules:\n"
		 "  - proto: icmpv6\n"
		 "    rules: [{ icmp_type: echo-request, action: accept }]\n", &pol);
	assert_int_equal(pol.rules[0].children[0].icmp_type, 128);
	pol_free(&pol);
}

static void test_in_zone_or_interface(void **state)
{
	struct pol_policy pol;

	parse_ok("interfaces:\n"
		 "  - { match: eth0, role: wan }\n"
		 "  - { match: \"lan*\" }\n"
		 "rules:\n"
		 "  - { in: wan, action: accept }\n"
		 "  - { in: eth0, action: accept }\n"
		 "  - { in: lan7, action: accept }\n", &pol);
	assert_string_equal(pol.rules[0].in, "wan");
	assert_string_equal(pol.rules[1].in, "eth0");
	assert_string_equal(pol.rules[2].in, "lan7");
	assert_round_trip(&pol);
	pol_free(&pol);
}

static void test_family(void **state)
{
	struct pol_policy pol;

	parse_ok("rules:\n"
		 "  - { family: ipv4, from: [10.0.0.0/8, \"::1\"], action: accept }\n"
		 "  - { family: ipv6, proto: icmpv6, action: accept }\n"
		 "  - { proto: icmp, from: 10.0.0.0/8, action: accept }\n"
		 "  - family: ipv4\n"
		 "    rules: [{ proto: icmp, action: accept }]\n", &pol);
	assert_int_equal(pol.rules[0].family, 4);
	assert_int_equal(pol.rules[1].family, 6);
	assert_int_equal(pol.rules[2].family, 0);
	assert_int_equal(pol.rules[3].children[0].family, 0);
	assert_round_trip(&pol);
	pol_free(&pol);
}

/* action: reject, alone, in dry-run, under a branch; defaults.reject_rate. */
static void test_reject(void **state)
{
	struct pol_policy pol;

	parse_ok("defaults: { reject_rate: 20/s }\n"
		 "rules:\n"
		 "  - { name: r, proto: tcp, port: 23, action: reject }\n"
		 "  - { name: dr, action: reject, dry_run: true }\n"
		 "  - { name: b, proto: udp, rules: [{ name: c, action: reject, rate: 5/s }] }\n",
		 &pol);
	assert_int_equal(pol.reject_rate, 20);
	assert_int_equal(pol.rules[0].action, WARD_ACT_REJECT);
	assert_int_equal(pol.rules[1].action, WARD_ACT_REJECT);
	assert_true(pol.rules[1].dry_run);
	assert_int_equal(pol.rules[2].children[0].action, WARD_ACT_REJECT);
	assert_int_equal(pol.rules[2].children[0].rate, 5);
	assert_int_equal(pol.rules[0].rate, 0);
	assert_round_trip(&pol);
	pol_free(&pol);
	parse_ok("rules: []\n", &pol);
	assert_int_equal(pol.reject_rate, 0);	/* the compiler's default */
	pol_free(&pol);
}

static void test_any_order_and_aliases(void **state)
{
	struct pol_policy pol;

	/* interfaces after the rules that name them; anchors and aliases. */
	parse_ok("sets:\n"
		 "  nets: &n [192.0.2.0/24]\n"
		 "rules:\n"
		 "  - { name: a, in: lan, from: $nets, action: &act accept }\n"
		 "  - { name: b, from: *n, action: *act }\n"
		 "interfaces: [{ match: eth1, role: lan }]\n", &pol);
	assert_int_equal(pol.rules[1].action, WARD_ACT_ACCEPT);
	assert_cidr(&pol.rules[1].from.v[0], "192.0.2.0/24");
	pol_free(&pol);
}

static void test_quoting_on_print(void **state)
{
	struct pol_policy pol;
	char *out;

	parse_ok("interfaces:\n"
		 "  - { match: \"en[a-z]\\\\*\", role: \"yes\" }\n"
		 "rules:\n"
		 "  - { name: \"a:b\", in: \"yes\", action: accept }\n"
		 "  - { name: \"off\", action: accept }\n", &pol);
	assert_string_equal(pol.ifaces[0].match, "en[a-z]\\*");
	out = print_str(&pol);
	assert_non_null(strstr(out, "  - match: \"en[a-z]\\\\*\"\n    role: \"yes\"\n"));
	assert_non_null(strstr(out, "  - name: \"a:b\"\n    in: \"yes\"\n"));
	assert_non_null(strstr(out, "  - name: \"off\"\n"));
	free(out);
	assert_round_trip(&pol);
	pol_free(&pol);
}

/* cfg_rules_yaml() is what cfg_print() writes under rules:, to the byte. */
static void test_rules_yaml(void **state)
{
	struct pol_policy pol;
	char *all, *rules, *one;

	parse_ok("interfaces: [{ match: eth0, role: wan }]\n"
		 "sets: { web: [80, 443] }\n"
		 "rules:\n"
		 "  - { name: ssh, in: wan, from: [10.0.0.0/8, \"2001:db8::/32\"], proto: tcp, port: 22, action: accept }\n"
		 "  - name: \"yes\"\n"
		 "    proto: tcp\n"
		 "    rules:\n"
		 "      - { port: $web, action: reject, rate: 5/s, log: true, dry_run: true }\n"
		 "      - { action: drop }\n", &pol);
	all = print_str(&pol);
	rules = cfg_rules_yaml(pol.rules, pol.n_rules, 2);
	assert_non_null(rules);
	assert_non_null(strstr(all, "\nrules:\n"));
	assert_string_equal(strstr(all, "\nrules:\n") + strlen("\nrules:\n"), rules);

	/* One rule alone, at the indent the API stores it with. */
	one = cfg_rules_yaml(&pol.rules[0], 1, 2);
	assert_non_null(one);
	assert_string_equal(one,
			    "  - name: ssh\n"
			    "    in: wan\n"
			    "    from: [10.0.0.0/8, \"2001:db8::/32\"]\n"
			    "    proto: tcp\n"
			    "    port: 22\n"
			    "    action: accept\n");
	free(one);
	free(rules);
	free(all);
	pol_free(&pol);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/ward-test-config-XXXXXX";
	struct pol_policy pol;
	char err[CFG_ERR_MAX];
	FILE *f;
	int fd;

	assert_int_equal(cfg_parse_file("/nonexistent/ward.yaml", &pol, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/ward.yaml: cannot open: No such file or directory");
	assert_memory_equal(&pol, &zero_policy, sizeof(pol));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("rules:\n  - action: accept\n  - action: maybe\n", f);
	fclose(f);
	assert_int_equal(cfg_parse_file(path, &pol, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: action: unknown action 'maybe' (expected accept, drop or reject)"));
	assert_memory_equal(err, path, strlen(path));
	unlink(path);
}

static void test_small_err_buffer(void **state)
{
	struct pol_policy pol;
	char err[12];
	const char *text = "bogus: 1\n";

	assert_int_equal(cfg_parse_string("t.yaml", text, strlen(text), &pol,
					  err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: b");
	assert_int_equal(cfg_parse_string("t.yaml", text, strlen(text), &pol, NULL, 0),
			 -EINVAL);
}

static void test_cidr_helpers(void **state)
{
	struct pol_cidr c;
	char buf[POL_CIDR_STRLEN];

	assert_int_equal(pol_cidr_parse("10.1.2.3/8", &c), 0);
	assert_true(pol_cidr_has_host_bits(&c));
	pol_cidr_mask(&c);
	assert_false(pol_cidr_has_host_bits(&c));
	assert_cidr(&c, "10.0.0.0/8");
	assert_int_equal(pol_cidr_parse("192.168.1.255/23", &c), 0);
	pol_cidr_mask(&c);
	assert_cidr(&c, "192.168.0.0/23");
	assert_int_equal(pol_cidr_parse("2001:db8:ffff::1/33", &c), 0);
	pol_cidr_mask(&c);
	assert_cidr(&c, "2001:db8:8000::/33");
	assert_int_equal(pol_cidr_parse("0.0.0.0/0", &c), 0);
	assert_false(pol_cidr_has_host_bits(&c));
	assert_int_equal(pol_cidr_parse("10.1", &c), -EINVAL);
	assert_int_equal(pol_cidr_parse("", &c), -EINVAL);
	assert_int_equal(pol_cidr_parse("/8", &c), -EINVAL);
	assert_int_equal(pol_cidr_parse("10.0.0.0/", &c), -ERANGE);
	assert_int_equal(pol_cidr_parse("10.0.0.0/x", &c), -ERANGE);
	assert_int_equal(pol_cidr_parse("::/129", &c), -ERANGE);
	assert_int_equal(pol_cidr_parse("::/128", &c), 0);
	assert_int_equal(pol_cidr_format(&c, buf, 2), -ENOSPC);
	assert_string_equal(pol_proto_name(6), "tcp");
	assert_null(pol_proto_name(47));
}

int run_config_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_embedded_default),
		cmocka_unit_test(test_interfaces_defaults),
		cmocka_unit_test(test_sets_expand),
		cmocka_unit_test(test_nesting_and_names),
		cmocka_unit_test(test_nesting_eight_levels),
		cmocka_unit_test(test_ipv6_normalized),
		cmocka_unit_test(test_ports_and_protos),
		cmocka_unit_test(test_icmp_names),
		cmocka_unit_test(test_in_zone_or_interface),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_any_order_and_aliases),
		cmocka_unit_test(test_quoting_on_print),
		cmocka_unit_test(test_rules_yaml),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_cidr_helpers),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
