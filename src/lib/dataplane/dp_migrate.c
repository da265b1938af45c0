// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dp_migrate.c: a newer wardd over an older wardd's pins.
 * The older layouts a release pinned, one converter per layout of a map
 * with live state, and the carry-over itself (see dp_layout.h).
 *
 * The order keeps enforcement going: the old programs keep their old maps
 * (they hold them) while the new maps are filled; the new programs are
 * attached over them only once the daemon committed its policy; then what
 * the old programs wrote meanwhile is carried too, and only then do the
 * pins change, each with one rename over the old pin. A start that fails
 * before that leaves the pins as they were.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dp_layout.h"
#include "dp_layout_old.h"
#include "log.h"

/* ward_counters 1 -> 3: four drop reasons were added before
 * WARD_CNT_DROP_MAX; every counter after them moved up by four. The ones
 * layouts 2 and 3 appended start at zero. */
static int convert_counters_v1(const void *okey, const void *oval, void *nkey, void *nval,
			       int ncpus, __u64 *marked)
{
	__u32 i = *(const __u32 *)okey;

	if (i >= WARD_CNT_V1_MAX)
		return 0;
	*(__u32 *)nkey = i < WARD_CNT_V1_DROP_MAX ? i :
			 i + (WARD_CNT_DROP_MAX - WARD_CNT_V1_DROP_MAX);
	memcpy(nval, oval, (size_t)ncpus * sizeof(__u64));
	return 1;
}

/* ward_counters 2 -> 3: the same indexes; layout 3 appended four. */
static int convert_counters_v2(const void *okey, const void *oval, void *nkey, void *nval,
			       int ncpus, __u64 *marked)
{
	if (*(const __u32 *)okey >= WARD_CNT_V2_MAX)
		return 0;
	*(__u32 *)nkey = *(const __u32 *)okey;
	memcpy(nval, oval, (size_t)ncpus * sizeof(__u64));
	return 1;
}

/* ward_ct 1 -> 2: a flow that was answered (TCP: handshake done, and not
 * closed) is marked assured, as layout 2 would have marked it, so that
 * early drop and adaptive timeouts never take it for a flood's. */
static int convert_ct_v1(const void *okey, const void *oval, void *nkey, void *nval,
			 int ncpus, __u64 *marked)
{
	const struct ward_ct_key *k = okey;
	const struct ward_ct_val_v1 *o = oval;
	struct ward_ct_val *v = nval;

	memcpy(nkey, okey, sizeof(*k));
	memset(v, 0, sizeof(*v));
	v->state = o->state;
	v->orig = o->orig;
	v->flags = o->flags;
	v->icmp_type = o->icmp_type;
	v->in_if = o->in_if;
	v->in_zone = o->in_zone;
	v->stat = o->stat;
	v->generation = o->generation;
	v->created = o->created;
	v->last_seen = o->last_seen;
	memcpy(v->packets, o->packets, sizeof(v->packets));
	memcpy(v->bytes, o->bytes, sizeof(v->bytes));
	memcpy(v->tcp, o->tcp, sizeof(v->tcp));
	if ((o->flags & WARD_CTF_REPLIED) &&
	    (k->proto != 6 || (o->state >= WARD_TCP_ESTABLISHED && o->state != WARD_TCP_CLOSE)) &&
	    !(o->flags & WARD_CTF_ASSURED)) {
		v->flags |= WARD_CTF_ASSURED;
		(*marked)++;
	}
	return 1;
}

const struct dp_layout_old dp_layouts_old[] = {
	{ "ward_counters", 1, { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, WARD_CNT_V1_MAX, 0 },
	  convert_counters_v1, NULL },
	{ "ward_counters", 2, { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, WARD_CNT_V2_MAX, 0 },
	  convert_counters_v2, NULL },
	/* max_entries 0: any, conntrack.max_flows sizes it (dp_layout.c). */
	{ "ward_ct", 1, { BPF_MAP_TYPE_HASH, sizeof(struct ward_ct_key),
			  sizeof(struct ward_ct_val_v1), 0, BPF_F_NO_PREALLOC },
	  convert_ct_v1, NULL },
	{ "ward_frags", 1, { BPF_MAP_TYPE_LRU_HASH, 40, sizeof(struct ward_frag_val_v1),
			     16384, 0 }, NULL, NULL },
	{ "ward_policy", 1, { BPF_MAP_TYPE_ARRAY, 4, sizeof(struct ward_policy_hdr),
			      WARD_SLOTS, 0 }, NULL, NULL },
	{ "ward_cls", 1, { BPF_MAP_TYPE_HASH, sizeof(struct ward_cls_key),
			   sizeof(struct ward_cls_val), WARD_MAX_CLS, BPF_F_NO_PREALLOC },
	  NULL, NULL },
};
const size_t dp_n_layouts_old = sizeof(dp_layouts_old) / sizeof(dp_layouts_old[0]);

