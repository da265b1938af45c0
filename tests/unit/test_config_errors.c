/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/unit/test_config_errors.c: what the ward.yaml reader refuses, one
 * test per error, each checking the exact text users see, line number
 * included: that text is part of the contract. tests/unit/main.c runs the
 * group through run_config_error_tests().
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

int run_config_error_tests(void);

/* Error paths: one test each, the message exactly as users get it. */

#define ERR_TEST(fn, yaml, msg)					\
	static void fn(void **state)				\
	{							\
		expect_error(yaml, msg);			\
	}

/* YAML itself */
ERR_TEST(err_yaml_syntax, "rules: [\n",
	 "t.yaml:2: yaml: did not find expected node content")
ERR_TEST(err_yaml_mapping, "defaults:\n  policy: drop\n  log: none: all\n",
	 "t.yaml:3: yaml: mapping values are not allowed in this context")
ERR_TEST(err_yaml_two_docs, "rules: []\n---\nrules: []\n",
	 "t.yaml:3: yaml: more than one document; a file holds one policy")
ERR_TEST(err_yaml_bad_alias, "rules: *nowhere\n",
	 "t.yaml:1: yaml: found undefined alias")

/* "rules: " and DEPTH '[' then as many ']': DEPTH levels of lists. */
static char *nested_lists(int depth)
{
	char *s = malloc(2 * depth + 16);
	int n = 0, i;

	assert_non_null(s);
	n += sprintf(s, "rules: ");
	for (i = 0; i < depth; i++)
		s[n++] = '[';
	for (i = 0; i < depth; i++)
		s[n++] = ']';
	strcpy(s + n, "\n");
	return s;
}

/*
 * The nesting bound: one level more than the mapping at the top and 63
 * lists is refused by name, and a huge nesting (issue 20: 100,000 '['
 * took 19 s) gets the same message, without building the document.
 */
static void err_nesting(void **state)
{
	char *deep = nested_lists(64), *huge = nested_lists(100000);

	expect_error(deep, "t.yaml:1: nesting deeper than 64");
	expect_error(huge, "t.yaml:1: nesting deeper than 64");
	free(deep);
	free(huge);
}

static void nesting_at_limit(void **state)
{
	char err[256];
	struct pol_policy pol;
	char *s = nested_lists(63);
	int ret = cfg_parse_string("t.yaml", s, strlen(s), &pol, err, sizeof(err));

	/* Refused, but for what the lists hold, not for their depth. */
	assert_int_equal(ret, -EINVAL);
	assert_null(strstr(err, "nesting"));
	free(s);
}

/* Top level */
ERR_TEST(err_top_not_map, "- action: accept\n",
	 "t.yaml:1: document: expected a mapping of sections (interfaces:, defaults:, sets:, rules:), got a list")
ERR_TEST(err_top_unknown, "rules: []\nrulez: []\n", "t.yaml:2: rulez: unknown key")
ERR_TEST(err_top_dup, "rules: []\ndefaults: {}\nrules: []\n", "t.yaml:3: rules: duplicate key")
ERR_TEST(err_ct_max_flows, "conntrack:\n  max_flows: 10\n",
	 "t.yaml:2: max_flows: expected a number of flows from 1024 to 67108864, got '10'")
ERR_TEST(err_ct_timeout_unit, "conntrack:\n  timeouts: { udp: 5x }\n",
	 "t.yaml:2: udp: expected a duration in seconds (30, 30s, 5m, 2h, 5d), got '5x'")
ERR_TEST(err_ct_timeout_zero, "conntrack:\n  timeouts:\n    icmp: 0\n",
	 "t.yaml:3: icmp: expected a duration in seconds (30, 30s, 5m, 2h, 5d), got '0'")
ERR_TEST(err_ct_timeout_key, "conntrack:\n  timeouts: { tcp_est: 5 }\n",
	 "t.yaml:2: tcp_est: unknown key")
ERR_TEST(err_top_fqdn_sets, "fqdn_sets: [a.org]\n",
	 "t.yaml:1: fqdn_sets: expected a mapping of set names to lists of names, got a list")
ERR_TEST(err_top_fqdn, "fqdn: { grace: soon }\n",
	 "t.yaml:1: grace: expected a duration in seconds (30, 30s, 5m, 2h, 5d), got 'soon'")
ERR_TEST(err_fqdn_key, "fqdn: { resolver: [10.0.0.53] }\n", "t.yaml:1: resolver: unknown key")
ERR_TEST(err_fqdn_resolver_prefix, "fqdn: { resolvers: [10.0.0.0/24] }\n",
	 "t.yaml:1: resolvers: 10.0.0.0/24: a resolver is one address, not a prefix")
ERR_TEST(err_fqdn_name_empty_label, "fqdn_sets:\n  u: [\"a..org\"]\n",
	 "t.yaml:2: u: invalid name 'a..org': empty label (two dots in a row, or a leading dot)")
