// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_nat.c: NAT rewrites and their checksums, on the real
 * object through BPF_PROG_TEST_RUN: masquerade (TCP, UDP, ICMP echo), two
 * hosts with one source port, snat port exhaustion, a port forward, an ICMP
 * error about a translated flow (the quoted packet included), TTL 1, and
 * the fast path's redirect (MACs, TTL), and what must not pass: a port
 * forward's packet that opens no flow, a binding's reply tuple the wrong
 * way round, source NAT without a route; a reply with TTL 1 and the
 * gateway's own time exceeded about it. Every frame that comes out is
 * checked the way a receiver would: IPv4 header, TCP/UDP/ICMP checksums,
 * and those of the packet an ICMP error quotes.
 *
 * bpf_fib_lookup needs routes and neighbours: the test runs in a network
 * namespace of its own (unshare), with two veth links it makes there, so
 * it touches nothing of the machine's:
 *   wt-lan 192.168.1.1/24 (role lan), neighbour 192.168.1.10 02:00:00:00:00:0a
 *   wt-wan 203.0.113.1/24 (role wan), neighbour 203.0.113.2  02:00:00:00:00:02
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ward/abi.h"
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "dataplane_nat.h"
#include "log.h"
#include "ward.skel.h"
#include "test_assert.h"
#include "test_main.h"

#define XDP_DROP_	1
#define XDP_PASS_	2
#define XDP_REDIRECT_	4

#define LAN_HOST	"192.168.1.10"
#define LAN_HOST2	"192.168.1.11"
#define SNAT_HOST	"192.168.2.10"
#define GW_WAN		"203.0.113.1"
#define WAN_HOST	"203.0.113.2"
#define POOL		"203.0.113.99"

static struct dataplane dp;
static int if_lan, if_wan;

static const char policy[] =
	"interfaces:\n"
	"  - { match: wt-lan, role: lan }\n"
	"  - { match: wt-wan, role: wan }\n"
	"defaults: { policy: drop }\n"
	"rules:\n"
	"  - { name: lan-out, in: lan, action: accept }\n"
	"  - { name: web-in, in: wan, to: " LAN_HOST ", proto: tcp, port: 80, action: accept }\n"
	"nat:\n"
	"  masquerade:\n"
	"    - { out: wan, from: 192.168.1.0/24 }\n"
	"  snat:\n"
	"    - { out: wan, from: 192.168.2.0/24, to: " POOL ", ports: \"30000-30000\" }\n"
	"  port_forward:\n"
	"    - { in: wan, proto: tcp, port: 8080, to: \"" LAN_HOST ":80\" }\n";

/* ------------------------------------------------------------------ */
/* Frames: Ethernet + IPv4 + one L4 header, checksums complete */

struct frame {
	__u8	b[256];
	__u32	len;
};

#define L3	14

static __u16 csum_add(__u32 sum, const void *p, size_t len)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static __u16 csum(const void *p, size_t len)
{
	return (__u16)~csum_add(0, p, len);
}

/* The TCP/UDP checksum of an IPv4 packet at ip, over its pseudo header. */
static __u16 l4_csum(const __u8 *ip)
{
	__u32 ihl = (ip[0] & 15) * 4, tot = ip[2] << 8 | ip[3], l4len = tot - ihl;
	__u8 ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = (__u8)(l4len >> 8);
	ph[11] = (__u8)l4len;
	return (__u16)~csum_add(csum_add(0, ph, sizeof(ph)), ip + ihl, l4len);
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* IPv4 header at ip for l4len bytes of proto; the checksum filled in. */
static void ip_hdr(__u8 *ip, __u8 proto, const char *src, const char *dst, __u32 l4len, __u8 ttl)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (__u16)(20 + l4len));
	put16(ip + 4, 0x1234);
	ip[8] = ttl;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	put16(ip + 10, csum(ip, 20));
}

static void eth_hdr(struct frame *f)
{
	static const __u8 mac[12] = { 2, 0, 0, 0, 0, 0xfe, 2, 0, 0, 0, 0, 0xfd };

	memcpy(f->b, mac, 12);
	put16(f->b + 12, 0x0800);
}

