// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_commit.c: a policy generation written into the
 * inactive slot and made live with one map write (see dataplane.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_int.h"
#include "log.h"
#include "dataplane_nat.h"
#include "dataplane_fqdn.h"

#define DP_BATCH	8192

/* Deletes every ward_cls key of a slot by walking the map: used when we
 * don't know what a previous daemon left there. */
static void clear_cls_scan(struct dataplane *dp, __u32 slot)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_cls);
	struct ward_cls_key key, next, *prev = NULL, *keys = NULL, *nk;
	size_t n = 0, cap = 0, done = 0;

	/* Collect first, delete after: deleting the key a walk stands on
	 * sends the next get_next_key back to the start (quadratic). */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if ((next.tuple >> WARD_CLS_SLOT_SHIFT) != slot)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			nk = realloc(keys, cap * sizeof(*keys));
			if (!nk)
				break;
			keys = nk;
		}
		keys[n++] = next;
	}
	while (done < n) {
		__u32 cnt = n - done < DP_BATCH ? n - done : DP_BATCH;

		if (bpf_map_delete_batch(fd, keys + done, &cnt, NULL) && errno != ENOENT)
			break;
		done += cnt ? cnt : 1;
	}
	if (n)
		pr_debug("cleared %zu stale classifier entries of slot %u\n", n, slot);
	free(keys);
}

/* The interface table is small (a few entries per link): always walk it. */
static void clear_ifaces(struct dataplane *dp, __u32 slot)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ifaces);
	struct ward_iface_key key, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (next.slot == slot) {
			bpf_map_delete_elem(fd, &next);
			prev = NULL;
			continue;
		}
		key = next;
		prev = &key;
	}
}

static int clear_entries(struct dataplane *dp, const struct cls_entry *e, size_t n,
			 __u32 slot)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_cls);
	struct ward_cls_key *keys;
	size_t i, done = 0;
	int err = 0;

	keys = malloc(DP_BATCH * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (done < n) {
		__u32 cnt = n - done < DP_BATCH ? n - done : DP_BATCH;

		for (i = 0; i < cnt; i++) {
			keys[i] = e[done + i].key;
			keys[i].tuple |= slot << WARD_CLS_SLOT_SHIFT;
		}
		err = bpf_map_delete_batch(fd, keys, &cnt, NULL);
		if (err && errno != ENOENT)
			break;
		err = 0;
		done += cnt ? cnt : 1;
	}
	free(keys);
	return err;
}

/* Fills keys[0..cnt) and vals[0..cnt) with entries from..from+cnt of what
 * update_batched() writes. */
typedef void dp_fill_fn(void *keys, void *vals, size_t from, size_t cnt, const void *arg);

/*
 * n entries into the map fd, DP_BATCH at a time, each batch made by fill().
 * what (when not NULL) names them in the warning a failed write logs.
 * 0 or -errno.
 */
static int update_batched(int fd, size_t n, size_t key_size, size_t val_size,
			  dp_fill_fn *fill, const void *arg, const char *what)
{
	void *keys = malloc(DP_BATCH * key_size), *vals = malloc(DP_BATCH * val_size);
	size_t done = 0;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (done < n) {
		__u32 cnt = n - done < DP_BATCH ? n - done : DP_BATCH;

		fill(keys, vals, done, cnt, arg);
		err = bpf_map_update_batch(fd, keys, vals, &cnt, NULL);
		if (err) {
			err = -errno;
			if (what)
				pr_warn("writing %s: %s\n", what, strerror(errno));
			goto out;
		}
		done += cnt;
	}
out:
	free(keys);
	free(vals);
	return err;
}

struct entries_arg {
	const struct cls_entry *e;
	__u32	slot;
};

static void fill_entries(void *k, void *v, size_t from, size_t cnt, const void *arg)
{
	const struct entries_arg *a = arg;
	struct ward_cls_key *keys = k;
	struct ward_cls_val *vals = v;
	size_t i;

	for (i = 0; i < cnt; i++) {
		keys[i] = a->e[from + i].key;
		keys[i].tuple |= a->slot << WARD_CLS_SLOT_SHIFT;
		vals[i].rule = a->e[from + i].rule;
	}
}

static int write_entries(struct dataplane *dp, const struct cls_entry *e, size_t n, __u32 slot)
{
	struct entries_arg a = { e, slot };

	return update_batched(bpf_map__fd(dp->skel->maps.ward_cls), n, sizeof(struct ward_cls_key),
			      sizeof(struct ward_cls_val), fill_entries, &a, "classifier entries");
}

