/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/parse.h: headers -> struct packet, in one bounds-checked place.
 *
 * Ethernet (up to two 802.1Q/802.1ad tags), IPv4 (options, fragments), IPv6
 * (a bounded walk of extension headers), TCP, UDP, SCTP ports, ICMP and
 * ICMPv6 type and code. Every length a header claims is checked against the
 * bytes present; a packet that lies about its lengths is malformed and the
 * caller drops it under the returned reason. BPF-only; include after maps.h.
 */
#ifndef WARD_BPF_PARSE_H
#define WARD_BPF_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "ward/abi.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_ESP_		50
#define IPPROTO_AH_		51
#define IPPROTO_ICMPV6_		58
#define IPPROTO_NONE_		59
#define IPPROTO_DSTOPTS_	60
#define IPPROTO_SCTP_		132

#define WARD_VLAN_MAX		2	/* 802.1ad outer + 802.1Q inner */
#define WARD_IP6_EXT_MAX	8	/* more is refused, not skipped */
/* The verifier needs packet offsets it can bound; no header we parse starts
 * further in than this (2 tags + IPv6 + 8 extension headers of 2 KiB...
 * is more than any real packet carries before its L4 header). */
#define WARD_L4_OFF_MAX		1024
#define WARD_NO_WSCALE		0xff

/* Internal result of a stage: go on, or stop with a counter to bump. */
#define WARD_CONTINUE		(-1)

struct packet {
	__be32	src[4];
	__be32	dst[4];
	__be16	sport;
	__be16	dport;
	__u8	family;		/* WARD_FAM_V4 / WARD_FAM_V6 */
	__u8	proto;		/* final protocol after IPv6 extension headers */
	__u8	l4;		/* 1: the L4 header is present and parsed */
	__u8	fragment;	/* 1: a non-first fragment (no L4 header) */
	__u8	icmp_type;
	__u8	icmp_code;
	__u8	tcp_flags;	/* FIN SYN RST PSH ACK ... as on the wire */
	__u8	wscale;		/* SYN's window scale option, or WARD_NO_WSCALE */
	__u8	first_frag;	/* 1: fragment at offset 0, more follow */
	__u8	recheck;	/* 1: a known flow decided again (ct_recheck) */
	__be16	icmp_id;	/* echo identifier */
	__u16	win;		/* TCP window as sent (unscaled) */
	__u32	seq;		/* TCP, host order */
	__u32	ack;
	__u32	payload_len;	/* L4 payload bytes */
	__u32	ip_id;		/* fragment identification */
	__u16	l3_off;
	__u16	l4_off;
	__u16	l3_len;		/* IP total length as the header claims it */
	__u16	l4_end;		/* where the IP packet ends */
	/* An ICMP error's quoted packet (inner.ok set when it could be read):
	 * conntrack relates the error to that packet's flow. */
	struct {
		__be32	src[4];
		__be32	dst[4];
		__be16	sport;		/* ICMP echo: the identifier */
		__be16	dport;
		__u8	proto;
		__u8	ok;
		__u16	pad;
	} inner;
	__u8	df;		/* IPv4 don't fragment */
	__u8	ttl;		/* IPv4 TTL, IPv6 hop limit */
	__u8	ip6_ext;	/* WARD_IP6_SAW_*: extension headers met */
	__u8	pad2;
};

/* Extension headers that make an ICMPv6 packet no neighbour discovery a
 * host would accept (RFC 6980: never fragmented) or one meant for a hop
 * further on (a routing header). */
#define WARD_IP6_SAW_FRAG	0x01
#define WARD_IP6_SAW_ROUTING	0x02

struct vlan_hdr_ {
	__be16	tci;
	__be16	proto;
};

struct sctp_ports_ {
	__be16	sport;
	__be16	dport;
	__be32	vtag;
	__be32	csum;
};

struct ip6_ext_ {
	__u8	nexthdr;
	__u8	hdrlen;
};

struct ip6_frag_ {
	__u8	nexthdr;
	__u8	reserved;
	__be16	frag_off;
	__be32	id;
};

#define TCP_OPTS_MAX	40

struct wscale_walk {
	__u8	buf[TCP_OPTS_MAX];
	__u32	len;
	__u32	i;
	__u8	wscale;
};

