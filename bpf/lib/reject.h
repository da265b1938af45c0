/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/reject.h: the answer to a packet a rule rejects, made out of the
 * packet itself and sent back where it came from. Included by the entry
 * points (bpf/xdp.bpf.c, bpf/tc.bpf.c), after entry.h: the decision stages
 * only say WARD_REJECT; resizing the frame is the hook's business.
 *
 * TCP gets a RST (RFC 9293 3.10.7.1): seq = the segment's ack when it had
 * ACK, else seq 0 with ACK of seq + length (SYN and FIN count one). The rest
 * gets ICMP destination unreachable, code port unreachable (IPv4 3/3,
 * ICMPv6 1/4), as iptables REJECT and nft reject send by default: clients
 * see "connection refused", a closed port, at once. The quote is the
 * offending IP packet from its header on, as much as fits in 576 bytes
 * (IPv4, RFC 1812 4.3.2.3) or 1280 (IPv6, RFC 4443 2.4(c)), cut to a
 * multiple of 4 (bpf_csum_diff works on words; the IP header and the first
 * 8 bytes of its payload are always in).
 *
 * Never answered (RFC 1122 3.2.2, RFC 4443 2.4(e), RFC 9293): an ICMP
 * error, a RST, a frame to a broadcast or multicast MAC, a packet to or from
 * a multicast or broadcast address (or from 0.0.0.0, 127/8, ::), a
 * fragment that is not the first. Those are dropped and counted
 * reject_skipped.
 *
 * Answers are rate-limited by one token bucket for the whole host (all CPUs,
 * both hooks): defaults.reject_rate answers a second, as many in a burst.
 * Over it, a reject is a plain drop, counted reject_limited. One global
 * bucket, not one per source: spoofed sources cannot multiply it, so ward
 * never reflects more than that rate at anyone.
 */
#ifndef WARD_BPF_REJECT_H
#define WARD_BPF_REJECT_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "conntrack.h"
#include "bucket.h"

#define REJ_L2_MIN		14	/* Ethernet */
#define REJ_L2_MAX		22	/* Ethernet + two VLAN tags */
#define REJ_QUOTE_V4		548	/* 576 - IPv4 header - ICMP header */
#define REJ_QUOTE_V6		1232	/* 1280 - IPv6 header - ICMPv6 header */
#define REJ_CSUM_CHUNK		512	/* the most bpf_csum_diff() sums at once */
#define REJ_CSUM_MASK		0x3fc	/* bounds a chunk for the verifier */
/* Three chunks, the last one read as far as the mask lets it reach. */
#define REJ_QUOTE_BUF		(2 * REJ_CSUM_CHUNK + REJ_CSUM_MASK + 4)
#define REJ_TTL			64
#define REJ_RATE_DEFAULT	1000	/* POL_REJECT_RATE_DEFAULT, for a policy without one */
#define REJ_TC_SHOT		2	/* TC_ACT_SHOT: uapi defines, not in BTF */

#define ICMP_UNREACH_		3
#define ICMP_PORT_UNREACH_	3
#define ICMPV6_UNREACH_		1
#define ICMPV6_PORT_UNREACH_	4

/* The answer's new headers and a copy of the quote (to checksum it), per
 * CPU: far more than the 512-byte stack holds. */
struct reject_buf {
	__u8	l2[24];			/* the frame's L2 header, MACs swapped */
	__u8	hdr[64];		/* IP header + TCP or ICMP header */
	__u8	quote[REJ_QUOTE_BUF];	/* the offending IP packet, for the ICMP sum */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct reject_buf);
} ward_reject_buf WARD_MAP;

/* One bucket for every CPU: the lock is taken only by rejected packets. */
struct reject_bucket {
	struct bpf_spin_lock lock;
	__u32	tokens;
	__u64	last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct reject_bucket);
} ward_reject_bucket WARD_MAP;

/* How the answer is laid out. */
/* 64-bit fields: clang range-checks a 32-bit one through a zero-extending
 * shift pair, and the verifier then loses its bounds (clang 14). */
struct reject_plan {
	__u64	l2;	/* L2 header bytes (kept, MACs swapped) */
	__u64	hlen;	/* new IP header + TCP or ICMP header */
	__u64	grow;	/* bytes put in front of the offending IP packet (ICMP) */
	__u64	quote;	/* bytes of it quoted (ICMP); 0 for a RST */
	__u64	len;	/* the answer's frame length */
};

