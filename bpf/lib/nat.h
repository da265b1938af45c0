/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/nat.h: NAT bound to conntrack, and the gateway fast path (its
 * route lookup is route.h's). Only path.h includes it (the decision stages); what to rewrite
 * goes to the entry point in the per-CPU xlate record (xlate.h), which
 * applies it (nat_apply.h).
 *
 * A translated flow has two tuples, as in Linux's conntrack: the original
 * one, as its first packet came in (the flow's key in ward_ct), and the
 * translated one, which its replies carry. ward_nat holds an entry under
 * each (dir 0 and dir 1); both name the other. Replies find the flow
 * through the dir 1 entry and are turned back into the original tuple's
 * terms before conntrack tracks them, so the TCP state machine sees one
 * flow. IPv4 only: IPv6 packets are never translated.
 */
#ifndef WARD_BPF_NAT_H
#define WARD_BPF_NAT_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "conntrack.h"
#include "xlate.h"
#include "route.h"

#define AF_INET_		2
#define NAT_TRIES		32	/* ports tried for one new binding */
#define NAT_PORT_MIN		1024	/* masquerade/snat without ports: */
#define NAT_PORT_MAX		65535	/* 1024-65535, the original port first */

/* nat_bind()'s refusals (it returns WARD_CTF_NAT, 0, or one of these). */
#define NAT_ERR_EXHAUSTED	-1	/* no free port */
#define NAT_ERR_ROUTE		-2	/* source NAT due, but no route or source */

/* The translations this packet gets (not XL_REPLY, XL_NOFLOW). */
#define XL_REWRITE	(XL_SADDR | XL_DADDR | XL_SPORT | XL_DPORT | XL_ID | XL_INNER)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_SLOTS);
	__type(key, __u32);
	__type(value, struct ward_nat_policy);
} ward_nat_policy WARD_MAP;

/* Bindings. Not an LRU, like ward_ct: a binding lives as long as its flow. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_NAT_DEFAULT_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_ct_key);
	__type(value, struct ward_nat_val);
} ward_nat WARD_MAP;

/* The links the fast path may use, in and out (wardd fills it as it
 * attaches). Not pinned: the kernel adds BPF_F_RDONLY_PROG to every devmap,
 * which libbpf 1.1 then finds different from this definition and refuses to
 * reuse; wardd makes a new one and fills it when it re-attaches. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, WARD_MAX_IFACES);
	__type(key, __u32);
	__type(value, __u32);
} ward_tx_ports WARD_MAP;

/* A new binding's two entries and its route lookup: too big for the stack. */
struct nat_new {
	struct ward_nat_val fwd;
	struct ward_nat_val rev;
	struct ward_ct_key rkey;
	__be32	a[4];		/* ct_key_fill's addresses, off the stack */
	__be32	b[4];
	struct bpf_fib_lookup fib;
	__be32	dnat_dst;	/* the destination before a port forward */
	__be16	dnat_dport;
	__u16	pad;
	struct ward_iface_key ik;
	/* nat_claim's walk */
	__u32	lo;
	__u32	span;
	__u32	start;
	__u32	orig;
	__u8	proto;
	__u8	fixed;
	__u16	pad2;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat_new);
} ward_nat_scratch WARD_MAP;

static __always_inline struct nat_new *nat_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ward_nat_scratch, &zero);
}

/* A fresh record for this packet: all of it, so that nothing the last
 * packet on this CPU left (an address, a port) can be applied to this one. */
static __always_inline struct xlate *nat_begin(const struct packet *p)
{
	struct xlate *xl = xlate_get();

	if (xl) {
		__builtin_memset(xl, 0, sizeof(*xl));
		xl->l3_off = p->l3_off;
		xl->l4_off = p->l4_off;
	}
	return xl;
}

/* One field of the record: rewritten when the binding changes it. */
static __always_inline void xl_addr(struct xlate *xl, __u32 flag, __be32 *field, __be32 was,
				    __be32 now)
{
	if (was != now) {
		xl->flags |= flag;
		*field = now;
	}
}

