/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/frag.h: fragments follow their first fragment's verdict.
 *
 * Only a first fragment has ports, so only it can be classified like the
 * rest of its flow. When it passes, its (addresses, protocol, id) is
 * remembered for the reassembly timeout and the later fragments pass with
 * it. A later fragment whose first was not seen (or was dropped) is decided
 * by the address- and protocol-only rules and the default policy.
 */
#ifndef WARD_BPF_FRAG_H
#define WARD_BPF_FRAG_H

#include "maps.h"
#include "parse.h"

#define FRAG_TIMEOUT_NS	(30ULL * 1000000000ULL)	/* RFC 791's reassembly timer */

static __always_inline void frag_key(const struct packet *p, struct ward_frag_key *k)
{
	__builtin_memcpy(k->src, p->src, 16);
	__builtin_memcpy(k->dst, p->dst, 16);
	k->id = p->ip_id;
	k->proto = p->proto;
	k->family = p->family;
	k->pad = 0;
}

static __always_inline void frag_remember(const struct packet *p, __u64 now)
{
	struct ward_frag_key k;
	struct ward_frag_val v = { .expires = now + FRAG_TIMEOUT_NS };

	frag_key(p, &k);
	bpf_map_update_elem(&ward_frags, &k, &v, BPF_ANY);
}

static __always_inline bool frag_known(const struct packet *p, __u64 now)
{
	struct ward_frag_key k;
	struct ward_frag_val *v;

	frag_key(p, &k);
	v = bpf_map_lookup_elem(&ward_frags, &k);
	return v && v->expires > now;
}

#endif /* WARD_BPF_FRAG_H */
