/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/xlate.h: what the decision stages (bpf/path.bpf.c) tell the
 * entry point to do to a packet they passed: NAT rewrites and the fast
 * path's redirect. The stages see a parsed struct packet, never the packet
 * itself, so the result travels in a per-CPU record; the entry points apply
 * it (bpf/lib/nat_apply.h). Included by entry.h, events.h and nat.h.
 */
#ifndef WARD_BPF_XLATE_H
#define WARD_BPF_XLATE_H

#include "maps.h"

/* Return flag of the decision stages: read the record. */
#define WARD_XLATE	4	/* a flag: WARD_REJECT is 2 */

/* xlate.flags */
#define XL_SADDR	(1 << 0)	/* outer source address := src */
#define XL_DADDR	(1 << 1)	/* outer destination address := dst */
#define XL_SPORT	(1 << 2)	/* TCP/UDP source port := sport */
#define XL_DPORT	(1 << 3)	/* TCP/UDP destination port := dport */
#define XL_ID		(1 << 4)	/* ICMP echo identifier := sport */
#define XL_INNER	(1 << 5)	/* ICMP error: the quoted packet := in_* */
#define XL_FWD		(1 << 6)	/* redirect to ifindex with smac/dmac, TTL - 1 */
#define XL_REPLY	(1 << 7)	/* the packet came in on a binding's reply side */
#define XL_NOFLOW	(1 << 8)	/* the kernel answers it (TTL): open no flow */

struct xlate {
	__u32	flags;
	__u32	ifindex;	/* XL_FWD */
	__be32	src;
	__be32	dst;
	__be16	sport;
	__be16	dport;
	__be32	in_src;		/* XL_INNER: the quoted packet's addresses ... */
	__be32	in_dst;
	__be16	in_sport;	/* ... and ports (ICMP echo: identifier in in_sport) */
	__be16	in_dport;
	__u16	l3_off;
	__u16	l4_off;
	__u8	smac[6];
	__u8	dmac[6];
	/* For the flow log record of a first packet. */
	__be32	log_addr;
	__be16	log_port;
	__u8	log_nat;	/* WARD_EV_NAT_* */
	__u8	pad;
};

/* Per-CPU: softirq does not nest on one CPU, and the record lives from the
 * decision to the rewrite of the same packet. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlate);
} ward_xlate WARD_MAP;

static __always_inline struct xlate *xlate_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ward_xlate, &zero);
}

/*
 * The flow log record of a translated first packet names the translation.
 * Source NAT: log_* is the new source. A port forward: the rules saw the
 * packet with its new destination, and log_* is the one it came with.
 */
static __always_inline void xlate_event(struct ward_event *ev)
{
	struct xlate *xl = xlate_get();

	if (!xl || !xl->log_nat)
		return;
	ev->nat = xl->log_nat;
	if (xl->log_nat == WARD_EV_NAT_DST) {
		ev->nat_addr = ev->dst[0];
		ev->nat_port = ev->dport;
		ev->dst[0] = xl->log_addr;
		ev->dport = xl->log_port;
		return;
	}
	ev->nat_addr = xl->log_addr;
	ev->nat_port = xl->log_port;
}

#endif /* WARD_BPF_XLATE_H */
