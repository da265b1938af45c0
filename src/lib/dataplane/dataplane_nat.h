/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dataplane_nat.h: the NAT and fast-path maps
 * (dataplane_nat.c). Used by the rest of src/lib/dataplane/ and the daemon.
 */
#ifndef WARD_DATAPLANE_NAT_H
#define WARD_DATAPLANE_NAT_H

#include <stdbool.h>
#include "dataplane.h"

/* Before load: the bindings map follows the flow table's size. */
void dp_nat_size(struct dataplane *dp);

/* Writes c's NAT rules into a policy slot; 0 or -errno. */
int dp_nat_commit(struct dataplane *dp, const struct compiled *c, __u32 slot);

/* Adds or removes a link the fast path may redirect to. */
void dp_nat_port(struct dataplane *dp, int ifindex, bool add);

/* Removes the binding of the flow of key k, if it has one. */
void dp_nat_forget(struct dataplane *dp, const struct ward_ct_key *k);

/* Removes up to budget entries' worth of bindings whose flow is gone
 * (a flush, a crash between the two halves); returns how many went. */
size_t dp_nat_sweep(struct dataplane *dp, size_t budget);

/* Live bindings (ward_nat_bindings): a walk of the map. */
size_t dp_nat_count(struct dataplane *dp);

#endif /* WARD_DATAPLANE_NAT_H */
