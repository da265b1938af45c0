// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/top.c: wardctl top: the live view. Two samples DELAY apart
 * of the flow table (ConntrackList, page by page), the rule counters
 * (RuleList) and the drop counters (Status); what moved between them, a
 * second: the flows that moved the most bytes (top talkers), the rules
 * that decided the most packets, the drops by reason. -n COUNT frames and
 * out (-n 1 -o json for scripts and tests); otherwise the screen is
 * redrawn (plain ANSI) until Ctrl-C.
 */
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"
#include "out.h"
#include "ward/v1/ward.pb-c.h"

#define TOP_DELAY_MS_DEFAULT	2000
#define TOP_LINES_DEFAULT	10
#define TOP_PAGE		4096
/* A sample reads at most this many flows: a live view of a table of a
 * million flows would read it all every second otherwise. */
#define TOP_FLOWS_MAX		200000

static volatile sig_atomic_t top_stop;

static void on_sigint(int sig)
{
	top_stop = 1;
}

struct top_flow {
	char	key[160];	/* proto src sport dst dport: the same flow in both samples */
	const Ward__V1__Flow *f;
	uint64_t bytes, packets;	/* both directions */
	double	bps, pps;
};

struct top_rule {
	const char *name;
	uint64_t packets, bytes;
	double	pps, bps;
};

struct top_sample {
	struct timespec at;
	ProtobufCMessage **pages;	/* ConntrackListResponse, kept for the Flow pointers */
	size_t	n_pages;
	struct top_flow *flows;
	size_t	n_flows;
	uint64_t flows_total;
	bool	flows_partial;		/* stopped at TOP_FLOWS_MAX */
	Ward__V1__RuleListResponse *rules;
	Ward__V1__StatusResponse *status;
};

static void sample_free(struct top_sample *s)
{
	size_t i;

	for (i = 0; i < s->n_pages; i++)
		protobuf_c_message_free_unpacked(s->pages[i], NULL);
	free(s->pages);
	free(s->flows);
	if (s->rules)
		protobuf_c_message_free_unpacked(&s->rules->base, NULL);
	if (s->status)
		protobuf_c_message_free_unpacked(&s->status->base, NULL);
	memset(s, 0, sizeof(*s));
}

static int flow_cmp(const void *a, const void *b)
{
	return strcmp(((const struct top_flow *)a)->key, ((const struct top_flow *)b)->key);
}

static int sample_flows(struct ctl *c, struct top_sample *s)
{
	Ward__V1__ConntrackListRequest req = WARD__V1__CONNTRACK_LIST_REQUEST__INIT;
	Ward__V1__ConntrackListResponse *m;
	ProtobufCMessage *resp, **np;
	struct top_flow *nf;
	char *cursor = NULL;
	size_t i, cap = 0;
	int ret = 0;

	req.limit = TOP_PAGE;
	for (;;) {
		ret = ctl_call(c, "ConntrackList", &req.base,
			       &ward__v1__conntrack_list_response__descriptor, &resp,
			       WARDCTL_TIMEOUT_S);
		if (ret)
			break;
		m = (Ward__V1__ConntrackListResponse *)resp;
		np = reallocarray(s->pages, s->n_pages + 1, sizeof(*np));
		if (!np)
			goto oom;
		s->pages = np;
		s->pages[s->n_pages++] = resp;
		s->flows_total = m->total;
		if (s->n_flows + m->n_flows > cap) {
			cap = (s->n_flows + m->n_flows) * 2;
			nf = reallocarray(s->flows, cap, sizeof(*nf));
			if (!nf)
				goto oom;
			s->flows = nf;
		}
		for (i = 0; i < m->n_flows; i++) {
			const Ward__V1__Flow *f = m->flows[i];
			struct top_flow *t = &s->flows[s->n_flows++];

			memset(t, 0, sizeof(*t));
			snprintf(t->key, sizeof(t->key), "%s %s %u %s %u", f->proto, f->src, f->sport,
				 f->dst, f->dport);
			t->f = f;
			t->bytes = f->bytes_orig + f->bytes_reply;
			t->packets = f->packets_orig + f->packets_reply;
		}
		free(cursor);
		cursor = m->next_cursor[0] ? strdup(m->next_cursor) : NULL;
		if (!cursor)
			break;
		if (s->n_flows >= TOP_FLOWS_MAX) {
			s->flows_partial = true;
			break;
		}
		req.cursor = cursor;
	}
	free(cursor);
	if (s->n_flows)
		qsort(s->flows, s->n_flows, sizeof(*s->flows), flow_cmp);
	return ret;
oom:
	free(cursor);
	fprintf(stderr, "wardctl: top: out of memory\n");
	return WARDCTL_EXIT_USER;
}