static __always_inline bool rej_addr_answerable(const struct packet *p)
{
	if (p->family == WARD_FAM_V4) {
		__u32 s = bpf_ntohl(p->src[0]), d = bpf_ntohl(p->dst[0]);

		/* 224/4 multicast and 240/4 up to the limited broadcast */
		if (d >> 28 >= 0xe || s >> 28 >= 0xe || !s || s >> 24 == 127)
			return false;
		return true;
	}
	if ((bpf_ntohl(p->dst[0]) >> 24) == 0xff || (bpf_ntohl(p->src[0]) >> 24) == 0xff)
		return false;
	return p->src[0] | p->src[1] | p->src[2] | p->src[3];
}

/* May this packet be answered at all? dmac: its destination MAC. */
static __always_inline bool rej_answerable(const struct packet *p, const __u8 *dmac)
{
	if (p->fragment || (dmac[0] & 1) || !rej_addr_answerable(p))
		return false;
	switch (p->proto) {
	case IPPROTO_TCP_:
		return p->l4 && !(p->tcp_flags & TCPF_RST);
	case IPPROTO_ICMP_:
		return p->l4 && !icmp_type_is_error(p->proto, p->icmp_type);
	case IPPROTO_ICMPV6_:
		/* Types below 128 are all errors (RFC 4443 2.1). */
		return p->l4 && p->icmp_type >= 128;
	}
	return true;
}

static __always_inline int rej_plan(const struct packet *p, struct reject_plan *pl)
{
	__u64 ip = p->family == WARD_FAM_V4 ? 20 : 40;
	__u64 q;

	pl->l2 = p->l3_off;
	if (pl->l2 < REJ_L2_MIN || pl->l2 > REJ_L2_MAX)
		return -1;
	if (p->proto == IPPROTO_TCP_) {
		pl->hlen = ip + 20;
		pl->grow = 0;
		pl->quote = 0;
	} else {
		q = p->l3_len;
		if (q > (p->family == WARD_FAM_V4 ? REJ_QUOTE_V4 : REJ_QUOTE_V6))
			q = p->family == WARD_FAM_V4 ? REJ_QUOTE_V4 : REJ_QUOTE_V6;
		q &= ~3ULL;
		if (q < 20)
			return -1;
		pl->hlen = ip + 8;
		pl->grow = pl->hlen;
		pl->quote = q;
	}
	pl->len = pl->l2 + pl->hlen + pl->quote;
	return 0;
}

/* Takes one answer from the bucket; false when it is empty. */
static __always_inline bool rej_take(void)
{
	struct reject_bucket *b;
	struct ward_policy_hdr *hdr;
	struct ward_state *st;
	__u32 zero = 0, rate = REJ_RATE_DEFAULT, slot;
	__u64 now;
	bool ok;

	st = bpf_map_lookup_elem(&ward_state, &zero);
	if (st) {
		slot = st->active_slot & 1;
		hdr = bpf_map_lookup_elem(&ward_policy, &slot);
		if (hdr && hdr->reject_rate)
			rate = hdr->reject_rate;
	}
	if (rate > 1000000)
		rate = 1000000;
	b = bpf_map_lookup_elem(&ward_reject_bucket, &zero);
	if (!b)
		return false;
	now = bpf_ktime_get_ns();
	bpf_spin_lock(&b->lock);
	bucket_refill(&b->tokens, &b->last_ns, rate, now);
	ok = b->tokens > 0;
	if (ok)
		b->tokens--;
	bpf_spin_unlock(&b->lock);
	return ok;
}

/*
 * Whether and how to answer; counts the packets that will not be. Returns
 * the scratch buffer to build in, or NULL: then the caller just drops.
 */
static __always_inline struct reject_buf *reject_prepare(const struct packet *p, void *data,
							 void *data_end, struct reject_plan *pl)
{
	struct ethhdr *eth = data;
	struct reject_buf *b;
	__u32 zero = 0;

	if ((void *)(eth + 1) > data_end || !rej_answerable(p, eth->h_dest) || rej_plan(p, pl))
		goto skip;
	b = bpf_map_lookup_elem(&ward_reject_buf, &zero);
	if (!b)
		goto skip;
	/* Hide what clang knows of the plan and check it again here: else it
	 * hands the helpers a copy of l3_off from before rej_plan()'s checks,
	 * which the verifier knows only as 0..65535 (clang 14). */
	barrier_var(pl->l2);
	barrier_var(pl->hlen);
	barrier_var(pl->quote);
	if (pl->l2 < REJ_L2_MIN || pl->l2 > REJ_L2_MAX || pl->hlen < 28 || pl->hlen > 60 ||
	    pl->quote > REJ_QUOTE_V6)
		goto skip;
	if (!rej_take()) {
		count(WARD_CNT_REJECT_LIMITED);
		return NULL;
	}
	return b;
skip:
	count(WARD_CNT_REJECT_SKIPPED);
	return NULL;
}

