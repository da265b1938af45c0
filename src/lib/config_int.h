/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config_int.h: the reader's helpers, for the section readers that
 * live in files of their own (config_fqdn.c, config_nat.c). Only src/lib/config*.c
 * include it; struct cfg_ctx stays private to config.c.
 */
#ifndef WARD_CONFIG_INT_H
#define WARD_CONFIG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>
#include "policy.h"

struct cfg_ctx;

#define CFG_UNSUPPORTED	1

struct cfg_key {
	const char	*name;
	int		flags;
};

struct pol_policy *cfg_pol(struct cfg_ctx *c);
int cfg_err(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cfg_nomem(struct cfg_ctx *c);
yaml_node_t *cfg_node(struct cfg_ctx *c, int idx);
const char *cfg_kind(const yaml_node_t *n);
bool cfg_is_null(const yaml_node_t *n);
int cfg_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field, const char **out);
int cfg_map_keys(struct cfg_ctx *c, const yaml_node_t *map, const char *what,
		 const struct cfg_key *table, size_t n, yaml_node_t **keys, yaml_node_t **vals);
int cfg_addr(struct cfg_ctx *c, const yaml_node_t *n, const char *field, const char *s,
	     struct pol_cidr *out);
int cfg_duration(struct cfg_ctx *c, const yaml_node_t *n, const char *field, uint32_t *out);
void cfg_put_str(FILE *f, const char *s);
void cfg_put_cidr(FILE *f, const struct pol_cidr *a);
int cfg_line(const yaml_node_t *n);
int cfg_uint(const char *s, size_t len, unsigned long max, unsigned long *out);
/* 0; -EINVAL: not "N" or "N-M"; -ERANGE: past 65535; -EDOM: N > M. */
int cfg_ports_text(const char *s, struct pol_ports *out);
/* A zone (a role) or an interface the interfaces: section matches. */
int cfg_link(struct cfg_ctx *c, yaml_node_t *n, const char *field, char **out);

/* config_fqdn.c: the fqdn_sets: and fqdn: sections, and a rule's to_fqdn:. */
int cfg_fqdn_sets(struct cfg_ctx *c, yaml_node_t *map);
int cfg_fqdn(struct cfg_ctx *c, yaml_node_t *map);
int cfg_to_fqdn(struct cfg_ctx *c, yaml_node_t *n, struct pol_rule *r);
void cfg_put_fqdn(FILE *f, const struct pol_policy *pol);

/* config_nat.c: the nat: section. */
int cfg_nat(struct cfg_ctx *c, yaml_node_t *map);
void cfg_put_nat(FILE *f, const struct pol_nat *nat);

#endif /* WARD_CONFIG_INT_H */