static struct frame udp(const char *src, __u16 sport, const char *dst, __u16 dport, __u8 ttl)
{
	struct frame f = { .len = L3 + 20 + 8 + 4 };
	__u8 *ip = f.b + L3, *u = ip + 20;

	eth_hdr(&f);
	ip_hdr(ip, 17, src, dst, 12, ttl);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, 12);
	memcpy(u + 8, "ward", 4);
	put16(u + 6, l4_csum(ip));
	return f;
}

static struct frame tcp(const char *src, __u16 sport, const char *dst, __u16 dport, __u8 flags,
			__u32 seq, __u32 ack)
{
	struct frame f = { .len = L3 + 20 + 20 };
	__u8 *ip = f.b + L3, *t = ip + 20;

	eth_hdr(&f);
	ip_hdr(ip, 6, src, dst, 20, 64);
	put16(t, sport);
	put16(t + 2, dport);
	put16(t + 4, (__u16)(seq >> 16));
	put16(t + 6, (__u16)seq);
	put16(t + 8, (__u16)(ack >> 16));
	put16(t + 10, (__u16)ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	put16(t + 16, l4_csum(ip));
	return f;
}

static struct frame echo(const char *src, const char *dst, __u8 type, __u16 id)
{
	struct frame f = { .len = L3 + 20 + 8 + 8 };
	__u8 *ip = f.b + L3, *ic = ip + 20;

	eth_hdr(&f);
	ip_hdr(ip, 1, src, dst, 16, 64);
	ic[0] = type;
	put16(ic + 4, id);
	put16(ic + 6, 1);
	memcpy(ic + 8, "pingpong", 8);
	put16(ic + 2, csum(ic, 16));
	return f;
}

/* An ICMP error from src to dst quoting the whole IP packet of q. */
static struct frame icmp_err(const char *src, const char *dst, __u8 type, __u8 code,
			     const struct frame *q)
{
	__u32 qlen = q->len - L3;
	struct frame f = { .len = L3 + 20 + 8 + qlen };
	__u8 *ip = f.b + L3, *ic = ip + 20;

	eth_hdr(&f);
	ip_hdr(ip, 1, src, dst, 8 + qlen, 64);
	ic[0] = type;
	ic[1] = code;
	memcpy(ic + 8, q->b + L3, qlen);
	put16(ic + 2, csum(ic, 8 + qlen));
	return f;
}

/* Every checksum a receiver checks, and those of a quoted packet. */
static bool csums_ok(const __u8 *ip, __u32 len, const char *what)
{
	__u32 ihl = (ip[0] & 15) * 4, tot = get16(ip + 2);
	bool ok = true;

	ok &= ASSERT_EQ(csum(ip, ihl), 0, "IPv4 header checksum");
	if (tot > len) {
		ASSERT_LE(tot, len, "IPv4 total length within the frame");
		return false;
	}
	switch (ip[9]) {
	case 6:
		ok &= ASSERT_EQ(l4_csum(ip), 0, "TCP checksum");
		break;
	case 17:
		if (get16(ip + ihl + 6))
			ok &= ASSERT_EQ(l4_csum(ip), 0, "UDP checksum");
		break;
	case 1:
		ok &= ASSERT_EQ(csum(ip + ihl, tot - ihl), 0, "ICMP checksum");
		if (ip[ihl] == 3 || ip[ihl] == 11)
			ok &= csums_ok(ip + ihl + 8, tot - ihl - 8, what);
		break;
	}
	if (!ok)
		printf("  (in %s)\n", what);
	return ok;
}

static __u32 addr(const __u8 *p)
{
	__u32 a;

	memcpy(&a, p, 4);
	return a;
}

static __u32 ip4(const char *s)
{
	__u32 a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* ------------------------------------------------------------------ */
/* Running frames */

/* Runs prog over the frame with this context; the frame is rewritten in
 * place. Returns the program's verdict (0 when the run failed). */
static __u32 run(struct bpf_program *prog, void *ctx, __u32 ctx_size, struct frame *f)
{
	__u8 out[sizeof(f->b)];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = f->len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = ctx,
		    .ctx_size_in = ctx_size, .repeat = 1);

	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), "test run"))
		return 0;
	memcpy(f->b, out, opts.data_size_out);
	f->len = opts.data_size_out;
	return opts.retval;
}