static __always_inline void xl_port(struct xlate *xl, __u32 flag, __be16 *field, __be16 was,
				    __be16 now)
{
	if (was != now) {
		xl->flags |= flag;
		*field = now;
	}
}

/* A packet of the original direction: orig_* -> new_*. */
static __always_inline void xl_to_new(struct xlate *xl, const struct ward_nat_val *e, bool echo)
{
	xl_addr(xl, XL_SADDR, &xl->src, e->orig_src, e->new_src);
	xl_addr(xl, XL_DADDR, &xl->dst, e->orig_dst, e->new_dst);
	if (echo) {
		xl_port(xl, XL_ID, &xl->sport, e->orig_sport, e->new_sport);
		return;
	}
	xl_port(xl, XL_SPORT, &xl->sport, e->orig_sport, e->new_sport);
	xl_port(xl, XL_DPORT, &xl->dport, e->orig_dport, e->new_dport);
}

/* A reply: new_dst:new_dport -> new_src:new_sport comes back as
 * orig_dst:orig_dport -> orig_src:orig_sport. */
static __always_inline void xl_to_orig(struct xlate *xl, const struct ward_nat_val *e, bool echo)
{
	xl_addr(xl, XL_SADDR, &xl->src, e->new_dst, e->orig_dst);
	xl_addr(xl, XL_DADDR, &xl->dst, e->new_src, e->orig_src);
	if (echo) {
		xl_port(xl, XL_ID, &xl->sport, e->new_sport, e->orig_sport);
		return;
	}
	xl_port(xl, XL_SPORT, &xl->sport, e->new_dport, e->orig_dport);
	xl_port(xl, XL_DPORT, &xl->dport, e->new_sport, e->orig_sport);
}

/* Does p go the way a reply of the binding e (dir 1) goes: from
 * new_dst:new_dport to new_src:new_sport (ICMP: an echo reply with the
 * binding's identifier)? The key is sorted, so the other way finds e too. */
static __always_inline bool nat_is_reply(const struct packet *p, const struct ward_nat_val *e,
					 bool echo)
{
	if (p->src[0] != e->new_dst || p->dst[0] != e->new_src)
		return false;
	if (echo)
		return !icmp_is_echo_request(p) && p->icmp_id == e->new_sport;
	return p->sport == e->new_dport && p->dport == e->new_sport;
}

/*
 * A packet that found no flow under its own key: a reply of a translated
 * flow? Then p is turned into the original tuple's terms (what conntrack
 * tracks), *key and *from name the flow, xl says how to rewrite it, and
 * it returns 1. 0: no binding has its tuple. -1: a binding's reply tuple
 * taken the wrong way round (from its translated source, a spoof; or a
 * flow of its own that would hide the binding): not to be passed.
 */
static __always_inline int nat_reply(struct packet *p, struct xlate *xl,
				     struct ward_ct_key *key, __u8 *from)
{
	struct ward_nat_val *e;
	bool echo = p->proto == IPPROTO_ICMP_;

	if (p->family != WARD_FAM_V4)
		return 0;
	e = bpf_map_lookup_elem(&ward_nat, key);
	if (!e || !e->dir)
		return 0;
	if (!nat_is_reply(p, e, echo))
		return -1;
	xl_to_orig(xl, e, echo);
	xl->flags |= XL_REPLY;
	p->src[0] = e->orig_dst;
	p->dst[0] = e->orig_src;
	if (echo) {
		p->icmp_id = e->orig_sport;
	} else {
		p->sport = e->orig_dport;
		p->dport = e->orig_sport;
	}
	ct_key_of(p, key, from);
	return 1;
}

/*
 * A packet of a known flow, in the original direction (replies came
 * through nat_reply). False when the flow is translated but its binding is
 * gone, or the packet goes the wrong way for it: it must not leave
 * untranslated.
 */
