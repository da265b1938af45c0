// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile_flat.c: a leaf's effective match. A child of a
 * branch matches only inside its parent's match, so its fields are
 * intersected with its ancestors' (prefixes, port ranges, single values);
 * an empty intersection is a leaf no packet can match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

void compile_prefix_mask(__be32 *mask, int family, int plen)
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
	compile_prefix_mask(mask, a->family, a->plen);
	memcpy(aw, a->addr, a->family == 4 ? 4 : 16);
	memcpy(bw, b->addr, b->family == 4 ? 4 : 16);
	for (i = 0; i < 4; i++)
		if ((aw[i] & mask[i]) != (bw[i] & mask[i]))
			return false;
	return true;
}

/*
 * The start of an intersection of two lists, where an empty list is any.
 * One of them empty: *out is a copy of the other, and 1. Else *out has room
 * for an x bn elements, *out_n is 0, and 0. Or -ENOMEM.
 */
static int list_start(const void *av, size_t an, const void *bv, size_t bn, size_t elem,
		      void **out, size_t *out_n)
{
	size_t n = an && bn ? an * bn : an + bn;

	*out = NULL;
	*out_n = 0;
	if (!n)
		return 1;
	*out = malloc(n * elem);
	if (!*out)
		return -ENOMEM;
	if (an && bn)
		return 0;
	memcpy(*out, an ? av : bv, n * elem);
	*out_n = n;
	return 1;
}

/* out = a ∩ b; sets *never when they share no address. */
static int cidr_intersect(const struct pol_cidr_list *a, const struct pol_cidr_list *b,
			  struct pol_cidr_list *out, bool *never)
{
	size_t i, j;
	void *v;
	int ret = list_start(a->v, a->n, b->v, b->n, sizeof(*a->v), &v, &out->n);

	out->v = v;
	if (ret)
		return ret < 0 ? ret : 0;
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
	void *v;
	int ret = list_start(a->v, a->n, b->v, b->n, sizeof(*a->v), &v, &out->n);

	out->v = v;
	if (ret)
		return ret < 0 ? ret : 0;
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

void compile_flat_free(struct flat *f)
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

/* child = parent ∩ r: see compile_int.h */
int compile_flat_merge(struct builder *b, const struct flat *parent,
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
		return compile_fail(b, err, "rule %s: out of memory", r->name);
	return 0;
}
