// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/microbench.c: what a packet costs the data plane, measured with
 * BPF_PROG_TEST_RUN: a first packet against 10 to 100,000 rules, a packet of
 * a known flow (conntrack hit), a first packet that opens a flow, a
 * malformed packet; and what a flow costs in memory.
 *
 *   ward_microbench [-q] [-r repeat] [-n rounds] [-N n,n,..] [-S s,s,..]
 *                   [-s samples] [-M flows] [-c pattern] [-o out.md]
 *                   [-t out.tsv] [-R n,n,..] [-v]
 *
 * Every configuration (a rule set) gets its own data plane (dp_open without
 * pinning, then one dp_commit), and all of them stay loaded, so the timed
 * runs can interleave: each round runs every case once, round-robin, and a
 * case's figure is the median over rounds of the kernel-reported duration
 * (ns per run, integer, excludes preemption). Slow periods of the VM then
 * hit all cases alike instead of whichever happened to run during them.
 * Before timing, one run of each case must be counted by the rule (or
 * counter) the case claims decides it; after timing, all of its runs must
 * have been, and the flow table must hold exactly the flows the cases made
 * on purpose.
 *
 * Three kinds of case (enum mb_kind):
 * - a first packet that is dropped: it leaves no flow, so every repeat is
 *   a first packet again and repeat=R times it;
 * - a packet of a known flow: its flow is made first (one UDP packet, or a
 *   TCP handshake), then every repeat rides it;
 * - a first packet that is accepted and opens a flow: a repeat would find
 *   the flow, so it runs once per call (repeat=1), and the flow is deleted
 *   between calls. The kernel's duration of a single run holds a clock read
 *   that repeat=R amortises away; that overhead is measured on the
 *   malformed packet (its repeat=1 figure minus its repeat=R figure, in the
 *   same round) and subtracted. One run at a time is also colder than a
 *   loop over the same packet (the syscalls between runs evict some of the
 *   data plane's cache lines), so a dropped first packet is timed the same
 *   way beside it: the difference is what opening the flow costs.
 *
 * Also timed: compiling and committing each policy, the control plane's
 * apply time. The first commit goes into a fresh data plane; the re-commits
 * write the same policy again, which swaps slots and clears the old one,
 * as a reload of an unchanged ruleset does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "compile.h"
#include "dataplane.h"
#include "log.h"
#include "microbench.h"

/* -N and -S take up to MB_MAX_NS values: 3 rule sets and 5 cases per rule
 * count, one of each per shape count, and 2 parser cases fit the tables. */
#define MB_MAX_ROUNDS	101
#define MB_MAX_NS	8
#define MB_MAX_SETUPS	(4 * MB_MAX_NS + 4)
#define MB_MAX_CASES	(6 * MB_MAX_NS + 22)
#define MB_MAX_SAMPLES	200000	/* single runs per round of a repeat=1 case */
#define MB_MAX_PRE	3	/* packets that make a case's flow */
#define MB_KEY_MAX	64	/* room for a flow key */

/* Rule count of the shape sweep. */
#define MB_SHAPES_N	10000

struct mb_opts {
	unsigned int repeat;
	unsigned int rounds;
	unsigned int recommits;
	unsigned int ns[MB_MAX_NS];	/* rule counts; ns[0] is the reference */
	unsigned int n_ns;
	unsigned int shapes[MB_MAX_NS];	/* the shape sweep; empty: none */
	unsigned int n_shapes;
	unsigned int restart[MB_MAX_NS];	/* -R: only the restart commits */
	unsigned int n_restart;
	unsigned int samples;		/* single runs per round, repeat=1 cases */
	unsigned int mem_flows;		/* flows for the memory figure; 0: none */
	unsigned int mem_rounds;
	bool	quick;
	const char *only;		/* -c: the cases whose name holds this */
	const char *md_path;
	const char *tsv_path;
};

/* One rule set, loaded into its own data plane. */
struct mb_setup {
	enum mb_policy kind;
	unsigned int n;
	unsigned int shapes;		/* requested, MB_POL_SHAPES only */
	struct dataplane dp;
	__u32	n_tuples;		/* comp.hdr.n_tuples: the shapes walked */
	size_t	n_entries;
	double	load_ms;		/* dp_open */
	double	compile_ms;
	double	commit_ms;		/* first commit, fresh maps */
	double	recommit_ms;		/* median of the re-commits; < 0: none */
	bool	used;			/* some case that runs needs it */
};

enum mb_kind {
	MB_KIND_FIRST,		/* a dropped first packet, repeat=R */
	MB_KIND_EST,		/* a packet of a flow made by pre[], repeat=R */
	MB_KIND_NEW,		/* an accepted first packet, repeat=1, flow deleted */
	MB_KIND_ONE,		/* a dropped first packet, repeat=1, to compare */
	MB_KIND_TIMER,		/* repeat=1 minus repeat=R of the same packet */
};

/* One row of the table: a frame against a setup, and what must decide it. */
struct mb_case {
	const char *scenario;
	enum mb_kind kind;
	struct mb_setup *setup;
	const struct mb_case *ref;	/* the row the ratio is taken against */
	const char *n_label;		/* NULL: setup->n */
	unsigned char frame[MB_FRAME_MTU];
	__u32	frame_len;		/* 0: MB_FRAME_LEN */
	const char *rule;		/* deciding rule's name, NULL: none */
	int	counter;		/* WARD_CNT_* the packet must bump */
	__u32	retval;			/* XDP_PASS or XDP_DROP */
	unsigned int repeat;
	unsigned int samples;		/* NEW, ONE, TIMER: single runs per round */
	unsigned char pre[MB_MAX_PRE][MB_FRAME_LEN];	/* EST: make the flow */
	unsigned int n_pre;
	const struct mb_case *base;	/* TIMER: the repeat=R case; NEW, ONE: the TIMER */
	unsigned char flow_key[MB_KEY_MAX];	/* NEW: the flow it opens */
	int	stat;			/* rule's stat index, -1: none */
	__u64	runs;			/* runs since the snapshot below */
	__u64	cnt0, stat0;
	double	dur[MB_MAX_ROUNDS];
	double	raw[MB_MAX_ROUNDS];	/* NEW, ONE, TIMER: median single run */
	double	wall[MB_MAX_ROUNDS];
	double	med, min, max, wall_med;
};

static struct mb_setup setups[MB_MAX_SETUPS];
static size_t n_setups;
static struct mb_case cases[MB_MAX_CASES];
static size_t n_cases;
static double samples_buf[MB_MAX_SAMPLES];
static struct mb_ct_mem ct_mem;		/* mem_flows == 0: not measured */

/* -P */
static bool mb_no_prefilter;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* n <= MB_MAX_ROUNDS (MB_MAX_SETUPS is smaller). */
static double median(const double *v, size_t n, double *min, double *max)
{
	double s[MB_MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	if (min)
		*min = s[0];
	if (max)
		*max = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int setup_load(struct mb_setup *s, const struct mb_opts *o)
{
	struct pol_policy pol;
	struct compiled comp;
	double t0, rc[MB_MAX_ROUNDS];
	char err[256] = "";
	unsigned int i;
	int ret;

	ret = mb_policy_build(&pol, s->kind, s->n, s->shapes);
	if (ret) {
		fprintf(stderr, "building %s/%u: %s\n", mb_policy_name(s->kind), s->n,
			strerror(-ret));
		return ret;
	}
	t0 = mb_now_ms();
	ret = compile_policy(&pol, &comp, err, sizeof(err));
	s->compile_ms = mb_now_ms() - t0;
	pol_free(&pol);
	if (ret) {
		fprintf(stderr, "compiling %s/%u: %s\n", mb_policy_name(s->kind), s->n, err);
		return ret;
	}
	s->n_tuples = comp.hdr.n_tuples;
	s->n_entries = comp.n_entries;
	/* -P: the prefilter's entries are left out; the classifier decides. */
	if (mb_no_prefilter)
		comp.n_pf_src = comp.n_pf_port = comp.hdr.n_pf_src = comp.hdr.n_pf_port = 0;

	t0 = mb_now_ms();
	ret = dp_open(&s->dp, NULL, 0);	/* 0: the default flow table */
	s->load_ms = mb_now_ms() - t0;
	if (ret) {
		fprintf(stderr, "dp_open: %s\n", strerror(-ret));
		goto out_free;
	}
	t0 = mb_now_ms();
	ret = dp_commit(&s->dp, &comp, NULL, 0);
	s->commit_ms = mb_now_ms() - t0;
	for (i = 0; !ret && i < o->recommits; i++) {
		t0 = mb_now_ms();
		ret = dp_commit(&s->dp, &comp, NULL, 0);
		rc[i] = mb_now_ms() - t0;
	}
	if (ret) {
		fprintf(stderr, "dp_commit %s/%u: %s\n", mb_policy_name(s->kind), s->n,
			strerror(-ret));
		dp_close(&s->dp, false);
		goto out_free;
	}
	s->recommit_ms = o->recommits ? median(rc, o->recommits, NULL, NULL) : -1;
	fprintf(stderr, "  %-9s %6u rules: %7zu entries, %3u shapes; compile %.1f ms, "
		"load %.0f ms, commit %.1f ms\n", mb_policy_name(s->kind), s->n,
		s->n_entries, s->n_tuples, s->compile_ms, s->load_ms, s->commit_ms);
out_free:
	compiled_free(&comp);
	return ret;
}

static struct mb_setup *setup_add(enum mb_policy kind, unsigned int n, unsigned int shapes)
{
	struct mb_setup *s;

	if (n_setups == MB_MAX_SETUPS)
		return NULL;
	s = &setups[n_setups++];
	s->kind = kind;
	s->n = n;
	s->shapes = shapes;
	s->recommit_ms = -1;
	return s;
}

static struct mb_case *case_add(const char *scenario, struct mb_setup *s,
				const struct mb_case *ref, unsigned int repeat)
{
	struct mb_case *c;

	if (n_cases == MB_MAX_CASES)
		return NULL;
	c = &cases[n_cases++];
	c->scenario = scenario;
	c->setup = s;
	c->ref = ref ? ref : c;
	c->repeat = repeat;
	return c;
}

static __u64 rule_packets(struct dataplane *dp, __u32 idx)
{
	struct ward_stat *v = calloc(dp->ncpus, sizeof(*v));
	__u64 sum = 0;
	int i;

	if (v && !bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_rule_stats), &idx, v))
		for (i = 0; i < dp->ncpus; i++)
			sum += v[i].packets;
	free(v);
	return sum;
}

static __u64 counter_sum(struct dataplane *dp, __u32 idx)
{
	__u64 *v = calloc(dp->ncpus, sizeof(*v));
	__u64 sum = 0;
	int i;

	if (v && !bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.ward_counters), &idx, v))
		for (i = 0; i < dp->ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* The stat index dp_commit gave a rule name, or -1. */
static int stat_index(struct dataplane *dp, const char *name)
{
	__u32 i;

	for (i = 0; i < WARD_MAX_RULES; i++)
		if (!strcmp(dp->names[i].name, name))
			return (int)i;
	return -1;
}

static int run_once(struct mb_case *c, unsigned int repeat, __u32 *duration,
		    double *wall_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = c->frame,
		.data_size_in = c->frame_len ? c->frame_len : MB_FRAME_LEN,
		.repeat = repeat);
	int fd = bpf_program__fd(c->setup->dp.skel->progs.ward_xdp_ingress);
	double t0, t1;

	t0 = mb_now_ms();
	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	t1 = mb_now_ms();
	if (duration)
		*duration = opts.duration;
	if (wall_ns)
		*wall_ns = (t1 - t0) * 1e6 / repeat;
	if (opts.retval != c->retval) {
		fprintf(stderr, "%s/%u: verdict %u, expected %u\n", c->scenario,
			c->setup->n, opts.retval, c->retval);
		return -EPROTO;
	}
	return 0;
}

