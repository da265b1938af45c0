// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/ct_sweep.c: the flow table's sweeper. The data plane treats an
 * expired flow as gone; this gives its memory back, in two parts:
 *
 * - The ring (ward_ct_fifo) holds every new flow in the order it was made.
 *   Each entry is looked at once, when the timeout of an unanswered flow of
 *   its protocol (scaled by the pressure) has passed since the flow was
 *   made: an unanswered flow that went quiet goes then, with one lookup.
 *   Entries early drop already looked at are skipped. So the churn of a
 *   flood, or of DNS lookups, costs what it expires and nothing more.
 * - A walk of the table (bpf_map_lookup_batch: the kernel walks, one call
 *   returns thousands of flows) for what outlives its ring check: answered
 *   flows and unanswered ones still talking. A whole pass takes
 *   CT_WALK_PERIOD_S, shorter under pressure, and the walk stops while
 *   the table is empty. Its steps are spread over the period, so an idle
 *   daemon does nothing and a full one does a few milliseconds a second.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_nat.h"
#include "ct_pressure.h"
#include "ct_sweep.h"

#define NSEC		1000000000ULL
#define CT_WALK_CHUNK	8192	/* flows a batch call */

int dp_ct_expiry(const struct dataplane *dp, const struct ward_ct_key *k,
		 const struct ward_ct_val *v, __u64 now)
{
	__u32 scale = dp->ct_ctl ? dp->ct_ctl->scale : WARD_CT_SCALE_ONE;
	__u64 idle, tmo;

	if (dp_ct_expired(dp, k, v, now))
		return CT_SWEPT_TIMEOUT;
	if ((v->flags & WARD_CTF_ASSURED) || scale >= WARD_CT_SCALE_ONE || v->last_seen >= now)
		return 0;
	idle = now - v->last_seen;
	/* Policy timeouts are whole seconds: the same figure as the data
	 * plane's (tmo >> 10) * scale, within rounding. */
	if (!dp_ct_timeout_ns(dp, k, v, &tmo))
		return 0;
	return idle > (tmo >> 10) * scale ? CT_SWEPT_ADAPTIVE : 0;
}

/* Bookkeeping of flows userspace removed: the live count is opened minus
 * removed, and answered ones are counted apart. */
static void swept(struct dataplane *dp, size_t n, size_t answered, size_t adaptive)
{
	int gfd = bpf_map__fd(dp->skel->maps.ward_ct_gc);
	struct ward_ct_gc gc = {};
	__u32 zero = 0;

	if (!n)
		return;
	bpf_map_lookup_elem(gfd, &zero, &gc);
	gc.deleted += n;
	bpf_map_update_elem(gfd, &zero, &gc, 0);
	if (dp->ct_ctl) {
		dp->ct_ctl->swept_answered += answered;
		dp->ct_ctl->swept_adaptive += adaptive;
	}
}

/* The timeout of an unanswered flow of this protocol now, in ns. */
static __u64 ring_due_ns(const struct dataplane *dp, __u8 proto)
{
	__u32 scale = dp->ct_ctl->scale, idx;

	if (proto == IPPROTO_TCP)
		idx = WARD_CT_TO_TCP_HANDSHAKE;
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		idx = WARD_CT_TO_ICMP;
	else
		idx = WARD_CT_TO_UDP;
	if (scale > WARD_CT_SCALE_ONE)
		scale = WARD_CT_SCALE_ONE;
	return (__u64)dp->ct_timeout[idx] * NSEC / WARD_CT_SCALE_ONE * scale;
}

static size_t ring_sweep(struct dataplane *dp, __u64 now)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);
	struct ward_ct_ctl *c = dp->ct_ctl;
	__u64 head, pos, evict;
	size_t n = 0, gone = 0, adaptive = 0, answered = 0;
	struct ward_ct_fifo_ent e;
	struct ward_ct_val v;
	int x;

	head = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);
	evict = __atomic_load_n(&c->evict, __ATOMIC_RELAXED);
	pos = c->swept;
	if (head > dp->ct_fifo_size && pos < head - dp->ct_fifo_size)
		pos = head - dp->ct_fifo_size;	/* lapped: the walk has those */
	if (pos < evict)
		pos = evict;			/* early drop looked at those */
	for (; pos < head && n < CT_RING_BUDGET; pos++, n++) {
		memcpy(&e, &dp->ct_fifo[pos & (dp->ct_fifo_size - 1)], sizeof(e));
		/* Made in order: the rest are younger. A flow of a shorter
		 * timeout behind this one waits for it: its memory comes back
		 * later, the data plane treats it as gone on time. */
		if (e.created + ring_due_ns(dp, e.key.proto) > now)
			break;
		if (bpf_map_lookup_elem(fd, &e.key, &v) || v.created != e.created)
			continue;		/* gone, or a later flow of that key */
		x = dp_ct_expiry(dp, &e.key, &v, now);
		if (!x || bpf_map_delete_elem(fd, &e.key))
			continue;		/* live: the walk will see it again */
		if (v.flags & WARD_CTF_NAT)
			dp_nat_forget(dp, &e.key);
		gone++;
		adaptive += x == CT_SWEPT_ADAPTIVE;
		answered += !!(v.flags & WARD_CTF_ASSURED);
	}
	c->swept = pos;
	swept(dp, gone, answered, adaptive);
	return gone;
}

