/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/fqdn_maps.h: the maps of FQDN rules, the per-CPU copy of a DNS
 * message, and what the entry points do with DNS: copy the message out of
 * the packet (the one hook-specific step) and hand it to the parser in
 * bpf/lib/fqdn.h, a global function shared by XDP and tc. Included by
 * entry.h and classify.h; maps are weak like those of maps.h.
 *
 * Why in the data plane: the answer is forwarded only after its addresses
 * are in ward_fqdn_addrs, so a client's first SYN can never beat the map
 * update, and learning goes on while wardd is stopped (docs/fqdn.md).
 */
#ifndef WARD_BPF_FQDN_MAPS_H
#define WARD_BPF_FQDN_MAPS_H

#include "maps.h"
#include "parse.h"
#include "counters.h"

#define FQDN_BUF	4096		/* DNS message bytes looked at */
#define FQDN_MASK	(FQDN_BUF - 1)
#define FQDN_NAME_BUF	512		/* question name, zero-padded */
#define FQDN_ADDR_MAX	128		/* addresses one answer may teach */
#define FQDN_SET_IDS	16		/* sets one question may match */
#define DNS_PORT_BE	bpf_htons(53)

/* Learned addresses. An LRU: with wardd stopped nobody sweeps, and under
 * pressure the least recently used (expired first, in practice) go. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WARD_FQDN_ADDRS);
	__type(key, struct ward_fqdn_addr_key);
	__type(value, struct ward_fqdn_addr_val);
} ward_fqdn_addrs WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_FQDN_PATS);
	__type(key, __u64);
	__type(value, struct ward_fqdn_pat);
} ward_fqdn_pats WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_FQDN_RESOLVERS);
	__type(key, struct ward_fqdn_resolver);
	__type(value, __u32);
} ward_fqdn_resolvers WARD_MAP;

/* Queries in flight. An LRU: a client that never gets its answer must not
 * fill it; losing a very old query costs that answer only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WARD_FQDN_QUERIES);
	__type(key, struct ward_fqdn_query);
	__type(value, struct ward_fqdn_query_val);
} ward_fqdn_queries WARD_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ward_fqdn_conf);
} ward_fqdn_conf WARD_MAP;

/* Only userspace reads and writes it; here so that it is pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARD_FQDN_SETS);
	__type(key, __u32);
	__type(value, struct ward_fqdn_set_name);
} ward_fqdn_sets WARD_MAP;

/* One address of an answer, collected before any is learned: a message
 * that turns out malformed further on teaches nothing. */
struct fqdn_rr {
	__be32	addr[4];
	__u32	ttl;
	__u32	family;
};

/*
 * Parser state. It lives in the map value, not on the stack: bpf_loop
 * callbacks are verified until their states converge, and loop variables
 * the verifier knows as constants (on the stack) keep every iteration
 * distinct until the 1M-instruction limit (kernel 6.18, see
 * /work/shared/fqdn-kit FINDINGS.md). Values read back from a map are
 * unknown scalars and converge in a couple of passes.
 */
struct fqdn_state {
	__u64	sets;		/* sets the question matches */
	__u64	hash;		/* FNV-1a over the question, right to left */
	__u64	now;
	__u32	base;		/* 2 over TCP: the length prefix */
	__u32	len;		/* end of the message in msg[] */
	__u32	pos;
	__u32	qlen;		/* wire bytes of the question name */
	__u32	rem;		/* bytes left in the current label */
	__u32	done;
	__u32	err;
	__u32	n_rr;
	__u32	n_ids;
	__u32	trunc;		/* records not taken */
	__u32	cmp_off;	/* suffix being compared to a pattern */
	__u32	cmp_ok;
	__u32	min_ttl;
	__u32	grace;
	__u32	learned;
	__u32	owner;		/* wire bytes of the owner name being skipped */
	__u32	fresh;		/* addresses new to their set, or expired there */
	__u8	ids[FQDN_SET_IDS];
};

struct fqdn_scratch {
	struct fqdn_state st;
	__u8	msg[FQDN_BUF];
	__u8	name[FQDN_NAME_BUF + 8];
	__u8	lstart[256];	/* 1 where a label of the question starts */
	struct fqdn_rr rr[FQDN_ADDR_MAX];
	/* Map keys, off the stack: the entry's struct packet, the parser
	 * and a bpf_loop callback share 512 bytes. */
	struct ward_fqdn_resolver rk;
	struct ward_fqdn_query qk;
	struct ward_fqdn_query_val qv;
	struct ward_fqdn_addr_key ak;
	struct ward_fqdn_addr_val av;
	struct ward_fqdn_addr_key ck;	/* the classifier's */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fqdn_scratch);
} ward_fqdn_scratch WARD_MAP;

#define FQDN_HOOK_XDP	1
#define FQDN_HOOK_TC	2

/* What ward_fqdn_dns() is handed. */
#define FQDN_MSG_QUERY		0	/* ifindex: the link it came in on */
#define FQDN_MSG_ANSWER		1	/* ifindex: the link it came in on, 0 from this host */
#define FQDN_MSG_LOCAL_QUERY	2	/* the host's own; ifindex: the link it leaves by */

/* Defined in bpf/path.bpf.c (bpf/lib/fqdn.h). */
extern int ward_fqdn_dns(struct packet *p, __u32 ifindex, __u32 copied, __u32 kind);