/* The flow table's key size; keys larger than MB_KEY_MAX are refused. */
static int ct_fd(struct dataplane *dp, __u32 *key_size)
{
	struct bpf_map *ct = dp->skel->maps.ward_ct;

	*key_size = bpf_map__key_size(ct);
	return *key_size <= MB_KEY_MAX ? bpf_map__fd(ct) : -E2BIG;
}

/*
 * Copies up to max keys of the flow table into keys (may be NULL) and
 * returns how many flows there are, or -errno.
 */
static int flow_keys(struct dataplane *dp, unsigned char (*keys)[MB_KEY_MAX], int max)
{
	unsigned char prev[MB_KEY_MAX], cur[MB_KEY_MAX];
	void *pp = NULL;
	__u32 ks;
	int fd = ct_fd(dp, &ks), n = 0;

	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, pp, cur)) {
		if (keys && n < max)
			memcpy(keys[n], cur, ks);
		n++;
		memcpy(prev, cur, ks);
		pp = prev;
	}
	return errno == ENOENT ? n : -errno;
}

/* One packet: the verdict, the counter and the deciding rule's stat must
 * move. An EST case's flow is made first; a NEW case's flow is found (the
 * one key that was not there before) and deleted again. */
static int case_verify(struct mb_case *c)
{
	static unsigned char before[MB_MAX_CASES][MB_KEY_MAX], after[MB_MAX_CASES][MB_KEY_MAX];
	struct dataplane *dp = &c->setup->dp;
	__u64 cnt0, cnt1, st0 = 0, st1 = 0;
	int idx = -1, ret, nb = 0, na, i, j, found = 0;
	struct mb_case pre = *c;
	unsigned int p;
	__u32 ks;

	for (p = 0; p < c->n_pre; p++) {
		memcpy(pre.frame, c->pre[p], MB_FRAME_LEN);
		pre.frame_len = 0;
		pre.retval = XDP_PASS;
		ret = run_once(&pre, 1, NULL, NULL);
		if (ret) {
			fprintf(stderr, "%s: packet %u that makes the flow\n", c->scenario, p + 1);
			return ret;
		}
	}
	if (c->kind == MB_KIND_NEW) {
		nb = flow_keys(dp, before, MB_MAX_CASES);
		if (nb < 0 || nb > MB_MAX_CASES)
			return nb < 0 ? nb : -E2BIG;
	}
	if (c->rule) {
		idx = stat_index(dp, c->rule);
		if (idx < 0) {
			fprintf(stderr, "%s: no rule named %s\n", c->scenario, c->rule);
			return -ENOENT;
		}
		st0 = rule_packets(dp, idx);
	}
	cnt0 = counter_sum(dp, c->counter);
	ret = run_once(c, 1, NULL, NULL);
	if (ret)
		return ret;
	cnt1 = counter_sum(dp, c->counter);
	if (idx >= 0)
		st1 = rule_packets(dp, idx);
	c->stat = idx;
	if (cnt1 != cnt0 + 1 || st1 != st0 + (idx >= 0)) {
		fprintf(stderr, "%s/%u: not decided where expected (%s: %llu -> %llu, "
			"rule %s: %llu -> %llu)\n", c->scenario, c->setup->n,
			dp_counter_name(c->counter), (unsigned long long)cnt0,
			(unsigned long long)cnt1, c->rule ? c->rule : "-",
			(unsigned long long)st0, (unsigned long long)st1);
		return -EPROTO;
	}
	if (c->kind != MB_KIND_NEW)
		return 0;

	na = flow_keys(dp, after, MB_MAX_CASES);
	if (na < 0 || na > MB_MAX_CASES)
		return na < 0 ? na : -E2BIG;
	ct_fd(dp, &ks);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (!memcmp(after[i], before[j], ks))
				break;
		if (j == nb) {
			memcpy(c->flow_key, after[i], ks);
			found++;
		}
	}
	if (found != 1) {
		fprintf(stderr, "%s/%u: the packet opened %d flows, expected 1\n",
			c->scenario, c->setup->n, found);
		return -EPROTO;
	}
	return bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ward_ct), c->flow_key) ?
	       -errno : 0;
}

