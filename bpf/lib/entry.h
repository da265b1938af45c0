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

/* Defined in bpf/path.bpf.c; joined by bpftool's static linker. */
extern int ward_decide_ingress(struct packet *p, __u32 pkt_len, __u32 ifindex);
extern int ward_track_egress(struct packet *p, __u32 pkt_len, __u32 in_ifindex);

/* p: the parsed packet, left to the caller to answer a WARD_REJECT with. */
static __always_inline int ward_ingress(struct packet *p, void *data, void *data_end,
					__u32 pkt_len, __u32 ifindex)
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

	/* Without neighbour discovery IPv6 stops working altogether; a
	 * firewall that breaks it by default is one nobody keeps. */
	if (p->family == WARD_FAM_V6 && p->proto == IPPROTO_ICMPV6_ && p->l4 &&
	    p->icmp_type >= ICMPV6_ND_FIRST && p->icmp_type <= ICMPV6_ND_LAST) {
		count(WARD_CNT_PASS_ND);
		return WARD_PASS;
	}
	return ward_decide_ingress(p, pkt_len, ifindex);
}

static __always_inline void ward_egress(void *data, void *data_end, __u32 pkt_len,
					__u32 in_ifindex)
{
	struct packet p = {};

	if (parse_packet(data, data_end, pkt_len, &p) == WARD_CONTINUE)
		ward_track_egress(&p, pkt_len, in_ifindex);
}

#endif /* WARD_BPF_ENTRY_H */
