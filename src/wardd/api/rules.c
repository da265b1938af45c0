// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/rules.c: RuleAdd, RuleList, RuleDelete, RuleClear: the
 * rules added over the API (kept as pol_added, merged by source.c), and
 * every rule as the API shows it, with its counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_int.h"
#include "config.h"
#include "log.h"
#include "pol_util.h"

/* Rules as the API shows them */

static char **cidrs_text(struct api_arena *ar, const struct pol_cidr_list *l)
{
	char **v = ar_alloc(ar, l->n, sizeof(*v));
	char buf[POL_CIDR_STRLEN];
	size_t i;

	for (i = 0; v && i < l->n; i++) {
		if (pol_cidr_format(&l->v[i], buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		v[i] = ar_strdup(ar, buf);
	}
	return v;
}

static char **ports_text(struct api_arena *ar, const struct pol_port_list *l)
{
	char **v = ar_alloc(ar, l->n, sizeof(*v));
	size_t i;

	for (i = 0; v && i < l->n; i++)
		v[i] = l->v[i].lo == l->v[i].hi ? ar_printf(ar, "%u", l->v[i].lo) :
			ar_printf(ar, "%u-%u", l->v[i].lo, l->v[i].hi);
	return v;
}

struct api_stat {
	char	name[WARD_RULE_NAME_MAX];
	__u64	packets, bytes;
};

struct api_stats {
	struct api_stat *v;
	size_t	n, cap;
};

static void stats_add(const char *name, __u64 packets, __u64 bytes, void *arg)
{
	struct api_stats *s = arg;
	struct api_stat *nv;

	if (s->n == s->cap) {
		nv = reallocarray(s->v, s->cap ? s->cap * 2 : 256, sizeof(*nv));
		if (!nv)
			return;
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 256;
	}
	snprintf(s->v[s->n].name, sizeof(s->v[s->n].name), "%s", name);
	s->v[s->n].packets = packets;
	s->v[s->n].bytes = bytes;
	s->n++;
}

static int stat_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_stat *)a)->name, ((const struct api_stat *)b)->name);
}

static Ward__V1__Rule *rule_msg(struct api *a, struct api_reply *r, const struct pol_rule *pr,
				const struct api_stats *st)
{
	struct api_arena *ar = &r->ar;
	Ward__V1__Rule *m = ar_alloc(ar, 1, sizeof(*m));
	const struct pol_added *ar_rule;
	struct api_stat key, *hit;
	size_t i;

	if (!m)
		return NULL;
	ward__v1__rule__init(m);
	m->name = ar_strdup(ar, pr->name);
	ar_rule = pol_added_find(a->rules, a->n_rules, pr->name);
	if (ar_rule) {
		m->origin = ar_strdup(ar, "api");
		if (ar_rule->before)
			m->before = ar_strdup(ar, ar_rule->before);
	} else {
		m->origin = ar_printf(ar, "%s:%d", a->w->pol.source ? a->w->pol.source : "policy",
				      pr->line);
	}
	if (pr->in)
		m->in = ar_strdup(ar, pr->in);
	m->n_src = pr->from.n;
	m->src = cidrs_text(ar, &pr->from);
	m->n_dst = pr->to.n;
	m->dst = cidrs_text(ar, &pr->to);
	m->proto = (char *)api_proto_text(ar, pr->proto);
	m->n_port = pr->dport.n;
	m->port = ports_text(ar, &pr->dport);
	m->n_sport = pr->sport.n;
	m->sport = ports_text(ar, &pr->sport);
	if (pr->icmp_type != POL_ANY)
		m->icmp_type = ar_printf(ar, "%d", pr->icmp_type);
	if (pr->family)
		m->family = ar_printf(ar, "ipv%d", pr->family);
	m->action = (char *)api_action_name(pr->action);
	if (pr->rate)
		m->rate = ar_printf(ar, "%u/s", pr->rate);
	m->dry_run = pr->dry_run;
	m->log = pr->log;
	snprintf(key.name, sizeof(key.name), "%s", pr->name);
	hit = st->n ? bsearch(&key, st->v, st->n, sizeof(*st->v), stat_cmp) : NULL;
	if (hit) {
		m->packets = hit->packets;
		m->bytes = hit->bytes;
	}
	if (pr->n_children) {
		m->rules = ar_alloc(ar, pr->n_children, sizeof(*m->rules));
		if (!m->rules)
			return NULL;
		m->n_rules = pr->n_children;
		for (i = 0; i < pr->n_children; i++) {
			m->rules[i] = rule_msg(a, r, &pr->children[i], st);
			if (!m->rules[i])
				return NULL;
		}
	}
	return m;
}

