// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dataplane_fqdn.c: the FQDN part of a policy commit,
 * and reading what the data plane learned (dataplane_fqdn.h).
 *
 * Set ids are pinned (ward_fqdn_sets: id -> name and a digest of its
 * names), so that addresses learned under a set survive reloads and
 * restarts. A commit, around dp_commit()'s swap:
 *   before: give every set of the new policy its id (a new set a free one),
 *           add its patterns (as well as the live ones) and resolvers;
 *   after:  patterns and resolvers become exactly the new policy's, and the
 *           addresses of a set that is gone, or whose names changed, go.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_fqdn.h"
#include "fqdn.h"
#include "log.h"

struct fqdn_pat_entry {
	__u64	hash;
	struct ward_fqdn_pat pat;
};

/* A pattern entry as it was before the commit wrote it. */
struct fqdn_pat_undo {
	__u64	hash;
	bool	had;
	struct ward_fqdn_pat old;
};

struct dp_fqdn_undo {
	__u64	new_ids;			/* ids begin gave to new sets */
	struct fqdn_pat_undo *pats;
	size_t	n_pats;
	struct ward_fqdn_resolver *resolvers;	/* added, not there before */
	size_t	n_resolvers;
	bool	conf_saved;
	struct ward_fqdn_conf conf;
};

static int fd_of(struct dataplane *dp, struct bpf_map *m)
{
	(void)dp;
	return bpf_map__fd(m);
}

/* Every name of the policy, keyed as the data plane looks it up, with the
 * pinned ids as bits. -EEXIST on a hash collision between two names. */
static int build_patterns(const struct compiled *c, const __u8 *ids,
			  struct fqdn_pat_entry **out, size_t *n_out)
{
	struct fqdn_pat_entry *v = NULL;
	size_t n = 0, cap = 0, i, j, k;

	for (i = 0; i < c->fqdn.n_sets; i++) {
		const struct pol_fqdn_set *s = &c->fqdn.sets[i];

		for (j = 0; j < s->n; j++) {
			struct ward_fqdn_pat pat = {};
			const char *why;
			size_t len;
			bool wild;
			__u64 h;

			if (fqdn_to_wire(s->names[j], pat.name, &len, &wild, &why)) {
				pr_warn("fqdn_sets: %s: %s: %s\n", s->name, s->names[j], why);
				free(v);
				return -EINVAL;
			}
			pat.len = len;
			h = fqdn_hash(pat.name, len);
			for (k = 0; k < n; k++)
				if (v[k].hash == h)
					break;
			if (k == n) {
				if (n == cap) {
					struct fqdn_pat_entry *nv;

					cap = cap ? cap * 2 : 64;
					nv = realloc(v, cap * sizeof(*nv));
					if (!nv) {
						free(v);
						return -ENOMEM;
					}
					v = nv;
				}
				v[n].hash = h;
				v[n].pat = pat;
				n++;
			} else if (memcmp(v[k].pat.name, pat.name, sizeof(pat.name))) {
				pr_warn("fqdn_sets: %s: the hash of %s collides with another name\n",
					s->name, s->names[j]);
				free(v);
				return -EEXIST;
			}
			if (wild)
				v[k].pat.wild |= 1ULL << ids[i];
			else
				v[k].pat.exact |= 1ULL << ids[i];
		}
	}
	if (n > WARD_FQDN_PATS) {
		pr_warn("fqdn_sets: more than %d names in all\n", WARD_FQDN_PATS);
		free(v);
		return -E2BIG;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int read_set_names(struct dataplane *dp, struct ward_fqdn_set_name *names)
{
	int fd = fd_of(dp, dp->skel->maps.ward_fqdn_sets);
	__u32 id;

	for (id = 0; id < WARD_FQDN_SETS; id++)
		if (bpf_map_lookup_elem(fd, &id, &names[id]))
			return -errno;
	return 0;
}

static void resolver_key(const struct pol_cidr *a, struct ward_fqdn_resolver *k)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family == 4 ? WARD_FAM_V4 : WARD_FAM_V6;
	memcpy(k->addr, a->addr, a->family == 4 ? 4 : 16);
}

int dp_fqdn_begin(struct dataplane *dp, const struct compiled *c, struct ward_policy_hdr *hdr,
		  struct cls_entry *entries, size_t n_entries, __u8 *ids,
		  struct dp_fqdn_undo **undo)
{
	struct dp_fqdn_undo *u;
	struct ward_fqdn_set_name names[WARD_FQDN_SETS];
	struct fqdn_pat_entry *pats = NULL;
	struct ward_fqdn_conf conf = {}, old = {};
	int pfd = fd_of(dp, dp->skel->maps.ward_fqdn_pats);
	int sfd = fd_of(dp, dp->skel->maps.ward_fqdn_sets);
	bool claimed[WARD_FQDN_SETS] = {};
	size_t i, n_pats = 0;
	__u32 id, zero = 0;
	int err;

