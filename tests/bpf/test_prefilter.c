// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_prefilter.c: the prefilter (bpf/lib/prefilter.h,
 * src/lib/compile/compile_prefilter.c) on the real data plane, with
 * BPF_PROG_TEST_RUN.
 *
 * For each policy, every packet is run twice, XDP and tc: once with the
 * policy as compiled (prefilter on) and once with the prefilter's entries
 * left out (the classifier decides everything). Verdict, every counter,
 * every named rule's packets and the flow log records must be the same,
 * and the deciding rule the one the row names. Each policy also says how
 * many prefilter entries the compiler must make: a shadowed deny, a deny
 * after an accept that overlaps it, a logged deny and a deny that a
 * dry-run rule precedes stay out; so does everything in a policy with
 * a nat: section's port rules.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_prefilter_test [-v]
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
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
#include "test_main.h"
#include "test_run.h"
#include "read_maps.h"
#include "commit_yaml.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TH_SYN		0x02
#define TH_ACK		0x10
#define MAX_ROWS	6
#define MAX_NAMES	6

static struct dataplane dp;
static int lo_ifindex;

struct pf_row {
	struct pkt_desc	d;
	const char	*decider;	/* "default": the policy */
	bool		pass;
};

struct pf_policy {
	const char	*name;
	const char	*yaml;
	size_t		n_src, n_port;	/* prefilter entries the compiler makes */
	const char	*names[MAX_NAMES];	/* rules whose packets are compared */
	struct pf_row	rows[MAX_ROWS];
};

#define UDP4(s, port)	{ .family = 4, .proto = P_UDP, .src = (s), .dport = (port) }
#define SYN4(s, port)	{ .family = 4, .proto = P_TCP, .src = (s), .dport = (port), \
			  .tcp_set = true, .tcp_flags = TH_SYN, .seq = 1, .win = 512 }

static const struct pf_policy policies[] = {
	{ "a shadowed deny: the inner prefix stays out, the outer decides",
	  "defaults: { policy: accept, log: none }\n"
	  "rules:\n"
	  "  - { name: big, from: 10.0.0.0/8, action: drop }\n"
	  "  - { name: inner, from: 10.1.0.0/16, action: drop }\n"
	  "  - { name: udp9, proto: udp, port: 9, action: drop }\n"
	  "  - { name: web, proto: tcp, port: 80, action: accept }\n",
	  1, 2, { "big", "inner", "udp9", "web" },	/* udp9: IPv4 and IPv6 */
	  { { UDP4("10.1.2.3", 9), "big", false },
	    { UDP4("192.0.2.1", 9), "udp9", false },
	    { SYN4("10.2.0.1", 80), "big", false },
	    { SYN4("192.0.2.1", 80), "web", true },
	    { UDP4("192.0.2.1", 53), "default", true } } },
	{ "a deny after an accept that overlaps it: stays out, and so does what it overlaps",
	  "defaults: { policy: accept, log: none }\n"
	  "rules:\n"
	  "  - { name: ssh, proto: tcp, port: 22, action: accept }\n"
	  "  - { name: block, from: 192.0.2.0/24, action: drop }\n"
	  "  - { name: udp9, proto: udp, port: 9, action: drop }\n",
	  0, 1, { "ssh", "block", "udp9" },	/* udp9's IPv6 half: block is IPv4 */
	  { { SYN4("192.0.2.1", 22), "ssh", true },
	    { UDP4("192.0.2.1", 9), "block", false },
	    { UDP4("203.0.113.1", 9), "udp9", false } } },
	{ "a logged deny stays out; the drop log of the others is kept (log: drops)",
	  "defaults: { policy: accept, log: drops }\n"
	  "rules:\n"
	  "  - { name: loud, from: 192.0.2.0/24, action: drop, log: true }\n"
	  "  - { name: quiet, from: 198.18.0.0/15, action: drop }\n"
	  "  - { name: tcp23, proto: tcp, port: 23, action: drop }\n",
	  1, 1, { "loud", "quiet", "tcp23" },	/* tcp23's IPv6 half */
	  { { UDP4("192.0.2.1", 9), "loud", false },
	    { UDP4("198.19.0.1", 9), "quiet", false },
	    { SYN4("198.18.0.1", 23), "quiet", false },
	    { SYN4("203.0.113.1", 23), "tcp23", false } } },
	{ "a dry-run rule before a deny: that deny stays out, the dry-run rule counts",
	  "defaults: { policy: drop, log: none }\n"
	  "rules:\n"
	  "  - { name: try, from: 192.0.2.0/24, proto: udp, port: 9, action: drop, dry_run: true }\n"
	  "  - { name: deny, from: 192.0.2.0/24, action: drop }\n"
	  "  - { name: deny2, from: 203.0.113.0/24, action: drop }\n"
	  "  - { name: dns, proto: udp, port: 53, action: accept }\n",
	  1, 0, { "try", "deny", "deny2", "dns" },
	  { { UDP4("192.0.2.1", 9), "deny", false },
	    { UDP4("203.0.113.1", 9), "deny2", false },
	    { UDP4("198.51.100.7", 53), "dns", true },
	    { UDP4("198.51.100.7", 54), "default", false } } },
	{ "ports with a nat: section: a port forward changes them, so only prefixes",
	  "interfaces: [{ match: lo, role: wan }]\n"
	  "defaults: { policy: accept, log: none }\n"
	  "nat:\n"
	  "  port_forward: [{ in: wan, proto: tcp, port: 8080, to: \"192.168.1.10:80\" }]\n"
	  "rules:\n"
	  "  - { name: block, from: 203.0.113.0/24, action: drop }\n"
	  "  - { name: udp9, proto: udp, port: 9, action: drop }\n",
	  1, 0, { "block", "udp9" },
	  { { UDP4("203.0.113.1", 9), "block", false },
	    { UDP4("192.0.2.1", 9), "udp9", false } } },
};