/* A request's string for YAML: any text but control characters. */
static bool field_ok(struct api_reply *r, const char *field, const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
				  "rule add: %s: contains a control character", field);
			return false;
		}
	}
	return true;
}

static bool fields_ok(struct api_reply *r, const Ward__V1__Rule *q)
{
	const struct { const char *name; char **v; size_t n; } lists[] = {
		{ "src", q->src, q->n_src }, { "dst", q->dst, q->n_dst },
		{ "port", q->port, q->n_port }, { "sport", q->sport, q->n_sport },
	};
	const struct { const char *name; const char *s; } strs[] = {
		{ "name", q->name }, { "in", q->in }, { "proto", q->proto },
		{ "icmp_type", q->icmp_type }, { "family", q->family }, { "action", q->action },
		{ "rate", q->rate },
	};
	size_t i, j;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!field_ok(r, strs[i].name, strs[i].s))
			return false;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		for (j = 0; j < lists[i].n; j++) {
			if (!lists[i].v[j][0]) {
				reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "rule add: %s: an empty value",
					  lists[i].name);
				return false;
			}
			if (!field_ok(r, lists[i].name, lists[i].v[j]))
				return false;
		}
	}
	return true;
}

/* The request in its user's words, for the config writer: one item of a
 * rules: list, read again against each policy it joins. NULL on failure. */
static char *rule_words_yaml(const Ward__V1__Rule *q)
{
	const struct cfg_rule_words w = {
		.name = q->name, .in = q->in, .family = q->family, .proto = q->proto,
		.icmp_type = q->icmp_type, .action = q->action, .rate = q->rate,
		.from = q->src, .n_from = q->n_src, .to = q->dst, .n_to = q->n_dst,
		.port = q->port, .n_port = q->n_port, .sport = q->sport, .n_sport = q->n_sport,
		.log = q->log, .dry_run = q->dry_run,
	};

	return cfg_rule_words_yaml(&w);
}

void m_rule_add(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__RuleAddRequest *q = (const Ward__V1__RuleAddRequest *)in;
	struct wardd *w = a->w;
	const Ward__V1__Rule *rq = q->rule;
	Ward__V1__RuleAddResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct pol_ent *names = NULL;
	const struct pol_ent *hit;
	struct pol_added *next;
	size_t n_names;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__rule_add_response__init(m);
	if (!rq || !rq->name[0]) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "rule add: name: missing (--name)");
		return;
	}
	if (!rq->action[0]) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  "rule add: action: missing (--action accept, drop or reject)");
		return;
	}
	if (rq->n_rules) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  "rule add: rules: a branch cannot be added over the API; put it in the file");
		return;
	}
	if (!fields_ok(r, rq) || !field_ok(r, "before", q->before))
		return;
	names = pol_index(&w->pol, &n_names);
	if (!names) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	hit = pol_index_find(names, n_names, rq->name);
	if (hit) {
		reply_err(r, GRPC_STATUS_ALREADY_EXISTS, "rule add: a rule named %s exists (%s)",
			  rq->name, pol_added_find(a->rules, a->n_rules, rq->name) ?
			  "added with rule add" : w->pol.source ? w->pol.source : "the policy");
		goto out;
	}
	if (q->before[0] && pol_top_find(w->pol.rules, w->pol.n_rules, q->before) < 0) {
		hit = pol_index_find(names, n_names, q->before);
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  hit ? "rule add: before: %s is inside the branch %s; name a top-level rule" :
				"rule add: before: no rule named %s%s",
			  q->before, hit ? hit->parent : "");
		goto out;
	}
	next = pol_added_copy(a->rules, a->n_rules, 1);
	if (!next) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	next[a->n_rules].name = strdup(rq->name);
	next[a->n_rules].before = q->before[0] ? strdup(q->before) : NULL;
	next[a->n_rules].yaml = rule_words_yaml(rq);
	if (!next[a->n_rules].name || !next[a->n_rules].yaml ||
	    (q->before[0] && !next[a->n_rules].before)) {
		pol_added_free(next, a->n_rules + 1);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	if (api_change(a, NULL, next, a->n_rules + 1, true, r)) {
		char prefix[128];
		size_t len;

		/* The merge speaks of the stored rule; this caller is adding it. */
		len = (size_t)snprintf(prefix, sizeof(prefix), "rule %s (added with wardctl rule add): ",
				       rq->name);
		if (len < sizeof(prefix) && !strncmp(r->msg, prefix, len)) {
			memmove(r->msg + 10, r->msg + len, strlen(r->msg + len) + 1);
			memcpy(r->msg, "rule add: ", 10);
		}
		goto out;
	}
	m->generation = w->dp.generation;
	pr_info("api: rule %s added%s%s: generation %llu\n", rq->name,
		q->before[0] ? " before " : "", q->before, (unsigned long long)m->generation);
	r->out = &m->base;
out:
	free(names);
}

