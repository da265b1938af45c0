// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/rules.c: wardctl rule add, list, delete, clear: the rules added over
 * the API, and every rule of the live policy with its counters.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "out.h"
#include "rpc.h"
#include "ward/v1/ward.pb-c.h"

/* "a,b" -> a list: --src 10.0.0.0/8,fd00::/8 and repeated --src both work. */
static int add_list(char ***v, size_t *n, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL, **nv;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv) {
			free(copy);
			return -ENOMEM;
		}
		*v = nv;
		(*v)[*n] = strdup(tok);
		if (!(*v)[*n]) {
			free(copy);
			return -ENOMEM;
		}
		(*n)++;
	}
	free(copy);
	return 0;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int rule_add(struct ctl *c, int argc, char **argv)
{
	enum { O_NAME = CTL_O_FLOW_END, O_FAMILY, O_ACTION, O_BEFORE, O_DRY, O_LOG, O_RATE };
	static const struct option opts[] = {
		{ "name", required_argument, NULL, O_NAME },
		CTL_FLOW_OPTS,
		{ "family", required_argument, NULL, O_FAMILY },
		{ "action", required_argument, NULL, O_ACTION },
		{ "before", required_argument, NULL, O_BEFORE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "log", no_argument, NULL, O_LOG },
		{ "rate", required_argument, NULL, O_RATE },
		{ 0 }
	};
	Ward__V1__RuleAddRequest req = WARD__V1__RULE_ADD_REQUEST__INIT;
	Ward__V1__Rule rule = WARD__V1__RULE__INIT;
	Ward__V1__RuleAddResponse *m;
	ProtobufCMessage *resp;
	int o, ret = 0;

	req.rule = &rule;
	while (!ret && (o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case O_NAME: rule.name = optarg; break;
		case CTL_O_IN: rule.in = optarg; break;
		case CTL_O_SRC: ret = add_list(&rule.src, &rule.n_src, optarg); break;
		case CTL_O_DST: ret = add_list(&rule.dst, &rule.n_dst, optarg); break;
		case CTL_O_PROTO: rule.proto = optarg; break;
		case CTL_O_DPORT: ret = add_list(&rule.port, &rule.n_port, optarg); break;
		case CTL_O_SPORT: ret = add_list(&rule.sport, &rule.n_sport, optarg); break;
		case CTL_O_ICMP: rule.icmp_type = optarg; break;
		case O_FAMILY: rule.family = optarg; break;
		case O_ACTION: rule.action = optarg; break;
		case O_BEFORE: req.before = optarg; break;
		case O_DRY: rule.dry_run = true; break;
		case O_LOG: rule.log = true; break;
		case O_RATE: rule.rate = optarg; break;
		default: ret = bad_usage("rule add: %s", "unknown option"); goto out;
		}
	}
	if (ret) {
		fprintf(stderr, "wardctl: out of memory\n");
		ret = WARDCTL_EXIT_USER;
		goto out;
	}
	if ((ret = ctl_no_args("rule add", argc, argv)))
		goto out;
	if (!rule.name[0] || !rule.action[0]) {
		ret = bad_usage("rule add: %s", "--name and --action are required");
		goto out;
	}
	ret = ctl_call(c, "RuleAdd", &req.base, &ward__v1__rule_add_response__descriptor, &resp,
		       WARDCTL_APPLY_TIMEOUT_S);
	if (ret)
		goto out;
	m = (Ward__V1__RuleAddResponse *)resp;
	printf("rule %s added; generation %" PRIu64 " live\n", rule.name, m->generation);
	protobuf_c_message_free_unpacked(resp, NULL);
out:
	free_list(rule.src, rule.n_src);
	free_list(rule.dst, rule.n_dst);
	free_list(rule.port, rule.n_port);
	free_list(rule.sport, rule.n_sport);
	return ret;
}

static void join(char *buf, size_t len, char **v, size_t n, const char *none)
{
	size_t i, at = 0;

	buf[0] = '\0';
	if (!n) {
		snprintf(buf, len, "%s", none);
		return;
	}
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? "," : "", v[i]);
}

static void rule_row(struct table *t, const Ward__V1__Rule *r, int depth, size_t *idx)
{
	char from[256], to[256], port[256];
	size_t i;

	join(from, sizeof(from), r->src, r->n_src, "any");
	join(to, sizeof(to), r->dst, r->n_dst, "any");
	join(port, sizeof(port), r->port, r->n_port, "-");
	table_next(t);
	if (depth)
		table_cell(t, "%s", "");
	else
		table_cell(t, "%zu", ++*idx);
	table_cell(t, "%*s%s", depth * 2, "", r->name);
	table_cell(t, "%s", r->in[0] ? r->in : "-");
	table_cell(t, "%s", from);
	table_cell(t, "%s", to);
	table_cell(t, "%s", r->proto[0] ? r->proto : "-");
	table_cell(t, "%s", port);
	table_cell(t, "%s%s%s%s%s", r->action[0] ? r->action : "(branch)",
		   r->rate[0] ? " rate " : "", r->rate, r->dry_run ? " dry-run" : "",
		   r->log ? " log" : "");
	table_cell(t, "%" PRIu64, r->packets);
	table_cell(t, "%" PRIu64, r->bytes);
	table_cell(t, "%s%s%s", r->origin, r->before[0] ? " before " : "", r->before);
	for (i = 0; i < r->n_rules; i++)
		rule_row(t, r->rules[i], depth + 1, idx);
}

