/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/trace.h: wardctl trace in the data plane: what the live policy
 * says about a flow (struct ward_trace), asked through decide(), the very
 * stage path_ingress asks a new flow's first packet, and the NAT it would
 * get (port forward, then masquerade/snat by the route's out link).
 * Lookups only: no flow or binding is made, no counter moves, nothing is
 * logged. Only bpf/path.bpf.c
 * includes it; bpf/trace.bpf.c is the entry point wardd test-runs.
 */
#ifndef WARD_BPF_TRACE_H
#define WARD_BPF_TRACE_H

#include "path.h"

#define TRACE_ND_FIRST	133	/* as entry.h: router solicitation ... */
#define TRACE_ND_LAST	137	/* ... redirect pass before the rules */

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
	/* As path_ingress binds an admitted first packet that opens a flow;
	 * the route is looked up from the traced ingress link. */
	if (admitted(&d) && ct_trackable(&p) && ct_can_open(&p))
		nat_trace_snat(ctx, lv.slot, &p, t->ifindex, t);
	return 0;
}

#endif /* WARD_BPF_TRACE_H */