static long stat_of(const char *name)
{
	__u32 i;

	if (!strcmp(name, "default"))
		return WARD_STAT_DEFAULT;
	for (i = 0; i < WARD_MAX_RULES; i++)
		if (!strcmp(dp.names[i].name, name))
			return i;
	return -1;
}

/* What one packet did: everything the two modes must agree on. */
struct outcome {
	__u32	retval;
	__u64	cnt[WARD_CNT_MAX];
	__u64	rule[MAX_NAMES + 1];	/* the names, then "default" */
	size_t	n_rec;
	__u32	rec[8];			/* action << 24 | stat of each log record */
};

static int take_record(void *ctx, void *data, size_t size)
{
	const struct ward_event *ev = data;
	struct outcome *o = ctx;

	if (size >= sizeof(*ev) && ev->type == WARD_EV_FLOW && o->n_rec < ARRAY_SIZE(o->rec))
		o->rec[o->n_rec++] = (__u32)ev->action << 24 | ev->stat;
	return 0;
}

static void read_rules(const struct pf_policy *p, __u64 *out)
{
	__u64 by;
	size_t i;

	for (i = 0; i < MAX_NAMES && p->names[i]; i++)
		read_rule_stat(&dp, dp.ncpus, stat_of(p->names[i]), &out[i], &by);
	read_rule_stat(&dp, dp.ncpus, WARD_STAT_DEFAULT, &out[MAX_NAMES], &by);
}

static int run_row(const struct pf_policy *p, const struct pf_row *r, __u16 sport, bool xdp,
		   struct outcome *o)
{
	struct bpf_program *prog = xdp ? dp.skel->progs.ward_xdp_ingress :
					 dp.skel->progs.ward_tc_ingress;
	__u64 cnt0[WARD_CNT_MAX], rule0[MAX_NAMES + 1];
	struct pkt_desc d = r->d;
	struct ring_buffer *rb;
	static struct pkt in;
	size_t i;
	int ret = -1;

