// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf/tc.bpf.c: the tc clsact ingress entry point. Slower to drop than XDP,
 * but it leaves GSO/TSO alone: on a veth, any XDP program turns TSO off on
 * the peer and halves TCP throughput, so virtual links want this hook.
 */
#include "lib/path.h"

#define TC_ACT_OK_	0
#define TC_ACT_SHOT_	2

/* Enough linear bytes for two VLAN tags, IPv6 with a few extension
 * headers and a TCP header with options. */
#define WARD_TC_PULL	256

SEC("tc")
int ward_tc_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 len = skb->len;

	/* Headers usually sit in the linear part; pull them when they don't,
	 * or the parser would call a split header truncated. */
	if (data_end - data < WARD_TC_PULL && len > data_end - data) {
		bpf_skb_pull_data(skb, len < WARD_TC_PULL ? len : WARD_TC_PULL);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	if (ward_decide(data, data_end, len, skb->ingress_ifindex) == WARD_DROP)
		return TC_ACT_SHOT_;
	return TC_ACT_OK_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
