/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/rules.c: the rules: section, a tree of rules and branches.
 * A rule inherits what the branches around it match (struct cfg_scope), and
 * a combination that can never match is reported rather than compiled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"
#include "pol_util.h"

#define CFG_MAX_DEPTH		8	/* levels of rules: */
#define CFG_RULE_NAME_MAX	(WARD_RULE_NAME_MAX - 1)

/*
 * YAML aliases let a small file stand for a huge tree (every alias of a
 * branch copies it), and sets multiply addresses into rules. Bound the
 * expanded policy by what the data plane could hold anyway.
 */
#define CFG_MAX_RULES		WARD_MAX_RULES

/* What a rule inherits from the branches around it: the nearest value of each. */
struct cfg_scope {
	const char	*parent;	/* the enclosing branch's name, NULL at the top */
	int		depth;		/* 1 for the top-level list */
	int		proto;		/* POL_ANY when no branch sets one */
	int		family;		/* 0 when no branch sets one */
	unsigned int	from_fam;	/* CFG_FAM* present in the nearest from:, 0 if none */
	unsigned int	to_fam;
	int		fqdn_set;	/* the nearest to_fqdn:, 0 if none */
};

enum {
	RK_NAME, RK_IN, RK_OUT, RK_FROM, RK_TO, RK_TO_FQDN, RK_PROTO, RK_PORT,
	RK_SPORT, RK_ICMP_TYPE, RK_FAMILY, RK_ACTION, RK_RULES, RK_LOG, RK_RATE,
	RK_DRY_RUN, RK_PLUGINS, RK_N
};

static const struct cfg_key cfg_rule_keys[RK_N] = {
	[RK_NAME]	= { "name" },
	[RK_IN]		= { "in" },
	[RK_OUT]	= { "out", CFG_UNSUPPORTED },
	[RK_FROM]	= { "from" },
	[RK_TO]		= { "to" },
	[RK_TO_FQDN]	= { "to_fqdn" },
	[RK_PROTO]	= { "proto" },
	[RK_PORT]	= { "port" },
	[RK_SPORT]	= { "sport" },
	[RK_ICMP_TYPE]	= { "icmp_type" },
	[RK_FAMILY]	= { "family" },
	[RK_ACTION]	= { "action" },
	[RK_RULES]	= { "rules" },
	[RK_LOG]	= { "log" },
	[RK_RATE]	= { "rate" },
	[RK_DRY_RUN]	= { "dry_run" },
	[RK_PLUGINS]	= { "plugins", CFG_UNSUPPORTED },
};

static const struct cfg_choice cfg_actions[] = {
	{ "accept", WARD_ACT_ACCEPT, 0 }, { "drop", WARD_ACT_DROP, 0 },
	{ "reject", WARD_ACT_REJECT, 0 },
	{ "inspect", 0, CFG_UNSUPPORTED }, { NULL, 0, 0 },
};

static const struct cfg_choice cfg_families[] = {
	{ "ipv4", 4, 0 }, { "ipv6", 6, 0 }, { NULL, 0, 0 },
};

static unsigned int cfg_fams(const struct pol_cidr_list *l)
{
	unsigned int m = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		m |= l->v[i].family == 6 ? CFG_FAM6 : CFG_FAM4;
	return m;
}

static const char *cfg_fam_only(unsigned int fams)
{
	return fams == CFG_FAM4 ? "IPv4" : "IPv6";
}

/* Rules */

static uint32_t cfg_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int cfg_names_grow(struct cfg_ctx *c)
{
	size_t ncap = c->names_cap ? c->names_cap * 2 : 64;
	struct cfg_name *nt;
	size_t i, j;

	nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (i = 0; i < c->names_cap; i++) {
		if (!c->names[i].name)
			continue;
		j = cfg_hash(c->names[i].name) & (ncap - 1);
		while (nt[j].name)
			j = (j + 1) & (ncap - 1);
		nt[j] = c->names[i];
	}
	free(c->names);
	c->names = nt;
	c->names_cap = ncap;
	return 0;
}

/* Rule names are unique across the tree: counters and logs are keyed by them. */
static int cfg_name_add(struct cfg_ctx *c, const char *name, int line,
			const yaml_node_t *at)
{
	size_t j;

	if ((c->n_names + 1) * 2 > c->names_cap && cfg_names_grow(c))
		return cfg_nomem(c);
	j = cfg_hash(name) & (c->names_cap - 1);
	while (c->names[j].name) {
		if (!strcmp(c->names[j].name, name))
			return cfg_err(c, at, "name", "duplicate rule name '%s' (first at line %d)",
				       name, c->names[j].line);
		j = (j + 1) & (c->names_cap - 1);
	}
	c->names[j].name = name;
	c->names[j].line = line;
	c->n_names++;
	return 0;
}

