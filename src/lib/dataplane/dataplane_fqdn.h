/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dataplane_fqdn.h: the FQDN maps' share of a policy
 * commit (called by dp_commit() around the swap) and what the data plane has learned.
 */
#ifndef WARD_DATAPLANE_FQDN_H
#define WARD_DATAPLANE_FQDN_H

#include <linux/types.h>
#include "compile.h"

struct dataplane;

struct dp_fqdn_undo;

/*
 * Before the swap: ids[i] = the pinned id of c->fqdn.sets[i]; hdr's tuples
 * and the entries get those ids; patterns and resolvers of the new policy
 * are added to the live ones. *undo records what was changed, also when
 * it fails: the caller ends with dp_fqdn_abort() (the commit failed, here
 * or later) or dp_fqdn_undo_free() (the swap happened). 0 or -errno.
 */
int dp_fqdn_begin(struct dataplane *dp, const struct compiled *c, struct ward_policy_hdr *hdr,
		  struct cls_entry *entries, size_t n_entries, __u8 *ids,
		  struct dp_fqdn_undo **undo);

/* The commit failed: set ids, patterns, resolvers and ward_fqdn_conf back
 * to what they were before dp_fqdn_begin(); frees undo (NULL: nothing). */
void dp_fqdn_abort(struct dataplane *dp, struct dp_fqdn_undo *undo);
void dp_fqdn_undo_free(struct dp_fqdn_undo *undo);

/* After the swap: only the new policy's patterns and resolvers remain, and
 * the addresses of removed sets, or of sets whose names changed, go. */
void dp_fqdn_end(struct dataplane *dp, const struct compiled *c, const __u8 *ids);

/* Every live learned address: its set, family (WARD_FAM_*), address (4 or
 * 16 bytes), seconds left (TTL + grace) and the TTL the answer gave. */
typedef void (*dp_fqdn_cb)(const char *set, int family, const __u8 *addr, __u64 left_s,
			   __u32 ttl, void *arg);
int dp_fqdn_walk(struct dataplane *dp, dp_fqdn_cb cb, void *arg);

/* The name of a pinned set id; -ENOENT when no set has it. */
int dp_fqdn_set_name(struct dataplane *dp, unsigned int id, char *out, size_t len);

#endif /* WARD_DATAPLANE_FQDN_H */