static void case_snapshot(struct mb_case *c)
{
	c->runs = 0;
	c->cnt0 = counter_sum(&c->setup->dp, c->counter);
	c->stat0 = c->stat >= 0 ? rule_packets(&c->setup->dp, c->stat) : 0;
}

/*
 * After timing: every run was counted where the case says, and the flow
 * table holds the EST cases' flows and nothing else: a flow left by a
 * dropped packet would turn the following runs into established packets
 * that skip the classifier, and one left by a NEW run would make the
 * following ones established. Several cases may share a data plane, so the
 * expected counts add up over them.
 */
static int check_runs(void)
{
	size_t i, j;

	for (i = 0; i < n_cases; i++) {
		struct mb_case *c = &cases[i];
		struct dataplane *dp = &c->setup->dp;
		__u64 want_cnt = 0, want_stat = 0, cnt, st;
		int want_flows = 0, flows;

		for (j = 0; j < n_cases; j++) {
			if (cases[j].setup != c->setup)
				continue;
			if (cases[j].counter == c->counter)
				want_cnt += cases[j].runs;
			if (c->stat >= 0 && cases[j].stat == c->stat)
				want_stat += cases[j].runs;
			want_flows += cases[j].kind == MB_KIND_EST;
		}
		cnt = counter_sum(dp, c->counter) - c->cnt0;
		st = c->stat >= 0 ? rule_packets(dp, c->stat) - c->stat0 : 0;
		if (cnt != want_cnt || st != want_stat) {
			fprintf(stderr, "%s/%u: %llu runs counted as %s (want %llu), %llu by "
				"rule %s (want %llu)\n", c->scenario, c->setup->n,
				(unsigned long long)cnt, dp_counter_name(c->counter),
				(unsigned long long)want_cnt, (unsigned long long)st,
				c->rule ? c->rule : "-", (unsigned long long)want_stat);
			return -EPROTO;
		}
		flows = flow_keys(dp, NULL, 0);
		if (flows != want_flows) {
			fprintf(stderr, "%s/%u: %d flows in the table, expected %d: the runs "
				"were not all the packets they claim to be\n", c->scenario,
				c->setup->n, flows, want_flows);
			return -EPROTO;
		}
	}
	return 0;
}

/* Every measured TCP packet is dropped: see MB_RULE_* in microbench.h. */
static void case_tcp(struct mb_case *c, __u16 dport, const char *rule, int counter)
{
	mb_frame_tcp4(c->frame, MB_PKT_SRC, MB_PKT_DST, MB_PKT_SPORT, dport);
	c->rule = rule;
	c->counter = counter;
	c->retval = XDP_DROP;
}

/* One row per rule count; the first row is the others' reference. */
static void case_row(const char *scenario, struct mb_setup **s, unsigned int n,
		     unsigned int repeat, __u16 dport, const char *rule, int counter)
{
	struct mb_case *c, *ref = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		c = case_add(scenario, s[i], ref, repeat);
		case_tcp(c, dport, rule, counter);
		ref = ref ? ref : c;
	}
}

#define TCPF_FIN_	0x01
#define TCPF_SYN_	0x02
#define TCPF_PSH_	0x08
#define TCPF_ACK_	0x10

/* Source ports of the conntrack cases: one flow each. */
#define MB_SPORT_EST_UDP	40010
#define MB_SPORT_EST_TCP	40011
#define MB_SPORT_SYN_64		40012
#define MB_SPORT_SYN_MTU	40013
#define MB_SPORT_NEW_UDP	40020
#define MB_SPORT_NEW_TCP	40021

