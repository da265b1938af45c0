// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane.c: see dataplane.h. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <netinet/in.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_nat.h"
#include "dataplane_fqdn.h"
#include "log.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC	0xcafe4a11
#endif

/* Our tc filter: fixed handle and priority, so that it is replaced in place
 * and only ever ours is removed. */
#define DP_TC_HANDLE	0x77617264	/* "ward" */
#define DP_TC_PRIO	0xc000

#define DP_BATCH	8192

static const char *const counter_names[WARD_CNT_MAX] = {
	[WARD_CNT_DROP_RULE]		= "rule",
	[WARD_CNT_DROP_POLICY]		= "policy",
	[WARD_CNT_DROP_TRUNC_L2]	= "truncated_l2",
	[WARD_CNT_DROP_BAD_IP4]		= "bad_ipv4",
	[WARD_CNT_DROP_BAD_IP6]		= "bad_ipv6",
	[WARD_CNT_DROP_BAD_IP6_EXT]	= "bad_ipv6_ext",
	[WARD_CNT_DROP_BAD_L4]		= "bad_l4",
	[WARD_CNT_DROP_INTERNAL]	= "internal",
	[WARD_CNT_DROP_CT_FULL]		= "ct_full",
	[WARD_CNT_DROP_TCP_INVALID]	= "tcp_invalid",
	[WARD_CNT_DROP_TCP_WINDOW]	= "tcp_window",
	[WARD_CNT_DROP_REVOKED]		= "revoked",
	[WARD_CNT_DROP_NAT_EXHAUSTED]	= "nat_exhausted",
	[WARD_CNT_DROP_NAT_STALE]	= "nat_stale",
	[WARD_CNT_DROP_RATE_LIMIT]	= "rate_limit",
	[WARD_CNT_DROP_NAT_INVALID]	= "nat_invalid",
	[WARD_CNT_DROP_NAT_NO_ROUTE]	= "nat_no_route",
	[WARD_CNT_DROP_BAD_CHECKSUM]	= "bad_checksum",
	[WARD_CNT_PASS_NON_IP]		= "pass_non_ip",
	[WARD_CNT_PASS_ND]		= "pass_nd",
	[WARD_CNT_WOULD_DROP]		= "would_drop",
	[WARD_CNT_FRAGMENT]		= "fragment",
	[WARD_CNT_ACCEPT]		= "accept",
	[WARD_CNT_CT_NEW]		= "ct_new",
	[WARD_CNT_CT_ESTABLISHED]	= "ct_established",
	[WARD_CNT_CT_RELATED]		= "ct_related",
	[WARD_CNT_ICMP_ORPHAN]		= "icmp_orphan",
	[WARD_CNT_RST_INEXACT]		= "rst_inexact",
	[WARD_CNT_FRAG_PASS]		= "frag_pass",
	[WARD_CNT_CT_EXPIRED]		= "ct_expired",
	[WARD_CNT_LOG_SUPPRESSED]	= "log_suppressed",
	[WARD_CNT_LOG_LOST]		= "log_lost",
	[WARD_CNT_SYN_NEW]		= "syn_new",
	[WARD_CNT_CT_GONE]		= "ct_gone",
	[WARD_CNT_NAT_NEW]		= "nat_new",
	[WARD_CNT_NAT_XLATE]		= "nat_xlate",
	[WARD_CNT_FWD_REDIRECT]		= "fwd_redirect",
	[WARD_CNT_FWD_STACK]		= "fwd_stack",
	[WARD_CNT_FQDN_PARSED]		= "fqdn_parsed",
	[WARD_CNT_FQDN_IGNORED]		= "fqdn_ignored",
	[WARD_CNT_FQDN_SPOOFED]		= "fqdn_spoofed",
	[WARD_CNT_FQDN_MALFORMED]	= "fqdn_malformed",
	[WARD_CNT_FQDN_FRAGMENT]	= "fqdn_fragment",
	[WARD_CNT_FQDN_LEARNED]		= "fqdn_learned",
	[WARD_CNT_FQDN_TRUNC]		= "fqdn_truncated",
	[WARD_CNT_FQDN_QUERY]		= "fqdn_query",
	[WARD_CNT_REJECT_SENT]		= "reject_sent",
	[WARD_CNT_REJECT_LIMITED]	= "reject_limited",
	[WARD_CNT_REJECT_SKIPPED]	= "reject_skipped",
	[WARD_CNT_WOULD_REJECT]		= "would_reject",
	[WARD_CNT_TCP_IGNORED]		= "tcp_ignored",
};

static bool fast_path_wanted(const struct dataplane *dp, const struct dp_link *l);

const char *dp_counter_name(int counter)
{
	if (counter < 0 || counter >= WARD_CNT_MAX)
		return "unknown";
	return counter_names[counter];
}

const char *dp_mode_name(int mode)
{
	switch (mode) {
	case WARD_MODE_XDP_NATIVE:	return "xdp";
	case WARD_MODE_XDP_GENERIC:	return "xdp-generic";
	case WARD_MODE_TC:		return "tc";
	default:			return "none";
	}
}

