/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config.c: ward.yaml -> struct pol_policy, and back (cfg_print).
 *
 * libyaml's document API loads the file as a node graph that keeps every
 * node's mark, so each error can name its line. The sections are then read
 * in a fixed order (interfaces, defaults, sets, rules), whatever their order
 * in the file: rules check in: against the interfaces and expand sets.
 *
 * Every key is looked up in a table of the keys its mapping takes, so a
 * misspelt key is an error rather than silently ignored (pfctl's grammar
 * does the same by construction). Keys of CONTRACT.md that this version
 * does not implement are in the tables too, marked unsupported, so users
 * get a better message than "unknown key".
 */
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config.h"
#include "config_int.h"
#include "pol_util.h"

#define CFG_MAX_DEPTH		8	/* levels of rules: */
#define CFG_RULE_NAME_MAX	(WARD_RULE_NAME_MAX - 1)
#define CFG_SET_NAME_MAX	63
#define CFG_ROLE_MAX		31
#define CFG_MATCH_MAX		63
#define CFG_FILE_MAX		(64 << 20)

/*
 * YAML aliases let a small file stand for a huge tree (every alias of a
 * branch copies it), and sets multiply addresses into rules. Bound the
 * expanded policy by what the data plane could hold anyway.
 */
#define CFG_MAX_RULES		WARD_MAX_RULES
#define CFG_MAX_ELEMS		WARD_MAX_CLS

#define CFG_FAM4		(1u << 0)
#define CFG_FAM6		(1u << 1)

#define PROTO_ICMP		1
#define PROTO_TCP		6
#define PROTO_UDP		17
#define PROTO_ICMPV6		58
#define PROTO_SCTP		132

const char cfg_embedded_default[] =
	"interfaces:\n"
	"  - match: \"*\"\n"
	"    mode: auto\n"
	"defaults:\n"
	"  policy: drop\n"
	"  dry_run: true\n"
	"  log: drops\n";

enum cfg_set_kind {
	CFG_SET_ADDR = 1,
	CFG_SET_PORT,
};

struct cfg_set {
	const char	*name;		/* points into the yaml document */
	int		kind;
	struct pol_cidr	*addrs;
	struct pol_ports *ports;
	size_t		n;
};

struct cfg_name {
	const char	*name;		/* a pol_rule's name: lives as long as the policy */
	int		line;
};

struct cfg_ctx {
	const char	*file;
	yaml_document_t	*doc;
	char		*err;
	size_t		errlen;
	bool		failed;
	struct pol_policy *pol;
	struct cfg_set	*sets;
	size_t		n_sets;
	struct cfg_name	*names;		/* open addressing, power of two */
	size_t		names_cap;
	size_t		n_names;
	size_t		n_rules;	/* rules in the whole tree */
	size_t		n_elems;	/* list entries once sets are expanded */
};

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
	TK_INTERFACES, TK_DEFAULTS, TK_SETS, TK_RULES,
	TK_CONNTRACK, TK_FQDN_SETS, TK_FQDN, TK_NAT, TK_SERVICES, TK_PLUGINS,
	TK_ALERTS, TK_API, TK_METRICS, TK_LOGS, TK_FLEET, TK_N
};

static const struct cfg_key cfg_top_keys[TK_N] = {
	[TK_INTERFACES]	= { "interfaces" },
	[TK_DEFAULTS]	= { "defaults" },
	[TK_SETS]	= { "sets" },
	[TK_RULES]	= { "rules" },
	[TK_CONNTRACK]	= { "conntrack" },
	[TK_FQDN_SETS]	= { "fqdn_sets" },
	[TK_FQDN]	= { "fqdn" },
	[TK_NAT]	= { "nat" },
	[TK_SERVICES]	= { "services", CFG_UNSUPPORTED },
	[TK_PLUGINS]	= { "plugins", CFG_UNSUPPORTED },
	[TK_ALERTS]	= { "alerts", 0 },
	[TK_API]	= { "api", 0 },
	[TK_METRICS]	= { "metrics", 0 },
	[TK_LOGS]	= { "logs", 0 },
	[TK_FLEET]	= { "fleet", CFG_UNSUPPORTED },
};

enum { IK_MATCH, IK_ROLE, IK_MODE, IK_FAST_PATH, IK_N };

static const struct cfg_key cfg_iface_keys[IK_N] = {
	[IK_MATCH]	= { "match" },
	[IK_ROLE]	= { "role" },
	[IK_MODE]	= { "mode" },
	[IK_FAST_PATH]	= { "fast_path" },
};

enum { CK_MAX_FLOWS, CK_TIMEOUTS, CK_N };

static const struct cfg_key cfg_conntrack_keys[CK_N] = {
	[CK_MAX_FLOWS]	= { "max_flows" },
	[CK_TIMEOUTS]	= { "timeouts" },
};

