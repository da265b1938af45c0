/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/compile/compile_int.h: what the files of the compiler share.
 * Internal to src/lib/compile/.
 *
 *   compile.c          the driver: compile_policy(), the tree walk, the
 *                      final ordering of tuples and entries
 *   compile_flat.c     a leaf's effective match (its own and its ancestors')
 *   compile_leaf.c     a leaf -> rule and classifier entries, by match shape
 *   compile_cpe.c      controlled prefix expansion: fewer shapes
 *   compile_dryrun.c   the dry-run rules' classifier, after the main one
 *   compile_nat.c      the nat: section
 *   compile_prefilter.c the drops decided right after parsing
 */
#ifndef WARD_COMPILE_INT_H
#define WARD_COMPILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compile.h"

/* A leaf's effective match: its own fields intersected with its ancestors'. */
struct flat {
	int	family;		/* 0, 4 or 6 */
	int	proto;		/* POL_ANY or a number */
	int	icmp_type;	/* POL_ANY or a type */
	int	zone;		/* 0 or a zone id */
	int	in_if;		/* 0 or an interface name id */
	int	fqdn;		/* 0 or an FQDN set's index + 1 */
	struct pol_cidr_list from, to;		/* n == 0: any; owned */
	struct pol_port_list sport, dport;	/* n == 0: any; owned */
	bool	dry_run;
	bool	log;
	bool	never;		/* the intersection is empty: no packet matches */
};

struct port_block {
	__be16	value;
	__be16	mask;
};

/*
 * One pass over the rule tree. Every pass numbers every leaf (a rule index
 * is its place in the whole policy), but puts classifier entries only for
 * the leaves of its own classifier: dry-run leaves (dry) or the others.
 */
struct builder {
	const struct pol_policy *pol;
	struct compiled *out;
	size_t	cap_rules;
	size_t	cap_entries;
	char	*err;
	size_t	errlen;
	bool	dry;		/* this pass builds the dry-run classifier */
	size_t	n_dry_leaves;	/* dry-run leaves some packet can match, seen */
	size_t	reserved;	/* entries the other classifier holds already */
};

/* Writes the message to b->err; returns ret. */
int compile_fail(struct builder *b, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Index of s in v, or -1. */
int find_str(char **v, size_t n, const char *s);
/* Appends a copy of s unless v has it; 0 or -ENOMEM. */
int add_str(char ***v, size_t *n, const char *s);

/* compile_flat.c */
void compile_prefix_mask(__be32 *mask, int family, int plen);
/* child = parent ∩ r */
int compile_flat_merge(struct builder *b, const struct flat *parent,
		       const struct pol_rule *r, struct flat *child);
void compile_flat_free(struct flat *f);

/* compile_leaf.c */
int compile_tuple_index(struct builder *b, const struct ward_tuple *t, const char *rule);
/* Numbers the leaf and, when it belongs to this pass's classifier, adds
 * its entries. */
int compile_add_leaf(struct builder *b, const struct pol_rule *r, const struct flat *f);

/* compile_cpe.c: fewer prefix lengths per field, more entries. */
int compile_expand_prefixes(struct builder *b);

/* compile.c: one pass over the tree from the root. */
int compile_walk_root(struct builder *b);
/* Orders tuples by their first rule and drops duplicate keys (the lowest
 * rule of a key is the one that matches); with ranks, keeps up to
 * WARD_DRY_RANKS rules of a key instead, numbered in key.rank. */
void compile_finish(struct compiled *c, bool ranks);

/* compile_dryrun.c: the dry-run classifier, appended to out's tuples and
 * entries (out->hdr.n_dry_tuples). Only when b->n_dry_leaves. */
int compile_dryrun(struct builder *b);

/* nat: -> c->nat, naming interfaces that are not zones in c->if_names.
 * The config reader checked it all: only -ENOMEM. */
int compile_nat(const struct pol_policy *pol, struct compiled *c);

/* The main classifier's entries and shapes as the tree walk made them,
 * before prefix expansion and ordering (compile_prefilter's input). */
struct pf_main {
	struct ward_tuple tuples[WARD_MAX_TUPLES];
	struct cls_entry *entries;
	size_t	n_entries;
};

/* compile_prefilter.c: c->pf_src, c->pf_port and their counts in c->hdr,
 * from main and the finished dry-run classifier. 0 or -ENOMEM. */
int compile_prefilter(struct compiled *c, const struct pf_main *main);

#endif /* WARD_COMPILE_INT_H */