/* XDP ingress on ifindex. */
static __u32 run_xdp(int ifindex, struct frame *f)
{
	struct xdp_md ctx = { .data = 0, .data_end = f->len, .ingress_ifindex = ifindex };

	return run(dp.skel->progs.ward_xdp_ingress, &ctx, sizeof(ctx), f);
}

/* tc egress of a packet the kernel forwarded from in_ifindex. */
static void run_egress(int in_ifindex, struct frame *f)
{
	struct __sk_buff ctx = { .ingress_ifindex = in_ifindex };

	ASSERT_EQ(run(dp.skel->progs.ward_tc_egress, &ctx, sizeof(ctx), f), 0,
		  "egress passes (TC_ACT_OK)");
}

static __u64 counter(int idx)
{
	__u64 c[WARD_CNT_MAX];

	if (dp_read_counters(&dp, c))
		return 0;
	return c[idx];
}

/* A LAN host's first packet out: passed to the kernel as it came, then
 * given the source half at the WAN link's egress. */
static void lan_first(struct frame *f, const char *what)
{
	__u8 before[sizeof(f->b)];

	memcpy(before, f->b, f->len);
	ASSERT_EQ(run_xdp(if_lan, f), XDP_PASS_, "first packet goes to the kernel");
	ASSERT_TRUE(!memcmp(before, f->b, f->len), "source untouched at ingress (a martian else)");
	run_egress(if_lan, f);
	ASSERT_EQ(addr(f->b + L3 + 12), ip4(GW_WAN), "source is the WAN link's address");
	csums_ok(f->b + L3, f->len - L3, what);
}

/* A reply into the LAN by the fast path: redirect, MACs, TTL - 1. */
static void wan_reply(struct frame *f, const char *to, const char *what)
{
	static const __u8 lan_mac[6] = { 2, 0, 0, 0, 0, 0x0a };
	__u8 ttl = f->b[L3 + 8];

	ASSERT_EQ(run_xdp(if_wan, f), XDP_REDIRECT_, "reply redirected (fast path)");
	ASSERT_EQ(addr(f->b + L3 + 16), ip4(to), "destination is the LAN host");
	ASSERT_EQ(f->b[L3 + 8], ttl - 1, "TTL decremented");
	ASSERT_TRUE(!memcmp(f->b, lan_mac, 6), "destination MAC from the neighbour table");
	csums_ok(f->b + L3, f->len - L3, what);
}

/* ------------------------------------------------------------------ */
/* Tests */

static void test_masq_udp(void)
{
	struct frame f, r, e;
	__u16 port;

	test_start("masquerade: UDP out, reply in, ICMP port unreachable in");
	f = udp(LAN_HOST, 5000, WAN_HOST, 7, 64);
	lan_first(&f, "UDP out");
	port = get16(f.b + L3 + 20);
	ASSERT_EQ(port, 5000, "a free source port is kept");

	r = udp(WAN_HOST, 7, GW_WAN, port, 64);
	wan_reply(&r, LAN_HOST, "UDP reply");
	ASSERT_EQ(get16(r.b + L3 + 22), 5000, "reply to the LAN host's port");

	f = udp(LAN_HOST, 5000, WAN_HOST, 7, 64);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_REDIRECT_, "next packet out by the fast path");
	ASSERT_EQ(addr(f.b + L3 + 12), ip4(GW_WAN), "translated at ingress on the fast path");
	csums_ok(f.b + L3, f.len - L3, "UDP out, fast path");

	/* The WAN host's port unreachable quotes what it got: the translated packet. */
	e = icmp_err(WAN_HOST, GW_WAN, 3, 3, &f);
	wan_reply(&e, LAN_HOST, "ICMP error");
	ASSERT_EQ(addr(e.b + L3 + 28 + 12), ip4(LAN_HOST), "quoted source is the LAN host");
	ASSERT_EQ(get16(e.b + L3 + 28 + 20), 5000, "quoted source port is the LAN host's");
	test_end();
}