static int walk_buffers(struct dataplane *dp)
{
	if (dp->walk_keys)
		return 0;
	dp->walk_keys = calloc(CT_WALK_CHUNK, sizeof(*dp->walk_keys));
	dp->walk_vals = calloc(CT_WALK_CHUNK, sizeof(*dp->walk_vals));
	if (dp->walk_keys && dp->walk_vals)
		return 0;
	dp_ct_sweep_free(dp);
	return -ENOMEM;
}

/*
 * One flow, by key: removed if it has expired, with the walk's bookkeeping.
 * The NAT sweep asks this of the flow behind each binding, so a source NAT
 * port comes back within a second of its flow's timeout, not when the walk
 * (CT_WALK_PERIOD_S) reaches the flow.
 */
bool dp_ct_expire_flow(struct dataplane *dp, const struct ward_ct_key *k)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);
	struct ward_ct_val v;
	struct timespec ts;
	int x;

	if (!dp->ct_timeout[WARD_CT_TO_TCP_EST] || bpf_map_lookup_elem(fd, k, &v))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = dp_ct_expiry(dp, k, &v, (__u64)ts.tv_sec * NSEC + ts.tv_nsec);
	if (!x || bpf_map_delete_elem(fd, k))
		return false;
	if (v.flags & WARD_CTF_NAT)
		dp_nat_forget(dp, k);
	swept(dp, 1, !!(v.flags & WARD_CTF_ASSURED), x == CT_SWEPT_ADAPTIVE);
	return true;
}

/* One batch of the walk: expired flows in it go. */
static size_t walk_step(struct dataplane *dp, __u64 now)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);
	size_t gone = 0, adaptive = 0, answered = 0;
	__u32 count = CT_WALK_CHUNK, out, i;
	int err, x;

	err = bpf_map_lookup_batch(fd, dp->walk_started ? &dp->walk_cursor : NULL, &out,
				   dp->walk_keys, dp->walk_vals, &count, NULL);
	if (err && errno != ENOENT)
		count = 0;
	/* ENOENT: that was the end of the table; the next pass starts over. */
	dp->walk_started = !err;
	dp->walk_cursor = out;
	for (i = 0; i < count; i++) {
		x = dp_ct_expiry(dp, &dp->walk_keys[i], &dp->walk_vals[i], now);
		if (!x || bpf_map_delete_elem(fd, &dp->walk_keys[i]))
			continue;
		if (dp->walk_vals[i].flags & WARD_CTF_NAT)
			dp_nat_forget(dp, &dp->walk_keys[i]);
		gone++;
		adaptive += x == CT_SWEPT_ADAPTIVE;
		answered += !!(dp->walk_vals[i].flags & WARD_CTF_ASSURED);
	}
	swept(dp, gone, answered, adaptive);
	return gone;
}

/*
 * Steps of the walk due now: a pass is ceil(flows / chunk) steps spread
 * over the period, which the pressure shortens (down to a second), so
 * a pass over a full table of answered flows that expired is quick too.
 */
static size_t walk(struct dataplane *dp, __u64 now)
{
	size_t flows = dp_ct_count(dp), steps, gone = 0;
	__u32 scale = dp->ct_ctl ? dp->ct_ctl->scale : WARD_CT_SCALE_ONE;
	__u64 period = CT_WALK_PERIOD_S * NSEC, gap;

	if (!flows && !dp->walk_started)
		return 0;
	if (scale < WARD_CT_SCALE_ONE)
		period = period / WARD_CT_SCALE_ONE * scale;
	if (period < NSEC)
		period = NSEC;
	steps = flows / CT_WALK_CHUNK + 1;
	gap = period / steps;
	if (now < dp->walk_next || walk_buffers(dp))
		return 0;
	/* Behind (a tick is a second, a gap can be less): catch up. */
	do {
		gone += walk_step(dp, now);
		dp->walk_next = (dp->walk_next ? dp->walk_next : now) + gap;
	} while (dp->walk_next <= now && dp->walk_started);
	if (dp->walk_next < now)
		dp->walk_next = now + gap;
	return gone;
}

size_t dp_ct_expire(struct dataplane *dp)
{
	struct timespec ts;
	size_t gone = 0;
	__u64 now;

	if (!dp->ct_timeout[WARD_CT_TO_TCP_EST])
		return 0;	/* no policy yet */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * NSEC + ts.tv_nsec;
	if (dp->ct_ctl)
		gone += ring_sweep(dp, now);
	return gone + walk(dp, now);
}

void dp_ct_sweep_free(struct dataplane *dp)
{
	free(dp->walk_keys);
	free(dp->walk_vals);
	dp->walk_keys = NULL;
	dp->walk_vals = NULL;
}
