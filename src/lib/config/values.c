/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/values.c: the values that fields of many sections take:
 * addresses and CIDRs, ports and ranges, lists of those with $set
 * references, durations, rates, protocols and ICMP types.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"
#include "pol_util.h"

struct cfg_icmp_name {
	const char	*name;
	int		type;
};

static const struct cfg_icmp_name cfg_icmp4_names[] = {
	{ "echo-reply", 0 },
	{ "destination-unreachable", 3 },
	{ "redirect", 5 },
	{ "echo-request", 8 },
	{ "router-advertisement", 9 },
	{ "router-solicitation", 10 },
	{ "time-exceeded", 11 },
	{ "parameter-problem", 12 },
	{ "timestamp-request", 13 },
	{ "timestamp-reply", 14 },
	{ NULL, 0 },
};

static const struct cfg_icmp_name cfg_icmp6_names[] = {
	{ "destination-unreachable", 1 },
	{ "packet-too-big", 2 },
	{ "time-exceeded", 3 },
	{ "parameter-problem", 4 },
	{ "echo-request", 128 },
	{ "echo-reply", 129 },
	{ "router-solicitation", 133 },
	{ "router-advertisement", 134 },
	{ "neighbor-solicitation", 135 },
	{ "neighbour-solicitation", 135 },
	{ "neighbor-advertisement", 136 },
	{ "neighbour-advertisement", 136 },
	{ "redirect", 137 },
	{ NULL, 0 },
};

/* Values: addresses and ports */

int cfg_addr(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		    const char *s, struct pol_cidr *out)
{
	char fix[POL_CIDR_STRLEN];
	struct pol_cidr m;
	int ret;

	ret = pol_cidr_parse(s, out);
	if (ret == -ERANGE)
		return cfg_err(c, n, field, "%s has a bad prefix length (0-%d for %s)",
			       s, strchr(s, ':') ? 128 : 32,
			       strchr(s, ':') ? "IPv6" : "IPv4");
	if (ret)
		return cfg_err(c, n, field, "'%s' is not an address or CIDR", s);
	if (pol_cidr_has_host_bits(out)) {
		m = *out;
		pol_cidr_mask(&m);
		if (pol_cidr_format(&m, fix, sizeof(fix)) < 0)
			fix[0] = '\0';
		return cfg_err(c, n, field, "%s has host bits set (did you mean %s?)",
			       s, fix);
	}
	return 0;
}

/* 0; -EINVAL: not "N" or "N-M"; -ERANGE: a number past 65535; -EDOM: N > M. */
int cfg_ports_text(const char *s, struct pol_ports *out)
{
	const char *dash = strchr(s, '-');
	unsigned long lo, hi;
	int ret, ret2;

	if (!dash) {
		ret = cfg_uint(s, strlen(s), 65535, &lo);
		hi = lo;
	} else {
		ret = cfg_uint(s, (size_t)(dash - s), 65535, &lo);
		ret2 = cfg_uint(dash + 1, strlen(dash + 1), 65535, &hi);
		if (ret == -EINVAL || ret2 == -EINVAL)
			return -EINVAL;
		if (!ret)
			ret = ret2;
	}
	if (ret)
		return ret;
	if (lo > hi)
		return -EDOM;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

int cfg_port(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		    const char *s, struct pol_ports *out)
{
	switch (cfg_ports_text(s, out)) {
	case 0:
		return 0;
	case -ERANGE:
		return cfg_err(c, n, field, "%s is out of range (0-65535)", s);
	case -EDOM:
		return cfg_err(c, n, field, "%s is an empty range (a-b needs a <= b)", s);
	default:
		return cfg_err(c, n, field, "'%s' is not a port number or a range a-b", s);
	}
}

struct cfg_set *cfg_set_find(struct cfg_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_sets; i++)
		if (!strcmp(c->sets[i].name, name))
			return &c->sets[i];
	return NULL;
}

static int cfg_charge(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		      size_t count)
{
	c->n_elems += count;
	if (c->n_elems > CFG_MAX_ELEMS)
		return cfg_err(c, n, field,
			       "more than %d addresses and ports in the policy once sets are expanded",
			       CFG_MAX_ELEMS);
	return 0;
}

