// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/compile/compile.c: see compile.h; the choice of algorithm is in docs/classifier.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile.h"
#include "compile_int.h"
#include "fqdn.h"

/* A leaf's effective match: its own fields intersected with its ancestors'. */
struct flat {
	int	family;		/* 0, 4 or 6 */
	int	proto;		/* POL_ANY or a number */
	int	icmp_type;	/* POL_ANY or a type */
	int	zone;		/* 0 or a zone id */
	int	in_if;		/* 0 or an interface name id */
	int	fqdn;		/* 0 or an FQDN set's index + 1 */
	struct pol_cidr_list from, to;		/* n == 0: any; owned */
	struct pol_port_list sport, dport;	/* n == 0: any; owned */
	bool	dry_run;
	bool	log;
	bool	never;		/* the intersection is empty: no packet matches */
};

struct port_block {
	__be16	value;
	__be16	mask;
};

struct builder {
	const struct pol_policy *pol;
	struct compiled *out;
	size_t	cap_rules;
	size_t	cap_entries;
	char	*err;
	size_t	errlen;
};

static int fail(struct builder *b, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct builder *b, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

int find_str(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return (int)i;
	return -1;
}

int add_str(char ***v, size_t *n, const char *s)
{
	char **nv;

	if (find_str(*v, *n, s) >= 0)
		return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int collect_if_names(struct compiled *c, const struct pol_rule *r, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (r[i].in && find_str(c->zones, c->n_zones, r[i].in) < 0) {
			err = add_str(&c->if_names, &c->n_if_names, r[i].in);
			if (err)
				return err;
		}
		err = collect_if_names(c, r[i].children, r[i].n_children);
		if (err)
			return err;
	}
	return 0;
}

static void prefix_mask(__be32 *mask, int family, int plen)
{
	int i, words = family == 4 ? 1 : 4;

	memset(mask, 0, 16);
	for (i = 0; i < words; i++) {
		int bits = plen - 32 * i;

		if (bits >= 32)
			mask[i] = 0xffffffff;
		else if (bits > 0)
			mask[i] = htonl(~0u << (32 - bits));
	}
}

/* Does prefix a contain prefix b? */
static bool cidr_contains(const struct pol_cidr *a, const struct pol_cidr *b)
{
	__be32 mask[4], aw[4] = {}, bw[4] = {};
	int i;

	if (a->family != b->family || a->plen > b->plen)
		return false;
	prefix_mask(mask, a->family, a->plen);
	memcpy(aw, a->addr, a->family == 4 ? 4 : 16);
	memcpy(bw, b->addr, b->family == 4 ? 4 : 16);
	for (i = 0; i < 4; i++)
		if ((aw[i] & mask[i]) != (bw[i] & mask[i]))
			return false;
	return true;
}

/* out = a ∩ b; sets *never when they share no address. */
static int cidr_intersect(const struct pol_cidr_list *a, const struct pol_cidr_list *b,
			  struct pol_cidr_list *out, bool *never)
{
	size_t i, j;

	if (!a->n || !b->n) {
		const struct pol_cidr_list *src = a->n ? a : b;

		out->n = src->n;
		out->v = NULL;
		if (!src->n)
			return 0;
		out->v = malloc(src->n * sizeof(*out->v));
		if (!out->v)
			return -ENOMEM;
		memcpy(out->v, src->v, src->n * sizeof(*out->v));
		return 0;
	}
	out->v = malloc(a->n * b->n * sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	out->n = 0;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			if (cidr_contains(&a->v[i], &b->v[j]))
				out->v[out->n++] = b->v[j];
			else if (cidr_contains(&b->v[j], &a->v[i]))
				out->v[out->n++] = a->v[i];
		}
	}
	if (!out->n)
		*never = true;
	return 0;
}

static int port_intersect(const struct pol_port_list *a, const struct pol_port_list *b,
			  struct pol_port_list *out, bool *never)
{
	size_t i, j;