void m_rule_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	struct wardd *w = a->w;
	Ward__V1__RuleListResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct api_stats st = {};
	size_t i;

	if (!m)
		goto oom;
	ward__v1__rule_list_response__init(m);
	dp_read_rule_stats(&w->dp, stats_add, &st);
	if (st.n)
		qsort(st.v, st.n, sizeof(*st.v), stat_cmp);
	m->rules = ar_alloc(&r->ar, w->pol.n_rules, sizeof(*m->rules));
	if (!m->rules)
		goto oom;
	for (i = 0; i < w->pol.n_rules; i++) {
		m->rules[i] = rule_msg(a, r, &w->pol.rules[i], &st);
		if (!m->rules[i])
			goto oom;
	}
	m->n_rules = w->pol.n_rules;
	m->generation = w->dp.generation;
	m->default_policy = (char *)api_action_name(w->pol.default_action);
	free(st.v);
	r->out = &m->base;
	return;
oom:
	free(st.v);
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}

void m_rule_delete(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__RuleDeleteRequest *q = (const Ward__V1__RuleDeleteRequest *)in;
	struct wardd *w = a->w;
	Ward__V1__RuleDeleteResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	const struct pol_added *gone;
	struct pol_added *next;
	size_t i, at, n_names;
	struct pol_ent *names;
	const struct pol_ent *hit;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__rule_delete_response__init(m);
	if (!q->name[0]) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "rule delete: name: missing");
		return;
	}
	gone = pol_added_find(a->rules, a->n_rules, q->name);
	if (!gone) {
		names = pol_index(&w->pol, &n_names);
		hit = names ? pol_index_find(names, n_names, q->name) : NULL;
		if (hit)
			reply_err(r, GRPC_STATUS_FAILED_PRECONDITION,
				  "rule delete: %s comes from %s:%d, not from the API; edit the file and reload it (or wardctl apply -f)",
				  q->name, w->pol.source ? w->pol.source : "the policy", hit->r->line);
		else
			reply_err(r, GRPC_STATUS_NOT_FOUND, "rule delete: no rule named %s", q->name);
		free(names);
		return;
	}
	at = (size_t)(gone - a->rules);
	next = pol_added_copy(a->rules, a->n_rules, 0);
	if (!next) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	/* Rules placed before the one that goes keep their place: they go
	 * before what it went before. */
	for (i = 0; i < a->n_rules; i++) {
		if (i == at || !next[i].before || strcmp(next[i].before, q->name))
			continue;
		free(next[i].before);
		next[i].before = next[at].before ? strdup(next[at].before) : NULL;
		if (next[at].before && !next[i].before) {
			pol_added_free(next, a->n_rules);
			reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
			return;
		}
	}
	free(next[at].name);
	free(next[at].before);
	free(next[at].yaml);
	memmove(&next[at], &next[at + 1], (a->n_rules - at - 1) * sizeof(*next));
	if (api_change(a, NULL, next, a->n_rules - 1, true, r))
		return;
	m->generation = w->dp.generation;
	pr_info("api: rule %s deleted: generation %llu\n", q->name,
		(unsigned long long)m->generation);
	r->out = &m->base;
}

void m_rule_clear(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	struct wardd *w = a->w;
	Ward__V1__RuleClearResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	size_t n = a->n_rules;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__rule_clear_response__init(m);
	if (n && api_change(a, NULL, NULL, 0, true, r))
		return;
	m->removed = (uint32_t)n;
	m->generation = w->dp.generation;
	if (n)
		pr_info("api: %zu rules cleared: generation %llu\n", n,
			(unsigned long long)m->generation);
	r->out = &m->base;
}