ERR_TEST(err_fqdn_name_star_inside, "fqdn_sets:\n  u: [\"a.*.org\"]\n",
	 "t.yaml:2: u: invalid name 'a.*.org': '*' only as the whole first label (\"*.example.org\")")
ERR_TEST(err_fqdn_name_star_alone, "fqdn_sets:\n  u: [\"*.\"]\n",
	 "t.yaml:2: u: invalid name '*.': a wildcard needs a suffix (\"*.example.org\")")
ERR_TEST(err_fqdn_name_label_64, "fqdn_sets:\n  u: [a234567890123456789012345678901234567890123456789012345678901234.org]\n",
	 "t.yaml:2: u: invalid name 'a234567890123456789012345678901234567890123456789012345678901234.org': "
	 "a label is longer than 63 characters")
ERR_TEST(err_fqdn_name_char, "fqdn_sets:\n  u: [\"a b.org\"]\n",
	 "t.yaml:2: u: invalid name 'a b.org': only letters, digits, '-' and '_' in a name")
ERR_TEST(err_fqdn_name_twice, "fqdn_sets:\n  u: [A.org, a.org.]\n",
	 "t.yaml:2: u: 'a.org.' is listed twice")

/* Sets a (10,000 names) and b (n_b), one name a line from line 3. */
static char *fqdn_many(size_t n_b)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fprintf(f, "fqdn_sets:\n  a:\n");
	for (i = 0; i < 10000; i++)
		fprintf(f, "    - n%zu.a.org\n", i);
	fprintf(f, "  b:\n");
	for (i = 0; i < n_b; i++)
		fprintf(f, "    - n%zu.b.org\n", i);
	fclose(f);
	return text;
}

/* The data plane's pattern table holds 16,384 names: one more across the
 * sets is a config error, not a commit that fails (review finding 6). */
static void err_fqdn_names_in_all(void **state)
{
	struct pol_policy pol;
	char *text = fqdn_many(6384);

	parse_ok(text, &pol);
	pol_free(&pol);
	free(text);
	text = fqdn_many(6385);
	expect_error(text, "t.yaml:16388: b: more than 16384 names in all fqdn_sets");
	free(text);
}

ERR_TEST(err_to_fqdn_no_resolvers, "fqdn_sets:\n  u: [a.org]\nrules:\n  - to_fqdn: $u\n    action: accept\n",
	 "t.yaml:4: to_fqdn: needs fqdn: resolvers: (answers are learned only from them)")
ERR_TEST(err_to_fqdn_literal, "fqdn_sets:\n  u: [a.org]\nfqdn: { resolvers: [10.0.0.53] }\n"
	 "rules:\n  - to_fqdn: a.org\n    action: accept\n",
	 "t.yaml:5: to_fqdn: expected a $set of fqdn_sets, got 'a.org' (name the names in fqdn_sets:)")
ERR_TEST(err_to_fqdn_with_to, "fqdn_sets:\n  u: [a.org]\nfqdn: { resolvers: [10.0.0.53] }\n"
	 "rules:\n  - to: 10.0.0.0/8\n    rules:\n      - { to_fqdn: $u, action: accept }\n",
	 "t.yaml:7: to_fqdn: cannot be combined with to: (in this rule or a branch around it)")
ERR_TEST(err_top_nat, "\nnat:\n  hairpin: true\n", "t.yaml:3: hairpin: unknown key")
ERR_TEST(err_top_services, "services: []\n",
	 "t.yaml:1: services: not supported by this version of ward yet")
ERR_TEST(err_top_plugins, "plugins: []\n",
	 "t.yaml:1: plugins: not supported by this version of ward yet")
ERR_TEST(err_top_alerts, "alerts:\n  port_scan: { ports: 1 }\n",
	 "t.yaml:2: ports: expected a number of ports from 2 to 255, got '1'")
ERR_TEST(err_alerts_webhook, "alerts:\n  webhook: https://x/\n",
	 "t.yaml:2: webhook: expected an http:// URL, got 'https://x/'")
ERR_TEST(err_alerts_syn_rate, "alerts:\n  syn_flood: { rate: fast }\n",
	 "t.yaml:2: rate: expected a rate like 100/s (1 to 100000000), got 'fast'")
ERR_TEST(err_top_api, "api:\n  listen: tcp://0.0.0.0:7777\n",
	 "t.yaml:2: listen: tcp://0.0.0.0:7777: TCP is served with TLS and client certificates only: add tls: {cert, key, ca}")
ERR_TEST(err_api_listen, "api: { listen: /run/w.sock }\n",
	 "t.yaml:1: listen: expected unix:/ABSOLUTE/PATH, tcp://ADDR:PORT or none, got '/run/w.sock'")
ERR_TEST(err_api_tls_partial, "api:\n  listen: tcp://127.0.0.1:7777\n  tls: { cert: s.pem, key: s.key }\n",
	 "t.yaml:3: tls: ca: missing (tls needs cert, key and ca: the server's certificate and key, and the CA client certificates must be signed by)")
