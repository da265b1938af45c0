// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_reject.c: action reject on the real data plane
 * (build/ward.bpf.o through its skeleton), with BPF_PROG_TEST_RUN.
 *
 * Every row goes through ward_xdp_ingress (which must say XDP_TX) and
 * ward_tc_ingress (TC_ACT_REDIRECT), and the frame that comes out is read
 * back as a peer would read it: MACs and addresses swapped, the RST's flags,
 * seq and ack per RFC 9293, the ICMP type, code and quote, and every
 * checksum recomputed here (IPv4 header, TCP and ICMPv6 with their
 * pseudo-headers, ICMP). Packets no RFC lets us answer must come out
 * dropped, and the rate limit must hold.
 *
 * The same file tests a rule's rate: (new flows a second per source): the
 * flows over it dropped under their own reason, one alert per episode.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_reject_test [-v]
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#include "test_main.h"
#include "test_run.h"
#include "commit_yaml.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

static struct dataplane dp;
static int lo_ifindex;

static const char policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"  reject_rate: 1000000/s\n"
	"rules:\n"
	"  - { name: rej-tcp, proto: tcp, port: 23, action: reject }\n"
	"  - { name: dry-tcp, proto: tcp, port: 24, action: reject, dry_run: true }\n"
	"  - { name: rej-udp, proto: udp, port: 53, action: reject }\n"
	"  - { name: rej-icmp, proto: icmp, action: reject }\n"
	"  - { name: rej-icmp6, proto: icmpv6, action: reject }\n"
	"  - { name: rej-gre, proto: 47, action: reject }\n"
	"  - { name: rej-host, from: [192.0.2.99, \"2001:db8::99\"], action: reject }\n";

/* parse -> compile -> commit, the way wardd does it. */
static int commit_yaml(const char *yaml)
{
	return test_commit_yaml(&dp, yaml);
}

/* An empty bucket refills to the full rate on the next reject. */
static void reset_bucket(void)
{
	char zero[64] = {};
	__u32 key = 0;

	CHECK_(!bpf_map_update_elem(bpf_map__fd(dp.skel->maps.ward_reject_bucket), &key, zero, 0),
	       "resetting ward_reject_bucket: %s", strerror(errno));
}

/* Runs a frame through one ingress hook; out gets the frame it leaves with. */
static int run(bool xdp, const struct pkt *in, struct pkt *out, __u32 *retval)
{
	struct bpf_program *prog = xdp ? dp.skel->progs.ward_xdp_ingress :
					 dp.skel->progs.ward_tc_ingress;

	memset(out, 0, sizeof(*out));
	return test_run_frame(prog, xdp, lo_ifindex, in->data, in->len, out->data,
			      sizeof(out->data), &out->len, 1, retval);
}

/* What must become of a row. */
enum { SENT, SKIPPED, WOULD, INVALID };	/* WOULD: a dry-run reject, the policy accepts; INVALID: dropped before the rules */

struct rej_case {
	const char	*name;
	struct pkt_desc	d;
	int		expect;
};

#define TCP4(port, ...)	{ .family = 4, .proto = P_TCP, .dport = port, __VA_ARGS__ }
#define TCP6(port, ...)	{ .family = 6, .proto = P_TCP, .dport = port, __VA_ARGS__ }
#define SEG(f, s, a)	.tcp_set = true, .tcp_flags = (f), .seq = (s), .ack = (a), .win = 512