static __always_inline bool nat_follow(const struct ward_ct_val *v, struct ward_ct_key *key,
				       const struct packet *p, __u8 from, struct xlate *xl)
{
	struct ward_nat_val *e;

	if (!(v->flags & WARD_CTF_NAT) || (xl->flags & XL_REPLY))
		return true;
	if (from != v->orig)
		return false;
	e = bpf_map_lookup_elem(&ward_nat, key);
	if (!e || e->dir)
		return false;
	xl_to_new(xl, e, p->proto == IPPROTO_ICMP_);
	return true;
}

/* The binding of a flow that goes (called with the flow's key). */
static __always_inline void nat_forget(struct ward_ct_key *k)
{
	struct ward_nat_val *e = bpf_map_lookup_elem(&ward_nat, k);

	if (!e || e->dir)
		return;
	bpf_map_delete_elem(&ward_nat, &e->other);
	bpf_map_delete_elem(&ward_nat, k);
}

/*
 * An ICMP error about a translated flow. The packet it quotes is either
 * one we sent out translated (found under the reply tuple, dir 1: an error
 * from beyond the gateway, traceroute's and path MTU discovery's case) or
 * a reply we translated back (dir 0). Both the quoted packet and the
 * error's own addresses are turned into the terms of the side it goes to.
 */
static __always_inline bool nat_related(const struct packet *p, struct xlate *xl)
{
	struct nat_new *ns = nat_scratch();
	struct ward_nat_val *e;
	bool echo = p->inner.proto == IPPROTO_ICMP_;
	__u8 from;

	if (!ns || !p->inner.ok || p->family != WARD_FAM_V4)
		return false;
	ct_key_fill(&ns->rkey, WARD_FAM_V4, p->inner.proto, p->inner.src, p->inner.dst,
		    p->inner.sport, p->inner.dport, &from);
	e = bpf_map_lookup_elem(&ward_nat, &ns->rkey);
	if (!e)
		return false;
	if (e->dir) {
		if (p->inner.src[0] != e->new_src)
			return false;
		xl->in_src = e->orig_src;
		xl->in_dst = e->orig_dst;
		xl->in_sport = e->orig_sport;
		xl->in_dport = echo ? e->orig_sport : e->orig_dport;
		xl->dst = e->orig_src;
		if (p->src[0] == e->new_dst) {
			xl->flags |= XL_SADDR;
			xl->src = e->orig_dst;
		}
	} else {
		if (p->inner.src[0] != e->orig_dst)
			return false;
		xl->in_src = e->new_dst;
		xl->in_dst = e->new_src;
		xl->in_sport = echo ? e->new_sport : e->new_dport;
		xl->in_dport = e->new_sport;
		xl->dst = e->new_dst;
		if (p->src[0] == e->orig_src) {
			xl->flags |= XL_SADDR;
			xl->src = e->new_src;
		}
	}
	xl->flags |= XL_INNER;
	if (xl->dst != p->dst[0])
		xl->flags |= XL_DADDR;
	return true;
}

/* A NAT rule's in:/out: against what a link is to the rules. */
static __always_inline bool nat_link_match(const struct ward_nat_rule *r,
					   const struct ward_iface *ifc)
{
	if (r->zone)
		return ifc->in_zone == r->zone;
	return r->if_id && ifc->in_if == r->if_id;
}

/*
 * The first packet of a flow: a port forward rewrites its destination
 * before the rules see it (as nftables' forward chain sees a DNAT'd
 * packet). The original destination is kept for the binding, and the
 * record says the rewrite in full; nat_bind() redoes it from the binding,
 * and a packet that gets no binding is dropped (path.h), never forwarded.
 */
static __always_inline void nat_dnat(__u32 slot, struct packet *p, const struct ward_iface *ifc,
				     struct xlate *xl)
{
	struct ward_nat_policy *np;
	struct nat_new *ns;
	__u32 i, n;