ERR_TEST(err_api_tls_unix, "api:\n  listen: unix:/run/w.sock\n  tls: { cert: a, key: b, ca: c }\n",
	 "t.yaml:3: tls: only for listen: tcp://ADDR:PORT (a unix socket is guarded by its file mode)")
ERR_TEST(err_api_tls_key, "api:\n  tls: { cert: a, key: b, ca: c, crl: d }\n",
	 "t.yaml:2: crl: unknown key")
ERR_TEST(err_api_tcp_port, "api:\n  listen: \"tcp://127.0.0.1\"\n  tls: { cert: a, key: b, ca: c }\n",
	 "t.yaml:2: listen: expected tcp://ADDR:PORT, got 'tcp://127.0.0.1'")
ERR_TEST(err_top_metrics, "metrics:\n  listen: 9669\n",
	 "t.yaml:2: listen: expected ADDR:PORT (127.0.0.1:9669, [::1]:9669) or none, got '9669'")
ERR_TEST(err_top_logs, "logs: { rate: 0/s }\n",
	 "t.yaml:1: rate: expected a rate like 100/s (1 to 1000000), got '0/s'")
ERR_TEST(err_top_fleet, "fleet: {}\n", "t.yaml:1: fleet: not supported by this version of ward yet")
ERR_TEST(err_key_not_scalar, "[a]: 1\n", "t.yaml:1: document: a key must be a plain name, not a list")

/* interfaces */
ERR_TEST(err_if_not_list, "interfaces:\n  match: eth0\n",
	 "t.yaml:2: interfaces: expected a list, got a mapping")
ERR_TEST(err_if_item_not_map, "interfaces:\n  - eth0\n",
	 "t.yaml:2: interfaces: expected a mapping, got a single value")
ERR_TEST(err_if_no_match, "interfaces:\n  - role: wan\n",
	 "t.yaml:2: match: missing (an interface name or glob)")
ERR_TEST(err_if_match_list, "interfaces:\n  - match: [eth0]\n",
	 "t.yaml:2: match: expected a single value, got a list")
ERR_TEST(err_if_match_space, "interfaces:\n  - match: \"eth 0\"\n",
	 "t.yaml:2: match: 'eth 0' is not an interface name or glob")
ERR_TEST(err_if_match_dup, "interfaces:\n  - match: eth0\n  - match: eth0\n",
	 "t.yaml:3: match: duplicate interface 'eth0' (first at line 2)")
ERR_TEST(err_if_role, "interfaces:\n  - match: eth0\n    role: WAN\n",
	 "t.yaml:3: role: invalid role 'WAN' (a-z, 0-9, _ and -, at most 31 characters)")
ERR_TEST(err_if_role_long, "interfaces:\n  - match: eth0\n    role: abcdefghijabcdefghijabcdefghijab\n",
	 "t.yaml:3: role: invalid role 'abcdefghijabcdefghijabcdefghijab' (a-z, 0-9, _ and -, at most 31 characters)")
ERR_TEST(err_if_mode, "interfaces:\n  - match: eth0\n    mode: skb\n",
	 "t.yaml:3: mode: unknown mode 'skb' (expected auto, xdp or tc)")
ERR_TEST(err_if_unknown_key, "interfaces:\n  - match: eth0\n    zone: wan\n",
	 "t.yaml:3: zone: unknown key")
ERR_TEST(err_if_dup_key, "interfaces:\n  - match: eth0\n    match: eth1\n",
	 "t.yaml:3: match: duplicate key")

/* defaults */
ERR_TEST(err_def_not_map, "defaults: drop\n",
	 "t.yaml:1: defaults: expected a mapping, got a single value")
ERR_TEST(err_def_policy, "defaults:\n  policy: reject\n",
	 "t.yaml:2: policy: unknown policy 'reject' (expected accept or drop)")
ERR_TEST(err_def_dry_run, "defaults:\n  dry_run: yes\n",
	 "t.yaml:2: dry_run: expected true or false, got 'yes'")
ERR_TEST(err_def_log, "defaults:\n  log: true\n",
	 "t.yaml:2: log: unknown log level 'true' (expected none, drops or all)")
ERR_TEST(err_def_unknown, "defaults:\n  policy: drop\n  timeout: 3\n", "t.yaml:3: timeout: unknown key")
ERR_TEST(err_def_missing_value, "defaults:\n  policy:\n",
	 "t.yaml:2: policy: missing value")

/* sets */
ERR_TEST(err_set_not_map, "sets: [a]\n",
	 "t.yaml:1: sets: expected a mapping of set names to lists, got a list")
ERR_TEST(err_set_name, "sets:\n  \"a b\": [1]\n",
	 "t.yaml:2: sets: invalid set name 'a b' (letters, digits, _ and -, at most 63 characters)")