static void test_same_port(void)
{
	struct frame f, r;
	__u16 port;

	test_start("masquerade: a second LAN host with the same source port");
	f = udp(LAN_HOST2, 5000, WAN_HOST, 7, 64);
	lan_first(&f, "second host out");
	port = get16(f.b + L3 + 20);
	ASSERT_NEQ(port, 5000, "another port for the second host");
	ASSERT_GE(port, 1024, "from the default range");
	r = udp(WAN_HOST, 7, GW_WAN, port, 64);
	ASSERT_EQ(run_xdp(if_wan, &r), XDP_PASS_, "reply (no neighbour for .11: the kernel)");
	ASSERT_EQ(addr(r.b + L3 + 16), ip4(LAN_HOST2), "reply to the second host");
	ASSERT_EQ(get16(r.b + L3 + 22), 5000, "at its own port");
	csums_ok(r.b + L3, r.len - L3, "reply to the second host");
	test_end();
}

static void test_masq_tcp(void)
{
	struct frame f, r;

	test_start("masquerade: TCP handshake");
	f = tcp(LAN_HOST, 6000, WAN_HOST, 80, 0x02, 1000, 0);
	lan_first(&f, "SYN");
	r = tcp(WAN_HOST, 80, GW_WAN, get16(f.b + L3 + 20), 0x12, 5000, 1001);
	wan_reply(&r, LAN_HOST, "SYN-ACK");
	ASSERT_EQ(get16(r.b + L3 + 22), 6000, "SYN-ACK to the LAN host's port");
	f = tcp(LAN_HOST, 6000, WAN_HOST, 80, 0x10, 1001, 5001);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_REDIRECT_, "ACK by the fast path");
	csums_ok(f.b + L3, f.len - L3, "ACK");
	test_end();
}

static void test_echo(void)
{
	struct frame f, r;
	__u16 id;

	test_start("masquerade: ICMP echo, identifiers of two hosts");
	f = echo(LAN_HOST, WAN_HOST, 8, 0x4242);
	lan_first(&f, "echo request");
	r = echo(WAN_HOST, GW_WAN, 0, get16(f.b + L3 + 24));
	wan_reply(&r, LAN_HOST, "echo reply");
	ASSERT_EQ(get16(r.b + L3 + 24), 0x4242, "reply carries the host's identifier");

	f = echo(LAN_HOST2, WAN_HOST, 8, 0x4242);
	lan_first(&f, "second host's echo request");
	id = get16(f.b + L3 + 24);
	ASSERT_NEQ(id, 0x4242, "the second host's identifier is translated");
	r = echo(WAN_HOST, GW_WAN, 0, id);
	ASSERT_EQ(run_xdp(if_wan, &r), XDP_PASS_, "reply to the second host");
	ASSERT_EQ(get16(r.b + L3 + 24), 0x4242, "its identifier restored");
	csums_ok(r.b + L3, r.len - L3, "second echo reply");
	test_end();
}

static void test_port_forward(void)
{
	struct frame f, r;

	test_start("port forward: tcp 8080 -> " LAN_HOST ":80, and its reply");
	f = tcp(WAN_HOST, 7000, GW_WAN, 8080, 0x02, 1, 0);
	ASSERT_EQ(run_xdp(if_wan, &f), XDP_PASS_, "first packet to the kernel");
	ASSERT_EQ(addr(f.b + L3 + 16), ip4(LAN_HOST), "destination is the server");
	ASSERT_EQ(get16(f.b + L3 + 22), 80, "at its port");
	ASSERT_EQ(addr(f.b + L3 + 12), ip4(WAN_HOST), "source kept");
	csums_ok(f.b + L3, f.len - L3, "forwarded SYN");
	r = tcp(LAN_HOST, 80, WAN_HOST, 7000, 0x12, 9000, 2);
	ASSERT_EQ(run_xdp(if_lan, &r), XDP_REDIRECT_, "reply by the fast path");
	ASSERT_EQ(addr(r.b + L3 + 12), ip4(GW_WAN), "reply comes from the WAN address");
	ASSERT_EQ(get16(r.b + L3 + 20), 8080, "and the forwarded port");
	csums_ok(r.b + L3, r.len - L3, "forwarded SYN-ACK");
	f = tcp(WAN_HOST, 7001, GW_WAN, 8081, 0x02, 1, 0);
	ASSERT_EQ(run_xdp(if_wan, &f), XDP_DROP_, "an unforwarded port is dropped");
	test_end();
}