static const struct rej_case cases[] = {
	{ "v4 SYN: RST+ACK of seq + 1, seq 0",
	  TCP4(23, SEG(TH_SYN, 1000, 0)), SENT },
	{ "v4 SYN with 20 bytes of data: ack counts them too",
	  TCP4(23, SEG(TH_SYN, 0xfffffff0, 0), .payload = 20), SENT },
	{ "v4 ACK+PSH with data: RST with seq = its ack, no ACK",
	  TCP4(23, SEG(TH_ACK | TH_PSH, 5000, 7000), .payload = 100), SENT },
	{ "v4 FIN without ACK: invalid flags, never reaches the rules",
	  TCP4(23, SEG(TH_FIN, 42, 0)), INVALID },
	{ "v4 SYN with IP options: the RST has none",
	  TCP4(23, SEG(TH_SYN, 1, 0), .ip4_opts = 2), SENT },
	{ "v4 SYN behind two VLAN tags: tags kept",
	  TCP4(23, SEG(TH_SYN, 1, 0), .tags = { ETH_8021AD, ETH_8021Q }), SENT },
	{ "v4 RST: no flow to belong to, never answered",
	  TCP4(23, SEG(TH_RST | TH_ACK, 1, 1)), INVALID },
	{ "v6 SYN: RST+ACK",
	  TCP6(23, SEG(TH_SYN, 77, 0)), SENT },
	{ "v6 SYN after extension headers: the RST has none",
	  TCP6(23, SEG(TH_SYN, 77, 0), .ext = "hd"), SENT },
	{ "v6 ACK: RST with seq = its ack",
	  TCP6(23, SEG(TH_ACK, 77, 0x12345678)), SENT },
	{ "v4 UDP: port unreachable quoting all of it",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 30 }, SENT },
	{ "v4 UDP, 1000 bytes: quote cut to fit 576",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 1000 }, SENT },
	{ "v4 UDP to 224.0.0.251: never answered",
	  { .family = 4, .proto = P_UDP, .dport = 53, .dst = "224.0.0.251" }, SKIPPED },
	{ "v4 UDP to a multicast MAC: never answered",
	  { .family = 4, .proto = P_UDP, .dport = 53,
	    .patch = { { PKT_AT_L2, PKT_SET8, 0, 0xff } } }, SKIPPED },
	{ "v4 UDP from 0.0.0.0: never answered",
	  { .family = 4, .proto = P_UDP, .dport = 53, .src = "0.0.0.0" }, SKIPPED },
	{ "v6 UDP: port unreachable",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 10 }, SENT },
	{ "v6 UDP, 1400 bytes: quote cut to fit 1280",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 1400 }, SENT },
	{ "v6 UDP to ff02::1: never answered",
	  { .family = 6, .proto = P_UDP, .dport = 53, .dst = "ff02::1" }, SKIPPED },
	{ "v4 echo request: port unreachable",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, .payload = 56 }, SENT },
	{ "v4 ICMP error (no flow): never answered",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 3, .payload = 28 }, SKIPPED },
	{ "v6 echo request: port unreachable",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128, .payload = 56 }, SENT },
	{ "v6 ICMPv6 error (no flow): never answered",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 1, .payload = 48 }, SKIPPED },
	{ "v4 GRE: port unreachable",
	  { .family = 4, .proto = P_GRE, .payload = 24 }, SENT },
	{ "v4 first fragment: answered",
	  { .family = 4, .proto = P_UDP, .dport = 9, .src = "192.0.2.99", .payload = 64,
	    .ip4_frag = IP4_MF }, SENT },
	/* Of another datagram than the row above: a later fragment of a
	 * rejected first fragment is dropped as such (test_frag.c). */
	{ "v4 later fragment: never answered",
	  { .family = 4, .proto = P_UDP, .dport = 9, .src = "192.0.2.99", .payload = 64,
	    .ip4_frag = IP4_FRAG_OFF(1480), .frag_id = 0x4343 }, SKIPPED },
	{ "v6 later fragment: never answered",
	  { .family = 6, .proto = P_UDP, .dport = 9, .src = "2001:db8::99", .payload = 64,
	    .ext = "f", .ip6_frag = IP6_FRAG_OFF(1448) }, SKIPPED },
	{ "v4 dry-run reject: never decides, the policy (accept) does: passes untouched",
	  TCP4(24, SEG(TH_SYN, 1, 0)), WOULD },
};

/* ------------------------------------------------------------------ */
/* Reading an answer */

static __u32 get32(const __u8 *p)
{
	return (__u32)pkt_get16(p) << 16 | pkt_get16(p + 2);
}

