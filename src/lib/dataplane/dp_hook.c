// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_hook.c: our programs on one link's hooks: XDP
 * (native or generic) and tc (clsact ingress and egress), attached and
 * removed without touching another tool's (see dataplane_int.h). */
#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_int.h"
#include "log.h"

/* Our tc filter: fixed handle and priority, so that it is replaced in place
 * and only ever ours is removed. */
#define DP_TC_HANDLE	0x77617264	/* "ward" */
#define DP_TC_PRIO	0xc000

/*
 * Another tool's XDP program on a link the policy names is not ours to
 * replace: the link is refused (a per-link error) and that program stays.
 * Without XDP_FLAGS_UPDATE_IF_NOEXIST our own older program is replaced in
 * one step, so the link is never without one; with it, a program attached
 * by someone else between the query and the attach is not clobbered either.
 */
static int attach_xdp(struct dataplane *dp, struct dp_link *l, __u32 flags,
		      const char **why)
{
	int fd = bpf_program__fd(dp->skel->progs.ward_xdp_ingress);
	__u32 cur;
	int err;

	err = dp_xdp_prog_id(l->ifindex, flags, &cur);
	if (err)
		return err;
	if (cur && !dp_prog_is_ours(cur)) {
		*why = "another XDP program is attached there; ward leaves it alone";
		return -EBUSY;
	}
	err = bpf_xdp_attach(l->ifindex, fd, cur ? flags : flags | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err)
		return err;
	l->mode = flags & XDP_FLAGS_DRV_MODE ? WARD_MODE_XDP_NATIVE : WARD_MODE_XDP_GENERIC;
	return 0;
}

static void detach_xdp(int ifindex, int mode)
{
	__u32 flags = mode == WARD_MODE_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;

	if (dp_xdp_is_ours(ifindex, flags))
		bpf_xdp_detach(ifindex, flags, NULL);
}

/* Makes sure the link has a clsact qdisc for our filters. */
static int tc_hook_ready(int ifindex, const char **why)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	char kind[32];
	int err;

	err = dp_tc_ingress_kind(ifindex, kind, sizeof(kind));
	if (err)
		return err;
	if (!strcmp(kind, "clsact"))
		return 0;
	if (!strcmp(kind, "ingress")) {
		*why = "an ingress qdisc (not clsact) is in the way; ward leaves it alone";
		return -EBUSY;
	}
	err = bpf_tc_hook_create(&hook);
	return err == -EEXIST ? 0 : err;	/* made by someone else just now */
}

int dp_tc_attach(int ifindex, enum bpf_tc_attach_point where, struct bpf_program *prog,
		     const char **why)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO, .flags = BPF_TC_F_REPLACE,
			    .prog_fd = bpf_program__fd(prog));
	int err;

	err = tc_hook_ready(ifindex, why);
	if (err)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach(int ifindex, enum bpf_tc_attach_point where)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO);

	bpf_tc_detach(&hook, &opts);
}

static int attach_tc(struct dataplane *dp, struct dp_link *l, const char **why)
{
	int err = dp_tc_attach(l->ifindex, BPF_TC_INGRESS, dp->skel->progs.ward_tc_ingress, why);

	if (err)
		return err;
	l->mode = WARD_MODE_TC;
	return 0;
}

/* The ingress hook of a mode; the egress filter is handled on its own. */
void dp_hook_detach_ingress(int ifindex, int mode)
{
	if (mode == WARD_MODE_TC)
		tc_detach(ifindex, BPF_TC_INGRESS);
	else if (mode != WARD_MODE_NONE)
		detach_xdp(ifindex, mode);
}

void dp_hook_detach(int ifindex, int mode)
{
	dp_hook_detach_ingress(ifindex, mode);
	tc_detach(ifindex, BPF_TC_EGRESS);
}

/*
 * The hook for the mode asked. XDP offload (XDP_FLAGS_HW_MODE) is never
 * tried: the program uses maps and helpers that no offloading NIC runs.
 */
int dp_hook_attach(struct dataplane *dp, struct dp_link *l, const char **why)
{
	__u32 skb_id;
	int err;

	switch (l->want) {
	case POL_MODE_TC:
		return attach_tc(dp, l, why);
	case POL_MODE_XDP:
		/* Native XDP cannot join a generic program. Where one is (ours,
		 * after the driver refused native before, or another tool's),
		 * go straight to generic: ours is replaced there, another is
		 * refused, and no refusal is logged again on every reload. */
		err = dp_xdp_prog_id(l->ifindex, XDP_FLAGS_SKB_MODE, &skb_id);
		if (err)
			return err;
		if (skb_id)
			return attach_xdp(dp, l, XDP_FLAGS_SKB_MODE, why);
		err = attach_xdp(dp, l, XDP_FLAGS_DRV_MODE, why);
		if (err && err != -EBUSY && !dp_link_gone(l->ifindex)) {
			pr_info("%s: native XDP refused (%s), using generic XDP\n",
				l->name, strerror(-err));
			err = attach_xdp(dp, l, XDP_FLAGS_SKB_MODE, why);
		}
		return err;
	case POL_MODE_AUTO:
	default:
		if (dp_link_is_virtual(l->name))
			return attach_tc(dp, l, why);
		err = attach_xdp(dp, l, XDP_FLAGS_DRV_MODE, why);
		if (err && !dp_link_gone(l->ifindex)) {
			pr_info("%s: no native XDP (%s), using tc\n", l->name,
				*why ? *why : strerror(-err));
			*why = NULL;
			err = attach_tc(dp, l, why);
		}
		return err;
	}
}