	u = calloc(1, sizeof(*u));
	*undo = u;
	if (!u)
		return -ENOMEM;
	err = read_set_names(dp, names);
	if (err)
		return err;
	/* Known sets keep their ids; new ones take an id no set holds. */
	for (i = 0; i < c->fqdn.n_sets; i++) {
		for (id = 0; id < WARD_FQDN_SETS; id++)
			if (!strcmp(names[id].name, c->fqdn.sets[i].name))
				break;
		if (id == WARD_FQDN_SETS)
			continue;
		ids[i] = id;
		claimed[id] = true;
	}
	for (i = 0; i < c->fqdn.n_sets; i++) {
		struct ward_fqdn_set_name nm = {};
		bool known = false;

		for (id = 0; id < WARD_FQDN_SETS; id++)
			if (claimed[id] && !strcmp(names[id].name, c->fqdn.sets[i].name))
				known = true;
		if (known)
			continue;
		for (id = 0; id < WARD_FQDN_SETS; id++)
			if (!claimed[id] && !names[id].name[0])
				break;
		if (id == WARD_FQDN_SETS) {
			pr_warn("fqdn_sets: no free set id (sets of the running policy hold them)\n");
			return -E2BIG;
		}
		ids[i] = id;
		claimed[id] = true;
		snprintf(nm.name, sizeof(nm.name), "%s", c->fqdn.sets[i].name);
		nm.digest = fqdn_set_digest(c->fqdn.sets[i].names, c->fqdn.sets[i].n);
		if (bpf_map_update_elem(sfd, &id, &nm, 0))
			return -errno;
		u->new_ids |= 1ULL << id;
	}

	for (i = 0; i < hdr->n_tuples; i++)
		if (hdr->tuples[i].fqdn)
			hdr->tuples[i].fqdn = ids[hdr->tuples[i].fqdn - 1] + 1;
	for (i = 0; i < n_entries; i++)
		if (hdr->tuples[entries[i].key.tuple].fqdn)
			entries[i].key.dst[0] = hdr->tuples[entries[i].key.tuple].fqdn;

	/* The live policy keeps its patterns until the swap: bits are added. */
	err = build_patterns(c, ids, &pats, &n_pats);
	if (err)
		return err;
	u->pats = calloc(n_pats ? n_pats : 1, sizeof(*u->pats));
	u->resolvers = calloc(c->fqdn.n_resolvers ? c->fqdn.n_resolvers : 1,
			      sizeof(*u->resolvers));
	if (!u->pats || !u->resolvers) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n_pats; i++) {
		struct fqdn_pat_undo *pu = &u->pats[u->n_pats];
		struct ward_fqdn_pat cur;

		pu->hash = pats[i].hash;
		pu->had = !bpf_map_lookup_elem(pfd, &pats[i].hash, &cur);
		if (pu->had)
			pu->old = cur;
		if (pu->had && !memcmp(cur.name, pats[i].pat.name, sizeof(cur.name))) {
			cur.exact |= pats[i].pat.exact;
			cur.wild |= pats[i].pat.wild;
		} else {
			cur = pats[i].pat;
		}
		if (bpf_map_update_elem(pfd, &pats[i].hash, &cur, 0)) {
			err = -errno;
			goto out;
		}
		u->n_pats++;
	}
	for (i = 0; i < c->fqdn.n_resolvers; i++) {
		int rfd = fd_of(dp, dp->skel->maps.ward_fqdn_resolvers);
		struct ward_fqdn_resolver k;
		__u32 one = 1, v;
		bool had;

		resolver_key(&c->fqdn.resolvers[i], &k);
		had = !bpf_map_lookup_elem(rfd, &k, &v);
		if (bpf_map_update_elem(rfd, &k, &one, 0)) {
			err = -errno;
			goto out;
		}
		if (!had)
			u->resolvers[u->n_resolvers++] = k;
	}
	bpf_map_lookup_elem(fd_of(dp, dp->skel->maps.ward_fqdn_conf), &zero, &old);
	u->conf = old;
	u->conf_saved = true;
	conf.enabled = old.enabled || c->fqdn.n_resolvers;
	conf.grace = c->fqdn.grace ? c->fqdn.grace : POL_FQDN_GRACE_DEFAULT;
	if (bpf_map_update_elem(fd_of(dp, dp->skel->maps.ward_fqdn_conf), &zero, &conf, 0))
		err = -errno;
out:
	free(pats);
	return err;
}

