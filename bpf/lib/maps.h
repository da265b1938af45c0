/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/maps.h: the maps of the data plane. Included by every entry file;
 * the definitions are weak so that bpftool's static linker keeps one copy of
 * each when it joins xdp.bpf.o and tc.bpf.o into ward.bpf.o. Layouts are in
 * include/ward/abi.h; userspace pins all of them under WARD_PIN_DIR.
 */
#ifndef WARD_BPF_MAPS_H
#define WARD_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ward/abi.h"

#define WARD_MAP __attribute__((weak)) SEC(".maps")

/* Which policy slot is live. Flipping active_slot is the atomic policy swap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_state);
} ward_state WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_SLOTS);
	__type(key, __u32);
	__type(value, struct ward_policy_hdr);
} ward_policy WARD_MAP;

/* Both slots share one hash: the slot is part of the key's tuple field.
 * Not preallocated: memory follows the rules actually loaded. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_MAX_CLS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_cls_key);
	__type(value, struct ward_cls_val);
} ward_cls WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_SLOTS * WARD_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ward_rule);
} ward_rules WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_SLOTS * WARD_MAX_IFACES);
	__type(key, struct ward_iface_key);
	__type(value, struct ward_iface);
} ward_ifaces WARD_MAP;

/*
 * BPF_MAP_TYPE_PERCPU_ARRAY returns this CPU's copy and the programs run in
 * softirq, so plain increments are safe: no atomics on the hot path.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARD_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ward_stat);
} ward_rule_stats WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARD_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ward_counters WARD_MAP;

/*
 * Flows. A plain hash, not an LRU: a flow that saw both directions is never
 * evicted. When it is full a new flow takes the place of the oldest
 * unanswered one (early drop, ct_pressure.h), and is refused (ct_full) only
 * when none is left. Userspace sizes it from conntrack.max_flows.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_CT_DEFAULT_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_ct_key);
	__type(value, struct ward_ct_val);
} ward_ct WARD_MAP;

/* New flows in the order they were made, and its cursors (abi.h,
 * bpf/lib/ct_pressure.h). Userspace sizes the ring to the flow table and
 * maps both. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_CT_DEFAULT_MAX);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ward_ct_fifo_ent);
} ward_ct_fifo WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ward_ct_ctl);
} ward_ct_ctl WARD_MAP;

/* First fragments that passed, so that the rest of the datagram follows
 * them. Losing an entry costs one datagram: an LRU is right here. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ward_frag_key);
	__type(value, struct ward_frag_val);
} ward_frags WARD_MAP;

/* Per-CPU room for the big temporaries of the rarer paths (a new flow's
 * value, a re-check's packet): the BPF stack is 512 bytes for the whole
 * call chain. Defined by path.h, which knows struct packet. */

/* Flows the userspace sweeper removed (the data plane counts its own in
 * ward_counters): the live flow count is opened minus removed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_ct_gc);
} ward_ct_gc WARD_MAP;

/* Only userspace reads and writes it; here so that it is pinned with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ward_rule_name);
} ward_rule_names WARD_MAP;

#endif /* WARD_BPF_MAPS_H */