static int ensure_bpffs(const char *pin_dir)
{
	char buf[PATH_MAX], *parent;
	struct statfs st;

	snprintf(buf, sizeof(buf), "%s", pin_dir);
	parent = dirname(buf);
	if (!statfs(parent, &st) && st.f_type == BPF_FS_MAGIC)
		goto mkpin;
	/* ip netns exec gives a fresh /sys without bpffs: mount our own. */
	if (mkdir(parent, 0700) && errno != EEXIST) {
		pr_warn("%s: cannot create: %s\n", parent, strerror(errno));
		return -errno;
	}
	if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
		pr_warn("%s: cannot mount bpffs: %s\n", parent, strerror(errno));
		return -errno;
	}
	pr_info("mounted bpffs on %s\n", parent);
mkpin:
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		pr_warn("%s: cannot create: %s\n", pin_dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static int pin_prog(struct dataplane *dp, struct bpf_program *prog)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, bpf_program__name(prog));
	/* The old program stays alive while it is attached; the pin only
	 * names the newest. */
	unlink(path);
	return bpf_program__pin(prog, path);
}

static int read_live_links(struct dataplane *dp)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ifaces);
	struct ward_iface_key key, next, *prev = NULL;
	struct ward_iface val;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.slot != dp->active_slot || bpf_map_lookup_elem(fd, &key, &val))
			continue;
		if (val.mode == WARD_MODE_NONE)
			continue;
		struct dp_link *nl = realloc(dp->links, (dp->n_links + 1) * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		dp->links = nl;
		memset(&nl[dp->n_links], 0, sizeof(*nl));
		nl[dp->n_links].ifindex = key.ifindex;
		nl[dp->n_links].mode = val.mode;
		nl[dp->n_links].info = val;
		if_indextoname(key.ifindex, nl[dp->n_links].name);
		dp->n_links++;
	}
	return 0;
}

/*
 * The flow table's size is fixed when the map is made. A pinned table of
 * another size is kept (its flows are live traffic); the new size takes
 * effect after wardd --reset.
 */
static void size_flow_table(struct dataplane *dp, const char *pin_dir, __u32 max_flows)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	if (!max_flows)
		max_flows = WARD_CT_DEFAULT_MAX;
	if (pin_dir) {
		snprintf(path, sizeof(path), "%s/ward_ct", pin_dir);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    info.max_entries != max_flows) {
				pr_warn("conntrack.max_flows %u takes effect after wardd --reset; "
					"the pinned flow table keeps %u\n", max_flows,
					info.max_entries);
				max_flows = info.max_entries;
			}
			close(fd);
		}
	}
	bpf_map__set_max_entries(dp->skel->maps.ward_ct, max_flows);
	dp->max_flows = max_flows;
}

int dp_open(struct dataplane *dp, const char *pin_dir, __u32 max_flows)
{
	struct ward_state st = {};
	struct bpf_map *map;
	__u32 zero = 0;
	size_t sz;
	void *mem;
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus < 0)
		return dp->ncpus;
	if (pin_dir) {
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", pin_dir);
		err = ensure_bpffs(pin_dir);
		if (err)
			return err;
	}

	dp->skel = ward_bpf__open();
	if (!dp->skel)
		return -errno;
	bpf_object__for_each_map(map, dp->skel->obj) {
		if (!pin_dir)
			break;
		char path[PATH_MAX];

		/* See ward_tx_ports in bpf/lib/nat.h: a devmap cannot be reused. */
		if (map == dp->skel->maps.ward_tx_ports)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto err_destroy;
	}
	size_flow_table(dp, pin_dir, max_flows);
	dp_nat_size(dp);
	/* Userspace maps the names table instead of 128k syscalls. */
	bpf_map__set_map_flags(dp->skel->maps.ward_rule_names, BPF_F_MMAPABLE);

	err = ward_bpf__load(dp->skel);
	if (err) {
		if (pin_dir)
			pr_warn("loading the data plane failed (%s); if the pinned maps in %s "
				"come from another version of ward, remove them: wardd --reset\n",
				strerror(-err), pin_dir);
		else
			pr_warn("loading the data plane failed: %s\n", strerror(-err));
		goto err_destroy;
	}
	if (pin_dir)
		err = pin_prog(dp, dp->skel->progs.ward_xdp_ingress);
	if (pin_dir && !err)
		err = pin_prog(dp, dp->skel->progs.ward_tc_ingress);
	if (pin_dir && !err)
		err = pin_prog(dp, dp->skel->progs.ward_tc_egress);
	if (err) {
		pr_warn("%s: cannot pin programs: %s\n", pin_dir, strerror(-err));
		goto err_destroy;
	}

	sz = (size_t)WARD_MAX_RULES * sizeof(struct ward_rule_name);
	mem = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		   bpf_map__fd(dp->skel->maps.ward_rule_names), 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto err_destroy;
	}
	dp->names = mem;
	/* Where named counters end, so that a scrape reads no further. */
	for (dp->stat_hi = WARD_MAX_RULES - 1; dp->stat_hi && !dp->names[dp->stat_hi].name[0];
	     dp->stat_hi--)
		;

	/* A previous daemon's state, if any: keep its generation counting. */
	if (!bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_state), &zero, &st)) {
		dp->active_slot = st.active_slot & 1;
		dp->generation = st.generation;
	}
	/* New maps hold nothing: no slot needs a scan before the first swap. */
	if (!dp->generation) {
		dp->inactive_clean = true;
		dp->live_known = true;
	}
	err = read_live_links(dp);
	if (err)
		goto err_unmap;
	if (dp->generation)
		pr_info("adopted pinned state: generation %llu, %zu attached links\n",
			(unsigned long long)dp->generation, dp->n_links);
	return 0;

