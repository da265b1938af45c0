/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/config_int.h: what the files of the reader share: the
 * parse context, the YAML walk and its errors (walk.c), the value parsers
 * (values.c) and each section's entry point. Only src/lib/config/ includes
 * it; everyone else uses config.h.
 */
#ifndef WARD_CONFIG_INT_H
#define WARD_CONFIG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>
#include "policy.h"

#define CFG_UNSUPPORTED	1

/*
 * YAML aliases let a small file stand for a huge tree (every alias of a
 * branch copies it), and sets multiply addresses into rules. Bound the
 * expanded policy by what the data plane could hold anyway.
 */
#define CFG_MAX_ELEMS		WARD_MAX_CLS

/*
 * Deepest nesting of lists and mappings a file may have (loader.c): a
 * policy needs a few levels; a bound keeps any file fast to reject.
 */
#define CFG_MAX_NESTING		64

#define CFG_FAM4		(1u << 0)
#define CFG_FAM6		(1u << 1)

#define PROTO_ICMP		1
#define PROTO_TCP		6
#define PROTO_UDP		17
#define PROTO_ICMPV6		58
#define PROTO_SCTP		132

struct cfg_key {
	const char	*name;
	int		flags;
};

/* A word a field takes, and what it stands for (cfg_choice). */
struct cfg_choice {
	const char	*name;
	int		value;
	int		flags;
};

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

/* One parse: loader.c sets it up, every section reads into c->pol. */
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

/* walk.c: nodes, scalars, mappings by key table, and the errors. */
struct pol_policy *cfg_pol(struct cfg_ctx *c);
int cfg_line(const yaml_node_t *n);
void cfg_sanitize(char *s);
int cfg_err(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cfg_nomem(struct cfg_ctx *c);
yaml_node_t *cfg_node(struct cfg_ctx *c, int idx);
const char *cfg_kind(const yaml_node_t *n);
bool cfg_is_null(const yaml_node_t *n);
int cfg_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field, const char **out);
int cfg_bool(struct cfg_ctx *c, const yaml_node_t *n, const char *field, bool *out);
int cfg_uint(const char *s, size_t len, unsigned long max, unsigned long *out);
bool cfg_word(const char *s, const char *punct, bool upper, size_t max);
int cfg_map_keys(struct cfg_ctx *c, const yaml_node_t *map, const char *what,
		 const struct cfg_key *table, size_t n, yaml_node_t **keys, yaml_node_t **vals);
/* A section's mapping read against its table into vals: 0, 1 when the
 * section is left empty ("logs:"), which sets nothing, or -EINVAL. */
int cfg_section(struct cfg_ctx *c, const yaml_node_t *map, const char *name,
		const struct cfg_key *table, size_t n, yaml_node_t **vals);
int cfg_count(struct cfg_ctx *c, const yaml_node_t *n, yaml_node_type_t type,
	      const char *field, const char *want, size_t *count);
int cfg_choice(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
	       const char *what, const struct cfg_choice *table, int *out);
void cfg_items(yaml_node_t *n, yaml_node_item_t **start, size_t *count);
yaml_node_t *cfg_item(struct cfg_ctx *c, yaml_node_t *n, yaml_node_item_t *start, size_t i);
int cfg_grow(void **v, size_t *cap, size_t need, size_t size);

/* values.c */
int cfg_addr(struct cfg_ctx *c, const yaml_node_t *n, const char *field, const char *s,
	     struct pol_cidr *out);
/* 0; -EINVAL: not "N" or "N-M"; -ERANGE: past 65535; -EDOM: N > M. */
int cfg_ports_text(const char *s, struct pol_ports *out);
int cfg_port(struct cfg_ctx *c, const yaml_node_t *n, const char *field, const char *s,
	     struct pol_ports *out);
struct cfg_set *cfg_set_find(struct cfg_ctx *c, const char *name);
int cfg_addr_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
		  struct pol_cidr_list *out);
int cfg_port_list(struct cfg_ctx *c, yaml_node_t *n, const char *field,
		  struct pol_port_list *out);
int cfg_duration(struct cfg_ctx *c, const yaml_node_t *n, const char *field, uint32_t *out);
int cfg_rate(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
	     unsigned long max, uint32_t *out);
int cfg_dup_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field, char **out);
void cfg_proto_str(int proto, char *buf, size_t len);
int cfg_proto(struct cfg_ctx *c, yaml_node_t *n, int *out);
int cfg_icmp_type(struct cfg_ctx *c, yaml_node_t *n, int proto, int *out);

/* The sections, each in the file of its name. */
int cfg_interfaces(struct cfg_ctx *c, yaml_node_t *seq);
/* A zone (a role) or an interface the interfaces: section matches. */
int cfg_link(struct cfg_ctx *c, yaml_node_t *n, const char *field, char **out);
int cfg_defaults(struct cfg_ctx *c, yaml_node_t *map);
int cfg_conntrack(struct cfg_ctx *c, yaml_node_t *map);
/* Indexed like pol_conntrack.timeout (WARD_CT_TO_*); the writer prints them too. */
extern const struct cfg_key cfg_timeout_keys[POL_CT_TIMEOUTS];
int cfg_metrics(struct cfg_ctx *c, yaml_node_t *map);
int cfg_api(struct cfg_ctx *c, yaml_node_t *map);
int cfg_logs(struct cfg_ctx *c, yaml_node_t *map);
int cfg_alerts(struct cfg_ctx *c, yaml_node_t *map);
int cfg_sets(struct cfg_ctx *c, yaml_node_t *map);
int cfg_rules(struct cfg_ctx *c, yaml_node_t *seq);

/* fqdn.c: the fqdn_sets: and fqdn: sections, and a rule's to_fqdn:. */
int cfg_fqdn_sets(struct cfg_ctx *c, yaml_node_t *map);
int cfg_fqdn(struct cfg_ctx *c, yaml_node_t *map);
int cfg_to_fqdn(struct cfg_ctx *c, yaml_node_t *n, struct pol_rule *r);

/* nat.c: the nat: section. */
int cfg_nat(struct cfg_ctx *c, yaml_node_t *map);

/* writer.c: the document cfg_parse_added() reads (see there). */
struct pol_added;
char *cfg_added_doc(const struct pol_policy *base, const struct pol_added *v, size_t n,
		    int *line);

#endif /* WARD_CONFIG_INT_H */
