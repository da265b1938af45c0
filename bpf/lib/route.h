/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/route.h: the route lookup of NAT and the gateway fast path
 * (bpf_fib_lookup) and what its return code means to them. nat.h includes
 * it; nat.h comes in only through path.h, which only bpf/path.bpf.c
 * includes. It defines the global functions ward_route_xdp() and
 * ward_route_tc(), so exactly one object may include it.
 */
#ifndef WARD_BPF_ROUTE_H
#define WARD_BPF_ROUTE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* bpf_fib_lookup() wants the hook's context: one small global function
 * per hook, verified once with its own context type, where the decision
 * stages only hold a void *. */
__noinline int ward_route_xdp(struct xdp_md *ctx, struct bpf_fib_lookup *fib, __u32 flags)
{
	if (!fib)
		return -1;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), flags);
}

__noinline int ward_route_tc(struct __sk_buff *ctx, struct bpf_fib_lookup *fib, __u32 flags)
{
	if (!fib)
		return -1;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), flags);
}

/* xdp is a constant where this is inlined. */
static __always_inline long nat_route(void *ctx, bool xdp, struct bpf_fib_lookup *fib,
				      __u32 flags)
{
	return xdp ? ward_route_xdp(ctx, fib, flags) : ward_route_tc(ctx, fib, flags);
}

/* The lookup found where the packet goes (the neighbour may be unknown yet). */
static __always_inline bool fib_routed(long rc)
{
	return rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       rc == BPF_FIB_LKUP_RET_FRAG_NEEDED;
}

/*
 * A route lookup that failed in a way that must not let a packet of a
 * source NAT rule's from: open a flow untranslated (the flow would stay
 * so, and leak the private source once a route is there): the helper's
 * own error (BPF_FIB_LOOKUP_SRC unknown to the kernel), a blackhole,
 * unreachable or prohibit route, a tunnel route, no source address.
 * Not BPF_FIB_LKUP_RET_NOT_FWDED (the destination is the gateway itself,
 * or there is no route: the helper says the same for both) nor
 * FWD_DISABLED (the kernel forwards nothing from that link).
 */
static __always_inline bool fib_failed(long rc)
{
	return rc < 0 || rc == BPF_FIB_LKUP_RET_BLACKHOLE ||
	       rc == BPF_FIB_LKUP_RET_UNREACHABLE || rc == BPF_FIB_LKUP_RET_PROHIBIT ||
	       rc == BPF_FIB_LKUP_RET_UNSUPP_LWT || rc == BPF_FIB_LKUP_RET_NO_SRC_ADDR;
}

#endif /* WARD_BPF_ROUTE_H */
