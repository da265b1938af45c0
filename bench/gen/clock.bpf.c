// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/gen/clock.bpf.c: what one clock read costs a BPF program on this
 * kernel (issue 16: at most one a packet; which one). Each program reads
 * its clock 16 times and drops; clock_none is the same frame of code
 * without the reads. Built by bench/bench.mk; timed with bpftool prog run (bench/RESULTS.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define READS	16

SEC("xdp")
int clock_none(struct xdp_md *ctx)
{
	__u64 sum = ctx->ingress_ifindex;
	int i;

	for (i = 0; i < READS; i++)
		sum += i;
	return sum == 12345 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int clock_ns(struct xdp_md *ctx)
{
	__u64 sum = ctx->ingress_ifindex;
	int i;

	for (i = 0; i < READS; i++)
		sum += bpf_ktime_get_ns();
	return sum == 12345 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int clock_coarse(struct xdp_md *ctx)
{
	__u64 sum = ctx->ingress_ifindex;
	int i;

	for (i = 0; i < READS; i++)
		sum += bpf_ktime_get_coarse_ns();
	return sum == 12345 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int clock_boot(struct xdp_md *ctx)
{
	__u64 sum = ctx->ingress_ifindex;
	int i;

	for (i = 0; i < READS; i++)
		sum += bpf_ktime_get_boot_ns();
	return sum == 12345 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
