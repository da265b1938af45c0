/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/ct_pressure.h: the userspace half of bpf/lib/ct_pressure.h: the
 * ring of new flows (ward_ct_fifo) and its control block, mapped into the
 * daemon; the adaptive timeout scale; answered/unanswered flow counts.
 */
#ifndef WARD_CT_PRESSURE_H
#define WARD_CT_PRESSURE_H

#include <stddef.h>
#include <linux/types.h>
#include "ward/abi.h"

struct dataplane;
struct pol_conntrack;

/* Default adaptive timeout thresholds, percent of max_flows (pf's
 * adaptive.start 60% and adaptive.end 120% of its state limit). */
#define CT_ADAPTIVE_START_DEFAULT	60
#define CT_ADAPTIVE_END_DEFAULT		120

/* Before load: sizes the ring to the flow table (a power of two). */
void dp_ct_fifo_size(struct dataplane *dp);
/* After load: maps the ring and its control block and arms early drop. */
int dp_ct_pressure_open(struct dataplane *dp);
void dp_ct_pressure_close(struct dataplane *dp);

/* Userspace removed these flows (wardctl ct flush): answered ones are
 * counted, and the ring's entries so far are of gone flows. */
void dp_ct_pressure_flushed(struct dataplane *dp, const struct ward_ct_val *vals, __u32 n);

/* The unanswered-flow timeout scale (of WARD_CT_SCALE_ONE) for this many
 * flows of max: 1 below start percent, falling linearly to 0 at end. */
__u32 ct_adaptive_scale(size_t flows, __u32 max, __u32 start_pct, __u32 end_pct);
/* Writes the scale for the table's fill now, with the thresholds of
 * conntrack: (adaptive_start, adaptive_end); returns it. */
__u32 dp_ct_pressure_update(struct dataplane *dp, const struct pol_conntrack *ct);

/* Live flows split by whether they were answered. */
void dp_ct_answered(struct dataplane *dp, size_t *answered, size_t *unanswered);
/* Evictions by reason: early_drop and adaptive_timeout. */
void dp_ct_evictions(struct dataplane *dp, __u64 *early_drop, __u64 *adaptive);

#endif /* WARD_CT_PRESSURE_H */
