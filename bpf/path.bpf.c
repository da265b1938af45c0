// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf/path.bpf.c: the decision stages as global functions, shared by every
 * entry point (see bpf/lib/entry.h for why they are global), and the
 * rewrites they ask for (NAT, the fast path's redirect).
 */
#include "lib/path.h"
#include "lib/nat_apply.h"
#include "lib/trace.h"
#include "lib/fqdn.h"
#include "lib/route.h"	/* ward_route_xdp(), ward_route_tc() */

#define TC_ACT_OK_	0
#define TC_ACT_SHOT_	2

__noinline int ward_decide_xdp(struct xdp_md *ctx, struct packet *p, __u32 pkt_len,
			       __u32 ifindex)
{
	if (!p)
		return WARD_DROP;
	return path_ingress(ctx, p, pkt_len, ifindex, true);
}

__noinline int ward_decide_tc(struct __sk_buff *ctx, struct packet *p, __u32 pkt_len,
			      __u32 ifindex)
{
	if (!p)
		return WARD_DROP;
	return path_ingress(ctx, p, pkt_len, ifindex, false);
}

/* tcp_precheck() in bpf/lib/path.h: 0, or the drop reason. */
__noinline int ward_tcp_precheck_xdp(struct xdp_md *ctx, struct packet *p, int noflow)
{
	if (!p)
		return WARD_CNT_DROP_INTERNAL;
	return tcp_precheck(ctx, p, noflow, true);
}

__noinline int ward_tcp_precheck_tc(struct __sk_buff *ctx, struct packet *p, int noflow)
{
	if (!p)
		return WARD_CNT_DROP_INTERNAL;
	return tcp_precheck(ctx, p, noflow, false);
}

__noinline int ward_ct_early_drop(void)
{
	return ct_early_drop();
}

__noinline int ward_track_egress(struct packet *p, __u32 pkt_len, __u32 in_ifindex)
{
	if (!p)
		return WARD_PASS;
	return path_egress(p, pkt_len, in_ifindex);
}

/* A packet that must be translated and cannot be is dropped: it must not
 * leave with the addresses it came with. Returns the XDP action. */
__noinline int ward_apply_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct xlate *xl = xlate_get();

	if (!xl || apply_direct(data, data_end, xl, true)) {
		count(WARD_CNT_DROP_INTERNAL);
		return XDP_DROP;
	}
	if (xl->flags & XL_FWD)
		return bpf_redirect_map(&ward_tx_ports, xl->ifindex, XDP_DROP);
	return XDP_PASS;
}

/* The same for tc; returns the tc action. */
__noinline int ward_apply_tc(struct __sk_buff *ctx)
{
	struct xlate *xl = xlate_get();
	void *data, *data_end;

	if (!xl || apply_tc_l4sum(ctx, xl))
		goto fail;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (apply_direct(data, data_end, xl, false))
		goto fail;
	if (xl->flags & XL_FWD)
		return bpf_redirect(xl->ifindex, 0);
	return TC_ACT_OK_;
fail:
	count(WARD_CNT_DROP_INTERNAL);
	return TC_ACT_SHOT_;
}

/* wardctl trace (bpf/trace.bpf.c): decide() on a flow, without a packet. */
__noinline int ward_trace_flow(struct xdp_md *ctx, struct ward_trace *t)
{
	if (!t)
		return -1;
	return trace_flow(ctx, t);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