static void test_exhausted(void)
{
	__u64 before = counter(WARD_CNT_DROP_NAT_EXHAUSTED);
	struct frame f;

	test_start("snat: a one-port range, the second flow is refused");
	f = udp(SNAT_HOST, 100, WAN_HOST, 7, 64);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_PASS_, "first flow");
	run_egress(if_lan, &f);
	ASSERT_EQ(addr(f.b + L3 + 12), ip4(POOL), "source is the pool address");
	ASSERT_EQ(get16(f.b + L3 + 20), 30000, "port from the range");
	csums_ok(f.b + L3, f.len - L3, "snat");
	f = udp(SNAT_HOST, 101, WAN_HOST, 7, 64);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_DROP_, "second flow dropped");
	ASSERT_EQ(counter(WARD_CNT_DROP_NAT_EXHAUSTED), before + 1, "nat_exhausted counted");
	test_end();
}

/* Runs on this CPU from here on: the xlate record is per-CPU, and the
 * tests below need the last packet's record to be the one the next sees. */
static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	ASSERT_OK(sched_setaffinity(0, sizeof(set), &set), "pinned to one CPU");
}

/* A reply translated to LAN_HOST2: leaves that host's address in this
 * CPU's record (xlate.dst), as any translated packet leaves its own. */
static void translate_to_host2(__u16 sport)
{
	struct frame f = udp(LAN_HOST2, sport, WAN_HOST, 7, 64), r;

	lan_first(&f, "second host out");
	r = udp(WAN_HOST, 7, GW_WAN, get16(f.b + L3 + 20), 64);
	ASSERT_EQ(run_xdp(if_wan, &r), XDP_PASS_, "reply to the second host");
	ASSERT_EQ(addr(r.b + L3 + 16), ip4(LAN_HOST2), "reply rewritten to the second host");
}

static void test_forward_noflow(void)
{
	static const struct { __u8 flags; const char *name; } pk[] = {
		{ 0x01, "FIN" }, { 0x11, "FIN|ACK" }, { 0x04, "RST" }, { 0x14, "RST|ACK" },
		{ 0x12, "SYN|ACK" }, { 0x00, "no flags" },
	};
	size_t i;

	test_start("port forward: a TCP packet that cannot open a flow goes nowhere else");
	pin_cpu();
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		__u64 before;
		struct frame f;
		__u32 v;

		translate_to_host2((__u16)(5200 + i));
		/* Without a flow, conntrack refuses them first (tcp_invalid). */
		before = counter(WARD_CNT_DROP_TCP_INVALID);
		f = tcp(WAN_HOST, (__u16)(7100 + i), GW_WAN, 8080, pk[i].flags, 1, 1);
		v = run_xdp(if_wan, &f);
		ASSERT_NEQ(addr(f.b + L3 + 16), ip4(LAN_HOST2), pk[i].name);
		ASSERT_EQ(v, XDP_DROP_, "dropped: no binding to translate it by");
		ASSERT_EQ(counter(WARD_CNT_DROP_TCP_INVALID), before + 1, "tcp_invalid counted");
	}
	test_end();
}