err_unmap:
	munmap(dp->names, sz);
	dp->names = NULL;
err_destroy:
	ward_bpf__destroy(dp->skel);
	dp->skel = NULL;
	free(dp->links);
	dp->links = NULL;
	return err;
}

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

static int write_entries(struct dataplane *dp, const struct cls_entry *e, size_t n, __u32 slot)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_cls);
	struct ward_cls_key *keys;
	struct ward_cls_val *vals;
	size_t i, done = 0;
	int err = 0;

	keys = malloc(DP_BATCH * sizeof(*keys));
	vals = malloc(DP_BATCH * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (done < n) {
		__u32 cnt = n - done < DP_BATCH ? n - done : DP_BATCH;

		for (i = 0; i < cnt; i++) {
			keys[i] = e[done + i].key;
			keys[i].tuple |= slot << WARD_CLS_SLOT_SHIFT;
			vals[i].rule = e[done + i].rule;
		}
		err = bpf_map_update_batch(fd, keys, vals, &cnt, NULL);
		if (err) {
			err = -errno;
			pr_warn("writing classifier entries: %s\n", strerror(errno));
			goto out;
		}
		done += cnt;
	}
out:
	free(keys);
	free(vals);
	return err;
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

static int write_rules(struct dataplane *dp, const struct compiled *c,
		       const __u32 *stat, __u32 slot)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_rules);
	struct ward_rule *vals;
	__u32 *keys;
	size_t i, done = 0;
	int err = 0;

	keys = malloc(DP_BATCH * sizeof(*keys));
	vals = malloc(DP_BATCH * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (done < c->n_rules) {
		__u32 cnt = c->n_rules - done < DP_BATCH ? c->n_rules - done : DP_BATCH;

		for (i = 0; i < cnt; i++) {
			keys[i] = slot * WARD_MAX_RULES + done + i;
			vals[i] = c->rules[done + i];
			vals[i].stat = stat[done + i];
		}
		err = bpf_map_update_batch(fd, keys, vals, &cnt, NULL);
		if (err) {
			err = -errno;
			goto out;
		}
		done += cnt;
	}
out:
	free(keys);
	free(vals);
	return err;
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
			dp_nat_port(dp, dp->links[i].ifindex, fast_path_wanted(dp, &dp->links[i]));
	}
	memcpy(dp->ct_timeout, hdr.ct_timeout, sizeof(dp->ct_timeout));

	/* Clear the old slot so it is ready for the next swap. */
	if (!dp->live_known ||
	    clear_entries(dp, dp->live_entries, dp->n_live_entries, old))
		clear_cls_scan(dp, old);
	clear_ifaces(dp, old);
	dp_fqdn_end(dp, c, fqdn_ids);
	release_stale_names(dp, stat, c->n_rules);
	free(dp->live_entries);
	dp->live_entries = copy;
	dp->n_live_entries = c->n_entries;
	dp->live_known = true;
	copy = NULL;
	pr_info("policy generation %llu live: %zu rules, %zu classifier entries, "
		"%u match shapes\n", (unsigned long long)dp->generation, c->n_rules,
		c->n_entries, c->hdr.n_tuples);
out:
	dp_fqdn_undo_free(fqdn_undo);
	free(copy);
	free(stat);
	return err;
}

/*
 * Links and hooks. The headers below serve only this part (rtnetlink
 * queries about one link); they sit here so that the part stays one block.
 */
#include <sys/socket.h>
#include <linux/rtnetlink.h>

/* Virtual links (veth, bridge, tun, dummy...) have no device behind them in
 * sysfs; on those XDP costs TSO and tc is the better hook. */
static bool link_is_virtual(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	return stat(path, &st) != 0;
}

/*
 * Has the link of this index left the namespace? Then an attach that just
 * failed on it is no news: links come and go, and the RTM_DELLINK that says
 * so is on its way to the discovery socket. The kernel numbers links
 * cyclically, so the index does not name another link meanwhile.
 */
static bool link_gone(int ifindex)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		return false;
	return errno == ENXIO || errno == ENODEV;
}

/* Is this program one of ours (this or an earlier load)? */
static bool prog_is_ours(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	bool ours;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, "ward_xdp_ingres", sizeof(info.name));
	close(fd);
	return ours;
}

/*
 * One rtnetlink request about one link, one answer, no dump. libbpf's
 * bpf_xdp_query() dumps every link of the namespace to find one, which
 * makes each attach cost O(links): too much when containers come and go by
 * the hundred. 0 with the answer in buf, or -errno (the kernel's). The
 * timeout is a guard: a request the kernel does not answer (a tc get
 * without NLM_F_ECHO) must not hang the daemon.
 */
static int rtnl_ask(void *req, __u32 len, char *buf, size_t size)
{
	struct timeval tv = { .tv_sec = 2 };
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;
	int fd, err = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, len, 0) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, buf, size, MSG_TRUNC);
	if (n < 0)
		err = -errno;
	else if ((size_t)n > size)
		err = -EMSGSIZE;
	else if (!NLMSG_OK(nh, (size_t)n))
		err = -EBADMSG;
	else if (nh->nlmsg_type == NLMSG_ERROR)
		err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;	/* 0: an ack */
out:
	close(fd);
	return err;
}

