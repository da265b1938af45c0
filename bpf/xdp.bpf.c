// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bpf/xdp.bpf.c: the XDP entry point: the fastest place to drop. */
#include "lib/entry.h"
#include "lib/reject.h"

SEC("xdp")
int ward_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet p;

	switch (ward_ingress(ctx, FQDN_HOOK_XDP, &p, data, data_end, data_end - data)) {
	case WARD_DROP:
		return XDP_DROP;
	case WARD_REJECT:
		return reject_xdp(ctx, &p);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