/* A DNS query's flow, made by its first packet; the same packet again is
 * the timed one. */
static void case_est_udp(struct mb_case *c)
{
	mb_frame_udp4(c->pre[0], MB_PKT_SRC, MB_PKT_DST, MB_SPORT_EST_UDP, MB_PORT_SVC_UDP);
	mb_frame_udp4(c->frame, MB_PKT_SRC, MB_PKT_DST, MB_SPORT_EST_UDP, MB_PORT_SVC_UDP);
	c->n_pre = 1;
	c->kind = MB_KIND_EST;
	c->rule = MB_RULE_SVC_UDP;
	c->counter = WARD_CNT_CT_ESTABLISHED;
	c->retval = XDP_PASS;
}

/*
 * An SSH connection: SYN, SYN-ACK, ACK make it established; the timed
 * packet is the client's first data segment (10 bytes, filling 64). Sent
 * again and again it is a retransmission of acknowledged-or-not data inside
 * the window: tracked, and passed.
 */
static void case_est_tcp(struct mb_case *c, __u16 sport)
{
	struct mb_tcp_seg cl = {
		.src = MB_PKT_SRC, .dst = MB_PKT_DST, .sport = sport,
		.dport = MB_PORT_SVC_TCP, .flags = TCPF_SYN_, .seq = 1000, .win = 64240,
		.opts = 1,
	};
	struct mb_tcp_seg sv = {
		.src = MB_PKT_DST, .dst = MB_PKT_SRC, .sport = MB_PORT_SVC_TCP,
		.dport = sport, .flags = TCPF_SYN_ | TCPF_ACK_, .seq = 5000,
		.ack = 1001, .win = 65160, .opts = 1,
	};

	mb_frame_tcp4_seg(c->pre[0], &cl);
	mb_frame_tcp4_seg(c->pre[1], &sv);
	cl.flags = TCPF_ACK_;
	cl.seq = 1001;
	cl.ack = 5001;
	cl.win = 502;		/* scaled by 2^7 */
	cl.opts = 0;
	mb_frame_tcp4_seg(c->pre[2], &cl);
	cl.flags = TCPF_PSH_ | TCPF_ACK_;
	cl.payload = MB_FRAME_LEN - ETH_HLEN - 20 - 20;
	mb_frame_tcp4_seg(c->frame, &cl);
	c->n_pre = 3;
	c->kind = MB_KIND_EST;
	c->rule = MB_RULE_SVC_TCP;
	c->counter = WARD_CNT_CT_ESTABLISHED;
	c->retval = XDP_PASS;
}

/*
 * The cost of verifying a TCP checksum: the client's SYN on its own live
 * flow (it lost the connection and tries again from the same port) is
 * checksummed and passed untracked (tcp_ignored), again and again. In a
 * 64-byte frame (a 30-byte segment) and in a full 1514-byte one (1480
 * bytes summed), next to the established data segment above, which is not
 * checksummed.
 */
static void case_syn_live(struct mb_case *c, bool mtu)
{
	struct mb_tcp_seg syn = {
		.src = MB_PKT_SRC, .dst = MB_PKT_DST,
		.sport = mtu ? MB_SPORT_SYN_MTU : MB_SPORT_SYN_64,
		.dport = MB_PORT_SVC_TCP, .flags = TCPF_SYN_, .seq = 90000000, .win = 64240,
	};

	case_est_tcp(c, syn.sport);
	syn.payload = (mtu ? MB_FRAME_MTU : MB_FRAME_LEN) - ETH_HLEN - 20 - 20;
	memset(c->frame, 0, sizeof(c->frame));
	mb_frame_tcp4_seg(c->frame, &syn);
	c->frame_len = mtu ? MB_FRAME_MTU : 0;
	/* Passed on the flow: ct_established, and tcp_ignored besides. */
}

static void case_new(struct mb_case *c, bool tcp, const struct mb_case *timer,
		     unsigned int samples)
{
	struct mb_tcp_seg syn = {
		.src = MB_PKT_SRC, .dst = MB_PKT_DST, .sport = MB_SPORT_NEW_TCP,
		.dport = MB_PORT_SVC_TCP, .flags = TCPF_SYN_, .seq = 1000, .win = 64240,
		.opts = 1,
	};

	if (tcp)
		mb_frame_tcp4_seg(c->frame, &syn);
	else
		mb_frame_udp4(c->frame, MB_PKT_SRC, MB_PKT_DST, MB_SPORT_NEW_UDP,
			      MB_PORT_SVC_UDP);
	c->kind = MB_KIND_NEW;
	c->samples = samples;
	c->base = timer;
	c->rule = tcp ? MB_RULE_SVC_TCP : MB_RULE_SVC_UDP;
	c->counter = WARD_CNT_ACCEPT;
	c->retval = XDP_PASS;
}

enum { SINGLE_DROP, SINGLE_UDP, SINGLE_TCP };

/* One single-run row per setup: a dropped first packet (MB_KIND_ONE) or a
 * new flow's first packet (MB_KIND_NEW); the first row is the reference. */
static void case_single_row(const char *scenario, struct mb_setup **s, unsigned int n,
			    int what, const struct mb_case *timer, unsigned int samples)
{
	struct mb_case *c, *ref = NULL;
	unsigned int k;

	for (k = 0; k < n; k++) {
		c = case_add(scenario, s[k], ref, 1);
		if (what == SINGLE_DROP) {
			case_tcp(c, MB_PORT_NO_MATCH, "default", WARD_CNT_DROP_POLICY);
			c->kind = MB_KIND_ONE;
			c->samples = samples;
			c->base = timer;
		} else {
			case_new(c, what == SINGLE_TCP, timer, samples);
		}
		ref = ref ? ref : c;
	}
}