	memset(o, 0, sizeof(*o));
	d.sport = sport;
	rb = ring_buffer__new(bpf_map__fd(dp.skel->maps.ward_events), take_record, o, NULL);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new") || !ASSERT_OK(pkt_build(&d, &in), "pkt_build"))
		goto out;
	ring_buffer__consume(rb);
	o->n_rec = 0;
	read_rules(p, rule0);
	if (!ASSERT_OK(dp_read_counters(&dp, cnt0), "counters") ||
	    !ASSERT_OK(test_run_frame(prog, xdp, lo_ifindex, in.data, in.len, NULL, 0, NULL, 1,
				      &o->retval), "test_run") ||
	    !ASSERT_OK(dp_read_counters(&dp, o->cnt), "counters"))
		goto out;
	ring_buffer__consume(rb);
	read_rules(p, o->rule);
	for (i = 0; i < WARD_CNT_MAX; i++)
		o->cnt[i] -= cnt0[i];
	for (i = 0; i <= MAX_NAMES; i++)
		o->rule[i] -= rule0[i];
	ret = 0;
out:
	ring_buffer__free(rb);
	return ret;
}

static void compare(const struct pf_policy *p, const struct pf_row *r, const struct outcome *on,
		    const struct outcome *off, bool xdp)
{
	char what[160];
	size_t i;
	long dec = stat_of(r->decider);

	ASSERT_EQ(on->retval, off->retval, "the same verdict");
	if (r->pass)
		ASSERT_EQ(on->retval, xdp ? XDP_PASS : TC_ACT_OK, "passed");
	else
		ASSERT_EQ(on->retval, xdp ? XDP_DROP : TC_ACT_SHOT, "dropped");
	for (i = 0; i < WARD_CNT_MAX; i++) {
		snprintf(what, sizeof(what), "counter %s the same", dp_counter_name((int)i));
		ASSERT_EQ(on->cnt[i], off->cnt[i], what);
	}
	for (i = 0; i < MAX_NAMES && p->names[i]; i++) {
		snprintf(what, sizeof(what), "packets of rule %s the same", p->names[i]);
		ASSERT_EQ(on->rule[i], off->rule[i], what);
		if (!strcmp(p->names[i], r->decider)) {
			snprintf(what, sizeof(what), "%s decides", r->decider);
			ASSERT_EQ(on->rule[i], 1, what);
		}
	}
	ASSERT_EQ(on->rule[MAX_NAMES], off->rule[MAX_NAMES], "packets of the default the same");
	if (dec == WARD_STAT_DEFAULT)
		ASSERT_EQ(on->rule[MAX_NAMES], 1, "the policy decides");
	ASSERT_EQ(on->n_rec, off->n_rec, "as many flow log records");
	for (i = 0; i < on->n_rec && i < off->n_rec; i++)
		ASSERT_EQ(on->rec[i], off->rec[i], "the same flow log record");
}

static void test_policy(const struct pf_policy *p, size_t pi)
{
	static struct outcome on[MAX_ROWS][2], off[MAX_ROWS][2];
	size_t n_pf[2] = {}, i;
	int mode, xdp;

	test_start("compile: %s", p->name);
	if (test_commit_yaml_pf(&dp, p->yaml, true, n_pf))
		goto out;
	ASSERT_EQ(n_pf[0], p->n_src, "prefilter source entries");
	ASSERT_EQ(n_pf[1], p->n_port, "prefilter port entries");
	test_end();
	/* Mode 0 with the prefilter, 1 without; a source port of its own for
	 * each run, so that accepted rows open flows of their own. */
	for (mode = 0; mode < 2; mode++) {
		if (mode && test_commit_yaml_pf(&dp, p->yaml, false, NULL))
			return;
		for (i = 0; i < MAX_ROWS && p->rows[i].decider; i++)
			for (xdp = 0; xdp < 2; xdp++)
				run_row(p, &p->rows[i],
					(__u16)(20000 + pi * 100 + i * 4 + mode * 2 + xdp), xdp,
					mode ? &off[i][xdp] : &on[i][xdp]);
	}
	for (i = 0; i < MAX_ROWS && p->rows[i].decider; i++)
		for (xdp = 0; xdp < 2; xdp++) {
			test_start("%s: %s: row %zu (%s)", xdp ? "xdp" : "tc", p->name, i,
				   p->rows[i].decider);
			compare(p, &p->rows[i], &on[i][xdp], &off[i][xdp], xdp);
			test_end();
		}
	return;
out:
	test_end();
}

