/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/pkt.h: a packet builder for the BPF unit test.
 *
 * A test row describes a frame (struct pkt_desc): VLAN tags, IPv4 or IPv6
 * with options, extension headers and fragments, an L4 header and payload,
 * then patches (struct pkt_patch) and a cut that make it malformed on
 * purpose. pkt_build() lays it out with every length field consistent, so a
 * row only says what it breaks. The TCP fields (tcp_set and after) let a
 * test play both ends of a conversation. Only tests/bpf/ includes it.
 */
#ifndef WARD_TEST_PKT_H
#define WARD_TEST_PKT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#define PKT_MAX		3072	/* XDP test_run takes up to a page minus head/tailroom */

#define P_HOPOPTS	0
#define P_ICMP		1
#define P_TCP		6
#define P_UDP		17
#define P_ROUTING	43
#define P_FRAGMENT	44
#define P_GRE		47
#define P_ESP		50
#define P_AH		51
#define P_ICMP6		58
#define P_NONE		59
#define P_DSTOPTS	60
#define P_SCTP		132

#define ETH_IP		0x0800
#define ETH_ARP		0x0806
#define ETH_IP6		0x86dd
#define ETH_8021Q	0x8100
#define ETH_8021AD	0x88a8
#define ETH_LLDP	0x88cc

#define IP4_MF		0x2000	/* in the IPv4 flags+offset field */
#define IP6_MF		0x0001	/* in the IPv6 fragment header's offset field */
#define IP4_FRAG_OFF(bytes)	((bytes) / 8)
#define IP6_FRAG_OFF(bytes)	(((bytes) / 8) << 3)

/* Where a patch or a cut is measured from. 0 means "none". */
#define PKT_AT_L2	1
#define PKT_AT_L3	2
#define PKT_AT_L4	3

#define PKT_SET8	1
#define PKT_SET16	2	/* big endian */
#define PKT_ADD16	3	/* big endian, added to what the builder wrote */

struct pkt_patch {
	__u8	at;		/* PKT_AT_*; 0 ends the list */
	__u8	op;		/* PKT_SET8, PKT_SET16, PKT_ADD16 */
	__u16	off;		/* from the start of that layer */
	int	val;
};

#define PKT_PATCHES	3

/* Patches the builder's fixed fields: IPv6 hop limit (it writes 64), UDP
 * length (it writes 8 + payload, as an unfragmented datagram has). */
#define PKT_IP6_HOPS(n)		{ PKT_AT_L3, PKT_SET8, 7, (n) }
#define PKT_UDP_LEN(n)		{ PKT_AT_L4, PKT_SET16, 4, (n) }

struct pkt_desc {
	__u16	tags[4];	/* TPIDs of VLAN tags, outermost first; 0 ends */
	__u16	ethertype;	/* 0: IPv4/IPv6 from family */
	__u8	family;		/* 4, 6, or 0 for a non-IP frame of payload bytes */
	const char *src;	/* NULL: 192.0.2.1 / 2001:db8::1 */
	const char *dst;	/* NULL: 198.51.100.1 / 2001:db8::2 */
	__u8	proto;		/* L4 protocol, after any extension headers */
	__u16	sport;		/* 0: 40000 */
	__u16	dport;
	__u8	icmp_type;
	__u8	ip4_opts;	/* IPv4 option words: IHL = 5 + ip4_opts */
	__u16	ip4_frag;	/* IPv4 flags + fragment offset field, host order */
	/*
	 * IPv6 extension headers in order, one letter each: h hop-by-hop,
	 * d destination options, r routing, f fragment, a AH (all 8 bytes but
	 * AH, 16), H a 1048-byte hop-by-hop.
	 */
	const char *ext;
	__u16	ip6_frag;	/* fragment header's offset field: IP6_FRAG_OFF(n) | IP6_MF */
	__u8	tcp_opts;	/* TCP option words: doff = 5 + tcp_opts */
	__u16	payload;	/* bytes after the L4 header */
	__u16	pad_to;		/* pad the frame with zeros to this length */
	struct pkt_patch patch[PKT_PATCHES];
	__u8	cut_at;		/* PKT_AT_*: end the frame cut_off bytes into that layer */
	__u16	cut_off;
	bool	cut_fix;	/* after the cut, make the IP length fields agree with it */
	/*
	 * TCP as a conversation needs it. Without tcp_set the header is a
	 * SYN with seq 1 and window 65535; with it, these are written as
	 * given (tcp_flags 0 is a segment with no flags at all).
	 */
	bool	tcp_set;
	__u8	tcp_flags;	/* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	__u32	seq;
	__u32	ack;
	__u16	win;
	bool	has_wscale;	/* a window scale option: one more option word */
	__u8	wscale;
	const __u8 *payload_data;	/* payload bytes; NULL: a 0xa0, 0xa1... pattern */
	__u32	frag_id;	/* 0: 0x4242 (IPv4), 0x77 (IPv6 fragment header) */
	__u16	icmp_id;	/* echo identifier; 0: 0x1234 */
	bool	bad_l4sum;	/* TCP: a wrong checksum (else it is right) */
	bool	partial_l4sum;	/* TCP: the pseudo header's sum only, as a local
				 * sender leaves it for offload (CHECKSUM_PARTIAL) */
};

