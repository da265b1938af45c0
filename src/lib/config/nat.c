// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/config/nat.c: the nat: section of ward.yaml (its output is in
 * writer.c).
 *
 *   nat:
 *     masquerade:   [ { out: ZONE|IFACE, from: CIDR } ]
 *     snat:         [ { out: ..., from: CIDR, to: ADDR, ports: "LO-HI" } ]
 *     port_forward: [ { in: ..., proto: tcp|udp, port: N, to: "ADDR:PORT" } ]
 *
 * IPv4 only: an IPv6 address anywhere here is an error, not ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"
#include "pol_util.h"

enum { NK_MASQ, NK_SNAT, NK_FWD, NK_N };

static const struct cfg_key cfg_nat_keys[NK_N] = {
	[NK_MASQ]	= { "masquerade" },
	[NK_SNAT]	= { "snat" },
	[NK_FWD]	= { "port_forward" },
};

enum { NR_IN, NR_OUT, NR_FROM, NR_TO, NR_PORTS, NR_PROTO, NR_PORT, NR_N };

static const struct cfg_key cfg_nat_rule_keys[NR_N] = {
	[NR_IN]		= { "in" },
	[NR_OUT]	= { "out" },
	[NR_FROM]	= { "from" },
	[NR_TO]		= { "to" },
	[NR_PORTS]	= { "ports" },
	[NR_PROTO]	= { "proto" },
	[NR_PORT]	= { "port" },
};

/* Which keys each list takes, and which it needs. */
static const struct {
	const char	*name;
	unsigned int	takes;
	unsigned int	needs;
} cfg_nat_shape[NK_N] = {
	[NK_MASQ] = { "masquerade", 1u << NR_OUT | 1u << NR_FROM, 1u << NR_OUT },
	[NK_SNAT] = { "snat", 1u << NR_OUT | 1u << NR_FROM | 1u << NR_TO | 1u << NR_PORTS,
		      1u << NR_OUT | 1u << NR_TO },
	[NK_FWD]  = { "port_forward", 1u << NR_IN | 1u << NR_PROTO | 1u << NR_PORT | 1u << NR_TO,
		      1u << NR_IN | 1u << NR_PROTO | 1u << NR_PORT | 1u << NR_TO },
};

/* An IPv4 address or prefix; host bits are an error as in rules. */
static int cfg_nat_v4(struct cfg_ctx *c, yaml_node_t *n, const char *field, const char *s,
		      bool prefix, struct pol_cidr *out)
{
	int ret = pol_cidr_parse(s, out);

	if (ret)
		return cfg_err(c, n, field, "'%s' is not an %s", s,
			       prefix ? "IPv4 address or prefix" : "IPv4 address");
	if (out->family != 4)
		return cfg_err(c, n, field, "%s: NAT is IPv4 only", s);
	if (!prefix && out->plen != 32)
		return cfg_err(c, n, field, "'%s' is a prefix; one address is needed", s);
	if (pol_cidr_has_host_bits(out))
		return cfg_err(c, n, field, "%s has host bits set", s);
	return 0;
}

static int cfg_nat_port(struct cfg_ctx *c, yaml_node_t *n, const char *field, const char *s,
			uint16_t *out)
{
	unsigned long v;

	if (cfg_uint(s, strlen(s), 65535, &v) || !v)
		return cfg_err(c, n, field, "'%s' is not a port (1-65535)", s);
	*out = (uint16_t)v;
	return 0;
}

/* port_forward's to: "ADDR:PORT", or "ADDR" for the same port. */
static int cfg_nat_server(struct cfg_ctx *c, yaml_node_t *n, struct pol_nat_rule *r)
{
	char buf[64];
	const char *s;
	char *colon;
	int ret;

	ret = cfg_str(c, n, "to", &s);
	if (ret)
		return ret;
	if (strlen(s) >= sizeof(buf))
		return cfg_err(c, n, "to", "'%.40s...' is not ADDRESS:PORT", s);
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon && strchr(colon + 1, ':'))
		return cfg_err(c, n, "to", "%s: NAT is IPv4 only", s);
	r->to_port = r->port;
	if (colon) {
		*colon = '\0';
		ret = cfg_nat_port(c, n, "to", colon + 1, &r->to_port);
		if (ret)
			return ret;
	}
	return cfg_nat_v4(c, n, "to", buf, false, &r->to);
}

static int cfg_nat_proto(struct cfg_ctx *c, yaml_node_t *n, int *out)
{
	const char *s;
	int ret = cfg_str(c, n, "proto", &s);

	if (ret)
		return ret;
	if (!strcmp(s, "tcp"))
		*out = 6;
	else if (!strcmp(s, "udp"))
		*out = 17;
	else
		return cfg_err(c, n, "proto", "'%s': a port forward is tcp or udp", s);
	return 0;
}

