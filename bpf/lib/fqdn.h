/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/fqdn.h: the DNS parser of FQDN rules. Only bpf/path.bpf.c
 * includes it, after path.h; it defines the global function
 * ward_fqdn_dns(), which every entry point calls once fqdn_inspect()
 * (fqdn_maps.h) has copied the message into ward_fqdn_scratch.
 *
 * A query to a resolver is recorded as {client, port, resolver, id} with
 * the link it was seen on. An answer counts only if it consumes such a
 * record and comes in on a link its resolver could answer on
 * (fqdn_answer_link_ok()); then its question name
 * (never a CNAME target: the resolver follows chains, ward does not trust
 * them by name) is matched against the patterns, and every A/AAAA record
 * of the answer section is learned under every set the question matches,
 * until TTL + grace. Every loop over message bytes is a bpf_loop with its
 * state in the map value (see struct fqdn_state for why).
 */
#ifndef WARD_BPF_FQDN_H
#define WARD_BPF_FQDN_H

#include "fqdn_maps.h"
#include "events.h"

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL
#define DNS_HDR_LEN	12
#define DNS_TYPE_A	1
#define DNS_TYPE_AAAA	28
#define DNS_CLASS_IN	1
#define FQDN_RR_MAX	256		/* answer records walked */
#define FQDN_LABELS_MAX	128		/* a 255-byte name has at most 127 */

struct fqdn_ctx {
	struct fqdn_scratch *s;
	struct ward_fqdn_pat *v;
};

static __always_inline __u32 msg_u8(struct fqdn_scratch *s, __u32 pos)
{
	return s->msg[pos & FQDN_MASK];
}

static __always_inline __u32 msg_u16(struct fqdn_scratch *s, __u32 pos)
{
	return msg_u8(s, pos) << 8 | msg_u8(s, pos + 1);
}

/* One wire byte of the question per call: lowercased into name[], label
 * starts marked. No compression (the question is the first name of a
 * message), no label over 63, no '.' or NUL inside a label: those would
 * make "evil.example" + "com" look like "evil.example.com". */
static long qname_step(__u64 i, void *ctx)
{
	struct fqdn_scratch *s = ((struct fqdn_ctx *)ctx)->s;
	struct fqdn_state *q = &s->st;
	__u32 pos = q->pos, n = q->qlen, b;

	if (pos >= q->len || n >= 255) {
		q->err = 1;
		return 1;
	}
	b = msg_u8(s, pos);
	q->pos = pos + 1;
	if (!q->rem) {
		if (!b) {
			s->name[n & 255] = 0;
			s->lstart[n & 255] = 0;
			q->qlen = n + 1;
			q->done = 1;
			return 1;
		}
		if (b > 63) {
			q->err = 1;
			return 1;
		}
		s->lstart[n & 255] = 1;
		q->rem = b;
	} else {
		s->lstart[n & 255] = 0;
		if (b == '.' || !b) {
			q->err = 1;
			return 1;
		}
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		q->rem--;
	}
	s->name[n & 255] = b;
	q->qlen = n + 1;
	return 0;
}

/* Hash hits are checked byte for byte: FNV collisions can be made. */
static long cmp_step(__u64 i, void *ctx)
{
	struct fqdn_ctx *c = ctx;
	struct fqdn_scratch *s = c->s;
	struct ward_fqdn_pat *v = c->v;

	if (s->name[(s->st.cmp_off + i) & 511] != v->name[i & 255]) {
		s->st.cmp_ok = 0;
		return 1;
	}
	return 0;
}

/*
 * Right to left over the question, one byte a call. Where a label starts,
 * the hash covers that suffix of the name: the name itself at 0 (exact
 * names), a proper suffix further in ("*.suffix" matches any name under
 * the suffix, not the suffix itself). One lookup per label, whatever the
 * number of patterns.
 */
static long suffix_step(__u64 i, void *ctx)
{
	struct fqdn_ctx *c = ctx;
	struct fqdn_scratch *s = c->s;
	struct fqdn_state *q = &s->st;
	struct ward_fqdn_pat *v;
	__u32 j;
	__u64 h;

	if (i >= q->qlen)
		return 1;
	j = (q->qlen - 1 - i) & 255;
	h = (q->hash ^ s->name[j]) * FNV64_PRIME;
	q->hash = h;
	if (!s->lstart[j])
		return 0;
	v = bpf_map_lookup_elem(&ward_fqdn_pats, &h);
	if (!v || v->len != q->qlen - j || v->len > 255)
		return 0;
	c->v = v;
	q->cmp_off = j;
	q->cmp_ok = 1;
	bpf_loop(v->len, cmp_step, c, 0);
	if (q->cmp_ok)
		q->sets |= j ? v->wild : v->exact;
	return 0;
}

