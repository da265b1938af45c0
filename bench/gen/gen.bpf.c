// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/gen/gen.bpf.c: the packet generator's XDP program. bench/gen/wbgen.c
 * runs it with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES: the kernel
 * hands it page-pool frames holding a copy of the template packet and then
 * carries out its verdict for real, so XDP_REDIRECT transmits each frame
 * through the target's ndo_xdp_xmit (the technique of xdp-trafficgen, which
 * Debian ships but which fails on this kernel).
 *
 * Every frame gets the template's headers written afresh: the frames live
 * in a page pool whose pages come back to the generator with whatever the
 * receiver left in them, and a router rewrites the Ethernet header and the
 * TTL in place (a forwarded frame would come back addressed to the next
 * hop, and the next one sent would be dropped as PACKET_OTHERHOST). The
 * kernel only resets the frame's pointers, not its bytes.
 *
 * With nflows > 1 the UDP source port walks over nflows values, one per
 * frame. The UDP checksum is 0 (none, legal for IPv4), so rewriting the port
 * needs no checksum fix-up.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Set by wbgen in the skeleton's rodata before load. */
const volatile __u32 cfg_ifindex = 0;	/* the link to transmit on */
const volatile __u32 cfg_nflows = 1;
const volatile __u16 cfg_sport = 1024;	/* first source port */

#define ETH_HLEN_	14
/* Ethernet, IPv4, UDP are 42 bytes; 48 copies the first 6 payload bytes
 * too, whole words. wbgen sends frames of at least 48 bytes. */
#define GEN_HDR_WORDS	6
#define GEN_HDR_LEN	(GEN_HDR_WORDS * 8)

/*
 * The template's first bytes, copied over every frame: read a volatile
 * word at a time, because clang 14 folds a memcpy() from a const volatile
 * array into stores of its initial zeros.
 */
const volatile __u64 cfg_hdr[GEN_HDR_WORDS];

/*
 * BPF_MAP_TYPE_PERCPU_ARRAY gives each CPU its own counter and a test run
 * stays on one CPU, so the walk over source ports needs no atomics.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_gen_seq SEC(".maps");

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp;
	__u32 zero = 0;
	__u64 *seq;

	__u64 *w = data;
	int i;

	if (data + GEN_HDR_LEN > data_end)
		return XDP_ABORTED;
#pragma unroll
	for (i = 0; i < GEN_HDR_WORDS; i++)
		w[i] = cfg_hdr[i];
	if (cfg_nflows > 1) {
		/* The template is IPv4 without options: UDP at a fixed offset. */
		udp = data + ETH_HLEN_ + sizeof(struct iphdr);
		seq = bpf_map_lookup_elem(&bench_gen_seq, &zero);
		if (!seq)
			return XDP_ABORTED;
		udp->source = bpf_htons(cfg_sport + (__u16)(*seq % cfg_nflows));
		*seq += 1;
	}
	return bpf_redirect(cfg_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