struct pkt {
	__u8	data[PKT_MAX];
	__u32	len;
	__u32	l3;		/* offsets in data */
	__u32	l4;
};

static inline void pkt_put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void pkt_put32(__u8 *p, __u32 v)
{
	pkt_put16(p, (__u16)(v >> 16));
	pkt_put16(p + 2, (__u16)v);
}

static inline __u16 pkt_get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static inline __u16 pkt_csum(const __u8 *p, size_t len)
{
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += pkt_get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static inline int pkt_addr(int family, const char *s, const char *dflt, __u8 *out)
{
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, s ? s : dflt, out) != 1) {
		fprintf(stderr, "pkt: bad address '%s'\n", s ? s : dflt);
		return -1;
	}
	return 0;
}

/* Writes the L4 header and payload at p; returns its length. */
static inline __u32 pkt_l4(const struct pkt_desc *d, __u8 *p)
{
	__u16 sport = d->sport ? d->sport : 40000;
	__u32 hl, i;

	switch (d->proto) {
	case P_TCP:
		hl = 20 + 4 * (d->tcp_opts + d->has_wscale);
		pkt_put16(p, sport);
		pkt_put16(p + 2, d->dport);
		p[12] = (__u8)((hl / 4) << 4);
		memset(p + 20, 0x01, hl - 20);	/* NOP options */
		if (d->tcp_set) {
			pkt_put32(p + 4, d->seq);
			pkt_put32(p + 8, d->ack);
			p[13] = d->tcp_flags;
			pkt_put16(p + 14, d->win);
		} else {
			p[7] = 1;		/* seq */
			p[13] = 0x02;		/* SYN */
			pkt_put16(p + 14, 65535);
		}
		if (d->has_wscale) {		/* NOP, kind 3, length 3, shift */
			p[21] = 3;
			p[22] = 3;
			p[23] = d->wscale;
		}
		break;
	case P_UDP:
		hl = 8;
		pkt_put16(p, sport);
		pkt_put16(p + 2, d->dport);
		pkt_put16(p + 4, (__u16)(8 + d->payload));
		break;
	case P_SCTP:
		hl = 12;
		pkt_put16(p, sport);
		pkt_put16(p + 2, d->dport);
		p[7] = 0x42;			/* verification tag */
		break;
	case P_ICMP:
	case P_ICMP6:
		hl = 8;
		p[0] = d->icmp_type;
		pkt_put16(p + 4, d->icmp_id ? d->icmp_id : 0x1234);	/* identifier */
		pkt_put16(p + 6, 1);		/* sequence */
		break;
	default:
		hl = 0;
		break;
	}
	if (d->payload_data)
		memcpy(p + hl, d->payload_data, d->payload);
	else
		for (i = 0; i < d->payload; i++)
			p[hl + i] = (__u8)(0xa0 + i);
	return hl + d->payload;
}