static void rule_json(struct json *j, const Ward__V1__Rule *r)
{
	size_t i;

	json_obj(j, NULL);
	json_str(j, "name", r->name);
	json_str(j, "origin", r->origin);
	json_str(j, "in", r->in);
	json_strs(j, "src", r->src, r->n_src);
	json_strs(j, "dst", r->dst, r->n_dst);
	json_str(j, "proto", r->proto);
	json_strs(j, "port", r->port, r->n_port);
	json_strs(j, "sport", r->sport, r->n_sport);
	json_str(j, "icmp_type", r->icmp_type);
	json_str(j, "family", r->family);
	json_str(j, "action", r->action);
	json_str(j, "rate", r->rate);
	json_bool(j, "dry_run", r->dry_run);
	json_bool(j, "log", r->log);
	json_u64(j, "packets", r->packets);
	json_u64(j, "bytes", r->bytes);
	if (r->before[0])
		json_str(j, "before", r->before);
	if (r->n_rules) {
		json_arr(j, "rules");
		for (i = 0; i < r->n_rules; i++)
			rule_json(j, r->rules[i]);
		json_arr_end(j);
	}
	json_obj_end(j);
}

static int rule_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, { 0 } };
	static const char *const hdr[] = {
		"#", "NAME", "IN", "FROM", "TO", "PROTO", "PORT", "ACTION", "PACKETS", "BYTES",
		"ORIGIN",
	};
	Ward__V1__RuleListRequest req = WARD__V1__RULE_LIST_REQUEST__INIT;
	Ward__V1__RuleListResponse *m;
	ProtobufCMessage *resp;
	size_t i, idx = 0;
	struct table *t;
	int ret;

	while (ctl_getopt(c, "rule list", argc, argv, "o:", opts, &ret) != -1)
		;
	if (ret)
		return ret;
	ret = ctl_call(c, "RuleList", &req.base, &ward__v1__rule_list_response__descriptor, &resp,
		       WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__RuleListResponse *)resp;
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_u64(&j, "generation", m->generation);
		json_str(&j, "default_policy", m->default_policy);
		json_arr(&j, "rules");
		for (i = 0; i < m->n_rules; i++)
			rule_json(&j, m->rules[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_done(&j);
	} else {
		t = table_new(sizeof(hdr) / sizeof(hdr[0]), hdr);
		for (i = 0; i < m->n_rules; i++)
			rule_row(t, m->rules[i], 0, &idx);
		table_print(t, stdout);
		table_free(t);
		printf("default: %s (generation %" PRIu64 ")\n", m->default_policy, m->generation);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

static int rule_delete(struct ctl *c, int argc, char **argv)
{
	Ward__V1__RuleDeleteRequest req = WARD__V1__RULE_DELETE_REQUEST__INIT;
	Ward__V1__RuleDeleteResponse *m;
	ProtobufCMessage *resp;
	int ret;

	if (argc != 2)
		return bad_usage("rule delete: %s", "expected one rule name");
	req.name = argv[1];
	ret = ctl_call(c, "RuleDelete", &req.base, &ward__v1__rule_delete_response__descriptor,
		       &resp, WARDCTL_APPLY_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__RuleDeleteResponse *)resp;
	printf("rule %s deleted; generation %" PRIu64 " live\n", req.name, m->generation);
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

static int rule_clear(struct ctl *c, int argc, char **argv)
{
	Ward__V1__RuleClearRequest req = WARD__V1__RULE_CLEAR_REQUEST__INIT;
	Ward__V1__RuleClearResponse *m;
	ProtobufCMessage *resp;
	int ret;

	if (argc != 1)
		return bad_usage("rule clear: unexpected '%s'", argv[1]);
	ret = ctl_call(c, "RuleClear", &req.base, &ward__v1__rule_clear_response__descriptor,
		       &resp, WARDCTL_APPLY_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__RuleClearResponse *)resp;
	printf("%u rules removed; generation %" PRIu64 " live\n", m->removed, m->generation);
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

int cmd_rule(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("rule: %s", "expected add, list, delete or clear");
	if (!strcmp(argv[1], "add"))
		return rule_add(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "ls"))
		return rule_list(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "delete") || !strcmp(argv[1], "del"))
		return rule_delete(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "clear"))
		return rule_clear(c, argc - 1, argv + 1);
	return bad_usage("rule %s: expected add, list, delete or clear", argv[1]);
}
