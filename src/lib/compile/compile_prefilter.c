// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile_prefilter.c: the classifier entries whose rule
 * the data plane may decide right after parsing (bpf/lib/prefilter.h).
 *
 * An entry qualifies when its rule is a plain drop (no log, rate, dry-run
 * or reject) and its shape is a source prefix alone or a TCP/UDP
 * destination port alone (any interface, any other field), and no entry
 * of an earlier rule that stays out of the prefilter, nor of an earlier
 * dry-run rule, could match a packet it matches. Then, for any packet, the
 * lowest rule among the prefilter's hits is the rule the classifier would
 * find: every earlier rule that could match is in the prefilter too.
 *
 * Two more cuts keep the lookups exact. A source prefix inside an earlier
 * rule's prefix never decides (the earlier one does): it is left out, so
 * the trie's longest match is always the lowest rule. With a nat: section
 * no port entry qualifies: a port forward changes the destination port
 * before the rules see it. In global dry-run nothing qualifies. A half
 * (source or port) with more entries than a slot's share of its map is
 * left out whole: the prefilter is a shortcut, never a reason to refuse.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "compile_int.h"

/* Entries that stay out of the prefilter and are compared with each later
 * candidate; past this many, nothing later qualifies (compile time stays
 * linear in the rules). */
#define PF_MAX_BLOCKERS	64

/* Tuples [0, n) are the main classifier's, the rest the dry-run rules'. */
static size_t cls_main_count(const struct compiled *c)
{
	return c->hdr.n_tuples - c->hdr.n_dry_tuples;
}

static int pf_plen(const __be32 *mask)
{
	int i, n = 0;

	for (i = 0; i < 4; i++)
		n += __builtin_popcount(mask[i]);
	return n;
}

static bool zero_mask(const __be32 *m)
{
	return !(m[0] | m[1] | m[2] | m[3]);
}

enum pf_kind { PF_NONE, PF_SRC, PF_PORT };

/* An entry and the shape it is an entry of. */
struct pf_item {
	const struct ward_tuple *t;
	const struct cls_entry *e;
};

static enum pf_kind pf_kind_of(const struct compiled *c, const struct pf_item *it, bool ports)
{
	const struct ward_tuple *t = it->t;
	const struct cls_entry *e = it->e;
	const struct ward_rule *r = &c->rules[e->rule];

	if (r->action != WARD_ACT_DROP || (r->flags & (WARD_RF_DRY_RUN | WARD_RF_LOG)) || r->rate)
		return PF_NONE;
	if ((t->flags & (WARD_TF_IN_ZONE | WARD_TF_IN_IF)) || t->fqdn || t->sport_mask ||
	    !zero_mask(t->dst_mask))
		return PF_NONE;
	if (!(t->flags & WARD_TF_PROTO) && !t->dport_mask)
		return PF_SRC;
	if (ports && (t->flags & WARD_TF_PROTO) && t->dport_mask == 0xffff &&
	    zero_mask(t->src_mask) &&
	    (e->key.proto == IPPROTO_TCP || e->key.proto == IPPROTO_UDP))
		return PF_PORT;
	return PF_NONE;
}

static bool addr_apart(const __be32 *a, const __be32 *am, const __be32 *b, const __be32 *bm)
{
	int i;

	for (i = 0; i < 4; i++)
		if ((a[i] ^ b[i]) & am[i] & bm[i])
			return true;
	return false;
}

/* Could one packet match both entries? True unless some field tells them
 * apart (conservative: an FQDN destination always could). */
