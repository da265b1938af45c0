/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/ct_sweep.h: giving expired flows' memory back (the data plane
 * treats them as gone already), at a cost that follows the flows that
 * expire rather than the table's size. docs/conntrack.md, "Sweeping".
 */
#ifndef WARD_CT_SWEEP_H
#define WARD_CT_SWEEP_H

#include <stddef.h>
#include <linux/types.h>
#include "ward/abi.h"

struct dataplane;

/* A whole walk of the table, for flows that outlive their check in the
 * ring, takes this long at no pressure (nf_conntrack's gc: 60 s at most). */
#define CT_WALK_PERIOD_S	60
/* Ring entries looked at a call, at most. */
#define CT_RING_BUDGET		262144

/* What the data plane makes of a flow (bpf/lib/ct_pressure.h ct_expiry):
 * 0 live, CT_SWEPT_TIMEOUT past its timeout, CT_SWEPT_ADAPTIVE unanswered
 * and past its timeout shortened by the pressure; now is CLOCK_MONOTONIC ns. */
#define CT_SWEPT_TIMEOUT	1
#define CT_SWEPT_ADAPTIVE	2
/* Removes the flow of key K if it has expired; true if it did. */
bool dp_ct_expire_flow(struct dataplane *dp, const struct ward_ct_key *k);
int dp_ct_expiry(const struct dataplane *dp, const struct ward_ct_key *k,
		 const struct ward_ct_val *v, __u64 now);

/* One tick of the sweeper: the ring's due entries, then the steps of the
 * walk that are due. Returns the flows removed. */
size_t dp_ct_expire(struct dataplane *dp);

/* The walk's buffers. */
void dp_ct_sweep_free(struct dataplane *dp);

#endif /* WARD_CT_SWEEP_H */
