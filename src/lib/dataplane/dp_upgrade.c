// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dp_upgrade.c: a newer wardd over an older one's pins.
 *
 * libbpf reuses a pinned map only when its type, key and value sizes,
 * max_entries and flags are the ones this wardd would make; else loading
 * fails. Each pinned map is compared first. One that differs is unpinned
 * and made anew, and the log says exactly which, how, and what is lost:
 * never a map read with the wrong layout. What is kept is made right:
 *
 * - ward_counters grows whenever a counter is added: its old values are
 *   dropped (their indexes may have moved), counting restarts at zero, and
 *   the flow count, opened minus removed, is seeded from the flows the
 *   table holds, so ward_conntrack_flows stays true.
 * - Flows from before the ring of new flows (ward_ct_fifo) existed are in
 *   no ring: early drop never picks them (old flows are not the flood).
 *   Those that were answered get WARD_CTF_ASSURED, which they would have
 *   had, so pressure never shortens their timeouts.
 * - If ward_ct itself changed, its flows are gone: the warning says how
 *   many; established TCP connections opened from the side the rules admit
 *   are picked up again by their next segment (docs/conntrack.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dp_upgrade.h"
#include "log.h"

#define UPGRADE_CHUNK	4096

static void describe(char *buf, size_t len, __u32 type, __u32 ks, __u32 vs, __u32 max,
		     __u32 flags)
{
	snprintf(buf, len, "type %u, key %u B, value %u B, %u entries, flags %#x", type, ks, vs,
		 max, flags);
}

/* Flows in a (pinned) flow table; with set_assured, the answered ones are
 * marked and counted in *answered. */
static size_t walk_flows(int fd, bool set_assured, size_t *answered)
{
	struct ward_ct_key *keys = calloc(UPGRADE_CHUNK, sizeof(*keys));
	struct ward_ct_val *vals = calloc(UPGRADE_CHUNK, sizeof(*vals));
	__u32 in = 0, out, count, i;
	bool started = false;
	size_t n = 0;
	int err;

	*answered = 0;
	while (keys && vals) {
		count = UPGRADE_CHUNK;
		err = bpf_map_lookup_batch(fd, started ? &in : NULL, &out, keys, vals, &count,
					   NULL);
		if (err && errno != ENOENT)
			break;
		n += count;
		for (i = 0; set_assured && i < count; i++) {
			struct ward_ct_val *v = &vals[i];

			if (!(v->flags & WARD_CTF_REPLIED) ||
			    (keys[i].proto == 6 && (v->state < WARD_TCP_ESTABLISHED ||
						    v->state == WARD_TCP_CLOSE)))
				continue;
			v->flags |= WARD_CTF_ASSURED;
			/* Under the flow's lock: TCP tracking may be at it. */
			if (!bpf_map_update_elem(fd, &keys[i], v, BPF_EXIST | BPF_F_LOCK))
				(*answered)++;
		}
		if (err)
			break;
		in = out;
		started = true;
	}
	free(keys);
	free(vals);
	return n;
}

static const char *what_is_lost(struct dataplane *dp, struct bpf_map *map, int fd,
				char *buf, size_t len)
{
	size_t answered;

	if (map == dp->skel->maps.ward_ct) {
		snprintf(buf, len, "its %zu flows are dropped: packets of those connections "
			 "meet the rules again", walk_flows(fd, false, &answered));
		return buf;
	}
	if (map == dp->skel->maps.ward_counters)
		return "its counters restart from zero (the flow count is carried over)";
	if (map == dp->skel->maps.ward_nat)
		return "its NAT bindings are dropped: translated connections must start again";
	return "its contents are dropped and made again by this wardd";
}

static bool pin_exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

int dp_upgrade_pins(struct dataplane *dp, struct dp_upgrade *up)
{
	char have[128], want[128], lost[160];
	struct bpf_map_info info;
	struct bpf_map *map;
	__u32 len;
	bool ct_gone = false;
	int fd;

	memset(up, 0, sizeof(*up));
	if (!dp->pin_dir[0])
		return 0;
	bpf_object__for_each_map(map, dp->skel->obj) {
		const char *path = bpf_map__pin_path(map);

		if (!path || (fd = bpf_obj_get(path)) < 0)
			continue;	/* not pinned, or new in this version */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;	/* libbpf's own check will say */
		}
		if (info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
		    info.value_size == bpf_map__value_size(map) &&
		    info.max_entries == bpf_map__max_entries(map) &&
		    info.map_flags == bpf_map__map_flags(map)) {
			close(fd);
			continue;
		}
		describe(have, sizeof(have), info.type, info.key_size, info.value_size,
			 info.max_entries, info.map_flags);
		describe(want, sizeof(want), bpf_map__type(map), bpf_map__key_size(map),
			 bpf_map__value_size(map), bpf_map__max_entries(map), bpf_map__map_flags(map));
		pr_warn("%s: the pinned map (%s) is not what this wardd makes (%s): replaced; %s\n",
			bpf_map__name(map), have, want, what_is_lost(dp, map, fd, lost, sizeof(lost)));
		close(fd);
		if (unlink(path)) {
			pr_warn("%s: cannot remove: %s\n", path, strerror(errno));
			return -errno;
		}
		up->counters_reset |= map == dp->skel->maps.ward_counters;
		ct_gone |= map == dp->skel->maps.ward_ct;
	}
	/* Flows of a wardd that had no ring, or whose counters go. */
	up->ct_adopt = !ct_gone && pin_exists(dp->pin_dir, "ward_ct") &&
		       (!pin_exists(dp->pin_dir, "ward_ct_ctl") || up->counters_reset);
	return 0;
}

void dp_upgrade_adopt(struct dataplane *dp, const struct dp_upgrade *up)
{
	int gfd = bpf_map__fd(dp->skel->maps.ward_ct_gc);
	struct ward_ct_gc gc = {};
	size_t n, answered;
	__u32 zero = 0;

	if (!up->ct_adopt)
		return;
	n = walk_flows(bpf_map__fd(dp->skel->maps.ward_ct), true, &answered);
	/* Counts are opened minus removed, modulo 2^64: removals of flows the
	 * new counters never saw opened are paid for in advance. */
	if (up->counters_reset && !bpf_map_lookup_elem(gfd, &zero, &gc)) {
		gc.deleted = -(__u64)n;
		bpf_map_update_elem(gfd, &zero, &gc, 0);
	}
	if (dp->ct_ctl)
		dp->ct_ctl->swept_answered = -(__u64)answered;
	pr_info("adopted %zu flows of an earlier wardd (%zu answered)\n", n, answered);
}