static struct rtattr *rta_find(struct rtattr *rta, int len, unsigned short type)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if ((rta->rta_type & NLA_TYPE_MASK) == type)
			return rta;
	return NULL;
}

/* The id of the XDP program attached to a link in one mode (0: none). */
static int xdp_prog_id(int ifindex, __u32 flags, __u32 *id)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = ifindex,
	};
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *xdp, *a;
	int err;

	*id = 0;
	err = rtnl_ask(&req, req.nh.nlmsg_len, buf, sizeof(buf));
	if (err)
		return err;
	if (nh->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	xdp = rta_find(IFLA_RTA(NLMSG_DATA(nh)), IFLA_PAYLOAD(nh), IFLA_XDP);
	if (!xdp)
		return 0;
	a = rta_find(RTA_DATA(xdp), RTA_PAYLOAD(xdp), flags & XDP_FLAGS_DRV_MODE ?
		     IFLA_XDP_DRV_PROG_ID : IFLA_XDP_SKB_PROG_ID);
	if (a && RTA_PAYLOAD(a) >= sizeof(__u32))
		*id = *(__u32 *)RTA_DATA(a);
	return 0;
}

/* Is the XDP program on this link one of ours? */
static bool xdp_is_ours(int ifindex, __u32 flags)
{
	__u32 id;

	return !xdp_prog_id(ifindex, flags, &id) && id && prog_is_ours(id);
}

/*
 * Another tool's XDP program on a link the policy names is not ours to
 * replace: the link is refused (a per-link error) and that program stays.
 * Without XDP_FLAGS_UPDATE_IF_NOEXIST our own older program is replaced in
 * one step, so the link is never without one; with it, a program attached
 * by someone else between the query and the attach is not clobbered either.
 */
static int attach_xdp(struct dataplane *dp, struct dp_link *l, __u32 flags,
		      const char **why)
{
	int fd = bpf_program__fd(dp->skel->progs.ward_xdp_ingress);
	__u32 cur;
	int err;

	err = xdp_prog_id(l->ifindex, flags, &cur);
	if (err)
		return err;
	if (cur && !prog_is_ours(cur)) {
		*why = "another XDP program is attached there; ward leaves it alone";
		return -EBUSY;
	}
	err = bpf_xdp_attach(l->ifindex, fd, cur ? flags : flags | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err)
		return err;
	l->mode = flags & XDP_FLAGS_DRV_MODE ? WARD_MODE_XDP_NATIVE : WARD_MODE_XDP_GENERIC;
	return 0;
}

static void detach_xdp(int ifindex, int mode)
{
	__u32 flags = mode == WARD_MODE_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;

	if (xdp_is_ours(ifindex, flags))
		bpf_xdp_detach(ifindex, flags, NULL);
}

/*
 * The kind of the qdisc on a link's ingress side ("clsact", "ingress"), or
 * "" when there is none. Asked over rtnetlink ourselves for two reasons:
 * creating clsact blindly makes libbpf log the kernel's EEXIST as a warning
 * on every re-attach; and a plain ingress qdisc (tc qdisc add dev X ingress)
 * must be told apart from clsact: it takes filters for any parent minor and
 * runs them all on ingress, so our egress filter, with the same handle and
 * priority, would silently replace the ingress one.
 */
static int tc_ingress_kind(int ifindex, char *kind, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		.nh.nlmsg_type = RTM_GETQDISC,
		/* The kernel answers a tc get only to the tc multicast group,
		 * and to the asker only with NLM_F_ECHO. */
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ECHO,
		.tc.tcm_family = AF_UNSPEC,
		.tc.tcm_ifindex = ifindex,
		.tc.tcm_parent = TC_H_INGRESS,
	};
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int err;

	kind[0] = '\0';
	err = rtnl_ask(&req, req.nh.nlmsg_len, buf, sizeof(buf));
	/* ENOENT: no ingress queue yet; EINVAL: the built-in noop qdisc
	 * holds its place (clsact was there and was removed). */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return err;
	if (nh->nlmsg_type != RTM_NEWQDISC)
		return -EBADMSG;
	a = rta_find((struct rtattr *)((char *)NLMSG_DATA(nh) +
				       NLMSG_ALIGN(sizeof(struct tcmsg))),
		     nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct tcmsg)), TCA_KIND);
	if (a)
		snprintf(kind, len, "%.*s", (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
	return 0;
}

/* Makes sure the link has a clsact qdisc for our filters. */
static int tc_hook_ready(int ifindex, const char **why)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	char kind[32];
	int err;

	err = tc_ingress_kind(ifindex, kind, sizeof(kind));
	if (err)
		return err;
	if (!strcmp(kind, "clsact"))
		return 0;
	if (!strcmp(kind, "ingress")) {
		*why = "an ingress qdisc (not clsact) is in the way; ward leaves it alone";
		return -EBUSY;
	}
	err = bpf_tc_hook_create(&hook);
	return err == -EEXIST ? 0 : err;	/* made by someone else just now */
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point where, struct bpf_program *prog,
		     const char **why)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO, .flags = BPF_TC_F_REPLACE,
			    .prog_fd = bpf_program__fd(prog));
	int err;

	err = tc_hook_ready(ifindex, why);
	if (err)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach(int ifindex, enum bpf_tc_attach_point where)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO);

	bpf_tc_detach(&hook, &opts);
}