	if (p->family != WARD_FAM_V4 || !p->l4 ||
	    (p->proto != IPPROTO_TCP_ && p->proto != IPPROTO_UDP_))
		return;
	np = bpf_map_lookup_elem(&ward_nat_policy, &slot);
	ns = nat_scratch();
	if (!np || !ns)
		return;
	n = np->n_rules;
	for (i = 0; i < WARD_NAT_MAX_RULES; i++) {
		struct ward_nat_rule *r = &np->rules[i];

		if (i >= n)
			break;
		if (r->kind != WARD_NAT_DNAT || r->proto != p->proto || r->port != p->dport ||
		    !nat_link_match(r, ifc))
			continue;
		ns->dnat_dst = p->dst[0];
		ns->dnat_dport = p->dport;
		xl->flags |= XL_DADDR;
		xl->dst = r->to;
		xl_port(xl, XL_DPORT, &xl->dport, p->dport, bpf_htons(r->port_lo));
		xl->log_nat = WARD_EV_NAT_DST;
		xl->log_addr = p->dst[0];
		xl->log_port = p->dport;
		p->dst[0] = r->to;
		p->dport = bpf_htons(r->port_lo);
		return;
	}
}

/* A rejected port-forwarded packet is answered as the address it was sent
 * to, not as the server it would have reached. */
static __always_inline void nat_dnat_undo(struct packet *p, const struct xlate *xl)
{
	struct nat_new *ns = nat_scratch();

	if (ns && xl->log_nat == WARD_EV_NAT_DST) {
		p->dst[0] = ns->dnat_dst;
		p->dport = ns->dnat_dport;
	}
}

/*
 * A translated flow decided again after a policy change (ct_recheck):
 * the rules judged its first packet with a port forward's destination,
 * so they must see that one again, not the original.
 */
static __always_inline void nat_recheck(struct ward_ct_key *k, struct packet *pk)
{
	struct ward_nat_val *e = bpf_map_lookup_elem(&ward_nat, k);

	if (!e || e->dir || e->new_dst == e->orig_dst || pk->family != WARD_FAM_V4)
		return;
	pk->dst[0] = e->new_dst;
	if (pk->proto != IPPROTO_ICMP_)
		pk->dport = e->new_dport;
}

/* wardctl trace: the port forward a flow would meet, before the rules see
 * it (the source half: nat_trace_snat, once the rules admit it). */
static __always_inline void nat_trace(__u32 slot, struct packet *p, const struct ward_iface *ifc,
				      struct ward_trace *t)
{
	struct xlate *xl = xlate_get();

	if (!xl)
		return;
	xl->flags = 0;
	xl->log_nat = 0;
	nat_dnat(slot, p, ifc, xl);
	if (xl->log_nat != WARD_EV_NAT_DST)
		return;
	t->nat = WARD_NAT_DNAT;
	t->nat_addr = p->dst[0];
	t->nat_port = p->dport;
}

/* The source NAT rule for a packet leaving by this link (NULL: by any
 * link, for a packet whose route is unknown), or NULL. */
static __always_inline struct ward_nat_rule *nat_snat_rule(struct ward_nat_policy *np,
							   const struct ward_iface *oifc,
							   __be32 src)
{
	__u32 i, n = np->n_rules;

	for (i = 0; i < WARD_NAT_MAX_RULES; i++) {
		struct ward_nat_rule *r = &np->rules[i];

		if (i >= n)
			break;
		if ((r->kind == WARD_NAT_MASQ || r->kind == WARD_NAT_SNAT) &&
		    (!oifc || nat_link_match(r, oifc)) && (src & r->from_mask) == r->from)
			return r;
	}
	return NULL;
}

/* The source NAT rule of a new flow whose route nat_bind_route() looked up
 * (rc; the out link in ns->fib), or NULL: none, or no route. */
