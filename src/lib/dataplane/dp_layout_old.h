/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dp_layout_old.h: the layouts of pinned maps that older
 * releases wrote, kept so that dp_migrate.c can read them. One block per
 * map and version, named after the map's current struct with _vN. Never
 * edit a block: a release out there wrote exactly this.
 */
#ifndef WARD_DP_LAYOUT_OLD_H
#define WARD_DP_LAYOUT_OLD_H

#include <linux/types.h>
#include "ward/abi.h"

/* ward_counters layout 1 (up to 651e04c): 17 drop reasons, then the rest.
 * Layout 2 added bad_checksum, bad_fragment, frag_denied and nd_invalid
 * before WARD_CNT_DROP_MAX and tcp_ignored at the end. */
#define WARD_CNT_V1_DROP_MAX	17
#define WARD_CNT_V1_MAX		49

/* ward_counters layout 2 (up to the merge of ct-flood): the counters of
 * layout 3 up to tcp_ignored, at the same indexes; layout 3 appended
 * ct_answered, ct_gone_answered, ct_early_drop and ct_adaptive. */
#define WARD_CNT_V2_MAX		54

/* ward_frags layout 1 (up to 651e04c). */
struct ward_frag_val_v1 {
	__u64	expires;
};
_Static_assert(sizeof(struct ward_frag_val_v1) == 8, "ward_frag_val_v1 is ABI");

/*
 * ward_ct layout 1 (up to the merge of ct-flood): the same bytes as layout
 * 2, but no flow had WARD_CTF_ASSURED (bit 6 was unused) and none was in
 * the ring of new flows (ward_ct_fifo). Layout 2 evicts unanswered flows
 * when the table is full: an answered flow of layout 1 read as it is would
 * look unanswered, and be evicted.
 */
struct ward_ct_val_v1 {
	struct bpf_spin_lock lock;
	__u8	state;
	__u8	orig;
	__u8	flags;		/* WARD_CTF_REPLIED .. WARD_CTF_STREAM */
	__u8	icmp_type;
	__u16	in_if;
	__u8	in_zone;
	__u8	pad;
	__u32	stat;
	__u64	generation;
	__u64	created;
	__u64	last_seen;
	__u64	packets[2];
	__u64	bytes[2];
	struct ward_ct_tcp tcp[2];
};
_Static_assert(sizeof(struct ward_ct_val_v1) == 120, "ward_ct_val_v1 is ABI");

/*
 * ward_policy and ward_cls layout 1 (up to 651e04c): the same sizes as
 * layout 2, but ward_policy_hdr.n_dry_tuples, ward_tuple.ranks and .proto
 * and ward_cls_key.rank were padding. Layout 2 programs would read an old
 * policy right (zero padding), but an old program reading a new policy
 * would let dry-run rules decide: the policy maps are never shared across
 * that change. Their contents are the daemon's to rewrite, not carried.
 */

#endif /* WARD_DP_LAYOUT_OLD_H */
