// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/ct_pressure.c: the userspace half of early drop and adaptive
 * timeouts (bpf/lib/ct_pressure.h, docs/conntrack.md). The ring of new flows
 * and its control block are BPF_F_MMAPABLE arrays: the daemon reads the
 * ring and writes the scale without a syscall, and never overwrites the
 * cursors the data plane moves.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "ct_pressure.h"
#include "ct_sweep.h"
#include "log.h"
#include "policy.h"

static __u32 pow2_at_least(__u32 n)
{
	__u32 p = 1024;

	while (p < n && p < (1u << 31))
		p <<= 1;
	return p;
}

void dp_ct_fifo_size(struct dataplane *dp)
{
	dp->ct_fifo_size = pow2_at_least(dp->max_flows);
	bpf_map__set_max_entries(dp->skel->maps.ward_ct_fifo, dp->ct_fifo_size);
}

int dp_ct_pressure_open(struct dataplane *dp)
{
	size_t fifo_len = (size_t)dp->ct_fifo_size * sizeof(struct ward_ct_fifo_ent);
	void *ctl, *fifo;
	int err;

	ctl = mmap(NULL, sizeof(struct ward_ct_ctl), PROT_READ | PROT_WRITE, MAP_SHARED,
		   bpf_map__fd(dp->skel->maps.ward_ct_ctl), 0);
	if (ctl == MAP_FAILED)
		return -errno;
	fifo = mmap(NULL, fifo_len, PROT_READ, MAP_SHARED,
		    bpf_map__fd(dp->skel->maps.ward_ct_fifo), 0);
	if (fifo == MAP_FAILED) {
		err = -errno;
		munmap(ctl, sizeof(struct ward_ct_ctl));
		return err;
	}
	dp->ct_ctl = ctl;
	dp->ct_fifo = fifo;
	/* A ring pinned by an earlier daemon keeps its cursors; one of another
	 * size (it cannot be: it follows the pinned flow table) starts over. */
	if (dp->ct_ctl->mask != dp->ct_fifo_size - 1) {
		dp->ct_ctl->head = 0;
		dp->ct_ctl->evict = 0;
		dp->ct_ctl->swept = 0;
		__atomic_store_n(&dp->ct_ctl->mask, dp->ct_fifo_size - 1, __ATOMIC_RELEASE);
	}
	if (!dp->ct_ctl->scale)
		dp->ct_ctl->scale = WARD_CT_SCALE_ONE;
	return 0;
}

void dp_ct_pressure_close(struct dataplane *dp)
{
	if (dp->ct_ctl)
		munmap(dp->ct_ctl, sizeof(struct ward_ct_ctl));
	if (dp->ct_fifo)
		munmap(dp->ct_fifo, (size_t)dp->ct_fifo_size * sizeof(struct ward_ct_fifo_ent));
	dp->ct_ctl = NULL;
	dp->ct_fifo = NULL;
	dp_ct_sweep_free(dp);
}

void dp_ct_pressure_flushed(struct dataplane *dp, const struct ward_ct_val *vals, __u32 n)
{
	__u64 head;
	__u32 i;

	if (!dp->ct_ctl)
		return;
	for (i = 0; i < n; i++)
		if (vals[i].flags & WARD_CTF_ASSURED)
			dp->ct_ctl->swept_answered++;
	head = __atomic_load_n(&dp->ct_ctl->head, __ATOMIC_RELAXED);
	if (dp->ct_ctl->evict < head)
		__atomic_store_n(&dp->ct_ctl->evict, head, __ATOMIC_RELAXED);
	dp->ct_ctl->swept = head;
}

__u32 ct_adaptive_scale(size_t flows, __u32 max, __u32 start_pct, __u32 end_pct)
{
	__u64 start = (__u64)max * start_pct / 100, end = (__u64)max * end_pct / 100;

	if (!start_pct || flows <= start || end <= start)
		return WARD_CT_SCALE_ONE;
	if (flows >= end)
		return 0;
	return (__u32)((end - flows) * WARD_CT_SCALE_ONE / (end - start));
}

__u32 dp_ct_pressure_update(struct dataplane *dp, const struct pol_conntrack *ct)
{
	__u32 start = ct->adaptive_start ? ct->adaptive_start : CT_ADAPTIVE_START_DEFAULT;
	__u32 end = ct->adaptive_end ? ct->adaptive_end : CT_ADAPTIVE_END_DEFAULT;
	__u32 scale;

	if (!dp->ct_ctl)
		return WARD_CT_SCALE_ONE;
	if (start == POL_CT_ADAPTIVE_OFF)
		start = 0;
	scale = ct_adaptive_scale(dp_ct_count(dp), dp->max_flows, start, end);
	__atomic_store_n(&dp->ct_ctl->scale, scale, __ATOMIC_RELAXED);
	return scale;
}

void dp_ct_answered(struct dataplane *dp, size_t *answered, size_t *unanswered)
{
	__u64 cnt[WARD_CNT_MAX], gone;
	size_t total = dp_ct_count(dp);

	*answered = 0;
	*unanswered = total;
	if (dp_read_counters(dp, cnt))
		return;
	/* Modulo 2^64, as dp_ct_count: an upgrade seeds swept_answered. */
	gone = cnt[WARD_CNT_CT_GONE_ANSWERED] + (dp->ct_ctl ? dp->ct_ctl->swept_answered : 0);
	if ((__s64)(cnt[WARD_CNT_CT_ANSWERED] - gone) > 0)
		*answered = cnt[WARD_CNT_CT_ANSWERED] - gone;
	/* The two counts are read at different instants: keep them summing up. */
	if (*answered > total)
		*answered = total;
	*unanswered = total - *answered;
}

void dp_ct_evictions(struct dataplane *dp, __u64 *early_drop, __u64 *adaptive)
{
	__u64 cnt[WARD_CNT_MAX];

	*early_drop = *adaptive = 0;
	if (dp_read_counters(dp, cnt))
		return;
	*early_drop = cnt[WARD_CNT_CT_EARLY_DROP];
	*adaptive = cnt[WARD_CNT_CT_ADAPTIVE] + (dp->ct_ctl ? dp->ct_ctl->swept_adaptive : 0);
}