	if (!a->n || !b->n) {
		const struct pol_port_list *src = a->n ? a : b;

		out->n = src->n;
		out->v = NULL;
		if (!src->n)
			return 0;
		out->v = malloc(src->n * sizeof(*out->v));
		if (!out->v)
			return -ENOMEM;
		memcpy(out->v, src->v, src->n * sizeof(*out->v));
		return 0;
	}
	out->v = malloc(a->n * b->n * sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	out->n = 0;
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			uint16_t lo = a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
			uint16_t hi = a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;

			if (lo <= hi)
				out->v[out->n++] = (struct pol_ports){ lo, hi };
		}
	}
	if (!out->n)
		*never = true;
	return 0;
}

static void flat_free(struct flat *f)
{
	free(f->from.v);
	free(f->to.v);
	free(f->sport.v);
	free(f->dport.v);
}

static int merge_int(int parent, int child, int any, bool *never)
{
	if (parent == any)
		return child;
	if (child != any && child != parent)
		*never = true;
	return parent;
}

/* child = parent ∩ r */
static int flat_merge(struct builder *b, const struct flat *parent,
		      const struct pol_rule *r, struct flat *child)
{
	struct compiled *c = b->out;
	int zone = 0, in_if = 0, err;

	memset(child, 0, sizeof(*child));
	child->never = parent->never;
	child->family = merge_int(parent->family, r->family, 0, &child->never);
	child->proto = merge_int(parent->proto, r->proto, POL_ANY, &child->never);
	child->icmp_type = merge_int(parent->icmp_type, r->icmp_type, POL_ANY, &child->never);
	if (r->in) {
		int z = find_str(c->zones, c->n_zones, r->in);

		if (z >= 0)
			zone = z + 1;
		else
			in_if = find_str(c->if_names, c->n_if_names, r->in) + 1;
	}
	child->zone = merge_int(parent->zone, zone, 0, &child->never);
	child->in_if = merge_int(parent->in_if, in_if, 0, &child->never);
	child->fqdn = merge_int(parent->fqdn, r->fqdn_set, 0, &child->never);
	child->dry_run = parent->dry_run || r->dry_run;
	child->log = parent->log || r->log;

	err = cidr_intersect(&parent->from, &r->from, &child->from, &child->never);
	if (!err)
		err = cidr_intersect(&parent->to, &r->to, &child->to, &child->never);
	if (!err)
		err = port_intersect(&parent->sport, &r->sport, &child->sport, &child->never);
	if (!err)
		err = port_intersect(&parent->dport, &r->dport, &child->dport, &child->never);
	if (err)
		return fail(b, err, "rule %s: out of memory", r->name);
	return 0;
}

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

