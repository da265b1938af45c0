// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_dryrun.c: a rule's dry_run on the real data plane
 * (build/ward.bpf.o through its skeleton), with BPF_PROG_TEST_RUN.
 *
 * A dry-run rule never decides (issue 14): the verdict is the one the
 * policy without it gives, on XDP and tc alike. When it matches before the
 * deciding rule, the first packet counts to it and it logs would-drop,
 * would-reject (or, with log: true, would-accept); after the deciding rule
 * it is not reached. Every row checks the verdict, the verdict counter,
 * every named rule's packets, and the flow log records of the run; then
 * wardctl trace's program must name the same dry-run rules.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_dryrun_test [-v]
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
#include "trace.h"
#include "log.h"
#include "pkt.h"
#include "test_assert.h"
#include "test_main.h"
#include "test_run.h"
#include "commit_yaml.h"
#include "read_maps.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TH_SYN		0x02
#define TH_ACK		0x10

static struct dataplane dp;
static int lo_ifindex;

static const char policy[] =
	"defaults: { policy: drop, log: drops }\n"
	"rules:\n"
	"  - { name: try, proto: tcp, port: 22, action: drop, dry_run: true }\n"
	"  - { name: try-before, proto: tcp, port: 2222, action: drop, dry_run: true }\n"
	"  - { name: ssh-alt, proto: tcp, port: 2222, action: accept }\n"
	"  - { name: try-after, proto: tcp, port: 2222, action: reject, dry_run: true }\n"
	"  - { name: twin-a, proto: udp, port: 5353, action: drop, dry_run: true }\n"
	"  - { name: twin-b, proto: udp, port: 5353, action: reject, dry_run: true }\n"
	"  - name: lab\n"
	"    to: 10.74.0.0/16\n"
	"    dry_run: true\n"
	"    rules:\n"
	"      - { name: lab-drop, action: drop }\n"
	"  - { name: peek, proto: tcp, port: 8080, action: accept, dry_run: true, log: true }\n"
	"  - { name: try-rej, proto: tcp, port: 24, action: reject, dry_run: true }\n"
	"  - { name: wide, from: 192.0.2.0/24, proto: tcp, port: 24, action: accept }\n"
	"  - { name: web, proto: tcp, port: 80, action: accept }\n";

/* Every rule of the policy, "default" first: their counters are checked. */
static const char *const names[] = {
	"default", "try", "try-before", "ssh-alt", "try-after", "twin-a", "twin-b",
	"lab-drop", "peek", "try-rej", "wide", "web",
};
#define N_NAMES	ARRAY_SIZE(names)

#define MAX_DRY	3

struct dry_case {
	const char	*name;
	struct pkt_desc	d;
	bool		pass;		/* else dropped */
	int		counter;	/* the verdict counter (WARD_CNT_*) */
	const char	*decider;	/* the rule that decides, "default": the policy */
	const char	*dry[MAX_DRY];	/* dry-run rules that count, NULL-ended */
	__u8		dry_ev[MAX_DRY];	/* and the record each logs, 0: none */
};

#define TCP4(port, ...)	{ .family = 4, .proto = P_TCP, .dport = (port), __VA_ARGS__ }
#define TCP6(port, ...)	{ .family = 6, .proto = P_TCP, .dport = (port), __VA_ARGS__ }
#define UDP4(port, ...)	{ .family = 4, .proto = P_UDP, .dport = (port), __VA_ARGS__ }