/* What the log calls a map's entries; false: no name of its own. */
static bool label_of(const char *map, const char **label, const char **noun)
{
	static const struct { const char *map, *label, *noun; } labels[] = {
		{ "ward_ct",		"conntrack",	"flows" },
		{ "ward_nat",		"nat",		"bindings" },
		{ "ward_fqdn_addrs",	"fqdn",		"learned addresses" },
		{ "ward_fqdn_queries",	"fqdn",		"queries awaiting an answer" },
		{ "ward_frags",		"ward_frags",	"fragment entries" },
		{ "ward_counters",	"counters",	"counters" },
		{ "ward_rule_stats",	"rule counters", "rules' counters" },
		{ "ward_ifaces",	"links",	"attached links" },
	};
	size_t i;

	*label = map;
	*noun = "entries";
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(labels[i].map, map)) {
			*label = labels[i].label;
			*noun = labels[i].noun;
			return true;
		}
	return false;
}

static bool is_percpu(const struct bpf_map *m)
{
	enum bpf_map_type t = bpf_map__type(m);

	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(const struct bpf_map *m)
{
	enum bpf_map_type t = bpf_map__type(m);

	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* When the old programs may have written since the fill, which copy of a
 * flow is the newer: the one its packets last touched. */
static bool old_is_fresher(const struct dp_migration_map *u, const void *nval, const void *cur)
{
	const size_t off = offsetof(struct ward_ct_val, last_seen);
	__u64 a, b;

	if (strcmp(bpf_map__name(u->map), "ward_ct"))
		return false;
	memcpy(&a, (const char *)nval + off, sizeof(a));
	memcpy(&b, (const char *)cur + off, sizeof(b));
	return a > b;
}

enum carry_pass { PASS_FILL, PASS_FINISH };

/*
 * Carries the old map's entries into the new one. PASS_FILL, before the
 * new programs run: everything, as it is. PASS_FINISH, after: what the old
 * programs added or touched meanwhile, never over what the new ones wrote
 * since; per-CPU counters are summed then (and only then), so that no
 * packet is counted twice or lost.
 */
static int carry(struct dataplane *dp, struct dp_migration_map *u, enum carry_pass pass)
{
	const struct dp_layout_old *o = u->old;
	int nfd = bpf_map__fd(u->map), ncpus = is_percpu(u->map) ? dp->ncpus : 1;
	size_t oks = o ? o->shape.key_size : bpf_map__key_size(u->map);
	size_t ovs = o ? o->shape.value_size : bpf_map__value_size(u->map);
	size_t nks = bpf_map__key_size(u->map), nvs = bpf_map__value_size(u->map);
	bool sum = ncpus > 1 && is_array(u->map);
	char *buf, *okey, *prev, *oval, *nkey, *nval, *cur;
	size_t ovl, nvl, c;
	int w;
	bool first = true;
	int err = 0;
	__u64 mk;

	if (sum != (pass == PASS_FINISH))
		return 0;
	if (!o || !o->convert) {
		if (oks != nks || ovs != nvs)
			return -EPROTO;	/* a table bug: same entries, other sizes */
	}
	/* Per-CPU values come 8-byte aligned, one per possible CPU. */
	ovl = ncpus > 1 ? ((ovs + 7) & ~7UL) * ncpus : ovs;
	nvl = ncpus > 1 ? ((nvs + 7) & ~7UL) * ncpus : nvs;
	buf = calloc(1, 2 * oks + ovl + nks + 2 * nvl);
	if (!buf)
		return -ENOMEM;
	okey = buf;
	prev = okey + oks;
	oval = prev + oks;
	nkey = oval + ovl;
	nval = nkey + nks;
	cur = nval + nvl;
	while (!bpf_map_get_next_key(u->old_fd, first ? NULL : prev, okey)) {
		first = false;
		memcpy(prev, okey, oks);
		if (bpf_map_lookup_elem(u->old_fd, okey, oval))
			continue;	/* gone meanwhile */
		mk = 0;
		if (o && o->convert) {
			if (!o->convert(okey, oval, nkey, nval, ncpus, &mk)) {
				u->dropped += pass == PASS_FILL || sum;
				continue;
			}
		} else {
			memcpy(nkey, okey, nks);
			memcpy(nval, oval, nvl);
		}
		if (sum) {
			if (!bpf_map_lookup_elem(nfd, nkey, cur))
				for (c = 0; c < nvl / 8; c++) {
					__u64 a, b;

					memcpy(&a, nval + 8 * c, 8);
					memcpy(&b, cur + 8 * c, 8);
					a += b;
					memcpy(nval + 8 * c, &a, 8);
				}
			w = bpf_map_update_elem(nfd, nkey, nval, BPF_ANY);
		} else if (pass == PASS_FILL) {
			w = bpf_map_update_elem(nfd, nkey, nval, BPF_ANY);
		} else if (!bpf_map_lookup_elem(nfd, nkey, cur)) {
			if (!old_is_fresher(u, nval, cur))
				continue;
			w = bpf_map_update_elem(nfd, nkey, nval, BPF_EXIST);
			if (!w)
				continue;	/* a flow carried at the fill: counted then */
		} else {
			w = bpf_map_update_elem(nfd, nkey, nval, BPF_NOEXIST);
		}
		if (w) {
			if (errno == E2BIG || errno == ENOMEM || errno == ENOSPC) {
				u->dropped++;	/* the new map is full */
				continue;
			}
			if (errno == EEXIST)
				continue;
			err = -errno;
			break;
		}
		u->carried++;
		u->marked += mk;
	}
	free(buf);
	return err;
}

static __u64 count_entries(int fd, size_t key_size)
{
	char a[256], b[256];
	bool first = true;
	__u64 n = 0;

	if (key_size > sizeof(a))
		return 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : a, b)) {
		first = false;
		memcpy(a, b, key_size);
		n++;
	}
	return n;
}