void dp_fqdn_abort(struct dataplane *dp, struct dp_fqdn_undo *u)
{
	int pfd = fd_of(dp, dp->skel->maps.ward_fqdn_pats);
	int sfd = fd_of(dp, dp->skel->maps.ward_fqdn_sets);
	int rfd = fd_of(dp, dp->skel->maps.ward_fqdn_resolvers);
	struct ward_fqdn_set_name empty = {};
	__u32 id, zero = 0;
	size_t i;
	bool ok = true;

	if (!u)
		return;
	if (u->conf_saved &&
	    bpf_map_update_elem(fd_of(dp, dp->skel->maps.ward_fqdn_conf), &zero, &u->conf, 0))
		ok = false;
	for (i = 0; i < u->n_resolvers; i++)
		if (bpf_map_delete_elem(rfd, &u->resolvers[i]) && errno != ENOENT)
			ok = false;
	for (i = u->n_pats; i-- > 0;) {
		struct fqdn_pat_undo *pu = &u->pats[i];

		if (pu->had ? bpf_map_update_elem(pfd, &pu->hash, &pu->old, 0) :
			      bpf_map_delete_elem(pfd, &pu->hash) && errno != ENOENT)
			ok = false;
	}
	for (id = 0; id < WARD_FQDN_SETS; id++)
		if ((u->new_ids & (1ULL << id)) && bpf_map_update_elem(sfd, &id, &empty, 0))
			ok = false;
	if (!ok)
		pr_warn("fqdn: undoing the failed commit's names and resolvers failed: %s; "
			"the next commit sets them right\n", strerror(errno));
	dp_fqdn_undo_free(u);
}

void dp_fqdn_undo_free(struct dp_fqdn_undo *u)
{
	if (!u)
		return;
	free(u->pats);
	free(u->resolvers);
	free(u);
}

/* Deletes the learned addresses of the sets in mask. */
static void drop_addresses(struct dataplane *dp, __u64 mask)
{
	int fd = fd_of(dp, dp->skel->maps.ward_fqdn_addrs);
	struct ward_fqdn_addr_key key, next, *prev = NULL;

	if (!mask)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (next.set < WARD_FQDN_SETS && (mask & (1ULL << next.set))) {
			/* The walk goes on from the key before (or the first). */
			bpf_map_delete_elem(fd, &next);
			continue;
		}
		key = next;
		prev = &key;
	}
}

