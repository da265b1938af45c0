/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/ratelimit.h: a rule's `rate:`, new flows a second per source
 * address (IPv6: per source /64). Only bpf/lib/path.h includes it, after events.h.
 *
 * A token bucket per (rule, source), holding one second's worth: a source
 * may open `rate` flows at once, then `rate` a second. Over it the first
 * packet is dropped (reason rate_limit) and the flow is not opened; the
 * flows it already has go on. The first drop of an episode raises one
 * rate_limit alert; the next only after the bucket has filled up again
 * (the source kept under its rate for a second). The table is an LRU: a
 * flood of spoofed sources evicts old buckets, which only hands an evicted
 * source a fresh, full bucket.
 */
#ifndef WARD_BPF_RATELIMIT_H
#define WARD_BPF_RATELIMIT_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "events.h"
#include "bucket.h"

#define WARD_RATE_SOURCES	65536

struct rate_key {
	__be32	src[4];
	__u32	stat;		/* the rule (its stat index: stable across reloads) */
	__u32	family;
};

/*
 * XXX: no lock: an LRU hash cannot hold a bpf_spin_lock (the kernel refuses
 * it), and a plain hash would refuse new sources once full. When one
 * source's packets are spread over CPUs, two CPUs may refill or take the
 * same token at once: the limit is then a little loose, never tighter.
 */
struct rate_bucket {
	__u64	last_ns;
	__u32	tokens;
	__u32	alerted;	/* this episode's alert is out */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WARD_RATE_SOURCES);
	__type(key, struct rate_key);
	__type(value, struct rate_bucket);
} ward_rate SEC(".maps");

/* Room for the key and a fresh bucket off the 512-byte stack. */
struct rate_scratch {
	struct rate_key key;
	struct rate_bucket fresh;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rate_scratch);
} ward_rate_scratch SEC(".maps");

static __always_inline void rate_alert(const struct packet *p, __u32 stat, __u32 rate,
				       __u32 ifindex, __u64 now)
{
	struct ward_event *ev = ev_reserve(p, WARD_EV_ALERT, ifindex, now);

	if (!ev)
		return;
	ev->alert = WARD_ALERT_RATE_LIMIT;
	ev->stat = stat;
	ev->count = rate;
	bpf_ringbuf_submit(ev, 0);
}

/* Takes a token from this source's bucket for the rule; true when it had
 * none: the packet is over the rate. */
static __always_inline bool rate_over(const struct packet *p, __u32 stat, __u32 rate,
				      __u32 ifindex, __u64 now)
{
	struct rate_scratch *sc;
	struct rate_bucket *b;
	__u32 zero = 0;
	bool over, alert = false;

	sc = bpf_map_lookup_elem(&ward_rate_scratch, &zero);
	if (!sc)
		return false;
	__builtin_memcpy(sc->key.src, p->src, 16);
	/* An IPv6 host is usually given a whole /64: per address, rotating
	 * through it would earn a fresh bucket each time. */
	if (p->family == WARD_FAM_V6) {
		sc->key.src[2] = 0;
		sc->key.src[3] = 0;
	}
	sc->key.stat = stat;
	sc->key.family = p->family;
	b = bpf_map_lookup_elem(&ward_rate, &sc->key);
	if (!b) {
		sc->fresh.last_ns = now;
		sc->fresh.tokens = rate - 1;
		sc->fresh.alerted = 0;
		bpf_map_update_elem(&ward_rate, &sc->key, &sc->fresh, BPF_NOEXIST);
		return false;
	}
	bucket_refill(&b->tokens, &b->last_ns, rate, now);
	if (b->tokens >= rate)
		b->alerted = 0;
	over = !b->tokens;
	if (!over)
		b->tokens--;
	else if (!b->alerted)
		alert = b->alerted = 1;
	if (alert)
		rate_alert(p, stat, rate, ifindex, now);
	return over;
}

#endif /* WARD_BPF_RATELIMIT_H */
