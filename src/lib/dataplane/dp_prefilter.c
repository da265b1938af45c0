// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dp_prefilter.c: a policy slot's prefilter entries
 * (ward_pf_src, ward_pf_port; bpf/lib/prefilter.h), written with the rest
 * of the slot before the swap and cleared from the old slot after it, so
 * that the prefilter changes with the policy in the same single write.
 * The keys written are kept per slot, so that clearing needs no walk of
 * the maps (a walk only after a restart, when they are unknown).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_int.h"

/* n keys and values in one batch where the map type has batches (the
 * LPM trie may not), else one by one. 0 or -errno. */
static int pf_update(int fd, const void *keys, const void *vals, size_t n, size_t ks,
		     size_t vs)
{
	__u32 cnt = (__u32)n;
	size_t i;

	if (!n || !bpf_map_update_batch(fd, keys, vals, &cnt, NULL))
		return 0;
	if (errno != EINVAL && errno != ENOTSUPP_ && errno != EOPNOTSUPP)
		return -errno;
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * ks,
					(const char *)vals + i * vs, 0))
			return -errno;
	return 0;
}

static void pf_delete(int fd, const void *keys, size_t n, size_t ks)
{
	__u32 cnt = (__u32)n;
	size_t i;

	if (!n || !bpf_map_delete_batch(fd, keys, &cnt, NULL))
		return;
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, (const char *)keys + i * ks);
}

int dp_pf_write(struct dataplane *dp, const struct compiled *c, const __u32 *stat, __u32 slot)
{
	struct dp_pf_slot *s = &dp->pf[slot & 1];
	struct ward_pf_src_key *sk = NULL;
	struct ward_pf_port_key *pk = NULL;
	struct ward_pf_val *sv = NULL, *pv = NULL;
	size_t i;
	int err = -ENOMEM;

	/* Until the write is done, what the slot holds is not known. */
	s->known = false;
	sk = calloc(c->n_pf_src + 1, sizeof(*sk));
	sv = calloc(c->n_pf_src + 1, sizeof(*sv));
	pk = calloc(c->n_pf_port + 1, sizeof(*pk));
	pv = calloc(c->n_pf_port + 1, sizeof(*pv));
	if (!sk || !sv || !pk || !pv)
		goto out;
	for (i = 0; i < c->n_pf_src; i++) {
		sk[i] = c->pf_src[i].key;
		sk[i].slot = (__u8)slot;
		sv[i] = c->pf_src[i].val;
		sv[i].stat = stat[sv[i].rule];
	}
	for (i = 0; i < c->n_pf_port; i++) {
		pk[i] = c->pf_port[i].key;
		pk[i].slot = (__u8)slot;
		pv[i] = c->pf_port[i].val;
		pv[i].stat = stat[pv[i].rule];
	}
	err = pf_update(bpf_map__fd(dp->skel->maps.ward_pf_src), sk, sv, c->n_pf_src,
			sizeof(*sk), sizeof(*sv));
	if (!err)
		err = pf_update(bpf_map__fd(dp->skel->maps.ward_pf_port), pk, pv, c->n_pf_port,
				sizeof(*pk), sizeof(*pv));
	if (err)
		goto out;
	free(s->src);
	free(s->port);
	s->src = sk;
	s->n_src = c->n_pf_src;
	s->port = pk;
	s->n_port = c->n_pf_port;
	s->known = true;
	sk = NULL;
	pk = NULL;
out:
	free(sk);
	free(sv);
	free(pk);
	free(pv);
	return err;
}

/* Deletes the keys of one slot from a map whose keys hold the slot at
 * slot_off: a walk, for when the slot's keys are not known. Keys are
 * collected first: deleting while walking would restart the walk. */
static void clear_scan(int fd, size_t key_size, size_t slot_off, __u32 slot)
{
	unsigned char key[32], next[32], *keys = NULL, *nk;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (key[slot_off] != slot)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			nk = realloc(keys, cap * key_size);
			if (!nk)
				break;
			keys = nk;
		}
		memcpy(keys + n++ * key_size, key, key_size);
	}
	pf_delete(fd, keys, n, key_size);
	free(keys);
}

void dp_pf_clear(struct dataplane *dp, __u32 slot)
{
	struct dp_pf_slot *s = &dp->pf[slot & 1];
	int sfd = bpf_map__fd(dp->skel->maps.ward_pf_src);
	int pfd = bpf_map__fd(dp->skel->maps.ward_pf_port);

	if (s->known) {
		pf_delete(sfd, s->src, s->n_src, sizeof(*s->src));
		pf_delete(pfd, s->port, s->n_port, sizeof(*s->port));
	} else {
		clear_scan(sfd, sizeof(struct ward_pf_src_key),
			   offsetof(struct ward_pf_src_key, slot), slot);
		clear_scan(pfd, sizeof(struct ward_pf_port_key),
			   offsetof(struct ward_pf_port_key, slot), slot);
	}
	dp_pf_free(dp, slot);
	s->known = true;
}

void dp_pf_free(struct dataplane *dp, __u32 slot)
{
	struct dp_pf_slot *s = &dp->pf[slot & 1];

	free(s->src);
	free(s->port);
	memset(s, 0, sizeof(*s));
}
