/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/read_maps.h: reading the data plane's per-CPU counters back in
 * the BPF tests. Include after test_assert.h (for CHECK_) and dataplane.h.
 */
#ifndef WARD_TEST_READ_MAPS_H
#define WARD_TEST_READ_MAPS_H

#include <errno.h>
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

#endif /* WARD_TEST_READ_MAPS_H */