/*
 * A DNS packet ward has let through: record a query to a resolver, or
 * learn from a resolver's answer before the answer goes on. egress: tc
 * egress, where the host's own queries and the answers of a resolver on
 * this host (ingress_ifindex 0) are looked at, and forwarded queries again
 * (the same record as at the ingress of the link they came in on).
 *
 * A subprogram of its own, not inlined: its locals would otherwise join the
 * entry's frame, and entry + decision + classifier frames already come
 * close to the 512-byte stack. hook is a constant in each entry file, so
 * the other hook's helper is never reached.
 */
static __noinline __attribute__((unused)) void fqdn_inspect(void *ctx, int hook, struct packet *p,
							bool egress)
{
	struct ward_fqdn_conf *conf;
	struct fqdn_scratch *s;
	__u32 zero = 0, off, answer, ifindex, kind;
	__u64 n;

	/* From ctx, not an argument: one register less to keep across the
	 * decision's call in the entry, whose frame is at the stack limit. */
	ifindex = hook == FQDN_HOOK_XDP ? ((struct xdp_md *)ctx)->ingress_ifindex :
					  ((struct __sk_buff *)ctx)->ingress_ifindex;

	if (!p->l4 || (p->proto != IPPROTO_UDP_ && p->proto != IPPROTO_TCP_))
		return;
	if (p->sport == DNS_PORT_BE && (!egress || !ifindex))
		answer = 1;
	else if (p->dport == DNS_PORT_BE)
		answer = 0;
	else
		return;
	conf = bpf_map_lookup_elem(&ward_fqdn_conf, &zero);
	if (!conf || !conf->enabled)
		return;
	s = bpf_map_lookup_elem(&ward_fqdn_scratch, &zero);
	if (!s)
		return;
	s->rk.family = p->family;
	__builtin_memcpy(s->rk.addr, answer ? p->src : p->dst, 16);
	if (!bpf_map_lookup_elem(&ward_fqdn_resolvers, &s->rk)) {
		/* Port 53 on both ends (a server forwarding from port 53):
		 * not from a resolver, so maybe a query to one. */
		if (answer && p->dport == DNS_PORT_BE) {
			answer = 0;
			__builtin_memcpy(s->rk.addr, p->dst, 16);
			if (bpf_map_lookup_elem(&ward_fqdn_resolvers, &s->rk))
				goto resolver;
		}
		if (answer)
			count(WARD_CNT_FQDN_IGNORED);
		return;
	}
resolver:
	if (p->first_frag) {
		/* The rest of the answer is in fragments without a UDP
		 * header: fail closed, and say so. */
		if (answer)
			count(WARD_CNT_FQDN_FRAGMENT);
		return;
	}
	if (p->proto == IPPROTO_TCP_) {
		off = p->l4_end - p->payload_len;
		n = p->payload_len;
	} else {
		off = p->l4_off + 8;
		n = p->l4_end > off ? p->l4_end - off : 0;
	}
	if (n > FQDN_BUF)
		n = FQDN_BUF;
	/* clang 14 merges the range checks and drops the mask; the verifier
	 * then sees a possibly zero or negative length. Opaque, then checked. */
	asm volatile("%[n] &= 0x1fff" : [n] "+r"(n));
	if (n < 4 || n > FQDN_BUF)
		return;
	if (hook == FQDN_HOOK_XDP) {
		if (bpf_xdp_load_bytes(ctx, off, s->msg, n))
			return;
	} else {
		if (bpf_skb_load_bytes(ctx, off, s->msg, n))
			return;
	}
	/* The host's own query has no ingress link: its answer must come
	 * back on the link the query leaves by. */
	kind = answer ? FQDN_MSG_ANSWER : FQDN_MSG_QUERY;
	if (egress && !ifindex && !answer) {
		kind = FQDN_MSG_LOCAL_QUERY;
		ifindex = ((struct __sk_buff *)ctx)->ifindex;
	}
	ward_fqdn_dns(p, ifindex, n, kind);
}

/*
 * Classifier side: is the destination a live learned address of this set?
 * Then dst (the classifier key's) becomes the set id. The lookup key sits
 * in the scratch map and zero is a 0 the caller has on its stack anyway:
 * the classifier's frame is the deepest of the path, and entry + decision
 * + classifier frames had no 20 bytes left of the 512.
 */
static __always_inline bool fqdn_dst_learned(__u8 set, const struct packet *p, __be32 *dst,
					     const __u32 *zero)
{
	struct ward_fqdn_addr_val *v;
	struct fqdn_scratch *s;

	s = bpf_map_lookup_elem(&ward_fqdn_scratch, zero);
	if (!s)
		return false;
	s->ck.set = set;
	s->ck.family = p->family;
	s->ck.pad = 0;
	__builtin_memcpy(s->ck.addr, p->dst, 16);
	v = bpf_map_lookup_elem(&ward_fqdn_addrs, &s->ck);
	/* Expiry decides new flows only: a flow admitted while the address
	 * was live outlives its TTL, also when a reload re-checks it. An
	 * address gone from the map (its set removed or changed) does not. */
	if (!v || (v->expires <= bpf_ktime_get_coarse_ns() && !p->recheck))
		return false;
	dst[0] = set + 1;
	dst[1] = 0;
	dst[2] = 0;
	dst[3] = 0;
	return true;
}

#endif /* WARD_BPF_FQDN_MAPS_H */
