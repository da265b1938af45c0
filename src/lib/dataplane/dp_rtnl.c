// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_rtnl.c: what the kernel says about one link:
 * rtnetlink queries (its XDP program, its ingress qdisc), whether it is
 * virtual or gone, whether a program is ours (see dataplane_int.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "dataplane.h"
#include "dataplane_int.h"

/* Virtual links (veth, bridge, tun, dummy...) have no device behind them in
 * sysfs; on those XDP costs TSO and tc is the better hook. */
bool dp_link_is_virtual(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	return stat(path, &st) != 0;
}

/*
 * Has the link of this index left the namespace? Then an attach that just
 * failed on it is no news: links come and go, and the RTM_DELLINK that says
 * so is on its way to the discovery socket. The kernel numbers links
 * cyclically, so the index does not name another link meanwhile.
 */
bool dp_link_gone(int ifindex)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		return false;
	return errno == ENXIO || errno == ENODEV;
}

/* Is this program one of ours (this or an earlier load)? */
bool dp_prog_is_ours(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	bool ours;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, "ward_xdp_ingres", sizeof(info.name));
	close(fd);
	return ours;
}

/*
 * One rtnetlink request about one link, one answer, no dump. libbpf's
 * bpf_xdp_query() dumps every link of the namespace to find one, which
 * makes each attach cost O(links): too much when containers come and go by
 * the hundred. 0 with the answer in buf, or -errno (the kernel's). The
 * timeout is a guard: a request the kernel does not answer (a tc get
 * without NLM_F_ECHO) must not hang the daemon.
 */
static int rtnl_ask(void *req, __u32 len, char *buf, size_t size)
{
	struct timeval tv = { .tv_sec = 2 };
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;
	int fd, err = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, len, 0) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, buf, size, MSG_TRUNC);
	if (n < 0)
		err = -errno;
	else if ((size_t)n > size)
		err = -EMSGSIZE;
	else if (!NLMSG_OK(nh, (size_t)n))
		err = -EBADMSG;
	else if (nh->nlmsg_type == NLMSG_ERROR)
		err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;	/* 0: an ack */
out:
	close(fd);
	return err;
}

static struct rtattr *rta_find(struct rtattr *rta, int len, unsigned short type)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if ((rta->rta_type & NLA_TYPE_MASK) == type)
			return rta;
	return NULL;
}

/* The id of the XDP program attached to a link in one mode (0: none). */
int dp_xdp_prog_id(int ifindex, __u32 flags, __u32 *id)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = ifindex,
	};
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *xdp, *a;
	int err;

	*id = 0;
	err = rtnl_ask(&req, req.nh.nlmsg_len, buf, sizeof(buf));
	if (err)
		return err;
	if (nh->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	xdp = rta_find(IFLA_RTA(NLMSG_DATA(nh)), IFLA_PAYLOAD(nh), IFLA_XDP);
	if (!xdp)
		return 0;
	a = rta_find(RTA_DATA(xdp), RTA_PAYLOAD(xdp), flags & XDP_FLAGS_DRV_MODE ?
		     IFLA_XDP_DRV_PROG_ID : IFLA_XDP_SKB_PROG_ID);
	if (a && RTA_PAYLOAD(a) >= sizeof(__u32))
		*id = *(__u32 *)RTA_DATA(a);
	return 0;
}

/* Is the XDP program on this link one of ours? */
bool dp_xdp_is_ours(int ifindex, __u32 flags)
{
	__u32 id;

	return !dp_xdp_prog_id(ifindex, flags, &id) && id && dp_prog_is_ours(id);
}

/*
 * The kind of the qdisc on a link's ingress side ("clsact", "ingress"), or
 * "" when there is none. Asked over rtnetlink ourselves for two reasons:
 * creating clsact blindly makes libbpf log the kernel's EEXIST as a warning
 * on every re-attach; and a plain ingress qdisc (tc qdisc add dev X ingress)
 * must be told apart from clsact: it takes filters for any parent minor and
 * runs them all on ingress, so our egress filter, with the same handle and
 * priority, would silently replace the ingress one.
 */
int dp_tc_ingress_kind(int ifindex, char *kind, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		.nh.nlmsg_type = RTM_GETQDISC,
		/* The kernel answers a tc get only to the tc multicast group,
		 * and to the asker only with NLM_F_ECHO. */
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ECHO,
		.tc.tcm_family = AF_UNSPEC,
		.tc.tcm_ifindex = ifindex,
		.tc.tcm_parent = TC_H_INGRESS,
	};
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *a;
	int err;

	kind[0] = '\0';
	err = rtnl_ask(&req, req.nh.nlmsg_len, buf, sizeof(buf));
	/* ENOENT: no ingress queue yet; EINVAL: the built-in noop qdisc
	 * holds its place (clsact was there and was removed). */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return err;
	if (nh->nlmsg_type != RTM_NEWQDISC)
		return -EBADMSG;
	a = rta_find((struct rtattr *)((char *)NLMSG_DATA(nh) +
				       NLMSG_ALIGN(sizeof(struct tcmsg))),
		     nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct tcmsg)), TCA_KIND);
	if (a)
		snprintf(kind, len, "%.*s", (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
	return 0;
}