/* Indexed like pol_conntrack.timeout (WARD_CT_TO_*). */
static const struct cfg_key cfg_timeout_keys[POL_CT_TIMEOUTS] = {
	{ "tcp_established", 0 }, { "tcp_handshake", 0 }, { "tcp_close", 0 },
	{ "udp", 0 }, { "udp_stream", 0 }, { "icmp", 0 },
};

enum { APK_LISTEN, APK_LOCKED, APK_TLS, APK_N };
static const struct cfg_key cfg_api_keys[APK_N] = {
	[APK_LISTEN] = { "listen", 0 }, [APK_LOCKED] = { "locked", 0 }, [APK_TLS] = { "tls", 0 },
};

enum { ATK_CERT, ATK_KEY, ATK_CA, ATK_N };
static const struct cfg_key cfg_api_tls_keys[ATK_N] = {
	[ATK_CERT] = { "cert", 0 }, [ATK_KEY] = { "key", 0 }, [ATK_CA] = { "ca", 0 },
};

enum { MK_LISTEN, MK_N };
static const struct cfg_key cfg_metrics_keys[MK_N] = { [MK_LISTEN] = { "listen", 0 } };

enum { LK_PATH, LK_RATE, LK_N };
static const struct cfg_key cfg_logs_keys[LK_N] = {
	[LK_PATH] = { "path", 0 }, [LK_RATE] = { "rate", 0 },
};

enum { AK_PORT_SCAN, AK_SYN_FLOOD, AK_WEBHOOK, AK_N };
static const struct cfg_key cfg_alerts_keys[AK_N] = {
	[AK_PORT_SCAN] = { "port_scan", 0 }, [AK_SYN_FLOOD] = { "syn_flood", 0 },
	[AK_WEBHOOK] = { "webhook", 0 },
};

enum { PSK_PORTS, PSK_WINDOW, PSK_N };
static const struct cfg_key cfg_scan_keys[PSK_N] = {
	[PSK_PORTS] = { "ports", 0 }, [PSK_WINDOW] = { "window", 0 },
};

enum { SFK_RATE, SFK_N };
static const struct cfg_key cfg_synflood_keys[SFK_N] = { [SFK_RATE] = { "rate", 0 } };

enum { DK_POLICY, DK_DRY_RUN, DK_LOG, DK_REJECT_RATE, DK_N };

static const struct cfg_key cfg_defaults_keys[DK_N] = {
	[DK_POLICY]	= { "policy" },
	[DK_DRY_RUN]	= { "dry_run" },
	[DK_LOG]	= { "log" },
	[DK_REJECT_RATE] = { "reject_rate" },
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

/* Errors */

int cfg_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/*
 * Key names and values end up in the message as the user wrote them;
 * control characters there would garble a terminal or a log line.
 */
static void cfg_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int cfg_verr(struct cfg_ctx *c, int line, const char *field,
		    const char *fmt, va_list ap)
{
	int off;

	/* The first error is the one worth reading; later ones may be fallout. */
	if (c->failed)
		return -EINVAL;
	c->failed = true;
	if (!c->err || !c->errlen)
		return -EINVAL;
	off = snprintf(c->err, c->errlen, "%s:%d: %s: ", c->file, line, field);
	if (off >= 0 && (size_t)off < c->errlen)
		vsnprintf(c->err + off, c->errlen - off, fmt, ap);
	cfg_sanitize(c->err);
	return -EINVAL;
}

int cfg_err(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		   const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_verr(c, cfg_line(n), field, fmt, ap);
	va_end(ap);
	return ret;
}

int cfg_nomem(struct cfg_ctx *c)
{
	if (!c->failed && c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory", c->file);
	c->failed = true;
	return -ENOMEM;
}

struct pol_policy *cfg_pol(struct cfg_ctx *c)
{
	return c->pol;
}

/* Nodes and scalars */

yaml_node_t *cfg_node(struct cfg_ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

const char *cfg_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a single value";
	}
}

bool cfg_is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

int cfg_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		   const char **out)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return cfg_err(c, n, field, "expected a single value, got %s", cfg_kind(n));
	if (cfg_is_null(n))
		return cfg_err(c, n, field, "missing value");
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length)
		return cfg_err(c, n, field, "contains a NUL character");
	*out = s;
	return 0;
}

static int cfg_bool(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		    bool *out)
{
	const char *s;
	int ret;

	ret = cfg_str(c, n, field, &s);
	if (ret)
		return ret;
	if (!strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "false"))
		*out = false;
	else
		return cfg_err(c, n, field, "expected true or false, got '%s'", s);
	return 0;
}

/* Decimal digits only: no sign, no hex, no YAML 1.1 octal or sexagesimal. */
int cfg_uint(const char *s, size_t len, unsigned long max,
		    unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	for (i = 0; i < len; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/* Letters (lower case, or both), digits and the characters of punct; 1 to max. */
static bool cfg_word(const char *s, const char *punct, bool upper, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    (upper && *s >= 'A' && *s <= 'Z') || strchr(punct, *s))
			continue;
		return false;
	}
	return true;
}

