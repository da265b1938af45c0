/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/nat_apply.h: applies the xlate record (xlate.h) to the packet:
 * NAT rewrites with incremental checksum updates (RFC 1624), the quoted
 * packet of an ICMP error included, and the fast path's MACs and TTL.
 * Included by bpf/path.bpf.c, which makes one global function per hook of
 * it (the entry points call them only when the decision asked).
 *
 * Checksums: the IPv4 header's, ICMP's and the quoted packet's are always
 * complete, so they are updated here by arithmetic. TCP and UDP: at XDP the
 * checksum is complete; at tc a packet from a local socket or a veth may be
 * CHECKSUM_PARTIAL (the field holds only the pseudo header's sum), which
 * only bpf_l4_csum_replace() with BPF_F_PSEUDO_HDR handles right, so tc
 * updates that field with the helper.
 */
#ifndef WARD_BPF_NAT_APPLY_H
#define WARD_BPF_NAT_APPLY_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "xlate.h"
#include "nat.h"

#define IP_CSUM_OFF	10
#define IP_SADDR_OFF	12
#define IP_DADDR_OFF	16
#define TCP_CSUM_OFF	16
#define UDP_CSUM_OFF	6
#define ICMP_CSUM_OFF	2
#define ICMP_ID_OFF	4

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* HC' = ~(~HC + ~m + m'), on the raw (network order) 16-bit words: one's
 * complement sums do not care about byte order. */
static __always_inline void csum_repl16(__u16 *sum, __u16 old, __u16 new)
{
	*sum = ~csum_fold((__u32)(__u16)~*sum + (__u16)~old + new);
}

static __always_inline void csum_repl32(__u16 *sum, __u32 old, __u32 new)
{
	csum_repl16(sum, (__u16)old, (__u16)new);
	csum_repl16(sum, (__u16)(old >> 16), (__u16)(new >> 16));
}

/* UDP over IPv4: 0 is "no checksum" and stays 0; a sum that comes out 0
 * is sent as 0xffff. */
static __always_inline void udp_repl16(__u16 *sum, __u16 old, __u16 new)
{
	if (!*sum)
		return;
	csum_repl16(sum, old, new);
	if (!*sum)
		*sum = 0xffff;
}

static __always_inline void udp_repl32(__u16 *sum, __u32 old, __u32 new)
{
	if (!*sum)
		return;
	csum_repl32(sum, old, new);
	if (!*sum)
		*sum = 0xffff;
}

/* One 16-bit field of a TCP/UDP header and the checksum over it. */
static __always_inline void l4_repl16(__u16 *sum, __u8 proto, __u16 *field, __u16 new)
{
	if (proto == IPPROTO_UDP_)
		udp_repl16(sum, *field, new);
	else
		csum_repl16(sum, *field, new);
	*field = new;
}

/* An IPv4 address, the header's checksum, and the TCP/UDP checksum over
 * the pseudo header (sum, when this one is ours to update). */
static __always_inline void addr_repl(struct iphdr *iph, __u16 *sum, __u8 proto, __be32 *field,
				      __be32 new)
{
	if (sum) {
		if (proto == IPPROTO_UDP_)
			udp_repl32(sum, *field, new);
		else
			csum_repl32(sum, *field, new);
	}
	csum_repl32(&iph->check, *field, new);
	*field = new;
}

/*
 * The quoted packet of an ICMP error: its addresses and ports (or echo
 * identifier), its own checksums, and the ICMP checksum over all of it.
 * The quoted IP header's checksum moves against its addresses, so the
 * ICMP sum only sees the L4 bytes change.
 */
