/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/interfaces.c: the interfaces: section, and the zones or
 * interfaces that rules (in:) and NAT (in:, out:) name from it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

#define CFG_ROLE_MAX		31
#define CFG_MATCH_MAX		63

enum { IK_MATCH, IK_ROLE, IK_MODE, IK_FAST_PATH, IK_N };

static const struct cfg_key cfg_iface_keys[IK_N] = {
	[IK_MATCH]	= { "match" },
	[IK_ROLE]	= { "role" },
	[IK_MODE]	= { "mode" },
	[IK_FAST_PATH]	= { "fast_path" },
};

static const struct cfg_choice cfg_modes[] = {
	{ "auto", POL_MODE_AUTO, 0 }, { "xdp", POL_MODE_XDP, 0 }, { "tc", POL_MODE_TC, 0 },
	{ NULL, 0, 0 },
};

static const struct cfg_choice cfg_fast_paths[] = {
	{ "auto", POL_FAST_AUTO, 0 }, { "on", POL_FAST_ON, 0 }, { "off", POL_FAST_OFF, 0 },
	{ NULL, 0, 0 },
};

int cfg_interfaces(struct cfg_ctx *c, yaml_node_t *seq)
{
	struct pol_policy *pol = c->pol;
	yaml_node_item_t *it;
	size_t n, i;
	int ret;

	ret = cfg_count(c, seq, YAML_SEQUENCE_NODE, "interfaces", "a list", &n);
	if (ret || !n)
		return ret;
	pol->ifaces = calloc(n, sizeof(*pol->ifaces));
	if (!pol->ifaces)
		return cfg_nomem(c);

	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *map = cfg_node(c, *it), *v[IK_N];
		struct pol_iface *ifc = &pol->ifaces[pol->n_ifaces];
		const char *match, *role = NULL;
		const char *p;
		int word;

		ret = cfg_map_keys(c, map, "interfaces", cfg_iface_keys, IK_N, NULL, v);
		if (ret)
			return ret;
		if (!v[IK_MATCH])
			return cfg_err(c, map, "match", "missing (an interface name or glob)");
		ret = cfg_str(c, v[IK_MATCH], "match", &match);
		if (ret)
			return ret;
		for (p = match; *p; p++)
			if (*p <= ' ' || *p > '~')
				break;
		if (*p || strlen(match) > CFG_MATCH_MAX)
			return cfg_err(c, v[IK_MATCH], "match",
				       "'%s' is not an interface name or glob", match);
		for (i = 0; i < pol->n_ifaces; i++)
			if (!strcmp(pol->ifaces[i].match, match))
				return cfg_err(c, v[IK_MATCH], "match",
					       "duplicate interface '%s' (first at line %d)",
					       match, pol->ifaces[i].line);

		if (v[IK_ROLE]) {
			ret = cfg_str(c, v[IK_ROLE], "role", &role);
			if (ret)
				return ret;
			if (!cfg_word(role, "_-", false, CFG_ROLE_MAX))
				return cfg_err(c, v[IK_ROLE], "role",
					       "invalid role '%s' (a-z, 0-9, _ and -, at most %d characters)",
					       role, CFG_ROLE_MAX);
		}

		if (v[IK_MODE]) {
			ret = cfg_choice(c, v[IK_MODE], "mode", "mode", cfg_modes, &word);
			if (ret)
				return ret;
			ifc->mode = word;
		}
		if (v[IK_FAST_PATH]) {
			ret = cfg_choice(c, v[IK_FAST_PATH], "fast_path", "value", cfg_fast_paths,
					 &word);
			if (ret)
				return ret;
			ifc->fast_path = word;
		}
		ifc->line = cfg_line(map);
		ifc->match = strdup(match);
		ifc->role = role ? strdup(role) : NULL;
		/* Counted before checking, so pol_free() frees what was strdup'd. */
		pol->n_ifaces++;
		if (!ifc->match || (role && !ifc->role))
			return cfg_nomem(c);
	}
	return 0;
}

int cfg_link(struct cfg_ctx *c, yaml_node_t *n, const char *field, char **out)
{
	const struct pol_policy *pol = c->pol;
	const char *s;
	size_t i;
	int ret;

	ret = cfg_str(c, n, field, &s);
	if (ret)
		return ret;
	for (i = 0; i < pol->n_ifaces; i++)
		if (pol->ifaces[i].role && !strcmp(pol->ifaces[i].role, s))
			goto found;
	if (strlen(s) < IFNAMSIZ)
		for (i = 0; i < pol->n_ifaces; i++)
			if (!fnmatch(pol->ifaces[i].match, s, 0))
				goto found;
	return cfg_err(c, n, field, "unknown zone or interface '%s'", s);
found:
	*out = strdup(s);
	return *out ? 0 : cfg_nomem(c);
}
