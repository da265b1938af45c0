/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/entry.h: what every entry point does first: parse, settle what
 * needs no policy (non-IP, neighbour discovery, malformed), then hand the
 * parsed packet to the decision stages in bpf/path.bpf.c.
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

#define ICMPV6_ND_FIRST	133	/* router solicitation */
#define ICMPV6_ND_LAST	137	/* redirect */

/* Defined in bpf/path.bpf.c; joined by bpftool's static linker. One
 * decision function per hook: they take the hook's context, which the
 * route lookup of NAT and the fast path needs (bpf_fib_lookup). */
extern int ward_decide_xdp(struct xdp_md *ctx, struct packet *p, __u32 pkt_len, __u32 ifindex);
extern int ward_decide_tc(struct __sk_buff *ctx, struct packet *p, __u32 pkt_len, __u32 ifindex);
extern int ward_apply_xdp(struct xdp_md *ctx);
extern int ward_apply_tc(struct __sk_buff *ctx);
extern int ward_track_egress(struct packet *p, __u32 pkt_len, __u32 in_ifindex);

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
	struct packet *p = bpf_map_lookup_elem(&ward_pkt, &zero);

	if (p)
		__builtin_memset(p, 0, sizeof(*p));
	return p;
}

/* Parses and settles what needs no policy (non-IP, neighbour discovery,
 * malformed): WARD_PASS or WARD_DROP, or WARD_CONTINUE when the decision
 * stages must see p. */
static __always_inline int ward_parse(void *data, void *data_end, __u32 pkt_len,
				      struct packet *p)
{
	int ret;

	ret = parse_packet(data, data_end, pkt_len, p);
	if (ret == WARD_CNT_PASS_NON_IP) {
		count(ret);
		return WARD_PASS;
	}
	if (ret != WARD_CONTINUE)
		return drop(ret);

	/* Without neighbour discovery IPv6 stops working altogether; a
	 * firewall that breaks it by default is one nobody keeps. */
	if (p->family == WARD_FAM_V6 && p->proto == IPPROTO_ICMPV6_ && p->l4 &&
	    p->icmp_type >= ICMPV6_ND_FIRST && p->icmp_type <= ICMPV6_ND_LAST) {
		count(WARD_CNT_PASS_ND);
		return WARD_PASS;
	}
	return WARD_CONTINUE;
}

static __always_inline int ward_egress(void *data, void *data_end, __u32 pkt_len,
				       __u32 in_ifindex)
{
	struct packet p = {};

	if (parse_packet(data, data_end, pkt_len, &p) == WARD_CONTINUE)
		return ward_track_egress(&p, pkt_len, in_ifindex);
	return WARD_PASS;
}

#endif /* WARD_BPF_ENTRY_H */