static __always_inline struct ward_nat_rule *nat_route_rule(struct ward_nat_policy *np,
							    struct nat_new *ns, __u32 slot,
							    long rc, __be32 src)
{
	struct ward_iface *oifc;

	if (!fib_routed(rc))
		return NULL;
	ns->ik.ifindex = ns->fib.ifindex;
	ns->ik.slot = slot;
	oifc = bpf_map_lookup_elem(&ward_ifaces, &ns->ik);
	return oifc ? nat_snat_rule(np, oifc, src) : NULL;
}

/* What a source rule translates to: the address (masquerade: the route's
 * preferred source, 0 when the out link has none) and the port range. */
static __always_inline __be32 nat_snat_to(const struct ward_nat_rule *r,
					  const struct nat_new *ns, __u32 *lo, __u32 *hi)
{
	*lo = r->port_lo ? r->port_lo : NAT_PORT_MIN;
	*hi = r->port_hi ? r->port_hi : NAT_PORT_MAX;
	return r->kind == WARD_NAT_MASQ ? ns->fib.ipv4_src : r->to;
}

/* One try; returns 1 to stop (w->done: claimed). A plain bounded loop
 * runs it: nat_bind() is a global function of its own, verified once,
 * and a bpf_loop() callback would be one more frame on a call chain that
 * is at the 512-byte stack limit already. */
struct nat_claim_walk {
	struct nat_new *ns;
	__u32	done;
};

static __always_inline long nat_claim_step(__u32 i, struct nat_claim_walk *w)
{
	struct nat_new *ns = w->ns;
	struct ward_nat_val *rev = &ns->rev;
	__u32 port;
	__u8 from;

	if (i == 0 && ns->orig >= ns->lo && ns->orig - ns->lo < ns->span)
		port = ns->orig;
	else if (ns->fixed || !ns->span)
		return 1;
	else
		port = ns->lo + (ns->start + i) % ns->span;
	rev->new_sport = bpf_htons(port);
	if (ns->proto == IPPROTO_ICMP_)
		rev->new_dport = rev->new_sport;
	ns->a[0] = rev->new_dst;
	ns->b[0] = rev->new_src;
	ct_key_fill(&ns->rkey, WARD_FAM_V4, ns->proto, ns->a, ns->b, rev->new_dport,
		    rev->new_sport, &from);
	if (bpf_map_lookup_elem(&ward_ct, &ns->rkey))
		return 0;
	if (bpf_map_update_elem(&ward_nat, &ns->rkey, rev, BPF_NOEXIST))
		return 0;
	w->done = 1;
	return 1;
}

/*
 * Claims new_src:port for a binding: the reply tuple must be free in
 * ward_nat (BPF_NOEXIST makes the claim atomic) and not a flow of this
 * host in ward_ct. The original port first, then from a random start;
 * fixed: the original port or nothing (a port forward alone).
 */
static __always_inline int nat_claim(struct nat_new *ns, __u8 proto, __u32 lo, __u32 hi,
				     bool fixed)
{
	struct nat_claim_walk w = { .ns = ns };
	__u32 i;

	ns->lo = lo;
	ns->span = hi >= lo ? hi - lo + 1 : 0;
	ns->start = bpf_get_prandom_u32();
	ns->orig = bpf_ntohs(ns->fwd.orig_sport);
	ns->proto = proto;
	ns->fixed = fixed;
	for (i = 0; i < NAT_TRIES; i++)
		if (nat_claim_step(i, &w))
			break;
	return w.done ? 0 : -1;
}

/*
 * An admitted first packet that will open a flow: finds the link it leaves
 * by (bpf_fib_lookup, which also gives that link's preferred source
 * address, BPF_FIB_LOOKUP_SRC, Linux 6.8+), then nat_bind() picks the
 * source NAT rule for it and makes the binding.
 */
static __always_inline long nat_bind_route(void *ctx, bool xdp, const struct packet *p,
					   __u32 ifindex)
{
	struct nat_new *ns = nat_scratch();

	if (!ns || p->family != WARD_FAM_V4)
		return -1;
	__builtin_memset(&ns->fib, 0, sizeof(ns->fib));
	ns->fib.family = AF_INET_;
	ns->fib.l4_protocol = p->proto;
	ns->fib.ifindex = ifindex;
	ns->fib.ipv4_src = p->src[0];
	ns->fib.ipv4_dst = p->dst[0];
	return nat_route(ctx, xdp, &ns->fib, BPF_FIB_LOOKUP_SRC);
}

