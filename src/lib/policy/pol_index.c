// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/policy/pol_index.c: rules found by name, and the rules added at
 * run time as a list. See pol_edit.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pol_edit.h"

static size_t rules_count(const struct pol_rule *r, size_t n)
{
	size_t i, k = n;

	for (i = 0; i < n; i++)
		k += rules_count(r[i].children, r[i].n_children);
	return k;
}

static void rules_walk(const struct pol_rule *r, size_t n, const char *parent,
		       struct pol_ent *out, size_t *k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[*k] = (struct pol_ent){ r[i].name, &r[i], parent, *k };
		(*k)++;
		rules_walk(r[i].children, r[i].n_children, r[i].name, out, k);
	}
}

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pol_ent *)a)->name, ((const struct pol_ent *)b)->name);
}

struct pol_ent *pol_index(const struct pol_policy *pol, size_t *n)
{
	struct pol_ent *v;
	size_t k = 0;

	*n = rules_count(pol->rules, pol->n_rules);
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		return NULL;
	rules_walk(pol->rules, pol->n_rules, NULL, v, &k);
	qsort(v, *n, sizeof(*v), ent_cmp);
	return v;
}

const struct pol_ent *pol_index_find(const struct pol_ent *v, size_t n, const char *name)
{
	struct pol_ent key = { .name = name };

	return bsearch(&key, v, n, sizeof(*v), ent_cmp);
}

ssize_t pol_top_find(const struct pol_rule *r, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return (ssize_t)i;
	return -1;
}

/* Rules added at run time */

void pol_added_free(struct pol_added *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].before);
		free(v[i].yaml);
	}
	free(v);
}

struct pol_added *pol_added_copy(const struct pol_added *v, size_t n, size_t extra)
{
	struct pol_added *c = calloc(n + extra ? n + extra : 1, sizeof(*c));
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < n; i++) {
		c[i].name = strdup(v[i].name);
		c[i].before = v[i].before ? strdup(v[i].before) : NULL;
		c[i].yaml = strdup(v[i].yaml);
		if (!c[i].name || !c[i].yaml || (v[i].before && !c[i].before)) {
			pol_added_free(c, i + 1);
			return NULL;
		}
	}
	return c;
}

const struct pol_added *pol_added_find(const struct pol_added *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}
