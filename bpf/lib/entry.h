/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/entry.h: what every entry point does first: parse, settle what
 * needs no policy (non-IP, neighbour discovery, malformed, later fragments
 * of a datagram seen), then hand the parsed packet to the decision stages
 * in bpf/path.bpf.c.
 *
 * The split is for the verifier: the decision stages are global functions,
 * verified once on their own over a struct packet, instead of once for
 * every path through the parser (each IPv6 extension header layout, each
 * IHL...), which took the whole program past the 1M-instruction limit.
 */
#ifndef WARD_BPF_ENTRY_H
#define WARD_BPF_ENTRY_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "xlate.h"
#include "fqdn_maps.h"
#include "nd.h"

/* Defined in bpf/path.bpf.c; joined by bpftool's static linker. One
 * decision function per hook: they take the hook's context, which the
 * route lookup of NAT and the fast path needs (bpf_fib_lookup). */
extern int ward_decide_xdp(struct xdp_md *ctx, struct packet *p, __u32 pkt_len, __u32 ifindex);
extern int ward_decide_tc(struct __sk_buff *ctx, struct packet *p, __u32 pkt_len, __u32 ifindex);
extern int ward_apply_xdp(struct xdp_md *ctx);
extern int ward_apply_tc(struct __sk_buff *ctx);
extern int ward_track_egress(struct packet *p, __u32 pkt_len, __u32 in_ifindex);
/* Defined in bpf/frag.bpf.c (bpf/lib/frag.h). */
extern int ward_frag_follow(struct packet *p);
extern int ward_frag_denied(struct packet *p);

/* The parsed packet of the ingress entry points lives here, not on their
 * stack: the call chain below them (decision, NAT, a bpf_loop callback)
 * needs the room, and the BPF stack is 512 bytes for all of it. Per-CPU,
 * and softirq does not nest on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct packet);
} ward_pkt WARD_MAP;

static __always_inline struct packet *ward_pkt_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ward_pkt, &zero);
}

/* hook: FQDN_HOOK_*, the kind of ctx. */
static __always_inline __u32 ctx_ifindex(void *ctx, int hook)
{
	if (hook == FQDN_HOOK_XDP)
		return ((struct xdp_md *)ctx)->ingress_ifindex;
	return ((struct __sk_buff *)ctx)->ingress_ifindex;
}

/* ctx serves the copy of DNS messages (fqdn_inspect()); the interface is
 * read from it after parsing, so that only ctx, not both, is kept across
 * the parser (the frame is at the edge of the 512-byte stack).
 * p: the parsed packet, left to the caller to answer a WARD_REJECT with.
 * Returns WARD_PASS, WARD_DROP or WARD_REJECT, with WARD_XLATE set when
 * the entry point has a rewrite to apply (bpf/lib/xlate.h). */
static __always_inline int ward_ingress(void *ctx, int hook, struct packet *p, void *data,
					void *data_end, __u32 pkt_len)
{
	int ret;

	__builtin_memset(p, 0, sizeof(*p));
	ret = parse_packet(data, data_end, pkt_len, p);
	if (ret == WARD_CNT_PASS_NON_IP) {
		count(ret);
		return WARD_PASS;
	}
	if (ret != WARD_CONTINUE)
		return drop(ret);

	if (nd_type(p))
		return nd_settle(ctx, p, ctx_ifindex(ctx, hook));
	if (p->fragment) {
		ret = ward_frag_follow(p);
		if (ret != WARD_CONTINUE)
			return ret;
	}
	if (hook == FQDN_HOOK_XDP)
		ret = ward_decide_xdp(ctx, p, pkt_len, ctx_ifindex(ctx, hook));
	else
		ret = ward_decide_tc(ctx, p, pkt_len, ctx_ifindex(ctx, hook));
	/* Whichever stage dropped a first fragment, the rest of its datagram
	 * goes the same way (an admitted one was remembered by path.h). */
	if (p->first_frag && (ret & ~WARD_XLATE) != WARD_PASS)
		ward_frag_denied(p);
	/* Only what passes may teach: learn before the answer goes on. */
	if ((ret & ~WARD_XLATE) != WARD_PASS ||
	    (p->sport != DNS_PORT_BE && p->dport != DNS_PORT_BE))
		return ret;
	fqdn_inspect(ctx, hook, p, false);
	return ret;
}

/* WARD_PASS, with WARD_XLATE when a forwarded packet gets the source half
 * of its NAT rewrite here (nat_egress). */
static __always_inline int ward_egress(void *ctx, void *data, void *data_end, __u32 pkt_len,
				       __u32 in_ifindex)
{
	struct packet p = {};
	int ret;

	if (parse_packet(data, data_end, pkt_len, &p) != WARD_CONTINUE)
		return WARD_PASS;
	ret = ward_track_egress(&p, pkt_len, in_ifindex);
	if (p.sport == DNS_PORT_BE || p.dport == DNS_PORT_BE)
		fqdn_inspect(ctx, FQDN_HOOK_TC, &p, true);
	return ret;
}

#endif /* WARD_BPF_ENTRY_H */