static void test_reply_direction(void)
{
	__u64 before;
	struct frame f, r;
	__u16 port;

	test_start("masquerade: the reply tuple the wrong way round is no reply");
	f = udp(LAN_HOST, 5300, WAN_HOST, 9, 64);
	lan_first(&f, "UDP out");
	port = get16(f.b + L3 + 20);

	before = counter(WARD_CNT_DROP_NAT_INVALID);
	r = udp(GW_WAN, port, WAN_HOST, 9, 64);
	ASSERT_EQ(run_xdp(if_wan, &r), XDP_DROP_, "from the public side, public -> remote: dropped");
	ASSERT_NEQ(addr(r.b + L3 + 16), ip4(LAN_HOST), "not rewritten to the LAN host");
	r = udp(GW_WAN, port, WAN_HOST, 9, 64);
	ASSERT_EQ(run_xdp(if_lan, &r), XDP_DROP_, "spoofed from the LAN: dropped");
	ASSERT_EQ(counter(WARD_CNT_DROP_NAT_INVALID), before + 2, "nat_invalid counted");

	f = echo(LAN_HOST, WAN_HOST, 8, 0x4343);
	lan_first(&f, "echo request");
	r = echo(WAN_HOST, GW_WAN, 8, get16(f.b + L3 + 24));
	ASSERT_EQ(run_xdp(if_wan, &r), XDP_DROP_, "an echo request with a binding's id: dropped");
	ASSERT_NEQ(addr(r.b + L3 + 16), ip4(LAN_HOST), "not sent into the LAN");

	r = udp(WAN_HOST, 9, GW_WAN, port, 64);
	wan_reply(&r, LAN_HOST, "the real reply");
	test_end();
}

static void test_no_route(void)
{
	__u64 before = counter(WARD_CNT_DROP_NAT_NO_ROUTE);
	size_t nb = dp_nat_count(&dp);
	struct frame f;

	test_start("masquerade: a route lookup that fails opens no untranslated flow");
	f = udp(LAN_HOST, 5400, "198.51.100.7", 53, 64);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_DROP_, "unreachable route: dropped");
	f = udp(LAN_HOST, 5401, "198.51.101.7", 53, 64);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_DROP_, "blackhole route: dropped");
	ASSERT_EQ(counter(WARD_CNT_DROP_NAT_NO_ROUTE), before + 2, "nat_no_route counted");
	ASSERT_EQ(dp_nat_count(&dp), nb, "no binding made");
	f = udp(LAN_HOST, 5402, GW_WAN, 53, 64);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_PASS_, "to the gateway itself: passed");
	test_end();
}

static void test_ttl_one(void)
{
	size_t before = dp_nat_count(&dp);
	struct frame f;
	__u8 in[sizeof(f.b)];

	test_start("TTL 1: left to the kernel untranslated, no binding");
	f = udp(LAN_HOST, 33434, WAN_HOST, 33434, 1);
	memcpy(in, f.b, f.len);
	ASSERT_EQ(run_xdp(if_lan, &f), XDP_PASS_, "passed to the kernel");
	ASSERT_TRUE(!memcmp(in, f.b, f.len), "untouched: its time exceeded goes to the host");
	ASSERT_EQ(dp_nat_count(&dp), before, "no binding made");
	test_end();
}

static void test_reply_ttl_one(void)
{
	struct frame f, r, e;
	__u16 port;

	test_start("masquerade: a reply with TTL 1 goes to the kernel translated, its error back");
	f = udp(LAN_HOST, 5500, WAN_HOST, 7, 64);
	lan_first(&f, "UDP out");
	port = get16(f.b + L3 + 20);
	r = udp(WAN_HOST, 7, GW_WAN, port, 1);
	ASSERT_EQ(run_xdp(if_wan, &r), XDP_PASS_, "to the kernel, which answers it");
	ASSERT_EQ(addr(r.b + L3 + 16), ip4(LAN_HOST), "for the LAN host: the kernel routes it there");
	ASSERT_EQ(get16(r.b + L3 + 22), 5500, "at its port");
	csums_ok(r.b + L3, r.len - L3, "TTL 1 reply");
	/* The kernel's time exceeded, made by the gateway (ingress_ifindex 0). */
	e = icmp_err(GW_WAN, WAN_HOST, 11, 0, &r);
	run_egress(0, &e);
	ASSERT_EQ(addr(e.b + L3 + 16), ip4(WAN_HOST), "the error goes to the sender");
	ASSERT_EQ(addr(e.b + L3 + 28 + 16), ip4(GW_WAN), "quoting the address it sent to");
	ASSERT_EQ(get16(e.b + L3 + 28 + 22), port, "and the port");
	csums_ok(e.b + L3, e.len - L3, "time exceeded at egress");
	test_end();
}