/*
 * wardctl trace: the source NAT an admitted new flow would get, found as
 * nat_bind() finds it (the same route lookup, rule and address) but
 * without claiming a port: the rule's whole range is reported. Nothing
 * when there is no route, no rule, or (masquerade) no address on the out
 * link, which nat_bind() would refuse.
 * XXX: a test run does not keep softirqs off, so a packet on this CPU may
 * reuse the per-CPU scratch between the lookup and the read: that packet
 * is unharmed (it fills the scratch before use), this answer may be wrong.
 */
static __always_inline void nat_trace_snat(void *ctx, __u32 slot, const struct packet *p,
					   __u32 ifindex, struct ward_trace *t)
{
	struct ward_nat_policy *np = bpf_map_lookup_elem(&ward_nat_policy, &slot);
	struct nat_new *ns = nat_scratch();
	struct ward_nat_rule *r;
	__u32 lo, hi;
	__be32 src;

	if (!np || !ns || !np->n_rules || p->family != WARD_FAM_V4)
		return;
	r = nat_route_rule(np, ns, slot, nat_bind_route(ctx, true, p, ifindex), p->src[0]);
	if (!r)
		return;
	src = nat_snat_to(r, ns, &lo, &hi);
	if (!src)
		return;
	t->snat = r->kind;
	t->snat_addr = src;
	t->snat_port_lo = lo;
	t->snat_port_hi = hi;
	t->out_ifindex = ns->fib.ifindex;
}

/*
 * The rest of it, a global function of its own (bpf/path.bpf.c) for the
 * verifier. rc is nat_bind_route()'s. Returns WARD_CTF_NAT when the flow
 * is translated, 0 when not, NAT_ERR_EXHAUSTED when no port is free
 * (nat_exhausted), NAT_ERR_ROUTE when source NAT is due but the route
 * lookup failed (fib_failed) or masquerade has no source (nat_no_route).
 */
static __always_inline int nat_bind(struct packet *p, struct ward_ct_key *key, __u32 slot,
				    long rc)
{
	struct ward_nat_rule *r;
	struct ward_nat_policy *np;
	struct nat_new *ns;
	struct xlate *xl;
	bool dnat, echo = p->proto == IPPROTO_ICMP_;
	__u32 lo, hi;

	if (p->family != WARD_FAM_V4)
		return 0;
	np = bpf_map_lookup_elem(&ward_nat_policy, &slot);
	ns = nat_scratch();
	xl = xlate_get();
	if (!np || !ns || !xl || !np->n_rules)
		return 0;
	dnat = xl->flags & XL_DADDR;
	r = nat_route_rule(np, ns, slot, rc, p->src[0]);
	if (!r && fib_failed(rc) && nat_snat_rule(np, NULL, p->src[0]))
		return NAT_ERR_ROUTE;
	if (!r && !dnat)
		return 0;
	/* The kernel drops it and answers (time exceeded) to its real
	 * sender: no translation, and no flow for a packet that goes no
	 * further (traceroute's first hop). */
	if (fib_routed(rc) && p->ttl <= 1) {
		xl->flags = XL_NOFLOW;
		xl->log_nat = 0;
		return 0;
	}

	__builtin_memset(&ns->fwd, 0, sizeof(ns->fwd));
	ns->fwd.orig_src = ns->fwd.new_src = p->src[0];
	ns->fwd.new_dst = p->dst[0];
	if (echo) {
		ns->fwd.orig_sport = ns->fwd.orig_dport = p->icmp_id;
		ns->fwd.new_sport = ns->fwd.new_dport = p->icmp_id;
	} else {
		ns->fwd.orig_sport = ns->fwd.new_sport = p->sport;
		ns->fwd.new_dport = p->dport;
	}
	ns->fwd.orig_dst = dnat ? ns->dnat_dst : p->dst[0];
	ns->fwd.orig_dport = dnat ? ns->dnat_dport : ns->fwd.new_dport;
	lo = hi = bpf_ntohs(ns->fwd.orig_sport);
	if (r) {
		ns->fwd.new_src = nat_snat_to(r, ns, &lo, &hi);
		if (!ns->fwd.new_src)
			return NAT_ERR_ROUTE;
	}
	ns->rev = ns->fwd;
	ns->rev.dir = 1;
	ns->rev.other = *key;
	if (nat_claim(ns, p->proto, lo, hi, !r))
		return NAT_ERR_EXHAUSTED;
	ns->fwd.new_sport = ns->rev.new_sport;
	ns->fwd.new_dport = ns->rev.new_dport;
	ns->fwd.other = ns->rkey;
	bpf_map_update_elem(&ward_nat, key, &ns->fwd, BPF_ANY);
	count(WARD_CNT_NAT_NEW);

	xl->flags &= ~XL_REWRITE;
	xl_to_new(xl, &ns->fwd, echo);
	if (r && !dnat) {
		xl->log_nat = WARD_EV_NAT_SRC;
		xl->log_addr = ns->fwd.new_src;
		xl->log_port = ns->fwd.new_sport;
	}
	return WARD_CTF_NAT;
}

