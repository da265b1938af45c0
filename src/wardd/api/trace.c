// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/trace.c: Trace: the rule that decides a flow, asked of the
 * data plane's own trace program.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include "api_int.h"
#include "trace.h"

static ssize_t name_find(char **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return (ssize_t)i;
	return -1;
}

/*
 * --in: an attached link by name, or the first attached link of a zone
 * (so that rules naming the interface match as for its real traffic), or
 * else the ids the rules know the zone or interface by.
 */
static int trace_ingress(struct api *a, const char *in, struct ward_trace *t,
			 Ward__V1__TraceResponse *m, struct api_reply *r)
{
	const struct compiled *comp = &a->w->comp;
	const struct dataplane *dp = &a->w->dp;
	ssize_t z, f;
	size_t i;

	if (!in[0])
		return 0;
	z = name_find(comp->zones, comp->n_zones, in);
	for (i = 0; i < dp->n_links; i++) {
		const struct dp_link *l = &dp->links[i];

		if (strcmp(l->name, in) && (z < 0 || l->info.in_zone != z + 1))
			continue;
		t->ifindex = (__u32)l->ifindex;
		m->in = ar_strdup(&r->ar, l->name);
		if (l->info.in_zone && l->info.in_zone <= comp->n_zones)
			m->zone = ar_strdup(&r->ar, comp->zones[l->info.in_zone - 1]);
		return 0;
	}
	f = name_find(comp->if_names, comp->n_if_names, in);
	if (z < 0 && f < 0) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  "trace: in: no zone or interface named %s in the live policy", in);
		return -EINVAL;
	}
	t->in_zone = (__u8)(z + 1);
	t->in_if = (__u16)(f + 1);
	m->in = ar_strdup(&r->ar, f >= 0 ? in : "");
	m->zone = ar_strdup(&r->ar, z >= 0 ? in : "");
	return 0;
}

static Ward__V1__TraceNat *trace_nat(struct api_reply *r, char *kind, __be32 addr)
{
	Ward__V1__TraceNat *n = ar_alloc(&r->ar, 1, sizeof(*n));
	char ip[INET_ADDRSTRLEN];

	if (!n)
		return NULL;
	ward__v1__trace_nat__init(n);
	n->kind = kind;
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	n->ip = ar_strdup(&r->ar, ip);
	return n;
}

/* A rule's place in the live policy, by its stat (name) index. */
static size_t rule_index(const struct wardd *w, __u32 stat)
{
	const char *name = stat < WARD_MAX_RULES && w->dp.names ? w->dp.names[stat].name : "";
	size_t i;

	for (i = 0; i < w->comp.n_rules; i++)
		if (!strcmp(w->comp.names[i], name))
			return i;
	return w->comp.n_rules;
}

/* The dry-run rules the data plane met before the deciding rule, in the
 * policy's order (the data plane lists them as its walk met them). */
static int trace_dry_run(struct api_reply *r, const struct wardd *w, const struct ward_trace *t,
			 Ward__V1__TraceResponse *m)
{
	size_t n = t->n_dry < WARD_DRY_MATCH_MAX ? t->n_dry : WARD_DRY_MATCH_MAX, i, j, at[WARD_DRY_MATCH_MAX];
	Ward__V1__TraceDryRun *d;

	if (!n)
		return 0;
	m->dry_run_rules = ar_alloc(&r->ar, n, sizeof(*m->dry_run_rules));
	if (!m->dry_run_rules)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		at[i] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && rule_index(w, t->dry_stat[at[j]]) <
				     rule_index(w, t->dry_stat[at[j - 1]]); j--) {
			size_t x = at[j];

			at[j] = at[j - 1];
			at[j - 1] = x;
		}
	for (i = 0; i < n; i++) {
		__u8 act = t->dry_action[at[i]];
		size_t idx = rule_index(w, t->dry_stat[at[i]]);

		d = ar_alloc(&r->ar, 1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		ward__v1__trace_dry_run__init(d);
		d->rule = ar_strdup(&r->ar, w->dp.names[t->dry_stat[at[i]]].name);
		d->action = (char *)api_action_name(act);
		d->event = act == WARD_ACT_ACCEPT ? "would-accept" :
			   act == WARD_ACT_REJECT ? "would-reject" : "would-drop";
		/* As the data plane decides it (dry_run_count() in bpf/lib/path.h). */
		d->log = (idx < w->comp.n_rules && (w->comp.rules[idx].flags & WARD_RF_LOG)) ||
			 w->pol.log == POL_LOG_ALL ||
			 (w->pol.log == POL_LOG_DROPS && act != WARD_ACT_ACCEPT);
		m->dry_run_rules[m->n_dry_run_rules++] = d;
	}
	return 0;
}

void m_trace(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__TraceRequest *q = (const Ward__V1__TraceRequest *)in;
	struct wardd *w = a->w;
	Ward__V1__TraceResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct trace_req tq = {
		.src = q->src, .dst = q->dst, .proto = q->proto, .sport = q->sport,
		.dport = q->dport, .icmp_type = q->icmp_type,
	};
	struct ward_trace t;
	char err[256];
	int ret;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__trace_response__init(m);
	if (trace_build(&tq, &t, err, sizeof(err))) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "trace: %s", err);
		return;
	}
	if (trace_ingress(a, q->in, &t, m, r))
		return;
	ret = dp_trace(&w->dp, &t);
	if (ret) {
		reply_err(r, GRPC_STATUS_INTERNAL, "trace: the data plane's trace program: %s",
			  strerror(-ret));
		return;
	}
	m->generation = t.generation;
	if (t.status == WARD_TRACE_ND) {
		m->action = "accept";
		m->verdict = "pass";
		m->before_rules = "neighbour discovery passes before the rules";
		r->out = &m->base;
		return;
	}
	if (t.status == WARD_TRACE_NO_POLICY) {
		reply_err(r, GRPC_STATUS_FAILED_PRECONDITION,
			  "trace: no live policy in the data plane (it drops everything)");
		return;
	}
	m->default_policy = !t.matched;
	if (t.matched && t.stat < WARD_MAX_RULES && w->dp.names)
		m->rule = ar_strdup(&r->ar, w->dp.names[t.stat].name);
	m->action = (char *)api_action_name(t.action);
	/* A dry-run rule never decides: the flag is defaults.dry_run's. */
	m->dry_run = t.flags & WARD_RF_DRY_RUN;
	m->log = (t.flags & WARD_RF_LOG) || w->pol.log == POL_LOG_ALL ||
		 (w->pol.log == POL_LOG_DROPS && t.action != WARD_ACT_ACCEPT);
	m->verdict = t.action == WARD_ACT_ACCEPT || m->dry_run ? "pass" :
		     t.action == WARD_ACT_REJECT ? "reject" : "drop";
	if (w->dp.names && trace_dry_run(r, w, &t, m)) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	/* Whether this flow's source is over the rate now is the bucket's
	 * state, not the policy's: trace says the limit. */
	m->rate = t.rate;
	if (t.nat == WARD_NAT_DNAT && (m->nat = trace_nat(r, "dnat", t.nat_addr)))
		m->nat->port = ntohs(t.nat_port);
	if (t.snat && (m->source_nat = trace_nat(r, t.snat == WARD_NAT_MASQ ? "masquerade" : "snat",
						  t.snat_addr))) {
		char name[IF_NAMESIZE];

		m->source_nat->port_lo = t.snat_port_lo;
		m->source_nat->port_hi = t.snat_port_hi;
		m->source_nat->out = ar_strdup(&r->ar, if_indextoname(t.out_ifindex, name) ?
						       name : "");
	}
	r->out = &m->base;
}