/* ------------------------------------------------------------------ */
/* Setup */

static int sh(const char *cmd)
{
	int ret = system(cmd);

	if (ret)
		printf("nat: '%s' failed (%d)\n", cmd, ret);
	return ret;
}

static bool setup_netns(void)
{
	FILE *f;

	if (unshare(CLONE_NEWNET)) {
		printf("nat: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return false;
	}
	if (sh("ip link set lo up") ||
	    sh("ip link add wt-lan type veth peer name wt-lanp") ||
	    sh("ip link add wt-wan type veth peer name wt-wanp") ||
	    sh("for l in wt-lan wt-lanp wt-wan wt-wanp; do ip link set $l up; done") ||
	    sh("ip addr add 192.168.1.1/24 dev wt-lan") ||
	    sh("ip addr add 203.0.113.1/24 dev wt-wan") ||
	    sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:00:0a dev wt-lan nud permanent") ||
	    sh("ip neigh replace 203.0.113.2 lladdr 02:00:00:00:00:02 dev wt-wan nud permanent") ||
	    sh("ip route add unreachable 198.51.100.0/24") ||
	    sh("ip route add blackhole 198.51.101.0/24"))
		return false;
	f = fopen("/proc/sys/net/ipv4/ip_forward", "w");
	if (!f || fputs("1", f) < 0 || fclose(f)) {
		printf("nat: cannot enable forwarding\n");
		return false;
	}
	if_lan = (int)if_nametoindex("wt-lan");
	if_wan = (int)if_nametoindex("wt-wan");
	return if_lan && if_wan;
}

static bool setup_dp(struct pol_policy *pol, struct compiled *comp)
{
	char err[CFG_ERR_MAX] = "";
	struct dp_link *links = NULL;
	size_t n = 0, i;
	bool ok = false;

	test_start("setup: policy with nat: on two links");
	if (!ASSERT_OK(dp_open(&dp, NULL, 0), "dp_open"))
		goto out;
	if (!ASSERT_OK(cfg_parse_string("nat", policy, strlen(policy), pol, err, sizeof(err)),
		       "cfg_parse_string") ||
	    !ASSERT_OK(compile_policy(pol, comp, err, sizeof(err)), "compile_policy")) {
		printf("  %s\n", err);
		goto out;
	}
	if (!ASSERT_OK(dp_scan_links(comp, pol, &links, &n), "dp_scan_links") ||
	    !ASSERT_EQ(n, 2, "both links found") ||
	    !ASSERT_OK(dp_commit(&dp, comp, links, n), "dp_commit"))
		goto out;
	for (i = 0; i < n; i++)
		dp_nat_port(&dp, links[i].ifindex, true);
	ok = true;
out:
	free(links);
	test_end();
	return ok;
}

int main(int argc, char **argv)
{
	struct pol_policy pol = {};
	struct compiled comp = {};

	if (test_args(argc, argv, "ward_nat_test", NULL))
		return 2;
	if (!setup_netns()) {
		printf("nat: 0 passed, 1 failed\n");
		return 1;
	}
	if (setup_dp(&pol, &comp)) {
		test_masq_udp();
		test_same_port();
		test_masq_tcp();
		test_echo();
		test_port_forward();
		test_exhausted();
		test_ttl_one();
		test_forward_noflow();
		test_reply_direction();
		test_no_route();
		test_reply_ttl_one();
	}
	compiled_free(&comp);
	pol_free(&pol);
	if (dp.skel)
		dp_close(&dp, false);
	printf("nat: %d passed, %d failed\n", test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
