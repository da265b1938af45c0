/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/prefilter.h: stateless drops decided before anything stateful.
 *
 * The compiler (src/lib/compile/compile_prefilter.c) puts here the drop
 * rules that decide every packet they match: by source prefix alone
 * (ward_pf_src, an LPM trie) or by protocol and destination port alone
 * (ward_pf_port), with no log, rate, dry-run or reject, no earlier rule
 * or dry-run rule that could claim the packet first, in a policy that is
 * not in global dry-run. A hit in either is the rule the classifier would
 * find; of two hits the lower rule wins. Such a packet is dropped with no
 * interface lookup, classifier walk, rule lookup, flow or event (unless
 * logs or scan alerts want one), and counted as the full path counts it:
 * the rule, drop_rule, syn_new.
 *
 * It runs after the flow lookup, on packets of no flow and no NAT binding
 * only: a packet of a flow ward has (the reply to this host's own
 * connection, tracked at egress on every link) passes by conntrack
 * whatever the rules say, so the lookup is needed anyway, and a known
 * flow's packets then pay nothing for the prefilter.
 */
#ifndef WARD_BPF_PREFILTER_H
#define WARD_BPF_PREFILTER_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "events.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WARD_PF_MAX_SRC);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_pf_src_key);
	__type(value, struct ward_pf_val);
} ward_pf_src WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_PF_MAX_PORT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_pf_port_key);
	__type(value, struct ward_pf_val);
} ward_pf_port WARD_MAP;

extern int ward_tcp_precheck_xdp(struct xdp_md *ctx, struct packet *p, int noflow);
extern int ward_tcp_precheck_tc(struct __sk_buff *ctx, struct packet *p, int noflow);

/* The prefilter's rule for p, or NULL. */
static __always_inline struct ward_pf_val *pf_lookup(const struct ward_policy_hdr *hdr,
						     __u32 slot, const struct packet *p)
{
	struct ward_pf_val *best = NULL, *v;

	if (hdr->n_pf_src) {
		struct ward_pf_src_key k = { .slot = slot, .family = p->family };

		k.prefixlen = WARD_PF_KEY_HDR_BITS + (p->family == WARD_FAM_V4 ? 32 : 128);
		__builtin_memcpy(k.addr, p->src, 16);
		best = bpf_map_lookup_elem(&ward_pf_src, &k);
	}
	if (hdr->n_pf_port && p->l4 &&
	    (p->proto == IPPROTO_TCP_ || p->proto == IPPROTO_UDP_)) {
		struct ward_pf_port_key k = {
			.slot = slot, .family = p->family, .proto = p->proto, .dport = p->dport,
		};

		v = bpf_map_lookup_elem(&ward_pf_port, &k);
		if (v && (!best || v->rule < best->rule))
			best = v;
	}
	return best;
}

/* For a trackable packet of no flow and no NAT binding: WARD_DROP (or
 * the TCP check's drop), or WARD_CONTINUE: the full path decides. */
static __always_inline int prefilter(void *ctx, const struct ward_policy_hdr *hdr, __u32 slot,
				     struct packet *p, __u32 pkt_len, __u32 ifindex, bool xdp,
				     __u64 now)
{
	struct ward_pf_val *pf;
	int ret;

	if (!(hdr->n_pf_src | hdr->n_pf_port) || (hdr->flags & WARD_RF_DRY_RUN))
		return WARD_CONTINUE;
	pf = pf_lookup(hdr, slot, p);
	if (!pf)
		return WARD_CONTINUE;
	/* The checks the full path makes before the rules, same reasons. */
	if (p->proto == IPPROTO_TCP_) {
		ret = xdp ? ward_tcp_precheck_xdp(ctx, p, 1) : ward_tcp_precheck_tc(ctx, p, 1);
		if (ret)
			return drop(ret);
	}
	count_rule(pf->stat, pkt_len);
	if (p->proto == IPPROTO_TCP_ && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		count(WARD_CNT_SYN_NEW);
	scan_track(p, ifindex, hdr, now);
	if (hdr->log_mode != WARD_LOG_NONE)
		log_flow(p, ifindex, pf->stat, WARD_EVA_DROP, WARD_CNT_DROP_RULE, hdr->log_rate,
			 now);
	return drop(WARD_CNT_DROP_RULE);
}

#endif /* WARD_BPF_PREFILTER_H */