static int sample(struct ctl *c, struct top_sample *s)
{
	Ward__V1__StatusRequest sreq = WARD__V1__STATUS_REQUEST__INIT;
	Ward__V1__RuleListRequest rreq = WARD__V1__RULE_LIST_REQUEST__INIT;
	ProtobufCMessage *resp;
	int ret;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	ret = ctl_call(c, "Status", &sreq.base, &ward__v1__status_response__descriptor, &resp,
		       WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	s->status = (Ward__V1__StatusResponse *)resp;
	ret = ctl_call(c, "RuleList", &rreq.base, &ward__v1__rule_list_response__descriptor,
		       &resp, WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	s->rules = (Ward__V1__RuleListResponse *)resp;
	return sample_flows(c, s);
}

/* Every leaf and branch of the rule tree, flattened. */
static void rules_flat(Ward__V1__Rule **v, size_t n, struct top_rule **out, size_t *k,
		       size_t *cap)
{
	struct top_rule *nr;
	size_t i;

	for (i = 0; i < n; i++) {
		if (*k == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			nr = reallocarray(*out, *cap, sizeof(*nr));
			if (!nr)
				return;
			*out = nr;
		}
		(*out)[(*k)++] = (struct top_rule){ v[i]->name, v[i]->packets, v[i]->bytes, 0, 0 };
		rules_flat(v[i]->rules, v[i]->n_rules, out, k, cap);
	}
}

static int by_flow_rate(const void *a, const void *b)
{
	const struct top_flow *x = a, *y = b;

	if (x->bps != y->bps)
		return x->bps < y->bps ? 1 : -1;
	if (x->pps != y->pps)
		return x->pps < y->pps ? 1 : -1;
	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static int by_rule_rate(const void *a, const void *b)
{
	const struct top_rule *x = a, *y = b;

	if (x->pps != y->pps)
		return x->pps < y->pps ? 1 : -1;
	return x->packets < y->packets ? 1 : x->packets > y->packets ? -1 : 0;
}

static uint64_t counter_of(const Ward__V1__StatusResponse *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->n_counters; i++)
		if (!strcmp(st->counters[i]->name, name))
			return st->counters[i]->value;
	return 0;
}

/* What counter k moved since sample a (0 if it went back: a restart). */
static double counter_delta(const struct top_sample *a, const Ward__V1__Counter *k)
{
	uint64_t was = counter_of(a->status, k->name);

	return was <= k->value ? (double)(k->value - was) : 0;
}

static uint64_t rate(double v)
{
	return v > 0 ? (uint64_t)(v + 0.5) : 0;
}

static void print_json(const struct top_sample *a, const struct top_sample *b, double secs, struct top_flow *fl, size_t nf,
		       struct top_rule *rl, size_t nr, size_t lines)
{
	const Ward__V1__StatusResponse *st = b->status;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_u64(&j, "interval_ms", (uint64_t)(secs * 1000 + 0.5));
	json_u64(&j, "generation", st->generation);
	json_u64(&j, "flows_total", b->flows_total);
	json_bool(&j, "flows_partial", b->flows_partial);
	json_arr(&j, "flows");
	for (i = 0; i < nf && i < lines; i++) {
		const Ward__V1__Flow *f = fl[i].f;

		json_obj(&j, NULL);
		json_str(&j, "family", f->family);
		json_str(&j, "proto", f->proto);
		json_str(&j, "src", f->src);
		json_u64(&j, "sport", f->sport);
		json_str(&j, "dst", f->dst);
		json_u64(&j, "dport", f->dport);
		json_str(&j, "state", f->state);
		json_str(&j, "rule", f->rule);
		json_u64(&j, "bytes_per_s", rate(fl[i].bps));
		json_u64(&j, "packets_per_s", rate(fl[i].pps));
		json_u64(&j, "bytes", fl[i].bytes);
		json_u64(&j, "packets", fl[i].packets);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr(&j, "rules");
	for (i = 0; i < nr; i++) {
		json_obj(&j, NULL);
		json_str(&j, "name", rl[i].name);
		json_u64(&j, "packets_per_s", rate(rl[i].pps));
		json_u64(&j, "bytes_per_s", rate(rl[i].bps));
		json_u64(&j, "packets", rl[i].packets);
		json_u64(&j, "bytes", rl[i].bytes);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr(&j, "drops");
	for (i = 0; i < st->n_counters; i++) {
		const Ward__V1__Counter *k = st->counters[i];

		if (!k->drop)
			continue;
		json_obj(&j, NULL);
		json_str(&j, "reason", k->name);
		json_u64(&j, "per_s", rate(counter_delta(a, k) / secs));
		json_u64(&j, "total", k->value);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_done(&j);
}

/* One frame: what moved from a to b. */
static void frame(struct ctl *c, const struct top_sample *a, const struct top_sample *b,
		  size_t lines, bool clear)
{
	static const char *const fh[] = {
		"PROTO", "SOURCE", "DESTINATION", "STATE", "BYTES/S", "PKTS/S", "BYTES", "PACKETS", "RULE",
	};
	static const char *const rh[] = { "RULE", "PKTS/S", "BYTES/S", "PACKETS", "BYTES" };
	static const char *const dh[] = { "DROP REASON", "/S", "TOTAL" };
	double secs = (double)(b->at.tv_sec - a->at.tv_sec) +
		      (double)(b->at.tv_nsec - a->at.tv_nsec) / 1e9;
	const Ward__V1__StatusResponse *st = b->status;
	struct top_rule *ra = NULL, *rb = NULL;
	size_t na = 0, nb = 0, cap = 0, i, j;
	struct top_flow *fl = b->flows;
	struct table *t;

	if (secs <= 0)
		secs = 1e-3;
	/* Flows: bytes since a, or all of them for a flow new since. */
	for (i = 0; i < b->n_flows; i++) {
		const struct top_flow *old = a->n_flows ?
			bsearch(&fl[i], a->flows, a->n_flows, sizeof(*fl), flow_cmp) : NULL;
		uint64_t db = fl[i].bytes - (old && old->bytes <= fl[i].bytes ? old->bytes : 0);
		uint64_t dp = fl[i].packets - (old && old->packets <= fl[i].packets ? old->packets : 0);

		fl[i].bps = (double)db / secs;
		fl[i].pps = (double)dp / secs;
	}
	qsort(fl, b->n_flows, sizeof(*fl), by_flow_rate);
	/* Rules by name; a rule new since a counts from zero. */
	rules_flat(a->rules->rules, a->rules->n_rules, &ra, &na, &cap);
	cap = 0;
	rules_flat(b->rules->rules, b->rules->n_rules, &rb, &nb, &cap);
	for (i = 0; i < nb; i++) {
		uint64_t p0 = 0, b0 = 0;

		for (j = 0; j < na; j++) {
			if (!strcmp(ra[j].name, rb[i].name)) {
				p0 = ra[j].packets <= rb[i].packets ? ra[j].packets : 0;
				b0 = ra[j].bytes <= rb[i].bytes ? ra[j].bytes : 0;
				break;
			}
		}
		rb[i].pps = (double)(rb[i].packets - p0) / secs;
		rb[i].bps = (double)(rb[i].bytes - b0) / secs;
	}
	if (nb)
		qsort(rb, nb, sizeof(*rb), by_rule_rate);

	if (c->json) {
		print_json(a, b, secs, fl, b->n_flows, rb, nb, lines);
		goto out;
	}
	if (clear)
		printf("\033[H\033[2J");
	printf("wardctl top: every %.1f s, generation %" PRIu64 ", %" PRIu64 " flows%s\n\n", secs,
	       st->generation, b->flows_total, b->flows_partial ? " (the first 200000 read)" : "");
	t = table_new(sizeof(fh) / sizeof(fh[0]), fh);
	for (i = 0; i < b->n_flows && i < lines; i++) {
		char s[80], d[80];

		flow_endpoint(s, sizeof(s), fl[i].f, fl[i].f->src, fl[i].f->sport);
		flow_endpoint(d, sizeof(d), fl[i].f, fl[i].f->dst, fl[i].f->dport);
		table_next(t);
		table_cell(t, "%s", fl[i].f->proto);
		table_cell(t, "%s", s);
		table_cell(t, "%s", d);
		table_cell(t, "%s", fl[i].f->state);
		table_cell(t, "%" PRIu64, rate(fl[i].bps));
		table_cell(t, "%" PRIu64, rate(fl[i].pps));
		table_cell(t, "%" PRIu64, fl[i].bytes);
		table_cell(t, "%" PRIu64, fl[i].packets);
		table_cell(t, "%s", fl[i].f->rule[0] ? fl[i].f->rule : "-");
	}
	table_print(t, stdout);
	table_free(t);
	printf("\n");
	t = table_new(sizeof(rh) / sizeof(rh[0]), rh);
	for (i = 0; i < nb && i < lines; i++) {
		if (!rb[i].packets)
			break;
		table_next(t);
		table_cell(t, "%s", rb[i].name);
		table_cell(t, "%" PRIu64, rate(rb[i].pps));
		table_cell(t, "%" PRIu64, rate(rb[i].bps));
		table_cell(t, "%" PRIu64, rb[i].packets);
		table_cell(t, "%" PRIu64, rb[i].bytes);
	}
	table_print(t, stdout);
	table_free(t);
	printf("\n");
	t = table_new(sizeof(dh) / sizeof(dh[0]), dh);
	for (i = 0; i < st->n_counters; i++) {
		const Ward__V1__Counter *k = st->counters[i];

		if (!k->drop || !k->value)
			continue;
		table_next(t);
		table_cell(t, "%s", k->name);
		table_cell(t, "%" PRIu64, rate(counter_delta(a, k) / secs));
		table_cell(t, "%" PRIu64, k->value);
	}
	table_print(t, stdout);
	table_free(t);
	fflush(stdout);
out:
	free(ra);
	free(rb);
}

int cmd_top(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "lines", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	struct sigaction sa = { .sa_handler = on_sigint };
	struct top_sample a = {}, b = {};
	unsigned long count = 0, lines = TOP_LINES_DEFAULT, done = 0;
	long delay_ms = TOP_DELAY_MS_DEFAULT;
	char *end;
	double d;
	int o, ret;

	while ((o = ctl_getopt(c, "top", argc, argv, "n:d:l:o:", opts, &ret)) != -1) {
		switch (o) {
		case 'n':
			if ((ret = parse_count("top -n", optarg, 1000000, &count)))
				return ret;
			break;
		case 'l':
			if ((ret = parse_count("top -l", optarg, 100000, &lines)))
				return ret;
			break;
		case 'd':
			d = strtod(optarg, &end);
			if (*end || !optarg[0] || !(d >= 0.1 && d <= 3600))
				return bad_usage("top -d %s: expected seconds from 0.1 to 3600", optarg);
			delay_ms = (long)(d * 1000);
			break;
		}
	}
	if (ret || (ret = ctl_no_args("top", argc, argv)))
		return ret;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = sample(c, &a);
	while (!ret && !top_stop) {
		struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) && !top_stop)
			;
		if (top_stop)
			break;
		ret = sample(c, &b);
		if (ret)
			break;
		frame(c, &a, &b, lines, !count && isatty(STDOUT_FILENO));
		sample_free(&a);
		a = b;
		memset(&b, 0, sizeof(b));
		if (count && ++done >= count)
			break;
	}
	sample_free(&a);
	sample_free(&b);
	return ret;
}