/* The answer is the input's L2 header with the MACs swapped, then IP from
 * the input's destination to its source. Returns the answer's L4 offset. */
static __u32 check_l2_l3(const struct pkt *in, const struct pkt *out, __u8 proto,
			 __u32 l4len)
{
	const __u8 *ip = out->data + in->l3, *oip = in->data + in->l3;
	int family = (oip[0] >> 4);
	__u32 hl = family == 4 ? 20 : 40;

	ASSERT_TRUE(!memcmp(out->data, in->data + 6, 6) && !memcmp(out->data + 6, in->data, 6),
		    "MACs swapped");
	ASSERT_TRUE(!memcmp(out->data + 12, in->data + 12, in->l3 - 12), "VLAN tags and type kept");
	ASSERT_EQ(out->len, in->l3 + hl + l4len, "frame length");
	if (family == 4) {
		ASSERT_EQ(ip[0], 0x45, "IPv4, no options");
		ASSERT_EQ(pkt_get16(ip + 2), hl + l4len, "IPv4 total length");
		ASSERT_EQ(ip[9], proto, "IPv4 protocol");
		ASSERT_TRUE(ip[8] > 1, "TTL");
		ASSERT_TRUE(!memcmp(ip + 12, oip + 16, 4) && !memcmp(ip + 16, oip + 12, 4),
			    "IPv4 addresses swapped");
		ASSERT_EQ(pkt_csum(ip, 20), 0, "IPv4 header checksum");
	} else {
		ASSERT_EQ(ip[0] >> 4, 6, "IPv6");
		ASSERT_EQ(pkt_get16(ip + 4), l4len, "IPv6 payload length");
		ASSERT_EQ(ip[6], proto, "IPv6 next header: no extension headers");
		ASSERT_TRUE(ip[7] > 1, "hop limit");
		ASSERT_TRUE(!memcmp(ip + 8, oip + 24, 16) && !memcmp(ip + 24, oip + 8, 16),
			    "IPv6 addresses swapped");
	}
	return in->l3 + hl;
}

static void check_rst(const struct rej_case *c, const struct pkt *in, const struct pkt *out)
{
	const __u8 *th = out->data + check_l2_l3(in, out, P_TCP, 20);
	const __u8 *oth = in->data + in->l4;
	__u8 f = c->d.tcp_flags;

	ASSERT_EQ(pkt_get16(th), pkt_get16(oth + 2), "RST from the port it was sent to");
	ASSERT_EQ(pkt_get16(th + 2), pkt_get16(oth), "RST to the port it came from");
	ASSERT_EQ(th[12] >> 4, 5, "RST data offset");
	if (f & TH_ACK) {
		ASSERT_EQ(th[13], TH_RST, "flags: RST alone");
		ASSERT_EQ(get32(th + 4), c->d.ack, "seq = the segment's ack");
	} else {
		__u32 len = c->d.payload + !!(f & TH_SYN) + !!(f & TH_FIN);

		ASSERT_EQ(th[13], TH_RST | TH_ACK, "flags: RST+ACK");
		ASSERT_EQ(get32(th + 4), 0, "seq 0");
		ASSERT_EQ(get32(th + 8), (__u32)(c->d.seq + len), "ack = seq + length");
	}
	ASSERT_EQ(pkt_l4_csum(c->d.family, out->data + in->l3, th, 20, P_TCP), 0, "TCP checksum");
}

