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

/* ward_counters layout 1 (up to 651e04c): 17 drop reasons, then the rest.
 * Layout 2 added bad_checksum, bad_fragment, frag_denied and nd_invalid
 * before WARD_CNT_DROP_MAX and tcp_ignored at the end. */
#define WARD_CNT_V1_DROP_MAX	17
#define WARD_CNT_V1_MAX		49

/* ward_frags layout 1 (up to 651e04c). */
struct ward_frag_val_v1 {
	__u64	expires;
};
_Static_assert(sizeof(struct ward_frag_val_v1) == 8, "ward_frag_val_v1 is ABI");

/*
 * ward_policy and ward_cls layout 1 (up to 651e04c): the same sizes as
 * layout 2, but ward_policy_hdr.n_dry_tuples, ward_tuple.ranks and .proto
 * and ward_cls_key.rank were padding. Layout 2 programs would read an old
 * policy right (zero padding), but an old program reading a new policy
 * would let dry-run rules decide: the policy maps are never shared across
 * that change. Their contents are the daemon's to rewrite, not carried.
 */

#endif /* WARD_DP_LAYOUT_OLD_H */
