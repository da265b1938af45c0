// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf/tc.bpf.c: the tc clsact ingress entry point. Slower to drop than XDP,
 * but it leaves GSO/TSO alone: on a veth, any XDP program turns TSO off on
 * the peer and halves TCP throughput, so virtual links want this hook.
 */
#include "lib/entry.h"
#include "lib/reject.h"

#define TC_ACT_OK_	0
#define TC_ACT_SHOT_	2

/* Enough linear bytes for two VLAN tags, IPv6 with a few extension
 * headers and a TCP header with options. */
#define WARD_TC_PULL	256

/* Headers usually sit in the linear part; pull them when they don't, or
 * the parser would call a split header truncated. */
static __always_inline void pull_headers(struct __sk_buff *skb)
{
	__u32 linear = skb->data_end - skb->data;

	if (linear < WARD_TC_PULL && skb->len > linear)
		bpf_skb_pull_data(skb, skb->len < WARD_TC_PULL ? skb->len : WARD_TC_PULL);
}

SEC("tc")
int ward_tc_ingress(struct __sk_buff *skb)
{
	struct packet *p = ward_pkt_get();
	void *data, *data_end;
	__u32 len;
	int ret;

	if (!p)
		return TC_ACT_SHOT_;

	pull_headers(skb);
	/* clang 14 keeps &skb->data from before the call in a register and
	 * dereferences that later: the verifier refuses a context pointer with
	 * an offset. The barrier makes it read the fields afresh. */
	barrier_var(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	len = skb->len;
	ret = ward_ingress(skb, FQDN_HOOK_TC, p, data, data_end, len);
	switch (ret) {
	case WARD_DROP:
		return TC_ACT_SHOT_;
	case WARD_REJECT:
		return reject_tc(skb, p);
	}
	if (ret & WARD_XLATE)
		return ward_apply_tc(skb);
	return TC_ACT_OK_;
}

/* On every link ward is on, whatever its ingress hook: the host's own
 * flows start here, and forwarded packets get their source NAT here.
 * skb->ingress_ifindex is 0 for locally made packets. Never drops. */
SEC("tc")
int ward_tc_egress(struct __sk_buff *skb)
{
	void *data, *data_end;
	__u32 len, in_ifindex;

	pull_headers(skb);
	barrier_var(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	len = skb->len;
	in_ifindex = skb->ingress_ifindex;
	if (ward_egress(skb, data, data_end, len, in_ifindex) & WARD_XLATE)
		return ward_apply_tc(skb);
	return TC_ACT_OK_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
