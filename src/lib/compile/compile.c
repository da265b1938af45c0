// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile.c: see compile.h; the files of the compiler are
 * listed in compile_int.h, the choice of algorithm is in docs/classifier.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"
#include "fqdn.h"

int compile_fail(struct builder *b, int ret, const char *fmt, ...)
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

static int compile_walk(struct builder *b, const struct flat *parent,
			const struct pol_rule *rules, size_t n)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const struct pol_rule *r = &rules[i];
		struct flat f;

		ret = compile_flat_merge(b, parent, r, &f);
		if (!ret) {
			if (r->n_children)
				ret = compile_walk(b, &f, r->children, r->n_children);
			else
				ret = compile_add_leaf(b, r, &f);
		}
		compile_flat_free(&f);
	}
	return ret;
}

int compile_walk_root(struct builder *b)
{
	struct flat root = { .proto = POL_ANY, .icmp_type = POL_ANY };

	return compile_walk(b, &root, b->pol->rules, b->pol->n_rules);
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

/* Marks the tuples whose entries all have one protocol: the data plane
 * skips them for a packet of another without a lookup (a dry-run rule for
 * tcp/22 costs a UDP packet nothing). */
static void one_proto(struct compiled *c)
{
	struct ward_policy_hdr *h = &c->hdr;
	int proto[WARD_MAX_TUPLES];
	size_t i;

	for (i = 0; i < h->n_tuples; i++)
		proto[i] = h->tuples[i].flags & WARD_TF_PROTO ? -1 : -2;
	for (i = 0; i < c->n_entries; i++) {
		int *p = &proto[c->entries[i].key.tuple];

		if (*p == -1)
			*p = c->entries[i].key.proto;
		else if (*p >= 0 && *p != c->entries[i].key.proto)
			*p = -2;
	}
	for (i = 0; i < h->n_tuples; i++) {
		if (proto[i] < 0)
			continue;
		h->tuples[i].flags |= WARD_TF_ONE_PROTO;
		h->tuples[i].proto = (__u8)proto[i];
	}
}

/* See compile_int.h. */
void compile_finish(struct compiled *c, bool ranks)
{
	struct ward_policy_hdr *h = &c->hdr;
	struct ward_tuple sorted[WARD_MAX_TUPLES];
	__u32 order[WARD_MAX_TUPLES], remap[WARD_MAX_TUPLES];
	size_t i, n, first = 0;

	for (i = 0; i < h->n_tuples; i++) {
		h->tuples[i].min_rule = 0xffffffff;
		h->tuples[i].ranks = ranks;
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

	/* Sorted by key, then rule: the first entry of a key is its lowest
	 * rule, and gets rank 0. */
	if (c->n_entries)	/* a policy of no entries has none to sort (and a NULL array) */
		qsort(c->entries, c->n_entries, sizeof(c->entries[0]), cmp_entry);
	for (i = 0, n = 0; i < c->n_entries; i++) {
		struct cls_entry e = c->entries[i];
		size_t rank = n - first;

		if (!n || memcmp(&c->entries[first].key, &e.key, sizeof(e.key))) {
			first = n;
			c->entries[n++] = e;
			continue;
		}
		/* The same rule twice (overlapping prefixes of one list), or
		 * more rules of one key than a dry-run tuple ranks. */
		if (!ranks || c->entries[n - 1].rule == e.rule || rank >= WARD_DRY_RANKS)
			continue;
		e.key.rank = (__u8)rank;
		if (h->tuples[e.key.tuple].ranks < rank + 1)
			h->tuples[e.key.tuple].ranks = (__u8)(rank + 1);
		c->entries[n++] = e;
	}
	c->n_entries = n;
	one_proto(c);
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

static void pf_main_free(struct pf_main *pf)
{
	if (pf)
		free(pf->entries);
	free(pf);
}

int compile_policy(const struct pol_policy *pol, struct compiled *out,
		   char *err, size_t errlen)
{
	struct builder b = { .pol = pol, .out = out, .err = err, .errlen = errlen };
	struct pf_main *pf = NULL;
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
		ret = compile_fail(&b, -E2BIG, "interfaces: more than 255 roles");
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
	ret = compile_walk_root(&b);
	if (ret)
		goto err;
	pf = malloc(sizeof(*pf));
	if (!pf)
		goto err_nomem;
	memcpy(pf->tuples, out->hdr.tuples, sizeof(pf->tuples));
	pf->n_entries = out->n_entries;
	pf->entries = malloc((out->n_entries ? out->n_entries : 1) * sizeof(*pf->entries));
	if (!pf->entries)
		goto err_nomem;
	if (out->n_entries)	/* no entries: out->entries may be NULL */
		memcpy(pf->entries, out->entries, out->n_entries * sizeof(*pf->entries));
	ret = compile_expand_prefixes(&b);
	if (ret)
		goto err;
	compile_finish(out, false);
	if (b.n_dry_leaves) {
		ret = compile_dryrun(&b);
		if (ret)
			goto err;
	}
	if (compile_prefilter(out, pf))
		goto err_nomem;
	pf_main_free(pf);
	return 0;

err_nomem:
	ret = compile_fail(&b, -ENOMEM, "out of memory");
err:
	pf_main_free(pf);
	compiled_free(out);
	return ret;
}

void compiled_free(struct compiled *c)
{
	size_t i;

	free(c->rules);
	free(c->names);
	free(c->entries);
	free(c->pf_src);
	free(c->pf_port);
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
