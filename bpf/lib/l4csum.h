/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/l4csum.h: is a TCP segment's checksum right? Conntrack asks it
 * before a segment may open or change a flow (SYN, FIN, RST, a new flow),
 * as nf_conntrack does with nf_conntrack_checksum=1: a corrupted RST whose
 * sequence number happens to be exact would otherwise close a flow that
 * both endpoints keep (they discard the segment), and corrupted addresses
 * would open garbage flows.
 *
 * XDP has no checksum hints, so the sum is computed: the segment is copied
 * out in chunks (bpf_xdp_load_bytes/bpf_skb_load_bytes work on linear and
 * paged frames alike) and summed with bpf_csum_diff. Two shortcuts:
 *  - a segment whose checksum field holds the pseudo-header sum was sent by
 *    a local stack that left the rest to offload (CHECKSUM_PARTIAL: veth,
 *    GSO segments, GRO'd packets): its sender computed nothing to check,
 *    and corruption that lands exactly on that value is as likely as one
 *    that keeps the sum right (2^-16);
 *  - at tc, a driver that verified the checksum says so (CHECKSUM_UNNECESSARY,
 *    bpf_csum_level).
 * Segments longer than WARD_CSUM_MAX (jumbo frames; GSO packets at tc,
 * which are partial anyway) are not verified: the verifier walks each
 * chunk of the loop.
 *
 * Only bpf/path.bpf.c includes it, for its two global functions.
 */
#ifndef WARD_BPF_L4CSUM_H
#define WARD_BPF_L4CSUM_H

#include "maps.h"
#include "parse.h"

#define WARD_CSUM_CHUNK		256
#define WARD_CSUM_CHUNKS	8	/* 2 KiB: a 1500-byte MTU's segments and more */
#define WARD_CSUM_MAX		(WARD_CSUM_CHUNK * WARD_CSUM_CHUNKS)

/* Room for one chunk (and the IPv6 pseudo header), off the stack. */
struct csum_buf {
	__u8	b[WARD_CSUM_CHUNK + 4];
	__u16	field;		/* the segment's checksum field */
	__u16	pad;
	__u32	pad2;
	__s64	sum;		/* the running sum: here, not on the stack */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct csum_buf);
} ward_csum_buf SEC(".maps");

static __always_inline __u16 csum_fold32(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)((s & 0xffff) + (s >> 16));
}

/* Copies len bytes at off of the frame to dst. */
static __always_inline long csum_load(void *ctx, bool xdp, __u32 off, void *dst, __u32 len)
{
	return xdp ? bpf_xdp_load_bytes(ctx, off, dst, len) :
		     bpf_skb_load_bytes(ctx, off, dst, len);
}

/*
 * The pseudo header's sum (RFC 9293 3.1, RFC 8200 8.1), unfolded, or < 0.
 * Its addresses are read from the frame: the parsed ones may already be
 * the NAT binding's.
 */
static __always_inline __s64 csum_pseudo(void *ctx, bool xdp, struct csum_buf *cb,
					 const struct packet *p, __u32 len)
{
	__u32 *w = (__u32 *)cb->b;

	if (p->family == WARD_FAM_V4) {
		if (csum_load(ctx, xdp, p->l3_off + 12, w, 8))
			return -1;
		w[2] = bpf_htonl((__u32)IPPROTO_TCP_ << 16 | (len & 0xffff));
		return bpf_csum_diff(NULL, 0, w, 12, 0);
	}
	if (csum_load(ctx, xdp, p->l3_off + 8, w, 32))
		return -1;
	w[8] = bpf_htonl(len);
	w[9] = bpf_htonl(IPPROTO_TCP_);
	return bpf_csum_diff(NULL, 0, w, 40, 0);
}

/*
 * 0 when the segment's checksum is right (or not for us to check), 1 when
 * it is wrong. xdp: ctx is an xdp_md, else an __sk_buff. The checksum field
 * is read with the bytes of the first chunk.
 */
static __always_inline int l4_csum_check(void *ctx, const struct packet *p, bool xdp)
{
	__u32 zero = 0, off = p->l4_off, len, done, n, m;
	struct csum_buf *cb = bpf_map_lookup_elem(&ward_csum_buf, &zero);
	__u16 pseudo;

	/* A first fragment's checksum covers the whole datagram. */
	if (!cb || p->l4_end <= p->l4_off || p->first_frag)
		return 0;
	len = p->l4_end - p->l4_off;
	if (len > WARD_CSUM_MAX || len < 20)
		return 0;
	cb->sum = csum_pseudo(ctx, xdp, cb, p, len);
	if (cb->sum < 0)
		return 0;
	pseudo = csum_fold32((__u32)cb->sum);
	if (csum_load(ctx, xdp, off + 16, &cb->field, 2))
		return 0;
	if (cb->field == pseudo || ((__u16)(cb->field + 1) == 0 && pseudo == 0) ||
	    (cb->field == 0 && (__u16)(pseudo + 1) == 0))
		return 0;		/* left to offload by a local sender */
	if (!xdp && bpf_csum_level(ctx, BPF_CSUM_LEVEL_QUERY) >= 0)
		return 0;		/* the driver verified it */

	for (done = 0; done < WARD_CSUM_MAX; done += WARD_CSUM_CHUNK) {
		if (done >= len)
			break;
		n = len - done;
		if (n > WARD_CSUM_CHUNK)
			n = WARD_CSUM_CHUNK;
		/* Bounds the verifier can see, whatever clang made of the above. */
		barrier_var(n);
		n &= 0x1ff;
		if (!n || n > WARD_CSUM_CHUNK)
			break;
		if (csum_load(ctx, xdp, off + done, cb->b, n))
			return 0;
		/* bpf_csum_diff sums whole words: an odd tail is the high
		 * byte of a word padded with zeros. */
		cb->b[n] = 0;
		cb->b[n + 1] = 0;
		cb->b[n + 2] = 0;
		m = (n + 3) & ~3u;
		if (m > WARD_CSUM_CHUNK)
			m = WARD_CSUM_CHUNK;
		cb->sum = bpf_csum_diff(NULL, 0, (__be32 *)cb->b, m, (__u32)cb->sum);
		if (cb->sum < 0)
			return 0;
	}
	return csum_fold32((__u32)cb->sum) != 0xffff;
}

#endif /* WARD_BPF_L4CSUM_H */