ERR_TEST(err_set_dup, "sets:\n  a: [1]\n  a: [2]\n", "t.yaml:3: a: duplicate key")
ERR_TEST(err_set_not_list, "sets:\n  a: 10.0.0.0/8\n", "t.yaml:2: a: expected a list, got a single value")
ERR_TEST(err_set_empty, "sets:\n  a: []\n", "t.yaml:2: a: empty set")
ERR_TEST(err_set_mixed, "sets:\n  a:\n    - 10.0.0.0/8\n    - 22\n",
	 "t.yaml:4: a: mixes addresses and ports ('22'); a set holds one kind")
ERR_TEST(err_set_ref, "sets:\n  a: [1]\n  b: [$a]\n",
	 "t.yaml:3: b: a set cannot refer to another set ($a)")
ERR_TEST(err_set_bad_elem, "sets:\n  a: [10.0.0.0/8, bogus]\n",
	 "t.yaml:2: a: 'bogus' is not an address or CIDR")
ERR_TEST(err_set_host_bits, "sets:\n  a: [10.0.0.1/8]\n",
	 "t.yaml:2: a: 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)")
ERR_TEST(err_set_port_range, "sets:\n  a: [80, 70000]\n", "t.yaml:2: a: 70000 is out of range (0-65535)")

/* rules: structure */
ERR_TEST(err_rules_not_list, "rules:\n  name: a\n",
	 "t.yaml:2: rules: expected a list of rules, got a mapping")
ERR_TEST(err_rule_not_map, "rules:\n  - accept\n",
	 "t.yaml:2: rules: expected a rule (a mapping), got a single value")
ERR_TEST(err_rule_unknown_key, "rules:\n  - action: accept\n    prot: tcp\n",
	 "t.yaml:3: prot: unknown key")
ERR_TEST(err_rule_dup_key, "rules:\n  - action: accept\n    action: drop\n",
	 "t.yaml:3: action: duplicate key")
ERR_TEST(err_rule_out, "rules:\n  - out: wan\n    action: accept\n",
	 "t.yaml:2: out: not supported by this version of ward yet")
ERR_TEST(err_rule_to_fqdn, "rules:\n  - to_fqdn: $x\n    action: accept\n",
	 "t.yaml:2: to_fqdn: unknown fqdn set $x")
ERR_TEST(err_rule_rate, "rules:\n  - action: accept\n    rate: 10 a second\n",
	 "t.yaml:3: rate: expected a rate like 100/s (1 to 1000000), got '10 a second'")
ERR_TEST(err_branch_rate, "rules:\n  - rate: 10/s\n    rules: [{ action: accept }]\n",
	 "t.yaml:2: rate: a branch takes no rate; put it on the rules inside")
ERR_TEST(err_rule_plugins, "rules:\n  - action: accept\n    plugins: [sqli]\n",
	 "t.yaml:3: plugins: not supported by this version of ward yet")

/* action */
ERR_TEST(err_reject_rate, "defaults:\n  reject_rate: fast\n",
	 "t.yaml:2: reject_rate: expected a rate like 100/s (1 to 1000000), got 'fast'")
ERR_TEST(err_action_inspect, "rules:\n  - action: inspect\n",
	 "t.yaml:2: action: inspect is not supported by this version of ward yet")
ERR_TEST(err_action_unknown, "rules:\n  - action: allow\n",
	 "t.yaml:2: action: unknown action 'allow' (expected accept, drop or reject)")
ERR_TEST(err_action_missing, "rules:\n  - action: accept\n  - name: x\n    proto: tcp\n",
	 "t.yaml:3: action: missing (accept, drop or reject)")
ERR_TEST(err_action_and_rules, "rules:\n  - action: accept\n    rules:\n      - action: drop\n",
	 "t.yaml:3: rules: a branch rule takes no action; end its rules with a catch-all child instead")
ERR_TEST(err_branch_empty, "rules:\n  - name: b\n    rules: []\n",
	 "t.yaml:3: rules: a branch needs at least one rule")
ERR_TEST(err_branch_null, "rules:\n  - name: b\n    rules:\n",
	 "t.yaml:3: rules: a branch needs at least one rule")
ERR_TEST(err_branch_not_list, "rules:\n  - rules: { action: drop }\n",
	 "t.yaml:2: rules: expected a list of rules, got a mapping")
ERR_TEST(err_branch_too_deep,
	 "rules:\n"
	 "- rules:\n"
	 "  - rules:\n"
	 "    - rules:\n"
	 "      - rules:\n"
	 "        - rules:\n"
	 "          - rules:\n"
	 "            - rules:\n"
	 "              - rules:\n"
	 "                - action: accept\n",
	 "t.yaml:9: rules: branches nest deeper than 8 levels")
ERR_TEST(err_child_error_line, "rules:\n  - proto: tcp\n    rules:\n      - port: 22\n"
	 "        action: accept\n      - port: 23\n        action: dro\n",
	 "t.yaml:7: action: unknown action 'dro' (expected accept, drop or reject)")