static bool pf_overlap(const struct pf_item *ix, const struct pf_item *iy)
{
	const struct ward_tuple *tx = ix->t, *ty = iy->t;
	const struct cls_entry *x = ix->e, *y = iy->e;

	if (tx->family != ty->family)
		return false;
	if ((tx->flags & ty->flags & WARD_TF_PROTO) && x->key.proto != y->key.proto)
		return false;
	if ((tx->flags & ty->flags & WARD_TF_IN_ZONE) && x->key.in_zone != y->key.in_zone)
		return false;
	if ((tx->flags & ty->flags & WARD_TF_IN_IF) && x->key.in_if != y->key.in_if)
		return false;
	if ((x->key.sport ^ y->key.sport) & tx->sport_mask & ty->sport_mask)
		return false;
	if ((x->key.dport ^ y->key.dport) & tx->dport_mask & ty->dport_mask)
		return false;
	if (addr_apart(x->key.src, tx->src_mask, y->key.src, ty->src_mask))
		return false;
	if (!tx->fqdn && !ty->fqdn &&
	    addr_apart(x->key.dst, tx->dst_mask, y->key.dst, ty->dst_mask))
		return false;
	return true;
}

static int cmp_by_rule(const void *a, const void *b)
{
	const struct pf_item *x = a, *y = b;

	if (x->e->rule != y->e->rule)
		return x->e->rule < y->e->rule ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* By family, address, then prefix length: a prefix comes before every
 * prefix inside it, and those follow it without a gap. */
static int cmp_src(const void *a, const void *b)
{
	const struct pf_src *x = a, *y = b;
	int d;

	if (x->key.family != y->key.family)
		return x->key.family < y->key.family ? -1 : 1;
	d = memcmp(x->key.addr, y->key.addr, sizeof(x->key.addr));
	if (d)
		return d;
	if (x->key.prefixlen != y->key.prefixlen)
		return x->key.prefixlen < y->key.prefixlen ? -1 : 1;
	return x->val.rule < y->val.rule ? -1 : x->val.rule > y->val.rule;
}

static int cmp_port(const void *a, const void *b)
{
	const struct pf_port *x = a, *y = b;
	int d = memcmp(&x->key, &y->key, sizeof(x->key));

	if (d)
		return d;
	return x->val.rule < y->val.rule ? -1 : x->val.rule > y->val.rule;
}

static bool src_contains(const struct pf_src *outer, const struct pf_src *in)
{
	__be32 m[4];

	if (outer->key.family != in->key.family || outer->key.prefixlen > in->key.prefixlen)
		return false;
	compile_prefix_mask(m, outer->key.family,
			    (int)(outer->key.prefixlen - WARD_PF_KEY_HDR_BITS));
	return !addr_apart(outer->key.addr, m, in->key.addr, m);
}

/* Leaves out the prefixes an earlier rule's prefix holds. */
static int src_drop_shadowed(struct compiled *c)
{
	struct pf_src *v = c->pf_src;
	size_t *stack, depth = 0, i, n = 0;

	if (!c->n_pf_src)
		return 0;
	stack = malloc(c->n_pf_src * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	qsort(v, c->n_pf_src, sizeof(*v), cmp_src);
	for (i = 0; i < c->n_pf_src; i++) {
		/* stack: the kept prefixes holding this one, outermost first;
		 * each kept one has a lower rule than all that hold it. */
		while (depth && !src_contains(&v[stack[depth - 1]], &v[i]))
			depth--;
		if (depth && v[stack[depth - 1]].val.rule <= v[i].val.rule)
			continue;
		v[n] = v[i];
		stack[depth++] = n++;
	}
	c->n_pf_src = n;
	free(stack);
	return 0;
}

static void port_drop_duplicates(struct compiled *c)
{
	size_t i, n = 0;

	if (c->n_pf_port)	/* none: pf_port may be NULL */
		qsort(c->pf_port, c->n_pf_port, sizeof(*c->pf_port), cmp_port);
	for (i = 0; i < c->n_pf_port; i++)
		if (!n || memcmp(&c->pf_port[n - 1].key, &c->pf_port[i].key,
				 sizeof(c->pf_port[i].key)))
			c->pf_port[n++] = c->pf_port[i];
	c->n_pf_port = n;
}

static void pf_add(struct compiled *c, const struct pf_item *it, enum pf_kind kind)
{
	const struct ward_tuple *t = it->t;
	const struct cls_entry *e = it->e;
	struct ward_pf_val val = { .rule = e->rule };

	if (kind == PF_SRC) {
		struct pf_src *s = &c->pf_src[c->n_pf_src++];

		memset(s, 0, sizeof(*s));
		s->key.prefixlen = WARD_PF_KEY_HDR_BITS + pf_plen(t->src_mask);
		s->key.family = t->family;
		memcpy(s->key.addr, e->key.src, sizeof(s->key.addr));
		s->val = val;
	} else {
		struct pf_port *p = &c->pf_port[c->n_pf_port++];

		memset(p, 0, sizeof(*p));
		p->key.family = t->family;
		p->key.proto = e->key.proto;
		p->key.dport = e->key.dport;
		p->val = val;
	}
}

int compile_prefilter(struct compiled *c, const struct pf_main *main)
{
	struct pf_item *items = NULL, *blockers = NULL;
	size_t n = 0, n_block = 0, n_main = cls_main_count(c), i, k, group;
	bool ports = c->nat.n_rules == 0, stopped = false;
	int ret = -ENOMEM;

	c->n_pf_src = c->n_pf_port = 0;
	if ((c->hdr.flags & WARD_RF_DRY_RUN) || !main->n_entries) {
		ret = 0;
		goto done;
	}
	/* The main rules' entries as the tree walk made them (before prefix
	 * expansion: a trie needs none), and the dry-run rules', which only
	 * ever block. */
	items = malloc((main->n_entries + c->n_entries) * sizeof(*items));
	blockers = malloc((main->n_entries + c->n_entries) * sizeof(*blockers));
	c->pf_src = malloc(main->n_entries * sizeof(*c->pf_src));
	c->pf_port = malloc(main->n_entries * sizeof(*c->pf_port));
	if (!items || !blockers || !c->pf_src || !c->pf_port)
		goto out;
	for (i = 0; i < main->n_entries; i++)
		items[n++] = (struct pf_item){ &main->tuples[main->entries[i].key.tuple],
					       &main->entries[i] };
	for (i = 0; i < c->n_entries; i++)
		if (c->entries[i].key.tuple >= n_main)
			items[n++] = (struct pf_item){ &c->hdr.tuples[c->entries[i].key.tuple],
						       &c->entries[i] };
	if (n)
		qsort(items, n, sizeof(*items), cmp_by_rule);

	/* In rule order; the entries of one rule never block each other. */
	for (i = 0; i < n && !stopped; i = group) {
		__u32 rule = items[i].e->rule;
		size_t first_new = n_block;

		for (group = i; group < n && items[group].e->rule == rule; group++) {
			enum pf_kind kind = pf_kind_of(c, &items[group], ports);

			for (k = 0; kind != PF_NONE && k < first_new; k++)
				if (pf_overlap(&blockers[k], &items[group]))
					kind = PF_NONE;
			if (kind != PF_NONE)
				pf_add(c, &items[group], kind);
			else
				blockers[n_block++] = items[group];
		}
		if (n_block > PF_MAX_BLOCKERS)
			stopped = true;
	}
	ret = src_drop_shadowed(c);
	if (!ret)
		port_drop_duplicates(c);
	/* More than a slot's share of a map: that half of the prefilter is
	 * left out (the classifier decides those packets as before). */
	if (c->n_pf_src > WARD_PF_MAX_SRC / WARD_SLOTS)
		c->n_pf_src = 0;
	if (c->n_pf_port > WARD_PF_MAX_PORT / WARD_SLOTS)
		c->n_pf_port = 0;
out:
	free(items);
	free(blockers);
	if (ret || !c->n_pf_src) {
		free(c->pf_src);
		c->pf_src = NULL;
		if (ret)
			c->n_pf_src = 0;
	}
	if (ret || !c->n_pf_port) {
		free(c->pf_port);
		c->pf_port = NULL;
		c->n_pf_port = 0;
	}
done:
	c->hdr.n_pf_src = (__u32)c->n_pf_src;
	c->hdr.n_pf_port = (__u32)c->n_pf_port;
	return ret;
}