static __always_inline int apply_inner(void *data, void *data_end, __u32 l4_off,
				       const struct xlate *xl)
{
	struct iphdr *ih;
	__u16 *icsum, *ports, *l4sum = NULL, old;
	__be32 osrc, odst;
	__u8 *l4;
	__u32 off;

	if (l4_off > WARD_L4_OFF_MAX)
		return -1;
	icsum = data + l4_off + ICMP_CSUM_OFF;
	ih = data + l4_off + 8;
	if ((void *)(ih + 1) > data_end || ih->ihl < 5)
		return -1;
	off = l4_off + 8 + ih->ihl * 4;
	if (off > WARD_L4_OFF_MAX + 64)
		return -1;
	l4 = data + off;
	if ((void *)(l4 + 8) > data_end)
		return -1;
	osrc = ih->saddr;
	odst = ih->daddr;
	csum_repl32(&ih->check, osrc, xl->in_src);
	ih->saddr = xl->in_src;
	csum_repl32(&ih->check, odst, xl->in_dst);
	ih->daddr = xl->in_dst;

	if (ih->protocol == IPPROTO_ICMP_) {
		ports = (__u16 *)(l4 + ICMP_ID_OFF);
		l4sum = (__u16 *)(l4 + ICMP_CSUM_OFF);
		old = *l4sum;
		csum_repl16(l4sum, *ports, xl->in_sport);
		csum_repl16(icsum, *ports, xl->in_sport);
		csum_repl16(icsum, old, *l4sum);
		*ports = xl->in_sport;
		return 0;
	}
	if (ih->protocol != IPPROTO_TCP_ && ih->protocol != IPPROTO_UDP_)
		return 0;
	ports = (__u16 *)l4;
	/* The quoted L4 checksum, when the error quotes that far. */
	if (ih->protocol == IPPROTO_UDP_)
		l4sum = (__u16 *)(l4 + UDP_CSUM_OFF);
	else if ((void *)(l4 + TCP_CSUM_OFF + 2) <= data_end)
		l4sum = (__u16 *)(l4 + TCP_CSUM_OFF);
	if (l4sum) {
		old = *l4sum;
		/* The pseudo header's addresses and the ports. */
		if (ih->protocol == IPPROTO_UDP_) {
			udp_repl32(l4sum, osrc, xl->in_src);
			udp_repl32(l4sum, odst, xl->in_dst);
			udp_repl16(l4sum, ports[0], xl->in_sport);
			udp_repl16(l4sum, ports[1], xl->in_dport);
		} else {
			csum_repl32(l4sum, osrc, xl->in_src);
			csum_repl32(l4sum, odst, xl->in_dst);
			csum_repl16(l4sum, ports[0], xl->in_sport);
			csum_repl16(l4sum, ports[1], xl->in_dport);
		}
	}
	csum_repl16(icsum, ports[0], xl->in_sport);
	csum_repl16(icsum, ports[1], xl->in_dport);
	ports[0] = xl->in_sport;
	ports[1] = xl->in_dport;
	if (l4sum)
		csum_repl16(icsum, old, *l4sum);
	return 0;
}

/*
 * Everything but (at tc, l4sum false) the TCP/UDP checksum.
 */