static __always_inline __u16 rej_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The one's complement sum (unfolded) of len bytes, len a multiple of 4
 * up to REJ_CSUM_CHUNK. The mask is for the verifier: it keeps every such
 * len and bounds any other, without a branch clang could fold away. */
static __always_inline __u64 rej_sum(void *buf, __u64 len)
{
	__s64 s = bpf_csum_diff(NULL, 0, buf, len & REJ_CSUM_MASK, 0);

	return s < 0 ? 0 : (__u32)s;
}

/* The quote's sum, 512 bytes at a time: bpf_csum_diff() takes no more. */
static __always_inline __u64 rej_quote_sum(struct reject_buf *b, __u64 q)
{
	__u64 sum = 0;
	__u32 i;

#pragma unroll
	for (i = 0; i < 3; i++) {
		__u64 off = i * REJ_CSUM_CHUNK;

		if (q <= off)
			break;
		sum += rej_sum(b->quote + off, q - off > REJ_CSUM_CHUNK ? REJ_CSUM_CHUNK : q - off);
	}
	return sum;
}

/* The pseudo-header's protocol and length words (RFC 793, RFC 8200 8.1):
 * in one's complement they add up the same for IPv4 and IPv6. */
static __always_inline __u64 rej_pseudo(__u8 proto, __u32 len)
{
	return bpf_htonl((__u32)proto << 16 | len);
}

static __always_inline void rej_swap_macs(struct reject_buf *b)
{
	__u8 mac[6];

	__builtin_memcpy(mac, b->l2, 6);
	__builtin_memcpy(b->l2, b->l2 + 6, 6);
	__builtin_memcpy(b->l2 + 6, mac, 6);
}

/* The new IP header at hdr[0]; returns the sum of its address words. */
static __always_inline __u64 rej_ip(struct reject_buf *b, const struct packet *p, __u8 proto,
				    __u32 l4len)
{
	if (p->family == WARD_FAM_V4) {
		struct iphdr *ip = (void *)b->hdr;

		__builtin_memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = bpf_htons(20 + l4len);
		ip->ttl = REJ_TTL;
		ip->protocol = proto;
		ip->saddr = p->dst[0];
		ip->daddr = p->src[0];
		ip->check = rej_fold(rej_sum(ip, 20));
		return rej_sum(&ip->saddr, 8);
	} else {
		struct ipv6hdr *ip6 = (void *)b->hdr;

		__builtin_memset(ip6, 0, sizeof(*ip6));
		ip6->version = 6;
		ip6->payload_len = bpf_htons(l4len);
		ip6->nexthdr = proto;
		ip6->hop_limit = REJ_TTL;
		__builtin_memcpy(&ip6->saddr, p->dst, 16);
		__builtin_memcpy(&ip6->daddr, p->src, 16);
		return rej_sum(&ip6->saddr, 32);
	}
}

static __always_inline void rej_tcp(struct reject_buf *b, const struct packet *p, __u32 off)
{
	__u8 *th = b->hdr + off;
	__u64 sum;

	sum = rej_ip(b, p, IPPROTO_TCP_, 20);
	__builtin_memset(th, 0, 20);
	*(__be16 *)th = p->dport;
	*(__be16 *)(th + 2) = p->sport;
	th[12] = 5 << 4;			/* data offset: no options */
	if (p->tcp_flags & TCPF_ACK) {
		*(__be32 *)(th + 4) = bpf_htonl(p->ack);
		th[13] = TCPF_RST;
	} else {
		__u32 len = p->payload_len + !!(p->tcp_flags & TCPF_SYN) +
			    !!(p->tcp_flags & TCPF_FIN);

		*(__be32 *)(th + 8) = bpf_htonl(p->seq + len);
		th[13] = TCPF_RST | TCPF_ACK;
	}
	sum += rej_sum(th, 20) + rej_pseudo(IPPROTO_TCP_, 20);
	*(__u16 *)(th + 16) = rej_fold(sum);
}