static int attach_tc(struct dataplane *dp, struct dp_link *l, const char **why)
{
	int err = tc_attach(l->ifindex, BPF_TC_INGRESS, dp->skel->progs.ward_tc_ingress, why);

	if (err)
		return err;
	l->mode = WARD_MODE_TC;
	return 0;
}

/* The ingress hook of a mode; the egress filter is handled on its own. */
static void detach_mode(int ifindex, int mode)
{
	if (mode == WARD_MODE_TC)
		tc_detach(ifindex, BPF_TC_INGRESS);
	else if (mode != WARD_MODE_NONE)
		detach_xdp(ifindex, mode);
}

static void detach_link(int ifindex, int mode)
{
	detach_mode(ifindex, mode);
	tc_detach(ifindex, BPF_TC_EGRESS);
}

/*
 * The hook for the mode asked. XDP offload (XDP_FLAGS_HW_MODE) is never
 * tried: the program uses maps and helpers that no offloading NIC runs.
 */
static int attach_link(struct dataplane *dp, struct dp_link *l, const char **why)
{
	__u32 skb_id;
	int err;

	switch (l->want) {
	case POL_MODE_TC:
		return attach_tc(dp, l, why);
	case POL_MODE_XDP:
		/* Native XDP cannot join a generic program. Where one is (ours,
		 * after the driver refused native before, or another tool's),
		 * go straight to generic: ours is replaced there, another is
		 * refused, and no refusal is logged again on every reload. */
		err = xdp_prog_id(l->ifindex, XDP_FLAGS_SKB_MODE, &skb_id);
		if (err)
			return err;
		if (skb_id)
			return attach_xdp(dp, l, XDP_FLAGS_SKB_MODE, why);
		err = attach_xdp(dp, l, XDP_FLAGS_DRV_MODE, why);
		if (err && err != -EBUSY && !link_gone(l->ifindex)) {
			pr_info("%s: native XDP refused (%s), using generic XDP\n",
				l->name, strerror(-err));
			err = attach_xdp(dp, l, XDP_FLAGS_SKB_MODE, why);
		}
		return err;
	case POL_MODE_AUTO:
	default:
		if (link_is_virtual(l->name))
			return attach_tc(dp, l, why);
		err = attach_xdp(dp, l, XDP_FLAGS_DRV_MODE, why);
		if (err && !link_gone(l->ifindex)) {
			pr_info("%s: no native XDP (%s), using tc\n", l->name,
				*why ? *why : strerror(-err));
			*why = NULL;
			err = attach_tc(dp, l, why);
		}
		return err;
	}
}

static const char *want_name(enum pol_mode m)
{
	return m == POL_MODE_TC ? "tc" : m == POL_MODE_XDP ? "xdp" : "auto";
}

static struct dp_link *find_link(struct dp_link *v, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ifindex == ifindex)
			return &v[i];
	return NULL;
}

/*
 * May the fast path redirect to and from this link? fast_path: auto says
 * yes only when the policy translates (nat:): a gateway without it may
 * have netfilter rules of its own (a container runtime's masquerade) that
 * a redirect would go around. Never for XDP on a veth: it may see frames
 * of a local sender whose TCP/UDP checksum is only the pseudo header's
 * (CHECKSUM_PARTIAL), and a redirect would send them on unfinished.
 */
static bool fast_path_wanted(const struct dataplane *dp, const struct dp_link *l)
{
	if (l->fast_path != POL_FAST_AUTO)
		return l->fast_path == POL_FAST_ON;
	return dp->nat_on &&
	       !((l->mode == WARD_MODE_XDP_NATIVE || l->mode == WARD_MODE_XDP_GENERIC) &&
		 link_is_virtual(l->name));
}

/*
 * Attaches one link in the mode it wants, in place of was (what ward had
 * on the same ifindex, or NULL). On error what was there keeps enforcing.
 * A link deleted under our feet is no error worth a warning: -ENODEV,
 * logged at debug level, and the caller forgets it.
 */
static int link_attach(struct dataplane *dp, struct dp_link *l, const struct dp_link *was)
{
	int ifd = bpf_map__fd(dp->skel->maps.ward_ifaces);
	struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };
	const char *why = NULL;
	int err;

	l->mode = WARD_MODE_NONE;
	err = attach_link(dp, l, &why);
	if (!err) {
		/* Egress on every link, whatever the ingress hook: the host's own
		 * flows open there, so their replies are let in. */
		err = tc_attach(l->ifindex, BPF_TC_EGRESS, dp->skel->progs.ward_tc_egress, &why);
		if (err && !link_gone(l->ifindex)) {
			pr_warn("%s: cannot attach egress tracking: %s; replies to this "
				"host's own connections will meet the rules\n", l->name,
				why ? why : strerror(-err));
			err = 0;
		}
	}
	if (err && link_gone(l->ifindex)) {
		pr_debug("%s: gone before it could be attached\n", l->name);
		bpf_map_delete_elem(ifd, &k);
		return -ENODEV;
	}
	if (err) {
		pr_warn("%s: cannot attach in mode %s: %s\n", l->name, want_name(l->want),
			why ? why : strerror(-err));
		l->mode = WARD_MODE_NONE;
		/* The entry for a link without our program would exempt its
		 * forwarded traffic from egress tracking. */
		if (!was)
			bpf_map_delete_elem(ifd, &k);
		return err;
	}
	/* A changed hook: the new one is in place, now remove the old. */
	if (was && was->mode != l->mode)
		detach_mode(l->ifindex, was->mode);
	if (!was || was->mode != l->mode)
		pr_info("%s: attached (%s)\n", l->name, dp_mode_name(l->mode));
	else if (strcmp(was->name, l->name))
		pr_info("%s: renamed %s, still attached (%s)\n", was->name, l->name,
			dp_mode_name(l->mode));
	/* The kernel's veth_xdp_flush() wakes the peer only when it has an
	 * XDP program: otherwise reject answers wait in its queue. */
	if ((!was || was->mode != l->mode) && l->mode == WARD_MODE_XDP_NATIVE &&
	    link_is_virtual(l->name))
		pr_info("%s: native XDP on a virtual link: action reject's answers (XDP_TX) "
			"reach a veth peer only if it runs an XDP program too; mode tc has no "
			"such limit\n", l->name);
	l->info.mode = l->mode;
	bpf_map_update_elem(ifd, &k, &l->info, 0);
	dp_nat_port(dp, l->ifindex, fast_path_wanted(dp, l));
	return 0;
}