/* The tables hold what -N and -S allow (MB_MAX_*): no add can fail here. */
static void plan(const struct mb_opts *o)
{
	struct mb_setup *blk[MB_MAX_NS], *mix[MB_MAX_NS], *pfx[MB_MAX_NS];
	struct mb_setup *shp[MB_MAX_NS], *svc[2], *dry[2];
	static char shp_label[16];
	struct mb_case *c, *bad, *timer, *ref;
	unsigned int i, n_svc = 0, k;

	for (i = 0; i < o->n_ns; i++) {
		blk[i] = setup_add(MB_POL_BLOCKLIST, o->ns[i], 0);
		mix[i] = setup_add(MB_POL_MIXED, o->ns[i], 0);
		pfx[i] = setup_add(MB_POL_PREFIXES, o->ns[i], 0);
	}
	for (i = 0; i < o->n_shapes; i++)
		shp[i] = setup_add(MB_POL_SHAPES, MB_SHAPES_N, o->shapes[i]);
	/* Conntrack against the fewest and the most rules: a known flow should
	 * not care, and a new one pays for one first packet. */
	svc[n_svc++] = setup_add(MB_POL_SERVICES, o->ns[0], 0);
	if (o->n_ns > 1)
		svc[n_svc++] = setup_add(MB_POL_SERVICES, o->ns[o->n_ns - 1], 0);
	/* The same with dry-run rules: what trying a rule costs a new flow. */
	for (k = 0; k < n_svc; k++)
		dry[k] = setup_add(MB_POL_SERVICES_DRY, svc[k]->n, 0);

	case_row("worst position", blk, o->n_ns, o->repeat, MB_PORT_BLOCKLIST_LAST,
		 MB_RULE_BLOCKLIST_LAST, WARD_CNT_DROP_RULE);
	case_row("no match", blk, o->n_ns, o->repeat, MB_PORT_NO_MATCH,
		 "default", WARD_CNT_DROP_POLICY);
	case_row("mixed, last rule", mix, o->n_ns, o->repeat, MB_PORT_MIXED_LAST,
		 MB_RULE_MIXED_LAST, WARD_CNT_DROP_RULE);
	case_row("mixed, no match", mix, o->n_ns, o->repeat, MB_PORT_NO_MATCH,
		 "default", WARD_CNT_DROP_POLICY);
	/* ~0.5 us per packet: a quarter of the runs takes as long as the others. */
	case_row("prefix blocklist, no match", pfx, o->n_ns,
		 o->repeat / 4 ? o->repeat / 4 : 1, MB_PORT_NO_MATCH,
		 "default", WARD_CNT_DROP_POLICY);
	/* Up to 128 lookups, microseconds: an eighth. */
	case_row("shape sweep, no match", shp, o->n_shapes,
		 o->repeat / 8 ? o->repeat / 8 : 1, MB_PORT_NO_MATCH,
		 "default", WARD_CNT_DROP_POLICY);
	snprintf(shp_label, sizeof(shp_label), "%u", MB_SHAPES_N);
	for (i = 0; i < n_cases; i++)
		if (cases[i].setup->kind == MB_POL_SHAPES)
			cases[i].n_label = shp_label;

	/* The parser's exits, before any policy is read. */
	bad = case_add("malformed IPv4 (parser drop)", blk[0], NULL, o->repeat);
	mb_frame_bad_ip4(bad->frame);
	bad->n_label = "-";
	bad->counter = WARD_CNT_DROP_BAD_IP4;
	bad->retval = XDP_DROP;
	c = case_add("non-IP frame (ARP, pass)", blk[0], NULL, o->repeat);
	mb_frame_arp(c->frame);
	c->n_label = "-";
	c->counter = WARD_CNT_PASS_NON_IP;
	c->retval = XDP_PASS;

	for (k = 0, ref = NULL; k < n_svc; k++) {
		c = case_add("established UDP flow (conntrack hit)", svc[k], ref, o->repeat);
		case_est_udp(c);
		ref = ref ? ref : c;
	}
	for (k = 0, ref = NULL; k < n_svc; k++) {
		c = case_add("established TCP flow (window tracked)", svc[k], ref, o->repeat);
		case_est_tcp(c, MB_SPORT_EST_TCP);
		ref = ref ? ref : c;
	}
	c = case_add("SYN on a live flow, 64 B (checksum verified)", svc[0], ref, o->repeat);
	case_syn_live(c, false);
	c = case_add("SYN on a live flow, 1514 B (checksum verified)", svc[0], ref, o->repeat);
	case_syn_live(c, true);
	timer = case_add("repeat=1 timer overhead (subtracted below)", blk[0], NULL, 1);
	mb_frame_bad_ip4(timer->frame);
	timer->kind = MB_KIND_TIMER;
	timer->samples = o->samples;
	timer->base = bad;
	timer->n_label = "-";
	timer->counter = bad->counter;
	timer->retval = bad->retval;
	/* One run at a time: a dropped first packet, the first packets that
	 * open UDP and TCP flows. The same with dry-run rules in the policy
	 * (MB_POL_SERVICES_DRY): the dropped packet and the UDP flow match
	 * none of them (the dropped one walks them all: the policy decides),
	 * the TCP flow one, which counts it. */
	case_single_row("dropped first packet, one run at a time", svc, n_svc, SINGLE_DROP,
			timer, o->samples);
	case_single_row("new UDP flow (accept + create)", svc, n_svc, SINGLE_UDP, timer,
			o->samples);
	case_single_row("new TCP flow, SYN (accept + create)", svc, n_svc, SINGLE_TCP, timer,
			o->samples);
	case_single_row("dropped first packet, dry-run rules, none match", dry, n_svc,
			SINGLE_DROP, timer, o->samples);
	case_single_row("new UDP flow, dry-run rules, none match", dry, n_svc, SINGLE_UDP,
			timer, o->samples);
	case_single_row("new TCP flow, SYN, a dry-run rule matches (counted)", dry, n_svc,
			SINGLE_TCP, timer, o->samples);
}

/*
 * n single runs (repeat=1) of a NEW or TIMER case; a NEW case's flow is
 * deleted after each. *raw: the median kernel duration, *wall: the mean
 * user-side time of one test-run call (the deletes not included).
 */
static int run_samples(struct mb_case *c, unsigned int n, double *raw, double *wall)
{
	int fd = bpf_map__fd(c->setup->dp.skel->maps.ward_ct);
	double w, wsum = 0;
	unsigned int i;
	__u32 d;
	int ret;

	for (i = 0; i < n; i++) {
		ret = run_once(c, 1, &d, &w);
		if (ret)
			return ret;
		/* The flow must be there: else the run did not open one. */
		if (c->kind == MB_KIND_NEW && bpf_map_delete_elem(fd, c->flow_key)) {
			fprintf(stderr, "%s/%u: run %u opened no flow\n", c->scenario,
				c->setup->n, i);
			return -EPROTO;
		}
		samples_buf[i] = d;
		wsum += w;
	}
	qsort(samples_buf, n, sizeof(*samples_buf), cmp_double);
	*raw = n % 2 ? samples_buf[n / 2] : (samples_buf[n / 2 - 1] + samples_buf[n / 2]) / 2;
	if (wall)
		*wall = wsum / n;
	return 0;
}