static inline void pkt_patch(struct pkt *k, const struct pkt_patch *pt)
{
	__u32 base = pt->at == PKT_AT_L2 ? 0 : pt->at == PKT_AT_L3 ? k->l3 : k->l4;
	__u8 *p = k->data + base + pt->off;

	switch (pt->op) {
	case PKT_SET8:
		*p = (__u8)pt->val;
		break;
	case PKT_SET16:
		pkt_put16(p, (__u16)pt->val);
		break;
	case PKT_ADD16:
		pkt_put16(p, (__u16)(pkt_get16(p) + pt->val));
		break;
	}
}

/* Writes the pseudo header of an L4 segment of len bytes in the IP packet
 * at ip (RFC 9293 3.1, RFC 8200 8.1) to buf; returns its length. */
static inline __u32 pkt_pseudo(__u8 *buf, int family, const __u8 *ip, __u32 len, __u8 proto)
{
	memset(buf, 0, 40);
	if (family == 4) {
		memcpy(buf, ip + 12, 8);
		buf[9] = proto;
		pkt_put16(buf + 10, (__u16)len);
		return 12;
	}
	memcpy(buf, ip + 8, 32);
	pkt_put32(buf + 32, len);
	buf[39] = proto;
	return 40;
}

/* The checksum over the pseudo header and the L4 bytes as they are: 0 when
 * the segment's checksum is right. */
static inline __u16 pkt_l4_csum(int family, const __u8 *ip, const __u8 *l4, __u32 len, __u8 proto)
{
	__u8 buf[PKT_MAX + 1200];
	__u32 n;

	if (len + 40 > sizeof(buf))
		return 0xffff;
	n = pkt_pseudo(buf, family, ip, len, proto);
	memcpy(buf + n, l4, len);
	return pkt_csum(buf, n + len);
}

/*
 * Writes the TCP checksum of the segment at l4 (len bytes) in the IP packet
 * at ip; partial: the pseudo header's sum alone, as a local sender leaves it
 * for offload (CHECKSUM_PARTIAL). The data plane verifies it on segments
 * that open or change a flow.
 */
static inline void pkt_tcp_sum(__u8 *ip, int family, __u8 *l4, __u32 len, bool partial)
{
	__u8 buf[40];
	__u16 sum;

	if (len < 18)
		return;
	pkt_put16(l4 + 16, 0);
	if (partial)
		sum = (__u16)~pkt_csum(buf, pkt_pseudo(buf, family, ip, len, P_TCP));
	else
		sum = pkt_l4_csum(family, ip, l4, len, P_TCP);
	pkt_put16(l4 + 16, sum);
}

static inline void pkt_tcp_csum(struct pkt *k, int family, bool bad, bool partial)
{
	__u8 *l4 = k->data + k->l4;

	if (k->l4 + 18 > k->len)
		return;
	pkt_tcp_sum(k->data + k->l3, family, l4, k->len - k->l4, partial);
	if (bad)
		pkt_put16(l4 + 16, pkt_get16(l4 + 16) ^ 0x5555);
}

/*
 * Lays out d in k. Returns 0, or -1 on a bad description (a test bug, not a
 * data plane one).
 */
