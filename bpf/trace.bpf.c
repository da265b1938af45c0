// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf/trace.bpf.c: the entry point of wardctl trace. wardd runs it with
 * BPF_PROG_TEST_RUN and never attaches it: its "packet" is a struct
 * ward_trace (a flow as the parser would have made it), answered in place
 * by ward_trace_flow() in bpf/path.bpf.c (bpf/lib/trace.h). The context
 * is for bpf_fib_lookup(): a test run's is in wardd's network namespace.
 */
#include "lib/maps.h"

extern int ward_trace_flow(struct xdp_md *ctx, struct ward_trace *t);

SEC("xdp")
int ward_trace(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ward_trace *pt = data, t;

	if ((void *)(pt + 1) > data_end)
		return XDP_ABORTED;
	/* A copy on the stack: a global function's pointer is to memory of
	 * a known size, which packet data is not to the verifier. */
	__builtin_memcpy(&t, pt, sizeof(t));
	if (ward_trace_flow(ctx, &t))
		return XDP_ABORTED;
	__builtin_memcpy(pt, &t, sizeof(t));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