/* nat_bind() as a global function, verified once on its own (see
 * bpf/lib/entry.h for why); path.h calls it. */
__noinline int ward_nat_bind(struct packet *p, struct ward_ct_key *key, __u32 slot, long rc)
{
	if (!p || !key)
		return 0;
	return nat_bind(p, key, slot, rc);
}

/*
 * A packet that passes: where does it go? A forwarded one whose route and
 * neighbour are known leaves by the fast path (redirect, MACs from the
 * lookup, TTL - 1), unless it is a flow's first packet: that one goes
 * through the kernel, which makes the neighbour entries and fragments if
 * needed. When the kernel will answer a packet with an ICMP error (TTL
 * out, too big with DF), it must see the packet as its sender sent it, so
 * the error goes back to the real sender: no translation then.
 * Returns WARD_PASS, with WARD_XLATE when the entry point has work.
 */
static __always_inline int nat_out(void *ctx, const struct packet *p, struct xlate *xl,
				   __u32 ifindex, bool xdp, bool first)
{
	struct nat_new *ns;
	long rc;

	if (p->family != WARD_FAM_V4 || !(ns = nat_scratch()))
		goto out;
	/* Nothing to translate and no fast path from this link (a host
	 * firewall, a gateway without nat:): no route lookup either. */
	if (!(xl->flags & XL_REWRITE) && !bpf_map_lookup_elem(&ward_tx_ports, &ifindex))
		return WARD_PASS;
	__builtin_memset(&ns->fib, 0, sizeof(ns->fib));
	ns->fib.family = AF_INET_;
	ns->fib.l4_protocol = p->proto;
	/* XDP checks the MTU against the IP length; tc leaves it to the
	 * kernel's GSO-aware check (a 64 KB GSO packet is fine). */
	ns->fib.tot_len = xdp ? p->l3_len : 0;
	ns->fib.ifindex = ifindex;
	ns->fib.ipv4_src = xl->flags & XL_SADDR ? xl->src : p->src[0];
	ns->fib.ipv4_dst = xl->flags & XL_DADDR ? xl->dst : p->dst[0];
	rc = nat_route(ctx, xdp, &ns->fib, 0);
	if (!fib_routed(rc))
		goto out;
	/* The kernel answers it with an ICMP error: through the kernel, with
	 * its destination half (a reply's, a port forward's) so that the
	 * kernel finds the route and the error goes to the real sender, and
	 * without its source half, so that an outgoing packet's error goes
	 * to the LAN host that sent it. The error's quote is put back into
	 * the sender's terms at egress (nat_egress_error). */
	if (p->ttl <= 1 || (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED && p->df))
		goto stack;
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && !first && p->l3_off == sizeof(struct ethhdr) &&
	    bpf_map_lookup_elem(&ward_tx_ports, &ns->fib.ifindex) &&
	    bpf_map_lookup_elem(&ward_tx_ports, &ifindex)) {
		xl->flags |= XL_FWD;
		xl->ifindex = ns->fib.ifindex;
		__builtin_memcpy(xl->smac, ns->fib.smac, 6);
		__builtin_memcpy(xl->dmac, ns->fib.dmac, 6);
		count(WARD_CNT_FWD_REDIRECT);
		goto out;
	}
