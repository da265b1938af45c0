// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dp_layout.c: the layout version of every pinned map,
 * and the plan an upgrade follows (see dp_layout.h).
 *
 * The rule for a change to a map's layout (its key or value struct, its
 * size, or what a field means): bump its version here, keep the old struct
 * in dp_layout_old.h, and list the old layout in dp_layouts_old[]
 * (dp_migrate.c) with a converter if the map holds live state. wardd then
 * recognises pins of the old layout, carries their entries over, and
 * refuses any layout it does not know instead of misreading it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dp_layout.h"
#include "log.h"

struct dp_layout_cur {
	const char	*map;
	enum dp_map_kind kind;
	__u32		version;	/* what this build writes */
	__u32		legacy;		/* what a pin without ward_meta is at most:
					 * the version when ward_meta came, fixed */
};

/* Every map of ward.bpf.o that is pinned (ward_tx_ports never is). */
static const struct dp_layout_cur dp_layouts[] = {
	{ "ward_state",		 DP_KIND_STATE,	  1, 1 },
	{ "ward_policy",	 DP_KIND_POLICY,  2, 1 },	/* 2: n_dry_tuples, ranks */
	{ "ward_cls",		 DP_KIND_POLICY,  2, 1 },	/* 2: ward_cls_key.rank */
	{ "ward_rules",		 DP_KIND_POLICY,  1, 1 },
	{ "ward_ifaces",	 DP_KIND_STATE,	  1, 1 },	/* the attached links */
	{ "ward_rule_stats",	 DP_KIND_STATE,	  1, 1 },
	{ "ward_counters",	 DP_KIND_STATE,	  3, 3 },	/* 2: 54, 3: 58 counters */
	{ "ward_ct",		 DP_KIND_STATE,	  2, 1 },	/* 2: WARD_CTF_ASSURED */
	{ "ward_ct_fifo",	 DP_KIND_SHORT,	  1, 1 },	/* the ring of new flows */
	{ "ward_ct_ctl",	 DP_KIND_STATE,	  1, 1 },
	{ "ward_frags",		 DP_KIND_SHORT,	  2, 2 },	/* 2: ward_frag_val.denied */
	{ "ward_ct_gc",		 DP_KIND_STATE,	  1, 1 },
	{ "ward_rule_names",	 DP_KIND_POLICY,  1, 1 },
	{ "ward_xlate",		 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_fqdn_addrs",	 DP_KIND_STATE,	  1, 1 },
	{ "ward_fqdn_pats",	 DP_KIND_POLICY,  1, 1 },
	{ "ward_fqdn_resolvers", DP_KIND_POLICY,  1, 1 },
	{ "ward_fqdn_queries",	 DP_KIND_STATE,	  1, 1 },
	{ "ward_fqdn_conf",	 DP_KIND_POLICY,  1, 1 },
	{ "ward_fqdn_sets",	 DP_KIND_POLICY,  1, 1 },
	{ "ward_fqdn_scratch",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_nd_fib",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_pkt",		 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_reject_buf",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_reject_bucket",	 DP_KIND_SHORT,	  1, 1 },
	{ "ward_dry_match",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_events",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_log_budget",	 DP_KIND_SHORT,	  1, 1 },
	{ "ward_scan",		 DP_KIND_SHORT,	  1, 1 },
	{ "ward_nat_policy",	 DP_KIND_POLICY,  1, 1 },
	{ "ward_nat",		 DP_KIND_STATE,	  1, 1 },
	{ "ward_nat_scratch",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_rate",		 DP_KIND_SHORT,	  1, 1 },
	{ "ward_rate_scratch",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_csum_buf",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_scratch",	 DP_KIND_SCRATCH, 1, 1 },
	{ "ward_ct_revoked",	 DP_KIND_STATE,	  1, 1 },
};

static const struct dp_layout_cur *layout_cur(const char *map)
{
	size_t i;

	for (i = 0; i < sizeof(dp_layouts) / sizeof(dp_layouts[0]); i++)
		if (!strcmp(dp_layouts[i].map, map))
			return &dp_layouts[i];
	return NULL;
}

__u32 dp_layout_version(const char *map)
{
	const struct dp_layout_cur *c = layout_cur(map);

	return c ? c->version : 0;
}

enum dp_map_kind dp_layout_kind(const char *map)
{
	const struct dp_layout_cur *c = layout_cur(map);

	return c ? c->kind : DP_KIND_STATE;
}

/* A pinned shape is of a layout; a layout's max_entries 0 is any size. */
static bool shape_is(const struct dp_shape *pinned, const struct dp_shape *l)
{
	return pinned->type == l->type && pinned->key_size == l->key_size &&
	       pinned->value_size == l->value_size && pinned->flags == l->flags &&
	       (!l->max_entries || pinned->max_entries == l->max_entries);
}

/* The oldest known layout of map with this shape, up to version max. */
static const struct dp_layout_old *old_by_shape(const char *map, const struct dp_shape *s,
						__u32 max)
{
	const struct dp_layout_old *best = NULL;
	size_t i;

	for (i = 0; i < dp_n_layouts_old; i++) {
		const struct dp_layout_old *o = &dp_layouts_old[i];

		if (strcmp(o->map, map) || o->version > max || !shape_is(s, &o->shape))
			continue;
		if (!best || o->version < best->version)
			best = o;
	}
	return best;
}

const struct dp_layout_old *dp_layout_old_find(const char *map, __u32 version)
{
	size_t i;

	for (i = 0; i < dp_n_layouts_old; i++)
		if (!strcmp(dp_layouts_old[i].map, map) && dp_layouts_old[i].version == version)
			return &dp_layouts_old[i];
	return NULL;
}

static void shape_of_map(const struct bpf_map *m, struct dp_shape *s)
{
	s->type = bpf_map__type(m);
	s->key_size = bpf_map__key_size(m);
	s->value_size = bpf_map__value_size(m);
	s->max_entries = bpf_map__max_entries(m);
	s->flags = bpf_map__map_flags(m);
}

static int shape_of_fd(int fd, struct dp_shape *s)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	s->type = info.type;
	s->key_size = info.key_size;
	s->value_size = info.value_size;
	s->max_entries = info.max_entries;
	s->flags = info.map_flags;
	return 0;
}

/* The layout ward_meta records for map: 1 found, 0 not recorded. */
static int meta_version(int meta_fd, const char *map, __u32 *version)
{
	struct ward_meta_key k = {};
	struct ward_meta_val v;

	if (meta_fd < 0)
		return 0;
	snprintf(k.name, sizeof(k.name), "%s", map);
	if (bpf_map_lookup_elem(meta_fd, &k, &v))
		return 0;
	*version = v.layout;
	return 1;
}

/* One line: the map, what it is, and the way out. */
static int refuse(const struct dataplane *dp, const char *map, const struct dp_shape *s,
		  const char *what)
{
	pr_warn("pinned map %s in %s: %s (type %u, key %u bytes, value %u bytes, "
		"%u entries, flags %#x); this wardd will not guess what its entries mean: "
		"stop the wardd using %s and start with wardd --reset (drops its flows)\n",
		map, dp->pin_dir, what, s->type, s->key_size, s->value_size, s->max_entries,
		s->flags, dp->pin_dir);
	return -EPROTO;
}

/* Which layout the pin of map has: 0 and *old (NULL when it is the
 * current one), or a refusal. */
static int identify(const struct dataplane *dp, int meta_fd, const char *map,
		    const struct dp_shape *pinned, const struct dp_shape *cur,
		    const struct dp_layout_cur *lc, const struct dp_layout_old **old)
{
	char what[96];
	__u32 v;

	*old = NULL;
	if (meta_version(meta_fd, map, &v)) {
		if (v == lc->version && !memcmp(pinned, cur, sizeof(*cur)))
			return 0;
		if (v > lc->version) {
			snprintf(what, sizeof(what), "layout %u is newer than this wardd's %u",
				 v, lc->version);
			return refuse(dp, map, pinned, what);
		}
		*old = dp_layout_old_find(map, v);
		if (*old && shape_is(pinned, &(*old)->shape))
			return 0;
		snprintf(what, sizeof(what), "recorded as layout %u but not of its shape", v);
		return refuse(dp, map, pinned, what);
	}
	/* Pinned before ward_meta: the oldest layout of that shape. */
	*old = old_by_shape(map, pinned, lc->legacy);
	if (*old)
		return 0;
	if (lc->version <= lc->legacy && !memcmp(pinned, cur, sizeof(*cur)))
		return 0;
	return refuse(dp, map, pinned, "layout unknown");
}

static int plan_add(struct dp_migration *up, struct bpf_map *map, int fd, __u32 from,
		    const struct dp_layout_old *old, const char *path)
{
	struct dp_migration_map *n = realloc(up->maps, (up->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	up->maps = n;
	n = &up->maps[up->n++];
	memset(n, 0, sizeof(*n));
	n->map = map;
	n->old_fd = fd;
	n->from = from;
	n->to = dp_layout_version(bpf_map__name(map));
	n->kind = dp_layout_kind(bpf_map__name(map));
	n->old = old;
	snprintf(n->path, sizeof(n->path), "%s", path);
	return 0;
}

/* The old programs read the live slot through ward_state: while any
 * policy map is replaced, they must keep their own ward_state, or the
 * new daemon's first commit would point them at a slot they cannot read. */
static int plan_state(struct dataplane *dp, struct dp_migration *up)
{
	struct bpf_map *st = dp->skel->maps.ward_state;
	const char *path = bpf_map__pin_path(st);
	bool policy = false;
	size_t i;
	int fd;

	for (i = 0; i < up->n; i++) {
		if (up->maps[i].map == st)
			return 0;
		policy |= up->maps[i].kind == DP_KIND_POLICY;
	}
	if (!policy || !path)
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (plan_add(up, st, fd, 1, NULL, path)) {
		close(fd);
		return -ENOMEM;
	}
	return bpf_map__set_pin_path(st, NULL);
}

int dp_layout_plan(struct dataplane *dp, struct dp_migration *up)
{
	const struct dp_layout_old *old;
	struct dp_shape pinned, cur;
	const struct dp_layout_cur *lc;
	char meta_path[PATH_MAX];
	struct bpf_map *map;
	int meta_fd, fd, err = 0;

	memset(up, 0, sizeof(*up));
	snprintf(meta_path, sizeof(meta_path), "%s/%s", dp->pin_dir, WARD_META_MAP);
	meta_fd = bpf_obj_get(meta_path);
	if (meta_fd >= 0 && (shape_of_fd(meta_fd, &pinned) || pinned.type != BPF_MAP_TYPE_HASH ||
			     pinned.key_size != sizeof(struct ward_meta_key) ||
			     pinned.value_size != sizeof(struct ward_meta_val))) {
		err = refuse(dp, WARD_META_MAP, &pinned, "layout unknown");
		goto out;
	}
	up->meta_missing = meta_fd < 0;

	bpf_object__for_each_map(map, dp->skel->obj) {
		const char *name = bpf_map__name(map), *path = bpf_map__pin_path(map);

		if (!path)
			continue;
		lc = layout_cur(name);
		if (!lc) {
			pr_warn("map %s has no layout version (src/lib/dataplane/dp_layout.c)\n",
				name);
			err = -EPROTO;
			goto out;
		}
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* none pinned: libbpf makes and pins it */
		shape_of_map(map, &cur);
		err = shape_of_fd(fd, &pinned);
		if (!err)
			err = identify(dp, meta_fd, name, &pinned, &cur, lc, &old);
		if (err || !old) {
			close(fd);
			if (err)
				goto out;
			up->adopted++;
			continue;
		}
		err = plan_add(up, map, fd, old->version, old, path);
		if (err) {
			close(fd);
			goto out;
		}
		/* libbpf makes a new, unpinned map; the swap pins it. */
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			goto out;
	}
	err = plan_state(dp, up);
out:
	if (meta_fd >= 0)
		close(meta_fd);
	if (err)
		dp_migration_free(up);
	return err;
}
