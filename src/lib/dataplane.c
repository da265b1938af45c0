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
};

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

		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			goto err_destroy;
	}
	size_flow_table(dp, pin_dir, max_flows);
	/* Userspace maps the names table instead of 128k syscalls. */
	bpf_map__set_map_flags(dp->skel->maps.ward_rule_names, BPF_F_MMAPABLE);

	err = ward_bpf__load(dp->skel);
	if (err) {
		pr_warn("loading the data plane failed (%s); if the pinned maps in %s "
			"come from another version of ward, remove them: wardd --reset\n",
			strerror(-err), pin_dir);
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

	/* A previous daemon's state, if any: keep its generation counting. */
	if (!bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_state), &zero, &st)) {
		dp->active_slot = st.active_slot & 1;
		dp->generation = st.generation;
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
	struct ward_cls_key key, next, *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if ((next.tuple >> WARD_CLS_SLOT_SHIFT) == slot) {
			/* Deleting the key we would continue from restarts the
			 * walk, which is fine: the slot's keys only get fewer. */
			bpf_map_delete_elem(fd, &next);
			prev = NULL;
			n++;
			continue;
		}
		key = next;
		prev = &key;
	}
	if (n)
		pr_debug("cleared %zu stale classifier entries of slot %u\n", n, slot);
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

static int write_entries(struct dataplane *dp, const struct compiled *c, __u32 slot)
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
	while (done < c->n_entries) {
		__u32 cnt = c->n_entries - done < DP_BATCH ? c->n_entries - done : DP_BATCH;

		for (i = 0; i < cnt; i++) {
			keys[i] = c->entries[done + i].key;
			keys[i].tuple |= slot << WARD_CLS_SLOT_SHIFT;
			vals[i].rule = c->entries[done + i].rule;
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

static int zero_stat(struct dataplane *dp, __u32 idx)
{
	struct ward_stat *z = calloc(dp->ncpus, sizeof(*z));
	int err;

	if (!z)
		return -ENOMEM;
	err = bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_rule_stats), &idx, z, 0);
	free(z);
	return err ? -errno : 0;
}

/*
 * Gives every rule the stat index it had under the same name, or a free one
 * with zeroed counters, so counters survive reloads and restarts. The names
 * table then holds the live policy's names plus these new ones; stale names
 * are released after the swap (release_stale_names).
 */
static int assign_stats(struct dataplane *dp, const struct compiled *c, __u32 *stat)
{
	__u32 *sorted = NULL, n_sorted = 0, i, next_free = 1;
	int err = 0;

	sorted = malloc(WARD_MAX_RULES * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
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
			err = zero_stat(dp, found);
			if (err)
				break;
			snprintf(dp->names[found].name, WARD_RULE_NAME_MAX, "%s", c->names[i]);
		}
		stat[i] = found;
	}
	free(sorted);
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
	err = assign_stats(dp, c, stat);
	if (!err)
		err = write_rules(dp, c, stat, slot);
	if (!err)
		err = write_entries(dp, c, slot);
	for (i = 0; i < n_links && !err; i++) {
		struct ward_iface_key k = { .ifindex = links[i].ifindex, .slot = slot };

		if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_ifaces),
					&k, &links[i].info, 0))
			err = -errno;
	}
	hdr.generation = dp->generation + 1;
	if (!err && bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_policy),
					&slot, &hdr, 0))
		err = -errno;
	if (err) {
		pr_warn("writing the new policy failed: %s; the running policy is unchanged\n",
			strerror(-err));
		if (clear_entries(dp, c->entries, c->n_entries, slot))
			dp->inactive_clean = false;
		clear_ifaces(dp, slot);
		goto out;
	}

	/* The swap: from the next packet on, the data plane reads the new slot. */
	st.active_slot = slot;
	st.generation = hdr.generation;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_state), &zero, &st, 0)) {
		err = -errno;
		pr_warn("switching policy failed: %s\n", strerror(errno));
		dp->inactive_clean = false;
		goto out;
	}
	dp->active_slot = slot;
	dp->generation = hdr.generation;
	memcpy(dp->ct_timeout, hdr.ct_timeout, sizeof(dp->ct_timeout));

	/* Clear the old slot so it is ready for the next swap. */
	if (!dp->live_known ||
	    clear_entries(dp, dp->live_entries, dp->n_live_entries, old))
		clear_cls_scan(dp, old);
	clear_ifaces(dp, old);
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
	free(copy);
	free(stat);
	return err;
}

/* Virtual links (veth, bridge, tun, dummy...) have no device behind them in
 * sysfs; on those XDP costs TSO and tc is the better hook. */
static bool link_is_virtual(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	return stat(path, &st) != 0;
}

/* Is the XDP program on this link one of ours (this or an earlier load)? */
static bool xdp_is_ours(int ifindex, __u32 flags)
{
	struct bpf_prog_info info = {};
	__u32 id = 0, len = sizeof(info);
	bool ours;
	int fd;

	if (bpf_xdp_query_id(ifindex, flags, &id) || !id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, "ward_xdp_ingres", sizeof(info.name));
	close(fd);
	return ours;
}

static int attach_xdp(struct dataplane *dp, struct dp_link *l, __u32 flags)
{
	int fd = bpf_program__fd(dp->skel->progs.ward_xdp_ingress);
	int err;

	/* Without XDP_FLAGS_UPDATE_IF_NOEXIST this replaces our older program
	 * in one step: the link is never without a program. */
	err = bpf_xdp_attach(l->ifindex, fd, flags, NULL);
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

static int tc_attach(int ifindex, enum bpf_tc_attach_point where, struct bpf_program *prog)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO, .flags = BPF_TC_F_REPLACE,
			    .prog_fd = bpf_program__fd(prog));
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
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

