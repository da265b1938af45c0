// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/wardctl.c: the command line client of wardd's gRPC API
 * (CONTRACT.md). A thin main: parse the command, make one or a few calls,
 * print a table (or JSON with -o json). Exit 0 on success, 1 on a user
 * error, 2 when wardd cannot be reached.
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

/* A large policy takes a while to compile and write into the maps. */
#define WARDCTL_APPLY_TIMEOUT_S	120
#define WARDCTL_PAGE		1024

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wardctl [-s ADDR] [--ca F --cert F --key F] COMMAND ...\n"
		"  status [-o json]                    interfaces and hooks, policy generation, counts\n"
		"  validate -f FILE [--print]          check a ward.yaml as wardd would read it\n"
		"  apply -f FILE [--diff] [-o json]    make FILE the policy (atomically); --diff: only show\n"
		"                                      what would change\n"
		"  rule add --name N --action A [--in Z] [--src CIDR] [--dst CIDR] [--proto P]\n"
		"           [--port P] [--sport P] [--icmp-type T] [--family F] [--before N]\n"
		"           [--rate N/s] [--dry-run] [--log]\n"
		"  rule list [-o json]\n"
		"  rule delete NAME\n"
		"  rule clear                          remove every rule added with rule add\n"
		"  ct list [--src CIDR] [--dst CIDR] [--limit N] [--cursor C] [-o json]\n"
		"  ct flush\n"
		"  logs [-f] [-n N] [-o json]          the last N flow log events (20); -f: then follow\n"
		"  top [-n COUNT] [-d SECONDS] [-l N] [-o json]\n"
		"                                      top talkers, rule hits and drops a second\n"
		"  trace --src IP --dst IP [--in Z] [--proto P] [--sport P] [--dport P]\n"
		"        [--icmp-type T] [-o json]     the rule that decides such a flow\n"
		"  fqdn list [SET] [-o json]           addresses each FQDN set allows now, with expiries\n"
		"ADDR is unix:PATH or tcp://HOST:PORT; default $WARD_API, else " WARDCTL_ADDR_DEFAULT ".\n"
		"tcp:// is mTLS: --ca FILE (wardd's CA), --cert FILE --key FILE (this client's),\n"
		"or $WARD_TLS_CA, $WARD_TLS_CERT, $WARD_TLS_KEY; given before the command.\n"
		"Exit status: 0 ok, 1 user error, 2 wardd unreachable.\n");
}

int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "wardctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return WARDCTL_EXIT_USER;
}

int ctl_connect(struct ctl *c)
{
	return c->rpc ? 0 : rpc_open(c->addr, &c->tls, &c->rpc);
}

int ctl_call(struct ctl *c, const char *method, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *d, ProtobufCMessage **resp, int timeout)
{
	int ret = ctl_connect(c);

	return ret ? ret : rpc_call(c->rpc, method, req, d, resp, timeout);
}

/* -o json, or -o table. */
int parse_count(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || *end || !v[0] || v[0] == '-' || *out > max) {
		fprintf(stderr, "wardctl: %s %s: expected a count from 0 to %lu\n", opt, v, max);
		return WARDCTL_EXIT_USER;
	}
	return 0;
}

int parse_output(struct ctl *c, const char *v)
{
	if (!strcmp(v, "json")) {
		c->json = true;
		return 0;
	}
	if (!strcmp(v, "table")) {
		c->json = false;
		return 0;
	}
	return bad_usage("-o %s: expected json or table", v);
}

