/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/test_run.h: one frame through an ingress program with
 * BPF_PROG_TEST_RUN, given the context its hook would give it.
 *
 * XDP: ingress_ifindex must name an existing device (its rx queue is looked
 * up) and data_end must equal the input size. tc: the kernel copies
 * ingress_ifindex into skb_iif unchecked; ifindex, if set, must exist.
 * Without a ctx, XDP sees ifindex 1 (lo) but tc sees 0 (locally made), so
 * both get one explicitly.
 */
#ifndef WARD_TEST_RUN_H
#define WARD_TEST_RUN_H

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

/* out (out_cap bytes) gets the frame the program leaves with, *out_len its
 * length; out may be NULL. Returns 0 or -errno; *retval is the program's. */
static inline int test_run_frame(struct bpf_program *prog, bool xdp, int ifindex,
				 const void *in, __u32 len, void *out, __u32 out_cap,
				 __u32 *out_len, __u32 repeat, __u32 *retval)
{
	struct xdp_md xctx = { .data = 0, .data_end = len, .ingress_ifindex = ifindex };
	struct __sk_buff sctx = { .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = out ? out_cap : 0, .repeat = repeat);

	if (xdp) {
		opts.ctx_in = &xctx;
		opts.ctx_size_in = sizeof(xctx);
	} else {
		opts.ctx_in = &sctx;
		opts.ctx_size_in = sizeof(sctx);
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	if (out_len)
		*out_len = opts.data_size_out;
	*retval = opts.retval;
	return 0;
}

/* The ifindex of the first device other than lo, or 0: a second link for
 * XDP's test_run, which needs ifindexes that exist and only borrows them. */
static inline int test_other_ifindex(void)
{
	struct if_nameindex *ifs, *it;
	int ifindex = 0;

	ifs = if_nameindex();
	for (it = ifs; it && it->if_index; it++)
		if (strcmp(it->if_name, "lo")) {
			ifindex = (int)it->if_index;
			break;
		}
	if (ifs)
		if_freenameindex(ifs);
	return ifindex;
}

#endif /* WARD_TEST_RUN_H */