/* The reply to this host's own connection passes, though its source is
 * denied by a prefiltered rule: conntrack, not the rules, decides it. */
static void test_own_flow_reply(bool xdp)
{
	struct pkt_desc out = { .family = 4, .proto = P_UDP, .src = "192.0.2.1",
				.dst = "203.0.113.9", .sport = (__u16)(5300 + xdp), .dport = 53 };
	struct pkt_desc back = { .family = 4, .proto = P_UDP, .src = "203.0.113.9",
				 .dst = "192.0.2.1", .sport = 53, .dport = (__u16)(5300 + xdp) };
	struct pkt_desc other = back;
	static struct pkt in;
	size_t n_pf[2] = {};
	__u32 retval = 0;

	other.sport = 54;
	test_start("%s: a reply from a prefiltered source to this host's own flow passes",
		   xdp ? "xdp" : "tc");
	if (test_commit_yaml_pf(&dp, "defaults: { policy: accept, log: none }\n"
				"rules: [{ name: block, from: 203.0.113.0/24, action: drop }]\n",
				true, n_pf))
		goto out;
	ASSERT_EQ(n_pf[0], 1, "prefilter source entries");
	if (!ASSERT_OK(pkt_build(&out, &in), "pkt_build") ||
	    !ASSERT_OK(test_run_frame(dp.skel->progs.ward_tc_egress, false, lo_ifindex, in.data,
				      in.len, NULL, 0, NULL, 1, &retval), "egress"))
		goto out;
	if (!ASSERT_OK(pkt_build(&back, &in), "pkt_build") ||
	    !ASSERT_OK(test_run_frame(xdp ? dp.skel->progs.ward_xdp_ingress :
				      dp.skel->progs.ward_tc_ingress, xdp, lo_ifindex,
				      in.data, in.len, NULL, 0, NULL, 1, &retval), "reply"))
		goto out;
	ASSERT_EQ(retval, xdp ? XDP_PASS : TC_ACT_OK, "the reply passes");
	if (!ASSERT_OK(pkt_build(&other, &in), "pkt_build") ||
	    !ASSERT_OK(test_run_frame(xdp ? dp.skel->progs.ward_xdp_ingress :
				      dp.skel->progs.ward_tc_ingress, xdp, lo_ifindex,
				      in.data, in.len, NULL, 0, NULL, 1, &retval), "other"))
		goto out;
	ASSERT_EQ(retval, xdp ? XDP_DROP : TC_ACT_SHOT, "a packet of no flow is dropped");
out:
	test_end();
}

int main(int argc, char **argv)
{
	size_t i;

	if (test_args(argc, argv, "ward_prefilter_test", NULL))
		return 2;
	lo_ifindex = if_nametoindex("lo");
	test_start("setup");
	if (!lo_ifindex) {
		test_skip("no lo: XDP test runs need an existing ingress device");
	} else if (ASSERT_OK(dp_open(&dp, NULL, 0), "dp_open")) {
		test_end();
		for (i = 0; i < ARRAY_SIZE(policies); i++)
			test_policy(&policies[i], i);
		test_own_flow_reply(true);
		test_own_flow_reply(false);
		dp_close(&dp, false);
	}
	test_end();
	printf("prefilter: %d passed, %d failed%s\n", test_env.passed, test_env.failed,
	       test_env.skipped ? " (some skipped)" : "");
	return test_env.failed ? 1 : 0;
}