static int cfg_rule_name(struct cfg_ctx *c, struct pol_rule *r, yaml_node_t *v,
			 yaml_node_t *map, const struct cfg_scope *up, size_t idx)
{
	char buf[256];
	const char *s;
	int ret;

	if (v) {
		ret = cfg_str(c, v, "name", &s);
		if (ret)
			return ret;
		if (!cfg_word(s, "_.:/-", true, CFG_RULE_NAME_MAX))
			return cfg_err(c, v, "name",
				       "invalid rule name '%s' (letters, digits and _.:/-, at most %d characters)",
				       s, CFG_RULE_NAME_MAX);
		r->name = strdup(s);
		if (!r->name)
			return cfg_nomem(c);
		return cfg_name_add(c, r->name, cfg_line(v), v);
	}

	/* Unnamed: a name from the position, stable while the file is. */
	if (up->parent)
		snprintf(buf, sizeof(buf), "%s/%zu", up->parent, idx + 1);
	else
		snprintf(buf, sizeof(buf), "rule%zu", idx + 1);
	if (strlen(buf) > CFG_RULE_NAME_MAX)
		return cfg_err(c, map, "name",
			       "generated name '%s' is longer than %d characters; name the rule",
			       buf, CFG_RULE_NAME_MAX);
	r->name = strdup(buf);
	if (!r->name)
		return cfg_nomem(c);
	return cfg_name_add(c, r->name, cfg_line(map), map);
}

/*
 * A rule whose family, protocol and addresses cannot all hold at once
 * matches nothing; it is always a mistake, so say so. Each value is the
 * rule's own or else the nearest branch's, and only a conflict involving
 * one of the rule's own keys is reported (the branches were checked).
 */
static int cfg_rule_families(struct cfg_ctx *c, const struct pol_rule *r,
			     yaml_node_t **v, const struct cfg_scope *up)
{
	static const char *fam_names[] = { [4] = "ipv4", [6] = "ipv6" };
	int proto = r->proto != POL_ANY ? r->proto : up->proto;
	int fam = r->family ? r->family : up->family;
	unsigned int from = r->from.n ? cfg_fams(&r->from) : up->from_fam;
	unsigned int to = r->to.n ? cfg_fams(&r->to) : up->to_fam;
	unsigned int fbit = fam == 4 ? CFG_FAM4 : fam == 6 ? CFG_FAM6 : 0;
	unsigned int pbit = proto == PROTO_ICMP ? CFG_FAM4 :
			    proto == PROTO_ICMPV6 ? CFG_FAM6 : 0;
	yaml_node_t *vfam = v[RK_FAMILY], *vproto = v[RK_PROTO];
	yaml_node_t *vfrom = v[RK_FROM], *vto = v[RK_TO];
	const char *pname = proto == PROTO_ICMP ? "icmp" : "icmpv6";

	if (vproto && r->proto != POL_ANY && up->proto != POL_ANY && r->proto != up->proto) {
		char a[8], b[8];

		cfg_proto_str(r->proto, a, sizeof(a));
		cfg_proto_str(up->proto, b, sizeof(b));
		return cfg_err(c, vproto, "proto", "%s but the enclosing branch is %s", a, b);
	}
	if (vfam && up->family && r->family != up->family)
		return cfg_err(c, vfam, "family", "%s but the enclosing branch is %s",
			       fam_names[r->family], fam_names[up->family]);

	if (fbit && pbit && fbit != pbit) {
		if (vproto && r->proto != POL_ANY)
			return cfg_err(c, vproto, "proto", "%s but family is %s (use %s)",
				       pname, fam_names[fam],
				       proto == PROTO_ICMP ? "icmpv6" : "icmp");
		return cfg_err(c, vfam, "family", "%s but proto is %s", fam_names[fam], pname);
	}
	if (fbit && from && !(fbit & from) && (vfam || vfrom))
		return cfg_err(c, vfam ? vfam : vfrom, "family", "%s but from: has only %s addresses",
			       fam_names[fam], cfg_fam_only(from));
	if (fbit && to && !(fbit & to) && (vfam || vto))
		return cfg_err(c, vfam ? vfam : vto, "family", "%s but to: has only %s addresses",
			       fam_names[fam], cfg_fam_only(to));
	if (fbit)
		return 0;

	/* No family: icmp and icmpv6 still imply one. */
	if (pbit && from && !(pbit & from) && ((vproto && r->proto != POL_ANY) || vfrom))
		return cfg_err(c, vproto && r->proto != POL_ANY ? vproto : vfrom, "proto",
			       "%s but from: has only %s addresses", pname, cfg_fam_only(from));
	if (pbit && to && !(pbit & to) && ((vproto && r->proto != POL_ANY) || vto))
		return cfg_err(c, vproto && r->proto != POL_ANY ? vproto : vto, "proto",
			       "%s but to: has only %s addresses", pname, cfg_fam_only(to));
	if (!pbit && from && to && !(from & to)) {
		if (vto)
			return cfg_err(c, vto, "to", "has only %s addresses but from: has only %s addresses",
				       cfg_fam_only(to), cfg_fam_only(from));
		if (vfrom)
			return cfg_err(c, vfrom, "from", "has only %s addresses but to: has only %s addresses",
				       cfg_fam_only(from), cfg_fam_only(to));
	}
	return 0;
}

