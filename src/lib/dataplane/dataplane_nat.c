// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/dataplane/dataplane_nat.c: the NAT and fast-path maps: a policy
 * slot's NAT rules, the links the fast path may redirect to, and the
 * bindings' upkeep (a binding goes with its flow; what a crash or a flush left
 * behind is swept).
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_nat.h"
#include "ct_sweep.h"
#include "log.h"

void dp_nat_size(struct dataplane *dp)
{
	/* Two entries a translated flow: as many bindings as flows. */
	bpf_map__set_max_entries(dp->skel->maps.ward_nat, 2 * dp->max_flows);
}

int dp_nat_commit(struct dataplane *dp, const struct compiled *c, __u32 slot)
{
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ward_nat_policy), &slot, &c->nat, 0))
		return -errno;
	return 0;
}

void dp_nat_port(struct dataplane *dp, int ifindex, bool add)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_tx_ports);
	__u32 k = (__u32)ifindex, v = (__u32)ifindex;

	if (!add) {
		bpf_map_delete_elem(fd, &k);
		return;
	}
	/* Without it the fast path leaves this link's traffic to the kernel. */
	if (bpf_map_update_elem(fd, &k, &v, 0))
		pr_info("ifindex %d: no fast path to it (%s)\n", ifindex, strerror(errno));
}

void dp_nat_forget(struct dataplane *dp, const struct ward_ct_key *k)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_nat);
	struct ward_nat_val v;

	if (bpf_map_lookup_elem(fd, k, &v) || v.dir)
		return;
	bpf_map_delete_elem(fd, &v.other);
	bpf_map_delete_elem(fd, k);
}

/* A binding entry whose flow is gone, or whose other half is not its own. */
static bool nat_orphan(struct dataplane *dp, const struct ward_ct_key *k,
		       const struct ward_nat_val *v)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_nat);
	struct ward_ct_val ct;
	struct ward_nat_val o;

	/* A flow that expired is gone too: removed here, its port is free
	 * again now rather than when the table walk reaches it. */
	if (v->dir == 0)
		return bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_ct), k, &ct) != 0 ||
		       dp_ct_expire_flow(dp, k);
	if (bpf_map_lookup_elem(fd, &v->other, &o))
		return true;
	return memcmp(&o.other, k, sizeof(*k)) != 0;
}

size_t dp_nat_sweep(struct dataplane *dp, size_t budget)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_nat);
	struct ward_ct_key next;
	struct ward_nat_val v;
	size_t seen = 0, gone = 0;

	while (seen < budget) {
		if (bpf_map_get_next_key(fd, dp->nat_cursor_valid ? &dp->nat_cursor : NULL,
					 &next)) {
			dp->nat_cursor_valid = false;
			break;
		}
		seen++;
		if (!bpf_map_lookup_elem(fd, &next, &v) && nat_orphan(dp, &next, &v)) {
			bpf_map_delete_elem(fd, &next);
			gone++;
			continue;
		}
		dp->nat_cursor = next;
		dp->nat_cursor_valid = true;
	}
	return gone;
}

size_t dp_nat_count(struct dataplane *dp)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_nat);
	struct ward_ct_key k, next;
	struct ward_nat_val v;
	size_t n = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		first = false;
		if (!bpf_map_lookup_elem(fd, &next, &v) && v.dir)
			n++;
		k = next;
	}
	return n;
}