/* name */
ERR_TEST(err_name_chars, "rules:\n  - name: \"a b\"\n    action: accept\n",
	 "t.yaml:2: name: invalid rule name 'a b' (letters, digits and _.:/-, at most 63 characters)")
ERR_TEST(err_name_long,
	 "rules:\n  - name: abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd\n"
	 "    action: accept\n",
	 "t.yaml:2: name: invalid rule name 'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd' "
	 "(letters, digits and _.:/-, at most 63 characters)")
ERR_TEST(err_name_dup, "rules:\n  - name: a\n    action: accept\n  - name: a\n    action: drop\n",
	 "t.yaml:4: name: duplicate rule name 'a' (first at line 2)")
ERR_TEST(err_name_dup_nested,
	 "rules:\n  - name: a\n    rules:\n      - { name: web, action: accept }\n"
	 "  - name: b\n    rules:\n      - { name: web, action: accept }\n",
	 "t.yaml:7: name: duplicate rule name 'web' (first at line 4)")
ERR_TEST(err_name_generated_clash, "rules:\n  - name: rule2\n    action: accept\n  - action: drop\n",
	 "t.yaml:4: name: duplicate rule name 'rule2' (first at line 2)")
ERR_TEST(err_name_explicit_clash, "rules:\n  - action: accept\n  - name: rule1\n    action: drop\n",
	 "t.yaml:3: name: duplicate rule name 'rule1' (first at line 2)")
ERR_TEST(err_name_child_clash,
	 "rules:\n  - name: b\n    rules:\n      - action: accept\n  - name: b/1\n    action: drop\n",
	 "t.yaml:5: name: duplicate rule name 'b/1' (first at line 4)")
ERR_TEST(err_name_generated_long,
	 "rules:\n  - name: abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12\n"
	 "    rules:\n      - action: accept\n",
	 "t.yaml:4: name: generated name 'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12/1' "
	 "is longer than 63 characters; name the rule")

/* proto */
ERR_TEST(err_proto_unknown, "rules:\n  - proto: tcpp\n    action: accept\n",
	 "t.yaml:2: proto: unknown protocol 'tcpp' (expected tcp, udp, icmp, icmpv6, sctp, any or 0-255)")
ERR_TEST(err_proto_range, "rules:\n  - proto: 256\n    action: accept\n",
	 "t.yaml:2: proto: 256 is out of range (0-255)")
ERR_TEST(err_proto_list, "rules:\n  - proto: [tcp, udp]\n    action: accept\n",
	 "t.yaml:2: proto: expected a single value, got a list")
ERR_TEST(err_proto_branch, "rules:\n  - proto: tcp\n    rules:\n      - proto: udp\n        action: accept\n",
	 "t.yaml:4: proto: udp but the enclosing branch is tcp")

/* port, sport */
ERR_TEST(err_port_no_proto, "rules:\n  - port: 22\n    action: accept\n",
	 "t.yaml:2: port: needs proto tcp, udp or sctp")
ERR_TEST(err_port_icmp, "rules:\n  - proto: icmp\n    port: 22\n    action: accept\n",
	 "t.yaml:3: port: needs proto tcp, udp or sctp")
ERR_TEST(err_sport_no_proto, "rules:\n  - sport: 22\n    action: accept\n",
	 "t.yaml:2: sport: needs proto tcp, udp or sctp")
ERR_TEST(err_port_range, "rules:\n  - proto: tcp\n    port: 65536\n    action: accept\n",
	 "t.yaml:3: port: 65536 is out of range (0-65535)")
ERR_TEST(err_port_reversed, "rules:\n  - proto: tcp\n    port: 90-80\n    action: accept\n",
	 "t.yaml:3: port: 90-80 is an empty range (a-b needs a <= b)")
ERR_TEST(err_port_text, "rules:\n  - proto: tcp\n    port: http\n    action: accept\n",
	 "t.yaml:3: port: 'http' is not a port number or a range a-b")
ERR_TEST(err_port_negative, "rules:\n  - proto: tcp\n    port: -1\n    action: accept\n",
	 "t.yaml:3: port: '-1' is not a port number or a range a-b")
ERR_TEST(err_port_list_item, "rules:\n  - proto: tcp\n    port:\n      - 22\n      - 2x\n    action: accept\n",
	 "t.yaml:5: port: '2x' is not a port number or a range a-b")
ERR_TEST(err_port_empty, "rules:\n  - proto: tcp\n    port: []\n    action: accept\n",
	 "t.yaml:3: port: empty list (leave port out to match any port)")
ERR_TEST(err_port_map, "rules:\n  - proto: tcp\n    port: { a: 1 }\n    action: accept\n",
	 "t.yaml:3: port: expected a port, a range, a list or a $set, got a mapping")
ERR_TEST(err_port_addr_set, "sets:\n  a: [10.0.0.0/8]\nrules:\n  - proto: tcp\n    port: $a\n    action: accept\n",
	 "t.yaml:5: port: $a is an address set, not a port set")
