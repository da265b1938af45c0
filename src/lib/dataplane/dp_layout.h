/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dp_layout.h: pinned maps across layout changes, for
 * dp_open.c. dp_layout.c knows every layout a release has pinned and
 * decides, before anything changes, which pins are reused, which are
 * replaced and which are refused; dp_migrate.c fills the replacements and
 * swaps their pins once the new programs are attached.
 */
#ifndef WARD_DP_LAYOUT_H
#define WARD_DP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "dataplane.h"

/* What a map's entries are to an upgrade. */
enum dp_map_kind {
	DP_KIND_STATE,		/* live state (flows, bindings, learned addresses,
				 * counters): carried entry by entry */
	DP_KIND_SHORT,		/* short-lived state (fragments, rate buckets):
				 * dropped and counted when the layout changes */
	DP_KIND_POLICY,		/* written by the daemon from its policy: rebuilt */
	DP_KIND_SCRATCH,	/* one packet's temporaries, rings: nothing to keep */
};

/* A map's shape as the kernel reports it; max_entries 0: set by config. */
struct dp_shape {
	__u32	type, key_size, value_size, max_entries, flags;
};

/* One entry of an older layout converted to the current one: 1 keep it
 * (nkey, nval written), 0 drop it. ncpus values for per-CPU maps. *marked
 * counts what the converter found that a counter must learn of (ward_ct:
 * flows it marked answered). */
typedef int (*dp_convert_fn)(const void *okey, const void *oval, void *nkey, void *nval,
			     int ncpus, __u64 *marked);

struct dp_layout_old {
	const char	*map;
	__u32		version;
	struct dp_shape	shape;
	dp_convert_fn	convert;	/* DP_KIND_STATE; NULL: same entries as now */
	const char	*drop_why;	/* why convert drops the entries it drops */
};

/* dp_migrate.c: every older layout a release pinned. */
extern const struct dp_layout_old dp_layouts_old[];
extern const size_t dp_n_layouts_old;

/* One pinned map the upgrade replaces. */
struct dp_migration_map {
	struct bpf_map	*map;		/* the new one, unpinned until the swap */
	int		old_fd;
	__u32		from, to;	/* layout versions */
	enum dp_map_kind kind;
	const struct dp_layout_old *old;	/* NULL: from is the current layout */
	__u64		carried, dropped;
	__u64		marked, marked_seen;	/* see dp_convert_fn */
	char		path[256];	/* the pin */
};

struct dp_migration {
	struct dp_migration_map *maps;
	size_t		n;
	bool		meta_missing;	/* no ward_meta: pins of an older wardd, or none */
	size_t		adopted;	/* pins reused as they are */
};

/* dp_layout.c */
__u32 dp_layout_version(const char *map);
enum dp_map_kind dp_layout_kind(const char *map);
/* The older layout of map with this version, or NULL. */
const struct dp_layout_old *dp_layout_old_find(const char *map, __u32 version);
/* Looks at every pin the skeleton's maps would reuse, before the load.
 * Maps to replace lose their pin path (libbpf makes them new) and are
 * listed in up. A pin of a layout it does not know: one warning naming
 * the map, -EPROTO, and nothing changed. */
int dp_layout_plan(struct dataplane *dp, struct dp_migration *up);

/* dp_migrate.c */
/* After the load: carries the old maps' entries into the new ones. */
int dp_migrate_fill(struct dataplane *dp, struct dp_migration *up);
/* After ct_pressure's maps are open: flows carried answered are counted
 * as answered flows that are already there (ward_conntrack_flows). */
void dp_migrate_adopt(struct dataplane *dp, struct dp_migration *up);
/* After the new programs are attached (the old ones no longer write):
 * carries what the old programs wrote meanwhile, pins the new maps in
 * place of the old, records every map's layout in ward_meta and says what
 * was carried and dropped. */
int dp_migrate_finish(struct dataplane *dp, struct dp_migration *up);
void dp_migration_free(struct dp_migration *up);

#endif /* WARD_DP_LAYOUT_H */