/* The set ids of the question's bitmap, one byte of it per call: most
 * bytes are 0, and a bit at a time cost ~4 ns x 64 on every answer. */
static long ids_step(__u64 i, void *ctx)
{
	struct fqdn_state *q = &((struct fqdn_ctx *)ctx)->s->st;
	__u32 byte, b;

	if (i >= WARD_FQDN_SETS / 8)
		return 1;
	byte = (q->sets >> (i * 8)) & 0xff;
	for (b = 0; b < 8 && byte; b++, byte >>= 1) {
		if (!(byte & 1))
			continue;
		if (q->n_ids >= FQDN_SET_IDS) {
			q->trunc++;
			return 1;
		}
		q->ids[q->n_ids & (FQDN_SET_IDS - 1)] = i * 8 + b;
		q->n_ids++;
	}
	return 0;
}

/* One label of an owner name per call. A pointer ends the name and is not
 * followed (the question decides, owners are not trusted), so a
 * compression loop cannot make the walk go round. */
static long skip_step(__u64 i, void *ctx)
{
	struct fqdn_scratch *s = ((struct fqdn_ctx *)ctx)->s;
	struct fqdn_state *q = &s->st;
	__u32 pos = q->pos, b;

	if (pos >= q->len) {
		q->err = 1;
		return 1;
	}
	b = msg_u8(s, pos);
	if (!b) {
		q->pos = pos + 1;
		q->done = 1;
		return 1;
	}
	if ((b & 0xc0) == 0xc0) {
		q->pos = pos + 2;
		q->done = 1;
		return 1;
	}
	if (b > 63 || q->owner + b + 1 > 255) {
		q->err = 1;
		return 1;
	}
	q->owner += b + 1;
	q->pos = pos + b + 1;
	return 0;
}

/* One resource record of the answer section per call. */
static long rr_step(__u64 i, void *ctx)
{
	struct fqdn_ctx *c = ctx;
	struct fqdn_scratch *s = c->s;
	struct fqdn_state *q = &s->st;
	__u32 pos, type, class, ttl, rdlen, k;
	struct fqdn_rr *rr;

	q->done = 0;
	q->owner = 0;
	bpf_loop(FQDN_LABELS_MAX, skip_step, c, 0);
	if (!q->done || q->err) {
		q->err = 1;
		return 1;
	}
	pos = q->pos;
	if (pos + 10 > q->len) {
		q->err = 1;
		return 1;
	}
	type = msg_u16(s, pos);
	class = msg_u16(s, pos + 2);
	ttl = msg_u16(s, pos + 4) << 16 | msg_u16(s, pos + 6);
	rdlen = msg_u16(s, pos + 8);
	pos += 10;
	if (pos + rdlen > q->len) {
		q->err = 1;
		return 1;
	}
	q->pos = pos + rdlen;
	if (class != DNS_CLASS_IN ||
	    !((type == DNS_TYPE_A && rdlen == 4) || (type == DNS_TYPE_AAAA && rdlen == 16)))
		return 0;
	if (q->n_rr >= FQDN_ADDR_MAX) {
		q->trunc++;
		return 0;
	}
	rr = &s->rr[q->n_rr & (FQDN_ADDR_MAX - 1)];
	q->n_rr++;
	/* A TTL with the top bit set is 0 (RFC 2181 8). */
	if (ttl & 0x80000000)
		ttl = 0;
	if (ttl > WARD_FQDN_TTL_MAX)
		ttl = WARD_FQDN_TTL_MAX;
	rr->ttl = ttl;
	rr->family = type == DNS_TYPE_A ? WARD_FAM_V4 : WARD_FAM_V6;
	for (k = 0; k < 4; k++) {
		if (k && type == DNS_TYPE_A) {
			rr->addr[k] = 0;
			continue;
		}
		/* Network order, as the packet has it. */
		rr->addr[k] = bpf_htonl(msg_u16(s, pos + 4 * k) << 16 | msg_u16(s, pos + 4 * k + 2));
	}
	if (ttl < q->min_ttl)
		q->min_ttl = ttl;
	return 0;
}