ERR_TEST(err_port_unknown_set, "rules:\n  - proto: udp\n    sport: [1, $nope]\n    action: accept\n",
	 "t.yaml:3: sport: unknown set $nope")

/* icmp_type */
ERR_TEST(err_icmp_no_proto, "rules:\n  - icmp_type: 8\n    action: accept\n",
	 "t.yaml:2: icmp_type: needs proto icmp or icmpv6")
ERR_TEST(err_icmp_tcp, "rules:\n  - proto: tcp\n    icmp_type: echo-request\n    action: accept\n",
	 "t.yaml:3: icmp_type: needs proto icmp or icmpv6")
ERR_TEST(err_icmp_unknown, "rules:\n  - proto: icmp\n    icmp_type: echo\n    action: accept\n",
	 "t.yaml:3: icmp_type: unknown icmp type 'echo'")
ERR_TEST(err_icmp6_unknown, "rules:\n  - proto: icmpv6\n    icmp_type: neighbour-solicit\n    action: accept\n",
	 "t.yaml:3: icmp_type: unknown icmpv6 type 'neighbour-solicit'")
ERR_TEST(err_icmp_wrong_proto, "rules:\n  - proto: icmp\n    icmp_type: packet-too-big\n    action: accept\n",
	 "t.yaml:3: icmp_type: 'packet-too-big' is an icmpv6 type, not icmp")
ERR_TEST(err_icmp6_wrong_proto, "rules:\n  - proto: icmpv6\n    icmp_type: timestamp-request\n    action: accept\n",
	 "t.yaml:3: icmp_type: 'timestamp-request' is an icmp type, not icmpv6")
ERR_TEST(err_icmp_range, "rules:\n  - proto: icmp\n    icmp_type: 256\n    action: accept\n",
	 "t.yaml:3: icmp_type: 256 is out of range (0-255)")

/* from, to */
ERR_TEST(err_from_host_bits, "rules:\n  - from: 10.0.0.1/8\n    action: accept\n",
	 "t.yaml:2: from: 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)")
ERR_TEST(err_to_host_bits6, "rules:\n  - to: \"2001:db8::1/64\"\n    action: accept\n",
	 "t.yaml:2: to: 2001:db8::1/64 has host bits set (did you mean 2001:db8::/64?)")
ERR_TEST(err_from_plen, "rules:\n  - from: 10.0.0.0/33\n    action: accept\n",
	 "t.yaml:2: from: 10.0.0.0/33 has a bad prefix length (0-32 for IPv4)")
ERR_TEST(err_from_plen6, "rules:\n  - from: \"::/129\"\n    action: accept\n",
	 "t.yaml:2: from: ::/129 has a bad prefix length (0-128 for IPv6)")
ERR_TEST(err_from_text, "rules:\n  - from: example.org\n    action: accept\n",
	 "t.yaml:2: from: 'example.org' is not an address or CIDR")
ERR_TEST(err_from_short_v4, "rules:\n  - from: [10.0.0.0/8, 10.1]\n    action: accept\n",
	 "t.yaml:2: from: '10.1' is not an address or CIDR")
ERR_TEST(err_from_empty, "rules:\n  - from: []\n    action: accept\n",
	 "t.yaml:2: from: empty list (leave from out to match any address)")
ERR_TEST(err_from_unknown_set, "rules:\n  - from: $x\n    action: accept\n",
	 "t.yaml:2: from: unknown set $x")
ERR_TEST(err_from_port_set, "sets:\n  p: [22]\nrules:\n  - from: $p\n    action: accept\n",
	 "t.yaml:4: from: $p is a port set, not an address set")
ERR_TEST(err_to_nested_list, "rules:\n  - to: [[10.0.0.0/8]]\n    action: accept\n",
	 "t.yaml:2: to: expected a single value, got a list")

/* family */
ERR_TEST(err_family_unknown, "rules:\n  - family: inet\n    action: accept\n",
	 "t.yaml:2: family: unknown family 'inet' (expected ipv4 or ipv6)")
ERR_TEST(err_family_from, "rules:\n  - family: ipv4\n    from: \"2001:db8::/32\"\n    action: accept\n",
	 "t.yaml:2: family: ipv4 but from: has only IPv6 addresses")
ERR_TEST(err_family_to, "rules:\n  - family: ipv6\n    to: [10.0.0.0/8, 192.0.2.1]\n    action: accept\n",
	 "t.yaml:2: family: ipv6 but to: has only IPv4 addresses")
ERR_TEST(err_family_inherited, "rules:\n  - family: ipv4\n    rules:\n      - from: \"::1\"\n"
	 "        action: accept\n",
	 "t.yaml:4: family: ipv4 but from: has only IPv6 addresses")
ERR_TEST(err_family_icmp, "rules:\n  - family: ipv6\n    proto: icmp\n    action: accept\n",
	 "t.yaml:3: proto: icmp but family is ipv6 (use icmpv6)")
