// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile_cpe.c: controlled prefix expansion over one
 * classifier's entries (docs/classifier.md): fewer prefix lengths, so fewer
 * shapes and fewer hash lookups per packet, for more entries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

/* Prefix length of a mask (contiguous, network order), 0..128. */
static int mask_plen(const __be32 *mask, int family)
{
	int i, n = 0, words = family == WARD_FAM_V4 ? 1 : 4;

	for (i = 0; i < words; i++)
		n += __builtin_popcount(ntohl(mask[i]));
	return n;
}

/* Sets bits [from, to) of a big-endian address to the low bits of value. */
static void addr_set_bits(__be32 *addr, int from, int to, uint32_t value)
{
	int bit;

	for (bit = to - 1; bit >= from; bit--, value >>= 1) {
		int w = bit / 32, sh = 31 - bit % 32;
		uint32_t x = ntohl(addr[w]);

		x = (x & ~(1u << sh)) | ((value & 1u) << sh);
		addr[w] = htonl(x);
	}
}

/*
 * Controlled prefix expansion (Srinivasan and Varghese, 1999). Every
 * distinct prefix length of an address field is a shape, and a shape is a
 * hash lookup per packet, so a blocklist of prefixes of 17 different
 * lengths costs 17 lookups. While a family's field uses more than
 * COMPILE_CPE_LENGTHS lengths, the length that is cheapest to give up is
 * merged into the next longer one in use: its prefixes are replaced by the
 * longer prefixes that cover the same addresses (a /20 becomes 16 /24s).
 * Entries grow, so merging stops when the next merge would not fit the
 * policy's entries (COMPILE_MAX_ENTRIES).
 */
#define COMPILE_CPE_LENGTHS	4
#define COMPILE_CPE_MAX_BITS	12	/* at most 4096 prefixes for one */

static int expand_field(struct compiled *c, size_t reserved, int family, bool src)
{
	struct ward_policy_hdr *h = &c->hdr;
	int full = family == WARD_FAM_V4 ? 32 : 128, to[129], l, t, best;
	double cnt[129] = {};
	double budget = COMPILE_MAX_ENTRIES - (double)c->n_entries - (double)reserved;
	size_t i, n, lengths = 0;
	struct cls_entry *ne;
	bool merged = false;

	for (i = 0; i < c->n_entries; i++) {
		const struct ward_tuple *tp = &h->tuples[c->entries[i].key.tuple];

		if (tp->family == family)
			cnt[mask_plen(src ? tp->src_mask : tp->dst_mask, family)]++;
	}
	for (l = 0; l <= full; l++) {
		to[l] = l;
		lengths += cnt[l] > 0;
	}
	/* Merge the cheapest length into the next longer one, again and again. */
	while (lengths > COMPILE_CPE_LENGTHS) {
		double cost, best_cost = 0;

		best = -1;
		for (l = 1; l < full; l++) {
			if (!cnt[l])
				continue;
			for (t = l + 1; t <= full && !cnt[t]; t++)
				;
			if (t > full || t - l > COMPILE_CPE_MAX_BITS)
				continue;
			cost = cnt[l] * ((double)(1u << (t - l)) - 1);
			if (cost <= budget && (best < 0 || cost < best_cost)) {
				best = l;
				best_cost = cost;
			}
		}
		if (best < 0)
			break;
		for (t = best + 1; !cnt[t]; t++)
			;
		cnt[t] += cnt[best] * (1u << (t - best));
		cnt[best] = 0;
		budget -= best_cost;
		for (l = 0; l <= full; l++)
			if (to[l] == best)
				to[l] = t;
		lengths--;
		merged = true;
	}
	if (!merged)
		return 0;

	ne = malloc((COMPILE_MAX_ENTRIES - reserved - (size_t)budget) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	for (i = 0, n = 0; i < c->n_entries; i++) {
		struct cls_entry e = c->entries[i];
		const struct ward_tuple *tp = &h->tuples[e.key.tuple];
		uint32_t j, count;

		l = mask_plen(src ? tp->src_mask : tp->dst_mask, family);
		if (tp->family != family || to[l] == l) {
			ne[n++] = e;
			continue;
		}
		t = to[l];
		count = 1u << (t - l);
		for (j = 0; j < count; j++) {
			ne[n] = e;
			addr_set_bits(src ? ne[n].key.src : ne[n].key.dst, l, t, j);
			/* The new length, for retuple() to move it to its shape. */
			ne[n].cpe_side = src ? 1 : 2;
			ne[n].cpe_plen = t;
			n++;
		}
	}
	free(c->entries);
	c->entries = ne;
	c->n_entries = n;
	return 1;
}

/* Rebuilds the tuple table after expansion: an entry marked by
 * expand_field() moves to the shape with its new prefix length. */
static int retuple(struct builder *b)
{
	struct compiled *c = b->out;
	struct ward_tuple *old;
	size_t i, n_old = c->hdr.n_tuples;

	old = malloc(n_old * sizeof(*old));
	if (!old)
		return -ENOMEM;
	memcpy(old, c->hdr.tuples, n_old * sizeof(*old));
	c->hdr.n_tuples = 0;
	for (i = 0; i < c->n_entries; i++) {
		struct cls_entry *e = &c->entries[i];
		struct ward_tuple t = old[e->key.tuple];
		int ti;

		if (e->cpe_side)
			compile_prefix_mask(e->cpe_side == 1 ? t.src_mask : t.dst_mask,
					    t.family == WARD_FAM_V4 ? 4 : 6, e->cpe_plen);
		e->cpe_side = 0;
		e->cpe_plen = 0;
		ti = compile_tuple_index(b, &t, c->names[e->rule]);
		if (ti < 0) {
			free(old);
			return ti;
		}
		e->key.tuple = ti;
	}
	free(old);
	return 0;
}

int compile_expand_prefixes(struct builder *b)
{
	static const int fams[] = { WARD_FAM_V4, WARD_FAM_V6 };
	int f, side, ret;

	for (f = 0; f < 2; f++) {
		for (side = 0; side < 2; side++) {
			ret = expand_field(b->out, b->reserved, fams[f], side == 0);
			if (ret < 0)
				return compile_fail(b, ret, "out of memory");
			if (ret) {
				ret = retuple(b);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}