static inline int pkt_build(const struct pkt_desc *d, struct pkt *k)
{
	static const __u8 eth_addrs[12] = {
		0x02, 0, 0, 0, 0, 0x02,		/* dst */
		0x02, 0, 0, 0, 0, 0x01,		/* src */
	};
	__u8 *p = k->data;
	__u32 off = 12, i;
	__u16 etype;

	memset(k, 0, sizeof(*k));
	memcpy(p, eth_addrs, sizeof(eth_addrs));
	for (i = 0; i < 4 && d->tags[i]; i++) {
		pkt_put16(p + off, d->tags[i]);
		pkt_put16(p + off + 2, (__u16)(100 + i));	/* VID */
		off += 4;
	}
	etype = d->ethertype ? d->ethertype :
		d->family == 4 ? ETH_IP : d->family == 6 ? ETH_IP6 : 0;
	pkt_put16(p + off, etype);
	off += 2;
	k->l3 = off;

	if (d->family == 4) {
		__u32 hl = 20 + 4 * d->ip4_opts;

		k->l4 = off + hl;
		p[off] = (__u8)(0x40 | (hl / 4));
		pkt_put16(p + off + 4, (__u16)(d->frag_id ? d->frag_id : 0x4242));	/* id */
		pkt_put16(p + off + 6, d->ip4_frag);
		p[off + 8] = 64;
		p[off + 9] = d->proto;
		if (pkt_addr(4, d->src, "192.0.2.1", p + off + 12) ||
		    pkt_addr(4, d->dst, "198.51.100.1", p + off + 16))
			return -1;
		memset(p + off + 20, 0x01, hl - 20);	/* NOP options */
		k->len = k->l4 + pkt_l4(d, p + k->l4);
		pkt_put16(p + off + 2, (__u16)(k->len - off));
		pkt_put16(p + off + 10, pkt_csum(p + off, hl));
	} else if (d->family == 6) {
		const char *e = d->ext ? d->ext : "";
		__u8 *nh = p + off + 6;
		__u32 o = off + 40;

		p[off] = 0x60;
		p[off + 7] = 64;
		if (pkt_addr(6, d->src, "2001:db8::1", p + off + 8) ||
		    pkt_addr(6, d->dst, "2001:db8::2", p + off + 24))
			return -1;
		for (; *e; e++) {
			__u32 len = 8;

			switch (*e) {
			case 'h':
			case 'H':
				*nh = P_HOPOPTS;
				break;
			case 'd':
				*nh = P_DSTOPTS;
				break;
			case 'r':
				*nh = P_ROUTING;
				break;
			case 'f':
				*nh = P_FRAGMENT;
				break;
			case 'a':
				*nh = P_AH;
				break;
			default:
				fprintf(stderr, "pkt: bad extension header '%c'\n", *e);
				return -1;
			}
			if (*e == 'H')
				len = 131 * 8;
			if (*e == 'a')
				len = 16;
			if (o + len + 64 > PKT_MAX) {
				fprintf(stderr, "pkt: extension headers too long\n");
				return -1;
			}
			nh = p + o;
			if (*e == 'f') {
				pkt_put16(p + o + 2, d->ip6_frag);
				pkt_put32(p + o + 4, d->frag_id ? d->frag_id : 0x77);	/* identification */
			} else if (*e == 'a') {
				p[o + 1] = (__u8)(len / 4 - 2);
				p[o + 7] = 0x99;	/* SPI */
			} else {
				p[o + 1] = (__u8)(len / 8 - 1);
				/* One PadN fills the rest; H is all Pad1 (zeros). */
				if (*e == 'h' || *e == 'd') {
					p[o + 2] = 1;
					p[o + 3] = (__u8)(len - 4);
				}
			}
			o += len;
		}
		*nh = d->proto;
		k->l4 = o;
		k->len = o + pkt_l4(d, p + o);
		pkt_put16(p + off + 4, (__u16)(k->len - off - 40));
	} else {
		/* Not IP: payload bytes after the ethertype (ARP, LLDP...). */
		k->l4 = off;
		for (i = 0; i < d->payload; i++)
			p[off + i] = (__u8)i;
		k->len = off + d->payload;
	}

	for (i = 0; i < PKT_PATCHES && d->patch[i].at; i++)
		pkt_patch(k, &d->patch[i]);
	if (d->proto == P_TCP && (d->family == 4 || d->family == 6))
		pkt_tcp_csum(k, d->family, d->bad_l4sum, d->partial_l4sum);
	if (d->cut_at) {
		__u32 base = d->cut_at == PKT_AT_L2 ? 0 : d->cut_at == PKT_AT_L3 ? k->l3 : k->l4;

		k->len = base + d->cut_off;
		if (d->cut_fix && d->family == 4)
			pkt_put16(p + k->l3 + 2, (__u16)(k->len - k->l3));
		if (d->cut_fix && d->family == 6)
			pkt_put16(p + k->l3 + 4, (__u16)(k->len - k->l3 - 40));
	}
	if (d->pad_to > k->len)
		k->len = d->pad_to;	/* data[] is zeroed */
	return 0;
}

#endif /* WARD_TEST_PKT_H */