static const struct dry_case cases[] = {
	{ "policy drop, a dry-run drop for tcp/22: still dropped, the dry-run rule counted",
	  TCP4(22), false, WARD_CNT_DROP_POLICY, "default",
	  { "try" }, { WARD_EVA_WOULD_DROP } },
	{ "the same over IPv6", TCP6(22), false, WARD_CNT_DROP_POLICY, "default",
	  { "try" }, { WARD_EVA_WOULD_DROP } },
	{ "a dry-run drop before an accept: accepted, both counted",
	  TCP4(2222), true, WARD_CNT_ACCEPT, "ssh-alt",
	  { "try-before" }, { WARD_EVA_WOULD_DROP } },
	{ "a dry-run rule after the deciding rule: not reached, not counted",
	  TCP4(2222), true, WARD_CNT_ACCEPT, "ssh-alt",
	  { "try-before" }, { WARD_EVA_WOULD_DROP } },
	{ "two dry-run rules with the same match: both counted",
	  UDP4(5353), false, WARD_CNT_DROP_POLICY, "default",
	  { "twin-a", "twin-b" }, { WARD_EVA_WOULD_DROP, WARD_EVA_WOULD_REJECT } },
	{ "dry_run inherited from the branch", UDP4(9, .dst = "10.74.0.9"),
	  false, WARD_CNT_DROP_POLICY, "default",
	  { "lab-drop" }, { WARD_EVA_WOULD_DROP } },
	{ "a dry-run accept opens nothing; log: true logs would-accept",
	  TCP4(8080), false, WARD_CNT_DROP_POLICY, "default",
	  { "peek" }, { WARD_EVA_WOULD_ACCEPT } },
	{ "a dry-run reject before an accept: accepted, nothing answered",
	  TCP4(24), true, WARD_CNT_ACCEPT, "wide",
	  { "try-rej" }, { WARD_EVA_WOULD_REJECT } },
	{ "a dry-run reject with the policy deciding: a plain policy drop",
	  TCP4(24, .src = "203.0.113.5"), false, WARD_CNT_DROP_POLICY, "default",
	  { "try-rej" }, { WARD_EVA_WOULD_REJECT } },
	{ "udp/22: not the dry-run rule's protocol, not counted",
	  UDP4(22), false, WARD_CNT_DROP_POLICY, "default", { NULL }, { 0 } },
	{ "no dry-run rule matches: only the deciding rule counts",
	  TCP4(80), true, WARD_CNT_ACCEPT, "web", { NULL }, { 0 } },
};

static long stat_of(const char *name)
{
	__u32 i;

	for (i = 0; i < WARD_MAX_RULES; i++)
		if (!strcmp(dp.names[i].name, name))
			return i;
	return -1;
}

/* The flow log records of a run: (action, stat) pairs. */
struct records {
	size_t	n;
	__u8	action[16];
	__u32	stat[16];
};

static int take_record(void *ctx, void *data, size_t size)
{
	const struct ward_event *ev = data;
	struct records *r = ctx;

	if (size >= sizeof(*ev) && ev->type == WARD_EV_FLOW && r->n < ARRAY_SIZE(r->action)) {
		r->action[r->n] = ev->action;
		r->stat[r->n++] = ev->stat;
	}
	return 0;
}

static bool logged(const struct records *r, __u8 action, long stat)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->action[i] == action && (long)r->stat[i] == stat)
			return true;
	return false;
}

/* Does the row expect this rule to count? */
static bool counts(const struct dry_case *c, const char *name)
{
	size_t i;

	if (!strcmp(c->decider, name))
		return true;
	for (i = 0; i < MAX_DRY && c->dry[i]; i++)
		if (!strcmp(c->dry[i], name))
			return true;
	return false;
}

static void check_records(const struct dry_case *c, const struct records *rec,
			  const char *hook)
{
	char what[160];
	size_t i;

	for (i = 0; i < MAX_DRY && c->dry[i]; i++) {
		snprintf(what, sizeof(what), "%s: %s logs what it would do", hook, c->dry[i]);
		if (c->dry_ev[i])
			ASSERT_TRUE(logged(rec, c->dry_ev[i], stat_of(c->dry[i])), what);
	}
	for (i = 0; i < rec->n; i++) {
		const char *rule = rec->stat[i] < WARD_MAX_RULES ? dp.names[rec->stat[i]].name : "?";

		snprintf(what, sizeof(what), "%s: a record names %s (action %u)", hook, rule,
			 rec->action[i]);
		CHECK_(counts(c, rule), "%s, which the row does not expect", what);
	}
	/* The decision's own record: only drops under log: drops. */
	snprintf(what, sizeof(what), "%s: the policy's drop is logged as a drop", hook);
	if (!c->pass)
		ASSERT_TRUE(logged(rec, WARD_EVA_DROP, WARD_STAT_DEFAULT), what);
}