/* One $name of a rule's list: the set, checked to be of the kind the field wants. */
int cfg_set_ref(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		       const char *s, int kind, struct cfg_set **out)
{
	struct cfg_set *set = cfg_set_find(c, s + 1);

	if (!set)
		return cfg_err(c, n, field, "unknown set %s", s);
	if (set->kind != kind)
		return cfg_err(c, n, field, "%s is %s set, not %s set", s,
			       set->kind == CFG_SET_ADDR ? "an address" : "a port",
			       kind == CFG_SET_ADDR ? "an address" : "a port");
	*out = set;
	return cfg_charge(c, n, field, set->n);
}

/* What a list of one kind is made of: its elements and how one is read. */
struct cfg_list_kind {
	int	set_kind;	/* CFG_SET_ADDR or CFG_SET_PORT */
	size_t	elem_size;
	const char *what;	/* "an address" ... for messages */
	const char *any;	/* "address": what leaving the key out matches */
	int	(*parse)(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
			 const char *s, void *out);
};

static int cfg_addr_elem(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
			 const char *s, void *out)
{
	return cfg_addr(c, n, field, s, out);
}

static int cfg_port_elem(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
			 const char *s, void *out)
{
	return cfg_port(c, n, field, s, out);
}

static const struct cfg_list_kind cfg_addr_kind = {
	CFG_SET_ADDR, sizeof(struct pol_cidr), "an address", "address", cfg_addr_elem,
};
static const struct cfg_list_kind cfg_port_kind = {
	CFG_SET_PORT, sizeof(struct pol_ports), "a port, a range", "port", cfg_port_elem,
};

/* One element, a $set, or a list of those: appended to *v (*nv of them). */
static int cfg_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
		    const struct cfg_list_kind *k, void **v, size_t *nv)
{
	yaml_node_item_t *items;
	size_t i, count, cap = 0, sz = k->elem_size;
	int ret;

	cfg_items(n, &items, &count);
	if (n->type == YAML_MAPPING_NODE)
		return cfg_err(c, n, field, "expected %s, a list or a $set, got a mapping", k->what);
	if (!count)
		return cfg_err(c, n, field, "empty list (leave %s out to match any %s)",
			       field, k->any);
	for (i = 0; i < count; i++) {
		yaml_node_t *it = cfg_item(c, n, items, i);
		struct cfg_set *set = NULL;
		const char *s;

		ret = cfg_str(c, it, field, &s);
		if (ret)
			return ret;
		if (s[0] == '$') {
			ret = cfg_set_ref(c, it, field, s, k->set_kind, &set);
			if (ret)
				return ret;
			if (cfg_grow(v, &cap, *nv + set->n, sz))
				return cfg_nomem(c);
			memcpy((char *)*v + *nv * sz,
			       k->set_kind == CFG_SET_ADDR ? (void *)set->addrs : (void *)set->ports,
			       set->n * sz);
			*nv += set->n;
			continue;
		}
		ret = cfg_charge(c, it, field, 1);
		if (ret)
			return ret;
		if (cfg_grow(v, &cap, *nv + 1, sz))
			return cfg_nomem(c);
		ret = k->parse(c, it, field, s, (char *)*v + *nv * sz);
		if (ret)
			return ret;
		(*nv)++;
	}
	return 0;
}

/* from:, to: an address or CIDR, a $set, or a list of those. */
int cfg_addr_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
			 struct pol_cidr_list *out)
{
	return cfg_list(c, n, field, &cfg_addr_kind, (void **)&out->v, &out->n);
}

/* port:, sport: a number, "a-b", a $set, or a list of those. */
int cfg_port_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
			 struct pol_port_list *out)
{
	return cfg_list(c, n, field, &cfg_port_kind, (void **)&out->v, &out->n);
}