static int cmp_name_idx(const void *a, const void *b, void *arg)
{
	const struct ward_rule_name *names = arg;

	return strcmp(names[*(const __u32 *)a].name, names[*(const __u32 *)b].name);
}

/* Zeroes the per-CPU counters of the given stat indices, in batches. */
static int zero_stats(struct dataplane *dp, __u32 *idx, size_t n)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_rule_stats);
	struct ward_stat *z;
	size_t done = 0;
	int err = 0;

	if (!n)
		return 0;
	z = calloc((size_t)DP_BATCH * dp->ncpus, sizeof(*z));
	if (!z)
		return -ENOMEM;
	while (done < n) {
		__u32 cnt = n - done < DP_BATCH ? n - done : DP_BATCH;

		if (bpf_map_update_batch(fd, idx + done, z, &cnt, NULL)) {
			err = -errno;
			break;
		}
		done += cnt;
	}
	free(z);
	return err;
}

/*
 * Gives every rule the stat index it had under the same name, or a free one
 * with zeroed counters, so counters survive reloads and restarts. The names
 * table then holds the live policy's names plus these new ones; stale names
 * are released after the swap (release_stale_names).
 */
static int assign_stats(struct dataplane *dp, const struct compiled *c, __u32 *stat)
{
	__u32 *sorted = NULL, *fresh = NULL, n_sorted = 0, n_fresh = 0, i, next_free = 1;
	int err = 0;

	sorted = malloc(WARD_MAX_RULES * sizeof(*sorted));
	fresh = malloc((c->n_rules + 1) * sizeof(*fresh));
	if (!sorted || !fresh) {
		free(sorted);
		free(fresh);
		return -ENOMEM;
	}
	for (i = 1; i < WARD_MAX_RULES; i++)
		if (dp->names[i].name[0])
			sorted[n_sorted++] = i;
	qsort_r(sorted, n_sorted, sizeof(*sorted), cmp_name_idx, dp->names);

	for (i = 0; i < c->n_rules; i++) {
		__u32 lo = 0, hi = n_sorted, found = 0;

		while (lo < hi) {
			__u32 mid = (lo + hi) / 2;
			int r = strcmp(c->names[i], dp->names[sorted[mid]].name);

			if (!r) {
				found = sorted[mid];
				break;
			}
			if (r < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (!found) {
			while (next_free < WARD_MAX_RULES && dp->names[next_free].name[0])
				next_free++;
			if (next_free == WARD_MAX_RULES) {
				err = -E2BIG;
				break;
			}
			found = next_free;
			fresh[n_fresh++] = found;
			snprintf(dp->names[found].name, WARD_RULE_NAME_MAX, "%s", c->names[i]);
		}
		stat[i] = found;
		if (found > dp->stat_hi)
			dp->stat_hi = found;
	}
	/* New names start from zero, whatever an earlier rule left there. */
	if (!err)
		err = zero_stats(dp, fresh, n_fresh);
	free(sorted);
	free(fresh);
	return err;
}

static void release_stale_names(struct dataplane *dp, const __u32 *stat, size_t n)
{
	unsigned char *used = calloc(WARD_MAX_RULES, 1);
	size_t i;

	if (!used)
		return;
	for (i = 0; i < n; i++)
		used[stat[i]] = 1;
	for (i = 1; i < WARD_MAX_RULES; i++)
		if (!used[i] && dp->names[i].name[0])
			dp->names[i].name[0] = '\0';
	free(used);
}

struct rules_arg {
	const struct compiled *c;
	const __u32 *stat;
	__u32	slot;
};

static void fill_rules(void *k, void *v, size_t from, size_t cnt, const void *arg)
{
	const struct rules_arg *a = arg;
	struct ward_rule *vals = v;
	__u32 *keys = k;
	size_t i;

	for (i = 0; i < cnt; i++) {
		keys[i] = a->slot * WARD_MAX_RULES + from + i;
		vals[i] = a->c->rules[from + i];
		vals[i].stat = a->stat[from + i];
	}
}

static int write_rules(struct dataplane *dp, const struct compiled *c,
		       const __u32 *stat, __u32 slot)
{
	struct rules_arg a = { c, stat, slot };

	return update_batched(bpf_map__fd(dp->skel->maps.ward_rules), c->n_rules, sizeof(__u32),
			      sizeof(struct ward_rule), fill_rules, &a, NULL);
}

int dp_commit(struct dataplane *dp, const struct compiled *c,
	      const struct dp_link *links, size_t n_links)
{
	__u32 slot = dp->active_slot ^ 1, old = dp->active_slot, zero = 0, *stat;
	struct ward_policy_hdr hdr = c->hdr;
	struct ward_state st = {};
	struct cls_entry *copy = NULL;
	__u8 fqdn_ids[WARD_FQDN_SETS] = {};
	struct dp_fqdn_undo *fqdn_undo = NULL;
	size_t i;
	int err;

	stat = calloc(c->n_rules + 1, sizeof(*stat));
	if (!stat)
		return -ENOMEM;
	if (c->n_entries) {
		copy = malloc(c->n_entries * sizeof(*copy));
		if (!copy) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(copy, c->entries, c->n_entries * sizeof(*copy));
	}

	/* The inactive slot may hold what a killed daemon half wrote. */
	if (!dp->inactive_clean) {
		clear_cls_scan(dp, slot);
		clear_ifaces(dp, slot);
		dp_pf_clear(dp, slot);
		dp->inactive_clean = true;
	}
	snprintf(dp->names[WARD_STAT_DEFAULT].name, WARD_RULE_NAME_MAX, "default");
	/* Entries are written from the copy: FQDN set ids are put in it. */
	err = dp_fqdn_begin(dp, c, &hdr, copy, c->n_entries, fqdn_ids, &fqdn_undo);
	if (!err)
		err = assign_stats(dp, c, stat);
	if (!err)
		err = write_rules(dp, c, stat, slot);
	if (!err)
		err = write_entries(dp, copy, c->n_entries, slot);
	if (!err)
		err = dp_pf_write(dp, c, stat, slot);
	for (i = 0; i < n_links && !err; i++) {
		struct ward_iface_key k = { .ifindex = links[i].ifindex, .slot = slot };

		if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_ifaces),
					&k, &links[i].info, 0))
			err = -errno;
	}
	if (!err)
		err = dp_nat_commit(dp, c, slot);
	hdr.generation = dp->generation + 1;
	if (!err && bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_policy),
					&slot, &hdr, 0))
		err = -errno;
	if (err) {
		pr_warn("writing the new policy failed: %s; the running policy is unchanged\n",
			strerror(-err));
		if (clear_entries(dp, copy, c->n_entries, slot))
			dp->inactive_clean = false;
		clear_ifaces(dp, slot);
		dp_pf_clear(dp, slot);
		dp_fqdn_abort(dp, fqdn_undo);
		fqdn_undo = NULL;
		goto out;
	}

	/* The swap: from the next packet on, the data plane reads the new slot. */
	st.active_slot = slot;
	st.generation = hdr.generation;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_state), &zero, &st, 0)) {
		err = -errno;
		pr_warn("switching policy failed: %s\n", strerror(errno));
		dp->inactive_clean = false;
		dp_fqdn_abort(dp, fqdn_undo);
		fqdn_undo = NULL;
		goto out;
	}
	dp->active_slot = slot;
	dp->generation = hdr.generation;
	/* With nat: added or removed, fast_path: auto changes its answer. */
	if (dp->nat_on != (c->nat.n_rules > 0)) {
		dp->nat_on = c->nat.n_rules > 0;
		for (i = 0; i < dp->n_links; i++)
			dp_nat_port(dp, dp->links[i].ifindex, dp_fast_path_wanted(dp, &dp->links[i]));
	}
	memcpy(dp->ct_timeout, hdr.ct_timeout, sizeof(dp->ct_timeout));

	/* Clear the old slot so it is ready for the next swap. */
	if (!dp->live_known ||
	    clear_entries(dp, dp->live_entries, dp->n_live_entries, old))
		clear_cls_scan(dp, old);
	clear_ifaces(dp, old);
	dp_pf_clear(dp, old);
	dp_fqdn_end(dp, c, fqdn_ids);
	release_stale_names(dp, stat, c->n_rules);
	free(dp->live_entries);
	dp->live_entries = copy;
	dp->n_live_entries = c->n_entries;
	dp->live_known = true;
	copy = NULL;
	pr_info("policy generation %llu live: %zu rules, %zu classifier entries, "
		"%u match shapes, %zu prefilter entries\n", (unsigned long long)dp->generation,
		c->n_rules, c->n_entries, c->hdr.n_tuples, c->n_pf_src + c->n_pf_port);
out:
	dp_fqdn_undo_free(fqdn_undo);
	free(copy);
	free(stat);
	return err;
}
