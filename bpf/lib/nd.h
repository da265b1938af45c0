/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/nd.h: IPv6 neighbour discovery (ICMPv6 133-137), settled before
 * the policy. Included by entry.h only; BPF-only.
 *
 * Without neighbour discovery IPv6 stops working altogether, so valid ND
 * passes whatever the policy says. Valid is what RFC 4861 lets a host
 * accept: hop limit 255 (so it was sent on this link), no fragment header
 * (RFC 6980; a first fragment has one too), no routing header (its
 * destination is a waypoint), and, because a router never forwards ND, a
 * destination on this link: link-local unicast, link-scope multicast, or an
 * address of this host. Anything else of those types could only be a message for a
 * host further on, which no receiver may accept: a covert channel through
 * `policy: drop`. It is dropped under nd_invalid, never decided by rules.
 */
#ifndef WARD_BPF_ND_H
#define WARD_BPF_ND_H

#include "maps.h"
#include "parse.h"
#include "counters.h"

#define ICMPV6_ND_FIRST	133	/* router solicitation */
#define ICMPV6_ND_LAST	137	/* redirect */
#define ND_HOP_LIMIT	255
#define AF_INET6_	10

/* The route lookup's parameters: 64 bytes the entry point's stack cannot
 * spare (see ward_pkt in entry.h). Per-CPU, softirq does not nest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_fib_lookup);
} ward_nd_fib WARD_MAP;

static __always_inline bool nd_type(const struct packet *p)
{
	return p->family == WARD_FAM_V6 && p->proto == IPPROTO_ICMPV6_ && p->l4 &&
	       p->icmp_type >= ICMPV6_ND_FIRST && p->icmp_type <= ICMPV6_ND_LAST;
}

/* fe80::/10, or multicast of link-local scope (ff02::1, ff02::1:ffXX:XXXX):
 * the kernel never forwards either. */
static __always_inline bool nd_on_link(const struct packet *p)
{
	const __u8 *d = (const __u8 *)p->dst;

	return (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) || (d[0] == 0xff && (d[1] & 0x0f) == 2);
}

/* Would the kernel forward it? bpf_fib_lookup says NOT_FWDED for this
 * host's own addresses (and when there is no route), FWD_DISABLED when the
 * link forwards nothing: neither leaves the host. */
static __always_inline bool nd_forwarded(void *ctx, const struct packet *p, __u32 ifindex)
{
	struct bpf_fib_lookup *fib;
	__u32 zero = 0;
	long rc;

	fib = bpf_map_lookup_elem(&ward_nd_fib, &zero);
	if (!fib)
		return true;		/* fail closed */
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET6_;
	fib->l4_protocol = IPPROTO_ICMPV6_;
	fib->ifindex = ifindex;
	__builtin_memcpy(fib->ipv6_src, p->src, 16);
	__builtin_memcpy(fib->ipv6_dst, p->dst, 16);
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	return rc < 0 || rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       rc == BPF_FIB_LKUP_RET_FRAG_NEEDED;
}

/* An ND-typed packet (nd_type): WARD_PASS (counted pass_nd) or a drop. */
static __always_inline int nd_settle(void *ctx, const struct packet *p, __u32 ifindex)
{
	if (p->ttl != ND_HOP_LIMIT || (p->ip6_ext & (WARD_IP6_SAW_FRAG | WARD_IP6_SAW_ROUTING)))
		return drop(WARD_CNT_DROP_ND_INVALID);
	if (!nd_on_link(p) && nd_forwarded(ctx, p, ifindex))
		return drop(WARD_CNT_DROP_ND_INVALID);
	count(WARD_CNT_PASS_ND);
	return WARD_PASS;
}

#endif /* WARD_BPF_ND_H */