static void check_unreach(const struct rej_case *c, const struct pkt *in, const struct pkt *out)
{
	__u32 iplen = in->len - in->l3, limit = c->d.family == 4 ? 548 : 1232;
	__u32 quote = (iplen < limit ? iplen : limit) & ~3U;
	__u8 proto = c->d.family == 4 ? P_ICMP : P_ICMP6;
	__u32 off = check_l2_l3(in, out, proto, 8 + quote);
	const __u8 *ih = out->data + off;

	if (!ASSERT_TRUE(out->len >= off + 8 + quote, "room for the quote"))
		return;
	ASSERT_EQ(ih[0], c->d.family == 4 ? 3 : 1, "destination unreachable");
	ASSERT_EQ(ih[1], c->d.family == 4 ? 3 : 4, "code: port unreachable");
	ASSERT_EQ(get32(ih + 4), 0, "unused word");
	ASSERT_TRUE(!memcmp(ih + 8, in->data + in->l3, quote), "quote: the offending IP packet");
	ASSERT_GE(quote, (__u32)(in->l4 - in->l3) + 8 < iplen ? (in->l4 - in->l3) + 8 : iplen & ~3U,
		  "quote has the IP header and 8 bytes after it");
	if (c->d.family == 4)
		ASSERT_EQ(pkt_csum(ih, 8 + quote), 0, "ICMP checksum");
	else
		ASSERT_EQ(pkt_l4_csum(6, out->data + in->l3, ih, 8 + quote, P_ICMP6), 0,
			  "ICMPv6 checksum (with pseudo-header)");
}

/* ------------------------------------------------------------------ */
/* Tests */

static void run_case(const struct rej_case *c, bool xdp)
{
	static struct pkt in, out;
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	struct pkt_desc d = c->d;
	__u32 retval = 0;

	/* A port of its own per hook: the dry-run row opens a flow. */
	d.sport = (__u16)(41000 + xdp);
	test_start("%s: %s", xdp ? "xdp" : "tc", c->name);
	if (!ASSERT_OK(pkt_build(&d, &in), "pkt_build") ||
	    !ASSERT_OK(dp_read_counters(&dp, before), "counters"))
		goto out;
	if (!ASSERT_OK(run(xdp, &in, &out, &retval), "test_run") ||
	    !ASSERT_OK(dp_read_counters(&dp, after), "counters"))
		goto out;
#define MOVED(cnt)	(after[WARD_CNT_##cnt] - before[WARD_CNT_##cnt])
	switch (c->expect) {
	case SENT:
		ASSERT_EQ(retval, xdp ? XDP_TX : TC_ACT_REDIRECT, "sent back");
		ASSERT_EQ(MOVED(REJECT_SENT), 1, "reject_sent");
		ASSERT_EQ(MOVED(DROP_RULE), 1, "a reject is a drop: reason rule");
		if (c->d.proto == P_TCP)
			check_rst(c, &in, &out);
		else
			check_unreach(c, &in, &out);
		break;
	case SKIPPED:
		ASSERT_EQ(retval, xdp ? XDP_DROP : TC_ACT_SHOT, "dropped");
		ASSERT_EQ(MOVED(REJECT_SKIPPED), 1, "reject_skipped");
		ASSERT_EQ(MOVED(REJECT_SENT), 0, "nothing sent");
		ASSERT_EQ(MOVED(DROP_RULE), 1, "drop reason rule");
		break;
	case INVALID:
		ASSERT_EQ(retval, xdp ? XDP_DROP : TC_ACT_SHOT, "dropped");
		ASSERT_EQ(MOVED(DROP_TCP_INVALID), 1, "tcp_invalid");
		ASSERT_EQ(MOVED(REJECT_SENT) + MOVED(REJECT_SKIPPED), 0, "no reject decided");
		break;
	case WOULD:
		ASSERT_EQ(retval, xdp ? XDP_PASS : TC_ACT_OK, "passed");
		ASSERT_EQ(MOVED(ACCEPT), 1, "accepted by the policy");
		ASSERT_EQ(MOVED(REJECT_SENT) + MOVED(DROP_RULE), 0, "nothing sent or dropped");
		ASSERT_TRUE(out.len == in.len && !memcmp(out.data, in.data, in.len),
			    "frame untouched");
		break;
	}
out:
	test_end();
}