/* One option per call, as a bpf_loop() callback: the verifier checks one
 * step instead of every combination of option lengths. Returns 1 to stop. */
static long wscale_step(__u64 n, void *ctx)
{
	struct wscale_walk *w = ctx;
	__u32 i = w->i;
	__u8 kind, len;

	if (i >= w->len || i >= TCP_OPTS_MAX - 1)
		return 1;
	kind = w->buf[i];
	if (kind == 0)				/* end of options */
		return 1;
	if (kind == 1) {			/* no-op */
		w->i = i + 1;
		return 0;
	}
	len = w->buf[i + 1];
	if (len < 2)
		return 1;
	if (kind == 3 && len == 3 && i + 2 < TCP_OPTS_MAX) {
		w->wscale = w->buf[i + 2] > 14 ? 14 : w->buf[i + 2];
		return 1;
	}
	w->i = i + len;
	return 0;
}

/* The window scale option of a SYN (RFC 7323), or WARD_NO_WSCALE. */
static __always_inline __u8 tcp_wscale(void *data, void *data_end, __u32 off, __u32 hlen)
{
	struct wscale_walk w = { .wscale = WARD_NO_WSCALE };
	__u32 i, n = hlen - sizeof(struct tcphdr);
	__u8 *opts;

	if (off > WARD_L4_OFF_MAX)
		return WARD_NO_WSCALE;
	opts = data + off + sizeof(struct tcphdr);
	/* Copy first: a straight loop with one exit is cheap to verify. */
	for (i = 0; i < TCP_OPTS_MAX; i++) {
		if (i >= n || (void *)(opts + i + 1) > data_end)
			break;
		w.buf[i] = opts[i];
	}
	w.len = i;
	bpf_loop(TCP_OPTS_MAX, wscale_step, &w, 0);
	return w.wscale;
}