stack:
	count(WARD_CNT_FWD_STACK);
	/* Through the kernel, the source is rewritten at the out link's tc
	 * egress (nat_egress), as netfilter does it in POSTROUTING: the
	 * kernel drops a packet that comes in with one of its own addresses
	 * as source (a martian), which is what masquerade's new source is. */
	xl->flags &= ~(XL_SADDR | XL_SPORT);
	if (!(xl->flags & XL_REPLY))
		xl->flags &= ~XL_ID;
out:
	if (xl->flags & XL_REWRITE)
		count(WARD_CNT_NAT_XLATE);
	return xl->flags & (XL_REWRITE | XL_FWD) ? WARD_PASS | WARD_XLATE : WARD_PASS;
}

/*
 * tc egress of an ICMP error the gateway itself makes (ingress_ifindex 0)
 * about a packet it got translated (nat_out: TTL out, too big on the way
 * in): the quoted packet, and the error's addresses, in the terms of the
 * side it goes to, as nat_related does for an error that passes through.
 */
static __always_inline int nat_egress_error(const struct packet *p)
{
	struct xlate *xl;

	xl = nat_begin(p);
	if (!xl || !nat_related(p, xl))
		return WARD_PASS;
	count(WARD_CNT_NAT_XLATE);
	return WARD_PASS | WARD_XLATE;
}

/*
 * tc egress of a packet the kernel forwarded from a link ward is on: the
 * source half of its translation, which ingress left for here (nat_out).
 * The packet is in its new destination's terms already, so its own key is
 * the flow's original key (source NAT, original direction) or the reply
 * key (a port forward's reply); the entry's addresses say which side sent
 * it, and only that side's packets are rewritten.
 */
static __always_inline int nat_egress(const struct packet *p)
{
	struct nat_new *ns = nat_scratch();
	struct ward_nat_val *e;
	struct xlate *xl;
	bool echo = p->proto == IPPROTO_ICMP_;
	__be16 sport = echo ? p->icmp_id : p->sport;
	__be32 src;
	__be16 port;
	__u8 from;

	if (p->family != WARD_FAM_V4 || !ns)
		return WARD_PASS;
	ct_key_of(p, &ns->rkey, &from);
	e = bpf_map_lookup_elem(&ward_nat, &ns->rkey);
	if (!e)
		return WARD_PASS;
	if (!e->dir && p->src[0] == e->orig_src && sport == e->orig_sport) {
		src = e->new_src;
		port = e->new_sport;
	} else if (e->dir && p->src[0] == e->new_dst && sport == e->new_dport) {
		src = e->orig_dst;
		port = e->orig_dport;
	} else {
		return WARD_PASS;
	}
	xl = nat_begin(p);
	if (!xl)
		return WARD_PASS;
	if (src != p->src[0]) {
		xl->flags |= XL_SADDR;
		xl->src = src;
	}
	if (port != sport) {
		xl->flags |= echo ? XL_ID : XL_SPORT;
		xl->sport = port;
	}
	if (!xl->flags)
		return WARD_PASS;
	count(WARD_CNT_NAT_XLATE);
	return WARD_PASS | WARD_XLATE;
}

#endif /* WARD_BPF_NAT_H */
