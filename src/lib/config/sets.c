/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/sets.c: the sets: section, named lists of addresses or of
 * ports that rules use as $name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

#define CFG_SET_NAME_MAX	63

/* One element of a set: its kind is decided by its text, a port or an address. */
static int cfg_set_elem(struct cfg_ctx *c, struct cfg_set *set, yaml_node_t *n,
			size_t *cap)
{
	struct pol_ports ports;
	const char *s;
	int kind, ret;

	ret = cfg_str(c, n, set->name, &s);
	if (ret)
		return ret;
	if (s[0] == '$')
		return cfg_err(c, n, set->name, "a set cannot refer to another set (%s)", s);

	ret = cfg_ports_text(s, &ports);
	kind = ret == -EINVAL ? CFG_SET_ADDR : CFG_SET_PORT;
	if (set->kind && set->kind != kind)
		return cfg_err(c, n, set->name,
			       "mixes addresses and ports ('%s'); a set holds one kind", s);
	set->kind = kind;

	if (kind == CFG_SET_PORT) {
		ret = cfg_port(c, n, set->name, s, &ports);
		if (ret)
			return ret;
		if (cfg_grow((void **)&set->ports, cap, set->n + 1, sizeof(*set->ports)))
			return cfg_nomem(c);
		set->ports[set->n++] = ports;
		return 0;
	}
	if (cfg_grow((void **)&set->addrs, cap, set->n + 1, sizeof(*set->addrs)))
		return cfg_nomem(c);
	ret = cfg_addr(c, n, set->name, s, &set->addrs[set->n]);
	if (ret)
		return ret;
	set->n++;
	return 0;
}

int cfg_sets(struct cfg_ctx *c, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	size_t n, cap;
	int ret;

	ret = cfg_count(c, map, YAML_MAPPING_NODE, "sets", "a mapping of set names to lists", &n);
	if (ret || !n)
		return ret;
	c->sets = calloc(n, sizeof(*c->sets));
	if (!c->sets)
		return cfg_nomem(c);

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(c, p->key), *v = cfg_node(c, p->value);
		struct cfg_set *set = &c->sets[c->n_sets];
		yaml_node_item_t *it;
		const char *name;

		ret = cfg_str(c, k, "sets", &name);
		if (ret)
			return ret;
		if (!cfg_word(name, "_-", true, CFG_SET_NAME_MAX))
			return cfg_err(c, k, "sets",
				       "invalid set name '%s' (letters, digits, _ and -, at most %d characters)",
				       name, CFG_SET_NAME_MAX);
		if (cfg_set_find(c, name))
			return cfg_err(c, k, name, "duplicate key");
		set->name = name;
		c->n_sets++;

		if (v->type != YAML_SEQUENCE_NODE)
			return cfg_err(c, v, name, "expected a list, got %s",
				       cfg_is_null(v) ? "nothing" : cfg_kind(v));
		if (v->data.sequence.items.top == v->data.sequence.items.start)
			return cfg_err(c, v, name, "empty set");
		cap = 0;
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			ret = cfg_set_elem(c, set, cfg_node(c, *it), &cap);
			if (ret)
				return ret;
		}
	}
	return 0;
}
