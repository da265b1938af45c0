/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/events.h: what the data plane tells the daemon: flow log records
 * and alerts, through one ring buffer. Logging is rate-limited per rule (a
 * token bucket per rule and CPU), so a flood costs a counter increment, not
 * a ring buffer record; what was held back is counted (log_suppressed).
 * Port scans are detected here, per source: the daemon sees the alert,
 * not the scan.
 */
#ifndef WARD_BPF_EVENTS_H
#define WARD_BPF_EVENTS_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "xlate.h"

#define WARD_EVENTS_BYTES	(1 << 20)
#define WARD_SCAN_SOURCES	65536

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WARD_EVENTS_BYTES);
} ward_events SEC(".maps");

struct log_bucket {
	__u64	last_ns;
	__u32	tokens;
	__u32	pad;
};

/* Per rule (stat index) and CPU: no atomics, softirq does not nest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARD_MAX_RULES);
	__type(key, __u32);
	__type(value, struct log_bucket);
} ward_log_budget SEC(".maps");

/* Sources that try new flows. An LRU: a spoofed flood evicts old sources,
 * which only costs a late alert. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WARD_SCAN_SOURCES);
	__type(key, struct ward_scan_key);
	__type(value, struct ward_scan_val);
} ward_scan SEC(".maps");

/* Takes a token for one record of this rule; false when it has none. */
static __always_inline bool log_take(__u32 stat, __u32 rate, __u64 now)
{
	struct log_bucket *b = bpf_map_lookup_elem(&ward_log_budget, &stat);
	__u64 elapsed;

	if (!b)
		return false;
	elapsed = now - b->last_ns;
	if (elapsed >= 1000000000ULL) {
		b->tokens = rate;
		b->last_ns = now;
	} else {
		/* elapsed < 1e9 and rate <= 1e6: the product fits in 64 bits */
		__u64 add = elapsed * rate / 1000000000ULL;

		if (add) {
			b->tokens = b->tokens + add > rate ? rate : b->tokens + add;
			b->last_ns = now;
		}
	}
	if (!b->tokens)
		return false;
	b->tokens--;
	return true;
}

static __always_inline void ev_fill_addrs(struct ward_event *ev, const struct packet *p)
{
	__builtin_memcpy(ev->src, p->src, 16);
	__builtin_memcpy(ev->dst, p->dst, 16);
	ev->family = p->family;
	ev->proto = p->proto;
	ev->sport = p->sport;
	ev->dport = p->dport;
	ev->icmp_type = p->icmp_type;
	ev->icmp_code = p->icmp_code;
}

/* A zeroed record of this type in the ring buffer, or NULL (counted). */
static __always_inline struct ward_event *ev_reserve(const struct packet *p, __u8 type,
						     __u32 ifindex, __u64 now)
{
	struct ward_event *ev = bpf_ringbuf_reserve(&ward_events, sizeof(*ev), 0);

	if (!ev) {
		count(WARD_CNT_LOG_LOST);
		return NULL;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->ts_ns = now;
	ev->type = type;
	ev->ifindex = ifindex;
	ev_fill_addrs(ev, p);
	return ev;
}

/* A first packet's decision, for the flow log. */
static __always_inline void log_flow(const struct packet *p, __u32 ifindex, __u32 stat,
				     __u8 action, __u8 reason, __u32 rate, __u64 now)
{
	struct ward_event *ev;

	if (!log_take(stat, rate, now)) {
		count(WARD_CNT_LOG_SUPPRESSED);
		return;
	}
	ev = ev_reserve(p, WARD_EV_FLOW, ifindex, now);
	if (!ev)
		return;
	ev->action = action;
	ev->stat = stat;
	ev->reason = reason;
	xlate_event(ev);
	bpf_ringbuf_submit(ev, 0);
}

/*
 * One source trying a new flow to a port. More than scan_ports distinct
 * ports (a 256-bit set of hashed ports: a little under-counted when ports
 * collide) within one window raise one alert for that window.
 */
static __always_inline void scan_track(const struct packet *p, __u32 ifindex,
				       const struct ward_policy_hdr *hdr, __u64 now)
{
	struct ward_scan_key k = { .family = p->family };
	struct ward_scan_val fresh = {}, *v;
	__u32 bit, word;
	__u64 mask;
	struct ward_event *ev;

	if (!hdr->scan_ports || !p->l4 ||
	    (p->proto != IPPROTO_TCP_ && p->proto != IPPROTO_UDP_))
		return;
	__builtin_memcpy(k.src, p->src, 16);
	v = bpf_map_lookup_elem(&ward_scan, &k);
	if (!v) {
		fresh.window_start = now;
		bpf_map_update_elem(&ward_scan, &k, &fresh, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&ward_scan, &k);
		if (!v)
			return;
	}
	if (now - v->window_start > (__u64)hdr->scan_window_ms * 1000000ULL) {
		__builtin_memset(v->ports, 0, sizeof(v->ports));
		v->count = 0;
		v->alerted = 0;
		v->window_start = now;
	}
	bit = (bpf_ntohs(p->dport) * 2654435761u) >> 24;	/* Knuth's multiplicative hash */
	word = (bit >> 6) & 3;
	mask = 1ULL << (bit & 63);
	if (v->ports[word] & mask)
		return;
	v->ports[word] |= mask;
	v->count++;
	if (v->count <= hdr->scan_ports || v->alerted)
		return;
	v->alerted = 1;
	ev = ev_reserve(p, WARD_EV_ALERT, ifindex, now);
	if (!ev)
		return;
	ev->alert = WARD_ALERT_PORT_SCAN;
	ev->count = v->count;
	bpf_ringbuf_submit(ev, 0);
}

#endif /* WARD_BPF_EVENTS_H */
