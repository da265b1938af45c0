// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/ct_harness.c: the conntrack suites' harness, declared in
 * ct_harness.h: one copy of its state (the data plane, the live policy,
 * the hook and family a suite runs in) for every file of a suite.
 */
#include <stdarg.h>
#include <net/if.h>

#include "ct_harness.h"
#include "test_main.h"
#include "test_run.h"
#include "read_maps.h"
#include "commit_yaml.h"

struct dataplane dp;
static bool dp_up;
static struct live_policy live;
static int ncpus;
static int lo_ifindex;
static bool run_bugs;
bool tc_in;		/* ingress through ward_tc_ingress, not XDP */
int fam = 4;
__u64 last_delta[WARD_CNT_MAX];
__u32 last_len;

/* ------------------------------------------------------------------ */
/* Maps */

void read_stat(__u32 idx, __u64 *packets, __u64 *bytes)
{
	read_rule_stat(&dp, ncpus, idx, packets, bytes);
}

/* The stat index the live policy gives this rule name, or -1. */
long stat_of(const char *name)
{
	__u32 i;

	for (i = 0; i < WARD_MAX_RULES; i++)
		if (dp.names[i].name[0] && !strncmp(dp.names[i].name, name, WARD_RULE_NAME_MAX))
			return i;
	return -1;
}

__u64 live_generation(void)
{
	struct ward_state st = {};
	__u32 zero = 0;

	CHECK_(!bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_state), &zero, &st),
	       "reading ward_state: %s", strerror(errno));
	return st.generation;
}

/* Each test starts with no flows and no remembered fragments. */
static void flush_flows(void)
{
	flush_map(dp.skel->maps.ward_ct);
	flush_map(dp.skel->maps.ward_frags);
	/* The ring's entries are of flows gone now, as after wardctl ct flush. */
	dp.ct_ctl->evict = dp.ct_ctl->swept = dp.ct_ctl->head;
}

