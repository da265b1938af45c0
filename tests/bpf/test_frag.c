// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_frag.c: fragments and IPv6 neighbour discovery on the real
 * data plane (build/ward.bpf.o through its skeleton), with BPF_PROG_TEST_RUN.
 *
 * Fragments: a UDP datagram larger than the MTU passes to an allowed port
 * (its first fragment claims the whole datagram's UDP length), its later
 * fragments pass with it; those of a dropped first fragment are dropped
 * (frag_denied), even where an address-only rule would let them through;
 * a TCP fragment at offset 8 is dropped (bad_fragment, RFC 1858).
 *
 * Neighbour discovery passes under policy drop only as RFC 4861 sends it
 * (hop limit 255, no fragment header, to the link or to this host); every
 * other ICMPv6 133-137 packet is dropped and counted (nd_invalid).
 *
 * The rows run in order (a later fragment after its first), through
 * ward_xdp_ingress and then ward_tc_ingress, each hook with its own source
 * port and fragment ids. Each row checks the verdict and that its counter
 * moved by one, and no drop reason but the expected one.
 *
 * "To this host" is bpf_fib_lookup's answer: the test runs in a network
 * namespace of its own (unshare) with forwarding on and one veth link,
 *   wt-fa 2001:db8:5::1/64
 * so it touches nothing of the machine's. Needs root.
 * Usage: ward_frag_test [-v]
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "ward.skel.h"
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "log.h"
#include "pkt.h"
#include "test_assert.h"
#include "commit_yaml.h"
#include "test_main.h"
#include "test_run.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct dataplane dp;
static int link_ifindex;

/* udp/5001 is allowed, anything else dropped by the policy; 192.0.2.77
 * (2001:db8::77) may send anything but udp/53: an address-only rule that
 * would let a later fragment of its denied datagram through. */
static const char policy[] =
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - { name: dns-77, from: [192.0.2.77, \"2001:db8::77\"], proto: udp, port: 53,"
	" action: drop }\n"
	"  - { name: from-77, from: [192.0.2.77, \"2001:db8::77\"], action: accept }\n"
	"  - { name: udp5001, proto: udp, port: 5001, action: accept }\n";

struct frag_case {
	const char	*name;
	struct pkt_desc	d;
	bool		pass;
	int		counter;	/* WARD_CNT_*: moves by one */
};

/* A 3000-byte datagram (UDP length 3008) over a 1500-byte MTU. */
#define DGRAM_LEN	3008
#define V4_FIRST(port, id, ...)	{ .family = 4, .proto = P_UDP, .dport = (port), \
				  .frag_id = (id), .payload = 1472, .ip4_frag = IP4_MF, \
				  .patch = { PKT_UDP_LEN(DGRAM_LEN) }, __VA_ARGS__ }
#define V4_LATER(id, off, ...)	{ .family = 4, .proto = P_UDP, .frag_id = (id), \
				  .payload = 1000, .ip4_frag = IP4_MF | IP4_FRAG_OFF(off), \
				  __VA_ARGS__ }
#define V6_FIRST(port, id, ...)	{ .family = 6, .ext = "f", .proto = P_UDP, .dport = (port), \
				  .frag_id = (id), .payload = 1440, .ip6_frag = IP6_MF, \
				  .patch = { PKT_UDP_LEN(DGRAM_LEN) }, __VA_ARGS__ }
#define V6_LATER(id, off, ...)	{ .family = 6, .ext = "f", .proto = P_UDP, .frag_id = (id), \
				  .payload = 1000, .ip6_frag = IP6_MF | IP6_FRAG_OFF(off), \
				  __VA_ARGS__ }
/* ICMPv6 type t to an address, with a hop limit and more (ext, payload...). */
#define ND6(t, to, hops, ...)	{ .family = 6, .proto = P_ICMP6, .icmp_type = (t), \
				  .dst = (to), \
				  .patch = { PKT_IP6_HOPS(hops) }, __VA_ARGS__ }
#define PASSES(cnt)	.pass = true, .counter = WARD_CNT_##cnt
#define DROPPED(cnt)	.pass = false, .counter = WARD_CNT_DROP_##cnt

