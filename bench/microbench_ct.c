// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/microbench_ct.c: what a flow costs in memory. The flow table is a
 * BPF_F_NO_PREALLOC hash: its buckets are allocated with the map, each flow
 * when it is made (from the BPF memory allocator's per-CPU caches, which
 * refill from kmalloc). So the table's memory is the empty map plus the
 * flows' slab objects.
 *
 * Two readings: the kernel's own accounting of the map (the memlock line of
 * its fdinfo, which counts each element at its exact size), and what the
 * allocator really handed out, the growth of the objects in use in
 * /proc/slabinfo (active objects times object size, over all caches) while
 * the table is filled: size classes round elements up. Not the Slab line
 * of /proc/meminfo: that counts slab pages, and a fill reuses the free
 * objects a previous fill left in them, so it grows by anything from the
 * whole table to nothing. slabinfo is system-wide, so other activity on the
 * machine adds noise: rounds are repeated and the median is kept, and each
 * round waits for the previous table's RCU-deferred frees.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "microbench.h"

#define MB_CT_CHUNK	65536	/* flows per bpf_map_update_batch() */
#define MB_CT_ROUNDS_MAX	15

/* Bytes of slab objects in use, over all caches (root only), or -1. */
static double slab_active_bytes(void)
{
	char line[512], name[64];
	unsigned long active, total, size;
	double sum = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &total, &size) == 4)
			sum += (double)active * size;
	fclose(f);
	return sum;
}

/* The memlock line of a map's fdinfo: the kernel's estimate of its size. */
static double map_memlock(int fd)
{
	char path[64], line[256];
	double v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8))
			v = strtod(line + 8, NULL);
	fclose(f);
	return v;
}

/* Flow i: UDP from 10.0.0.0/8 + i to one server port; endpoint 0 is the
 * client, which sorts first, as the data plane would key it. */
static void flow_key(struct ward_ct_key *k, unsigned int i)
{
	memset(k, 0, sizeof(*k));
	k->addr[0][0] = htonl(0x0a000000u + i);
	inet_pton(AF_INET, MB_PKT_DST, &k->addr[1][0]);
	k->port[0] = htons(40000);
	k->port[1] = htons(MB_PORT_SVC_UDP);
	k->proto = 17;
	k->family = WARD_FAM_V4;
}

static int fill(int fd, unsigned int flows, struct ward_ct_key *keys,
		struct ward_ct_val *vals)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	unsigned int done, n, i;
	__u32 count;

	for (done = 0; done < flows; done += n) {
		n = flows - done < MB_CT_CHUNK ? flows - done : MB_CT_CHUNK;
		for (i = 0; i < n; i++)
			flow_key(&keys[i], done + i);
		count = n;
		if (bpf_map_update_batch(fd, keys, vals, &count, &opts))
			return -errno;
		if (count != n)
			return -EIO;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int one_round(unsigned int flows, struct mb_ct_mem *m, struct ward_ct_key *keys,
		     struct ward_ct_val *vals)
{
	struct dataplane dp;
	double slab0, slab1, t0;
	int fd, err;

	err = dp_open(&dp, NULL, flows);
	if (err)
		return err;
	m->max_flows = dp.max_flows;
	fd = bpf_map__fd(dp.skel->maps.ward_ct);
	m->memlock_empty = map_memlock(fd);
	slab0 = slab_active_bytes();
	t0 = mb_now_ms();
	err = fill(fd, flows, keys, vals);
	m->fill_ms = mb_now_ms() - t0;
	slab1 = slab_active_bytes();
	m->memlock_full = map_memlock(fd);
	m->slab_delta = slab1 - slab0;
	dp_close(&dp, false);
	if (!err && (slab0 < 0 || slab1 < 0 || m->memlock_empty < 0 || m->memlock_full < 0))
		err = -ENODATA;
	return err;
}

int mb_ct_memory(unsigned int flows, unsigned int rounds, struct mb_ct_mem *out)
{
	double empty[MB_CT_ROUNDS_MAX], full[MB_CT_ROUNDS_MAX];
	double slab[MB_CT_ROUNDS_MAX], ms[MB_CT_ROUNDS_MAX];
	struct ward_ct_key *keys;
	struct ward_ct_val *vals;
	struct mb_ct_mem m;
	unsigned int r;
	int err = 0;

	if (!flows || !rounds || rounds > MB_CT_ROUNDS_MAX)
		return -EINVAL;
	keys = calloc(MB_CT_CHUNK, sizeof(*keys));
	vals = calloc(MB_CT_CHUNK, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out_free;
	}
	for (r = 0; r < rounds; r++) {
		/* The last table's elements go back after an RCU grace period:
		 * not while this one is being measured. */
		if (r)
			sleep(2);
		memset(&m, 0, sizeof(m));
		err = one_round(flows, &m, keys, vals);
		if (err)
			goto out_free;
		empty[r] = m.memlock_empty;
		full[r] = m.memlock_full;
		slab[r] = m.slab_delta;
		ms[r] = m.fill_ms;
		fprintf(stderr, "  flow table: %u flows: memlock %.1f -> %.1f MiB, slab objects "
			"+%.1f MiB (%.0f B/flow), fill %.0f ms\n", flows, m.memlock_empty / 1048576,
			m.memlock_full / 1048576, m.slab_delta / 1048576, m.slab_delta / flows,
			m.fill_ms);
	}
	out->flows = flows;
	out->max_flows = m.max_flows;
	out->memlock_empty = median(empty, rounds);
	out->memlock_full = median(full, rounds);
	out->slab_delta = median(slab, rounds);
	out->fill_ms = median(ms, rounds);
out_free:
	free(keys);
	free(vals);
	return err;
}
