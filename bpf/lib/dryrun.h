/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/dryrun.h: dry-run rules (a rule's dry_run: true). They never
 * decide: the rules after them decide as if they were not there. A first
 * packet that matches one before the deciding rule counts to it and logs
 * would-drop, would-reject or would-accept under its name. Rules after the
 * deciding one are not reached, as with any rule (first match wins).
 *
 * They sit in a classifier of their own, the policy's last n_dry_tuples
 * tuples (src/lib/compile/compile_dryrun.c), walked after the main one and
 * only when the policy has them: a policy without dry-run rules pays one
 * test. The walk is the main one's, bounded by the deciding rule instead
 * of the best so far, and a key may hold WARD_DRY_RANKS rules (two dry-run
 * rules with the same match both count). Included by path.h.
 */
#ifndef WARD_BPF_DRYRUN_H
#define WARD_BPF_DRYRUN_H

#include "maps.h"
#include "classify.h"

/* The dry-run rules a packet matched before its deciding rule, in the
 * order the walk met them; a rule matched through two shapes is there
 * twice. The first WARD_DRY_MATCH_MAX only. */
struct dry_match {
	__u32	n;
	__u32	rule[WARD_DRY_MATCH_MAX];	/* rule indices */
};

/* Off the stack: the walk's callback writes it, and values in a map are
 * not tracked by the verifier, where a count on the stack would be walked
 * once per value it can take. Per-CPU; softirq does not nest on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dry_match);
} ward_dry_match SEC(".maps");

struct dry_walk {
	struct ward_policy_hdr *hdr;
	struct packet *p;
	struct ward_iface *ifc;
	struct dry_match *m;
	__u32	slot;
	__u32	first;	/* first dry-run tuple */
	__u32	bound;	/* the deciding rule: only rules before it count */
};

/* Notes a rule; false once the set is full. Kept to an append: sorting or
 * deduplicating in the callback multiplies the verifier's states (the
 * caller skips repeats with dry_seen()). */
static __always_inline bool dry_note(struct dry_match *m, __u32 rule)
{
	__u32 n = m->n;

	if (n >= WARD_DRY_MATCH_MAX)
		return false;
	m->rule[n & (WARD_DRY_MATCH_MAX - 1)] = rule;
	m->n = n + 1;
	return true;
}

/* One dry-run tuple, as a bpf_loop() callback (see cls_step()). */
static long dry_step(__u64 i, void *ctx)
{
	struct dry_walk *w = ctx;
	struct ward_cls_key key = {};
	struct ward_cls_val *v;
	struct ward_tuple *t;
	__u32 idx = w->first + (__u32)i, r;

	if (idx >= WARD_MAX_TUPLES || idx >= w->hdr->n_tuples)
		return 1;
	/* clang bounds one copy of idx and indexes with another, which the
	 * verifier then finds unbounded: a mask it can see (clang 14). */
	asm volatile("" : "+r"(idx));
	idx &= WARD_MAX_TUPLES - 1;
	t = &w->hdr->tuples[idx];
	/* Sorted by min_rule: nothing further on comes before the bound. */
	if (t->min_rule >= w->bound)
		return 1;
	if (!cls_key_of(t, idx, w->slot, w->p, w->ifc, &key))
		return 0;
	/* Ranks hold a key's rules lowest first. */
	for (r = 0; r < WARD_DRY_RANKS && r < t->ranks; r++) {
		key.rank = r;
		v = bpf_map_lookup_elem(&ward_cls, &key);
		if (!v || v->rule >= w->bound)
			break;
		if (!dry_note(w->m, v->rule))
			return 1;
	}
	return 0;
}

/* The dry-run rules p matches before rule bound (WARD_NO_RULE: the
 * default policy decided, every one counts), or NULL. */
static __always_inline struct dry_match *dry_classify(struct ward_policy_hdr *hdr, __u32 slot,
						      struct packet *p, struct ward_iface *ifc,
						      __u32 bound)
{
	struct dry_walk w = {
		.hdr = hdr, .p = p, .ifc = ifc, .slot = slot, .bound = bound,
	};
	__u32 zero = 0;

	w.m = bpf_map_lookup_elem(&ward_dry_match, &zero);
	if (!w.m)
		return NULL;
	w.m->n = 0;
	w.first = cls_main_tuples(hdr);
	bpf_loop(hdr->n_dry_tuples, dry_step, &w, 0);
	return w.m;
}

/* Is m->rule[i] one of those before it (one rule, two shapes)? */
static __always_inline bool dry_seen(const struct dry_match *m, __u32 i)
{
	__u32 j;

	for (j = 0; j < WARD_DRY_MATCH_MAX - 1; j++)
		if (j < i && m->rule[j] == m->rule[i & (WARD_DRY_MATCH_MAX - 1)])
			return true;
	return false;
}

/* The i-th rule of the match, or NULL for a repeat (or a missing rule). */
static __always_inline struct ward_rule *dry_rule(const struct dry_match *m, __u32 i, __u32 slot)
{
	__u32 idx;

	if (dry_seen(m, i))
		return NULL;
	idx = m->rule[i & (WARD_DRY_MATCH_MAX - 1)] + slot * WARD_MAX_RULES;
	return bpf_map_lookup_elem(&ward_rules, &idx);
}

/* The flow log's word for a dry-run rule that matched. */
static __always_inline __u8 dry_event(__u8 action)
{
	if (action == WARD_ACT_ACCEPT)
		return WARD_EVA_WOULD_ACCEPT;
	return action == WARD_ACT_REJECT ? WARD_EVA_WOULD_REJECT : WARD_EVA_WOULD_DROP;
}

#endif /* WARD_BPF_DRYRUN_H */