static __always_inline void rej_icmp(struct reject_buf *b, const struct packet *p, __u32 off,
				     __u32 quote)
{
	__u8 *ih = b->hdr + off;
	__u64 sum;

	if (p->family == WARD_FAM_V4) {
		rej_ip(b, p, IPPROTO_ICMP_, 8 + quote);
		__builtin_memset(ih, 0, 8);
		ih[0] = ICMP_UNREACH_;
		ih[1] = ICMP_PORT_UNREACH_;
		sum = 0;
	} else {
		sum = rej_ip(b, p, IPPROTO_ICMPV6_, 8 + quote);
		__builtin_memset(ih, 0, 8);
		ih[0] = ICMPV6_UNREACH_;
		ih[1] = ICMPV6_PORT_UNREACH_;
		sum += rej_pseudo(IPPROTO_ICMPV6_, 8 + quote);
	}
	sum += rej_sum(ih, 8) + rej_quote_sum(b, quote);
	*(__u16 *)(ih + 2) = rej_fold(sum);
}

/* Fills b->l2 (already loaded) and b->hdr with the answer's headers. */
static __always_inline void reject_build(struct reject_buf *b, const struct packet *p,
					 const struct reject_plan *pl)
{
	rej_swap_macs(b);
	if (p->family == WARD_FAM_V4) {
		if (p->proto == IPPROTO_TCP_)
			rej_tcp(b, p, 20);
		else
			rej_icmp(b, p, 20, pl->quote);
	} else {
		if (p->proto == IPPROTO_TCP_)
			rej_tcp(b, p, 40);
		else
			rej_icmp(b, p, 40, pl->quote);
	}
}

/* A subprogram of its own: its stack is then not added to that of the
 * decision stages (the two never nest), which together passed 512 bytes.
 * Each entry file uses one of the two hooks' versions. */
#define REJ_SUBPROG	static __noinline __attribute__((unused))

/* XDP: rewrite the frame in place and send it back out the same link. */
REJ_SUBPROG int reject_xdp(struct xdp_md *ctx, const struct packet *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct reject_plan pl;
	struct reject_buf *b;

	b = reject_prepare(p, data, data_end, &pl);
	if (!b)
		return XDP_DROP;
	if (bpf_xdp_load_bytes(ctx, 0, b->l2, pl.l2))
		goto fail;
	if (pl.quote && bpf_xdp_load_bytes(ctx, pl.l2, b->quote, pl.quote))
		goto fail;
	reject_build(b, p, &pl);
	/* The ICMP headers go in front of the quote, which stays where it
	 * is: room at the head, where the L2 header is then written anew. */
	if (pl.grow && bpf_xdp_adjust_head(ctx, -(int)pl.grow))
		goto fail;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (bpf_xdp_adjust_tail(ctx, (int)pl.len - (int)(data_end - data)))
		goto fail;
	if (bpf_xdp_store_bytes(ctx, 0, b->l2, pl.l2) ||
	    bpf_xdp_store_bytes(ctx, pl.l2, b->hdr, pl.hlen))
		goto fail;
	count(WARD_CNT_REJECT_SENT);
	return XDP_TX;
fail:
	count(WARD_CNT_REJECT_SKIPPED);
	return XDP_DROP;
}

/*
 * tc: the same on the skb, redirected out of the link it came in on.
 * XXX: an skb that crossed a veth may still be CHECKSUM_PARTIAL (its
 * sender left the L4 sum to "hardware"); there is no helper to clear that.
 * The answer carries complete, correct sums and a veth peer does not
 * recompute them, but a real NIC behind a tc hook could: such skbs come
 * from local senders and veths, not from NICs, so it does not arise there.
 */
REJ_SUBPROG int reject_tc(struct __sk_buff *skb, const struct packet *p)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct reject_plan pl;
	struct reject_buf *b;

	b = reject_prepare(p, data, data_end, &pl);
	if (!b)
		return REJ_TC_SHOT;
	if (bpf_skb_load_bytes(skb, 0, b->l2, pl.l2))
		goto fail;
	if (pl.quote && bpf_skb_load_bytes(skb, pl.l2, b->quote, pl.quote))
		goto fail;
	reject_build(b, p, &pl);
	if (pl.grow && bpf_skb_change_head(skb, pl.grow, 0))
		goto fail;
	if (bpf_skb_change_tail(skb, pl.len, 0))
		goto fail;
	if (bpf_skb_store_bytes(skb, 0, b->l2, pl.l2, 0) ||
	    bpf_skb_store_bytes(skb, pl.l2, b->hdr, pl.hlen, 0))
		goto fail;
	count(WARD_CNT_REJECT_SENT);
	return bpf_redirect(skb->ifindex, 0);
fail:
	count(WARD_CNT_REJECT_SKIPPED);
	return REJ_TC_SHOT;
}

#endif /* WARD_BPF_REJECT_H */
