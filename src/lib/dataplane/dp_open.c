// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_open.c: load the data plane, reuse or create its
 * pinned maps, pin its programs; and close it (see dataplane.h). */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "ct_pressure.h"
#include "dataplane_int.h"
#include "log.h"
#include "dataplane_nat.h"
#include "dp_layout.h"

/* 1 if dir has no entries, 0 if it has some, -errno if it can't be read. */
static int dir_is_empty(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d)) && (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")))
		;
	closedir(d);
	return !de;
}

/*
 * Pins live on bpffs. When the pin directory is not on one (`ip netns exec`
 * gives a fresh /sys without it, or -p names a plain directory), bpffs is
 * mounted on the directory itself and never on its parent: a mount there
 * would hide whatever the parent holds. A plain directory with files in it
 * is refused, not hidden under a mount. The one parent mounted is the
 * kernel's own empty mount point for bpffs, /sys/fs/bpf on sysfs, so that
 * the default pin directory works in a fresh /sys as well.
 */
static int ensure_bpffs(const char *pin_dir)
{
	char buf[PATH_MAX], *parent, *where;
	struct statfs st = {};
	int err;

	snprintf(buf, sizeof(buf), "%s", pin_dir);
	parent = dirname(buf);
	if (!statfs(pin_dir, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (!statfs(parent, &st) && st.f_type == BPF_FS_MAGIC)
		goto mkpin;
	where = !strcmp(parent, "/sys/fs/bpf") && st.f_type == SYSFS_MAGIC ? parent :
		(char *)pin_dir;
	if (where == pin_dir && mkdir(pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("pin directory %s: cannot create: %s\n", pin_dir, strerror(-err));
		return err;
	}
	err = dir_is_empty(where);
	if (err < 0) {
		pr_warn("pin directory %s: %s\n", where, strerror(-err));
		return err;
	}
	if (!err) {
		pr_warn("pin directory %s: not on bpffs and not empty; "
			"will not mount bpffs over its files\n", where);
		return -ENOTEMPTY;
	}
	if (mount("bpf", where, "bpf", 0, "mode=0700")) {
		err = -errno;
		pr_warn("pin directory %s: cannot mount bpffs: %s\n", where, strerror(-err));
		return err;
	}
	pr_info("mounted bpffs on %s\n", where);
	if (where == pin_dir)
		return 0;
mkpin:
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("pin directory %s: cannot create: %s\n", pin_dir, strerror(-err));
		return err;
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
	dp_ct_fifo_size(dp);
	dp_nat_size(dp);
	/* Userspace maps the names table instead of 128k syscalls. */
	bpf_map__set_map_flags(dp->skel->maps.ward_rule_names, BPF_F_MMAPABLE);
	/* Before anything changes: which pins are of an older layout, and
	 * whether any is of one this build does not know (then it stops). */
	if (pin_dir) {
		dp->migration = calloc(1, sizeof(*dp->migration));
		if (!dp->migration) {
			err = -ENOMEM;
			goto err_destroy;
		}
		err = dp_layout_plan(dp, dp->migration);
		if (err)
			goto err_destroy;
	}

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
	if (pin_dir) {
		err = dp_migrate_fill(dp, dp->migration);
		if (err)
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
	err = dp_ct_pressure_open(dp);
	if (err)
		goto err_unmap;
	if (dp->migration)
		dp_migrate_adopt(dp, dp->migration);
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
	/* Nothing to swap: the layouts can be recorded now, so that a daemon
	 * that stops before its first attach leaves pins the next one knows. */
	if (dp->migration && !dp->migration->n)
		dp_upgrade_finish(dp);
	return 0;

err_unmap:
	dp_ct_pressure_close(dp);
	munmap(dp->names, sz);
	dp->names = NULL;
err_destroy:
	if (dp->migration) {
		dp_migration_free(dp->migration);
		free(dp->migration);
		dp->migration = NULL;
	}
	ward_bpf__destroy(dp->skel);
	dp->skel = NULL;
	free(dp->links);
	dp->links = NULL;
	return err;
}

/* The pins libbpf does not know as maps: the programs, and ward_meta. */
static int rm_pins(const char *dir)
{
	static const char *const pins[] = {
		"ward_xdp_ingress", "ward_tc_ingress", "ward_tc_egress", WARD_META_MAP,
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pins[i]);
		unlink(path);
	}
	return rmdir(dir) ? -errno : 0;
}

int dp_upgrade_finish(struct dataplane *dp)
{
	int err;

	if (!dp->migration)
		return 0;
	err = dp_migrate_finish(dp, dp->migration);
	free(dp->migration);
	dp->migration = NULL;
	return err;
}

void dp_close(struct dataplane *dp, bool detach)
{
	struct bpf_map *map;
	size_t i;

	if (!dp->skel)
		return;
	if (detach) {
		for (i = 0; i < dp->n_links; i++) {
			dp_hook_detach(dp->links[i].ifindex, dp->links[i].mode);
			pr_info("%s: detached (%s)\n", dp->links[i].name,
				dp_mode_name(dp->links[i].mode));
		}
		if (dp->pin_dir[0]) {
			bpf_object__for_each_map(map, dp->skel->obj)
				if (bpf_map__pin_path(map))
					bpf_map__unpin(map, NULL);
			/* Old pins of an upgrade that never swapped. */
			for (i = 0; dp->migration && i < dp->migration->n; i++)
				unlink(dp->migration->maps[i].path);
			rm_pins(dp->pin_dir);
		}
	}
	if (dp->names)
		munmap(dp->names, (size_t)WARD_MAX_RULES * sizeof(struct ward_rule_name));
	if (dp->migration) {
		dp_migration_free(dp->migration);
		free(dp->migration);
	}
	dp_ct_pressure_close(dp);
	ward_bpf__destroy(dp->skel);
	free(dp->links);
	free(dp->live_entries);
	memset(dp, 0, sizeof(*dp));
}
