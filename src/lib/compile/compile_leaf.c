// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile_leaf.c: one leaf of the rule tree -> one rule and
 * its classifier entries. Lists and port ranges multiply out (from x to x
 * sport blocks x dport blocks, per family), and every entry goes under the
 * tuple of its match shape.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

static int block_push(struct port_block **v, size_t *n, size_t *cap, uint32_t value,
		      uint32_t size)
{
	if (*n == *cap) {
		struct port_block *nv;

		*cap = *cap ? *cap * 2 : 16;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	(*v)[*n].value = htons(value);
	(*v)[*n].mask = htons(~(size - 1) & 0xffff);
	(*n)++;
	return 0;
}

/*
 * One range -> value/mask blocks. Every distinct block size is a shape, and
 * each shape costs a hash lookup per packet, so a range uses at most two:
 * blocks of one size 2^k (k chosen so that there are at most
 * COMPILE_RANGE_BLOCKS of them) and exact ports for the unaligned ends.
 * A range of up to COMPILE_EXACT_PORT_SPAN ports is all exact ports.
 */
static int range_blocks(uint32_t lo, uint32_t hi, struct port_block **v, size_t *n,
			size_t *cap)
{
	uint32_t span = hi - lo + 1, size = 1, first, end, p;

	/* One aligned block, 0-65535 included: a single entry. */
	if (!(span & (span - 1)) && !(lo & (span - 1)))
		return block_push(v, n, cap, lo, span);
	if (span > COMPILE_EXACT_PORT_SPAN)
		while (span / size > COMPILE_RANGE_BLOCKS)
			size *= 2;
	first = (lo + size - 1) & ~(size - 1);
	end = (hi + 1) & ~(size - 1);
	if (first >= end) {		/* no whole block inside: exact ports */
		first = end = hi + 1;
		size = 1;
	}
	for (p = lo; p < first; p++)
		if (block_push(v, n, cap, p, 1))
			return -ENOMEM;
	for (p = first; p < end; p += size)
		if (block_push(v, n, cap, p, size))
			return -ENOMEM;
	for (p = end > first ? end : first; p <= hi; p++)
		if (block_push(v, n, cap, p, 1))
			return -ENOMEM;
	return 0;
}

/* Host-order ranges -> value/mask blocks, network order; no ranges: any. */
static size_t port_blocks(const struct pol_port_list *l, struct port_block **out)
{
	struct port_block *v = NULL;
	size_t n = 0, cap = 0, i;

	if (!l->n) {
		v = calloc(1, sizeof(*v));
		*out = v;
		return v ? 1 : 0;
	}
	for (i = 0; i < l->n; i++) {
		if (range_blocks(l->v[i].lo, l->v[i].hi, &v, &n, &cap)) {
			free(v);
			return 0;
		}
	}
	*out = v;
	return n;
}

int compile_tuple_index(struct builder *b, const struct ward_tuple *t, const char *rule)
{
	struct ward_policy_hdr *h = &b->out->hdr;
	__u32 i;

	for (i = 0; i < h->n_tuples; i++)
		if (!memcmp(&h->tuples[i], t, sizeof(*t)))
			return (int)i;
	if (h->n_tuples == WARD_MAX_TUPLES)
		return compile_fail(b, -E2BIG,
				    "rule %s: the policy needs more than %d distinct match shapes "
				    "(combinations of fields, prefix lengths and port blocks); "
				    "merge prefixes of similar length or use fewer port ranges",
				    rule, WARD_MAX_TUPLES);
	h->tuples[h->n_tuples] = *t;
	return (int)h->n_tuples++;
}

static int add_entry(struct builder *b, const struct cls_entry *e, const char *rule)
{
	struct compiled *c = b->out;

	if (c->n_entries == b->cap_entries) {
		size_t cap = b->cap_entries ? b->cap_entries * 2 : 1024;
		struct cls_entry *nv;

		if (c->n_entries + b->reserved >= COMPILE_MAX_ENTRIES)
			return compile_fail(b, -E2BIG, "rule %s: the policy expands to more than %d "
						    "classifier entries (lists multiply: from x to x ports)",
						    rule, COMPILE_MAX_ENTRIES);
		nv = realloc(c->entries, cap * sizeof(*nv));
		if (!nv)
			return compile_fail(b, -ENOMEM, "rule %s: out of memory", rule);
		c->entries = nv;
		b->cap_entries = cap;
	}
	c->entries[c->n_entries++] = *e;
	return 0;
}

static size_t cidrs_of_family(const struct pol_cidr_list *l, int fam,
			      const struct pol_cidr **out)
{
	static const struct pol_cidr any;
	size_t i, n = 0;

	if (!l->n) {
		out[0] = &any;
		return 1;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i].family == fam)
			out[n++] = &l->v[i];
	return n;
}

static int expand_family(struct builder *b, const struct flat *f, int fam, __u32 rule,
			 const char *name, struct port_block *sp, size_t nsp,
			 struct port_block *dp, size_t ndp)
{
	const struct pol_cidr **src = NULL, **dst = NULL;
	size_t ns, nd, i, j, k, l;
	struct ward_tuple t;
	struct cls_entry e;
	int ret = -ENOMEM;