/* One (address, set) pair per call: i = address * n_ids + set. */
static long learn_step(__u64 i, void *ctx)
{
	struct fqdn_scratch *s = ((struct fqdn_ctx *)ctx)->s;
	struct fqdn_state *q = &s->st;
	struct ward_fqdn_addr_key *k = &s->ak;
	struct ward_fqdn_addr_val *nv = &s->av, *v;
	struct fqdn_rr *rr;
	__u32 n_ids = q->n_ids;

	if (!n_ids || n_ids > FQDN_SET_IDS)
		return 1;
	rr = &s->rr[(i / n_ids) & (FQDN_ADDR_MAX - 1)];
	k->set = q->ids[(i % n_ids) & (FQDN_SET_IDS - 1)];
	k->family = rr->family;
	k->pad = 0;
	__builtin_memcpy(k->addr, rr->addr, 16);
	nv->ttl = rr->ttl;
	nv->pad = 0;
	nv->expires = q->now + ((__u64)rr->ttl + q->grace) * 1000000000ULL;
	v = bpf_map_lookup_elem(&ward_fqdn_addrs, k);
	if (v) {
		/* Known: push its expiry out in place (an LRU update would
		 * allocate a new element). Another answer may have taught it
		 * for longer: keep the later. */
		if (v->expires <= q->now)
			q->fresh++;
		if (v->expires < nv->expires) {
			v->expires = nv->expires;
			v->ttl = nv->ttl;
		}
		q->learned++;
		return 0;
	}
	if (!bpf_map_update_elem(&ward_fqdn_addrs, k, nv, BPF_ANY)) {
		q->learned++;
		q->fresh++;
	}
	return 0;
}

/* The names learned go to the flow log; only a log, never a decision. */
static __always_inline void fqdn_event(struct fqdn_scratch *s, struct packet *p, __u32 ifindex)
{
	struct fqdn_state *q = &s->st;
	struct ward_fqdn_event *ev;
	int k;

	ev = bpf_ringbuf_reserve(&ward_events, sizeof(*ev), 0);
	if (!ev) {
		count(WARD_CNT_LOG_LOST);
		return;
	}
	ev->ts_ns = q->now;
	ev->type = WARD_EV_FQDN;
	ev->family = p->family;
	ev->proto = p->proto;
	ev->n_addrs = q->n_rr < WARD_FQDN_EV_ADDRS ? q->n_rr : WARD_FQDN_EV_ADDRS;
	ev->learned = q->n_rr;
	ev->sets = q->sets;
	ev->ttl = q->min_ttl;
	ev->ifindex = ifindex;
	__builtin_memcpy(ev->client, p->dst, 16);
	__builtin_memcpy(ev->resolver, p->src, 16);
	for (k = 0; k < WARD_FQDN_EV_ADDRS; k++) {
		__builtin_memcpy(ev->addrs[k].addr, s->rr[k].addr, 16);
		ev->addrs[k].family = s->rr[k].family;
	}
	__builtin_memcpy(ev->qname, s->name, WARD_FQDN_NAME_MAX);
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void fqdn_query_key(struct ward_fqdn_query *k, struct packet *p,
					   __u16 id, bool answer)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->client, answer ? p->dst : p->src, 16);
	__builtin_memcpy(k->resolver, answer ? p->src : p->dst, 16);
	k->port = answer ? p->dport : p->sport;
	k->id = id;
	k->family = p->family;
	k->proto = p->proto;
}

static __always_inline int fqdn_query(struct fqdn_scratch *s, struct packet *p, __u32 ifindex,
				      __u32 kind, __u32 base)
{
	/* QR clear, opcode QUERY, one question. */
	if ((msg_u8(s, base + 2) & 0xf8) || msg_u16(s, base + 4) != 1)
		return 0;
	fqdn_query_key(&s->qk, p, msg_u16(s, base), false);
	s->qv.ts_ns = bpf_ktime_get_coarse_ns();
	s->qv.ifindex = ifindex;
	s->qv.local = kind == FQDN_MSG_LOCAL_QUERY;
	bpf_map_update_elem(&ward_fqdn_queries, &s->qk, &s->qv, BPF_ANY);
	count(WARD_CNT_FQDN_QUERY);
	return 0;
}

/*
 * Has the answer come in on a link its resolver could answer on? A
 * forwarded query's answer never comes back on the link the query came in
 * on: that is the client's link, where the client itself (or its
 * neighbours) can forge the resolver's answer with the id and port it
 * knows. The host's own query's answer comes back on the link the query
 * left by. An answer from a resolver on this host (ifindex 0) is not on a
 * link at all.
 */
static __always_inline bool fqdn_answer_link_ok(const struct ward_fqdn_query_val *v,
						__u32 ifindex)
{
	if (v->local)
		return ifindex == v->ifindex;
	return ifindex != v->ifindex;
}

