// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bpf/xdp.bpf.c: the XDP entry point: the fastest place to drop, and the
 * gateway's fast path (XDP_REDIRECT through ward_tx_ports). */
#include "lib/entry.h"
#include "lib/reject.h"

SEC("xdp")
int ward_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet *p = ward_pkt_get();
	int ret;

	if (!p)
		return XDP_DROP;
	ret = ward_ingress(ctx, FQDN_HOOK_XDP, p, data, data_end, data_end - data);
	switch (ret) {
	case WARD_DROP:
		return XDP_DROP;
	case WARD_REJECT:
		return reject_xdp(ctx, p);
	}
	if (ret & WARD_XLATE)
		return ward_apply_xdp(ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
