// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/config/fqdn.c: the FQDN parts of ward.yaml (docs/fqdn.md):
 *
 *   fqdn_sets:
 *     updates: ["deb.debian.org", "*.debian.org"]
 *   fqdn:
 *     resolvers: [192.168.1.53]
 *     grace: 30s
 *   rules: - { name: updates, to_fqdn: $updates, action: accept }
 *
 * Names are checked here once, with the same code that turns them into the
 * data plane's wire format (fqdn.c), so that what validates also loads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"
#include "config_int.h"
#include "fqdn.h"

#define CFG_FQDN_SET_NAME_MAX	(WARD_FQDN_SET_NAME_MAX - 1)

enum { FK_RESOLVERS, FK_GRACE, FK_N };

static const struct cfg_key cfg_fqdn_keys[FK_N] = {
	[FK_RESOLVERS]	= { "resolvers" },
	[FK_GRACE]	= { "grace" },
};

static bool cfg_fqdn_set_word(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CFG_FQDN_SET_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int cfg_fqdn_name(struct cfg_ctx *c, yaml_node_t *n, struct pol_fqdn_set *set)
{
	uint8_t wire[WARD_FQDN_NAME_MAX];
	const char *s, *why;
	size_t len, i, k;
	bool wild;
	char *name;
	int ret;

	ret = cfg_str(c, n, set->name, &s);
	if (ret)
		return ret;
	if (fqdn_to_wire(s, wire, &len, &wild, &why))
		return cfg_err(c, n, set->name, "invalid name '%s': %s", s, why);
	/* Normalized: lowercase, no trailing dot. */
	name = strdup(s);
	if (!name)
		return cfg_nomem(c);
	k = strlen(name);
	if (k && name[k - 1] == '.')
		name[k - 1] = '\0';
	for (i = 0; name[i]; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] += 'a' - 'A';
	for (i = 0; i < set->n; i++) {
		if (!strcmp(set->names[i], name)) {
			free(name);
			return cfg_err(c, n, set->name, "'%s' is listed twice", s);
		}
	}
	set->names[set->n++] = name;
	return 0;
}

int cfg_fqdn_sets(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_fqdn *f = &cfg_pol(c)->fqdn;
	yaml_node_pair_t *p;
	size_t n, i, total = 0;
	int ret;

	ret = cfg_count(c, map, YAML_MAPPING_NODE, "fqdn_sets",
			"a mapping of set names to lists of names", &n);
	if (ret || !n)
		return ret;
	if (n > WARD_FQDN_SETS)
		return cfg_err(c, map, "fqdn_sets", "more than %d sets", WARD_FQDN_SETS);
	f->sets = calloc(n, sizeof(*f->sets));
	if (!f->sets)
		return cfg_nomem(c);

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(c, p->key), *v = cfg_node(c, p->value);
		struct pol_fqdn_set *set = &f->sets[f->n_sets];
		yaml_node_item_t *it;
		const char *name;

		ret = cfg_str(c, k, "fqdn_sets", &name);
		if (ret)
			return ret;
		if (!cfg_fqdn_set_word(name))
			return cfg_err(c, k, "fqdn_sets",
				       "invalid set name '%s' (letters, digits, _ and -, at most %d characters)",
				       name, CFG_FQDN_SET_NAME_MAX);
		for (i = 0; i < f->n_sets; i++)
			if (!strcmp(f->sets[i].name, name))
				return cfg_err(c, k, name, "duplicate key");
		set->name = strdup(name);
		if (!set->name)
			return cfg_nomem(c);
		set->line = (int)k->start_mark.line + 1;
		f->n_sets++;

		if (v->type != YAML_SEQUENCE_NODE)
			return cfg_err(c, v, name, "expected a list of names, got %s",
				       cfg_is_null(v) ? "nothing" : cfg_kind(v));
		n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if (!n)
			return cfg_err(c, v, name, "empty set");
		set->names = calloc(n, sizeof(*set->names));
		if (!set->names)
			return cfg_nomem(c);
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			/* The data plane's pattern table holds them all: past
			 * it, the commit would fail instead of the config. */
			if (++total > WARD_FQDN_PATS)
				return cfg_err(c, cfg_node(c, *it), name,
					       "more than %d names in all fqdn_sets", WARD_FQDN_PATS);
			ret = cfg_fqdn_name(c, cfg_node(c, *it), set);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int cfg_fqdn_resolvers(struct cfg_ctx *c, yaml_node_t *n)
{
	struct pol_fqdn *f = &cfg_pol(c)->fqdn;
	yaml_node_item_t *it;
	size_t count, i;
	int ret;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_err(c, n, "resolvers", "expected a list of addresses, got %s",
			       cfg_kind(n));
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!count)
		return cfg_err(c, n, "resolvers", "empty list: answers are learned only from resolvers");
	if (count > WARD_FQDN_RESOLVERS)
		return cfg_err(c, n, "resolvers", "more than %d resolvers", WARD_FQDN_RESOLVERS);
	f->resolvers = calloc(count, sizeof(*f->resolvers));
	if (!f->resolvers)
		return cfg_nomem(c);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = cfg_node(c, *it);
		struct pol_cidr *r = &f->resolvers[f->n_resolvers];
		const char *s;

		ret = cfg_str(c, e, "resolvers", &s);
		if (ret)
			return ret;
		ret = cfg_addr(c, e, "resolvers", s, r);
		if (ret)
			return ret;
		if (r->plen != (r->family == 4 ? 32 : 128))
			return cfg_err(c, e, "resolvers", "%s: a resolver is one address, not a prefix", s);
		for (i = 0; i < f->n_resolvers; i++)
			if (!memcmp(&f->resolvers[i], r, sizeof(*r)))
				return cfg_err(c, e, "resolvers", "%s is listed twice", s);
		f->n_resolvers++;
	}
	return 0;
}