ERR_TEST(err_family_icmpv6, "rules:\n  - proto: icmpv6\n    rules:\n      - family: ipv4\n        action: accept\n",
	 "t.yaml:4: family: ipv4 but proto is icmpv6")
ERR_TEST(err_family_branch, "rules:\n  - family: ipv4\n    rules:\n      - family: ipv6\n        action: accept\n",
	 "t.yaml:4: family: ipv6 but the enclosing branch is ipv4")
ERR_TEST(err_proto_from, "rules:\n  - proto: icmp\n    from: \"::/0\"\n    action: accept\n",
	 "t.yaml:2: proto: icmp but from: has only IPv6 addresses")
ERR_TEST(err_from_to_families, "rules:\n  - from: 10.0.0.0/8\n    to: \"::1\"\n    action: accept\n",
	 "t.yaml:3: to: has only IPv6 addresses but from: has only IPv4 addresses")

/* in */
ERR_TEST(err_in_unknown, "interfaces:\n  - { match: \"eth*\", role: wan }\nrules:\n"
	 "  - in: lan\n    action: accept\n",
	 "t.yaml:4: in: unknown zone or interface 'lan'")
ERR_TEST(err_in_no_interfaces, "rules:\n  - in: eth0\n    action: accept\n",
	 "t.yaml:2: in: unknown zone or interface 'eth0'")

/* log, dry_run */
ERR_TEST(err_log_bool, "rules:\n  - action: accept\n    log: 1\n",
	 "t.yaml:3: log: expected true or false, got '1'")
ERR_TEST(err_dry_run_bool, "rules:\n  - action: accept\n    dry_run: True\n",
	 "t.yaml:3: dry_run: expected true or false, got 'True'")
ERR_TEST(err_nul_in_value, "rules:\n  - name: \"a\\0b\"\n    action: accept\n",
	 "t.yaml:2: name: contains a NUL character")
ERR_TEST(err_control_chars, "rules:\n  - action: \"acc\\tept\"\n",
	 "t.yaml:2: action: unknown action 'acc?ept' (expected accept, drop or reject)")