size_t count_flows(void)
{
	return count_keys(dp.skel->maps.ward_ct, NULL, NULL);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Policies */

/*
 * parse -> compile -> commit, the way wardd does it. On success the policy
 * is live and kept in live.
 */
int commit_yaml(const char *what, const char *yaml)
{
	struct pol_policy pol;
	struct compiled comp;
	int ret;

	ret = test_compile_yaml(what, yaml, &pol, &comp);
	if (ret)
		return ret;
	return test_commit_live(&dp, &live, &pol, &comp, NULL, 0);
}

/* Default drop: only these open flows inbound. no_web_policy leaves out
 * "web", so that its flows are revoked. */
#define POLICY_HEAD							\
	"defaults:\n"							\
	"  policy: drop\n"						\
	"rules:\n"
#define RULE_WEB							\
	"  - name: web\n"						\
	"    proto: tcp\n"						\
	"    port: 80\n"							\
	"    action: accept\n"
#define RULES_REST							\
	"  - name: alt\n"						\
	"    proto: tcp\n"						\
	"    port: 8080\n"						\
	"    action: accept\n"						\
	"  - name: dns\n"						\
	"    proto: udp\n"						\
	"    port: 53\n"							\
	"    action: accept\n"						\
	"  - name: ping\n"						\
	"    proto: icmp\n"						\
	"    icmp_type: echo-request\n"					\
	"    action: accept\n"						\
	"  - name: ping6\n"						\
	"    proto: icmpv6\n"						\
	"    icmp_type: echo-request\n"					\
	"    action: accept\n"

const char main_policy[] = POLICY_HEAD RULE_WEB RULES_REST;
const char no_web_policy[] = POLICY_HEAD RULES_REST;

/* main_policy with short timeouts (seconds) for the expiry tests. */
const char short_timeouts[] =
	"conntrack:\n"
	"  timeouts: { udp: 1, udp_stream: 3, tcp_handshake: 1, icmp: 1 }\n";

bool commit_main(void)
{
	return commit_yaml("main", main_policy) == 0;
}

/* ------------------------------------------------------------------ */
/* Conversations */

struct conv mk_conv(__u8 proto, const char *remote, __u16 rport, __u16 lport)
{
	struct conv c = {
		.family = (__u8)fam, .proto = proto, .remote = remote, .local = HOST,
		.rport = rport, .lport = lport,
	};

	return c;
}

void conv_desc(const struct conv *c, int dir, struct pkt_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->family = c->family;
	d->proto = c->proto;
	d->src = dir == IN ? c->remote : c->local;
	d->dst = dir == IN ? c->local : c->remote;
	d->sport = dir == IN ? c->rport : c->lport;
	d->dport = dir == IN ? c->lport : c->rport;
	if (c->proto == P_ICMP || c->proto == P_ICMP6)
		d->icmp_id = c->rport;
}

static void addr_words(int family, const char *s, __be32 out[4])
{
	memset(out, 0, 16);
	CHECK_(inet_pton(family == 4 ? AF_INET : AF_INET6, s, out) == 1, "bad address %s", s);
}

/* ep_cmp of bpf/lib/conntrack.h: address words as big-endian numbers, then port. */
static int ep_cmp(const __be32 *a, __u16 ap, const __be32 *b, __u16 bp)
{
	int i;

	for (i = 0; i < 4; i++) {
		__u32 x = ntohl(a[i]), y = ntohl(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (ap != bp)
		return ap < bp ? -1 : 1;
	return 0;
}

/* The flow's key, built like ct_key_fill; *ep_remote is the peer's endpoint index. */
static void conv_key(const struct conv *c, struct ward_ct_key *k, int *ep_remote)
{
	__be32 r[4], l[4];
	__u16 rp = c->rport, lp = c->lport;
	bool icmp = c->proto == P_ICMP || c->proto == P_ICMP6;

	if (icmp)
		lp = rp;
	addr_words(c->family, c->remote, r);
	addr_words(c->family, c->local, l);
	memset(k, 0, sizeof(*k));
	k->family = c->family == 4 ? WARD_FAM_V4 : WARD_FAM_V6;
	k->proto = c->proto;
	if (ep_cmp(r, rp, l, lp) <= 0) {
		memcpy(k->addr[0], r, 16);
		memcpy(k->addr[1], l, 16);
		k->port[0] = htons(rp);
		k->port[1] = htons(lp);
		*ep_remote = 0;
	} else {
		memcpy(k->addr[0], l, 16);
		memcpy(k->addr[1], r, 16);
		k->port[0] = htons(lp);
		k->port[1] = htons(rp);
		*ep_remote = 1;
	}
}

int conv_ep(const struct conv *c, int dir)
{
	struct ward_ct_key k;
	int er;

	conv_key(c, &k, &er);
	return dir == IN ? er : !er;
}

/* 0 and the flow in *v, or -errno (-ENOENT: no flow). */
int flow_get(const struct conv *c, struct ward_ct_val *v)
{
	struct ward_ct_key k;
	int er;

	conv_key(c, &k, &er);
	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_ct), &k, v) ? -errno : 0;
}

bool flow_exists(const struct conv *c)
{
	struct ward_ct_val v;

	return flow_get(c, &v) == 0;
}

const char *const state_names[WARD_TCP_STATE_MAX] = {
	"NONE", "SYN_SENT", "SYN_SENT2", "SYN_RECV", "ESTABLISHED",
	"FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",
};

/* The flow's TCP state by name, "no flow", or "bad". */
const char *flow_state(const struct conv *c)
{
	struct ward_ct_val v;

	if (flow_get(c, &v))
		return "no flow";
	return v.state < WARD_TCP_STATE_MAX ? state_names[v.state] : "bad";
}

/* Makes the flow look idle_ns nanoseconds idle. */
int flow_age(const struct conv *c, __u64 idle_ns)
{
	struct ward_ct_key k;
	struct ward_ct_val v;
	int er, fd = bpf_map__fd(dp.skel->maps.ward_ct);

	conv_key(c, &k, &er);
	if (bpf_map_lookup_elem(fd, &k, &v))
		return -errno;
	v.last_seen = mono_ns() - idle_ns;
	return bpf_map_update_elem(fd, &k, &v, BPF_EXIST) ? -errno : 0;
}

/* Sets a flow's creation and last packet times, as if made `age` ago and
 * last seen `idle` ago (nanoseconds). */
int flow_times(const struct conv *c, __u64 age, __u64 idle)
{
	struct ward_ct_key k;
	struct ward_ct_val v;
	int er, fd = bpf_map__fd(dp.skel->maps.ward_ct);
	__u64 now = mono_ns();

	conv_key(c, &k, &er);
	if (bpf_map_lookup_elem(fd, &k, &v))
		return -errno;
	v.created = now - age;
	v.last_seen = now - idle;
	return bpf_map_update_elem(fd, &k, &v, BPF_EXIST) ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* Running packets */

static int run_prog(struct bpf_program *prog, bool xdp, const void *data, __u32 len,
		    int ifindex, __u32 *retval)
{
	/* 0 as ifindex at tc means locally made (test_run.h). */
	return test_run_frame(prog, xdp, ifindex, data, len, NULL, 0, NULL, 1, retval);
}

/*
 * Runs one frame in one direction. Returns V_PASS or V_DROP (0 when the
 * run failed), and leaves the counter deltas in last_delta. Checks what
 * holds for every packet: egress never drops, a drop moves exactly one drop
 * reason, a pass none.
 */
static int run_frame(const struct pkt *k, int dir)
{
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	struct bpf_program *prog;
	bool xdp = dir == IN && !tc_in;
	__u32 retval = 0, i, drops = 0;
	int err, v = 0;

	if (dir == OUT)
		prog = dp.skel->progs.ward_tc_egress;
	else
		prog = tc_in ? dp.skel->progs.ward_tc_ingress : dp.skel->progs.ward_xdp_ingress;
	read_counters(&dp, before);
	err = run_prog(prog, xdp, k->data, k->len, dir == IN ? lo_ifindex : 0, &retval);
	read_counters(&dp, after);
	for (i = 0; i < WARD_CNT_MAX; i++) {
		last_delta[i] = after[i] - before[i];
		if (i < WARD_CNT_DROP_MAX)
			drops += last_delta[i];
	}
	last_len = k->len;
	if (!ASSERT_OK(err, "test_run"))
		return 0;
	if (xdp)
		v = retval == XDP_PASS ? V_PASS : retval == XDP_DROP ? V_DROP : 0;
	else
		v = retval == TC_ACT_OK ? V_PASS : retval == TC_ACT_SHOT ? V_DROP : 0;
	CHECK_(v, "unexpected return code %u", retval);
	if (dir == OUT)
		CHECK_(v == V_PASS && drops == 0, "egress dropped (%u drop counters moved)", drops);
	else if (v == V_DROP)
		CHECK_(drops == 1, "a drop moved %u drop counters, not one", drops);
	else if (v == V_PASS)
		CHECK_(drops == 0, "a pass moved %u drop counters", drops);
	return v;
}

int run_desc(const struct pkt_desc *d, int dir)
{
	struct pkt k;

	if (!ASSERT_OK(pkt_build(d, &k), "pkt_build"))
		return 0;
	return run_frame(&k, dir);
}

/* The drop reason the last packet moved, by name ("none" if it passed). */
const char *last_drop(void)
{
	int i;

	for (i = 0; i < WARD_CNT_DROP_MAX; i++)
		if (last_delta[i])
			return dp_counter_name(i);
	return "none";
}

/* "pass", or "drop: REASON" with the reason the packet moved. */
const char *verdict(int v, char *buf, size_t len)
{
	if (v == V_PASS)
		snprintf(buf, len, "pass");
	else if (v == V_DROP)
		snprintf(buf, len, "drop: %s", last_drop());
	else
		snprintf(buf, len, "no verdict");
	return buf;
}

/* One TCP segment: flags, seq, ack, payload bytes, window, window scale. */
void seg_desc(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
	      __u16 len, __u16 win, int wscale, struct pkt_desc *d)
{
	conv_desc(c, dir, d);
	d->tcp_set = true;
	d->tcp_flags = flags;
	d->seq = seq;
	d->ack = ack;
	d->win = win;
	d->payload = len;
	if (wscale != NO_WS) {
		d->has_wscale = true;
		d->wscale = (__u8)wscale;
	}
}

int seg_ex(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
	   __u16 len, __u16 win, int wscale)
{
	struct pkt_desc d;

	seg_desc(c, dir, flags, seq, ack, len, win, wscale, &d);
	return run_desc(&d, dir);
}

int seg(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
	__u16 len)
{
	return seg_ex(c, dir, flags, seq, ack, len, WIN, NO_WS);
}

int udp(const struct conv *c, int dir, __u16 len)
{
	struct pkt_desc d;

	conv_desc(c, dir, &d);
	d.payload = len;
	return run_desc(&d, dir);
}

int echo(const struct conv *c, int dir, __u8 type)
{
	struct pkt_desc d;

	conv_desc(c, dir, &d);
	d.icmp_type = type;
	d.payload = 56;
	return run_desc(&d, dir);
}

/*
 * An ICMP error from a router to dst, quoting the packet of conv q that
 * went in direction qdir (the first bytes of its IP packet).
 */
int icmp_error_to(__u8 type, const struct conv *q, int qdir, const char *dst)
{
	struct pkt_desc inner, d;
	struct pkt ik;

	conv_desc(q, qdir, &inner);
	if (q->proto == P_ICMP || q->proto == P_ICMP6) {
		inner.icmp_type = q->family == 4 ? 8 : 128;	/* the echo request */
	} else if (q->proto == P_TCP) {
		inner.tcp_set = true;
		inner.tcp_flags = TH_ACK;
		inner.seq = 1;
		inner.win = WIN;
	}
	inner.payload = 8;
	if (!ASSERT_OK(pkt_build(&inner, &ik), "pkt_build (quoted)"))
		return 0;
	memset(&d, 0, sizeof(d));
	d.family = q->family;
	d.proto = q->family == 4 ? P_ICMP : P_ICMP6;
	d.src = ROUTER;
	d.dst = dst;
	d.icmp_type = type;
	d.payload = (__u16)(ik.len - ik.l3);
	d.payload_data = ik.data + ik.l3;
	return run_desc(&d, IN);
}

/* The same, to this host: what a router sends about the host's packets. */
int icmp_error(__u8 type, const struct conv *q, int qdir)
{
	return icmp_error_to(type, q, qdir, HOST);
}

/*
 * A handshake opened from side `from` (IN: the peer, OUT: this host) with
 * ISN si, answered with ISN ai; name labels its assertions.
 */
static bool handshake(const struct conv *c, int from, __u32 si, __u32 ai, const char *name)
{
	int to = from == IN ? OUT : IN;
	char what[64];
	bool ok = true;

	snprintf(what, sizeof(what), "%s: SYN", name);
	ok &= EXPECT_PASS(seg(c, from, TH_SYN, si, 0, 0), what);
	snprintf(what, sizeof(what), "%s: SYN-ACK", name);
	ok &= EXPECT_PASS(seg(c, to, TH_SYN | TH_ACK, ai, si + 1, 0), what);
	snprintf(what, sizeof(what), "%s: ACK", name);
	ok &= EXPECT_PASS(seg(c, from, TH_ACK, si + 1, ai + 1, 0), what);
	snprintf(what, sizeof(what), "%s: established", name);
	ok &= EXPECT_STATE(c, ESTABLISHED, what);
	return ok;
}

/* The peer opens to this host: SYN in, SYN-ACK out, ACK in. */
bool open_in(const struct conv *c, __u32 ri, __u32 li)
{
	return handshake(c, IN, ri, li, "open_in");
}

/* This host opens to the peer: SYN out, SYN-ACK in, ACK out. */
bool open_out(const struct conv *c, __u32 li, __u32 ri)
{
	return handshake(c, OUT, li, ri, "open_out");
}

/* ------------------------------------------------------------------ */
/* Suites */

/* Opens a test: name prefixed with the hook and family, flows flushed. */
__attribute__((format(printf, 1, 2)))
void ct_test(const char *fmt, ...)
{
	char name[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	test_start("%s/ipv%d: %s", tc_in ? "tc" : "xdp", fam, name);
	flush_flows();
}

/* After test_start: true (and the test skipped) unless -b. Every bug these
 * tests found is fixed; the switch stays for the next one. */
bool known_bug(const char *what)
{
	if (run_bugs)
		return false;
	test_skip("known bug, run with -b: %s", what);
	return true;
}

bool open_dp(__u32 max_flows)
{
	int err;

	if (dp_up) {
		live_policy_free(&live);
		dp_close(&dp, false);
		dp_up = false;
	}
	test_start("setup: dp_open (max_flows %u)", max_flows);
	err = dp_open(&dp, NULL, max_flows);
	ASSERT_OK(err, "dp_open");
	dp_up = !err;
	if (dp_up)
		ASSERT_OK(commit_yaml("main", main_policy), "commit main policy");
	test_end();
	return dp_up && live.have;
}

/* What every suite's main() does first: the command line, lo and the CPU
 * count. Returns 0, or the exit status to leave with. */
int ct_main_start(int argc, char **argv, const char *prog, const char *name)
{
	if (test_args(argc, argv, prog, &run_bugs))
		return 2;
	lo_ifindex = if_nametoindex("lo");
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1 || !lo_ifindex) {
		printf("%s: cannot count CPUs or find lo\n%s: 0 passed, 1 failed\n", name, name);
		return 1;
	}
	return 0;
}

/* Runs a suite through each ingress hook (XDP, tc) and family; leaves XDP
 * and IPv4 set. */
void ct_each_hook(void (*suite)(void))
{
	int hook;

	for (hook = 0; hook < 2; hook++) {
		tc_in = hook;
		for (fam = 4; fam <= 6; fam += 2)
			suite();
	}
	tc_in = false;
	fam = 4;
}

/* Closes what is open and prints the tally; returns the exit status. */
int ct_main_end(const char *name)
{
	live_policy_free(&live);
	if (dp_up)
		dp_close(&dp, false);
	if (test_env.skipped)
		printf("%s: %d skipped%s\n", name, test_env.skipped,
		       run_bugs ? "" : " (known bugs: run with -b to include them)");
	printf("%s: %d passed, %d failed\n", name, test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
