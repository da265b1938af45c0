// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_link.c: the links ward runs on: which ones the
 * policy names, attaching and forgetting them one at a time or all
 * together, and the fast path's share of them (see dataplane.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "dataplane_int.h"
#include "log.h"
#include "dataplane_nat.h"

static const char *want_name(enum pol_mode m)
{
	return m == POL_MODE_TC ? "tc" : m == POL_MODE_XDP ? "xdp" : "auto";
}

static struct dp_link *find_link(struct dp_link *v, size_t n, int ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ifindex == ifindex)
			return &v[i];
	return NULL;
}

/*
 * May the fast path redirect to and from this link? fast_path: auto says
 * yes only when the policy translates (nat:): a gateway without it may
 * have netfilter rules of its own (a container runtime's masquerade) that
 * a redirect would go around. Never for XDP on a veth: it may see frames
 * of a local sender whose TCP/UDP checksum is only the pseudo header's
 * (CHECKSUM_PARTIAL), and a redirect would send them on unfinished.
 */
bool dp_fast_path_wanted(const struct dataplane *dp, const struct dp_link *l)
{
	if (l->fast_path != POL_FAST_AUTO)
		return l->fast_path == POL_FAST_ON;
	return dp->nat_on &&
	       !((l->mode == WARD_MODE_XDP_NATIVE || l->mode == WARD_MODE_XDP_GENERIC) &&
		 dp_link_is_virtual(l->name));
}

/*
 * Attaches one link in the mode it wants, in place of was (what ward had
 * on the same ifindex, or NULL). On error what was there keeps enforcing.
 * A link deleted under our feet is no error worth a warning: -ENODEV,
 * logged at debug level, and the caller forgets it.
 */
static int link_attach(struct dataplane *dp, struct dp_link *l, const struct dp_link *was)
{
	int ifd = bpf_map__fd(dp->skel->maps.ward_ifaces);
	struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };
	const char *why = NULL;
	int err;

	l->mode = WARD_MODE_NONE;
	err = dp_hook_attach(dp, l, &why);
	if (!err) {
		/* Egress on every link, whatever the ingress hook: the host's own
		 * flows open there, so their replies are let in. */
		err = dp_tc_attach(l->ifindex, BPF_TC_EGRESS, dp->skel->progs.ward_tc_egress, &why);
		if (err && !dp_link_gone(l->ifindex)) {
			pr_warn("%s: cannot attach egress tracking: %s; replies to this "
				"host's own connections will meet the rules\n", l->name,
				why ? why : strerror(-err));
			err = 0;
		}
	}
	if (err && dp_link_gone(l->ifindex)) {
		pr_debug("%s: gone before it could be attached\n", l->name);
		bpf_map_delete_elem(ifd, &k);
		return -ENODEV;
	}
	if (err) {
		pr_warn("%s: cannot attach in mode %s: %s\n", l->name, want_name(l->want),
			why ? why : strerror(-err));
		l->mode = WARD_MODE_NONE;
		/* The entry for a link without our program would exempt its
		 * forwarded traffic from egress tracking. */
		if (!was)
			bpf_map_delete_elem(ifd, &k);
		return err;
	}
	/* A changed hook: the new one is in place, now remove the old. */
	if (was && was->mode != l->mode)
		dp_hook_detach_ingress(l->ifindex, was->mode);
	if (!was || was->mode != l->mode)
		pr_info("%s: attached (%s)\n", l->name, dp_mode_name(l->mode));
	else if (strcmp(was->name, l->name))
		pr_info("%s: renamed %s, still attached (%s)\n", was->name, l->name,
			dp_mode_name(l->mode));
	/* The kernel's veth_xdp_flush() wakes the peer only when it has an
	 * XDP program: otherwise reject answers wait in its queue. */
	if ((!was || was->mode != l->mode) && l->mode == WARD_MODE_XDP_NATIVE &&
	    dp_link_is_virtual(l->name))
		pr_info("%s: native XDP on a virtual link: action reject's answers (XDP_TX) "
			"reach a veth peer only if it runs an XDP program too; mode tc has no "
			"such limit\n", l->name);
	l->info.mode = l->mode;
	bpf_map_update_elem(ifd, &k, &l->info, 0);
	dp_nat_port(dp, l->ifindex, dp_fast_path_wanted(dp, l));
	return 0;
}

/* Forgets dp->links[i]; with detach, removes our programs from it first. */
static void link_drop(struct dataplane *dp, size_t i, bool detach)
{
	struct dp_link *l = &dp->links[i];
	struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };

	if (detach && !dp_link_gone(l->ifindex)) {
		dp_hook_detach(l->ifindex, l->mode);
		pr_info("%s: detached (%s)\n", l->name, dp_mode_name(l->mode));
	} else {
		/* Deleted: its programs and qdiscs went with it. */
		pr_info("%s: deleted, forgotten (%s)\n", l->name, dp_mode_name(l->mode));
	}
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ifaces), &k);
	dp_nat_port(dp, l->ifindex, false);
	memmove(l, l + 1, (dp->n_links - i - 1) * sizeof(*l));
	dp->n_links--;
}