static __always_inline bool icmp_type_is_error(__u8 proto, __u8 type)
{
	if (proto == IPPROTO_ICMP_)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/* The packet an ICMP error quotes: its IP header and first 8 L4 bytes. */
static __always_inline void parse_icmp_inner(void *data, void *data_end, struct packet *p,
					     __u32 off)
{
	__u32 l4off;
	__u8 *l4;

	if (off > WARD_L4_OFF_MAX)
		return;
	if (p->family == WARD_FAM_V4) {
		struct iphdr *ih = data + off;

		if ((void *)(ih + 1) > data_end || ih->version != 4 || ih->ihl < 5)
			return;
		p->inner.src[0] = ih->saddr;
		p->inner.dst[0] = ih->daddr;
		p->inner.proto = ih->protocol;
		l4off = off + ih->ihl * 4;
	} else {
		struct ipv6hdr *ih = data + off;

		if ((void *)(ih + 1) > data_end || ih->version != 6)
			return;
		__builtin_memcpy(p->inner.src, &ih->saddr, 16);
		__builtin_memcpy(p->inner.dst, &ih->daddr, 16);
		p->inner.proto = ih->nexthdr;
		l4off = off + sizeof(*ih);
	}
	if (l4off > WARD_L4_OFF_MAX + 64)
		return;
	l4 = data + l4off;
	if ((void *)(l4 + 8) > data_end)
		return;
	switch (p->inner.proto) {
	case IPPROTO_TCP_:
	case IPPROTO_UDP_:
	case IPPROTO_SCTP_:
		p->inner.sport = *(__be16 *)l4;
		p->inner.dport = *(__be16 *)(l4 + 2);
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		p->inner.sport = p->inner.dport = *(__be16 *)(l4 + 4);
		break;
	default:
		return;
	}
	p->inner.ok = 1;
}

/* L4: off is where it starts, end where the IP packet ends (both from data). */
static __always_inline int parse_l4(void *data, void *data_end, struct packet *p,
				    __u32 off, __u32 end)
{
	void *l4;

	if (off > WARD_L4_OFF_MAX)
		return WARD_CNT_DROP_BAD_L4;
	l4 = data + off;
	p->l4_off = off;
	p->l4_end = end;
	p->wscale = WARD_NO_WSCALE;

	switch (p->proto) {
	case IPPROTO_TCP_: {
		struct tcphdr *th = l4;
		__u32 hlen;

		if ((void *)(th + 1) > data_end || off + sizeof(*th) > end)
			return WARD_CNT_DROP_BAD_L4;
		hlen = th->doff * 4;
		if (hlen < sizeof(*th) || off + hlen > end)
			return WARD_CNT_DROP_BAD_L4;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->seq = bpf_ntohl(th->seq);
		p->ack = bpf_ntohl(th->ack_seq);
		p->win = bpf_ntohs(th->window);
		p->payload_len = end - off - hlen;
		if (th->syn)
			p->wscale = tcp_wscale(data, data_end, off, hlen);
		break;
	}
	case IPPROTO_UDP_: {
		struct udphdr *uh = l4;
		__u32 ulen;

		if ((void *)(uh + 1) > data_end || off + sizeof(*uh) > end)
			return WARD_CNT_DROP_BAD_L4;
		ulen = bpf_ntohs(uh->len);
		/* The length is the whole datagram's: a first fragment holds
		 * only its start, so it may claim more than is here (but not
		 * less). IPv6 jumbograms (length 0, RFC 2675) stay refused. */
		if (ulen < sizeof(*uh) || (!p->first_frag && off + ulen > end) ||
		    (p->first_frag && off + ulen < end))
			return WARD_CNT_DROP_BAD_L4;
		p->sport = uh->source;
		p->dport = uh->dest;
		break;
	}
	case IPPROTO_SCTP_: {
		struct sctp_ports_ *sh = l4;

		if ((void *)(sh + 1) > data_end || off + sizeof(*sh) > end)
			return WARD_CNT_DROP_BAD_L4;
		p->sport = sh->sport;
		p->dport = sh->dport;
		break;
	}
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_: {
		/* Every ICMP and ICMPv6 message has at least 8 bytes of header. */
		__u8 *ih = l4;

		if ((void *)(ih + 8) > data_end || off + 8 > end)
			return WARD_CNT_DROP_BAD_L4;
		p->icmp_type = ih[0];
		p->icmp_code = ih[1];
		p->icmp_id = *(__be16 *)(ih + 4);
		/* The classifier matches the type in the dport slot. */
		p->dport = bpf_htons(ih[0]);
		if (icmp_type_is_error(p->proto, ih[0]))
			parse_icmp_inner(data, data_end, p, off + 8);
		break;
	}
	default:
		/* GRE, ESP, ...: classified on addresses and protocol. */
		return WARD_CONTINUE;
	}
	p->l4 = 1;
	return WARD_CONTINUE;
}

/*
 * A later fragment at offset 1 (8 bytes) of a TCP datagram overlaps the
 * first fragment's TCP header from its sequence number on: a receiver that
 * lets the later copy win gets flags (a SYN, a RST) the first fragment was
 * classified without (RFC 1858, the overlapping fragment attack). Nothing
 * legitimate sends it: the first fragment holds the whole TCP header.
 * off8: the fragment offset in 8-byte units.
 */
static __always_inline int frag_offset_check(const struct packet *p, __u32 off8)
{
	if (off8 == 1 && p->proto == IPPROTO_TCP_)
		return WARD_CNT_DROP_BAD_FRAGMENT;
	return WARD_CONTINUE;
}

static __always_inline int parse_ipv4(void *data, void *data_end, struct packet *p,
				      __u32 off, __u32 pkt_len)
{
	struct iphdr *iph = data + off;
	__u32 hlen, tot;

	if ((void *)(iph + 1) > data_end)
		return WARD_CNT_DROP_BAD_IP4;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	if (iph->version != 4 || hlen < sizeof(*iph) || tot < hlen ||
	    off + tot > pkt_len)
		return WARD_CNT_DROP_BAD_IP4;

	p->family = WARD_FAM_V4;
	p->proto = iph->protocol;
	p->src[0] = iph->saddr;
	p->dst[0] = iph->daddr;
	p->l3_off = off;
	p->l3_len = tot;
	p->ttl = iph->ttl;
	p->df = !!(iph->frag_off & bpf_htons(0x4000));

	/* A non-first fragment carries no L4 header: it is classified on
	 * addresses and protocol alone. */
	p->ip_id = bpf_ntohs(iph->id);
	if (iph->frag_off & bpf_htons(0x1fff)) {
		p->fragment = 1;
		return frag_offset_check(p, bpf_ntohs(iph->frag_off) & 0x1fff);
	}
	if (iph->frag_off & bpf_htons(0x2000))
		p->first_frag = 1;
	return parse_l4(data, data_end, p, off + hlen, off + tot);
}

static __always_inline int parse_ipv6(void *data, void *data_end, struct packet *p,
				      __u32 off, __u32 pkt_len)
{
	struct ipv6hdr *ip6h = data + off;
	__u32 end, i;
	__u8 nh;

	if ((void *)(ip6h + 1) > data_end)
		return WARD_CNT_DROP_BAD_IP6;
	end = off + sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || end > pkt_len)
		return WARD_CNT_DROP_BAD_IP6;

	p->family = WARD_FAM_V6;
	__builtin_memcpy(p->src, &ip6h->saddr, 16);
	__builtin_memcpy(p->dst, &ip6h->daddr, 16);
	p->l3_off = off;
	p->l3_len = end - off;
	p->ttl = ip6h->hop_limit;
	nh = ip6h->nexthdr;
	off += sizeof(*ip6h);

	/* One more round than there may be extension headers: the last one
	 * only gets to the upper-layer header. */
	for (i = 0; i <= WARD_IP6_EXT_MAX; i++) {
		struct ip6_ext_ *ext;

		if (off > WARD_L4_OFF_MAX)
			return WARD_CNT_DROP_BAD_IP6_EXT;
		ext = data + off;
		if (nh == IPPROTO_ROUTING_)
			p->ip6_ext |= WARD_IP6_SAW_ROUTING;
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
			if ((void *)(ext + 1) > data_end)
				return WARD_CNT_DROP_BAD_IP6_EXT;
			nh = ext->nexthdr;
			off += (ext->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH_:
			if ((void *)(ext + 1) > data_end)
				return WARD_CNT_DROP_BAD_IP6_EXT;
			nh = ext->nexthdr;
			off += (ext->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_: {
			struct ip6_frag_ *fh = data + off;

			if ((void *)(fh + 1) > data_end)
				return WARD_CNT_DROP_BAD_IP6_EXT;
			nh = fh->nexthdr;
			off += sizeof(*fh);
			p->ip_id = bpf_ntohl(fh->id);
			p->ip6_ext |= WARD_IP6_SAW_FRAG;
			if (fh->frag_off & bpf_htons(1))
				p->first_frag = 1;
			if (fh->frag_off & bpf_htons(0xfff8)) {
				p->first_frag = 0;
				p->proto = nh;
				p->fragment = 1;
				if (off > end)
					return WARD_CNT_DROP_BAD_IP6_EXT;
				return frag_offset_check(p, bpf_ntohs(fh->frag_off) >> 3);
			}
			break;
		}
		default:
			if (off > end)
				return WARD_CNT_DROP_BAD_IP6_EXT;
			p->proto = nh;
			if (nh == IPPROTO_NONE_)
				return WARD_CONTINUE;
			return parse_l4(data, data_end, p, off, end);
		}
	}
	/* Still inside the extension headers after the last allowed one. */
	return WARD_CNT_DROP_BAD_IP6_EXT;
}

/*
 * pkt_len is the whole frame's length, which in tc may exceed the linear
 * bytes between data and data_end.
 * Returns WARD_CONTINUE with p filled for an IP packet, WARD_CNT_PASS_NON_IP
 * for anything else (ARP, LLDP: not ours to decide), or a drop reason.
 */
static __always_inline int parse_packet(void *data, void *data_end, __u32 pkt_len,
					struct packet *p)
{
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return WARD_CNT_DROP_TRUNC_L2;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < WARD_VLAN_MAX; i++) {
		struct vlan_hdr_ *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = data + off;
		if ((void *)(vh + 1) > data_end)
			return WARD_CNT_DROP_TRUNC_L2;
		proto = vh->proto;
		off += sizeof(*vh);
	}

	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, data_end, p, off, pkt_len);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, data_end, p, off, pkt_len);
	/* A third tag is not parsed: drop rather than let IP hide behind it. */
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return WARD_CNT_DROP_TRUNC_L2;
	return WARD_CNT_PASS_NON_IP;
}

#endif /* WARD_BPF_PARSE_H */
