/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dataplane_int.h: what the files of src/lib/dataplane/
 * share and nothing else may use: the link queries (dp_rtnl.c), the hooks
 * (dp_hook.c) and the fast path's answer for a link (dp_link.c).
 */
#ifndef WARD_DATAPLANE_INT_H
#define WARD_DATAPLANE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "dataplane.h"

/* dp_rtnl.c: one link, asked one question at a time. */

/* Virtual links (veth, bridge...): XDP costs them TSO, tc is better there. */
bool dp_link_is_virtual(const char *name);
/* The link of this index has left the namespace. */
bool dp_link_gone(int ifindex);
/* The program of this id is ours (this or an earlier load). */
bool dp_prog_is_ours(__u32 id);
/* The id of the XDP program on a link in the mode of flags (0: none). */
int dp_xdp_prog_id(int ifindex, __u32 flags, __u32 *id);
bool dp_xdp_is_ours(int ifindex, __u32 flags);
/* The kind of the link's ingress qdisc ("clsact", "ingress", "": none). */
int dp_tc_ingress_kind(int ifindex, char *kind, size_t len);

/* dp_hook.c: our programs on a link's hooks. why, if set, says in words
 * why an attach was refused. */

/* Attaches l's ingress hook in the mode it wants; sets l->mode. */
int dp_hook_attach(struct dataplane *dp, struct dp_link *l, const char **why);
/* Our tc filter on one side of the link (replaced in place if there). */
int dp_tc_attach(int ifindex, enum bpf_tc_attach_point where, struct bpf_program *prog,
		 const char **why);
/* Removes our ingress program of a mode; the egress filter stays. */
void dp_hook_detach_ingress(int ifindex, int mode);
/* Removes all of ours from the link: ingress and egress. */
void dp_hook_detach(int ifindex, int mode);

/* dp_link.c: may the fast path redirect to and from this link? */
bool dp_fast_path_wanted(const struct dataplane *dp, const struct dp_link *l);

/* dp_prefilter.c: a slot's prefilter entries (stat: the rules' stat
 * indices, by rule). dp_pf_write: 0 or -errno. dp_pf_free: forget the
 * keys kept (dp_close). */
#define ENOTSUPP_	524	/* the kernel's ENOTSUPP, not in userspace errno.h */
int dp_pf_write(struct dataplane *dp, const struct compiled *c, const __u32 *stat, __u32 slot);
void dp_pf_clear(struct dataplane *dp, __u32 slot);
void dp_pf_free(struct dataplane *dp, __u32 slot);

#endif /* WARD_DATAPLANE_INT_H */