/* A flood: only reject_rate answers a second, the rest are plain drops. */
static void test_rate_limit(bool xdp)
{
	static const struct pkt_desc syn = TCP4(23, SEG(TH_SYN, 1, 0));
	static struct pkt in, out;
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	__u32 retval, sent = 0, dropped = 0, i;

	test_start("%s: reject_rate 5/s: 50 SYNs at once get 5 RSTs", xdp ? "xdp" : "tc");
	if (commit_yaml("defaults: { reject_rate: 5/s }\n"
			"rules: [{ name: rej-tcp, proto: tcp, port: 23, action: reject }]\n"))
		goto out;
	reset_bucket();
	if (!ASSERT_OK(pkt_build(&syn, &in), "pkt_build") ||
	    !ASSERT_OK(dp_read_counters(&dp, before), "counters"))
		goto out;
	for (i = 0; i < 50; i++) {
		if (!ASSERT_OK(run(xdp, &in, &out, &retval), "test_run"))
			goto out;
		if (retval == (xdp ? XDP_TX : TC_ACT_REDIRECT))
			sent++;
		else if (retval == (xdp ? XDP_DROP : TC_ACT_SHOT))
			dropped++;
	}
	if (!ASSERT_OK(dp_read_counters(&dp, after), "counters"))
		goto out;
	/* The bucket holds one second's worth; 50 runs take far less than
	 * the 200 ms a sixth token would need, but a slow machine may get it. */
	ASSERT_GE(sent, 5, "a full bucket answers 5");
	ASSERT_LE(sent, 6, "then the rate holds");
	ASSERT_EQ(sent + dropped, 50, "the rest dropped");
	ASSERT_EQ(MOVED(REJECT_SENT), sent, "reject_sent");
	ASSERT_EQ(MOVED(REJECT_LIMITED), dropped, "reject_limited");
	ASSERT_EQ(MOVED(DROP_RULE), 50, "every one a drop, reason rule");
out:
	commit_yaml(policy);
	reset_bucket();
	test_end();
}

/* A bucket whose last refill is ahead of this CPU's clock (another CPU read
 * the clock later and refilled first) has earned nothing: the reject is
 * limited, not answered from a bucket refilled as if ages had passed. */
