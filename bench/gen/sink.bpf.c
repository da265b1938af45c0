// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/gen/sink.bpf.c: receivers for the packet-rate benchmarks, attached
 * with ip-link(8) (`xdpdrv obj sink.bpf.o sec xdp program NAME`):
 *
 *   bench_sink_drop  counts the frame in a per-CPU array and drops it: the
 *                    ceiling, what the cheapest useful XDP program costs
 *   bench_sink_pass  passes every frame: what merely having XDP on a link
 *                    costs (on a veth it turns TSO off on the peer)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * BPF_MAP_TYPE_PERCPU_ARRAY returns this CPU's copy and XDP runs in softirq,
 * which does not nest on one CPU: a plain increment is safe.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_sink_cnt SEC(".maps");

SEC("xdp")
int bench_sink_drop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *cnt = bpf_map_lookup_elem(&bench_sink_cnt, &zero);

	if (cnt)
		*cnt += 1;
	return XDP_DROP;
}

SEC("xdp")
int bench_sink_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
