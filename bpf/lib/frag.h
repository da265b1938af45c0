/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/frag.h: fragments follow their first fragment's verdict.
 *
 * Only a first fragment has ports, so only it can be classified like the
 * rest of its flow. Its verdict is remembered under (addresses, protocol,
 * id) for the reassembly timeout: the later fragments of an admitted
 * datagram pass with it (path.h remembers those), those of a dropped one
 * are dropped (entry.h remembers those, whatever stage dropped it). A later
 * fragment whose first was not seen is decided by the address- and
 * protocol-only rules and the default policy. Included by entry.h and
 * path.h; BPF-only.
 */
#ifndef WARD_BPF_FRAG_H
#define WARD_BPF_FRAG_H

#include "maps.h"
#include "parse.h"
#include "counters.h"

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

static __always_inline void frag_note(const struct packet *p, __u64 now, __u32 denied)
{
	struct ward_frag_key k;
	struct ward_frag_val v = { .expires = now + FRAG_TIMEOUT_NS, .denied = denied };

	frag_key(p, &k);
	bpf_map_update_elem(&ward_frags, &k, &v, BPF_ANY);
}

/* The first fragment passed: so do the rest of its datagram. */
static __always_inline void frag_remember(const struct packet *p, __u64 now)
{
	frag_note(p, now, 0);
}

/* The first fragment was dropped (by a rule, the policy, conntrack...):
 * so are the rest, whatever an address-only rule would say of them. */
static __always_inline void frag_remember_denied(const struct packet *p)
{
	frag_note(p, bpf_ktime_get_coarse_ns(), 1);
}

/*
 * A later fragment: WARD_PASS or a drop when its first fragment was seen,
 * WARD_CONTINUE (counted as a fragment of no known first) for the rules to
 * decide on addresses and protocol.
 */
static __always_inline int frag_follow(const struct packet *p)
{
	struct ward_frag_key k;
	struct ward_frag_val *v;

	frag_key(p, &k);
	v = bpf_map_lookup_elem(&ward_frags, &k);
	if (v && v->expires > bpf_ktime_get_coarse_ns()) {
		if (v->denied)
			return drop(WARD_CNT_DROP_FRAG_DENIED);
		count(WARD_CNT_FRAG_PASS);
		return WARD_PASS;
	}
	count(WARD_CNT_FRAGMENT);
	return WARD_CONTINUE;
}

#endif /* WARD_BPF_FRAG_H */