/* Forgets dp->links[i]; with detach, removes our programs from it first. */
static void link_drop(struct dataplane *dp, size_t i, bool detach)
{
	struct dp_link *l = &dp->links[i];
	struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };

	if (detach && !link_gone(l->ifindex)) {
		detach_link(l->ifindex, l->mode);
		pr_info("%s: detached (%s)\n", l->name, dp_mode_name(l->mode));
	} else {
		/* Deleted: its programs and qdiscs went with it. */
		pr_info("%s: deleted, forgotten (%s)\n", l->name, dp_mode_name(l->mode));
	}
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ifaces), &k);
	dp_nat_port(dp, l->ifindex, false);
	memmove(l, l + 1, (dp->n_links - i - 1) * sizeof(*l));
	dp->n_links--;
}

int dp_attach(struct dataplane *dp, struct dp_link *want, size_t n_want)
{
	struct dp_link *now;
	size_t i, n_now = 0;
	int failed = 0;

	now = calloc(n_want + 1, sizeof(*now));
	if (!now)
		return -ENOMEM;
	for (i = 0; i < n_want; i++) {
		struct dp_link *l = &want[i], *was = find_link(dp->links, dp->n_links, l->ifindex);
		int err;

		err = link_attach(dp, l, was);
		if (err == -ENODEV)
			continue;
		if (err) {
			failed++;
			if (was)
				now[n_now++] = *was;
			continue;
		}
		now[n_now++] = *l;
	}
	/* What is no longer wanted: swap the lists, then drop the rest. */
	i = 0;
	while (i < dp->n_links) {
		if (find_link(now, n_now, dp->links[i].ifindex))
			i++;
		else
			link_drop(dp, i, true);
	}
	free(dp->links);
	dp->links = now;
	dp->n_links = n_now;
	return failed;
}

int dp_link_attach(struct dataplane *dp, struct dp_link *l)
{
	struct dp_link *was = find_link(dp->links, dp->n_links, l->ifindex), *nl;
	int err;

	err = link_attach(dp, l, was);
	if (err) {
		if (err == -ENODEV && was)
			link_drop(dp, was - dp->links, false);
		return err;
	}
	if (was) {
		*was = *l;
		return 0;
	}
	nl = realloc(dp->links, (dp->n_links + 1) * sizeof(*nl));
	if (!nl) {
		/* Unknown to us, the program would never be removed. */
		struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };

		detach_link(l->ifindex, l->mode);
		bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ifaces), &k);
		return -ENOMEM;
	}
	dp->links = nl;
	dp->links[dp->n_links++] = *l;
	return 0;
}

void dp_link_forget(struct dataplane *dp, int ifindex, bool detach)
{
	struct dp_link *l = find_link(dp->links, dp->n_links, ifindex);

	if (l)
		link_drop(dp, l - dp->links, detach);
}

/*
 * A link that moved to another namespace keeps its XDP program: only its
 * qdiscs, and our tc filters with them, do not survive the move. ward
 * cannot reach into that namespace by ifindex (RTM_SETLINK's
 * IFLA_TARGET_NETNSID means "move to", not "look up in"), so it says so.
 * XXX: attaching XDP through a pinned bpf_link per link would let ward
 * remove its program wherever the link went.
 */
void dp_link_moved(struct dataplane *dp, int ifindex)
{
	struct dp_link *l = find_link(dp->links, dp->n_links, ifindex);
	struct ward_iface_key k = { .ifindex = ifindex, .slot = dp->active_slot };

	if (!l)
		return;
	if (l->mode == WARD_MODE_XDP_NATIVE || l->mode == WARD_MODE_XDP_GENERIC)
		pr_warn("%s: moved to another namespace; ward's XDP program went along "
			"and stays there, out of ward's reach\n", l->name);
	else
		pr_info("%s: moved to another namespace, forgotten (%s)\n", l->name,
			dp_mode_name(l->mode));
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ifaces), &k);
	dp_nat_port(dp, ifindex, false);
	memmove(l, l + 1, (dp->n_links - (l - dp->links) - 1) * sizeof(*l));
	dp->n_links--;
}

const struct dp_link *dp_link_find(const struct dataplane *dp, int ifindex)
{
	return find_link(dp->links, dp->n_links, ifindex);
}

