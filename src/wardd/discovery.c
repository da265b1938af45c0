// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/discovery.c: see discovery.h.
 *
 * An RTM_NEWLINK only says which link to look at again. What is done is
 * decided from what the link is now (its name today, found by ifindex),
 * never from what the message said: by the time we read it, the link may
 * have been renamed, deleted, or deleted and made again under the same
 * name with another ifindex. Looking at the present makes a stale message
 * harmless, and a lost one (the socket overran) is made up for by a full
 * rescan.
 *
 * An RTM_DELLINK is taken at its word: the ifindex is gone from the
 * namespace, deleted (our programs went with it) or moved to another one
 * (see dp_link_moved). Nothing is ever looked up by name.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "discovery.h"
#include "log.h"
#include "wardd.h"

/*
 * Room for a burst of some 6000 link events (the kernel doubles the size
 * asked, and a veth's RTM_NEWLINK takes about 2.7 KiB of it; a veth pair
 * that comes and goes makes 4 to 8) before the kernel drops some; then we
 * rescan. Root may go past net.core.rmem_max with SO_RCVBUFFORCE.
 */
#define DISC_RCVBUF	(8 << 20)
/* Datagrams read per wakeup: the loop serves its other modules between. */
#define DISC_BUDGET	256

/*
 * A link the policy names but that refused its mode (a foreign XDP program,
 * a plain ingress qdisc...). It was warned about once; it is not retried
 * on each of its up/down events, only after a rename, a re-creation or a
 * SIGHUP (the reload retries every link).
 */
struct disc_refused {
	int	ifindex;
	char	name[IF_NAMESIZE];
};

static struct {
	struct wardd *w;
	int	fd;
	struct disc_refused *refused;
	size_t	n_refused;
	unsigned long events;
	unsigned long rescans;
	/* One datagram: an RTM_NEWLINK is 1 to 3 KiB (more with SR-IOV VFs). */
	char	buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
} disc = { .fd = -1 };

static struct disc_refused *refused_find(int ifindex)
{
	size_t i;

	for (i = 0; i < disc.n_refused; i++)
		if (disc.refused[i].ifindex == ifindex)
			return &disc.refused[i];
	return NULL;
}

static void refused_del(int ifindex)
{
	struct disc_refused *r = refused_find(ifindex);

	if (r)
		*r = disc.refused[--disc.n_refused];
}

static void refused_add(int ifindex, const char *name)
{
	struct disc_refused *r;

	r = realloc(disc.refused, (disc.n_refused + 1) * sizeof(*r));
	if (!r)
		return;		/* then it is retried, and warned about, again */
	disc.refused = r;
	r = &disc.refused[disc.n_refused++];
	r->ifindex = ifindex;
	snprintf(r->name, sizeof(r->name), "%s", name);
}

/* Brings one link in line with the policy, from what the link is now. */
static void disc_check(struct wardd *w, int ifindex)
{
	const struct dp_link *cur = dp_link_find(&w->dp, ifindex);
	struct disc_refused *r;
	char name[IF_NAMESIZE];
	struct dp_link l;
	int err;

	if (!if_indextoname(ifindex, name)) {
		if (errno != ENXIO && errno != ENODEV) {
			pr_warn("link %d: cannot read its name: %s\n", ifindex, strerror(errno));
			return;
		}
		/* Gone already: its RTM_DELLINK is next in the queue. */
		pr_debug("link %d: gone before it could be looked at\n", ifindex);
		refused_del(ifindex);
		if (cur)
			dp_link_forget(&w->dp, ifindex, false);
		return;
	}
	r = refused_find(ifindex);
	if (r && (cur || strcmp(r->name, name))) {
		refused_del(ifindex);
		r = NULL;
	}
	if (!dp_link_match(&w->comp, &w->pol, ifindex, name, &l)) {
		/* Renamed out of the policy, or never in it. */
		refused_del(ifindex);
		if (cur)
			dp_link_forget(&w->dp, ifindex, true);
		return;
	}
	/* Up, down, carrier, MTU...: nothing that concerns the hook. */
	if (cur && !strcmp(cur->name, name) && cur->want == l.want &&
	    cur->info.in_if == l.info.in_if && cur->info.in_zone == l.info.in_zone)
		return;
	if (r)
		return;
	err = dp_link_attach(&w->dp, &l);
	if (err && err != -ENODEV)
		refused_add(ifindex, name);
}