int run_config_error_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err_yaml_syntax),
		cmocka_unit_test(err_yaml_mapping),
		cmocka_unit_test(err_yaml_two_docs),
		cmocka_unit_test(err_yaml_bad_alias),
		cmocka_unit_test(err_nesting),
		cmocka_unit_test(nesting_at_limit),
		cmocka_unit_test(err_top_not_map),
		cmocka_unit_test(err_top_unknown),
		cmocka_unit_test(err_top_dup),
		cmocka_unit_test(err_ct_max_flows),
		cmocka_unit_test(err_ct_timeout_unit),
		cmocka_unit_test(err_ct_timeout_zero),
		cmocka_unit_test(err_ct_timeout_key),
		cmocka_unit_test(err_top_fqdn_sets),
		cmocka_unit_test(err_top_fqdn),
		cmocka_unit_test(err_fqdn_key),
		cmocka_unit_test(err_fqdn_resolver_prefix),
		cmocka_unit_test(err_fqdn_name_empty_label),
		cmocka_unit_test(err_fqdn_name_star_inside),
		cmocka_unit_test(err_fqdn_name_star_alone),
		cmocka_unit_test(err_fqdn_name_label_64),
		cmocka_unit_test(err_fqdn_name_char),
		cmocka_unit_test(err_fqdn_name_twice),
		cmocka_unit_test(err_fqdn_names_in_all),
		cmocka_unit_test(err_to_fqdn_no_resolvers),
		cmocka_unit_test(err_to_fqdn_literal),
		cmocka_unit_test(err_to_fqdn_with_to),
		cmocka_unit_test(err_top_nat),
		cmocka_unit_test(err_top_services),
		cmocka_unit_test(err_top_plugins),
		cmocka_unit_test(err_top_alerts),
		cmocka_unit_test(err_alerts_webhook),
		cmocka_unit_test(err_alerts_syn_rate),
		cmocka_unit_test(err_top_api),
		cmocka_unit_test(err_api_tls_partial),
		cmocka_unit_test(err_api_tls_unix),
		cmocka_unit_test(err_api_tls_key),
		cmocka_unit_test(err_api_tcp_port),
		cmocka_unit_test(err_api_listen),
		cmocka_unit_test(err_top_metrics),
		cmocka_unit_test(err_top_logs),
		cmocka_unit_test(err_top_fleet),
		cmocka_unit_test(err_key_not_scalar),
		cmocka_unit_test(err_if_not_list),
		cmocka_unit_test(err_if_item_not_map),
		cmocka_unit_test(err_if_no_match),
		cmocka_unit_test(err_if_match_list),
		cmocka_unit_test(err_if_match_space),
		cmocka_unit_test(err_if_match_dup),
		cmocka_unit_test(err_if_role),
		cmocka_unit_test(err_if_role_long),
		cmocka_unit_test(err_if_mode),
		cmocka_unit_test(err_if_unknown_key),
		cmocka_unit_test(err_if_dup_key),
		cmocka_unit_test(err_def_not_map),
		cmocka_unit_test(err_def_policy),
		cmocka_unit_test(err_def_dry_run),
		cmocka_unit_test(err_def_log),
		cmocka_unit_test(err_def_unknown),
		cmocka_unit_test(err_def_missing_value),
		cmocka_unit_test(err_set_not_map),
		cmocka_unit_test(err_set_name),
		cmocka_unit_test(err_set_dup),
		cmocka_unit_test(err_set_not_list),
		cmocka_unit_test(err_set_empty),
		cmocka_unit_test(err_set_mixed),
		cmocka_unit_test(err_set_ref),
		cmocka_unit_test(err_set_bad_elem),
		cmocka_unit_test(err_set_host_bits),
		cmocka_unit_test(err_set_port_range),
		cmocka_unit_test(err_rules_not_list),
		cmocka_unit_test(err_rule_not_map),
		cmocka_unit_test(err_rule_unknown_key),
		cmocka_unit_test(err_rule_dup_key),
		cmocka_unit_test(err_rule_out),
		cmocka_unit_test(err_rule_to_fqdn),
		cmocka_unit_test(err_rule_rate),
		cmocka_unit_test(err_branch_rate),
		cmocka_unit_test(err_rule_plugins),
		cmocka_unit_test(err_reject_rate),
		cmocka_unit_test(err_action_inspect),
		cmocka_unit_test(err_action_unknown),
		cmocka_unit_test(err_action_missing),
		cmocka_unit_test(err_action_and_rules),
		cmocka_unit_test(err_branch_empty),
		cmocka_unit_test(err_branch_null),
		cmocka_unit_test(err_branch_not_list),
		cmocka_unit_test(err_branch_too_deep),
		cmocka_unit_test(err_child_error_line),
		cmocka_unit_test(err_name_chars),
		cmocka_unit_test(err_name_long),
		cmocka_unit_test(err_name_dup),
		cmocka_unit_test(err_name_dup_nested),
		cmocka_unit_test(err_name_generated_clash),
		cmocka_unit_test(err_name_explicit_clash),
		cmocka_unit_test(err_name_child_clash),
		cmocka_unit_test(err_name_generated_long),
		cmocka_unit_test(err_proto_unknown),
		cmocka_unit_test(err_proto_range),
		cmocka_unit_test(err_proto_list),
		cmocka_unit_test(err_proto_branch),
		cmocka_unit_test(err_port_no_proto),
		cmocka_unit_test(err_port_icmp),
		cmocka_unit_test(err_sport_no_proto),
		cmocka_unit_test(err_port_range),
		cmocka_unit_test(err_port_reversed),
		cmocka_unit_test(err_port_text),
		cmocka_unit_test(err_port_negative),
		cmocka_unit_test(err_port_list_item),
		cmocka_unit_test(err_port_empty),
		cmocka_unit_test(err_port_map),
		cmocka_unit_test(err_port_addr_set),
		cmocka_unit_test(err_port_unknown_set),
		cmocka_unit_test(err_icmp_no_proto),
		cmocka_unit_test(err_icmp_tcp),
		cmocka_unit_test(err_icmp_unknown),
		cmocka_unit_test(err_icmp6_unknown),
		cmocka_unit_test(err_icmp_wrong_proto),
		cmocka_unit_test(err_icmp6_wrong_proto),
		cmocka_unit_test(err_icmp_range),
		cmocka_unit_test(err_from_host_bits),
		cmocka_unit_test(err_to_host_bits6),
		cmocka_unit_test(err_from_plen),
		cmocka_unit_test(err_from_plen6),
		cmocka_unit_test(err_from_text),
		cmocka_unit_test(err_from_short_v4),
		cmocka_unit_test(err_from_empty),
		cmocka_unit_test(err_from_unknown_set),
		cmocka_unit_test(err_from_port_set),
		cmocka_unit_test(err_to_nested_list),
		cmocka_unit_test(err_family_unknown),
		cmocka_unit_test(err_family_from),
		cmocka_unit_test(err_family_to),
		cmocka_unit_test(err_family_inherited),
		cmocka_unit_test(err_family_icmp),
		cmocka_unit_test(err_family_icmpv6),
		cmocka_unit_test(err_family_branch),
		cmocka_unit_test(err_proto_from),
		cmocka_unit_test(err_from_to_families),
		cmocka_unit_test(err_in_unknown),
		cmocka_unit_test(err_in_no_interfaces),
		cmocka_unit_test(err_log_bool),
		cmocka_unit_test(err_dry_run_bool),
		cmocka_unit_test(err_nul_in_value),
		cmocka_unit_test(err_control_chars),
	};

	return cmocka_run_group_tests_name("config errors", tests, NULL, NULL);
}