static int run_round(struct mb_case *c, unsigned int r)
{
	__u32 d;
	int ret;

	if (c->samples) {
		ret = run_samples(c, c->samples, &c->raw[r], &c->wall[r]);
		c->runs += c->samples;
		return ret;
	}
	ret = run_once(c, c->repeat, &d, &c->wall[r]);
	c->dur[r] = d;
	c->runs += c->repeat;
	return ret;
}

/*
 * -c: keep the cases whose name holds the pattern, and what they need (a
 * NEW case its timer, the timer its repeat=R case), in their order; only
 * their setups are loaded. For profiling one path:
 *   perf record -e cpu-clock -g ward_microbench -c "established UDP"
 */
static int select_cases(const char *only)
{
	static struct mb_case kept[MB_MAX_CASES];
	int map[MB_MAX_CASES];
	bool keep[MB_MAX_CASES];
	size_t i, n = 0;

	for (i = 0; i < n_cases; i++)
		keep[i] = !only || strstr(cases[i].scenario, only);
	for (i = n_cases; i-- > 0;)
		if (keep[i] && cases[i].base)
			keep[cases[i].base - cases] = true;
	for (i = 0; i < n_cases; i++) {
		map[i] = keep[i] ? (int)n : -1;
		if (keep[i])
			kept[n++] = cases[i];
	}
	if (!n)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		struct mb_case *c = &kept[i];
		int ref = map[c->ref - cases];

		c->ref = &cases[ref >= 0 ? ref : (int)i];
		if (c->base)
			c->base = &cases[map[c->base - cases]];
		c->setup->used = true;
	}
	memcpy(cases, kept, n * sizeof(*cases));
	n_cases = n;
	return 0;
}

static int measure(const struct mb_opts *o)
{
	unsigned int r;
	size_t i;
	int ret;

	for (i = 0; i < n_cases; i++)
		case_snapshot(&cases[i]);
	/* Warm caches and the JIT image once, untimed. */
	for (i = 0; i < n_cases; i++) {
		struct mb_case *c = &cases[i];
		unsigned int warm = (c->samples ? c->samples : c->repeat) / 10;

		warm = warm ? warm : 1;
		if (c->samples)
			ret = run_samples(c, warm, &c->raw[0], NULL);
		else
			ret = run_once(c, warm, NULL, NULL);
		if (ret)
			return ret;
		c->runs += warm;
	}
	for (r = 0; r < o->rounds; r++) {
		for (i = 0; i < n_cases; i++) {
			ret = run_round(&cases[i], r);
			if (ret) {
				fprintf(stderr, "test_run %s/%u: %s\n", cases[i].scenario,
					cases[i].setup->n, strerror(-ret));
				return ret;
			}
		}
		/* Within the round: the timer's overhead first, then the NEW
		 * cases net of it. */
		for (i = 0; i < n_cases; i++)
			if (cases[i].kind == MB_KIND_TIMER)
				cases[i].dur[r] = cases[i].raw[r] - cases[i].base->dur[r];
		for (i = 0; i < n_cases; i++)
			if (cases[i].kind == MB_KIND_NEW || cases[i].kind == MB_KIND_ONE)
				cases[i].dur[r] = cases[i].raw[r] - cases[i].base->dur[r];
	}
	ret = check_runs();
	if (ret)
		return ret;
	for (i = 0; i < n_cases; i++) {
		struct mb_case *c = &cases[i];

		c->med = median(c->dur, o->rounds, &c->min, &c->max);
		c->wall_med = median(c->wall, o->rounds, NULL, NULL);
	}
	return 0;
}

static const char *n_label(const struct mb_case *c, char *buf, size_t len)
{
	if (c->n_label)
		return c->n_label;
	snprintf(buf, len, "%u", c->setup->n);
	return buf;
}

static void print_text(FILE *f, const struct mb_opts *o)
{
	char nb[16];
	size_t i;

	fprintf(f, "\n# repeat=%u rounds=%u; ns per packet (kernel duration): median [min-max] "
		"over rounds; wall = user-side incl. syscall\n", o->repeat, o->rounds);
	fprintf(f, "%-44s %7s %8s %13s %7s %6s %6s\n", "scenario", "N", "median",
		"[min-max]", "wall", "shapes", "ratio");
	for (i = 0; i < n_cases; i++) {
		const struct mb_case *c = &cases[i];
		char range[32];

		snprintf(range, sizeof(range), "[%.0f-%.0f]", c->min, c->max);
		fprintf(f, "%-44s %7s %8.1f %13s %7.1f %6u", c->scenario,
			n_label(c, nb, sizeof(nb)), c->med, range, c->wall_med,
			c->setup->n_tuples);
		if (c->ref != c || (i + 1 < n_cases && cases[i + 1].ref == c))
			fprintf(f, " %6.2f\n", c->med / c->ref->med);
		else
			fprintf(f, " %6s\n", "-");
	}
	fprintf(f, "\n# control plane (ms): compile, first commit into fresh maps, "
		"re-commit of the same policy (median of %u)\n", o->recommits);
	fprintf(f, "%-10s %7s %8s %6s %9s %9s %9s\n", "policy", "N", "entries", "shapes",
		"compile", "commit", "re-commit");
	for (i = 0; i < n_setups; i++) {
		const struct mb_setup *s = &setups[i];

		if (!s->used)
			continue;
		fprintf(f, "%-10s %7u %8zu %6u %9.1f %9.1f %9.1f\n", mb_policy_name(s->kind),
			s->n, s->n_entries, s->n_tuples, s->compile_ms, s->commit_ms,
			s->recommit_ms);
	}
	if (ct_mem.flows)
		fprintf(f, "\n# flow table: %u flows (table of %u): memlock %.0f B empty, "
			"%.0f B full; slab objects +%.0f B = %.1f B per flow; fill %.0f ms\n",
			ct_mem.flows, ct_mem.max_flows, ct_mem.memlock_empty,
			ct_mem.memlock_full, ct_mem.slab_delta, ct_mem.slab_delta / ct_mem.flows,
			ct_mem.fill_ms);
}