static const struct frag_case cases[] = {
	/* A datagram over the MTU, to an allowed port */
	{ "v4 first fragment of a 3000-byte datagram to udp/5001 passes",
	  V4_FIRST(5001, 0x100), PASSES(ACCEPT) },
	{ "v4 its middle fragment passes with it",
	  V4_LATER(0x100, 1480), PASSES(FRAG_PASS) },
	{ "v4 its last fragment passes with it",
	  { .family = 4, .proto = P_UDP, .frag_id = 0x100, .payload = 40,
	    .ip4_frag = IP4_FRAG_OFF(2960) }, PASSES(FRAG_PASS) },
	{ "v6 first fragment of a 3000-byte datagram to udp/5001 passes",
	  V6_FIRST(5001, 0x100), PASSES(ACCEPT) },
	{ "v6 its later fragment passes with it",
	  V6_LATER(0x100, 1448), PASSES(FRAG_PASS) },

	/* A datagram over the MTU, to a denied port */
	{ "v4 first fragment to udp/5002 is dropped by the policy",
	  V4_FIRST(5002, 0x101), DROPPED(POLICY) },
	{ "v4 its later fragment is dropped with it",
	  V4_LATER(0x101, 1480), DROPPED(FRAG_DENIED) },
	{ "v6 first fragment to udp/5002 is dropped by the policy",
	  V6_FIRST(5002, 0x101), DROPPED(POLICY) },
	{ "v6 its later fragment is dropped with it",
	  V6_LATER(0x101, 1448), DROPPED(FRAG_DENIED) },
	{ "v4 first fragment to udp/53 from .77 is dropped by its rule",
	  V4_FIRST(53, 0x102, .src = "192.0.2.77"), DROPPED(RULE) },
	{ "v4 its later fragment is dropped although from-77 matches it",
	  V4_LATER(0x102, 1480, .src = "192.0.2.77"), DROPPED(FRAG_DENIED) },
	{ "v6 first fragment to udp/53 from ::77 is dropped by its rule",
	  V6_FIRST(53, 0x102, .src = "2001:db8::77"), DROPPED(RULE) },
	{ "v6 its later fragment is dropped although from-77 matches it",
	  V6_LATER(0x102, 1448, .src = "2001:db8::77"), DROPPED(FRAG_DENIED) },
	{ "v4 a later fragment whose first was not seen: address rules decide",
	  V4_LATER(0x103, 1480, .src = "192.0.2.77"), PASSES(ACCEPT) },
	{ "v4 ...and without one, the policy",
	  V4_LATER(0x104, 1480), DROPPED(POLICY) },

	/* Lengths that lie, overlaps */
	{ "v4 first fragment claiming less UDP length than it holds: bad_l4",
	  { .family = 4, .proto = P_UDP, .dport = 5001, .frag_id = 0x105, .payload = 1472,
	    .ip4_frag = IP4_MF, .patch = { PKT_UDP_LEN(100) } }, DROPPED(BAD_L4) },
	{ "v4 unfragmented datagram claiming more than it holds: bad_l4",
	  { .family = 4, .proto = P_UDP, .dport = 5001, .payload = 1472,
	    .patch = { PKT_UDP_LEN(DGRAM_LEN) } }, DROPPED(BAD_L4) },
	{ "v6 unfragmented datagram claiming more than it holds: bad_l4",
	  { .family = 6, .proto = P_UDP, .dport = 5001, .payload = 1440,
	    .patch = { PKT_UDP_LEN(DGRAM_LEN) } }, DROPPED(BAD_L4) },
	{ "v4 TCP fragment at offset 8 (rewrites the flags, RFC 1858): bad_fragment",
	  { .family = 4, .src = "192.0.2.77", .proto = P_TCP, .dport = 22, .frag_id = 0x107,
	    .ip4_frag = IP4_MF | IP4_FRAG_OFF(8), .payload = 100 }, DROPPED(BAD_FRAGMENT) },
	{ "v6 TCP fragment at offset 8: bad_fragment",
	  { .family = 6, .src = "2001:db8::77", .ext = "f", .proto = P_TCP, .dport = 22,
	    .frag_id = 0x107, .ip6_frag = IP6_MF | IP6_FRAG_OFF(8), .payload = 100 },
	  DROPPED(BAD_FRAGMENT) },
	{ "v4 TCP fragment at offset 16 overlaps no flags: address rules decide",
	  { .family = 4, .src = "192.0.2.77", .proto = P_TCP, .dport = 22, .frag_id = 0x108,
	    .ip4_frag = IP4_MF | IP4_FRAG_OFF(16), .payload = 100 }, PASSES(ACCEPT) },
	{ "v4 UDP fragment at offset 8: no TCP flags to rewrite, address rules decide",
	  V4_LATER(0x109, 8, .src = "192.0.2.77"), PASSES(ACCEPT) },

	/* Neighbour discovery under policy drop */
	{ "NS, hop limit 255, to a solicited-node group: passes",
	  ND6(135, "ff02::1:ff00:2", 255, .payload = 16), PASSES(PASS_ND) },
	{ "RS, hop limit 255, to all routers: passes",
	  ND6(133, "ff02::2", 255, .payload = 16), PASSES(PASS_ND) },
	{ "NA, hop limit 255, to a link-local address: passes",
	  ND6(136, "fe80::2", 255, .payload = 16), PASSES(PASS_ND) },
	{ "NA, hop limit 255, to this host's global address: passes",
	  ND6(136, "2001:db8:5::1", 255, .payload = 16), PASSES(PASS_ND) },
	{ "NS behind hop-by-hop options, otherwise valid: passes",
	  ND6(135, "ff02::1:ff00:2", 255, .ext = "h", .payload = 16), PASSES(PASS_ND) },
	{ "NS, hop limit 64: nd_invalid",
	  ND6(135, "ff02::1:ff00:2", 64, .payload = 16), DROPPED(ND_INVALID) },
	{ "RA, hop limit 64, to all nodes: nd_invalid",
	  ND6(134, "ff02::1", 64, .payload = 16), DROPPED(ND_INVALID) },
	{ "redirect, hop limit 254: nd_invalid",
	  ND6(137, "fe80::2", 254, .payload = 32), DROPPED(ND_INVALID) },
	{ "NS, hop limit 255, to a host further on (forwarded): nd_invalid",
	  ND6(135, "2001:db8:5::99", 255, .payload = 16), DROPPED(ND_INVALID) },
	{ "NS, hop limit 64, to a host further on with 1000 bytes: nd_invalid",
	  ND6(135, "2001:db8:5::99", 64, .payload = 1000), DROPPED(ND_INVALID) },
	{ "NS as a first fragment: nd_invalid",
	  ND6(135, "ff02::1:ff00:2", 255, .ext = "f", .ip6_frag = IP6_MF, .payload = 16),
	  DROPPED(ND_INVALID) },
	{ "NS in an atomic fragment (RFC 6980): nd_invalid",
	  ND6(135, "ff02::1:ff00:2", 255, .ext = "f", .payload = 16), DROPPED(ND_INVALID) },
	{ "NS behind a routing header: nd_invalid",
	  ND6(135, "ff02::1:ff00:2", 255, .ext = "r", .payload = 16), DROPPED(ND_INVALID) },
	{ "ICMPv6 138 with hop limit 64 is no ND: the policy decides",
	  ND6(138, "2001:db8:5::99", 64, .payload = 16), DROPPED(POLICY) },
};