static int tuple_index(struct builder *b, const struct ward_tuple *t, const char *rule)
{
	struct ward_policy_hdr *h = &b->out->hdr;
	__u32 i;

	for (i = 0; i < h->n_tuples; i++)
		if (!memcmp(&h->tuples[i], t, sizeof(*t)))
			return (int)i;
	if (h->n_tuples == WARD_MAX_TUPLES)
		return fail(b, -E2BIG,
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

		if (c->n_entries >= COMPILE_MAX_ENTRIES)
			return fail(b, -E2BIG, "rule %s: the policy expands to more than %d "
				    "classifier entries (lists multiply: from x to x ports)",
				    rule, COMPILE_MAX_ENTRIES);
		nv = realloc(c->entries, cap * sizeof(*nv));
		if (!nv)
			return fail(b, -ENOMEM, "rule %s: out of memory", rule);
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
		ret = fail(b, -ENOMEM, "rule %s: out of memory", name);
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
					prefix_mask(t.src_mask, fam, src[i]->plen);
					prefix_mask(t.dst_mask, fam, dst[j]->plen);
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
					ti = tuple_index(b, &t, name);
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

static int add_leaf(struct builder *b, const struct pol_rule *r, const struct flat *f)
{
	struct compiled *c = b->out;
	struct port_block *sp = NULL, *dp = NULL;
	size_t nsp, ndp;
	__u32 rule;
	int fam, ret;

	if (c->n_rules == WARD_MAX_RULES)
		return fail(b, -E2BIG, "rule %s: more than %d rules", r->name, WARD_MAX_RULES);
	if (c->n_rules == b->cap_rules) {
		size_t cap = b->cap_rules ? b->cap_rules * 2 : 64;
		struct ward_rule *nr = realloc(c->rules, cap * sizeof(*nr));
		char (*nn)[WARD_RULE_NAME_MAX];

		if (!nr)
			return fail(b, -ENOMEM, "rule %s: out of memory", r->name);
		c->rules = nr;
		nn = realloc(c->names, cap * sizeof(*nn));
		if (!nn)
			return fail(b, -ENOMEM, "rule %s: out of memory", r->name);
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
		ret = fail(b, -ENOMEM, "rule %s: out of memory", r->name);
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

static int walk(struct builder *b, const struct flat *parent,
		const struct pol_rule *rules, size_t n)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const struct pol_rule *r = &rules[i];
		struct flat f;

		ret = flat_merge(b, parent, r, &f);
		if (!ret) {
			if (r->n_children)
				ret = walk(b, &f, r->children, r->n_children);
			else
				ret = add_leaf(b, r, &f);
		}
		flat_free(&f);
	}
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct cls_entry *x = a, *y = b;
	int r = memcmp(&x->key, &y->key, sizeof(x->key));

	if (r)
		return r;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static const struct ward_tuple *sort_tuples_base;

static int cmp_tuple_order(const void *a, const void *b)
{
	__u32 x = sort_tuples_base[*(const __u32 *)a].min_rule;
	__u32 y = sort_tuples_base[*(const __u32 *)b].min_rule;

	if (x != y)
		return x < y ? -1 : 1;
	return *(const __u32 *)a < *(const __u32 *)b ? -1 : 1;
}

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

static int expand_field(struct compiled *c, int family, bool src)
{
	struct ward_policy_hdr *h = &c->hdr;
	int full = family == WARD_FAM_V4 ? 32 : 128, to[129], l, t, best;
	double cnt[129] = {}, budget = COMPILE_MAX_ENTRIES - (double)c->n_entries;
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

	ne = malloc((COMPILE_MAX_ENTRIES - (size_t)budget) * sizeof(*ne));
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
			ne[n].key.pad = src ? 1 : 2;
			ne[n].key.pad2 = t;
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

		if (e->key.pad)
			prefix_mask(e->key.pad == 1 ? t.src_mask : t.dst_mask,
				    t.family == WARD_FAM_V4 ? 4 : 6, e->key.pad2);
		e->key.pad = 0;
		e->key.pad2 = 0;
		ti = tuple_index(b, &t, c->names[e->rule]);
		if (ti < 0) {
			free(old);
			return ti;
		}
		e->key.tuple = ti;
	}
	free(old);
	return 0;
}

static int expand_prefixes(struct builder *b)
{
	static const int fams[] = { WARD_FAM_V4, WARD_FAM_V6 };
	int f, side, ret;

	for (f = 0; f < 2; f++) {
		for (side = 0; side < 2; side++) {
			ret = expand_field(b->out, fams[f], side == 0);
			if (ret < 0)
				return fail(b, ret, "out of memory");
			if (ret) {
				ret = retuple(b);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

/* Order tuples by their first rule so the data plane can stop early, and
 * drop duplicate keys: the lowest rule of a key is the one that matches. */
static void finish(struct compiled *c)
{
	struct ward_policy_hdr *h = &c->hdr;
	struct ward_tuple sorted[WARD_MAX_TUPLES];
	__u32 order[WARD_MAX_TUPLES], remap[WARD_MAX_TUPLES];
	size_t i, n;

	for (i = 0; i < h->n_tuples; i++) {
		h->tuples[i].min_rule = 0xffffffff;
		order[i] = i;
	}
	for (i = 0; i < c->n_entries; i++) {
		struct ward_tuple *t = &h->tuples[c->entries[i].key.tuple];

		if (c->entries[i].rule < t->min_rule)
			t->min_rule = c->entries[i].rule;
	}
	sort_tuples_base = h->tuples;
	qsort(order, h->n_tuples, sizeof(order[0]), cmp_tuple_order);
	for (i = 0; i < h->n_tuples; i++) {
		sorted[i] = h->tuples[order[i]];
		remap[order[i]] = i;
	}
	memcpy(h->tuples, sorted, h->n_tuples * sizeof(sorted[0]));
	for (i = 0; i < c->n_entries; i++)
		c->entries[i].key.tuple = remap[c->entries[i].key.tuple];

	qsort(c->entries, c->n_entries, sizeof(c->entries[0]), cmp_entry);
	for (i = 0, n = 0; i < c->n_entries; i++) {
		if (n && !memcmp(&c->entries[n - 1].key, &c->entries[i].key,
				 sizeof(c->entries[i].key)))
			continue;
		c->entries[n++] = c->entries[i];
	}
	c->n_entries = n;
}

/* Close to Linux's nf_conntrack defaults. */
static const __u32 ct_timeout_default[WARD_CT_TO_MAX] = {
	[WARD_CT_TO_TCP_EST]		= 432000,	/* 5 days */
	[WARD_CT_TO_TCP_HANDSHAKE]	= 120,
	[WARD_CT_TO_TCP_CLOSE]		= 120,
	[WARD_CT_TO_UDP]		= 30,
	[WARD_CT_TO_UDP_STREAM]		= 120,
	[WARD_CT_TO_ICMP]		= 30,
};

int compile_policy(const struct pol_policy *pol, struct compiled *out,
		   char *err, size_t errlen)
{
	struct builder b = { .pol = pol, .out = out, .err = err, .errlen = errlen };
	struct flat root = { .proto = POL_ANY, .icmp_type = POL_ANY };
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	out->hdr.default_action = pol->default_action;
	out->hdr.flags = pol->dry_run ? WARD_RF_DRY_RUN : 0;
	out->hdr.log_mode = pol->log == POL_LOG_ALL ? WARD_LOG_ALL :
			    pol->log == POL_LOG_DROPS ? WARD_LOG_DROPS : WARD_LOG_NONE;
	out->hdr.log_rate = pol->observe.log_rate ? pol->observe.log_rate : POL_LOG_RATE_DEFAULT;
	out->hdr.reject_rate = pol->reject_rate ? pol->reject_rate : POL_REJECT_RATE_DEFAULT;
	if (pol->alerts.scan_window) {
		out->hdr.scan_ports = pol->alerts.scan_ports;
		out->hdr.scan_window_ms = pol->alerts.scan_window * 1000;
	}
	for (i = 0; i < WARD_CT_TO_MAX; i++)
		out->hdr.ct_timeout[i] = pol->conntrack.timeout[i] ?
					 pol->conntrack.timeout[i] : ct_timeout_default[i];

	for (i = 0; i < pol->n_ifaces; i++) {
		if (!pol->ifaces[i].role)
			continue;
		ret = add_str(&out->zones, &out->n_zones, pol->ifaces[i].role);
		if (ret)
			goto err_nomem;
	}
	if (out->n_zones > 255) {
		ret = fail(&b, -E2BIG, "interfaces: more than 255 roles");
		goto err;
	}
	ret = collect_if_names(out, pol->rules, pol->n_rules);
	if (!ret)
		ret = compile_nat(pol, out);
	if (ret)
		goto err_nomem;

	ret = pol_fqdn_copy(&out->fqdn, &pol->fqdn);
	if (ret)
		goto err_nomem;
	ret = walk(&b, &root, pol->rules, pol->n_rules);
	if (!ret)
		ret = expand_prefixes(&b);
	if (ret)
		goto err;
	finish(out);
	return 0;

err_nomem:
	ret = fail(&b, -ENOMEM, "out of memory");
err:
	compiled_free(out);
	return ret;
}

void compiled_free(struct compiled *c)
{
	size_t i;

	free(c->rules);
	free(c->names);
	free(c->entries);
	for (i = 0; i < c->n_zones; i++)
		free(c->zones[i]);
	free(c->zones);
	for (i = 0; i < c->n_if_names; i++)
		free(c->if_names[i]);
	free(c->if_names);
	pol_fqdn_free(&c->fqdn);
	memset(c, 0, sizeof(*c));
}

const struct pol_iface *compiled_iface(const struct compiled *c,
				       const struct pol_policy *pol,
				       const char *ifname, struct ward_iface *out)
{
	size_t i;
	int id;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < pol->n_ifaces; i++) {
		const struct pol_iface *pi = &pol->ifaces[i];

		if (fnmatch(pi->match, ifname, 0))
			continue;
		if (pi->role)
			out->in_zone = find_str(c->zones, c->n_zones, pi->role) + 1;
		id = find_str(c->if_names, c->n_if_names, ifname);
		out->in_if = id + 1;
		return pi;
	}
	return NULL;
}