static __always_inline int apply_direct(void *data, void *data_end, const struct xlate *xl,
					bool l4sum)
{
	struct iphdr *iph;
	__u32 l3 = xl->l3_off, l4 = xl->l4_off;
	__u16 *sum = NULL, *ports = NULL;
	__u8 proto;

	if (l3 > 64 || l4 > WARD_L4_OFF_MAX)
		return -1;
	iph = data + l3;
	if ((void *)(iph + 1) > data_end)
		return -1;
	proto = iph->protocol;
	if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		ports = data + l4;
		if ((void *)(ports + 2) > data_end)
			return -1;
		if (proto == IPPROTO_TCP_) {
			if (data + l4 + TCP_CSUM_OFF + 2 > data_end)
				return -1;
			sum = data + l4 + TCP_CSUM_OFF;
		} else {
			if (data + l4 + UDP_CSUM_OFF + 2 > data_end)
				return -1;
			sum = data + l4 + UDP_CSUM_OFF;
		}
		if (!l4sum)
			sum = NULL;
	}

	if (xl->flags & XL_SADDR)
		addr_repl(iph, sum, proto, &iph->saddr, xl->src);
	if (xl->flags & XL_DADDR)
		addr_repl(iph, sum, proto, &iph->daddr, xl->dst);
	if (ports) {
		if (xl->flags & XL_SPORT) {
			if (sum)
				l4_repl16(sum, proto, &ports[0], xl->sport);
			else
				ports[0] = xl->sport;
		}
		if (xl->flags & XL_DPORT) {
			if (sum)
				l4_repl16(sum, proto, &ports[1], xl->dport);
			else
				ports[1] = xl->dport;
		}
	}
	if (proto == IPPROTO_ICMP_ && (xl->flags & (XL_ID | XL_INNER))) {
		__u16 *icsum = data + l4 + ICMP_CSUM_OFF, *id = data + l4 + ICMP_ID_OFF;

		if ((void *)(id + 1) > data_end)
			return -1;
		if (xl->flags & XL_ID) {
			csum_repl16(icsum, *id, xl->sport);
			*id = xl->sport;
		}
		if ((xl->flags & XL_INNER) && apply_inner(data, data_end, l4, xl))
			return -1;
	}
	if (xl->flags & XL_FWD) {
		struct ethhdr *eth = data;
		__u8 ttl = iph->ttl;

		if ((void *)(eth + 1) > data_end)
			return -1;
		/* The 16-bit word TTL shares with the protocol, from the bytes:
		 * no u16 load of what a u8 store just changed. */
		csum_repl16(&iph->check, bpf_htons((__u16)ttl << 8 | iph->protocol),
			    bpf_htons((__u16)(ttl - 1) << 8 | iph->protocol));
		iph->ttl = ttl - 1;
		__builtin_memcpy(eth->h_source, xl->smac, 6);
		__builtin_memcpy(eth->h_dest, xl->dmac, 6);
	}
	return 0;
}

/* tc: the TCP/UDP checksum first, by helper (see above). The helpers may
 * move the packet, so the caller reloads its pointers afterwards. */
static __always_inline int apply_tc_l4sum(struct __sk_buff *skb, const struct xlate *xl)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	__u32 l3 = xl->l3_off, l4 = xl->l4_off, off, mangled;
	__be32 saddr, daddr;
	__be16 sport, dport;
	struct iphdr *iph;
	__be16 *ports;
	__u8 proto;

	if (l3 > 64 || l4 > WARD_L4_OFF_MAX)
		return -1;
	iph = data + l3;
	if ((void *)(iph + 1) > data_end)
		return -1;
	proto = iph->protocol;
	if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_)
		return 0;
	ports = data + l4;
	if ((void *)(ports + 2) > data_end)
		return -1;
	saddr = iph->saddr;
	daddr = iph->daddr;
	sport = ports[0];
	dport = ports[1];
	off = l4 + (proto == IPPROTO_TCP_ ? TCP_CSUM_OFF : UDP_CSUM_OFF);
	mangled = proto == IPPROTO_UDP_ ? BPF_F_MARK_MANGLED_0 : 0;
	if ((xl->flags & XL_SADDR) &&
	    bpf_l4_csum_replace(skb, off, saddr, xl->src, BPF_F_PSEUDO_HDR | mangled | 4))
		return -1;
	if ((xl->flags & XL_DADDR) &&
	    bpf_l4_csum_replace(skb, off, daddr, xl->dst, BPF_F_PSEUDO_HDR | mangled | 4))
		return -1;
	if ((xl->flags & XL_SPORT) && bpf_l4_csum_replace(skb, off, sport, xl->sport, mangled | 2))
		return -1;
	if ((xl->flags & XL_DPORT) && bpf_l4_csum_replace(skb, off, dport, xl->dport, mangled | 2))
		return -1;
	return 0;
}

#endif /* WARD_BPF_NAT_APPLY_H */