	src = calloc(f->from.n + 1, sizeof(*src));
	dst = calloc(f->to.n + 1, sizeof(*dst));
	if (!src || !dst) {
		ret = compile_fail(b, -ENOMEM, "rule %s: out of memory", name);
		goto out;
	}
	ns = cidrs_of_family(&f->from, fam, src);
	nd = cidrs_of_family(&f->to, fam, dst);
	ret = 0;

	for (i = 0; i < ns; i++) {
		for (j = 0; j < nd; j++) {
			for (k = 0; k < nsp; k++) {
				for (l = 0; l < ndp; l++) {
					int ti, w;

					memset(&t, 0, sizeof(t));
					memset(&e, 0, sizeof(e));
					t.family = fam == 4 ? WARD_FAM_V4 : WARD_FAM_V6;
					compile_prefix_mask(t.src_mask, fam, src[i]->plen);
					compile_prefix_mask(t.dst_mask, fam, dst[j]->plen);
					t.sport_mask = sp[k].mask;
					t.dport_mask = dp[l].mask;
					if (f->proto != POL_ANY) {
						t.flags |= WARD_TF_PROTO;
						e.key.proto = f->proto;
					}
					if (f->zone) {
						t.flags |= WARD_TF_IN_ZONE;
						e.key.in_zone = f->zone;
					}
					if (f->in_if) {
						t.flags |= WARD_TF_IN_IF;
						e.key.in_if = f->in_if;
					}
					/* to_fqdn: the set stands where the
					 * destination address would. */
					t.fqdn = f->fqdn;
					ti = compile_tuple_index(b, &t, name);
					if (ti < 0) {
						ret = ti;
						goto out;
					}
					e.key.tuple = ti;
					e.key.family = t.family;
					e.key.sport = sp[k].value & sp[k].mask;
					e.key.dport = dp[l].value & dp[l].mask;
					memcpy(e.key.src, src[i]->addr, fam == 4 ? 4 : 16);
					memcpy(e.key.dst, dst[j]->addr, fam == 4 ? 4 : 16);
					for (w = 0; w < 4; w++) {
						e.key.src[w] &= t.src_mask[w];
						e.key.dst[w] &= t.dst_mask[w];
					}
					if (f->fqdn)
						e.key.dst[0] = f->fqdn;
					e.rule = rule;
					ret = add_entry(b, &e, name);
					if (ret)
						goto out;
				}
			}
		}
	}
out:
	free(src);
	free(dst);
	return ret;
}

int compile_add_leaf(struct builder *b, const struct pol_rule *r, const struct flat *f)
{
	struct compiled *c = b->out;
	struct port_block *sp = NULL, *dp = NULL;
	size_t nsp, ndp;
	__u32 rule;
	int fam, ret;

	if (c->n_rules == WARD_MAX_RULES)
		return compile_fail(b, -E2BIG, "rule %s: more than %d rules", r->name, WARD_MAX_RULES);
	if (c->n_rules == b->cap_rules) {
		size_t cap = b->cap_rules ? b->cap_rules * 2 : 64;
		struct ward_rule *nr = realloc(c->rules, cap * sizeof(*nr));
		char (*nn)[WARD_RULE_NAME_MAX];

		if (!nr)
			return compile_fail(b, -ENOMEM, "rule %s: out of memory", r->name);
		c->rules = nr;
		nn = realloc(c->names, cap * sizeof(*nn));
		if (!nn)
			return compile_fail(b, -ENOMEM, "rule %s: out of memory", r->name);
		c->names = nn;
		b->cap_rules = cap;
	}
	rule = c->n_rules++;
	memset(&c->rules[rule], 0, sizeof(c->rules[rule]));
	c->rules[rule].action = r->action;
	c->rules[rule].flags = (f->dry_run ? WARD_RF_DRY_RUN : 0) | (f->log ? WARD_RF_LOG : 0);
	c->rules[rule].rate = r->rate;
	snprintf(c->names[rule], WARD_RULE_NAME_MAX, "%s", r->name);

	/* A rule no packet can match still counts as a rule (its counters stay
	 * at zero), it just has no classifier entries. */
	if (f->never)
		return 0;
	/* Dry-run leaves have a classifier of their own (compile_dryrun.c):
	 * they never decide, so the main one must not see them. */
	if (f->dry_run)
		b->n_dry_leaves++;
	if (f->dry_run != b->dry)
		return 0;

	nsp = port_blocks(&f->sport, &sp);
	if (f->icmp_type != POL_ANY) {
		dp = malloc(sizeof(*dp));
		if (dp) {
			dp->value = htons(f->icmp_type);
			dp->mask = 0xffff;
		}
		ndp = dp ? 1 : 0;
	} else {
		ndp = port_blocks(&f->dport, &dp);
	}
	if (!nsp || !ndp) {
		ret = compile_fail(b, -ENOMEM, "rule %s: out of memory", r->name);
		goto out;
	}
	ret = 0;
	for (fam = 4; fam <= 6 && !ret; fam += 2) {
		if (f->family && f->family != fam)
			continue;
		if ((f->proto == 1 && fam == 6) || (f->proto == 58 && fam == 4))
			continue;
		ret = expand_family(b, f, fam, rule, r->name, sp, nsp, dp, ndp);
	}
out:
	free(sp);
	free(dp);
	return ret;
}