static __u64 drops(const __u64 *c)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < WARD_CNT_DROP_MAX; i++)
		n += c[i];
	return n;
}

static void run_case(const struct frag_case *c, bool xdp)
{
	struct bpf_program *prog = xdp ? dp.skel->progs.ward_xdp_ingress :
					 dp.skel->progs.ward_tc_ingress;
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	struct pkt_desc d = c->d;
	static struct pkt in;
	__u32 retval = 0;

	/* Each hook its own flows and datagrams: the rows replay in order. */
	d.sport = (__u16)(41000 + xdp);
	if (d.frag_id)
		d.frag_id += xdp ? 0x1000 : 0;
	test_start("%s: %s", xdp ? "xdp" : "tc", c->name);
	if (!ASSERT_OK(pkt_build(&d, &in), "pkt_build") ||
	    !ASSERT_OK(dp_read_counters(&dp, before), "counters") ||
	    !ASSERT_OK(test_run_frame(prog, xdp, link_ifindex, in.data, in.len, NULL, 0, NULL, 1,
				      &retval), "test_run") ||
	    !ASSERT_OK(dp_read_counters(&dp, after), "counters"))
		goto out;
	if (c->pass)
		ASSERT_EQ(retval, xdp ? XDP_PASS : TC_ACT_OK, "passed");
	else
		ASSERT_EQ(retval, xdp ? XDP_DROP : TC_ACT_SHOT, "dropped");
	CHECK_(after[c->counter] - before[c->counter] == 1, "counter %s moved by %llu, not 1",
	       dp_counter_name(c->counter),
	       (unsigned long long)(after[c->counter] - before[c->counter]));
	ASSERT_EQ(drops(after) - drops(before), c->pass ? 0 : 1, "drop reasons moved");
out:
	test_end();
}

/* ------------------------------------------------------------------ */
/* Setup */

static int sh(const char *cmd)
{
	int ret = system(cmd);

	if (ret)
		printf("frag: '%s' failed (%d)\n", cmd, ret);
	return ret;
}

static bool setup_netns(void)
{
	FILE *f;

	if (unshare(CLONE_NEWNET)) {
		printf("frag: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return false;
	}
	if (sh("ip link set lo up") ||
	    sh("ip link add wt-fa type veth peer name wt-fb") ||
	    sh("ip link set wt-fa up && ip link set wt-fb up") ||
	    sh("ip -6 addr add 2001:db8:5::1/64 dev wt-fa nodad"))
		return false;
	/* Off, the kernel forwards nothing and no ND is "further on". */
	f = fopen("/proc/sys/net/ipv6/conf/all/forwarding", "w");
	if (!f || fputs("1", f) < 0 || fclose(f)) {
		printf("frag: cannot enable IPv6 forwarding\n");
		return false;
	}
	link_ifindex = (int)if_nametoindex("wt-fa");
	return link_ifindex != 0;
}

int main(int argc, char **argv)
{
	int xdp;
	size_t i;

	if (test_args(argc, argv, "ward_frag_test", NULL))
		return 2;
	test_start("setup: a network namespace of its own, the policy");
	if (geteuid() != 0) {
		test_skip("needs root (unshare, BPF_PROG_TEST_RUN)");
	} else if (!CHECK_(setup_netns(), "network namespace")) {
		test_end();
	} else if (ASSERT_OK(dp_open(&dp, NULL, 0), "dp_open")) {
		if (!test_commit_yaml(&dp, policy)) {
			test_end();
			for (xdp = 1; xdp >= 0; xdp--)
				for (i = 0; i < ARRAY_SIZE(cases); i++)
					run_case(&cases[i], xdp);
		} else {
			test_end();
		}
		dp_close(&dp, false);
	} else {
		test_end();
	}
	printf("frag: %d passed, %d failed\n", test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