void dp_print_links(const struct dataplane *dp, FILE *f)
{
	size_t i;

	for (i = 0; i < dp->n_links; i++)
		fprintf(f, "link %-15s ifindex %d mode %s\n", dp->links[i].name,
			dp->links[i].ifindex, dp_mode_name(dp->links[i].mode));
	fprintf(f, "links %zu\n", dp->n_links);
}

bool dp_link_match(const struct compiled *c, const struct pol_policy *pol,
		   int ifindex, const char *name, struct dp_link *out)
{
	struct ward_iface info;
	const struct pol_iface *pi;

	/* Loopback never: nothing on it comes from a network. */
	if (!strcmp(name, "lo"))
		return false;
	pi = compiled_iface(c, pol, name, &info);
	if (!pi)
		return false;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->want = pi->mode;
	out->fast_path = pi->fast_path;
	out->info = info;
	return true;
}

int dp_scan_links(const struct compiled *c, const struct pol_policy *pol,
		  struct dp_link **out, size_t *n_out)
{
	struct if_nameindex *ifs, *it;
	struct dp_link *v = NULL, l;
	size_t n = 0;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++) {
		struct dp_link *nv;

		if (!dp_link_match(c, pol, it->if_index, it->if_name, &l))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			if_freenameindex(ifs);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = l;
	}
	if_freenameindex(ifs);
	*out = v;
	*n_out = n;
	return 0;
}

static int rm_pins(const char *dir)
{
	static const char *const progs[] = {
		"ward_xdp_ingress", "ward_tc_ingress", "ward_tc_egress",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, progs[i]);
		unlink(path);
	}
	return rmdir(dir) ? -errno : 0;
}

void dp_close(struct dataplane *dp, bool detach)
{
	struct bpf_map *map;
	size_t i;

	if (!dp->skel)
		return;
	if (detach) {
		for (i = 0; i < dp->n_links; i++) {
			detach_link(dp->links[i].ifindex, dp->links[i].mode);
			pr_info("%s: detached (%s)\n", dp->links[i].name,
				dp_mode_name(dp->links[i].mode));
		}
		if (dp->pin_dir[0]) {
			bpf_object__for_each_map(map, dp->skel->obj)
				if (bpf_map__pin_path(map))
					bpf_map__unpin(map, NULL);
			rm_pins(dp->pin_dir);
		}
	}
	if (dp->names)
		munmap(dp->names, (size_t)WARD_MAX_RULES * sizeof(struct ward_rule_name));
	ward_bpf__destroy(dp->skel);
	free(dp->links);
	free(dp->live_entries);
	memset(dp, 0, sizeof(*dp));
}

void dp_print_stats(struct dataplane *dp, FILE *f)
{
	int sfd = bpf_map__fd(dp->skel->maps.ward_rule_stats);
	int cfd = bpf_map__fd(dp->skel->maps.ward_counters);
	struct ward_stat *s = calloc(dp->ncpus, sizeof(*s));
	__u64 *v = calloc(dp->ncpus, sizeof(*v));
	__u32 i;
	int c;

	if (!s || !v)
		goto out;
	fprintf(f, "generation %llu\n", (unsigned long long)dp->generation);
	for (i = 0; i < WARD_MAX_RULES; i++) {
		__u64 pk = 0, by = 0;

		if (!dp->names[i].name[0] || bpf_map_lookup_elem(sfd, &i, s))
			continue;
		for (c = 0; c < dp->ncpus; c++) {
			pk += s[c].packets;
			by += s[c].bytes;
		}
		fprintf(f, "rule %-24s packets %llu bytes %llu\n", dp->names[i].name,
			(unsigned long long)pk, (unsigned long long)by);
	}
	for (i = 0; i < WARD_CNT_MAX; i++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(cfd, &i, v))
			continue;
		for (c = 0; c < dp->ncpus; c++)
			sum += v[c];
		fprintf(f, "%s %-14s %llu\n", i < WARD_CNT_DROP_MAX ? "drop   " : "counter",
			dp_counter_name(i), (unsigned long long)sum);
	}
out:
	free(s);
	free(v);
}

static __u64 ct_timeout_ns(const struct dataplane *dp, const struct ward_ct_key *k,
			   const struct ward_ct_val *v)
{
	return (__u64)dp->ct_timeout[ward_ct_timeout_idx(k->proto, v)] * 1000000000ULL;
}

bool dp_ct_expired(const struct dataplane *dp, const struct ward_ct_key *k,
		   const struct ward_ct_val *v, __u64 now)
{
	__u64 tmo = ct_timeout_ns(dp, k, v);

	return tmo && now > v->last_seen && now - v->last_seen > tmo;
}

int dp_ct_read(struct dataplane *dp, const __u32 *cursor, __u32 *next,
	       struct ward_ct_key *keys, struct ward_ct_val *vals, __u32 *count)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);

	/* The cursor is a bucket of the kernel's hash table: it stays good
	 * while flows come and go, and a bucket is returned whole. */
	if (!bpf_map_lookup_batch(fd, (void *)cursor, next, keys, vals, count, NULL))
		return 0;
	return errno == ENOENT ? 1 : -errno;
}