static void test_bucket_clock(bool xdp)
{
	static const struct pkt_desc syn = TCP4(23, SEG(TH_SYN, 1, 0));
	static struct pkt in, out;
	struct { __u32 lock, tokens; __u64 last_ns; } ahead = {};
	struct timespec ts;
	__u32 key = 0, retval;

	test_start("%s: a bucket refilled ahead of this CPU's clock earns nothing",
		   xdp ? "xdp" : "tc");
	if (commit_yaml("defaults: { reject_rate: 5/s }\n"
			"rules: [{ name: rej-tcp, proto: tcp, port: 23, action: reject }]\n"))
		goto out;
	/* rej_take() reads bpf_ktime_get_ns(): CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ahead.last_ns = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec + 500000000ULL;
	if (!ASSERT_OK(bpf_map_update_elem(bpf_map__fd(dp.skel->maps.ward_reject_bucket), &key,
					   &ahead, 0), "bucket ahead of the clock") ||
	    !ASSERT_OK(pkt_build(&syn, &in), "pkt_build") ||
	    !ASSERT_OK(run(xdp, &in, &out, &retval), "test_run"))
		goto out;
	ASSERT_EQ(retval, xdp ? XDP_DROP : TC_ACT_SHOT, "limited: dropped unanswered");
out:
	commit_yaml(policy);
	reset_bucket();
	test_end();
}

static int count_alert(void *ctx, void *data, size_t size)
{
	const struct ward_event *ev = data;

	if (size >= sizeof(*ev) && ev->type == WARD_EV_ALERT && ev->alert == WARD_ALERT_RATE_LIMIT)
		++*(int *)ctx;
	return 0;
}

/* rate: 3/s: a source's 4th and 5th new flow in a burst are dropped (reason
 * rate_limit) with one alert; another source has its own bucket. IPv6: the
 * source is the /64, so 5 addresses of one /64 share a bucket. */
static void test_rule_rate(bool xdp, bool v6)
{
	static const char *const src6[2][5] = {
		{ "2001:db8:70::1", "2001:db8:70::2", "2001:db8:70::3", "2001:db8:70::4",
		  "2001:db8:70:0:ffff::5" },
		{ "2001:db8:71::1", "2001:db8:71::2", "2001:db8:71::3", "2001:db8:71::4",
		  "2001:db8:71:0:ffff::5" },
	};
	struct pkt_desc syn4 = TCP4(22, SEG(TH_SYN, 1, 0), .src = xdp ? "192.0.2.10" : "192.0.2.11");
	struct pkt_desc syn6 = TCP6(22, SEG(TH_SYN, 1, 0));
	struct pkt_desc syn = v6 ? syn6 : syn4;
	static struct pkt in, out;
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	__u32 retval, passed = 0, i;
	struct ring_buffer *rb = NULL;
	int alerts = 0;

	test_start("%s: rate 3/s: 5 new flows from one source%s, 3 pass", xdp ? "xdp" : "tc",
		   v6 ? " (5 addresses of one IPv6 /64)" : "");
	if (commit_yaml("defaults: { policy: drop }\n"
			"rules: [{ name: ssh, proto: tcp, port: 22, action: accept, rate: 3/s }]\n"))
		goto out;
	rb = ring_buffer__new(bpf_map__fd(dp.skel->maps.ward_events), count_alert, &alerts, NULL);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new") ||
	    !ASSERT_OK(dp_read_counters(&dp, before), "counters"))
		goto out;
	ring_buffer__consume(rb);
	alerts = 0;
	for (i = 0; i < 5; i++) {
		syn.sport = (__u16)(42000 + i);
		if (v6)
			syn.src = src6[xdp][i];
		if (!ASSERT_OK(pkt_build(&syn, &in), "pkt_build") ||
		    !ASSERT_OK(run(xdp, &in, &out, &retval), "test_run"))
			goto out;
		passed += retval == (xdp ? XDP_PASS : TC_ACT_OK);
	}
	syn.src = v6 ? "2001:db8:72::1" : "192.0.2.12";
	syn.sport = (__u16)(43000 + xdp);
	if (!ASSERT_OK(pkt_build(&syn, &in), "pkt_build") ||
	    !ASSERT_OK(run(xdp, &in, &out, &retval), "test_run") ||
	    !ASSERT_OK(dp_read_counters(&dp, after), "counters"))
		goto out;
	ring_buffer__consume(rb);
	/* 5 runs take far less than the 333 ms a 4th token needs. */
	ASSERT_EQ(passed, 3, "a full bucket lets 3 through");
	ASSERT_EQ(MOVED(DROP_RATE_LIMIT), 2, "the other 2 dropped, reason rate_limit");
	ASSERT_EQ(retval, xdp ? XDP_PASS : TC_ACT_OK, "another source has its own bucket");
	ASSERT_EQ(alerts, 1, "one rate_limit alert for the episode");
out:
	ring_buffer__free(rb);
	commit_yaml(policy);
	test_end();
}

int main(int argc, char **argv)
{
	int xdp;
	size_t i;

	if (test_args(argc, argv, "ward_reject_test", NULL))
		return 2;
	lo_ifindex = if_nametoindex("lo");

	test_start("setup");
	if (!lo_ifindex) {
		test_skip("no lo: XDP test runs need an existing ingress device");
	} else if (ASSERT_OK(dp_open(&dp, NULL, 0), "dp_open")) {
		if (!commit_yaml(policy)) {
			test_end();
			for (xdp = 1; xdp >= 0; xdp--) {
				for (i = 0; i < ARRAY_SIZE(cases); i++)
					run_case(&cases[i], xdp);
				test_rate_limit(xdp);
				test_bucket_clock(xdp);
				test_rule_rate(xdp, false);
				test_rule_rate(xdp, true);
			}
		}
		dp_close(&dp, false);
	}
	test_end();
	printf("reject: %d passed, %d failed\n", test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
