// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/policy/pol_merge.c: the rules added at run time merged onto the
 * policy read from a file (see pol_edit.h). The config reader reads them
 * (as one YAML document with the base's interfaces), so that an added rule
 * is checked exactly as a rule of the file, against the zones of the
 * policy it joins; here they are placed, and its errors said of a rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pol_edit.h"

/* As config.h's CFG_ERR_MAX: what the reader says about a rule. */
#define MERGE_PARSE_ERR_MAX	512

/* "api rules:LINE: field: message" -> "rule NAME (added with wardctl rule add): field: message" */
static void rules_err(const struct pol_added *v, size_t n, const int *line,
		      const char *perr, char *err, size_t errlen)
{
	const char *p = strchr(perr, ':');
	const char *rest = p ? strchr(p + 1, ':') : NULL;
	long ln = p ? strtol(p + 1, NULL, 10) : 0;
	size_t i, at = n;

	for (i = 0; i < n; i++)
		if (line[i] <= ln)
			at = i;
	if (at == n || !rest) {
		snprintf(err, errlen, "the rules added with wardctl rule add: %s", perr);
		return;
	}
	snprintf(err, errlen, "rule %s (added with wardctl rule add): %s", v[at].name,
		 rest + 2 <= perr + strlen(perr) ? rest + 2 : rest);
}

int pol_merge_added(struct pol_policy *pol, const struct pol_added *v, size_t n,
		    pol_read_added_fn *read, char *err, size_t errlen)
{
	struct pol_policy extra = {};
	struct pol_ent *names = NULL;
	struct pol_rule *all;
	char perr[MERGE_PARSE_ERR_MAX];
	size_t n_names, i, n_all;
	const struct pol_ent *dup;
	int *line, ret;

	line = calloc(n, sizeof(*line));
	if (!line)
		goto out_nomem;
	perr[0] = '\0';
	ret = read(pol, v, n, line, &extra, perr, sizeof(perr));
	if (ret && !perr[0])
		goto out_nomem;
	if (ret) {
		rules_err(v, n, line, perr, err, errlen);
		goto out;
	}
	names = pol_index(pol, &n_names);
	if (!names)
		goto out_nomem;
	for (i = 0; i < extra.n_rules; i++) {
		dup = pol_index_find(names, n_names, extra.rules[i].name);
		if (dup) {
			ret = -EEXIST;
			snprintf(err, errlen,
				 "rule %s (added with wardctl rule add): %s:%d has a rule of that name; delete one (wardctl rule delete %s)",
				 extra.rules[i].name, pol->source ? pol->source : "the policy",
				 dup->r->line, extra.rules[i].name);
			goto out;
		}
	}

	all = reallocarray(pol->rules, pol->n_rules + extra.n_rules + 1, sizeof(*all));
	if (!all)
		goto out_nomem;
	pol->rules = all;
	n_all = pol->n_rules;
	for (i = 0; i < extra.n_rules; i++) {
		ssize_t at = (ssize_t)n_all;

		if (v[i].before) {
			at = pol_top_find(all, n_all, v[i].before);
			if (at < 0) {
				ret = -ENOENT;
				snprintf(err, errlen,
					 "rule %s (added with wardctl rule add) goes before %s, which %s does not have; delete it (wardctl rule delete %s) or keep %s",
					 v[i].name, v[i].before,
					 pol->source ? pol->source : "the policy", v[i].name, v[i].before);
				/* The moved rules so far are pol's now; extra frees the rest. */
				pol->n_rules = n_all;
				memmove(extra.rules, extra.rules + i, (extra.n_rules - i) * sizeof(*all));
				extra.n_rules -= i;
				goto out;
			}
		}
		memmove(&all[at + 1], &all[at], (n_all - (size_t)at) * sizeof(*all));
		all[at] = extra.rules[i];
		all[at].line = 0;
		n_all++;
	}
	pol->n_rules = n_all;
	extra.n_rules = 0;	/* moved */
	ret = 0;
	goto out;
out_nomem:
	ret = -ENOMEM;
	snprintf(err, errlen, "merging the API's rules: out of memory");
out:
	pol_free(&extra);
	free(names);
	free(line);
	return ret;
}

int pol_apply_added(struct pol_policy *pol, const struct pol_added *v, size_t n, bool replace,
		    pol_read_added_fn *read, char *err, size_t errlen)
{
	size_t len;
	int ret;

	if (replace || !n)
		return 0;
	ret = pol_merge_added(pol, v, n, read, err, errlen);
	if (ret && ret != -ENOMEM) {
		len = strlen(err);
		snprintf(err + len, errlen - len,
			 "; or apply with --replace: the file becomes the whole policy, the rules added with wardctl rule add are dropped");
	}
	return ret;
}