void dp_fqdn_end(struct dataplane *dp, const struct compiled *c, const __u8 *ids)
{
	struct ward_fqdn_set_name names[WARD_FQDN_SETS];
	struct fqdn_pat_entry *pats = NULL;
	int pfd = fd_of(dp, dp->skel->maps.ward_fqdn_pats);
	int sfd = fd_of(dp, dp->skel->maps.ward_fqdn_sets);
	int rfd = fd_of(dp, dp->skel->maps.ward_fqdn_resolvers);
	struct ward_fqdn_conf conf = {};
	bool used[WARD_FQDN_SETS] = {};
	__u64 drop = 0, hk, *hprev = NULL, hkey;
	struct ward_fqdn_resolver rk, *rprev = NULL, rkey;
	size_t i, n_pats = 0;
	__u32 id, zero = 0;

	if (read_set_names(dp, names))
		return;
	for (i = 0; i < c->fqdn.n_sets; i++) {
		struct ward_fqdn_set_name *nm = &names[ids[i]];
		__u64 digest = fqdn_set_digest(c->fqdn.sets[i].names, c->fqdn.sets[i].n);

		used[ids[i]] = true;
		/* Its names changed: what it learned may no longer match. */
		if (nm->digest != digest) {
			drop |= 1ULL << ids[i];
			nm->digest = digest;
			id = ids[i];
			bpf_map_update_elem(sfd, &id, nm, 0);
		}
	}
	for (id = 0; id < WARD_FQDN_SETS; id++)
		if (names[id].name[0] && !used[id])
			drop |= 1ULL << id;

	/* Patterns: exactly the new policy's. */
	if (!build_patterns(c, ids, &pats, &n_pats)) {
		for (i = 0; i < n_pats; i++)
			bpf_map_update_elem(pfd, &pats[i].hash, &pats[i].pat, 0);
		while (!bpf_map_get_next_key(pfd, hprev, &hk)) {
			bool keep = false;

			for (i = 0; i < n_pats && !keep; i++)
				keep = pats[i].hash == hk;
			if (!keep) {
				bpf_map_delete_elem(pfd, &hk);
				continue;
			}
			hkey = hk;
			hprev = &hkey;
		}
		free(pats);
	}
	while (!bpf_map_get_next_key(rfd, rprev, &rk)) {
		bool keep = false;

		for (i = 0; i < c->fqdn.n_resolvers && !keep; i++) {
			struct ward_fqdn_resolver k;

			resolver_key(&c->fqdn.resolvers[i], &k);
			keep = !memcmp(&k, &rk, sizeof(k));
		}
		if (!keep) {
			bpf_map_delete_elem(rfd, &rk);
			continue;
		}
		rkey = rk;
		rprev = &rkey;
	}
	conf.enabled = c->fqdn.n_resolvers > 0;
	conf.grace = c->fqdn.grace ? c->fqdn.grace : POL_FQDN_GRACE_DEFAULT;
	bpf_map_update_elem(fd_of(dp, dp->skel->maps.ward_fqdn_conf), &zero, &conf, 0);

	drop_addresses(dp, drop);
	for (id = 0; id < WARD_FQDN_SETS; id++) {
		if (names[id].name[0] && !used[id]) {
			struct ward_fqdn_set_name none = {};

			pr_info("fqdn set %s removed: its learned addresses dropped\n",
				names[id].name);
			bpf_map_update_elem(sfd, &id, &none, 0);
		}
	}
}

/* CLOCK_MONOTONIC_COARSE: what bpf_ktime_get_coarse_ns() reads. */
static __u64 now_coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Learned addresses are read in batches: a scrape of a full map is a few
 * dozen syscalls, not 130,000 (a next-key and a lookup per entry). */
#define FQDN_WALK_BATCH	4096

int dp_fqdn_walk(struct dataplane *dp, dp_fqdn_cb cb, void *arg)
{
	struct ward_fqdn_set_name names[WARD_FQDN_SETS];
	int fd = fd_of(dp, dp->skel->maps.ward_fqdn_addrs);
	struct ward_fqdn_addr_key *keys;
	struct ward_fqdn_addr_val *vals;
	__u32 in = 0, out = 0, count, i;
	__u64 now = now_coarse();
	bool started = false;
	int err;

	err = read_set_names(dp, names);
	if (err)
		return err;
	keys = calloc(FQDN_WALK_BATCH, sizeof(*keys));
	vals = calloc(FQDN_WALK_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = FQDN_WALK_BATCH;
		err = bpf_map_lookup_batch(fd, started ? &in : NULL, &out, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		for (i = 0; i < count; i++) {
			const struct ward_fqdn_addr_key *k = &keys[i];

			if (k->set >= WARD_FQDN_SETS || !names[k->set].name[0] ||
			    vals[i].expires <= now)
				continue;
			cb(names[k->set].name, k->family, (const __u8 *)k->addr,
			   (vals[i].expires - now) / 1000000000ULL, vals[i].ttl, arg);
		}
		if (err) {		/* ENOENT: that was the last bucket */
			err = 0;
			break;
		}
		in = out;
		started = true;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int dp_fqdn_set_name(struct dataplane *dp, unsigned int id, char *out, size_t len)
{
	struct ward_fqdn_set_name v;
	__u32 key = id;

	if (id >= WARD_FQDN_SETS ||
	    bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_fqdn_sets), &key, &v) ||
	    !v.name[0])
		return -ENOENT;
	snprintf(out, len, "%s", v.name);
	return 0;
}
