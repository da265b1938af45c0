/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/trace.h: wardctl trace in the data plane: what the live policy
 * says about a flow (struct ward_trace), asked through decide(), the very
 * stage path_ingress asks a new flow's first packet, and the NAT it would
 * get (port forward, then masquerade/snat by the route's out link).
 * Lookups only: no flow or binding is made, no counter moves, nothing is
 * logged. It also names the dry-run rules that match before the deciding
 * rule (dryrun.h). Only bpf/path.bpf.c
 * includes it; bpf/trace.bpf.c is the entry point wardd test-runs.
 */
#ifndef WARD_BPF_TRACE_H
#define WARD_BPF_TRACE_H

#include "path.h"

#define TRACE_ND_FIRST	133	/* as entry.h: router solicitation ... */
#define TRACE_ND_LAST	137	/* ... redirect pass before the rules */

/* The dry-run rules the flow's first packet counts and logs for. */
static __always_inline void trace_dry_run(struct live *lv, struct packet *p,
					  struct ward_iface *ifc, __u32 bound, struct ward_trace *t)
{
	struct ward_rule *rule;
	struct dry_match *m;
	__u32 i, n = 0;

	m = dry_classify(lv->hdr, lv->slot, p, ifc, bound);
	for (i = 0; m && i < WARD_DRY_MATCH_MAX && i < m->n; i++) {
		rule = dry_rule(m, i, lv->slot);
		if (!rule || n >= WARD_DRY_MATCH_MAX)
			continue;
		t->dry_stat[n] = rule->stat;
		t->dry_action[n] = rule->action;
		n++;
	}
	t->n_dry = n;
}

static __always_inline int trace_flow(struct xdp_md *ctx, struct ward_trace *t)
{
	struct ward_iface_key ik = {};
	struct ward_iface ifc = {}, *known;
	struct packet p = {};
	struct decision d;
	struct live lv;

	t->status = WARD_TRACE_OK;
	if (t->family == WARD_FAM_V6 && t->proto == IPPROTO_ICMPV6_ && t->l4 &&
	    t->icmp_type >= TRACE_ND_FIRST && t->icmp_type <= TRACE_ND_LAST) {
		t->status = WARD_TRACE_ND;
		return 0;
	}
	if (live_policy(&lv)) {
		t->status = WARD_TRACE_NO_POLICY;
		return 0;
	}
	__builtin_memcpy(p.src, t->src, sizeof(p.src));
	__builtin_memcpy(p.dst, t->dst, sizeof(p.dst));
	p.family = t->family;
	p.proto = t->proto;
	p.l4 = t->l4;
	p.sport = t->sport;
	p.dport = t->dport;
	p.icmp_type = t->icmp_type;
	/* A new flow's first packet: what ct_can_open() lets open one. */
	if (p.proto == IPPROTO_TCP_)
		p.tcp_flags = TCPF_SYN;
	/* The link's entry in the live slot, found as path_ingress finds it. */
	ik.ifindex = t->ifindex;
	ik.slot = lv.slot;
	known = t->ifindex ? bpf_map_lookup_elem(&ward_ifaces, &ik) : NULL;
	if (known) {
		ifc = *known;
	} else {
		ifc.in_if = t->in_if;
		ifc.in_zone = t->in_zone;
	}
	nat_trace(lv.slot, &p, &ifc, t);
	if (decide(&lv, &p, &ifc, &d))
		return -1;
	t->generation = lv.hdr->generation;
	t->stat = d.stat;
	t->matched = d.stat != WARD_STAT_DEFAULT;
	t->action = d.action;
	t->flags = d.flags;
	t->rate = d.rate;
	if (lv.hdr->n_dry_tuples)
		trace_dry_run(&lv, &p, &ifc, d.rule, t);
	/* As path_ingress binds an admitted first packet that opens a flow;
	 * the route is looked up from the traced ingress link. */
	if (admitted(&d) && ct_trackable(&p) && ct_can_open(&p))
		nat_trace_snat(ctx, lv.slot, &p, t->ifindex, t);
	return 0;
}

#endif /* WARD_BPF_TRACE_H */