static int cfg_rule(struct cfg_ctx *c, yaml_node_t *map, const struct cfg_scope *up,
		    size_t idx, struct pol_rule *r);

static int cfg_branch(struct cfg_ctx *c, struct pol_rule *r, yaml_node_t *key,
		      yaml_node_t *seq, const struct cfg_scope *up)
{
	struct cfg_scope sc;
	size_t i, n;
	int ret;

	ret = cfg_count(c, seq, YAML_SEQUENCE_NODE, "rules", "a list of rules", &n);
	if (ret)
		return ret;
	if (!n)
		return cfg_err(c, key, "rules", "a branch needs at least one rule");
	if (up->depth >= CFG_MAX_DEPTH)
		return cfg_err(c, key, "rules", "branches nest deeper than %d levels",
			       CFG_MAX_DEPTH);

	r->children = calloc(n, sizeof(*r->children));
	if (!r->children)
		return cfg_nomem(c);
	/* Zeroed children free cleanly, so the count can be set up front. */
	r->n_children = n;

	sc.parent = r->name;
	sc.depth = up->depth + 1;
	sc.proto = r->proto != POL_ANY ? r->proto : up->proto;
	sc.family = r->family ? r->family : up->family;
	sc.from_fam = r->from.n ? cfg_fams(&r->from) : up->from_fam;
	sc.to_fam = r->to.n ? cfg_fams(&r->to) : up->to_fam;
	sc.fqdn_set = r->fqdn_set ? r->fqdn_set : up->fqdn_set;
	for (i = 0; i < n; i++) {
		ret = cfg_rule(c, cfg_node(c, seq->data.sequence.items.start[i]), &sc, i,
			       &r->children[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int cfg_rule(struct cfg_ctx *c, yaml_node_t *map, const struct cfg_scope *up,
		    size_t idx, struct pol_rule *r)
{
	yaml_node_t *k[RK_N], *v[RK_N];
	int proto, ret;

	r->proto = POL_ANY;
	r->icmp_type = POL_ANY;
	r->line = cfg_line(map);
	if (map->type != YAML_MAPPING_NODE)
		return cfg_err(c, map, "rules", "expected a rule (a mapping), got %s",
			       cfg_kind(map));
	ret = cfg_map_keys(c, map, "rules", cfg_rule_keys, RK_N, k, v);
	if (ret)
		return ret;
	if (++c->n_rules > CFG_MAX_RULES)
		return cfg_err(c, map, "rules", "more than %d rules", CFG_MAX_RULES);

	ret = cfg_rule_name(c, r, v[RK_NAME], map, up, idx);
	if (ret)
		return ret;

	if (v[RK_PROTO]) {
		ret = cfg_proto(c, v[RK_PROTO], &r->proto);
		if (ret)
			return ret;
	}
	if (v[RK_FAMILY]) {
		ret = cfg_choice(c, v[RK_FAMILY], "family", "family", cfg_families, &r->family);
		if (ret)
			return ret;
	}
	if (v[RK_IN]) {
		ret = cfg_link(c, v[RK_IN], "in", &r->in);
		if (ret)
			return ret;
	}
	if (v[RK_FROM]) {
		ret = cfg_addr_list(c, v[RK_FROM], "from", &r->from);
		if (ret)
			return ret;
	}
	if (v[RK_TO]) {
		ret = cfg_addr_list(c, v[RK_TO], "to", &r->to);
		if (ret)
			return ret;
	}
	if (v[RK_TO_FQDN]) {
		ret = cfg_to_fqdn(c, v[RK_TO_FQDN], r);
		if (ret)
			return ret;
		/* An address must be learned for the set: a to: besides
		 * would be a second, different destination match. */
		if (r->to.n || up->to_fam)
			return cfg_err(c, v[RK_TO_FQDN], "to_fqdn",
				       "cannot be combined with to: (in this rule or a branch around it)");
		if (up->fqdn_set && up->fqdn_set != r->fqdn_set)
			return cfg_err(c, v[RK_TO_FQDN], "to_fqdn",
				       "the enclosing branch already has another to_fqdn:");
	} else if (v[RK_TO] && up->fqdn_set) {
		return cfg_err(c, v[RK_TO], "to", "cannot be combined with the to_fqdn: of the enclosing branch");
	}
	ret = cfg_rule_families(c, r, v, up);
	if (ret)
		return ret;

	proto = r->proto != POL_ANY ? r->proto : up->proto;
	if (v[RK_PORT]) {
		if (proto != PROTO_TCP && proto != PROTO_UDP && proto != PROTO_SCTP)
			return cfg_err(c, k[RK_PORT], "port", "needs proto tcp, udp or sctp");
		ret = cfg_port_list(c, v[RK_PORT], "port", &r->dport);
		if (ret)
			return ret;
	}
	if (v[RK_SPORT]) {
		if (proto != PROTO_TCP && proto != PROTO_UDP && proto != PROTO_SCTP)
			return cfg_err(c, k[RK_SPORT], "sport", "needs proto tcp, udp or sctp");
		ret = cfg_port_list(c, v[RK_SPORT], "sport", &r->sport);
		if (ret)
			return ret;
	}
	if (v[RK_ICMP_TYPE]) {
		if (proto != PROTO_ICMP && proto != PROTO_ICMPV6)
			return cfg_err(c, k[RK_ICMP_TYPE], "icmp_type",
				       "needs proto icmp or icmpv6");
		ret = cfg_icmp_type(c, v[RK_ICMP_TYPE], proto, &r->icmp_type);
		if (ret)
			return ret;
	}

	if (v[RK_ACTION] && v[RK_RULES])
		return cfg_err(c, k[RK_RULES], "rules",
			       "a branch rule takes no action; end its rules with a catch-all child instead");
	if (!v[RK_ACTION] && !v[RK_RULES])
		return cfg_err(c, map, "action", "missing (accept, drop or reject)");
	if (v[RK_ACTION]) {
		ret = cfg_choice(c, v[RK_ACTION], "action", "action", cfg_actions, &r->action);
		if (ret)
			return ret;
	}

	if (v[RK_RATE]) {
		if (v[RK_RULES])
			return cfg_err(c, k[RK_RATE], "rate",
				       "a branch takes no rate; put it on the rules inside");
		ret = cfg_rate(c, v[RK_RATE], "rate", 1000000, &r->rate);
		if (ret)
			return ret;
	}
	if (v[RK_LOG]) {
		ret = cfg_bool(c, v[RK_LOG], "log", &r->log);
		if (ret)
			return ret;
	}
	if (v[RK_DRY_RUN]) {
		ret = cfg_bool(c, v[RK_DRY_RUN], "dry_run", &r->dry_run);
		if (ret)
			return ret;
	}

	if (v[RK_RULES])
		return cfg_branch(c, r, k[RK_RULES], v[RK_RULES], up);
	return 0;
}

int cfg_rules(struct cfg_ctx *c, yaml_node_t *seq)
{
	struct pol_policy *pol = c->pol;
	struct cfg_scope top = { .depth = 1, .proto = POL_ANY };
	size_t i, n;
	int ret;

	ret = cfg_count(c, seq, YAML_SEQUENCE_NODE, "rules", "a list of rules", &n);
	if (ret || !n)
		return ret;
	pol->rules = calloc(n, sizeof(*pol->rules));
	if (!pol->rules)
		return cfg_nomem(c);
	pol->n_rules = n;
	for (i = 0; i < n; i++) {
		ret = cfg_rule(c, cfg_node(c, seq->data.sequence.items.start[i]), &top, i,
			       &pol->rules[i]);
		if (ret)
			return ret;
	}
	return 0;
}