int cfg_fqdn(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_fqdn *f = &cfg_pol(c)->fqdn;
	yaml_node_t *v[FK_N];
	int ret;

	ret = cfg_section(c, map, "fqdn", cfg_fqdn_keys, FK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (v[FK_RESOLVERS]) {
		ret = cfg_fqdn_resolvers(c, v[FK_RESOLVERS]);
		if (ret)
			return ret;
	}
	if (v[FK_GRACE]) {
		ret = cfg_duration(c, v[FK_GRACE], "grace", &f->grace);
		if (ret)
			return ret;
		if (f->grace > WARD_FQDN_TTL_MAX)
			return cfg_err(c, v[FK_GRACE], "grace", "more than %d seconds",
				       WARD_FQDN_TTL_MAX);
	}
	return 0;
}

int cfg_to_fqdn(struct cfg_ctx *c, yaml_node_t *n, struct pol_rule *r)
{
	struct pol_policy *pol = cfg_pol(c);
	const char *s;
	size_t i;
	int ret;

	ret = cfg_str(c, n, "to_fqdn", &s);
	if (ret)
		return ret;
	if (s[0] != '$')
		return cfg_err(c, n, "to_fqdn",
			       "expected a $set of fqdn_sets, got '%s' (name the names in fqdn_sets:)", s);
	for (i = 0; i < pol->fqdn.n_sets; i++) {
		if (!strcmp(pol->fqdn.sets[i].name, s + 1)) {
			/* Without a resolver nothing is ever learned: the rule
			 * would silently never match. */
			if (!pol->fqdn.n_resolvers)
				return cfg_err(c, n, "to_fqdn",
					       "needs fqdn: resolvers: (answers are learned only from them)");
			r->fqdn_set = (int)i + 1;
			r->fqdn_name = pol->fqdn.sets[i].name;
			return 0;
		}
	}
	return cfg_err(c, n, "to_fqdn", "unknown fqdn set %s", s);
}