static int write_md(const char *path, const struct mb_opts *o)
{
	FILE *f = fopen(path, "w");
	double loads[MB_MAX_SETUPS];
	size_t i, n_loads;
	char nb[16];

	if (!f)
		return -errno;
	fprintf(f, "Data plane, ns per packet: `bpf_prog_test_run_opts` on 64-byte frames, "
		"repeat=%u (prefix blocklist: %u, shape sweep: %u), %u rounds interleaved; median of the "
		"kernel-reported duration [min-max over rounds]; wall = user-side time "
		"per run incl. the syscall; ratio to the first row of the scenario. "
		"New flows: %u single runs (repeat=1) per round, the flow deleted after "
		"each, median per round, net of the timer overhead row; their wall is "
		"per call.\n\n", o->repeat, o->repeat / 4, o->repeat / 8, o->rounds, o->samples);
	fprintf(f, "| scenario | N rules | median ns | [min-max] | wall ns | shapes | ratio |\n");
	fprintf(f, "| --- | ---: | ---: | --- | ---: | ---: | ---: |\n");
	for (i = 0; i < n_cases; i++) {
		const struct mb_case *c = &cases[i];
		char ratio[16] = "-";

		if (c->ref != c || (i + 1 < n_cases && cases[i + 1].ref == c))
			snprintf(ratio, sizeof(ratio), "%.2f", c->med / c->ref->med);
		fprintf(f, "| %s | %s | %.0f | [%.0f-%.0f] | %.1f | %u | %s |\n",
			c->scenario, n_label(c, nb, sizeof(nb)), c->med, c->min, c->max,
			c->wall_med, c->setup->n_tuples, ratio);
	}
	for (i = 0, n_loads = 0; i < n_setups; i++)
		if (setups[i].used)
			loads[n_loads++] = setups[i].load_ms;
	fprintf(f, "\nControl plane, ms: `compile_policy`; `dp_commit` into a fresh "
		"data plane; re-commit of the same policy (slot swap + clearing the old "
		"slot), median of %u. Data plane load (`dp_open`, verifier): median "
		"%.0f ms.\n\n", o->recommits, median(loads, n_loads, NULL, NULL));
	fprintf(f, "| policy | N rules | entries | shapes | compile ms | commit ms | "
		"re-commit ms |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < n_setups; i++) {
		const struct mb_setup *s = &setups[i];

		if (!s->used)
			continue;
		fprintf(f, "| %s | %u | %zu | %u | %.1f | %.1f | %.1f |\n",
			mb_policy_name(s->kind), s->n, s->n_entries, s->n_tuples,
			s->compile_ms, s->commit_ms, s->recommit_ms);
	}
	if (ct_mem.flows) {
		fprintf(f, "\nFlow table memory: %u flows in a table of %u (`bpf_map_update_batch`); "
			"memlock from the map's fdinfo, slab objects in use from /proc/slabinfo.\n\n",
			ct_mem.flows, ct_mem.max_flows);
		fprintf(f, "| flows | memlock empty MiB | memlock full MiB | slab objects MiB | "
			"B per flow (slab) | B per flow (memlock) | fill ms |\n");
		fprintf(f, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		fprintf(f, "| %u | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f |\n", ct_mem.flows,
			ct_mem.memlock_empty / 1048576, ct_mem.memlock_full / 1048576,
			ct_mem.slab_delta / 1048576, ct_mem.slab_delta / ct_mem.flows,
			(ct_mem.memlock_full - ct_mem.memlock_empty) / ct_mem.flows,
			ct_mem.fill_ms);
	}
	return fclose(f) ? -errno : 0;
}

/* One line per figure, tab-separated, for bench/run.sh to merge runs. */
static int write_tsv(const char *path)
{
	FILE *f = fopen(path, "w");
	char nb[16];
	size_t i;

	if (!f)
		return -errno;
	for (i = 0; i < n_cases; i++) {
		const struct mb_case *c = &cases[i];

		fprintf(f, "dp\t%s\t%s\t%u\t%.1f\t%.0f\t%.0f\t%.2f\t%zu\n", c->scenario,
			n_label(c, nb, sizeof(nb)), c->setup->n_tuples, c->med, c->min,
			c->max, c->wall_med, (size_t)(c->ref - cases));
	}
	for (i = 0; i < n_setups; i++) {
		const struct mb_setup *s = &setups[i];

		if (!s->used)
			continue;
		fprintf(f, "cp\t%s\t%u\t%zu\t%u\t%.1f\t%.1f\t%.1f\t%.1f\n",
			mb_policy_name(s->kind), s->n, s->n_entries, s->n_tuples,
			s->compile_ms, s->commit_ms, s->recommit_ms, s->load_ms);
	}
	if (ct_mem.flows)
		fprintf(f, "mem\t%u\t%u\t%.0f\t%.0f\t%.0f\t%.1f\n", ct_mem.flows,
			ct_mem.max_flows, ct_mem.memlock_empty, ct_mem.memlock_full,
			ct_mem.slab_delta, ct_mem.fill_ms);
	return fclose(f) ? -errno : 0;
}

static int parse_list(const char *arg, unsigned int *v, unsigned int *n)
{
	char buf[256], *tok, *save, *end;

	snprintf(buf, sizeof(buf), "%s", arg);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long x = strtoul(tok, &end, 10);

		if (*end || !x || x > WARD_MAX_RULES || *n == MB_MAX_NS)
			return -EINVAL;
		v[(*n)++] = x;
	}
	return *n ? 0 : -EINVAL;
}