/* Seconds: a number, or a number with s, m, h or d. */
int cfg_duration(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
			uint32_t *out)
{
	static const struct { char unit; unsigned long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long v, mult = 1;
	const char *s;
	size_t len, i;
	int ret;

	ret = cfg_str(c, n, field, &s);
	if (ret)
		return ret;
	len = strlen(s);
	for (i = 0; len && i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[len - 1] == units[i].unit) {
			mult = units[i].mult;
			len--;
			break;
		}
	}
	if (cfg_uint(s, len, 0xffffffffUL / mult, &v) || !v)
		return cfg_err(c, n, field, "expected a duration in seconds (30, 30s, 5m, 2h, 5d), got '%s'", s);
	*out = (uint32_t)(v * mult);
	return 0;
}

/* A rate: "N/s" or a plain N (a second); 1 to max. */
int cfg_rate(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		    unsigned long max, uint32_t *out)
{
	unsigned long v;
	const char *s;
	size_t len;
	int ret;

	ret = cfg_str(c, n, field, &s);
	if (ret)
		return ret;
	len = strlen(s);
	if (len > 2 && !strcmp(s + len - 2, "/s"))
		len -= 2;
	if (cfg_uint(s, len, max, &v) || !v)
		return cfg_err(c, n, field, "expected a rate like 100/s (1 to %lu), got '%s'",
			       max, s);
	*out = v;
	return 0;
}

int cfg_dup_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		       char **out)
{
	const char *s;
	int ret = cfg_str(c, n, field, &s);

	if (ret)
		return ret;
	free(*out);
	*out = strdup(s);
	return *out ? 0 : cfg_nomem(c);
}

void cfg_proto_str(int proto, char *buf, size_t len)
{
	const char *name = pol_proto_name(proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%d", proto);
}

int cfg_proto(struct cfg_ctx *c, yaml_node_t *n, int *out)
{
	static const struct { const char *name; int proto; } names[] = {
		{ "tcp", PROTO_TCP }, { "udp", PROTO_UDP }, { "icmp", PROTO_ICMP },
		{ "icmpv6", PROTO_ICMPV6 }, { "sctp", PROTO_SCTP }, { "any", POL_ANY },
	};
	unsigned long v;
	const char *s;
	size_t i;
	int ret;

	ret = cfg_str(c, n, "proto", &s);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].proto;
			return 0;
		}
	}
	ret = cfg_uint(s, strlen(s), 255, &v);
	if (ret == -ERANGE)
		return cfg_err(c, n, "proto", "%s is out of range (0-255)", s);
	if (ret)
		return cfg_err(c, n, "proto",
			       "unknown protocol '%s' (expected tcp, udp, icmp, icmpv6, sctp, any or 0-255)",
			       s);
	*out = (int)v;
	return 0;
}

int cfg_icmp_type(struct cfg_ctx *c, yaml_node_t *n, int proto, int *out)
{
	const struct cfg_icmp_name *t, *other;
	const char *s;
	unsigned long v;
	int ret;

	ret = cfg_str(c, n, "icmp_type", &s);
	if (ret)
		return ret;
	ret = cfg_uint(s, strlen(s), 255, &v);
	if (ret == -ERANGE)
		return cfg_err(c, n, "icmp_type", "%s is out of range (0-255)", s);
	if (!ret) {
		*out = (int)v;
		return 0;
	}

	/* Names differ in number between ICMP and ICMPv6, so the protocol decides. */
	t = proto == PROTO_ICMP ? cfg_icmp4_names : cfg_icmp6_names;
	other = proto == PROTO_ICMP ? cfg_icmp6_names : cfg_icmp4_names;
	for (; t->name; t++) {
		if (!strcmp(s, t->name)) {
			*out = t->type;
			return 0;
		}
	}
	for (; other->name; other++)
		if (!strcmp(s, other->name))
			return cfg_err(c, n, "icmp_type", "'%s' is an %s type, not %s", s,
				       proto == PROTO_ICMP ? "icmpv6" : "icmp",
				       proto == PROTO_ICMP ? "icmp" : "icmpv6");
	return cfg_err(c, n, "icmp_type", "unknown %s type '%s'",
		       proto == PROTO_ICMP ? "icmp" : "icmpv6", s);
}

int cfg_icmp_type_name(int proto, const char *name)
{
	const struct cfg_icmp_name *t = proto == PROTO_ICMP ? cfg_icmp4_names : cfg_icmp6_names;

	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t->type;
	return -1;
}
