/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/policy/pol_edit.h: changing a policy while it is live, as logic
 * over the model of policy.h: finding rules by name, the diff of two
 * policies (what an Apply would change), and merging rules added at run
 * time (wardctl rule add) onto the policy read from a file. Userspace only;
 * wardd's API, wardctl's tests and a fleet node include it. Nothing here
 * reads files or knows gRPC.
 */
#ifndef WARD_POL_EDIT_H
#define WARD_POL_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "policy.h"

/* Every rule of a policy's tree, depth first (the order first match reads
 * them), for finding one by name. */
struct pol_ent {
	const char *name;
	const struct pol_rule *r;
	const char *parent;	/* NULL at the top */
	size_t	order;		/* depth-first position */
};

/* Sorted by name, for pol_index_find(); points into pol. *n: its length.
 * NULL with errno set on failure; free() it. */
struct pol_ent *pol_index(const struct pol_policy *pol, size_t *n);
const struct pol_ent *pol_index_find(const struct pol_ent *v, size_t n, const char *name);
/* The index of the top-level rule called name in r[0..n), or -1. */
ssize_t pol_top_find(const struct pol_rule *r, size_t n, const char *name);

/*
 * What changes from old to new, by rule name: rules only new has, rules
 * only old has, rules both have that differ (in a field, in their parent,
 * or moved out of the order the others kept), and the sections of settings
 * that differ ("interfaces", "defaults", "conntrack", "alerts", "metrics",
 * "logs"). The names point into old and new: use them while those live.
 */
#define POL_DIFF_SETTINGS_MAX	8
struct pol_diff {
	const char **added, **changed, **removed;
	size_t	n_added, n_changed, n_removed;
	const char *settings[POL_DIFF_SETTINGS_MAX];
	size_t	n_settings;
	size_t	unchanged;	/* rules both have, as they were */
};

/* 0 or -ENOMEM; pol_diff_free() either way. */
int pol_diff(const struct pol_policy *old, const struct pol_policy *new, struct pol_diff *d);
void pol_diff_free(struct pol_diff *d);
static inline bool pol_diff_empty(const struct pol_diff *d)
{
	return !d->n_added && !d->n_removed && !d->n_changed && !d->n_settings;
}

/*
 * A rule added at run time, kept as the YAML it was given as (one item of
 * a rules: list, config.h's cfg_rule_words_yaml), so that it is read by
 * the same parser as the file's rules, against each new base.
 */
struct pol_added {
	char	*name;
	char	*before;	/* top-level rule it goes before; NULL: at the end */
	char	*yaml;
};

void pol_added_free(struct pol_added *v, size_t n);
/* A deep copy of v with room for extra more (zeroed). NULL on failure. */
struct pol_added *pol_added_copy(const struct pol_added *v, size_t n, size_t extra);
const struct pol_added *pol_added_find(const struct pol_added *v, size_t n, const char *name);

/*
 * How the merge reads the added rules v[0..n) into out, as rules of base's
 * policy: config.h's cfg_parse_added (passed in, so that the policy model
 * does not depend on the config reader that depends on it). line[i] is set
 * to the line of the reader's errors ("NAME:LINE: field: msg") that rule i
 * starts at. 0, or -errno with err set (or empty when out of memory).
 */
typedef int pol_read_added_fn(const struct pol_policy *base, const struct pol_added *v,
			      size_t n, int *line, struct pol_policy *out,
			      char *err, size_t errlen);

/*
 * Moves the added rules v[0..n) into pol at their places: before their
 * anchor (a top-level rule of the file, or an earlier added rule), or at
 * the end. A name pol has already, or an anchor it does not have, is an
 * error rather than a rule silently moved. 0 or -errno with err set
 * ("rule NAME (added with wardctl rule add): ..."); on error pol holds the
 * rules moved so far, and the caller frees it.
 */
int pol_merge_added(struct pol_policy *pol, const struct pol_added *v, size_t n,
		    pol_read_added_fn *read, char *err, size_t errlen);

/*
 * An Apply's policy from the new file's (pol) and the rules added at run
 * time v[0..n): kept on top, merged as pol_merge_added() does, or, with
 * replace, left out, so that the file is the whole policy (the caller
 * drops them in the same swap). A merge the new file refuses (a name it
 * takes, an anchor or a zone it lost) also says that --replace would drop
 * them. 0 or -errno with err set; on error the caller frees pol.
 */
int pol_apply_added(struct pol_policy *pol, const struct pol_added *v, size_t n, bool replace,
		    pol_read_added_fn *read, char *err, size_t errlen);

#endif /* WARD_POL_EDIT_H */