/*
 * Reads a mapping whose keys come from a table: vals[i] (and keys[i] when
 * keys is not NULL) get the nodes of table entry i, NULL when absent.
 */
int cfg_map_keys(struct cfg_ctx *c, const yaml_node_t *map,
			const char *what, const struct cfg_key *table, size_t n,
			yaml_node_t **keys, yaml_node_t **vals)
{
	yaml_node_pair_t *p;
	size_t i;

	for (i = 0; i < n; i++) {
		vals[i] = NULL;
		if (keys)
			keys[i] = NULL;
	}
	if (map->type != YAML_MAPPING_NODE)
		return cfg_err(c, map, what, "expected a mapping, got %s", cfg_kind(map));

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(c, p->key);
		const char *name;

		if (k->type != YAML_SCALAR_NODE)
			return cfg_err(c, k, what, "a key must be a plain name, not %s",
				       cfg_kind(k));
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < n; i++)
			if (!strcmp(name, table[i].name))
				break;
		if (i == n)
			return cfg_err(c, k, name, "unknown key");
		if (table[i].flags & CFG_UNSUPPORTED)
			return cfg_err(c, k, name, "not supported by this version of ward yet");
		if (vals[i])
			return cfg_err(c, k, name, "duplicate key");
		vals[i] = cfg_node(c, p->value);
		if (keys)
			keys[i] = k;
	}
	return 0;
}

/* Items of a list, or the node itself when it is a single value. */
static void cfg_items(yaml_node_t *n, yaml_node_item_t **start, size_t *count)
{
	if (n->type == YAML_SEQUENCE_NODE) {
		*start = n->data.sequence.items.start;
		*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	} else {
		*start = NULL;
		*count = 1;
	}
}

static yaml_node_t *cfg_item(struct cfg_ctx *c, yaml_node_t *n,
			     yaml_node_item_t *start, size_t i)
{
	return start ? cfg_node(c, start[i]) : n;
}