static void run_case(const struct dry_case *c, size_t row, bool xdp)
{
	const char *hook = xdp ? "xdp" : "tc";
	struct bpf_program *prog = xdp ? dp.skel->progs.ward_xdp_ingress :
					 dp.skel->progs.ward_tc_ingress;
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX], pk0[N_NAMES], pk, by;
	struct records rec = {};
	struct ring_buffer *rb;
	struct pkt_desc d = c->d;
	static struct pkt in;
	__u32 retval = 0;
	char what[160];
	size_t i;

	/* A source port of its own per row and hook: accepted rows open flows. */
	d.sport = (__u16)(42000 + 2 * row + xdp);
	test_start("%s: %s", hook, c->name);
	rb = ring_buffer__new(bpf_map__fd(dp.skel->maps.ward_events), take_record, &rec, NULL);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new") || !ASSERT_OK(pkt_build(&d, &in), "pkt_build") ||
	    !ASSERT_OK(dp_read_counters(&dp, before), "counters"))
		goto out;
	ring_buffer__consume(rb);
	rec.n = 0;
	for (i = 0; i < N_NAMES; i++)
		read_rule_stat(&dp, dp.ncpus, stat_of(names[i]), &pk0[i], &by);
	if (!ASSERT_OK(test_run_frame(prog, xdp, lo_ifindex, in.data, in.len, NULL, 0, NULL, 1,
				      &retval), "test_run") ||
	    !ASSERT_OK(dp_read_counters(&dp, after), "counters"))
		goto out;
	ring_buffer__consume(rb);

	if (c->pass)
		ASSERT_EQ(retval, xdp ? XDP_PASS : TC_ACT_OK, "passed");
	else
		ASSERT_EQ(retval, xdp ? XDP_DROP : TC_ACT_SHOT, "dropped");
	snprintf(what, sizeof(what), "counter %s", dp_counter_name(c->counter));
	ASSERT_EQ(after[c->counter] - before[c->counter], 1, what);
	ASSERT_EQ(after[WARD_CNT_WOULD_DROP] - before[WARD_CNT_WOULD_DROP], 0,
		  "would_drop: nothing passed that the policy drops");
	ASSERT_EQ(after[WARD_CNT_REJECT_SENT] - before[WARD_CNT_REJECT_SENT], 0, "nothing answered");
	for (i = 0; i < N_NAMES; i++) {
		read_rule_stat(&dp, dp.ncpus, stat_of(names[i]), &pk, &by);
		snprintf(what, sizeof(what), "packets of rule %s", names[i]);
		ASSERT_EQ(pk - pk0[i], counts(c, names[i]), what);
	}
	check_records(c, &rec, hook);
out:
	ring_buffer__free(rb);
	test_end();
}

/* A flow a dry-run rule saw the first packet of: its other packets count
 * to the deciding rule only. */
static void test_established(bool xdp)
{
	struct pkt_desc syn = TCP4(2222, .sport = (__u16)(43000 + xdp), .tcp_set = true,
				   .tcp_flags = TH_SYN, .seq = 100, .win = 512);
	struct pkt_desc back = TCP4(43000, .sport = 2222, .src = "198.51.100.1",
				    .dst = "192.0.2.1", .tcp_set = true,
				    .tcp_flags = TH_SYN | TH_ACK, .seq = 900, .ack = 101, .win = 512);
	struct bpf_program *prog = xdp ? dp.skel->progs.ward_xdp_ingress :
					 dp.skel->progs.ward_tc_ingress;
	long s_try = stat_of("try-before"), s_ssh = stat_of("ssh-alt");
	__u64 try0, ssh0, try1, ssh1, by;
	static struct pkt in;
	__u32 retval = 0;

	back.dport = syn.sport;
	test_start("%s: the rest of a flow counts to the deciding rule only", xdp ? "xdp" : "tc");
	if (!ASSERT_OK(pkt_build(&syn, &in), "pkt_build") ||
	    !ASSERT_OK(test_run_frame(prog, xdp, lo_ifindex, in.data, in.len, NULL, 0, NULL, 1,
				      &retval), "SYN"))
		goto out;
	read_rule_stat(&dp, dp.ncpus, s_try, &try0, &by);
	read_rule_stat(&dp, dp.ncpus, s_ssh, &ssh0, &by);
	if (!ASSERT_OK(pkt_build(&back, &in), "pkt_build") ||
	    !ASSERT_OK(test_run_frame(prog, xdp, lo_ifindex, in.data, in.len, NULL, 0, NULL, 1,
				      &retval), "SYN-ACK"))
		goto out;
	ASSERT_EQ(retval, xdp ? XDP_PASS : TC_ACT_OK, "the reply passes");
	read_rule_stat(&dp, dp.ncpus, s_try, &try1, &by);
	read_rule_stat(&dp, dp.ncpus, s_ssh, &ssh1, &by);
	ASSERT_EQ(ssh1 - ssh0, 1, "the reply counts to ssh-alt");
	ASSERT_EQ(try1 - try0, 0, "and not to the dry-run rule");
out:
	test_end();
}

