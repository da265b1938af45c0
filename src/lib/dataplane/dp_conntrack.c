// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_conntrack.c: the flow table from userspace:
 * timeouts, reading it in batches, flushing, the count (see dataplane.h;
 * the sweeper is ct_sweep.c). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "ct_pressure.h"
#include "dataplane_nat.h"
#include "log.h"

static __u64 ct_timeout_ns(const struct dataplane *dp, const struct ward_ct_key *k,
			   const struct ward_ct_val *v)
{
	return (__u64)dp->ct_timeout[ward_ct_timeout_idx(k->proto, v)] * 1000000000ULL;
}

bool dp_ct_timeout_ns(const struct dataplane *dp, const struct ward_ct_key *k,
		      const struct ward_ct_val *v, __u64 *ns)
{
	*ns = ct_timeout_ns(dp, k, v);
	return *ns != 0;
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
		dp_ct_pressure_flushed(dp, vals, count);
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
	/* The sweeper's walk may stand on one of them: it starts over. */
	dp->walk_started = false;
out:
	free(keys);
	free(vals);
	return err;
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
	/* Modulo 2^64, so that a count that went below zero reads as none. */
	gone = cnt[WARD_CNT_CT_GONE] + gc.deleted;
	return (__s64)(cnt[WARD_CNT_CT_NEW] - gone) > 0 ? cnt[WARD_CNT_CT_NEW] - gone : 0;
}
