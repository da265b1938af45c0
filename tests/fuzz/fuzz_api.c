// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/fuzz/fuzz_api.c: libFuzzer harness of the gRPC request decoding.
 * The first byte picks an API method, the rest is its request as it
 * arrives on the wire; wardd's server unpacks it with protobuf-c
 * (src/wardd/api/server.c) before any handler runs. Then what a handler
 * does with it that needs no daemon:
 *
 *  - every request: it packs back and unpacks to the same bytes;
 *  - Validate, Apply: the text goes through the config reader;
 *  - RuleAdd: the checks m_rule_add makes first (name, action, no branch,
 *    no control characters), then the rule in its user's words becomes
 *    YAML (cfg_rule_words_yaml) and is read as wardd reads an added rule
 *    (cfg_parse_added). If it is read, it must be exactly one rule with
 *    the name asked for: a field must never inject YAML of its own.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"
#include "config.h"
#include "pol_edit.h"
#include "policy.h"
#include "ward/v1/ward.pb-c.h"

/* In the order of ward.proto's service, as src/wardd/api/methods.c. */
static const ProtobufCMessageDescriptor *const requests[] = {
	&ward__v1__status_request__descriptor,
	&ward__v1__validate_request__descriptor,
	&ward__v1__apply_request__descriptor,
	&ward__v1__rule_add_request__descriptor,
	&ward__v1__rule_list_request__descriptor,
	&ward__v1__rule_delete_request__descriptor,
	&ward__v1__rule_clear_request__descriptor,
	&ward__v1__conntrack_list_request__descriptor,
	&ward__v1__conntrack_flush_request__descriptor,
	&ward__v1__flow_events_request__descriptor,
	&ward__v1__trace_request__descriptor,
	&ward__v1__fqdn_list_request__descriptor,
};
#define N_REQUESTS	(sizeof(requests) / sizeof(requests[0]))

/* The policy an added rule joins: its zones are what in: may name. */
static const char base_yaml[] =
	"interfaces:\n"
	"  - { match: \"lan*\", role: lan }\n"
	"  - { match: eth0, role: wan }\n"
	"rules:\n"
	"  - { name: ssh, proto: tcp, port: 22, action: accept }\n";
static struct pol_policy base;

static void round_trip(const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m), n2;
	uint8_t *buf = malloc(n + 1), *buf2;
	ProtobufCMessage *again;

	if (!buf)
		abort();
	if (protobuf_c_message_pack(m, buf) != n)
		abort();
	again = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
	if (!again) {
		fprintf(stderr, "%s: packed form does not unpack\n", m->descriptor->name);
		abort();
	}
	n2 = protobuf_c_message_get_packed_size(again);
	buf2 = malloc(n2 + 1);
	if (!buf2)
		abort();
	protobuf_c_message_pack(again, buf2);
	if (n != n2 || memcmp(buf, buf2, n)) {
		fprintf(stderr, "%s: does not pack back to itself\n", m->descriptor->name);
		abort();
	}
	protobuf_c_message_free_unpacked(again, NULL);
	free(buf);
	free(buf2);
}

static void check_text(const char *text)
{
	char err[CFG_ERR_MAX];
	struct pol_policy pol;

	if (!cfg_parse_string("api", text, strlen(text), &pol, err, sizeof(err)))
		pol_free(&pol);
	else if (!err[0])
		abort();
}

/* What m_rule_add's fields_ok refuses before anything is parsed. */
static bool field_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool fields_ok(const Ward__V1__Rule *q)
{
	const char *strs[] = { q->name, q->in, q->proto, q->icmp_type, q->family,
			       q->action, q->rate };
	char **const lists[] = { q->src, q->dst, q->port, q->sport };
	const size_t ns[] = { q->n_src, q->n_dst, q->n_port, q->n_sport };
	size_t i, j;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!field_ok(strs[i]))
			return false;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (j = 0; j < ns[i]; j++)
			if (!lists[i][j][0] || !field_ok(lists[i][j]))
				return false;
	return true;
}

static void check_rule_add(const Ward__V1__RuleAddRequest *q)
{
	const Ward__V1__Rule *r = q->rule;
	struct cfg_rule_words w;
	struct pol_added added = {};
	struct pol_policy out;
	char err[CFG_ERR_MAX];
	int line;

	if (!r || !r->name[0] || !r->action[0] || r->n_rules || !fields_ok(r) ||
	    !field_ok(q->before))
		return;
	w = (struct cfg_rule_words){
		.name = r->name, .in = r->in, .family = r->family, .proto = r->proto,
		.icmp_type = r->icmp_type, .action = r->action, .rate = r->rate,
		.from = r->src, .n_from = r->n_src, .to = r->dst, .n_to = r->n_dst,
		.port = r->port, .n_port = r->n_port, .sport = r->sport, .n_sport = r->n_sport,
		.log = r->log, .dry_run = r->dry_run,
	};
	added.name = r->name;
	added.yaml = cfg_rule_words_yaml(&w);
	if (!added.yaml)
		abort();
	if (!cfg_parse_added(&base, &added, 1, &line, &out, err, sizeof(err))) {
		if (out.n_rules != 1 || strcmp(out.rules[0].name, r->name)) {
			fprintf(stderr, "rule add of %s read as %zu rules:\n%s", r->name,
				out.n_rules, added.yaml);
			abort();
		}
		pol_free(&out);
	} else if (!err[0]) {
		abort();
	}
	free(added.yaml);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CFG_ERR_MAX];

	if (cfg_parse_string("base.yaml", base_yaml, strlen(base_yaml), &base, err, sizeof(err))) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const ProtobufCMessageDescriptor *d;
	ProtobufCMessage *m;

	if (!size)
		return -1;
	d = requests[data[0] % N_REQUESTS];
	m = protobuf_c_message_unpack(d, NULL, size - 1, data + 1);
	if (!m)
		return 0;
	/* protobuf-c keeps unknown fields as they came, field number 0 and
	 * overlong varints included, and packs them back in a form it then
	 * refuses: its business, not ward's (wardd never packs a request). */
	if (!m->n_unknown_fields)
		round_trip(m);
	if (d == &ward__v1__validate_request__descriptor)
		check_text(((Ward__V1__ValidateRequest *)m)->text);
	else if (d == &ward__v1__apply_request__descriptor)
		check_text(((Ward__V1__ApplyRequest *)m)->text);
	else if (d == &ward__v1__rule_add_request__descriptor)
		check_rule_add((Ward__V1__RuleAddRequest *)m);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}
