// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dp_prefilter.c: a policy slot's prefilter entries
 * (ward_pf_src, ward_pf_port; bpf/lib/prefilter.h), written with the rest
 * of the slot before the swap and cleared from the old slot after it, so
 * that the prefilter changes with the policy in the same single write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_int.h"

int dp_pf_write(struct dataplane *dp, const struct compiled *c, const __u32 *stat, __u32 slot)
{
	int sfd = bpf_map__fd(dp->skel->maps.ward_pf_src);
	int pfd = bpf_map__fd(dp->skel->maps.ward_pf_port);
	size_t i;

	for (i = 0; i < c->n_pf_src; i++) {
		struct ward_pf_src_key k = c->pf_src[i].key;
		struct ward_pf_val v = c->pf_src[i].val;

		k.slot = (__u8)slot;
		v.stat = stat[v.rule];
		if (bpf_map_update_elem(sfd, &k, &v, 0))
			return -errno;
	}
	for (i = 0; i < c->n_pf_port; i++) {
		struct ward_pf_port_key k = c->pf_port[i].key;
		struct ward_pf_val v = c->pf_port[i].val;

		k.slot = (__u8)slot;
		v.stat = stat[v.rule];
		if (bpf_map_update_elem(pfd, &k, &v, 0))
			return -errno;
	}
	return 0;
}

/* Deletes the keys of one slot from a map whose keys begin with slot_off
 * bytes before the slot byte. Keys are collected first: deleting while
 * walking would restart the walk. */
static void clear_map(int fd, size_t key_size, size_t slot_off, __u32 slot)
{
	unsigned char key[32], next[32], *keys = NULL, *nk;
	size_t n = 0, cap = 0, i;
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
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	free(keys);
}

void dp_pf_clear(struct dataplane *dp, __u32 slot)
{
	clear_map(bpf_map__fd(dp->skel->maps.ward_pf_src), sizeof(struct ward_pf_src_key),
		  offsetof(struct ward_pf_src_key, slot), slot);
	clear_map(bpf_map__fd(dp->skel->maps.ward_pf_port), sizeof(struct ward_pf_port_key),
		  offsetof(struct ward_pf_port_key, slot), slot);
}
