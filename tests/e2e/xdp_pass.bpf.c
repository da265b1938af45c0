// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/e2e/xdp_pass.bpf.c: an XDP program that passes everything, for the
 * client end of a test veth. A veth delivers the frames its peer sends
 * back with XDP_TX only when it has an XDP program itself (the kernel's
 * veth_xdp_flush() wakes the receiver only then); this one does nothing
 * else.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