static __always_inline int fqdn_answer(struct fqdn_scratch *s, struct packet *p,
				       __u32 ifindex, __u32 base, __u32 end)
{
	struct fqdn_state *q = &s->st;
	struct fqdn_ctx c = { .s = s };
	struct ward_fqdn_query_val *qv;
	struct ward_fqdn_conf *conf;
	__u32 zero = 0, flags, an;

	if (end < base + DNS_HDR_LEN) {
		count(WARD_CNT_FQDN_MALFORMED);
		return 0;
	}
	flags = msg_u16(s, base + 2);
	/* QR set, opcode QUERY, one question; anything else is no answer. */
	if (!(flags & 0x8000) || (flags & 0x7800) || msg_u16(s, base + 4) != 1) {
		count(WARD_CNT_FQDN_MALFORMED);
		return 0;
	}
	fqdn_query_key(&s->qk, p, msg_u16(s, base), true);
	/* A forgery on the wrong link leaves the query for the real answer;
	 * the delete makes the real answer teach once (no replay). */
	qv = bpf_map_lookup_elem(&ward_fqdn_queries, &s->qk);
	if (!qv || !fqdn_answer_link_ok(qv, ifindex) ||
	    bpf_map_delete_elem(&ward_fqdn_queries, &s->qk)) {
		count(WARD_CNT_FQDN_SPOOFED);
		return 0;
	}
	if (flags & 0x000f) {		/* RCODE: NXDOMAIN, SERVFAIL... */
		count(WARD_CNT_FQDN_IGNORED);
		return 0;
	}
	conf = bpf_map_lookup_elem(&ward_fqdn_conf, &zero);
	if (!conf)
		return 0;
	an = msg_u16(s, base + 6);

	/* name[] and lstart[] are written for every byte of the question
	 * before they are read: no need to clear them. */
	__builtin_memset(q, 0, sizeof(*q));
	q->base = base;
	q->len = end;
	q->pos = base + DNS_HDR_LEN;
	q->hash = FNV64_OFFSET;
	q->min_ttl = WARD_FQDN_TTL_MAX;
	q->grace = conf->grace;
	q->now = bpf_ktime_get_coarse_ns();

	bpf_loop(256, qname_step, &c, 0);
	if (!q->done || q->err) {
		count(WARD_CNT_FQDN_MALFORMED);
		return 0;
	}
	q->pos += 4;			/* QTYPE, QCLASS */
	if (q->pos > q->len) {
		count(WARD_CNT_FQDN_MALFORMED);
		return 0;
	}
	count(WARD_CNT_FQDN_PARSED);
	bpf_loop(256, suffix_step, &c, 0);
	if (!q->sets) {
		count(WARD_CNT_FQDN_IGNORED);
		return 0;
	}
	bpf_loop(WARD_FQDN_SETS / 8, ids_step, &c, 0);

	q->done = 0;
	if (an > FQDN_RR_MAX) {
		q->trunc += an - FQDN_RR_MAX;
		an = FQDN_RR_MAX;
	}
	bpf_loop(an, rr_step, &c, 0);
	if (q->err) {
		count(WARD_CNT_FQDN_MALFORMED);
		return 0;
	}
	if (q->trunc)
		count(WARD_CNT_FQDN_TRUNC);
	if (!q->n_rr)
		return 0;
	bpf_loop(q->n_rr * q->n_ids, learn_step, &c, 0);
	if (q->learned) {
		__u64 *cnt;
		__u32 idx = WARD_CNT_FQDN_LEARNED;

		cnt = bpf_map_lookup_elem(&ward_counters, &idx);
		if (cnt)
			*cnt += q->learned;
	}
	/* The flow log says what an answer taught anew, not every refresh. */
	if (q->fresh)
		fqdn_event(s, p, ifindex);
	return 0;
}

/*
 * copied: message bytes in ward_fqdn_scratch (a TCP segment's payload
 * with its length prefix). Over TCP only a message wholly inside one
 * segment is read: reassembly has no place in XDP or tc.
 */
__noinline int ward_fqdn_dns(struct packet *p, __u32 ifindex, __u32 copied, __u32 kind)
{
	bool answer = kind == FQDN_MSG_ANSWER;
	struct fqdn_scratch *s;
	__u32 zero = 0, base = 0, end = copied;

	if (!p)
		return 0;
	s = bpf_map_lookup_elem(&ward_fqdn_scratch, &zero);
	if (!s || copied > FQDN_BUF || copied < 4)
		return 0;
	if (p->proto == IPPROTO_TCP_) {
		__u32 mlen = msg_u16(s, 0);

		base = 2;
		if (answer && mlen + 2 > copied) {
			count(WARD_CNT_FQDN_IGNORED);
			return 0;
		}
		end = mlen + 2 < copied ? mlen + 2 : copied;
	}
	if (!answer)
		return end >= base + DNS_HDR_LEN ? fqdn_query(s, p, ifindex, kind, base) : 0;
	/* A resolver's own query upstream, sent from port 53: not an answer. */
	if (p->dport == DNS_PORT_BE && end > base + 2 && !(msg_u8(s, base + 2) & 0x80))
		return 0;
	return fqdn_answer(s, p, ifindex, base, end);
}

#endif /* WARD_BPF_FQDN_H */