int dp_attach(struct dataplane *dp, struct dp_link *want, size_t n_want)
{
	struct dp_link *now;
	size_t i, n_now = 0;
	int failed = 0;

	now = calloc(n_want + 1, sizeof(*now));
	if (!now)
		return -ENOMEM;
	for (i = 0; i < n_want; i++) {
		struct dp_link *l = &want[i], *was = find_link(dp->links, dp->n_links, l->ifindex);
		int err;

		err = link_attach(dp, l, was);
		if (err == -ENODEV)
			continue;
		if (err) {
			failed++;
			if (was)
				now[n_now++] = *was;
			continue;
		}
		now[n_now++] = *l;
	}
	/* What is no longer wanted: swap the lists, then drop the rest. */
	i = 0;
	while (i < dp->n_links) {
		if (find_link(now, n_now, dp->links[i].ifindex))
			i++;
		else
			link_drop(dp, i, true);
	}
	free(dp->links);
	dp->links = now;
	dp->n_links = n_now;
	return failed;
}

int dp_link_attach(struct dataplane *dp, struct dp_link *l)
{
	struct dp_link *was = find_link(dp->links, dp->n_links, l->ifindex), *nl;
	int err;

	err = link_attach(dp, l, was);
	if (err) {
		if (err == -ENODEV && was)
			link_drop(dp, was - dp->links, false);
		return err;
	}
	if (was) {
		*was = *l;
		return 0;
	}
	nl = realloc(dp->links, (dp->n_links + 1) * sizeof(*nl));
	if (!nl) {
		/* Unknown to us, the program would never be removed. */
		struct ward_iface_key k = { .ifindex = l->ifindex, .slot = dp->active_slot };

		dp_hook_detach(l->ifindex, l->mode);
		bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ifaces), &k);
		return -ENOMEM;
	}
	dp->links = nl;
	dp->links[dp->n_links++] = *l;
	return 0;
}

void dp_link_forget(struct dataplane *dp, int ifindex, bool detach)
{
	struct dp_link *l = find_link(dp->links, dp->n_links, ifindex);

	if (l)
		link_drop(dp, l - dp->links, detach);
}

/*
 * A link that moved to another namespace keeps its XDP program: only its
 * qdiscs, and our tc filters with them, do not survive the move. ward
 * cannot reach into that namespace by ifindex (RTM_SETLINK's
 * IFLA_TARGET_NETNSID means "move to", not "look up in"), so it says so.
 * XXX: attaching XDP through a pinned bpf_link per link would let ward
 * remove its program wherever the link went.
 */
void dp_link_moved(struct dataplane *dp, int ifindex)
{
	struct dp_link *l = find_link(dp->links, dp->n_links, ifindex);
	struct ward_iface_key k = { .ifindex = ifindex, .slot = dp->active_slot };

	if (!l)
		return;
	if (l->mode == WARD_MODE_XDP_NATIVE || l->mode == WARD_MODE_XDP_GENERIC)
		pr_warn("%s: moved to another namespace; ward's XDP program went along "
			"and stays there, out of ward's reach\n", l->name);
	else
		pr_info("%s: moved to another namespace, forgotten (%s)\n", l->name,
			dp_mode_name(l->mode));
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ifaces), &k);
	dp_nat_port(dp, ifindex, false);
	memmove(l, l + 1, (dp->n_links - (l - dp->links) - 1) * sizeof(*l));
	dp->n_links--;
}

const struct dp_link *dp_link_find(const struct dataplane *dp, int ifindex)
{
	return find_link(dp->links, dp->n_links, ifindex);
}

void dp_print_links(const struct dataplane *dp, FILE *f)
{
	size_t i;

	for (i = 0; i < dp->n_links; i++)
		fprintf(f, "link %-15s ifindex %d mode %s\n", dp->links[i].name,
			dp->links[i].ifindex, dp_mode_name(dp->links[i].mode));
	fprintf(f, "links %zu\n", dp->n_links);
}

bool dp_link_match(const struct compiled *c, const struct pol_policy *pol,
		   int ifindex, const char *name, struct dp_link *out)
{
	struct ward_iface info;
	const struct pol_iface *pi;

	/* Loopback never: nothing on it comes from a network. */
	if (!strcmp(name, "lo"))
		return false;
	pi = compiled_iface(c, pol, name, &info);
	if (!pi)
		return false;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->want = pi->mode;
	out->fast_path = pi->fast_path;
	out->info = info;
	return true;
}

int dp_scan_links(const struct compiled *c, const struct pol_policy *pol,
		  struct dp_link **out, size_t *n_out)
{
	struct if_nameindex *ifs, *it;
	struct dp_link *v = NULL, l;
	size_t n = 0;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++) {
		struct dp_link *nv;

		if (!dp_link_match(c, pol, it->if_index, it->if_name, &l))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			if_freenameindex(ifs);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = l;
	}
	if_freenameindex(ifs);
	*out = v;
	*n_out = n;
	return 0;
}
