/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/path.h: the packet path, written once for every hook.
 *
 * parse -> classify -> verdict, with the counting in one place. The entry
 * files (xdp.bpf.c, tc.bpf.c) only turn their context into (data, data_end,
 * length, ifindex) and WARD_PASS/WARD_DROP into their own return codes.
 */
#ifndef WARD_BPF_PATH_H
#define WARD_BPF_PATH_H

#include "maps.h"
#include "parse.h"
#include "classify.h"

#define WARD_PASS	0
#define WARD_DROP	1

#define ICMPV6_ND_FIRST	133	/* router solicitation */
#define ICMPV6_ND_LAST	137	/* redirect */

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&ward_counters, &idx);

	if (c)
		*c += 1;
}

static __always_inline void count_rule(__u32 stat, __u32 len)
{
	struct ward_stat *s = bpf_map_lookup_elem(&ward_rule_stats, &stat);

	if (s) {
		s->packets++;
		s->bytes += len;
	}
}

static __always_inline int drop(__u32 reason)
{
	count(reason);
	return WARD_DROP;
}

static __always_inline int ward_decide(void *data, void *data_end, __u32 pkt_len,
				       __u32 ifindex)
{
	struct ward_iface no_iface = {};
	struct ward_iface_key ik = { .ifindex = ifindex };
	struct ward_policy_hdr *hdr;
	struct ward_state *state;
	struct ward_iface *ifc;
	struct ward_rule *rule;
	struct packet p = {};
	__u32 zero = 0, slot, idx, stat, reason;
	__u8 action, flags;
	int ret;

	ret = parse_packet(data, data_end, pkt_len, &p);
	if (ret == WARD_CNT_PASS_NON_IP) {
		count(ret);
		return WARD_PASS;
	}
	if (ret != WARD_CONTINUE)
		return drop(ret);

	/* Without neighbour discovery IPv6 stops working altogether; a
	 * firewall that breaks it by default is one nobody keeps. */
	if (p.proto == IPPROTO_ICMPV6_ && p.l4 &&
	    p.icmp_type >= ICMPV6_ND_FIRST && p.icmp_type <= ICMPV6_ND_LAST) {
		count(WARD_CNT_PASS_ND);
		return WARD_PASS;
	}
	if (p.fragment)
		count(WARD_CNT_FRAGMENT);

	/* Fail closed: with no state or policy there is nothing to allow. */
	state = bpf_map_lookup_elem(&ward_state, &zero);
	if (!state)
		return drop(WARD_CNT_DROP_INTERNAL);
	slot = state->active_slot & 1;
	hdr = bpf_map_lookup_elem(&ward_policy, &slot);
	if (!hdr)
		return drop(WARD_CNT_DROP_INTERNAL);
	ik.slot = slot;
	ifc = bpf_map_lookup_elem(&ward_ifaces, &ik);
	if (!ifc)
		ifc = &no_iface;

	idx = classify(hdr, slot, &p, ifc);
	if (idx == WARD_NO_RULE) {
		action = hdr->default_action;
		flags = hdr->flags;
		stat = WARD_STAT_DEFAULT;
		reason = WARD_CNT_DROP_POLICY;
	} else {
		idx += slot * WARD_MAX_RULES;
		rule = bpf_map_lookup_elem(&ward_rules, &idx);
		if (!rule)
			return drop(WARD_CNT_DROP_INTERNAL);
		action = rule->action;
		flags = rule->flags | hdr->flags;
		stat = rule->stat;
		reason = WARD_CNT_DROP_RULE;
	}
	count_rule(stat, pkt_len);

	if (action == WARD_ACT_ACCEPT) {
		count(WARD_CNT_ACCEPT);
		return WARD_PASS;
	}
	/* Anything but accept drops, so a zeroed or unknown action fails closed. */
	if (flags & WARD_RF_DRY_RUN) {
		count(WARD_CNT_WOULD_DROP);
		return WARD_PASS;
	}
	return drop(reason);
}

#endif /* WARD_BPF_PATH_H */
