/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/counters.h: per-CPU counters and verdict codes, used by every
 * stage. BPF_MAP_TYPE_PERCPU_ARRAY hands out this CPU's copy and the
 * programs run in softirq, so plain increments are safe: no atomics.
 */
#ifndef WARD_BPF_COUNTERS_H
#define WARD_BPF_COUNTERS_H

#include "maps.h"

#define WARD_PASS	0
#define WARD_DROP	1
#define WARD_REJECT	2	/* drop, and the entry point answers it */

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

/* A reject drops the packet under its reason like any drop. */
static __always_inline int reject(__u32 reason)
{
	count(reason);
	return WARD_REJECT;
}

#endif /* WARD_BPF_COUNTERS_H */
