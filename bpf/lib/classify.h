/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/classify.h: which rule decides a packet (first match wins).
 *
 * Tuple space search (Srinivasan, Suri, Varghese, SIGCOMM '99; the shape of
 * Open vSwitch's classifier). The compiler groups rule entries by match shape
 * (a tuple: family, fields matched, prefix lengths as masks) and stores each
 * entry in ward_cls under its masked fields. Here a packet is masked by each
 * tuple in turn and looked up: one hash lookup per tuple, none per rule. The
 * tuples are sorted by the lowest rule they hold, so the walk stops as soon
 * as no remaining tuple can hold a rule earlier than the best one found.
 * The dry-run rules' tuples come last and are walked apart (dryrun.h).
 */
#ifndef WARD_BPF_CLASSIFY_H
#define WARD_BPF_CLASSIFY_H

#include "maps.h"
#include "parse.h"
#include "fqdn_maps.h"

#define WARD_NO_RULE	0xffffffffu

static __always_inline void cls_mask_addr(__be32 *out, const __be32 *addr,
					  const __be32 *mask, __u8 family)
{
	out[0] = addr[0] & mask[0];
	if (family == WARD_FAM_V6) {
		out[1] = addr[1] & mask[1];
		out[2] = addr[2] & mask[2];
		out[3] = addr[3] & mask[3];
	}
}

/*
 * The key a packet has in tuple idx of the slot, in *key (zeroed by the
 * caller). False when the tuple cannot hold the packet at all.
 */
static __always_inline bool cls_key_of(const struct ward_tuple *t, __u32 idx, __u32 slot,
				       const struct packet *p, const struct ward_iface *ifc,
				       struct ward_cls_key *key)
{
	if (t->family != p->family)
		return false;
	if ((t->flags & WARD_TF_ONE_PROTO) && t->proto != p->proto)
		return false;
	key->tuple = (slot << WARD_CLS_SLOT_SHIFT) | idx;
	key->family = p->family;
	if (t->flags & WARD_TF_PROTO)
		key->proto = p->proto;
	if (t->flags & WARD_TF_IN_ZONE)
		key->in_zone = ifc->in_zone;
	if (t->flags & WARD_TF_IN_IF)
		key->in_if = ifc->in_if;
	/* A non-first fragment has no ports: a shape that matches on ports
	 * cannot claim it. */
	if (t->sport_mask | t->dport_mask) {
		if (!p->l4)
			return false;
		key->sport = p->sport & t->sport_mask;
		key->dport = p->dport & t->dport_mask;
	}
	cls_mask_addr(key->src, p->src, t->src_mask, p->family);
	cls_mask_addr(key->dst, p->dst, t->dst_mask, p->family);
	/* A to_fqdn shape: only a learned address of its set goes on, and
	 * its entries hold the set id as destination. key.pad2: see
	 * fqdn_dst_learned(). */
	if (t->fqdn && !fqdn_dst_learned(t->fqdn - 1, p, key->dst, &key->pad2))
		return false;
	return true;
}

/* Tuples [0, n) of the policy are the main classifier's, the last
 * n_dry_tuples the dry-run rules' (include/ward/abi.h). */
static __always_inline __u32 cls_main_tuples(const struct ward_policy_hdr *hdr)
{
	__u32 n = hdr->n_tuples;

	if (n > WARD_MAX_TUPLES)
		n = WARD_MAX_TUPLES;
	return n > hdr->n_dry_tuples ? n - hdr->n_dry_tuples : 0;
}

struct cls_walk {
	struct ward_policy_hdr *hdr;
	struct packet *p;
	struct ward_iface *ifc;
	__u32	slot;
	__u32	best;
	__u32	end;	/* first tuple not of the main classifier */
};

/*
 * One tuple of the walk, as a bpf_loop() callback: the verifier checks the
 * body once instead of once per iteration and call site, which keeps the
 * whole path (classify is reached from first packets and from flow
 * re-checks) far below the 1M-instruction limit. Returns 1 to stop.
 */
static long cls_step(__u64 i, void *ctx)
{
	struct cls_walk *w = ctx;
	struct ward_cls_key key = {};
	struct ward_cls_val *v;
	struct ward_tuple *t;

	if (i >= WARD_MAX_TUPLES || i >= w->end)
		return 1;
	t = &w->hdr->tuples[i];
	/* Sorted by min_rule: nothing further on can win. */
	if (t->min_rule >= w->best)
		return 1;
	if (!cls_key_of(t, i, w->slot, w->p, w->ifc, &key))
		return 0;
	v = bpf_map_lookup_elem(&ward_cls, &key);
	if (v && v->rule < w->best)
		w->best = v->rule;
	return 0;
}

/* Returns the lowest rule index matching p in the given slot, or
 * WARD_NO_RULE. Dry-run rules are not in this classifier: they never
 * decide (bpf/lib/dryrun.h). */
static __always_inline __u32 classify(struct ward_policy_hdr *hdr, __u32 slot,
				      struct packet *p, struct ward_iface *ifc)
{
	struct cls_walk w = {
		.hdr = hdr, .p = p, .ifc = ifc, .slot = slot, .best = WARD_NO_RULE,
	};

	w.end = cls_main_tuples(hdr);
	bpf_loop(w.end, cls_step, &w, 0);
	return w.best;
}

#endif /* WARD_BPF_CLASSIFY_H */