/* wardctl trace's program: the deciding rule and the dry-run rules. */
static void test_trace(const struct dry_case *c)
{
	struct trace_req q = { .src = "192.0.2.1", .dst = "198.51.100.1", .proto = "tcp" };
	struct ward_trace t = {};
	char err[128], what[160];
	size_t i, n;
	__u32 j;

	test_start("trace: %s", c->name);
	if (c->d.family != 4)
		q.src = "2001:db8::1", q.dst = "2001:db8::2";
	if (c->d.src)
		q.src = c->d.src;
	if (c->d.dst)
		q.dst = c->d.dst;
	if (c->d.proto == P_UDP)
		q.proto = "udp";
	q.dport = c->d.dport;
	if (!ASSERT_OK(trace_build(&q, &t, err, sizeof(err)), "trace_build") ||
	    !ASSERT_OK(dp_trace(&dp, &t), "dp_trace"))
		goto out;
	ASSERT_STREQ(dp.names[t.stat].name, c->decider, "deciding rule");
	for (n = 0; n < MAX_DRY && c->dry[n]; n++)
		;
	ASSERT_EQ(t.n_dry, n, "dry-run rules named");
	for (i = 0; i < n; i++) {
		bool found = false;

		for (j = 0; j < t.n_dry && j < WARD_DRY_MATCH_MAX; j++)
			found |= !strcmp(dp.names[t.dry_stat[j]].name, c->dry[i]);
		snprintf(what, sizeof(what), "trace names %s", c->dry[i]);
		ASSERT_TRUE(found, what);
	}
out:
	test_end();
}

/* The cost side: a policy without dry-run rules has none to walk. */
static void test_no_dry_tuples(void)
{
	struct ward_policy_hdr hdr;
	struct ward_state st;
	__u32 zero = 0;

	test_start("a policy without dry-run rules: no dry-run tuples to walk");
	if (test_commit_yaml(&dp, "rules: [{ name: web, proto: tcp, port: 80, action: accept }]\n"))
		goto out;
	if (ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_state), &zero, &st),
		      "ward_state") &&
	    ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_policy),
					  &st.active_slot, &hdr), "ward_policy"))
		ASSERT_EQ(hdr.n_dry_tuples, 0, "n_dry_tuples");
out:
	test_end();
}

int main(int argc, char **argv)
{
	size_t i;
	int xdp;

	if (test_args(argc, argv, "ward_dryrun_test", NULL))
		return 2;
	lo_ifindex = if_nametoindex("lo");
	test_start("setup");
	if (!lo_ifindex) {
		test_skip("no lo: XDP test runs need an existing ingress device");
	} else if (ASSERT_OK(dp_open(&dp, NULL, 0), "dp_open")) {
		if (!test_commit_yaml(&dp, policy)) {
			test_end();
			for (xdp = 1; xdp >= 0; xdp--)
				for (i = 0; i < ARRAY_SIZE(cases); i++)
					run_case(&cases[i], i, xdp);
			for (xdp = 1; xdp >= 0; xdp--)
				test_established(xdp);
			for (i = 0; i < ARRAY_SIZE(cases); i++)
				test_trace(&cases[i]);
			test_no_dry_tuples();
		}
		dp_close(&dp, false);
	}
	test_end();
	printf("dryrun: %d passed, %d failed%s\n", test_env.passed, test_env.failed,
	       test_env.skipped ? " (some skipped)" : "");
	return test_env.failed ? 1 : 0;
}
