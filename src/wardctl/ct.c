// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/ct.c: wardctl ct list and ct flush: the connection tracking
 * table, paged, filtered by address.
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

/* Flows asked for per call while listing. */
#define WARDCTL_PAGE		1024

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

	while ((o = ctl_getopt(c, "ct list", argc, argv, "o:", opts, &ret)) != -1) {
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
		}
	}
	if (ret || (ret = ctl_no_args("ct list", argc, argv)))
		return ret;
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

int cmd_ct(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("ct: %s", "expected list or flush");
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "ls"))
		return ct_list(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "flush"))
		return ct_flush(c, argc - 1, argv + 1);
	return bad_usage("ct %s: expected list or flush", argv[1]);
}