/*
 * ct_answered counts the answers the data plane saw: flows carried over
 * answered were never counted there. They are paid for in advance, as if
 * swept (modulo 2^64, as dp_ct_count), so that ward_conntrack_flows
 * {answered="yes"} counts them while they live and not after.
 */
static void seed_answered(struct dataplane *dp, struct dp_migration_map *u)
{
	if (!dp->ct_ctl || u->map != dp->skel->maps.ward_ct)
		return;
	dp->ct_ctl->swept_answered -= u->marked - u->marked_seen;
	u->marked_seen = u->marked;
}

void dp_migrate_adopt(struct dataplane *dp, struct dp_migration *up)
{
	size_t i;

	for (i = 0; i < up->n; i++)
		seed_answered(dp, &up->maps[i]);
}

int dp_migrate_fill(struct dataplane *dp, struct dp_migration *up)
{
	size_t i;
	int err;

	for (i = 0; i < up->n; i++) {
		struct dp_migration_map *u = &up->maps[i];

		if (u->kind != DP_KIND_STATE)
			continue;
		err = carry(dp, u, PASS_FILL);
		if (err) {
			pr_warn("upgrade: %s: cannot carry its entries over: %s\n",
				bpf_map__name(u->map), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The new map takes the old one's pin in one rename: whoever opens the
 * pin gets one or the other, never none. (bpffs refuses names with a dot,
 * hence no ".tmp".) */
static int swap_pin(struct dataplane *dp, struct dp_migration_map *u)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s/upgrading_%s", dp->pin_dir, bpf_map__name(u->map));
	unlink(tmp);
	if (bpf_obj_pin(bpf_map__fd(u->map), tmp))
		return -errno;
	if (rename(tmp, u->path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return bpf_map__set_pin_path(u->map, u->path);
}

static void report(struct dataplane *dp, const struct dp_migration_map *u, __u64 short_lived)
{
	const char *name = bpf_map__name(u->map), *label, *noun;

	label_of(name, &label, &noun);
	switch (u->kind) {
	case DP_KIND_STATE:
		pr_info("upgrade: %s: %llu %s carried over (layout %u -> %u)\n", label,
			(unsigned long long)u->carried, noun, u->from, u->to);
		if (u->marked && u->map == dp->skel->maps.ward_ct)
			pr_info("upgrade: conntrack: %llu of them answered, marked assured: "
				"never evicted for a new flow\n", (unsigned long long)u->marked);
		if (u->dropped)
			pr_warn("upgrade: %s: %llu %s dropped (%s)\n", label,
				(unsigned long long)u->dropped, noun,
				u->old && u->old->drop_why ? u->old->drop_why :
				"the new table is full");
		break;
	case DP_KIND_SHORT:
		pr_info("upgrade: %s: %llu %s dropped (short-lived, layout changed %u -> %u)\n",
			label, (unsigned long long)short_lived, noun, u->from, u->to);
		break;
	case DP_KIND_POLICY:
		pr_info("upgrade: %s: rebuilt from the policy (layout %u -> %u)\n", name,
			u->from, u->to);
		break;
	case DP_KIND_SCRATCH:
		pr_debug("upgrade: %s: new (layout %u -> %u), nothing to carry\n", name,
			 u->from, u->to);
		break;
	}
}

/* ward_meta: every pinned map's layout, for the next wardd to read. */
static int write_meta(struct dataplane *dp)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, WARD_META_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, WARD_META_MAP, sizeof(struct ward_meta_key),
				    sizeof(struct ward_meta_val), 256, NULL);
		if (fd < 0)
			return -errno;
		if (bpf_obj_pin(fd, path)) {
			err = -errno;
			goto out;
		}
	}
	bpf_object__for_each_map(map, dp->skel->obj) {
		struct ward_meta_key k = {};
		struct ward_meta_val v = {};

		if (!bpf_map__pin_path(map))
			continue;
		snprintf(k.name, sizeof(k.name), "%s", bpf_map__name(map));
		v.layout = dp_layout_version(k.name);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
out:
	close(fd);
	return err;
}

/* In an upgrade, the live state whose layout did not change: still there. */
static void report_kept(struct dataplane *dp, const struct dp_migration *up)
{
	const char *label, *noun;
	struct bpf_map *map;
	size_t i;

	bpf_object__for_each_map(map, dp->skel->obj) {
		const char *name = bpf_map__name(map);

		if (!bpf_map__pin_path(map) || dp_layout_kind(name) != DP_KIND_STATE ||
		    !label_of(name, &label, &noun) || bpf_map__type(map) == BPF_MAP_TYPE_ARRAY ||
		    bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY)
			continue;
		for (i = 0; i < up->n && up->maps[i].map != map; i++)
			;
		if (i < up->n)
			continue;
		pr_info("upgrade: %s: %llu %s kept in place (layout %u unchanged)\n", label,
			(unsigned long long)count_entries(bpf_map__fd(map), bpf_map__key_size(map)),
			noun, dp_layout_version(name));
	}
}

int dp_migrate_finish(struct dataplane *dp, struct dp_migration *up)
{
	__u64 short_lived;
	size_t i;
	int err = 0;

	for (i = 0; i < up->n && !err; i++) {
		struct dp_migration_map *u = &up->maps[i];
		const char *name = bpf_map__name(u->map);

		short_lived = 0;
		/* ward_state is the daemon's own since its first commit; and
		 * links it detached since must stay forgotten. */
		if (u->kind == DP_KIND_STATE && strcmp(name, "ward_state") &&
		    strcmp(name, "ward_ifaces"))
			err = carry(dp, u, PASS_FINISH);
		seed_answered(dp, u);
		if (u->kind == DP_KIND_SHORT)
			short_lived = count_entries(u->old_fd, u->old->shape.key_size);
		if (!err)
			err = swap_pin(dp, u);
		if (err) {
			pr_warn("upgrade: %s: cannot replace the pin %s: %s\n", name, u->path,
				strerror(-err));
			break;
		}
		if (strcmp(name, "ward_state"))
			report(dp, u, short_lived);
		close(u->old_fd);
		u->old_fd = -1;
	}
	if (!err && (up->n || (up->meta_missing && up->adopted)))
		report_kept(dp, up);
	if (!err)
		err = write_meta(dp);
	if (err)
		pr_warn("upgrade: %s: ward_meta not written: %s\n", dp->pin_dir, strerror(-err));
	dp_migration_free(up);
	return err;
}

void dp_migration_free(struct dp_migration *up)
{
	size_t i;

	for (i = 0; i < up->n; i++)
		if (up->maps[i].old_fd >= 0)
			close(up->maps[i].old_fd);
	free(up->maps);
	memset(up, 0, sizeof(*up));
}
