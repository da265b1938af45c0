/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/ct_pressure.h: a full flow table must not lock users out, and a
 * flow that saw both directions is never evicted (docs/conntrack.md).
 *
 * Answered means WARD_CTF_ASSURED: the responder sent something and, for
 * TCP, the handshake completed (path.h ct_stamp).
 *
 * - Early drop: every new flow's key goes into a ring (ward_ct_fifo) in the
 *   order flows are made. When the table is full, the oldest ring entries
 *   are looked at, up to WARD_CT_EVICT_TRIES of them, and the first whose
 *   flow is still there and still unanswered is removed to make room, as
 *   nf_conntrack's early_drop does. Only when none is found is the new flow
 *   refused (ct_full).
 * - Adaptive timeouts: wardd writes a scale from the table's fill (pf's
 *   adaptive.start/adaptive.end) and an unanswered flow's timeout shrinks
 *   by it.
 *
 * Both cost only the new-flow path and unanswered flows: a packet of an
 * answered flow pays one flag test. The cursors are bumped with plain
 * atomic adds (the BPF target here has no fetching atomics): two CPUs may
 * on a rare race take the same slot, which costs one ring entry (a flow
 * then left to the sweeper's walk), never a wrong eviction, since every
 * candidate is checked against the flow table.
 */
#ifndef WARD_BPF_CT_PRESSURE_H
#define WARD_BPF_CT_PRESSURE_H

#include "maps.h"
#include "counters.h"
#include "conntrack.h"
#include "nat.h"

/* What ct_expiry() makes of a flow. */
#define CT_LIVE		0
#define CT_TIMED_OUT	1	/* past its state's timeout */
#define CT_ADAPTIVE	2	/* unanswered, past its timeout shortened by pressure */

static __always_inline struct ward_ct_ctl *ct_ctl(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ward_ct_ctl, &zero);
}

/* Removes a flow; the flow count in metrics is opened minus removed. */
static __always_inline bool ct_remove(struct ward_ct_key *k)
{
	bool gone = !bpf_map_delete_elem(&ward_ct, k);

	if (gone)
		count(WARD_CNT_CT_GONE);
	nat_forget(k);
	return gone;
}

/* Removes a flow the caller has in hand: answered ones are counted apart,
 * for ward_conntrack_flows{answered}. */
static __always_inline void ct_remove_flow(struct ward_ct_key *k, const struct ward_ct_val *v)
{
	bool answered = v->flags & WARD_CTF_ASSURED;

	if (ct_remove(k) && answered)
		count(WARD_CNT_CT_GONE_ANSWERED);
}

/*
 * ct_expired(), and for an unanswered flow also the shortened timeout.
 * An answered flow's packet stops at the flag test: the pressure map is
 * read for unanswered flows only.
 */
static __always_inline int ct_expiry(const struct ward_policy_hdr *hdr,
				     const struct ward_ct_val *v, __u8 proto, __u64 now)
{
	struct ward_ct_ctl *ctl;
	__u64 seen = v->last_seen;

	if (ct_expired(hdr, v, proto, now))
		return CT_TIMED_OUT;
	if (v->flags & WARD_CTF_ASSURED)
		return CT_LIVE;
	ctl = ct_ctl();
	if (!ctl || ctl->scale >= WARD_CT_SCALE_ONE || seen >= now)
		return CT_LIVE;
	return now - seen > (ct_timeout_ns(hdr, v, proto) >> 10) * ctl->scale ?
	       CT_ADAPTIVE : CT_LIVE;
}

/* Removes the flow if it expired; true when it did. */
static __always_inline bool ct_gone(const struct ward_policy_hdr *hdr, struct ward_ct_key *k,
				    const struct ward_ct_val *v, __u8 proto, __u64 now)
{
	int x = ct_expiry(hdr, v, proto, now);

	if (x == CT_LIVE)
		return false;
	if (x == CT_ADAPTIVE)
		count(WARD_CNT_CT_ADAPTIVE);
	ct_remove_flow(k, v);
	return true;
}

/* A new flow joins the ring. */
static __always_inline void ct_fifo_push(const struct ward_ct_key *k, __u64 created)
{
	struct ward_ct_ctl *ctl = ct_ctl();
	struct ward_ct_fifo_ent *e;
	__u32 idx;

	if (!ctl || !ctl->mask)
		return;
	idx = ctl->head & ctl->mask;
	__sync_fetch_and_add(&ctl->head, 1);
	e = bpf_map_lookup_elem(&ward_ct_fifo, &idx);
	if (!e)
		return;
	__builtin_memcpy(&e->key, k, sizeof(*k));
	e->created = created;
}

/*
 * The table is full: removes the oldest unanswered flow the ring still
 * knows, looking at WARD_CT_EVICT_TRIES entries at most. True when one went.
 * A candidate whose flow is gone, answered, or a later flow of the same key
 * is passed over for good: the eviction cursor only moves forward.
 */
static __always_inline bool ct_early_drop(void)
{
	struct ward_ct_ctl *ctl = ct_ctl();
	struct ward_ct_fifo_ent *e;
	struct ward_ct_val *v;
	__u64 pos, head, size;
	__u32 idx;
	int i;

	if (!ctl || !ctl->mask)
		return false;
	size = (__u64)ctl->mask + 1;
	for (i = 0; i < WARD_CT_EVICT_TRIES; i++) {
		head = ctl->head;
		pos = ctl->evict;
		if (pos >= head)
			return false;	/* every flow the ring holds was looked at */
		if (head - pos > size) {
			/* Lapped: those slots hold newer flows now. */
			ctl->evict = head - size;
			continue;
		}
		__sync_fetch_and_add(&ctl->evict, 1);
		idx = pos & ctl->mask;
		e = bpf_map_lookup_elem(&ward_ct_fifo, &idx);
		if (!e)
			continue;
		v = bpf_map_lookup_elem(&ward_ct, &e->key);
		if (!v || v->created != e->created || (v->flags & WARD_CTF_ASSURED))
			continue;
		if (ct_remove(&e->key)) {
			count(WARD_CNT_CT_EARLY_DROP);
			return true;
		}
	}
	return false;
}

#endif /* WARD_BPF_CT_PRESSURE_H */