/* Reads FILE ("-": standard input) whole. */
static char *read_text(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 0, n;
	char *buf = NULL, *nb;

	*len = 0;
	if (!f) {
		fprintf(stderr, "wardctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (*len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "wardctl: %s: out of memory\n", path);
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (!n) {
			if (ferror(f)) {
				fprintf(stderr, "wardctl: %s: %s\n", path, strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (buf)
		buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	if (buf && strlen(buf) != *len) {
		fprintf(stderr, "wardctl: %s: contains a NUL byte; not a ward.yaml\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* status */

static int cmd_status(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, { 0 } };
	Ward__V1__StatusRequest req = WARD__V1__STATUS_REQUEST__INIT;
	Ward__V1__StatusResponse *m;
	ProtobufCMessage *resp;
	struct table *t;
	bool any = false;
	int o, ret;
	size_t i;

	while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (o != 'o')
			return bad_usage("status: %s", "unknown option");
		if ((ret = parse_output(c, optarg)))
			return ret;
	}
	ret = ctl_call(c, "Status", &req.base, &ward__v1__status_response__descriptor, &resp,
		       WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__StatusResponse *)resp;
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "version", m->version);
		json_u64(&j, "generation", m->generation);
		json_str(&j, "policy_source", m->policy_source);
		json_u64(&j, "rules", m->rules);
		json_u64(&j, "api_rules", m->api_rules);
		json_str(&j, "default_policy", m->default_policy);
		json_bool(&j, "dry_run", m->dry_run);
		json_u64(&j, "flows", m->flows);
		json_u64(&j, "max_flows", m->max_flows);
		json_bool(&j, "locked", m->locked);
		json_str(&j, "listen", m->listen);
		json_str(&j, "last_error", m->last_error);
		json_u64(&j, "event_followers", m->event_followers);
		json_u64(&j, "events_dropped", m->events_dropped);
		json_arr(&j, "interfaces");
		for (i = 0; i < m->n_interfaces; i++) {
			json_obj(&j, NULL);
			json_str(&j, "name", m->interfaces[i]->name);
			json_u64(&j, "ifindex", m->interfaces[i]->ifindex);
			json_str(&j, "role", m->interfaces[i]->role);
			json_str(&j, "mode", m->interfaces[i]->mode);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		for (int drop = 1; drop >= 0; drop--) {
			json_obj(&j, drop ? "drops" : "counters");
			for (i = 0; i < m->n_counters; i++)
				if (m->counters[i]->drop == drop)
					json_u64(&j, m->counters[i]->name, m->counters[i]->value);
			json_obj_end(&j);
		}
		json_obj_end(&j);
		json_done(&j);
		goto out;
	}
	printf("wardd %s on %s%s\n", m->version, m->listen,
	       m->locked ? " (locked: read-only, the file is the truth)" : "");
	printf("policy      %s, generation %" PRIu64 "\n", m->policy_source, m->generation);
	printf("rules       %u", m->rules);
	if (m->api_rules)
		printf(" (%u added with wardctl rule add)", m->api_rules);
	printf("\ndefaults    policy %s%s\n", m->default_policy,
	       m->dry_run ? ", dry-run (nothing is dropped)" : "");
	printf("flows       %" PRIu64 " of %" PRIu64 "\n", m->flows, m->max_flows);
	for (int drop = 1; drop >= 0; drop--) {
		any = false;
		printf(drop ? "drops      " : "counters   ");
		for (i = 0; i < m->n_counters; i++) {
			if (!m->counters[i]->value || m->counters[i]->drop != drop)
				continue;
			printf(" %s %" PRIu64, m->counters[i]->name, m->counters[i]->value);
			any = true;
		}
		printf("%s\n", any ? "" : " none");
	}
	if (m->last_error[0])
		printf("last error  %s\n", m->last_error);
	if (m->event_followers || m->events_dropped)
		printf("logs -f     %u following, %" PRIu64 " events lost by slow readers\n",
		       m->event_followers, m->events_dropped);
	if (!m->n_interfaces) {
		printf("interfaces  none attached\n");
		goto out;
	}
	printf("interfaces\n");
	t = table_new(4, (const char *const[]){ "  NAME", "IFINDEX", "ROLE", "MODE" });
	for (i = 0; i < m->n_interfaces; i++) {
		table_next(t);
		table_cell(t, "  %s", m->interfaces[i]->name);
		table_cell(t, "%u", m->interfaces[i]->ifindex);
		table_cell(t, "%s", m->interfaces[i]->role[0] ? m->interfaces[i]->role : "-");
		table_cell(t, "%s", m->interfaces[i]->mode);
	}
	table_print(t, stdout);
	table_free(t);
out:
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

/* validate, apply */

static int cmd_validate(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "print", no_argument, NULL, 'p' },
		{ 0 }
	};
	Ward__V1__ValidateRequest req = WARD__V1__VALIDATE_REQUEST__INIT;
	Ward__V1__ValidateResponse *m;
	ProtobufCMessage *resp;
	const char *file = NULL;
	bool print = false;
	size_t len, i;
	char *text;
	int o, ret;

	while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (o == 'f')
			file = optarg;
		else if (o == 'p')
			print = true;
		else
			return bad_usage("validate: %s", "unknown option");
	}
	if (!file || optind != argc)
		return bad_usage("validate: %s", "expected -f FILE");
	text = read_text(file, &len);
	if (!text)
		return WARDCTL_EXIT_USER;
	req.name = (char *)file;
	req.text = text;
	ret = ctl_call(c, "Validate", &req.base, &ward__v1__validate_response__descriptor, &resp,
		       WARDCTL_APPLY_TIMEOUT_S);
	free(text);
	if (ret)
		return ret;
	m = (Ward__V1__ValidateResponse *)resp;
	if (!m->valid) {
		/* FILE:LINE: field: message, as compilers say it. */
		for (i = 0; i < m->n_errors; i++)
			fprintf(stderr, "%s\n", m->errors[i]);
		ret = WARDCTL_EXIT_USER;
	} else if (print) {
		fputs(m->normalized, stdout);
	} else {
		printf("%s: ok, %u rules\n", file, m->rules);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return ret;
}

static void print_names(const char *mark, char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s %s\n", mark, v[i]);
}

static int cmd_apply(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "diff", no_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	Ward__V1__ApplyRequest req = WARD__V1__APPLY_REQUEST__INIT;
	Ward__V1__ApplyResponse *m;
	const Ward__V1__Diff *d;
	ProtobufCMessage *resp;
	const char *file = NULL;
	size_t len, i;
	char *text;
	int o, ret;

	while ((o = getopt_long(argc, argv, "f:o:", opts, NULL)) != -1) {
		if (o == 'f')
			file = optarg;
		else if (o == 'D')
			req.dry_run = true;
		else if (o == 'o') {
			if ((ret = parse_output(c, optarg)))
				return ret;
		} else
			return bad_usage("apply: %s", "unknown option");
	}
	if (!file || optind != argc)
		return bad_usage("apply: %s", "expected -f FILE");
	text = read_text(file, &len);
	if (!text)
		return WARDCTL_EXIT_USER;
	req.name = (char *)file;
	req.text = text;
	ret = ctl_call(c, "Apply", &req.base, &ward__v1__apply_response__descriptor, &resp,
		       WARDCTL_APPLY_TIMEOUT_S);
	free(text);
	if (ret)
		return ret;
	m = (Ward__V1__ApplyResponse *)resp;
	d = m->diff;
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_bool(&j, "applied", m->applied);
		json_u64(&j, "generation", m->generation);
		json_bool(&j, "same_policy", m->unchanged);
		if (d) {
			json_strs(&j, "added", d->added, d->n_added);
			json_strs(&j, "removed", d->removed, d->n_removed);
			json_strs(&j, "changed", d->changed, d->n_changed);
			json_u64(&j, "unchanged", d->unchanged);
			json_strs(&j, "settings", d->settings, d->n_settings);
		}
		json_obj_end(&j);
		json_done(&j);
	} else if (d) {
		print_names("+", d->added, d->n_added);
		print_names("-", d->removed, d->n_removed);
		print_names("~", d->changed, d->n_changed);
		if (d->n_settings) {
			printf("~ settings:");
			for (i = 0; i < d->n_settings; i++)
				printf(" %s", d->settings[i]);
			printf("\n");
		}
		printf("%s: %zu added, %zu removed, %zu changed, %u unchanged",
		       file, d->n_added, d->n_removed, d->n_changed, d->unchanged);
		if (m->applied)
			printf(m->unchanged ? "; the same policy: generation %" PRIu64 " stays live\n" :
			       "; generation %" PRIu64 " live\n", m->generation);
		else
			printf("; not applied (--diff)\n");
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

/* rule */

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
	enum { O_NAME = 1, O_IN, O_SRC, O_DST, O_PROTO, O_PORT, O_SPORT, O_ICMP, O_FAMILY,
	       O_ACTION, O_BEFORE, O_DRY, O_LOG, O_RATE };
	static const struct option opts[] = {
		{ "name", required_argument, NULL, O_NAME },
		{ "in", required_argument, NULL, O_IN },
		{ "src", required_argument, NULL, O_SRC },
		{ "from", required_argument, NULL, O_SRC },
		{ "dst", required_argument, NULL, O_DST },
		{ "to", required_argument, NULL, O_DST },
		{ "proto", required_argument, NULL, O_PROTO },
		{ "port", required_argument, NULL, O_PORT },
		{ "dport", required_argument, NULL, O_PORT },
		{ "sport", required_argument, NULL, O_SPORT },
		{ "icmp-type", required_argument, NULL, O_ICMP },
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
		case O_IN: rule.in = optarg; break;
		case O_SRC: ret = add_list(&rule.src, &rule.n_src, optarg); break;
		case O_DST: ret = add_list(&rule.dst, &rule.n_dst, optarg); break;
		case O_PROTO: rule.proto = optarg; break;
		case O_PORT: ret = add_list(&rule.port, &rule.n_port, optarg); break;
		case O_SPORT: ret = add_list(&rule.sport, &rule.n_sport, optarg); break;
		case O_ICMP: rule.icmp_type = optarg; break;
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
	if (optind != argc) {
		ret = bad_usage("rule add: unexpected '%s'", argv[optind]);
		goto out;
	}
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
	int o, ret;

	while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (o != 'o')
			return bad_usage("rule list: %s", "unknown option");
		if ((ret = parse_output(c, optarg)))
			return ret;
	}
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

static int cmd_rule(struct ctl *c, int argc, char **argv)
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

/* ct */

void flow_endpoint(char *buf, size_t len, const Ward__V1__Flow *f, const char *ip,
		   uint32_t port)
{
	bool ports = !strcmp(f->proto, "tcp") || !strcmp(f->proto, "udp") ||
		     !strcmp(f->proto, "sctp");
	bool v6 = !strcmp(f->family, "ipv6");

	if (!ports)
		snprintf(buf, len, "%s", ip);
	else
		snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static int ct_list(struct ctl *c, int argc, char **argv)
{
	enum { O_SRC = 1, O_DST, O_LIMIT, O_CURSOR, O_PAGE, O_OUT };
	static const struct option opts[] = {
		{ "src", required_argument, NULL, O_SRC },
		{ "dst", required_argument, NULL, O_DST },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "cursor", required_argument, NULL, O_CURSOR },
		{ "page-size", required_argument, NULL, O_PAGE },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	static const char *const hdr[] = {
		"PROTO", "SOURCE", "DESTINATION", "STATE", "PACKETS", "BYTES", "AGE", "IDLE", "RULE",
	};
	Ward__V1__ConntrackListRequest req = WARD__V1__CONNTRACK_LIST_REQUEST__INIT;
	unsigned long limit = 0, page = WARDCTL_PAGE, shown = 0;
	char *cursor = NULL, *end;
	struct table *t = NULL;
	uint64_t total = 0;
	struct json j;
	int o, ret = 0;
	size_t i;

	while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (o) {
		case O_SRC: req.src = optarg; break;
		case O_DST: req.dst = optarg; break;
		case O_CURSOR: req.cursor = optarg; break;
		case O_LIMIT:
		case O_PAGE:
			errno = 0;
			if (o == O_LIMIT)
				limit = strtoul(optarg, &end, 10);
			else
				page = strtoul(optarg, &end, 10);
			if (errno || *end || !optarg[0] || (o == O_PAGE && !page))
				return bad_usage("ct list: '%s' is not a count", optarg);
			break;
		case 'o':
			if ((ret = parse_output(c, optarg)))
				return ret;
			break;
		default:
			return bad_usage("ct list: %s", "unknown option");
		}
	}
	if (optind != argc)
		return bad_usage("ct list: unexpected '%s'", argv[optind]);
	if (c->json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_arr(&j, "flows");
	} else {
		t = table_new(sizeof(hdr) / sizeof(hdr[0]), hdr);
	}

	/* Page after page: wardd never copies the whole table into one answer. */
	for (;;) {
		Ward__V1__ConntrackListResponse *m;
		ProtobufCMessage *resp;
		unsigned long want = page;

		if (limit && limit - shown < want)
			want = limit - shown;
		req.limit = (uint32_t)(want > UINT32_MAX ? UINT32_MAX : want);
		ret = ctl_call(c, "ConntrackList", &req.base,
			       &ward__v1__conntrack_list_response__descriptor, &resp,
			       WARDCTL_TIMEOUT_S);
		if (ret)
			goto out;
		m = (Ward__V1__ConntrackListResponse *)resp;
		total = m->total;
		for (i = 0; i < m->n_flows; i++) {
			const Ward__V1__Flow *f = m->flows[i];
			char s[80], d[80];

			if (c->json) {
				json_obj(&j, NULL);
				json_str(&j, "family", f->family);
				json_str(&j, "proto", f->proto);
				json_str(&j, "src", f->src);
				json_u64(&j, "sport", f->sport);
				json_str(&j, "dst", f->dst);
				json_u64(&j, "dport", f->dport);
				json_str(&j, "state", f->state);
				json_u64(&j, "packets_orig", f->packets_orig);
				json_u64(&j, "bytes_orig", f->bytes_orig);
				json_u64(&j, "packets_reply", f->packets_reply);
				json_u64(&j, "bytes_reply", f->bytes_reply);
				json_u64(&j, "age_ms", f->age_ms);
				json_u64(&j, "idle_ms", f->idle_ms);
				json_str(&j, "rule", f->rule);
				json_bool(&j, "dry_run", f->dry_run);
				json_obj_end(&j);
				continue;
			}
			flow_endpoint(s, sizeof(s), f, f->src, f->sport);
			flow_endpoint(d, sizeof(d), f, f->dst, f->dport);
			table_next(t);
			table_cell(t, "%s", f->proto);
			table_cell(t, "%s", s);
			table_cell(t, "%s", d);
			table_cell(t, "%s", f->state);
			table_cell(t, "%" PRIu64 "/%" PRIu64, f->packets_orig, f->packets_reply);
			table_cell(t, "%" PRIu64 "/%" PRIu64, f->bytes_orig, f->bytes_reply);
			table_cell(t, "%" PRIu64 "s", f->age_ms / 1000);
			table_cell(t, "%" PRIu64 "s", f->idle_ms / 1000);
			table_cell(t, "%s%s", f->rule[0] ? f->rule : "-", f->dry_run ? " (would-drop)" : "");
		}
		shown += m->n_flows;
		free(cursor);
		cursor = m->next_cursor[0] ? strdup(m->next_cursor) : NULL;
		protobuf_c_message_free_unpacked(resp, NULL);
		if (!cursor || (limit && shown >= limit))
			break;
		req.cursor = cursor;
	}
out:
	if (c->json) {
		json_arr_end(&j);
		json_str(&j, "next_cursor", cursor ? cursor : "");
		json_u64(&j, "total", total);
		json_obj_end(&j);
		json_done(&j);
	} else {
		table_print(t, stdout);
		table_free(t);
		if (!ret) {
			printf("%lu flows shown, %" PRIu64 " in the table\n", shown, total);
			if (cursor)
				printf("more: wardctl ct list --cursor %s%s%s%s%s\n", cursor,
				       req.src[0] ? " --src " : "", req.src,
				       req.dst[0] ? " --dst " : "", req.dst);
		}
	}
	free(cursor);
	return ret;
}

static int ct_flush(struct ctl *c, int argc, char **argv)
{
	Ward__V1__ConntrackFlushRequest req = WARD__V1__CONNTRACK_FLUSH_REQUEST__INIT;
	Ward__V1__ConntrackFlushResponse *m;
	ProtobufCMessage *resp;
	int ret;

	if (argc != 1)
		return bad_usage("ct flush: unexpected '%s'", argv[1]);
	ret = ctl_call(c, "ConntrackFlush", &req.base,
		       &ward__v1__conntrack_flush_response__descriptor, &resp,
		       WARDCTL_APPLY_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__ConntrackFlushResponse *)resp;
	printf("%" PRIu64 " flows flushed\n", m->flushed);
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

static int cmd_ct(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("ct: %s", "expected list or flush");
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "ls"))
		return ct_list(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "flush"))
		return ct_flush(c, argc - 1, argv + 1);
	return bad_usage("ct %s: expected list or flush", argv[1]);
}

/* FQDN rules: fqdn list. */
static int fqdn_list(struct ctl *c, int argc, char **argv)
{
	static const char *const hdr[] = { "SET", "ADDRESS", "TTL", "EXPIRES IN" };
	Ward__V1__FqdnListRequest req = WARD__V1__FQDN_LIST_REQUEST__INIT;
	Ward__V1__FqdnListResponse *m;
	ProtobufCMessage *resp;
	struct table *t;
	struct json j;
	int o, ret;
	size_t i, k;

	while ((o = getopt(argc, argv, "o:")) != -1) {
		if (o != 'o')
			return bad_usage("fqdn list: %s", "unknown option");
		if ((ret = parse_output(c, optarg)))
			return ret;
	}
	if (optind < argc)
		req.set = argv[optind++];
	if (optind != argc)
		return bad_usage("fqdn list: unexpected '%s'", argv[optind]);
	ret = ctl_call(c, "FqdnList", &req.base, &ward__v1__fqdn_list_response__descriptor,
		       &resp, WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__FqdnListResponse *)resp;
	if (c->json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_u64(&j, "grace_s", m->grace_s);
		json_arr(&j, "sets");
		for (i = 0; i < m->n_sets; i++) {
			json_obj(&j, NULL);
			json_str(&j, "name", m->sets[i]->name);
			json_strs(&j, "names", m->sets[i]->names, m->sets[i]->n_names);
			json_u64(&j, "addresses", m->sets[i]->addresses);
			json_arr(&j, "allowed");
			for (k = 0; k < m->n_addresses; k++) {
				const Ward__V1__FqdnAddress *x = m->addresses[k];

				if (strcmp(x->set, m->sets[i]->name))
					continue;
				json_obj(&j, NULL);
				json_str(&j, "address", x->address);
				json_u64(&j, "ttl", x->ttl);
				json_u64(&j, "expires_in_s", x->expires_in_s);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_done(&j);
	} else {
		for (i = 0; i < m->n_sets; i++) {
			printf("%s: %u addresses:", m->sets[i]->name, m->sets[i]->addresses);
			for (k = 0; k < m->sets[i]->n_names; k++)
				printf(" %s", m->sets[i]->names[k]);
			printf("\n");
		}
		t = table_new(sizeof(hdr) / sizeof(hdr[0]), hdr);
		for (k = 0; k < m->n_addresses; k++) {
			table_next(t);
			table_cell(t, "%s", m->addresses[k]->set);
			table_cell(t, "%s", m->addresses[k]->address);
			table_cell(t, "%us", m->addresses[k]->ttl);
			table_cell(t, "%" PRIu64 "s", m->addresses[k]->expires_in_s);
		}
		table_print(t, stdout);
		table_free(t);
		printf("grace %us past each TTL\n", m->grace_s);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

static int cmd_fqdn(struct ctl *c, int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "list") && strcmp(argv[1], "ls")))
		return bad_usage("fqdn: %s", "expected list");
	return fqdn_list(c, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "ca", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const later[] = { "plugin", "fleet" };
	struct ctl c = {};
	const char *cmd;
	int o, ret;
	size_t i;

	c.addr = getenv("WARD_API");
	if (!c.addr || !c.addr[0])
		c.addr = WARDCTL_ADDR_DEFAULT;
	c.tls.cert = getenv("WARD_TLS_CERT");
	c.tls.key = getenv("WARD_TLS_KEY");
	c.tls.ca = getenv("WARD_TLS_CA");
	/* '+': options after the command are the command's. */
	while ((o = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': c.addr = optarg; break;
		case 'C': c.tls.cert = optarg; break;
		case 'K': c.tls.key = optarg; break;
		case 'A': c.tls.ca = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return WARDCTL_EXIT_USER;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return WARDCTL_EXIT_USER;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;	/* each command parses its own options from argv[1] on (0: glibc starts over) */

	if (!strcmp(cmd, "status"))
		ret = cmd_status(&c, argc, argv);
	else if (!strcmp(cmd, "validate"))
		ret = cmd_validate(&c, argc, argv);
	else if (!strcmp(cmd, "apply"))
		ret = cmd_apply(&c, argc, argv);
	else if (!strcmp(cmd, "rule"))
		ret = cmd_rule(&c, argc, argv);
	else if (!strcmp(cmd, "ct") || !strcmp(cmd, "conntrack"))
		ret = cmd_ct(&c, argc, argv);
	else if (!strcmp(cmd, "logs"))
		ret = cmd_logs(&c, argc, argv);
	else if (!strcmp(cmd, "top"))
		ret = cmd_top(&c, argc, argv);
	else if (!strcmp(cmd, "trace"))
		ret = cmd_trace(&c, argc, argv);
	else if (!strcmp(cmd, "fqdn"))
		ret = cmd_fqdn(&c, argc, argv);
	else if (!strcmp(cmd, "help"))
		ret = (usage(stdout), 0);
	else {
		for (i = 0; i < sizeof(later) / sizeof(later[0]); i++)
			if (!strcmp(cmd, later[i]))
				break;
		if (i < sizeof(later) / sizeof(later[0])) {
			fprintf(stderr, "wardctl: %s: not supported by this version of ward yet\n", cmd);
			ret = WARDCTL_EXIT_USER;
		} else {
			ret = bad_usage("unknown command '%s'", cmd);
		}
	}
	rpc_close(c.rpc);
	return ret;
}
