/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/read_maps.h: reading the data plane's counters back in the BPF
 * tests, counting a map's keys, and emptying a map between cases. Include after test_assert.h
 * (for CHECK_) and dataplane.h.
 */
#ifndef WARD_TEST_READ_MAPS_H
#define WARD_TEST_READ_MAPS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"

/* A rule's packets and bytes, summed over CPUs. */
static inline void read_rule_stat(struct dataplane *dp, int ncpus, __u32 idx,
				  __u64 *packets, __u64 *bytes)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_rule_stats);
	struct ward_stat *s = calloc(ncpus, sizeof(*s));
	int c;

	*packets = *bytes = 0;
	if (!s || bpf_map_lookup_elem(fd, &idx, s)) {
		CHECK_(false, "reading ward_rule_stats[%u]: %s", idx, strerror(errno));
		free(s);
		return;
	}
	for (c = 0; c < ncpus; c++) {
		*packets += s[c].packets;
		*bytes += s[c].bytes;
	}
	free(s);
}

/* ward_counters, summed over CPUs. */
static inline void read_counters(struct dataplane *dp, __u64 out[WARD_CNT_MAX])
{
	CHECK_(!dp_read_counters(dp, out), "reading ward_counters: %s", strerror(errno));
}

/* How many keys of a map match(key, arg) holds for; every key when match
 * is NULL. */
static inline size_t count_keys(struct bpf_map *m, bool (*match)(const void *key, const void *arg),
				const void *arg)
{
	__u64 key[32], next[32];	/* 256 bytes, aligned for any key struct */
	int fd = bpf_map__fd(m);
	void *prev = NULL;
	size_t n = 0;

	if (!CHECK_(bpf_map__key_size(m) <= sizeof(key), "%s: key too big", bpf_map__name(m)))
		return 0;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!match || match(next, arg))
			n++;
		memcpy(key, next, sizeof(key));
		prev = key;
	}
	return n;
}

/* Deletes every key of a hash map (flows, remembered fragments). */
static inline void flush_map(struct bpf_map *m)
{
	char key[256];
	int fd = bpf_map__fd(m);

	if (!CHECK_(bpf_map__key_size(m) <= sizeof(key), "%s: key too big", bpf_map__name(m)))
		return;
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (!CHECK_(!bpf_map_delete_elem(fd, key), "flushing %s: %s",
			    bpf_map__name(m), strerror(errno)))
			break;
}

#endif /* WARD_TEST_READ_MAPS_H */