/* An RTM_DELLINK for a link that moved away names where it went. */
static bool disc_moved(const struct nlmsghdr *nh)
{
	struct rtattr *rta = IFLA_RTA(NLMSG_DATA(nh));
	int len = IFLA_PAYLOAD(nh);

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_NEW_NETNSID)
			return true;
	return false;
}

static void disc_message(struct wardd *w, const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi;

	if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
		return;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	ifi = NLMSG_DATA(nh);
	/* AF_BRIDGE messages are about bridge ports; an RTM_DELLINK of that
	 * family is a port leaving its bridge, not a link going away. */
	if (ifi->ifi_family != AF_UNSPEC)
		return;
	disc.events++;
	if (nh->nlmsg_type == RTM_DELLINK) {
		/* Even if a link moved in from another namespace takes the
		 * same ifindex next, its RTM_NEWLINK comes after this. */
		refused_del(ifi->ifi_index);
		if (disc_moved(nh))
			dp_link_moved(&w->dp, ifi->ifi_index);
		else
			dp_link_forget(&w->dp, ifi->ifi_index, false);
		return;
	}
	disc_check(w, ifi->ifi_index);
}

/* Events were lost: look at everything again, re-attaching in place. */
static void disc_rescan(struct wardd *w, const char *why)
{
	int ret;

	disc.rescans++;
	pr_info("link events %s; rescanning the links\n", why);
	ret = wardd_sync_links(w);
	if (ret < 0)
		pr_warn("rescanning the links: %s\n", strerror(-ret));
}

static void disc_read(int fd, uint32_t events, void *arg)
{
	struct wardd *w = arg;
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = disc.buf, .iov_len = sizeof(disc.buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct nlmsghdr *nh;
	ssize_t n;
	int i;

	for (i = 0; i < DISC_BUDGET; i++) {
		msg.msg_name = &sa;
		msg.msg_namelen = sizeof(sa);
		n = recvmsg(fd, &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == ENOBUFS) {
				disc_rescan(w, "overran the socket buffer");
				continue;
			}
			pr_warn("reading link events: %s\n", strerror(errno));
			return;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			disc_rescan(w, "were truncated");
			continue;
		}
		/* Only the kernel sends to these groups; ignore anyone else. */
		if (sa.nl_pid != 0 || !w->have_policy)
			continue;
		for (nh = (struct nlmsghdr *)disc.buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n))
			disc_message(w, nh);
	}
}

/*
 * Called before the first scan: from the bind on, every change is queued
 * for us, and whatever the scan saw of it is merely looked at again.
 */
int discovery_start(struct wardd *w)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int size = DISC_RCVBUF, fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		err = -errno;
		goto err_log;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto err_close;
	}
	err = loop_add_fd(w->loop, fd, EPOLLIN, disc_read, w);
	if (err)
		goto err_close;
	disc.w = w;
	disc.fd = fd;
	return 0;

err_close:
	close(fd);
err_log:
	pr_warn("cannot listen for link events: %s\n", strerror(-err));
	return err;
}

void discovery_stop(struct wardd *w)
{
	if (disc.fd < 0)
		return;
	pr_debug("link discovery: %lu events, %lu rescans\n", disc.events, disc.rescans);
	loop_del_fd(w->loop, disc.fd);
	close(disc.fd);
	disc.fd = -1;
	free(disc.refused);
	disc.refused = NULL;
	disc.n_refused = 0;
}
