// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile_dryrun.c: the classifier of the dry-run rules.
 *
 * A dry-run rule never decides: the packet goes on to the rules after it as
 * if it were not there (docs/config.md). Left in the main classifier, its
 * entries would win first-match lookups they must not win, so it has a
 * classifier of its own, built by a second pass over the tree exactly as
 * the main one (same leaves, same rule numbering, its own shapes and prefix
 * expansion). The data plane walks it only when the policy has one, and
 * only for rules before the one that decided (bpf/lib/classify.h).
 *
 * Where the main classifier keeps only the lowest rule of a key, this one
 * keeps up to WARD_DRY_RANKS of them, by rank: every dry-run rule that
 * matches is counted, even two with the same match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

/* What the pass owns; zones and interface names are borrowed from the
 * main result. */
static void dry_free(struct compiled *dry)
{
	free(dry->rules);
	free(dry->names);
	free(dry->entries);
}

/* Appends the dry-run classifier's tuples and entries to out's. */
static int dry_append(struct builder *b, struct compiled *out, const struct compiled *dry)
{
	__u32 n_main = out->hdr.n_tuples, i;
	size_t total = out->n_entries + dry->n_entries;
	struct cls_entry *ne;

	if (n_main + dry->hdr.n_tuples > WARD_MAX_TUPLES)
		return compile_fail(b, -E2BIG,
				    "the policy needs more than %d distinct match shapes: %u for "
				    "the rules that decide and %u for the dry_run rules; give "
				    "dry_run rules the shapes of other rules, or fewer of them",
				    WARD_MAX_TUPLES, n_main, dry->hdr.n_tuples);
	if (total > COMPILE_MAX_ENTRIES)
		return compile_fail(b, -E2BIG, "the policy with its dry_run rules expands to "
				    "more than %d classifier entries (lists multiply: from x to x "
				    "ports)", COMPILE_MAX_ENTRIES);
	ne = realloc(out->entries, (total ? total : 1) * sizeof(*ne));
	if (!ne)
		return compile_fail(b, -ENOMEM, "out of memory");
	out->entries = ne;
	for (i = 0; i < dry->n_entries; i++) {
		ne[out->n_entries] = dry->entries[i];
		ne[out->n_entries++].key.tuple += n_main;
	}
	memcpy(&out->hdr.tuples[n_main], dry->hdr.tuples,
	       dry->hdr.n_tuples * sizeof(dry->hdr.tuples[0]));
	out->hdr.n_tuples += dry->hdr.n_tuples;
	out->hdr.n_dry_tuples = (__u8)dry->hdr.n_tuples;
	return 0;
}

int compile_dryrun(struct builder *main)
{
	struct compiled *out = main->out, dry = {
		.zones = out->zones, .n_zones = out->n_zones,
		.if_names = out->if_names, .n_if_names = out->n_if_names,
	};
	struct builder b = {
		.pol = main->pol, .out = &dry, .err = main->err, .errlen = main->errlen,
		.dry = true, .reserved = out->n_entries,
	};
	int ret;

	ret = compile_walk_root(&b);
	if (!ret)
		ret = compile_expand_prefixes(&b);
	if (!ret && dry.n_rules != out->n_rules)
		ret = compile_fail(&b, -EINVAL, "internal: the dry_run pass numbered %zu rules, "
				   "the main one %zu", dry.n_rules, out->n_rules);
	if (!ret) {
		compile_finish(&dry, true);
		ret = dry_append(&b, out, &dry);
	}
	dry_free(&dry);
	return ret;
}