static int cfg_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 4;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = reallocarray(*v, ncap, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

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

static int cfg_port(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
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

static struct cfg_set *cfg_set_find(struct cfg_ctx *c, const char *name)
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
static int cfg_set_ref(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
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
static int cfg_addr_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
			 struct pol_cidr_list *out)
{
	return cfg_list(c, n, field, &cfg_addr_kind, (void **)&out->v, &out->n);
}

/* port:, sport: a number, "a-b", a $set, or a list of those. */
static int cfg_port_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
			 struct pol_port_list *out)
{
	return cfg_list(c, n, field, &cfg_port_kind, (void **)&out->v, &out->n);
}

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

/* Sections */

static int cfg_interfaces(struct cfg_ctx *c, yaml_node_t *seq)
{
	struct pol_policy *pol = c->pol;
	yaml_node_item_t *it;
	size_t n, i;
	int ret;

	if (cfg_is_null(seq))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return cfg_err(c, seq, "interfaces", "expected a list, got %s", cfg_kind(seq));
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (!n)
		return 0;
	pol->ifaces = calloc(n, sizeof(*pol->ifaces));
	if (!pol->ifaces)
		return cfg_nomem(c);

	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *map = cfg_node(c, *it), *v[IK_N];
		struct pol_iface *ifc = &pol->ifaces[pol->n_ifaces];
		const char *match, *role = NULL, *mode = "auto";
		const char *p;

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
			ret = cfg_str(c, v[IK_MODE], "mode", &mode);
			if (ret)
				return ret;
		}
		if (!strcmp(mode, "auto"))
			ifc->mode = POL_MODE_AUTO;
		else if (!strcmp(mode, "xdp"))
			ifc->mode = POL_MODE_XDP;
		else if (!strcmp(mode, "tc"))
			ifc->mode = POL_MODE_TC;
		else
			return cfg_err(c, v[IK_MODE], "mode",
				       "unknown mode '%s' (expected auto, xdp or tc)", mode);

		if (v[IK_FAST_PATH]) {
			const char *fp;

			ret = cfg_str(c, v[IK_FAST_PATH], "fast_path", &fp);
			if (ret)
				return ret;
			if (!strcmp(fp, "on"))
				ifc->fast_path = POL_FAST_ON;
			else if (!strcmp(fp, "off"))
				ifc->fast_path = POL_FAST_OFF;
			else if (strcmp(fp, "auto"))
				return cfg_err(c, v[IK_FAST_PATH], "fast_path",
					       "unknown value '%s' (expected auto, on or off)", fp);
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

static int cfg_rate(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		    unsigned long max, uint32_t *out);

static int cfg_defaults(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_policy *pol = c->pol;
	yaml_node_t *v[DK_N];
	const char *s;
	int ret;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "defaults", cfg_defaults_keys, DK_N, NULL, v);
	if (ret)
		return ret;

	if (v[DK_POLICY]) {
		ret = cfg_str(c, v[DK_POLICY], "policy", &s);
		if (ret)
			return ret;
		if (!strcmp(s, "accept"))
			pol->default_action = WARD_ACT_ACCEPT;
		else if (!strcmp(s, "drop"))
			pol->default_action = WARD_ACT_DROP;
		else
			return cfg_err(c, v[DK_POLICY], "policy",
				       "unknown policy '%s' (expected accept or drop)", s);
	}
	if (v[DK_DRY_RUN]) {
		ret = cfg_bool(c, v[DK_DRY_RUN], "dry_run", &pol->dry_run);
		if (ret)
			return ret;
	}
	if (v[DK_LOG]) {
		ret = cfg_str(c, v[DK_LOG], "log", &s);
		if (ret)
			return ret;
		if (!strcmp(s, "none"))
			pol->log = POL_LOG_NONE;
		else if (!strcmp(s, "drops"))
			pol->log = POL_LOG_DROPS;
		else if (!strcmp(s, "all"))
			pol->log = POL_LOG_ALL;
		else
			return cfg_err(c, v[DK_LOG], "log",
				       "unknown log level '%s' (expected none, drops or all)", s);
	}
	if (v[DK_REJECT_RATE])
		return cfg_rate(c, v[DK_REJECT_RATE], "reject_rate", 1000000, &pol->reject_rate);
	return 0;
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

static int cfg_conntrack(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_conntrack *ct = &c->pol->conntrack;
	yaml_node_t *v[CK_N], *t[POL_CT_TIMEOUTS];
	unsigned long n;
	const char *s;
	int ret, i;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "conntrack", cfg_conntrack_keys, CK_N, NULL, v);
	if (ret)
		return ret;
	if (v[CK_MAX_FLOWS]) {
		ret = cfg_str(c, v[CK_MAX_FLOWS], "max_flows", &s);
		if (ret)
			return ret;
		/* The kernel caps a hash map's entries; 64M flows is ~10 GiB anyway. */
		if (cfg_uint(s, strlen(s), 1UL << 26, &n) || n < 1024)
			return cfg_err(c, v[CK_MAX_FLOWS], "max_flows",
				       "expected a number of flows from 1024 to 67108864, got '%s'", s);
		ct->max_flows = n;
	}
	if (v[CK_TIMEOUTS] && !cfg_is_null(v[CK_TIMEOUTS])) {
		ret = cfg_map_keys(c, v[CK_TIMEOUTS], "timeouts", cfg_timeout_keys,
				   POL_CT_TIMEOUTS, NULL, t);
		if (ret)
			return ret;
		for (i = 0; i < POL_CT_TIMEOUTS; i++) {
			if (!t[i])
				continue;
			ret = cfg_duration(c, t[i], cfg_timeout_keys[i].name, &ct->timeout[i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* A rate: "N/s" or a plain N (a second); 1 to max. */
static int cfg_rate(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
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

static int cfg_dup_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
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

static int cfg_metrics(struct cfg_ctx *c, yaml_node_t *map)
{
	yaml_node_t *v[MK_N];
	char *colon;
	int ret;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "metrics", cfg_metrics_keys, MK_N, NULL, v);
	if (ret || !v[MK_LISTEN])
		return ret;
	ret = cfg_dup_str(c, v[MK_LISTEN], "listen", &c->pol->observe.metrics_listen);
	if (ret)
		return ret;
	colon = strrchr(c->pol->observe.metrics_listen, ':');
	if (strcmp(c->pol->observe.metrics_listen, "none") &&
	    (!colon || colon == c->pol->observe.metrics_listen || !colon[1]))
		return cfg_err(c, v[MK_LISTEN], "listen",
			       "expected ADDR:PORT (127.0.0.1:9669, [::1]:9669) or none, got '%s'",
			       c->pol->observe.metrics_listen);
	return 0;
}

/* api.tls: {cert, key, ca}, all three: the API over TCP is mTLS or nothing. */
static int cfg_api_tls(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_api *a = &c->pol->api;
	char **out[ATK_N] = { &a->tls_cert, &a->tls_key, &a->tls_ca };
	yaml_node_t *v[ATK_N];
	size_t i;
	int ret;

	ret = cfg_map_keys(c, map, "api.tls", cfg_api_tls_keys, ATK_N, NULL, v);
	if (ret)
		return ret;
	for (i = 0; i < ATK_N; i++) {
		if (!v[i])
			return cfg_err(c, map, "tls",
				       "%s: missing (tls needs cert, key and ca: the server's certificate and key, and the CA client certificates must be signed by)",
				       cfg_api_tls_keys[i].name);
		ret = cfg_dup_str(c, v[i], cfg_api_tls_keys[i].name, out[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int cfg_api(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_api *a = &c->pol->api;
	yaml_node_t *v[APK_N];
	int ret;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "api", cfg_api_keys, APK_N, NULL, v);
	if (ret)
		return ret;
	if (v[APK_TLS]) {
		ret = cfg_api_tls(c, v[APK_TLS]);
		if (ret)
			return ret;
	}
	if (v[APK_LISTEN]) {
		ret = cfg_dup_str(c, v[APK_LISTEN], "listen", &a->listen);
		if (ret)
			return ret;
		if (!strncmp(a->listen, "tcp://", 6)) {
			if (!a->tls_cert)
				return cfg_err(c, v[APK_LISTEN], "listen",
					       "%s: TCP is served with TLS and client certificates only: add tls: {cert, key, ca}",
					       a->listen);
			if (!strchr(a->listen + 6, ':') || !strrchr(a->listen, ':')[1])
				return cfg_err(c, v[APK_LISTEN], "listen",
					       "expected tcp://ADDR:PORT, got '%s'", a->listen);
		} else if (strcmp(a->listen, "none") && strncmp(a->listen, "unix:/", 6)) {
			return cfg_err(c, v[APK_LISTEN], "listen",
				       "expected unix:/ABSOLUTE/PATH, tcp://ADDR:PORT or none, got '%s'",
				       a->listen);
		}
	}
	if (a->tls_cert && (!a->listen || strncmp(a->listen, "tcp://", 6)))
		return cfg_err(c, v[APK_TLS], "tls",
			       "only for listen: tcp://ADDR:PORT (a unix socket is guarded by its file mode)");
	if (v[APK_LOCKED])
		return cfg_bool(c, v[APK_LOCKED], "locked", &a->locked);
	return 0;
}

static int cfg_logs(struct cfg_ctx *c, yaml_node_t *map)
{
	yaml_node_t *v[LK_N];
	int ret;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "logs", cfg_logs_keys, LK_N, NULL, v);
	if (ret)
		return ret;
	if (v[LK_PATH]) {
		ret = cfg_dup_str(c, v[LK_PATH], "path", &c->pol->observe.log_path);
		if (ret)
			return ret;
	}
	if (v[LK_RATE])
		return cfg_rate(c, v[LK_RATE], "rate", 1000000, &c->pol->observe.log_rate);
	return 0;
}

static int cfg_alerts(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_alerts *a = &c->pol->alerts;
	yaml_node_t *v[AK_N], *ps[PSK_N], *sf[SFK_N];
	unsigned long n;
	const char *s;
	int ret;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "alerts", cfg_alerts_keys, AK_N, NULL, v);
	if (ret)
		return ret;
	if (v[AK_PORT_SCAN]) {
		a->scan_ports = 20;
		a->scan_window = 10;
		if (!cfg_is_null(v[AK_PORT_SCAN])) {
			ret = cfg_map_keys(c, v[AK_PORT_SCAN], "port_scan", cfg_scan_keys,
					   PSK_N, NULL, ps);
			if (ret)
				return ret;
			if (ps[PSK_PORTS]) {
				ret = cfg_str(c, ps[PSK_PORTS], "ports", &s);
				if (ret)
					return ret;
				if (cfg_uint(s, strlen(s), 255, &n) || n < 2)
					return cfg_err(c, ps[PSK_PORTS], "ports",
						       "expected a number of ports from 2 to 255, got '%s'", s);
				a->scan_ports = n;
			}
			if (ps[PSK_WINDOW]) {
				ret = cfg_duration(c, ps[PSK_WINDOW], "window", &a->scan_window);
				if (ret)
					return ret;
			}
		}
	}
	if (v[AK_SYN_FLOOD]) {
		a->syn_rate = 2000;
		if (!cfg_is_null(v[AK_SYN_FLOOD])) {
			ret = cfg_map_keys(c, v[AK_SYN_FLOOD], "syn_flood", cfg_synflood_keys,
					   SFK_N, NULL, sf);
			if (ret)
				return ret;
			if (sf[SFK_RATE]) {
				ret = cfg_rate(c, sf[SFK_RATE], "rate", 100000000, &a->syn_rate);
				if (ret)
					return ret;
			}
		}
	}
	if (v[AK_WEBHOOK]) {
		ret = cfg_dup_str(c, v[AK_WEBHOOK], "webhook", &a->webhook);
		if (ret)
			return ret;
		if (strncmp(a->webhook, "http://", 7) || !a->webhook[7])
			return cfg_err(c, v[AK_WEBHOOK], "webhook",
				       "expected an http:// URL, got '%s'", a->webhook);
	}
	return 0;
}

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

static int cfg_sets(struct cfg_ctx *c, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	size_t n, cap;
	int ret;

	if (cfg_is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return cfg_err(c, map, "sets", "expected a mapping of set names to lists, got %s",
			       cfg_kind(map));
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (!n)
		return 0;
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

static void cfg_proto_str(int proto, char *buf, size_t len)
{
	const char *name = pol_proto_name(proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%d", proto);
}

static int cfg_proto(struct cfg_ctx *c, yaml_node_t *n, int *out)
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

static int cfg_icmp_type(struct cfg_ctx *c, yaml_node_t *n, int proto, int *out)
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

	if (seq->type != YAML_SEQUENCE_NODE && !cfg_is_null(seq))
		return cfg_err(c, seq, "rules", "expected a list of rules, got %s", cfg_kind(seq));
	n = cfg_is_null(seq) ? 0 :
	    (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
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
	const char *s;
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
		ret = cfg_str(c, v[RK_FAMILY], "family", &s);
		if (ret)
			return ret;
		if (!strcmp(s, "ipv4"))
			r->family = 4;
		else if (!strcmp(s, "ipv6"))
			r->family = 6;
		else
			return cfg_err(c, v[RK_FAMILY], "family",
				       "unknown family '%s' (expected ipv4 or ipv6)", s);
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
		ret = cfg_str(c, v[RK_ACTION], "action", &s);
		if (ret)
			return ret;
		if (!strcmp(s, "accept"))
			r->action = WARD_ACT_ACCEPT;
		else if (!strcmp(s, "drop"))
			r->action = WARD_ACT_DROP;
		else if (!strcmp(s, "reject"))
			r->action = WARD_ACT_REJECT;
		else if (!strcmp(s, "inspect"))
			return cfg_err(c, v[RK_ACTION], "action",
				       "%s is not supported by this version of ward yet", s);
		else
			return cfg_err(c, v[RK_ACTION], "action",
				       "unknown action '%s' (expected accept, drop or reject)", s);
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

static int cfg_rules(struct cfg_ctx *c, yaml_node_t *seq)
{
	struct pol_policy *pol = c->pol;
	struct cfg_scope top = { .depth = 1, .proto = POL_ANY };
	size_t i, n;
	int ret;

	if (cfg_is_null(seq))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return cfg_err(c, seq, "rules", "expected a list of rules, got %s", cfg_kind(seq));
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (!n)
		return 0;
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

static int cfg_load(struct cfg_ctx *c, yaml_node_t *root)
{
	yaml_node_t *v[TK_N];
	int ret;

	if (!root || cfg_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return cfg_err(c, root, "document",
			       "expected a mapping of sections (interfaces:, defaults:, sets:, rules:), got %s",
			       cfg_kind(root));
	ret = cfg_map_keys(c, root, "document", cfg_top_keys, TK_N, NULL, v);
	if (ret)
		return ret;

	/* Fixed order: rules need the interfaces (in:) and the sets ($name). */
	static const struct {
		int	key;
		int	(*read)(struct cfg_ctx *c, yaml_node_t *n);
	} sections[] = {
		{ TK_INTERFACES, cfg_interfaces }, { TK_DEFAULTS, cfg_defaults },
		{ TK_CONNTRACK, cfg_conntrack }, { TK_METRICS, cfg_metrics },
		{ TK_API, cfg_api }, { TK_LOGS, cfg_logs }, { TK_ALERTS, cfg_alerts },
		{ TK_SETS, cfg_sets }, { TK_FQDN_SETS, cfg_fqdn_sets }, { TK_FQDN, cfg_fqdn },
		{ TK_RULES, cfg_rules }, { TK_NAT, cfg_nat },
	};
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!v[sections[i].key])
			continue;
		ret = sections[i].read(c, v[sections[i].key]);
		if (ret)
			return ret;
	}
	return 0;
}

static int cfg_yaml_err(struct cfg_ctx *c, const yaml_parser_t *parser)
{
	size_t line;

	if (parser->error == YAML_MEMORY_ERROR)
		return cfg_nomem(c);
	/* A reader error (bad UTF-8) has no problem mark, only the reader's. */
	line = parser->error == YAML_READER_ERROR ? parser->mark.line
						  : parser->problem_mark.line;
	if (!c->failed && c->err && c->errlen) {
		snprintf(c->err, c->errlen, "%s:%zu: yaml: %s", c->file, line + 1,
			 parser->problem ? parser->problem : "syntax error");
		cfg_sanitize(c->err);
	}
	c->failed = true;
	return -EINVAL;
}

static void cfg_ctx_free(struct cfg_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_sets; i++) {
		free(c->sets[i].addrs);
		free(c->sets[i].ports);
	}
	free(c->sets);
	free(c->names);
}

int cfg_parse_string(const char *name, const char *text, size_t len,
		     struct pol_policy *out, char *err, size_t errlen)
{
	struct pol_policy pol = {
		.default_action = WARD_ACT_DROP,
		.log = POL_LOG_DROPS,
	};
	struct cfg_ctx c = {
		.file = name, .err = err, .errlen = errlen, .pol = &pol,
	};
	yaml_document_t doc, next;
	yaml_parser_t parser;
	yaml_node_t *root, *extra;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		return cfg_nomem(&c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = cfg_yaml_err(&c, &parser);
		goto out_parser;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);

	/* One policy per file: a second document would be silently ignored. */
	if (root) {
		if (!yaml_parser_load(&parser, &next)) {
			ret = cfg_yaml_err(&c, &parser);
			goto out_doc;
		}
		extra = yaml_document_get_root_node(&next);
		if (extra) {
			ret = cfg_err(&c, extra, "yaml",
				      "more than one document; a file holds one policy");
			yaml_document_delete(&next);
			goto out_doc;
		}
		yaml_document_delete(&next);
	}

	pol.source = strdup(name);
	if (!pol.source) {
		ret = cfg_nomem(&c);
		goto out_doc;
	}
	ret = cfg_load(&c, root);
	if (ret)
		goto out_pol;
	*out = pol;
	goto out_doc;

out_pol:
	pol_free(&pol);
out_doc:
	cfg_ctx_free(&c);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return ret;
}

int cfg_parse_file(const char *path, struct pol_policy *out, char *err, size_t errlen)
{
	size_t len = 0, cap = 0, got;
	char *buf = NULL;
	FILE *f;
	int ret;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= CFG_FILE_MAX) {
				ret = -EFBIG;
				goto out_read;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out_read;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got)
			continue;
		if (ferror(f)) {
			ret = errno ? -errno : -EIO;
			goto out_read;
		}
		break;
	}
	fclose(f);
	ret = cfg_parse_string(path, buf ? buf : "", len, out, err, errlen);
	free(buf);
	return ret;

out_read:
	if (err && errlen)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
	free(buf);
	fclose(f);
	return ret;
}

/* Printing */

/*
 * Plain when it cannot be read as anything but a string; double-quoted
 * otherwise ("*", IPv6 with its colons, "8000-8100", yes/no/on/off...).
 */
void cfg_put_str(FILE *f, const char *s)
{
	static const char *words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null", NULL,
	};
	bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
	const char *p;
	size_t i;

	for (p = s; plain && *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./-", *p))
			plain = false;
	for (i = 0; plain && words[i]; i++)
		if (!strcasecmp(s, words[i]))
			plain = false;
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

void cfg_put_cidr(FILE *f, const struct pol_cidr *a)
{
	char buf[POL_CIDR_STRLEN];

	if (pol_cidr_format(a, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "?");
	/* Addresses start with a digit or a colon: IPv6 needs quotes, IPv4 not. */
	if (strchr(buf, ':'))
		fprintf(f, "\"%s\"", buf);
	else
		fputs(buf, f);
}

static void cfg_put_ports(FILE *f, const struct pol_ports *p)
{
	if (p->lo == p->hi)
		fprintf(f, "%u", p->lo);
	else
		fprintf(f, "\"%u-%u\"", p->lo, p->hi);
}

static void cfg_put_cidrs(FILE *f, int ind, const char *key,
			  const struct pol_cidr_list *l)
{
	size_t i;

	if (!l->n)
		return;
	fprintf(f, "%*s%s: %s", ind, "", key, l->n > 1 ? "[" : "");
	for (i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", f);
		cfg_put_cidr(f, &l->v[i]);
	}
	fputs(l->n > 1 ? "]\n" : "\n", f);
}

static void cfg_put_port_list(FILE *f, int ind, const char *key,
			      const struct pol_port_list *l)
{
	size_t i;

	if (!l->n)
		return;
	fprintf(f, "%*s%s: %s", ind, "", key, l->n > 1 ? "[" : "");
	for (i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", f);
		cfg_put_ports(f, &l->v[i]);
	}
	fputs(l->n > 1 ? "]\n" : "\n", f);
}

static void cfg_put_rules(FILE *f, const struct pol_rule *rules, size_t n, int ind)
{
	int in = ind + 2;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct pol_rule *r = &rules[i];
		const char *pname = pol_proto_name(r->proto);

		fprintf(f, "%*s- name: ", ind, "");
		cfg_put_str(f, r->name);
		fputc('\n', f);
		if (r->in) {
			fprintf(f, "%*sin: ", in, "");
			cfg_put_str(f, r->in);
			fputc('\n', f);
		}
		cfg_put_cidrs(f, in, "from", &r->from);
		cfg_put_cidrs(f, in, "to", &r->to);
		if (r->fqdn_set)
			fprintf(f, "%*sto_fqdn: $%s\n", in, "", r->fqdn_name);
		if (r->family)
			fprintf(f, "%*sfamily: ipv%d\n", in, "", r->family);
		if (r->proto != POL_ANY && pname)
			fprintf(f, "%*sproto: %s\n", in, "", pname);
		else if (r->proto != POL_ANY)
			fprintf(f, "%*sproto: %d\n", in, "", r->proto);
		cfg_put_port_list(f, in, "port", &r->dport);
		cfg_put_port_list(f, in, "sport", &r->sport);
		if (r->icmp_type != POL_ANY)
			fprintf(f, "%*sicmp_type: %d\n", in, "", r->icmp_type);
		if (r->action)
			fprintf(f, "%*saction: %s\n", in, "",
				pol_action_name(r->action));
		if (r->rate)
			fprintf(f, "%*srate: %u/s\n", in, "", r->rate);
		if (r->log)
			fprintf(f, "%*slog: true\n", in, "");
		if (r->dry_run)
			fprintf(f, "%*sdry_run: true\n", in, "");
		if (r->n_children) {
			fprintf(f, "%*srules:\n", in, "");
			cfg_put_rules(f, r->children, r->n_children, in + 2);
		}
	}
}

/* Only what the file set: defaults stay the compiler's. */
static void cfg_put_conntrack(FILE *f, const struct pol_conntrack *ct)
{
	bool any = ct->max_flows, tmo = false;
	int i;

	for (i = 0; i < POL_CT_TIMEOUTS; i++)
		tmo |= ct->timeout[i] != 0;
	if (!any && !tmo)
		return;
	fputs("conntrack:\n", f);
	if (ct->max_flows)
		fprintf(f, "  max_flows: %u\n", ct->max_flows);
	if (!tmo)
		return;
	fputs("  timeouts:\n", f);
	for (i = 0; i < POL_CT_TIMEOUTS; i++)
		if (ct->timeout[i])
			fprintf(f, "    %s: %u\n", cfg_timeout_keys[i].name, ct->timeout[i]);
}

static void cfg_put_observe(FILE *f, const struct pol_policy *pol)
{
	const struct pol_observe *o = &pol->observe;
	const struct pol_alerts *a = &pol->alerts;

	if (pol->api.listen || pol->api.locked) {
		fputs("api:\n", f);
		if (pol->api.listen) {
			fputs("  listen: ", f);
			cfg_put_str(f, pol->api.listen);
			fputc('\n', f);
		}
		fprintf(f, "  locked: %s\n", pol->api.locked ? "true" : "false");
		if (pol->api.tls_cert) {
			fputs("  tls: { cert: ", f);
			cfg_put_str(f, pol->api.tls_cert);
			fputs(", key: ", f);
			cfg_put_str(f, pol->api.tls_key);
			fputs(", ca: ", f);
			cfg_put_str(f, pol->api.tls_ca);
			fputs(" }\n", f);
		}
	}
	if (o->metrics_listen) {
		fputs("metrics:\n  listen: ", f);
		cfg_put_str(f, o->metrics_listen);
		fputc('\n', f);
	}
	if (o->log_path || o->log_rate) {
		fputs("logs:\n", f);
		if (o->log_path) {
			fputs("  path: ", f);
			cfg_put_str(f, o->log_path);
			fputc('\n', f);
		}
		if (o->log_rate)
			fprintf(f, "  rate: %u/s\n", o->log_rate);
	}
	if (a->scan_window || a->syn_rate || a->webhook) {
		fputs("alerts:\n", f);
		if (a->scan_window)
			fprintf(f, "  port_scan: { ports: %u, window: %u }\n",
				a->scan_ports, a->scan_window);
		if (a->syn_rate)
			fprintf(f, "  syn_flood: { rate: %u/s }\n", a->syn_rate);
		if (a->webhook) {
			fputs("  webhook: ", f);
			cfg_put_str(f, a->webhook);
			fputc('\n', f);
		}
	}
}

int cfg_print(const struct pol_policy *pol, FILE *f)
{
	static const char *modes[] = {
		[POL_MODE_AUTO] = "auto", [POL_MODE_XDP] = "xdp", [POL_MODE_TC] = "tc",
	};
	static const char *logs[] = {
		[POL_LOG_NONE] = "none", [POL_LOG_DROPS] = "drops", [POL_LOG_ALL] = "all",
	};
	size_t i;

	fputs(pol->n_ifaces ? "interfaces:\n" : "interfaces: []\n", f);
	for (i = 0; i < pol->n_ifaces; i++) {
		const struct pol_iface *ifc = &pol->ifaces[i];

		fputs("  - match: ", f);
		cfg_put_str(f, ifc->match);
		fputc('\n', f);
		if (ifc->role) {
			fputs("    role: ", f);
			cfg_put_str(f, ifc->role);
			fputc('\n', f);
		}
		fprintf(f, "    mode: %s\n", modes[ifc->mode]);
		if (ifc->fast_path != POL_FAST_AUTO)
			fprintf(f, "    fast_path: %s\n", ifc->fast_path == POL_FAST_ON ? "on" : "off");
	}
	fprintf(f, "defaults:\n  policy: %s\n  dry_run: %s\n  log: %s\n",
		pol->default_action == WARD_ACT_ACCEPT ? "accept" : "drop",
		pol->dry_run ? "true" : "false", logs[pol->log]);
	if (pol->reject_rate)
		fprintf(f, "  reject_rate: %u/s\n", pol->reject_rate);
	cfg_put_conntrack(f, &pol->conntrack);
	cfg_put_observe(f, pol);
	cfg_put_fqdn(f, pol);
	fputs(pol->n_rules ? "rules:\n" : "rules: []\n", f);
	cfg_put_rules(f, pol->rules, pol->n_rules, 2);
	cfg_put_nat(f, &pol->nat);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

int cfg_icmp_type_name(int proto, const char *name)
{
	const struct cfg_icmp_name *t = proto == PROTO_ICMP ? cfg_icmp4_names : cfg_icmp6_names;

	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t->type;
	return -1;
}