static int cfg_nat_rule(struct cfg_ctx *c, int kind, yaml_node_t *map, struct pol_nat_rule *r)
{
	yaml_node_t *k[NR_N], *v[NR_N];
	const char *s;
	int i, ret;

	ret = cfg_map_keys(c, map, cfg_nat_shape[kind].name, cfg_nat_rule_keys, NR_N, k, v);
	if (ret)
		return ret;
	for (i = 0; i < NR_N; i++) {
		if (v[i] && !(cfg_nat_shape[kind].takes & (1u << i)))
			return cfg_err(c, k[i], cfg_nat_rule_keys[i].name, "not a key of %s",
				       cfg_nat_shape[kind].name);
		if (!v[i] && (cfg_nat_shape[kind].needs & (1u << i)))
			return cfg_err(c, map, cfg_nat_rule_keys[i].name, "missing");
	}
	r->kind = kind == NK_MASQ ? POL_NAT_MASQ : kind == NK_SNAT ? POL_NAT_SNAT : POL_NAT_DNAT;
	r->line = cfg_line(map);
	r->from.family = 4;
	ret = cfg_link(c, v[kind == NK_FWD ? NR_IN : NR_OUT], kind == NK_FWD ? "in" : "out",
		       &r->link);
	if (ret)
		return ret;
	if (v[NR_FROM]) {
		ret = cfg_str(c, v[NR_FROM], "from", &s);
		if (!ret)
			ret = cfg_nat_v4(c, v[NR_FROM], "from", s, true, &r->from);
		if (ret)
			return ret;
	}
	if (kind == NK_SNAT) {
		ret = cfg_str(c, v[NR_TO], "to", &s);
		if (!ret)
			ret = cfg_nat_v4(c, v[NR_TO], "to", s, false, &r->to);
		if (ret)
			return ret;
	}
	if (v[NR_PORTS]) {
		ret = cfg_str(c, v[NR_PORTS], "ports", &s);
		if (ret)
			return ret;
		if (cfg_ports_text(s, &r->ports) || !r->ports.lo)
			return cfg_err(c, v[NR_PORTS], "ports",
				       "'%s' is not a port range a-b within 1-65535", s);
	}
	if (kind == NK_FWD) {
		ret = cfg_nat_proto(c, v[NR_PROTO], &r->proto);
		if (!ret)
			ret = cfg_str(c, v[NR_PORT], "port", &s);
		if (!ret)
			ret = cfg_nat_port(c, v[NR_PORT], "port", s, &r->port);
		if (!ret)
			ret = cfg_nat_server(c, v[NR_TO], r);
		if (ret)
			return ret;
	}
	return 0;
}

/* Two port forwards of one port on one link: the second could never match. */
static int cfg_nat_dups(struct cfg_ctx *c, yaml_node_t *n, const struct pol_nat *nat,
			const struct pol_nat_rule *r)
{
	size_t i;

	for (i = 0; i < nat->n; i++) {
		const struct pol_nat_rule *o = &nat->rules[i];

		if (o->kind == POL_NAT_DNAT && o->proto == r->proto && o->port == r->port &&
		    !strcmp(o->link, r->link))
			return cfg_err(c, n, "port", "%s port %u on %s is forwarded already (line %d)",
				       r->proto == 6 ? "tcp" : "udp", r->port, r->link, o->line);
	}
	return 0;
}

int cfg_nat(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_nat *nat = &cfg_pol(c)->nat;
	yaml_node_t *v[NK_N];
	int kind, ret;

	ret = cfg_section(c, map, "nat", cfg_nat_keys, NK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;
	nat->rules = calloc(WARD_NAT_MAX_RULES, sizeof(*nat->rules));
	if (!nat->rules)
		return cfg_nomem(c);
	for (kind = 0; kind < NK_N; kind++) {
		yaml_node_item_t *it;
		size_t count;

		if (!v[kind])
			continue;
		ret = cfg_count(c, v[kind], YAML_SEQUENCE_NODE, cfg_nat_keys[kind].name, "a list",
				&count);
		if (ret)
			return ret;
		if (!count)
			continue;
		for (it = v[kind]->data.sequence.items.start;
		     it < v[kind]->data.sequence.items.top; it++) {
			yaml_node_t *n = cfg_node(c, *it);
			struct pol_nat_rule *r;

			if (nat->n == WARD_NAT_MAX_RULES)
				return cfg_err(c, n, "nat", "more than %d NAT rules",
					       WARD_NAT_MAX_RULES);
			r = &nat->rules[nat->n];
			ret = cfg_nat_rule(c, kind, n, r);
			if (!ret && kind == NK_FWD)
				ret = cfg_nat_dups(c, n, nat, r);
			/* Counted even on error, so that pol_free() frees link. */
			nat->n++;
			if (ret)
				return ret;
		}
	}
	return 0;
}