/* -R: a table of its own, no data-plane timing. */
static int restart_bench(const struct mb_opts *o)
{
	struct mb_restart r[MB_MAX_NS];
	FILE *f = NULL, *t = NULL;
	unsigned int i;

	for (i = 0; i < o->n_restart; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].n = o->restart[i];
		fprintf(stderr, "restart: %u rules\n", r[i].n);
		if (mb_restart_run(&r[i]))
			return -1;
	}
	if (o->md_path) {
		f = fopen(o->md_path, "w");
		if (!f) {
			fprintf(stderr, "%s: %s\n", o->md_path, strerror(errno));
			return -1;
		}
	}
	printf("# dp_commit of a blocklist (ms): into fresh pinned maps, first after a "
	       "restart that adopted them, the one after\n");
	printf("%7s %9s %9s %9s\n", "N", "fresh", "restarted", "next");
	if (f)
		fprintf(f, "| N rules | fresh commit ms | first commit after restart ms | "
			"next commit ms |\n| ---: | ---: | ---: | ---: |\n");
	if (o->tsv_path) {
		t = fopen(o->tsv_path, "w");
		if (!t) {
			fprintf(stderr, "%s: %s\n", o->tsv_path, strerror(errno));
			if (f)
				fclose(f);
			return -1;
		}
	}
	for (i = 0; i < o->n_restart; i++) {
		printf("%7u %9.1f %9.1f %9.1f\n", r[i].n, r[i].first_ms, r[i].adopted_ms,
		       r[i].next_ms);
		if (f)
			fprintf(f, "| %u | %.1f | %.1f | %.1f |\n", r[i].n, r[i].first_ms,
				r[i].adopted_ms, r[i].next_ms);
		if (t)
			fprintf(t, "rs\t%u\t%.1f\t%.1f\t%.1f\n", r[i].n, r[i].first_ms,
				r[i].adopted_ms, r[i].next_ms);
	}
	if (t && fclose(t))
		return -1;
	return f && fclose(f) ? -1 : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-q] [-r repeat] [-n rounds] [-N n,n,..] [-S s,s,..] [-s samples]\n"
		"       [-M flows] [-o out.md] [-t out.tsv] [-R n,n,..] [-v]\n"
		"  -q  quick: repeat 100000, 3 rounds, no shape sweep, 2000 samples,\n"
		"      a flow table of 65536 flows once (~25 s)\n"
		"  -P  no prefilter: every first packet walks the classifier (A/B)\n"
		"  -r  runs per test_run call (default 1000000)\n"
		"  -n  rounds, every case once per round (default 11)\n"
		"  -N  rule counts (default 10,1000,10000,100000; the first is the reference)\n"
		"  -S  shape counts of the sweep at %u rules (default 1,8,32,128; 0: none)\n"
		"  -s  single runs per round of the new-flow cases (default 20000)\n"
		"  -M  fill a flow table of this many flows for its memory, 3 times\n"
		"      (default 1048576; 0: don't)\n"
		"  -c  only the cases whose name holds this (and what they need), for\n"
		"      profiling one path\n"
		"  -o  write the tables as markdown\n"
		"  -t  write the figures tab-separated (bench/run.sh merges runs)\n"
		"  -R  only time dp_commit after a restart over pinned maps, for these\n"
		"      rule counts (pins under /sys/fs/bpf/ward-microbench-PID, removed)\n"
		"  -v  log what the data plane does\n", prog, MB_SHAPES_N);
}

int main(int argc, char **argv)
{
	struct mb_opts o = {
		.repeat = 1000000, .rounds = 11, .recommits = 3,
		.ns = { 10, 1000, 10000, 100000 }, .n_ns = 4,
		.shapes = { 1, 8, 32, 128 }, .n_shapes = 4,
		.samples = 20000, .mem_flows = 1u << 20, .mem_rounds = 3,
	};
	bool set_r = false, set_n = false, set_s = false, set_samples = false, set_m = false;
	unsigned long v;
	char *end;
	enum log_level lvl = LOG_LVL_WARN;
	double t0 = mb_now_ms();
	size_t i;
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "qr:n:N:S:s:M:c:o:t:R:vPh")) != -1) {
		switch (opt) {
		case 'q':
			o.quick = true;
			break;
		case 'r':
			o.repeat = strtoul(optarg, NULL, 10);
			set_r = true;
			break;
		case 'n':
			o.rounds = strtoul(optarg, NULL, 10);
			set_n = true;
			break;
		case 'N':
			if (parse_list(optarg, o.ns, &o.n_ns)) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 'S':
			set_s = true;
			if (!strcmp(optarg, "0")) {
				o.n_shapes = 0;
			} else if (parse_list(optarg, o.shapes, &o.n_shapes)) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 's':
			v = strtoul(optarg, &end, 10);
			if (*end || !v || v > MB_MAX_SAMPLES) {
				usage(argv[0]);
				return 1;
			}
			o.samples = v;
			set_samples = true;
			break;
		case 'M':
			v = strtoul(optarg, &end, 10);
			if (*end || v > (1ul << 26)) {
				usage(argv[0]);
				return 1;
			}
			o.mem_flows = v;
			set_m = true;
			break;
		case 'R':
			if (parse_list(optarg, o.restart, &o.n_restart)) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 'c':
			o.only = optarg;
			break;
		case 'o':
			o.md_path = optarg;
			break;
		case 't':
			o.tsv_path = optarg;
			break;
		case 'v':
			lvl = LOG_LVL_INFO;
			break;
		case 'P':
			mb_no_prefilter = true;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 1;
		}
	}
	if (o.quick) {
		if (!set_r)
			o.repeat = 100000;
		if (!set_n)
			o.rounds = 3;
		if (!set_s)
			o.n_shapes = 0;
		if (!set_samples)
			o.samples = 2000;
		if (!set_m)
			o.mem_flows = 65536;
		o.mem_rounds = 1;
		o.recommits = 1;
	}
	if (!o.repeat || !o.rounds || o.rounds > MB_MAX_ROUNDS) {
		usage(argv[0]);
		return 1;
	}
	for (i = 0; i < o.n_shapes; i++) {
		if (o.shapes[i] > WARD_MAX_TUPLES) {
			fprintf(stderr, "-S: at most %d shapes\n", WARD_MAX_TUPLES);
			return 1;
		}
	}
	log_init("ward_microbench", 0, lvl);
	if (o.n_restart)
		return restart_bench(&o) ? 1 : 0;

	plan(&o);
	if (select_cases(o.only)) {
		fprintf(stderr, "-c %s: no such case\n", o.only);
		return 1;
	}
	fprintf(stderr, "loading %zu rule sets\n", n_setups);
	for (i = 0; i < n_setups; i++)
		if (setups[i].used && setup_load(&setups[i], &o))
			goto out;
	for (i = 0; i < n_cases; i++)
		if (case_verify(&cases[i]))
			goto out;
	fprintf(stderr, "timing %zu cases: %u rounds of %u runs each (%.1f s so far)\n",
		n_cases, o.rounds, o.repeat, (mb_now_ms() - t0) / 1e3);
	if (measure(&o))
		goto out;
	if (o.mem_flows) {
		fprintf(stderr, "flow table memory: %u flows, %u times\n", o.mem_flows,
			o.mem_rounds);
		errno = -mb_ct_memory(o.mem_flows, o.mem_rounds, &ct_mem);
		if (errno) {
			fprintf(stderr, "flow table memory: %s\n", strerror(errno));
			goto out;
		}
	}

	print_text(stdout, &o);
	if (o.md_path && (errno = -write_md(o.md_path, &o))) {
		fprintf(stderr, "%s: %s\n", o.md_path, strerror(errno));
		goto out;
	}
	if (o.tsv_path && (errno = -write_tsv(o.tsv_path))) {
		fprintf(stderr, "%s: %s\n", o.tsv_path, strerror(errno));
		goto out;
	}
	fprintf(stderr, "done in %.1f s\n", (mb_now_ms() - t0) / 1e3);
	ret = 0;
out:
	for (i = 0; i < n_setups; i++)
		dp_close(&setups[i].dp, false);
	return ret;
}