int dp_ct_flush(struct dataplane *dp, __u64 *flushed)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);
	int gfd = bpf_map__fd(dp->skel->maps.ward_ct_gc);
	size_t cap = 4096;
	struct ward_ct_key *keys = calloc(cap, sizeof(*keys));
	struct ward_ct_val *vals = calloc(cap, sizeof(*vals));
	__u32 in_batch = 0, out_batch, count, zero = 0;
	struct ward_ct_gc gc = {};
	bool started = false;
	int err = 0;

	*flushed = 0;
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = (__u32)cap;
		err = bpf_map_lookup_and_delete_batch(fd, started ? &in_batch : NULL, &out_batch,
						      keys, vals, &count, NULL);
		*flushed += count;
		if (err && errno == ENOENT) {
			err = 0;
			break;
		}
		if (err) {
			err = -errno;
			break;
		}
		in_batch = out_batch;
		started = true;
	}
	/* Deletions by userspace are counted here, so the flow count stays right. */
	if (!bpf_map_lookup_elem(gfd, &zero, &gc)) {
		gc.deleted += *flushed;
		bpf_map_update_elem(gfd, &zero, &gc, 0);
	}
	/* The sweeper's cursor may be one of them: it starts over. */
	dp->sweep_valid = false;
out:
	free(keys);
	free(vals);
	return err;
}

/*
 * Expires flows by timeout, budget entries at a time from where the last
 * call stopped, so that a sweep of a million flows is spread over calls
 * and never holds the daemon. The data plane treats an expired flow as
 * gone already; this only gives the memory back.
 */
size_t dp_ct_sweep(struct dataplane *dp, size_t budget)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);
	struct ward_ct_key next;
	struct ward_ct_val v;
	struct timespec ts;
	size_t seen = 0, expired = 0;
	__u64 now;

	if (!dp->ct_timeout[WARD_CT_TO_TCP_EST])
		return 0;	/* no policy yet */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	while (seen < budget) {
		if (bpf_map_get_next_key(fd, dp->sweep_valid ? &dp->sweep_cursor : NULL, &next)) {
			dp->sweep_valid = false;	/* wrapped: start over next time */
			break;
		}
		seen++;
		if (!bpf_map_lookup_elem(fd, &next, &v) && v.last_seen < now &&
		    now - v.last_seen > ct_timeout_ns(dp, &next, &v)) {
			bpf_map_delete_elem(fd, &next);
			if (v.flags & WARD_CTF_NAT)
				dp_nat_forget(dp, &next);
			expired++;
			continue;	/* the cursor stays on a key that still exists */
		}
		dp->sweep_cursor = next;
		dp->sweep_valid = true;
	}
	if (expired) {
		int gfd = bpf_map__fd(dp->skel->maps.ward_ct_gc);
		struct ward_ct_gc gc = {};
		__u32 zero = 0;

		bpf_map_lookup_elem(gfd, &zero, &gc);
		gc.deleted += expired;
		bpf_map_update_elem(gfd, &zero, &gc, 0);
	}
	return expired;
}

int dp_read_counters(struct dataplane *dp, __u64 out[WARD_CNT_MAX])
{
	int fd = bpf_map__fd(dp->skel->maps.ward_counters);
	__u64 *v = calloc(dp->ncpus, sizeof(*v));
	__u32 i;
	int c;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < WARD_CNT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, v))
			continue;
		for (c = 0; c < dp->ncpus; c++)
			out[i] += v[c];
	}
	free(v);
	return 0;
}

/* Live flows: opened minus removed, so that a scrape never walks the table. */
size_t dp_ct_count(struct dataplane *dp)
{
	__u64 cnt[WARD_CNT_MAX];
	struct ward_ct_gc gc = {};
	__u32 zero = 0;
	__u64 gone;

	if (dp_read_counters(dp, cnt))
		return 0;
	bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_ct_gc), &zero, &gc);
	gone = cnt[WARD_CNT_CT_GONE] + gc.deleted;
	return cnt[WARD_CNT_CT_NEW] > gone ? cnt[WARD_CNT_CT_NEW] - gone : 0;
}

/*
 * Every named rule's packets and bytes, summed over CPUs. One batch lookup
 * per 4096 rules: a scrape of 10,000 rules is a handful of syscalls.
 */
int dp_read_rule_stats(struct dataplane *dp,
		       void (*cb)(const char *name, __u64 packets, __u64 bytes, void *arg),
		       void *arg)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_rule_stats);
	const __u32 chunk = 4096;
	struct ward_stat *vals;
	__u32 *keys, out_batch, count, i;
	void *in = NULL;
	int err = 0, c;

	keys = calloc(chunk, sizeof(*keys));
	vals = calloc((size_t)chunk * dp->ncpus, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = chunk;
		err = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < count; i++) {
			__u64 pk = 0, by = 0;
			__u32 k = keys[i];

			if (k >= WARD_MAX_RULES || !dp->names[k].name[0])
				continue;
			for (c = 0; c < dp->ncpus; c++) {
				pk += vals[(size_t)i * dp->ncpus + c].packets;
				by += vals[(size_t)i * dp->ncpus + c].bytes;
			}
			cb(dp->names[k].name, pk, by, arg);
		}
		if (err || (count && keys[count - 1] >= dp->stat_hi)) {
			err = 0;	/* ENOENT: that was the last batch */
			break;
		}
		in = &out_batch;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int dp_events_fd(struct dataplane *dp)
{
	return bpf_map__fd(dp->skel->maps.ward_events);
}
