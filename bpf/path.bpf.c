// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf/path.bpf.c: the decision stages as global functions, shared by every
 * entry point (see bpf/lib/entry.h for why they are global).
 */
#include "lib/path.h"
#include "lib/trace.h"
#include "lib/fqdn.h"

__noinline int ward_decide_ingress(struct packet *p, __u32 pkt_len, __u32 ifindex)
{
	if (!p)
		return WARD_DROP;
	return path_ingress(p, pkt_len, ifindex);
}

__noinline int ward_track_egress(struct packet *p, __u32 pkt_len, __u32 in_ifindex)
{
	if (!p)
		return WARD_PASS;
	return path_egress(p, pkt_len, in_ifindex);
}

/* wardctl trace (bpf/trace.bpf.c): decide() on a flow, without a packet. */
__noinline int ward_trace_flow(struct ward_trace *t)
{
	if (!t)
		return -1;
	return trace_flow(t);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