static int attach_tc(struct dataplane *dp, struct dp_link *l)
{
	int err = tc_attach(l->ifindex, BPF_TC_INGRESS, dp->skel->progs.ward_tc_ingress);

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

static int attach_link(struct dataplane *dp, struct dp_link *l)
{
	int err;

	switch (l->want) {
	case POL_MODE_TC:
		return attach_tc(dp, l);
	case POL_MODE_XDP:
		err = attach_xdp(dp, l, XDP_FLAGS_DRV_MODE);
		if (err) {
			pr_info("%s: native XDP refused (%s), using generic XDP\n",
				l->name, strerror(-err));
			err = attach_xdp(dp, l, XDP_FLAGS_SKB_MODE);
		}
		return err;
	case POL_MODE_AUTO:
	default:
		if (link_is_virtual(l->name))
			return attach_tc(dp, l);
		err = attach_xdp(dp, l, XDP_FLAGS_DRV_MODE);
		if (err) {
			pr_info("%s: no native XDP (%s), using tc\n", l->name, strerror(-err));
			err = attach_tc(dp, l);
		}
		return err;
	}
}

static struct dp_link *find_link(struct dp_link *v, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ifindex == ifindex)
			return &v[i];
	return NULL;
}

int dp_attach(struct dataplane *dp, struct dp_link *want, size_t n_want)
{
	int ifd = bpf_map__fd(dp->skel->maps.ward_ifaces);
	struct dp_link *now;
	size_t i, n_now = 0;
	int failed = 0;

	now = calloc(n_want + 1, sizeof(*now));
	if (!now)
		return -ENOMEM;
	for (i = 0; i < n_want; i++) {
		struct dp_link *l = &want[i], *was = find_link(dp->links, dp->n_links, l->ifindex);
		struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };
		int err;

		err = attach_link(dp, l);
		if (err) {
			pr_warn("%s: cannot attach in mode %s: %s\n", l->name,
				l->want == POL_MODE_TC ? "tc" : l->want == POL_MODE_XDP ? "xdp" : "auto",
				strerror(-err));
			failed++;
			l->mode = WARD_MODE_NONE;
			bpf_map_delete_elem(ifd, &k);
			/* What we had there before keeps enforcing. */
			if (was)
				now[n_now++] = *was;
			continue;
		}
		/* Egress on every link, whatever the ingress hook: the host's own
		 * flows open there, so their replies are let in. */
		err = tc_attach(l->ifindex, BPF_TC_EGRESS, dp->skel->progs.ward_tc_egress);
		if (err)
			pr_warn("%s: cannot attach egress tracking: %s; replies to this "
				"host's own connections will meet the rules\n", l->name,
				strerror(-err));
		/* A changed hook: the new one is in place, now remove the old. */
		if (was && was->mode != l->mode)
			detach_mode(l->ifindex, was->mode);
		if (!was || was->mode != l->mode)
			pr_info("%s: attached (%s)\n", l->name, dp_mode_name(l->mode));
		l->info.mode = l->mode;
		bpf_map_update_elem(ifd, &k, &l->info, 0);
		now[n_now++] = *l;
	}
	for (i = 0; i < dp->n_links; i++) {
		struct dp_link *l = &dp->links[i];

		if (find_link(now, n_now, l->ifindex))
			continue;
		detach_link(l->ifindex, l->mode);
		pr_info("%s: detached (%s)\n", l->name, dp_mode_name(l->mode));
	}
	free(dp->links);
	dp->links = now;
	dp->n_links = n_now;
	return failed;
}

int dp_scan_links(const struct compiled *c, const struct pol_policy *pol,
		  struct dp_link **out, size_t *n_out)
{
	struct if_nameindex *ifs, *it;
	struct dp_link *v = NULL;
	size_t n = 0;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++) {
		struct ward_iface info;
		const struct pol_iface *pi;
		struct dp_link *nv;

		/* Loopback never: nothing on it comes from a network. */
		if (!strcmp(it->if_name, "lo"))
			continue;
		pi = compiled_iface(c, pol, it->if_name, &info);
		if (!pi)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			if_freenameindex(ifs);
			return -ENOMEM;
		}
		v = nv;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].ifindex = it->if_index;
		snprintf(v[n].name, sizeof(v[n].name), "%s", it->if_name);
		v[n].want = pi->mode;
		v[n].info = info;
		n++;
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
	__u32 idx;

	if (k->proto == IPPROTO_TCP) {
		if (v->state == WARD_TCP_ESTABLISHED)
			idx = WARD_CT_TO_TCP_EST;
		else if (v->state <= WARD_TCP_SYN_RECV)
			idx = WARD_CT_TO_TCP_HANDSHAKE;
		else
			idx = WARD_CT_TO_TCP_CLOSE;
	} else if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) {
		idx = WARD_CT_TO_ICMP;
	} else {
		idx = v->flags & WARD_CTF_REPLIED ? WARD_CT_TO_UDP_STREAM : WARD_CT_TO_UDP;
	}
	return (__u64)dp->ct_timeout[idx] * 1000000000ULL;
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
			expired++;
			continue;	/* the cursor stays on a key that still exists */
		}
		dp->sweep_cursor = next;
		dp->sweep_valid = true;
	}
	return expired;
}

/* Live flows: walks the table (counting is what the map cannot do). */
size_t dp_ct_count(struct dataplane *dp)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_ct);
	struct ward_ct_key key, next, *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}
