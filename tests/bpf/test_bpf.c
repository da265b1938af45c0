// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_bpf.c: the real data plane (build/ward.bpf.o through its
 * skeleton) run with BPF_PROG_TEST_RUN on crafted packets.
 *
 * Every policy goes the way wardd sends it: YAML -> cfg_parse_string ->
 * compile_policy -> dp_commit, into maps that are not pinned (dp_open with
 * no pin dir), so nothing outlives the process and nothing is attached.
 * Every packet row runs through both ward_xdp_ingress and ward_tc_ingress,
 * and for each hook the verdict, the per-CPU counters (exactly the expected
 * ones move, by exactly one) and the per-rule packet and byte counters
 * (exactly the expected rule moves) are checked.
 *
 * Needs root (BPF_PROG_TEST_RUN, map creation); no network namespace.
 * Usage: ward_bpf_test [-v] [-b]
 *   -v  print every test, and libbpf/libward info messages
 *   -b  also run the tests that are disabled because of a known bug
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdint.h>
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
#include "read_maps.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Links the policies know. Only their ifindex reaches the data plane:
 * BPF_PROG_TEST_RUN never touches the device itself. */
enum { L_LO, L_WAN, L_NONE, L_N };

struct test_link {
	char	name[IF_NAMESIZE];
	int	ifindex;		/* 0: this machine has no such device */
};

static struct test_link tlinks[L_N];

static struct dataplane dp;
static struct pol_policy cur_pol;
static struct compiled cur_comp;
static bool have_policy;
static int ncpus;
static bool run_bugs;

/* Stat indices that have a name in the live policy (0 is "default"). */
static __u32 *named;
static size_t n_named;

/* ------------------------------------------------------------------ */
/* Maps */

static void read_counters(__u64 out[WARD_CNT_MAX])
{
	CHECK_(!dp_read_counters(&dp, out), "reading ward_counters: %s", strerror(errno));
}

static void read_stat(__u32 idx, __u64 *packets, __u64 *bytes)
{
	read_rule_stat(&dp, ncpus, idx, packets, bytes);
}

/* The stat index the live policy gives this rule name, or -1. */
static long stat_of(const char *name)
{
	size_t i;

	for (i = 0; i < n_named; i++)
		if (!strncmp(dp.names[named[i]].name, name, WARD_RULE_NAME_MAX))
			return named[i];
	return -1;
}

static void refresh_named(void)
{
	__u32 i;

	free(named);
	named = calloc(WARD_MAX_RULES, sizeof(*named));
	n_named = 0;
	if (!named)
		return;
	for (i = 0; i < WARD_MAX_RULES; i++)
		if (dp.names[i].name[0])
			named[n_named++] = i;
}

static struct ward_state live_state(void)
{
	struct ward_state st = {};
	__u32 zero = 0;

	CHECK_(!bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_state), &zero, &st),
	       "reading ward_state: %s", strerror(errno));
	return st;
}

/* ward_policy is big (6 KiB a slot): read it into a caller's buffer. */
static int live_hdr(__u32 slot, struct ward_policy_hdr *hdr)
{
	return bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_policy), &slot, hdr) ? -errno : 0;
}

/* Classifier keys of a slot, found by walking the map. */
static size_t cls_keys_of_slot(__u32 slot)
{
	int fd = bpf_map__fd(dp.skel->maps.ward_cls);
	struct ward_cls_key key, next, *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if ((next.tuple >> WARD_CLS_SLOT_SHIFT) == slot)
			n++;
		key = next;
		prev = &key;
	}
	return n;
}

static size_t iface_keys_of_slot(__u32 slot)
{
	int fd = bpf_map__fd(dp.skel->maps.ward_ifaces);
	struct ward_iface_key key, next, *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (next.slot == slot)
			n++;
		key = next;
		prev = &key;
	}
	return n;
}

/*
 * Flow state (conntrack, remembered first fragments) would let a packet
 * through because an earlier one of the same flow was: these tests are
 * about what the rules decide for a first packet, so every run starts with
 * those maps empty. Looked up by name: a build without them has none.
 */
static void flush_flow_state(void)
{
	static const char *const maps[] = { "ward_ct", "ward_frags" };
	char next[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(dp.skel->obj, maps[i]);
		int fd;

		if (!m)
			continue;
		if (!CHECK_(bpf_map__key_size(m) <= sizeof(next), "%s: key too big", maps[i]))
			continue;
		fd = bpf_map__fd(m);
		while (!bpf_map_get_next_key(fd, NULL, next))
			if (!CHECK_(!bpf_map_delete_elem(fd, next), "flushing %s: %s",
				    maps[i], strerror(errno)))
				break;
	}
}

/*
 * The counters a test row speaks for: every drop reason (a drop must bump
 * exactly the expected one, and nothing else may drop), and the pass-side
 * counters of the stateless path. Flow-tracking counters are not ours.
 */
static bool counter_checked(__u32 i)
{
	return i < WARD_CNT_DROP_MAX || i == WARD_CNT_PASS_NON_IP || i == WARD_CNT_PASS_ND ||
	       i == WARD_CNT_WOULD_DROP || i == WARD_CNT_FRAGMENT || i == WARD_CNT_ACCEPT;
}

/* ------------------------------------------------------------------ */
/* Policies */

/* @WAN@ and @NONE@ in a policy stand for this machine's second and third
 * links (see find_links). */
static char *subst_links(const char *yaml)
{
	size_t len = strlen(yaml) + 1, cap = len + 256;
	char *out = malloc(cap), *o = out;
	const char *p = yaml;

	if (!out)
		return NULL;
	while (*p) {
		const char *with = NULL;
		size_t skip = 0;

		if (!strncmp(p, "@WAN@", 5))
			with = tlinks[L_WAN].name, skip = 5;
		else if (!strncmp(p, "@NONE@", 6))
			with = tlinks[L_NONE].name, skip = 6;
		if (with) {
			size_t wl = strlen(with);

			if ((size_t)(o - out) + wl + strlen(p) + 1 > cap) {
				size_t at = o - out;
				char *n;

				cap = cap * 2 + wl;
				n = realloc(out, cap);
				if (!n) {
					free(out);
					return NULL;
				}
				out = n;
				o = out + at;
			}
			memcpy(o, with, wl);
			o += wl;
			p += skip;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * parse -> compile -> commit, the way wardd does it, with every known link
 * described to the data plane as compiled_iface() sees it. On success the
 * policy is live and kept in cur_pol/cur_comp.
 */
static int commit_yaml(const char *what, const char *yaml)
{
	struct pol_policy pol;
	struct compiled comp;
	struct dp_link links[L_N];
	char err[CFG_ERR_MAX] = "", *text;
	size_t n = 0, i;
	int ret;

	text = subst_links(yaml);
	if (!ASSERT_OK_PTR(text, "subst_links"))
		return -ENOMEM;
	ret = cfg_parse_string(what, text, strlen(text), &pol, err, sizeof(err));
	free(text);
	if (!ASSERT_OK(ret, "cfg_parse_string")) {
		printf("  %s\n", err);
		return ret;
	}
	ret = compile_policy(&pol, &comp, err, sizeof(err));
	if (!ASSERT_OK(ret, "compile_policy")) {
		printf("  %s: %s\n", what, err);
		pol_free(&pol);
		return ret;
	}
	memset(links, 0, sizeof(links));
	for (i = 0; i < L_N; i++) {
		if (!tlinks[i].ifindex)
			continue;
		if (!compiled_iface(&comp, &pol, tlinks[i].name, &links[n].info))
			continue;
		links[n].ifindex = tlinks[i].ifindex;
		memcpy(links[n].name, tlinks[i].name, sizeof(links[n].name));
		n++;
	}
	ret = dp_commit(&dp, &comp, links, n);
	if (!ASSERT_OK(ret, "dp_commit")) {
		compiled_free(&comp);
		pol_free(&pol);
		return ret;
	}
	if (have_policy) {
		compiled_free(&cur_comp);
		pol_free(&cur_pol);
	}
	cur_pol = pol;
	cur_comp = comp;
	have_policy = true;
	refresh_named();
	return 0;
}

/* A commit as a test of its own, so that a policy that fails to load shows. */
static bool commit_test(const char *group, const char *yaml)
{
	int ret;

	test_start("%s: policy commits", group);
	ret = commit_yaml(group, yaml);
	test_end();
	return ret == 0;
}

/* ------------------------------------------------------------------ */
/* Running packets */

#define V_PASS	1
#define V_DROP	2

struct pkt_case {
	const char *name;
	struct pkt_desc pkt;
	int	link;		/* L_*: the ingress interface */
	int	verdict;	/* V_PASS, V_DROP */
	int	counter;	/* the WARD_CNT_* that moves by one */
	bool	frag;		/* WARD_CNT_FRAGMENT moves by one as well */
	const char *rule;	/* the rule whose stat moves; NULL: none may */
	const char *bug;	/* known bug: skipped unless -b */
	/*
	 * Untagged IPv4/IPv6 ethertype with less than an IP header: since
	 * kernel commit 12bec2bd4b76 ("bpf: reject short IPv4/IPv6 inputs
	 * in bpf_prog_test_run_skb", backported to stable, here in 6.18.44)
	 * test_run refuses it for tc with -EINVAL before the program runs.
	 * Then only XDP is checked; tc must either refuse or agree. Tagged
	 * frames are not refused (skb->protocol is the TPID): the tagged rows
	 * of the malformed group take tc through the same checks.
	 */
	bool	short_l3;
};

#define PASS(cnt, r)	.verdict = V_PASS, .counter = WARD_CNT_##cnt, .rule = (r)
#define DROP(cnt, r)	.verdict = V_DROP, .counter = WARD_CNT_DROP_##cnt, .rule = (r)
#define FRAG		.frag = true
#define ON(l)		.link = (l)
#define SHORT_L3	.short_l3 = true
/* Neighbour discovery as RFC 4861 sends it: hop limit 255, to a destination
 * on the link (tests/bpf/test_frag.c has what is not). */
#define ND(type, to)	.family = 6, .proto = P_ICMP6, .icmp_type = (type), .dst = (to), \
			.patch = { PKT_IP6_HOPS(255) }

#define V_REFUSED	(-1)	/* run_hook: test_run refused the input */


/* Returns 0 or -errno from BPF_PROG_TEST_RUN; *retval is the program's. */
static int run_prog(bool xdp, const void *data, __u32 len, int ifindex,
		    __u32 repeat, __u32 *retval)
{
	struct bpf_program *prog = xdp ? dp.skel->progs.ward_xdp_ingress :
					 dp.skel->progs.ward_tc_ingress;

	return test_run_frame(prog, xdp, ifindex, data, len, NULL, 0, NULL, repeat, retval);
}

static __u32 hook_verdict(bool xdp, int v)
{
	if (xdp)
		return v == V_PASS ? XDP_PASS : XDP_DROP;
	return v == V_PASS ? TC_ACT_OK : TC_ACT_SHOT;
}

/*
 * Runs one packet through one hook and checks everything that must (and
 * must not) change. Returns the hook's verdict as V_PASS/V_DROP, or 0.
 */
static int run_hook(const struct pkt_case *c, const struct pkt *k, bool xdp, __u32 repeat)
{
	const char *hook = xdp ? "xdp" : "tc";
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	__u64 *pk0 = calloc(n_named + 1, sizeof(__u64)), *by0 = calloc(n_named + 1, sizeof(__u64));
	long want_stat = -1;
	char what[96];
	__u32 retval = 0;
	size_t i;
	int err, got = 0;

	if (!ASSERT_OK_PTR(pk0, "calloc") || !ASSERT_OK_PTR(by0, "calloc"))
		goto out;
	if (c->rule) {
		want_stat = stat_of(c->rule);
		snprintf(what, sizeof(what), "rule '%s' has a stat index", c->rule);
		if (!ASSERT_GE(want_stat, 0, what))
			goto out;
	}
	flush_flow_state();
	read_counters(before);
	for (i = 0; i < n_named; i++)
		read_stat(named[i], &pk0[i], &by0[i]);

	err = run_prog(xdp, k->data, k->len, tlinks[c->link].ifindex, repeat, &retval);
	snprintf(what, sizeof(what), "%s test_run", hook);
	if (err == -EINVAL && c->short_l3 && !xdp) {
		/* Refused before the program ran: nothing may have moved. */
		read_counters(after);
		for (i = 0; i < WARD_CNT_MAX; i++) {
			if (!counter_checked(i))
				continue;
			snprintf(what, sizeof(what), "%s (refused) counter %s", hook,
				 dp_counter_name(i));
			ASSERT_EQ(after[i] - before[i], 0, what);
		}
		got = V_REFUSED;
		goto out;
	}
	if (!ASSERT_OK(err, what))
		goto out;
	snprintf(what, sizeof(what), "%s verdict", hook);
	ASSERT_EQ(retval, hook_verdict(xdp, c->verdict), what);
	if (retval == hook_verdict(xdp, V_PASS))
		got = V_PASS;
	else if (retval == hook_verdict(xdp, V_DROP))
		got = V_DROP;

	read_counters(after);
	for (i = 0; i < WARD_CNT_MAX; i++) {
		__u64 want = ((int)i == c->counter) + (c->frag && i == WARD_CNT_FRAGMENT);

		if (!counter_checked(i))
			continue;
		snprintf(what, sizeof(what), "%s counter %s", hook, dp_counter_name(i));
		/*
		 * Repeats of one accepted packet are one flow: the first is
		 * an accept, the rest pass as established (conntrack).
		 */
		if (repeat > 1 && i == WARD_CNT_ACCEPT && c->counter == WARD_CNT_ACCEPT) {
			ASSERT_EQ(after[i] - before[i], 1, what);
			snprintf(what, sizeof(what), "%s counter %s", hook,
				 dp_counter_name(WARD_CNT_CT_ESTABLISHED));
			ASSERT_EQ(after[WARD_CNT_CT_ESTABLISHED] - before[WARD_CNT_CT_ESTABLISHED],
				  repeat - 1, what);
			continue;
		}
		ASSERT_EQ(after[i] - before[i], want * repeat, what);
	}
	for (i = 0; i < n_named; i++) {
		__u64 pk, by;
		bool mine = (long)named[i] == want_stat;

		read_stat(named[i], &pk, &by);
		snprintf(what, sizeof(what), "%s packets of rule '%s'", hook,
			 dp.names[named[i]].name);
		ASSERT_EQ(pk - pk0[i], mine ? repeat : 0, what);
		snprintf(what, sizeof(what), "%s bytes of rule '%s'", hook,
			 dp.names[named[i]].name);
		ASSERT_EQ(by - by0[i], mine ? (__u64)repeat * k->len : 0, what);
	}
out:
	free(pk0);
	free(by0);
	return got;
}

static void run_case(const char *group, const struct pkt_case *c)
{
	struct pkt k;
	int vx, vt;

	test_start("%s: %s", group, c->name);
	if (c->bug && !run_bugs) {
		test_skip("known bug, run with -b: %s", c->bug);
		return;
	}
	if (!tlinks[c->link].ifindex) {
		test_skip("this machine has no third/fourth link to stand for '%s'",
			  c->link == L_WAN ? "wan" : "an unlisted link");
		return;
	}
	if (!ASSERT_OK(pkt_build(&c->pkt, &k), "pkt_build")) {
		test_end();
		return;
	}
	vx = run_hook(c, &k, true, 1);
	vt = run_hook(c, &k, false, 1);
	if (vt == V_REFUSED) {
		if (test_env.verbose)
			printf("     (tc: the kernel's test_run refuses a short L3 header; xdp only)\n");
	} else {
		ASSERT_EQ(vx, vt, "xdp and tc agree");
	}
	test_end();
}

static void run_cases(const char *group, const struct pkt_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_case(group, &c[i]);
}

/* ------------------------------------------------------------------ */
/* The test-run interface itself: what the rest relies on. */

static void test_env_checks(void)
{
	struct pkt_desc d = { .family = 4, .proto = P_TCP, .dport = 80 };
	struct pkt k;
	__u32 rv;

	pkt_build(&d, &k);

	test_start("env: a frame shorter than Ethernet is refused by BPF_PROG_TEST_RUN");
	/* So "shorter than Ethernet" cannot reach the programs from here;
	 * the shortest frame they can see is 14 bytes (see the malformed group). */
	ASSERT_ERR(run_prog(true, k.data, 13, 1, 1, &rv), -EINVAL, "xdp 13 bytes");
	ASSERT_ERR(run_prog(false, k.data, 13, 1, 1, &rv), -EINVAL, "tc 13 bytes");
	test_end();

	test_start("env: xdp refuses an ingress_ifindex with no device, tc does not");
	ASSERT_ERR(run_prog(true, k.data, k.len, 0x7ffffff0, 1, &rv), -ENODEV, "xdp");
	ASSERT_OK(run_prog(false, k.data, k.len, 0x7ffffff0, 1, &rv), "tc");
	test_end();
}

/* Before the first commit the maps are zero: slot 0, no tuples, and a
 * default action of 0, which is not accept. */
static const struct pkt_case before_commit_cases[] = {
	{ "ipv4 tcp is dropped (fail closed)",
	  { .family = 4, .proto = P_TCP, .dport = 22 }, DROP(POLICY, NULL) },
	{ "ipv6 udp is dropped (fail closed)",
	  { .family = 6, .proto = P_UDP, .dport = 53 }, DROP(POLICY, NULL) },
	{ "arp passes",
	  { .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },
	{ "ipv6 neighbour solicitation passes",
	  { ND(135, "ff02::1:ff00:2"), .payload = 16 }, PASS(PASS_ND, NULL) },
};

static void test_before_commit(void)
{
	__u64 pk0, by0, pk, by;

	read_stat(WARD_STAT_DEFAULT, &pk0, &by0);
	run_cases("before commit", before_commit_cases, ARRAY_SIZE(before_commit_cases));
	test_start("before commit: the default pseudo-rule's stat counted the drops");
	read_stat(WARD_STAT_DEFAULT, &pk, &by);
	/* Two drops, each through both hooks; ARP and ND are not counted. */
	ASSERT_EQ(pk - pk0, 4, "stat 0 packets");
	test_end();
}

/* ------------------------------------------------------------------ */
/* Parser branches */

static const char parser_policy[] =
	"interfaces:\n"
	"  - match: lo\n"
	"    role: lan\n"
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: tcp80\n"
	"    proto: tcp\n"
	"    port: 80\n"
	"    action: accept\n"
	"  - name: udp53\n"
	"    proto: udp\n"
	"    port: 53\n"
	"    action: accept\n"
	"  - name: sctp9899\n"
	"    proto: sctp\n"
	"    port: 9899\n"
	"    action: accept\n"
	"  - name: icmp-echo\n"
	"    proto: icmp\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	"  - name: icmp6-echo\n"
	"    proto: icmpv6\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	/* Address-only rules: what a non-first fragment can still match. */
	"  - name: frag-host\n"
	"    from: 192.0.2.77\n"
	"    action: accept\n"
	"  - name: frag-host6\n"
	"    from: \"2001:db8::77\"\n"
	"    action: accept\n";

#define QTAG	{ ETH_8021Q }
#define QINQ	{ ETH_8021AD, ETH_8021Q }

static const struct pkt_case parser_cases[] = {
	/* Ethernet + IPv4 */
	{ "ipv4 tcp dport 80 matches",
	  { .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 tcp dport 81 falls to the default",
	  { .family = 4, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "ipv4 tcp with options (doff 8) matches",
	  { .family = 4, .proto = P_TCP, .dport = 80, .tcp_opts = 3, .payload = 100 },
	  PASS(ACCEPT, "tcp80") },
	{ "ipv4 tcp sport 80 is not dport 80",
	  { .family = 4, .proto = P_TCP, .sport = 80, .dport = 40000 }, DROP(POLICY, "default") },
	{ "ipv4 udp dport 53 matches",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 30 }, PASS(ACCEPT, "udp53") },
	{ "ipv4 udp dport 54 falls to the default",
	  { .family = 4, .proto = P_UDP, .dport = 54 }, DROP(POLICY, "default") },
	{ "ipv4 udp padded to the 60-byte Ethernet minimum matches",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 2, .pad_to = 60 },
	  PASS(ACCEPT, "udp53") },
	{ "ipv4 sctp dport 9899 matches",
	  { .family = 4, .proto = P_SCTP, .dport = 9899, .payload = 16 }, PASS(ACCEPT, "sctp9899") },
	{ "ipv4 sctp dport 9900 falls to the default",
	  { .family = 4, .proto = P_SCTP, .dport = 9900 }, DROP(POLICY, "default") },
	{ "ipv4 udp dport 9899 is not sctp",
	  { .family = 4, .proto = P_UDP, .dport = 9899 }, DROP(POLICY, "default") },
	{ "ipv4 icmp echo-request matches",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, .payload = 56 }, PASS(ACCEPT, "icmp-echo") },
	{ "ipv4 icmp echo-reply falls to the default",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 0, .payload = 56 }, DROP(POLICY, "default") },
	{ "ipv4 options (IHL 6) tcp 80 matches on ports",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 1 }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 options (IHL 15) tcp 80 matches on ports",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 10 }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 options (IHL 15) tcp 81 falls to the default",
	  { .family = 4, .proto = P_TCP, .dport = 81, .ip4_opts = 10 }, DROP(POLICY, "default") },
	{ "ipv4 options (IHL 7) udp 53 matches on ports",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_opts = 2 }, PASS(ACCEPT, "udp53") },
	{ "ipv4 DF set is not a fragment",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = 0x4000 }, PASS(ACCEPT, "tcp80") },

	/* VLAN tags */
	{ "802.1Q ipv4 tcp 80 matches like untagged",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "802.1Q ipv4 tcp 81 falls to the default",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "802.1ad+802.1Q ipv4 tcp 80 matches like untagged",
	  { .tags = QINQ, .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "802.1ad+802.1Q ipv4 tcp 81 falls to the default",
	  { .tags = QINQ, .family = 4, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "802.1Q+802.1Q ipv4 udp 53 matches like untagged",
	  { .tags = { ETH_8021Q, ETH_8021Q }, .family = 4, .proto = P_UDP, .dport = 53 },
	  PASS(ACCEPT, "udp53") },
	{ "802.1Q ipv6 udp 53 matches like untagged",
	  { .tags = QTAG, .family = 6, .proto = P_UDP, .dport = 53 }, PASS(ACCEPT, "udp53") },
	{ "802.1ad+802.1Q ipv6 tcp 80 matches like untagged",
	  { .tags = QINQ, .family = 6, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "802.1ad+802.1Q ipv4 icmp echo-request matches",
	  { .tags = QINQ, .family = 4, .proto = P_ICMP, .icmp_type = 8 }, PASS(ACCEPT, "icmp-echo") },
	{ "a third tag is dropped, not looked behind",
	  { .tags = { ETH_8021AD, ETH_8021Q, ETH_8021Q }, .family = 4, .proto = P_TCP, .dport = 80 },
	  DROP(TRUNC_L2, NULL) },
	{ "a third 802.1ad tag is dropped",
	  { .tags = { ETH_8021AD, ETH_8021AD, ETH_8021AD }, .family = 6, .proto = P_UDP, .dport = 53 },
	  DROP(TRUNC_L2, NULL) },
	{ "802.1Q arp passes",
	  { .tags = QTAG, .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },

	/* IPv6 */
	{ "ipv6 tcp dport 80 matches",
	  { .family = 6, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 tcp dport 81 falls to the default",
	  { .family = 6, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "ipv6 udp dport 53 matches",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 40 }, PASS(ACCEPT, "udp53") },
	{ "ipv6 sctp dport 9899 matches",
	  { .family = 6, .proto = P_SCTP, .dport = 9899 }, PASS(ACCEPT, "sctp9899") },
	{ "ipv6 icmpv6 echo-request matches",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128, .payload = 56 }, PASS(ACCEPT, "icmp6-echo") },
	{ "ipv6 icmpv6 echo-reply falls to the default",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 129, .payload = 56 }, DROP(POLICY, "default") },
	{ "ipv6 icmpv6 type 8 is not icmp echo-request",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 8 }, DROP(POLICY, "default") },
	{ "ipv6 hop-by-hop+dstopts+routing tcp 80 matches on ports",
	  { .family = 6, .ext = "hdr", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 hop-by-hop+dstopts+routing tcp 81 falls to the default",
	  { .family = 6, .ext = "hdr", .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "ipv6 hop-by-hop+routing+dstopts udp 53 matches on ports",
	  { .family = 6, .ext = "hrd", .proto = P_UDP, .dport = 53 }, PASS(ACCEPT, "udp53") },
	{ "ipv6 AH tcp 80 matches on ports",
	  { .family = 6, .ext = "a", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 hop-by-hop+AH+dstopts icmpv6 echo-request matches",
	  { .family = 6, .ext = "had", .proto = P_ICMP6, .icmp_type = 128 }, PASS(ACCEPT, "icmp6-echo") },
	{ "ipv6 7 extension headers, tcp 80 matches",
	  { .family = 6, .ext = "hdddddd", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 8 extension headers (WARD_IP6_EXT_MAX), tcp 80 matches",
	  { .family = 6, .ext = "hddddddd", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 9 extension headers are refused",
	  { .family = 6, .ext = "hdddddddd", .proto = P_TCP, .dport = 80 }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 L4 header past 1024 bytes of extension headers is refused",
	  { .family = 6, .ext = "H", .proto = P_TCP, .dport = 80 }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 no-next-header is classified on addresses",
	  { .family = 6, .src = "2001:db8::77", .proto = P_NONE, .payload = 8 },
	  PASS(ACCEPT, "frag-host6") },
	{ "ipv6 esp is classified on addresses",
	  { .family = 6, .src = "2001:db8::77", .proto = P_ESP, .payload = 32 },
	  PASS(ACCEPT, "frag-host6") },

	/* Fragments */
	{ "ipv4 first fragment (MF, offset 0) matches on ports",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = IP4_MF }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 non-first fragment: a port rule does not match it",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = IP4_MF | IP4_FRAG_OFF(1480) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 last fragment: a port rule does not match it",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_frag = IP4_FRAG_OFF(8) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 non-first fragment at the highest offset (8191)",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_frag = IP4_FRAG_OFF(65528) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 non-first fragment at offset 32768 (only the top offset bit)",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_frag = IP4_FRAG_OFF(32768) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 non-first fragment: an address-only rule matches it",
	  { .family = 4, .src = "192.0.2.77", .proto = P_TCP, .dport = 80,
	    .ip4_frag = IP4_MF | IP4_FRAG_OFF(1480) }, PASS(ACCEPT, "frag-host"), FRAG },
	{ "ipv4 non-first fragment of icmp: the type rule does not match it",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, .ip4_frag = IP4_FRAG_OFF(1480) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 first fragment (M, offset 0) matches on ports",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_MF, .proto = P_TCP, .dport = 80 },
	  PASS(ACCEPT, "tcp80") },
	{ "ipv6 non-first fragment: a port rule does not match it",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(1448) | IP6_MF, .proto = P_TCP,
	    .dport = 80 }, DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment after hop-by-hop: a port rule does not match it",
	  { .family = 6, .ext = "hf", .ip6_frag = IP6_FRAG_OFF(1448), .proto = P_UDP, .dport = 53 },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment at the highest offset (8191)",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(65528), .proto = P_UDP, .dport = 53 },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment at offset 32768 (only the top offset bit)",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(32768), .proto = P_UDP, .dport = 53 },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment: an address-only rule matches it",
	  { .family = 6, .src = "2001:db8::77", .ext = "f", .ip6_frag = IP6_FRAG_OFF(1448),
	    .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "frag-host6"), FRAG },

	/* Not ours to decide */
	{ "arp passes",
	  { .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },
	{ "lldp passes",
	  { .ethertype = ETH_LLDP, .payload = 40 }, PASS(PASS_NON_IP, NULL) },
	{ "ipv6 neighbour solicitation passes under policy drop",
	  { ND(135, "ff02::1:ff00:2"), .payload = 16 }, PASS(PASS_ND, NULL) },
};

/* Everything is dropped by a rule, and still the link layer works. */
static const char drop_all_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: drop-all\n"
	"    action: drop\n";

static const struct pkt_case drop_all_cases[] = {
	{ "ipv4 tcp is dropped by the rule",
	  { .family = 4, .proto = P_TCP, .dport = 80 }, DROP(RULE, "drop-all") },
	{ "ipv6 udp is dropped by the rule",
	  { .family = 6, .proto = P_UDP, .dport = 53 }, DROP(RULE, "drop-all") },
	{ "ipv4 gre is dropped by the rule",
	  { .family = 4, .proto = P_GRE, .payload = 20 }, DROP(RULE, "drop-all") },
	{ "arp passes",
	  { .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },
	{ "router solicitation (133) passes",
	  { ND(133, "ff02::2") }, PASS(PASS_ND, NULL) },
	{ "router advertisement (134) passes",
	  { ND(134, "ff02::1"), .payload = 8 }, PASS(PASS_ND, NULL) },
	{ "neighbour solicitation (135) passes",
	  { ND(135, "ff02::1:ff00:2"), .payload = 16 }, PASS(PASS_ND, NULL) },
	{ "neighbour advertisement (136) passes",
	  { ND(136, "fe80::2"), .payload = 16 }, PASS(PASS_ND, NULL) },
	{ "redirect (137) passes",
	  { ND(137, "fe80::2"), .payload = 32 }, PASS(PASS_ND, NULL) },
	{ "802.1Q neighbour solicitation passes",
	  { .tags = QTAG, ND(135, "ff02::1:ff00:2"), .payload = 16 },
	  PASS(PASS_ND, NULL) },
	{ "neighbour solicitation after hop-by-hop passes",
	  { .ext = "h", ND(135, "ff02::1:ff00:2"), .payload = 16 },
	  PASS(PASS_ND, NULL) },
	{ "icmpv6 echo-request is dropped by the rule",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128 }, DROP(RULE, "drop-all") },
	{ "icmpv6 132 (below the ND range) is dropped by the rule",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 132 }, DROP(RULE, "drop-all") },
	{ "icmpv6 138 (above the ND range) is dropped by the rule",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 138 }, DROP(RULE, "drop-all") },
	{ "a non-first fragment starting with 135 is not ND",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(8), .proto = P_ICMP6,
	    .icmp_type = 135 }, DROP(RULE, "drop-all"), FRAG },
	{ "a neighbour solicitation shorter than 8 bytes is malformed, not ND",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 135, .cut_at = PKT_AT_L4, .cut_off = 4,
	    .cut_fix = true }, DROP(BAD_L4, NULL) },
	/* IPv4 protocol 58 is not ICMPv6: ND exists only in IPv6. */
	{ "ipv4 protocol 58 with an ND type is not ND",
	  { .family = 4, .proto = P_ICMP6, .icmp_type = 135, .payload = 16 }, DROP(RULE, "drop-all") },
};

/* ------------------------------------------------------------------ */
/* Malformed packets: all dropped under a policy that accepts everything. */

static const char accept_all_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: accept-all\n"
	"    action: accept\n";

#define SET8(at, off, v)	{ PKT_AT_##at, PKT_SET8, (off), (v) }
#define SET16(at, off, v)	{ PKT_AT_##at, PKT_SET16, (off), (v) }
#define ADD16(at, off, v)	{ PKT_AT_##at, PKT_ADD16, (off), (v) }
#define CUT(at, off)		.cut_at = PKT_AT_##at, .cut_off = (off), .cut_fix = true
#define CUT_RAW(at, off)	.cut_at = PKT_AT_##at, .cut_off = (off)

static const struct pkt_case malformed_cases[] = {
	{ "well-formed ipv4 tcp is accepted (the control)",
	  { .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "accept-all") },
	{ "well-formed ipv6 udp is accepted (the control)",
	  { .family = 6, .proto = P_UDP, .dport = 53 }, PASS(ACCEPT, "accept-all") },

	/* L2 */
	{ "14-byte frame whose 802.1Q tag is missing",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, CUT_RAW(L2, 14) }, DROP(TRUNC_L2, NULL) },
	{ "14-byte frame whose 802.1ad tag is missing",
	  { .tags = { ETH_8021AD }, .family = 6, .proto = P_TCP, CUT_RAW(L2, 14) },
	  DROP(TRUNC_L2, NULL) },
	{ "frame ending inside its 802.1Q tag",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, CUT_RAW(L2, 16) }, DROP(TRUNC_L2, NULL) },
	{ "18-byte frame whose inner tag is missing",
	  { .tags = QINQ, .family = 4, .proto = P_TCP, CUT_RAW(L2, 18) }, DROP(TRUNC_L2, NULL) },

	/* IPv4 */
	{ "14-byte frame of ethertype ipv4 and no header",
	  { .family = 4, .proto = P_TCP, CUT_RAW(L3, 0) }, DROP(BAD_IP4, NULL), SHORT_L3 },
	{ "ipv4 header truncated (19 bytes)",
	  { .family = 4, .proto = P_TCP, CUT_RAW(L3, 19) }, DROP(BAD_IP4, NULL), SHORT_L3 },
	/* Tagged, these reach tc's program too (skb->protocol is 802.1Q). */
	{ "802.1Q ipv4 header truncated",
	  { .tags = QTAG, .family = 4, .proto = P_UDP, CUT_RAW(L3, 12) }, DROP(BAD_IP4, NULL) },
	{ "18-byte 802.1Q frame of ethertype ipv4 and no header",
	  { .tags = QTAG, .family = 4, .proto = P_UDP, CUT_RAW(L3, 0) }, DROP(BAD_IP4, NULL) },
	{ "ipv4 IHL 4",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x44) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 IHL 0",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x40) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length one byte past the frame",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { ADD16(L3, 2, 1) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length 65535 in a short frame",
	  { .family = 4, .proto = P_UDP, .dport = 53, .patch = { SET16(L3, 2, 65535) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length (19) below IHL*4 (20)",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET16(L3, 2, 19) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length (20) below IHL*4 (24)",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 1, .patch = { SET16(L3, 2, 20) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 options (IHL 15) cut short at 40 bytes",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 10, CUT(L3, 40) },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 ethertype with version 6",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x65) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 ethertype with version 0",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x05) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 ethertype carrying an ipv6 header",
	  { .ethertype = ETH_IP, .family = 6, .proto = P_TCP, .dport = 80 }, DROP(BAD_IP4, NULL) },

	/* IPv6 */
	{ "14-byte frame of ethertype ipv6 and no header",
	  { .family = 6, .proto = P_TCP, CUT_RAW(L3, 0) }, DROP(BAD_IP6, NULL), SHORT_L3 },
	{ "ipv6 header truncated (39 bytes)",
	  { .family = 6, .proto = P_TCP, CUT_RAW(L3, 39) }, DROP(BAD_IP6, NULL), SHORT_L3 },
	{ "802.1ad+802.1Q ipv6 header truncated (39 bytes)",
	  { .tags = QINQ, .family = 6, .proto = P_TCP, CUT_RAW(L3, 39) }, DROP(BAD_IP6, NULL) },
	{ "ipv6 payload length one byte past the frame",
	  { .family = 6, .proto = P_TCP, .dport = 80, .patch = { ADD16(L3, 4, 1) } },
	  DROP(BAD_IP6, NULL) },
	{ "ipv6 payload length 65535 in a short frame",
	  { .family = 6, .proto = P_UDP, .dport = 53, .patch = { SET16(L3, 4, 65535) } },
	  DROP(BAD_IP6, NULL) },
	{ "ipv6 ethertype with version 4",
	  { .family = 6, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x40) } },
	  DROP(BAD_IP6, NULL) },
	{ "ipv6 ethertype carrying an ipv4 header",
	  { .ethertype = ETH_IP6, .family = 4, .proto = P_TCP, .dport = 80, .payload = 40 },
	  DROP(BAD_IP6, NULL) },

	/* Extension headers */
	{ "ipv6 hop-by-hop cut after 1 byte",
	  { .family = 6, .ext = "h", .proto = P_TCP, CUT(L3, 41) }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 hop-by-hop announced, no byte of it present",
	  { .family = 6, .ext = "h", .proto = P_TCP, CUT(L3, 40) }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 second extension header cut",
	  { .family = 6, .ext = "hd", .proto = P_UDP, CUT(L3, 49) }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 fragment header cut after 7 bytes",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(8), .proto = P_UDP, CUT(L3, 47) },
	  DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 hop-by-hop claiming 88 bytes in a 28-byte payload",
	  { .family = 6, .ext = "h", .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 41, 10) } },
	  DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 AH claiming more than the payload",
	  { .family = 6, .ext = "a", .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 41, 40) } },
	  DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 non-first fragment header past the payload length",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(8), .proto = P_UDP, .payload = 20,
	    .patch = { SET16(L3, 4, 4) } }, DROP(BAD_IP6_EXT, NULL) },

	/* TCP */
	{ "ipv4 tcp header cut at 19 bytes",
	  { .family = 4, .proto = P_TCP, .dport = 80, CUT(L4, 19) }, DROP(BAD_L4, NULL) },
	{ "ipv4 tcp header present but outside the IP total length",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { ADD16(L3, 2, -1) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 4",
	  { .family = 4, .proto = P_TCP, .dport = 80, .payload = 20, .patch = { SET8(L4, 12, 0x40) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 0",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L4, 12, 0x00) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 15 past the packet",
	  { .family = 4, .proto = P_TCP, .dport = 80, .payload = 10, .patch = { SET8(L4, 12, 0xf0) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 8 past the IP length, into Ethernet padding",
	  { .family = 4, .proto = P_TCP, .dport = 80, .pad_to = 100, .patch = { SET8(L4, 12, 0x80) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 first fragment too short for the tcp header",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = IP4_MF, CUT(L4, 8) },
	  DROP(BAD_L4, NULL) },
	{ "ipv6 tcp header cut at 12 bytes",
	  { .family = 6, .proto = P_TCP, .dport = 80, CUT(L4, 12) }, DROP(BAD_L4, NULL) },
	{ "ipv6 tcp doff 15 past the packet",
	  { .family = 6, .proto = P_TCP, .dport = 80, .patch = { SET8(L4, 12, 0xf0) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv6 tcp after extension headers, cut",
	  { .family = 6, .ext = "hd", .proto = P_TCP, .dport = 80, CUT(L4, 10) }, DROP(BAD_L4, NULL) },

	/* UDP */
	{ "ipv4 udp length 7",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { SET16(L4, 4, 7) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 udp length 0",
	  { .family = 4, .proto = P_UDP, .dport = 53, .patch = { SET16(L4, 4, 0) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 udp length one byte past the IP length",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { ADD16(L4, 4, 1) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 udp length past the IP length, into Ethernet padding",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 2, .pad_to = 60,
	    .patch = { SET16(L4, 4, 20) } }, DROP(BAD_L4, NULL) },
	{ "ipv4 udp header cut at 7 bytes",
	  { .family = 4, .proto = P_UDP, .dport = 53, CUT(L4, 7) }, DROP(BAD_L4, NULL) },
	{ "ipv6 udp length 7",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { SET16(L4, 4, 7) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv6 udp length past the payload length",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { ADD16(L4, 4, 1) } },
	  DROP(BAD_L4, NULL) },

	/* ICMP, SCTP */
	{ "ipv4 icmp of 7 bytes",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, CUT(L4, 7) }, DROP(BAD_L4, NULL) },
	{ "ipv4 icmp of 4 bytes",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, CUT(L4, 4) }, DROP(BAD_L4, NULL) },
	{ "ipv4 icmp of 0 bytes",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, CUT(L4, 0) }, DROP(BAD_L4, NULL) },
	{ "ipv6 icmpv6 of 7 bytes",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128, CUT(L4, 7) }, DROP(BAD_L4, NULL) },
	{ "ipv4 sctp header cut at 11 bytes",
	  { .family = 4, .proto = P_SCTP, .dport = 9899, CUT(L4, 11) }, DROP(BAD_L4, NULL) },
	{ "ipv6 sctp header cut at 8 bytes",
	  { .family = 6, .proto = P_SCTP, .dport = 9899, CUT(L4, 8) }, DROP(BAD_L4, NULL) },
};

/* ------------------------------------------------------------------ */
/* Rules */

static const char rules_policy[] =
	"interfaces:\n"
	"  - match: lo\n"
	"    role: lan\n"
	"  - match: \"@WAN@\"\n"
	"    role: wan\n"
	"sets:\n"
	"  web: [80, 443, 8000-8010]\n"
	"  blocked: [203.0.113.0/24, \"2001:db8:bad::/48\"]\n"
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: blocked\n"
	"    from: $blocked\n"
	"    action: drop\n"
	/* First match wins, both ways round. */
	"  - name: fm-accept\n"
	"    proto: tcp\n"
	"    port: 1001\n"
	"    action: accept\n"
	"  - name: fm-drop\n"
	"    proto: tcp\n"
	"    port: 1001\n"
	"    action: drop\n"
	"  - name: fm-drop2\n"
	"    proto: tcp\n"
	"    port: 1002\n"
	"    action: drop\n"
	"  - name: fm-accept2\n"
	"    proto: tcp\n"
	"    port: 1002\n"
	"    action: accept\n"
	/* A narrow rule after a wide one of another shape, and the reverse. */
	"  - name: fm-wide-drop\n"
	"    proto: tcp\n"
	"    to: 10.40.0.0/16\n"
	"    action: drop\n"
	"  - name: fm-narrow-accept\n"
	"    proto: tcp\n"
	"    to: 10.40.1.1\n"
	"    port: 1003\n"
	"    action: accept\n"
	"  - name: fm-narrow-drop\n"
	"    proto: tcp\n"
	"    to: 10.41.1.1\n"
	"    port: 1003\n"
	"    action: drop\n"
	"  - name: fm-wide-accept\n"
	"    proto: tcp\n"
	"    to: 10.41.0.0/16\n"
	"    action: accept\n"
	/* CIDR */
	"  - name: v4-16\n"
	"    proto: udp\n"
	"    port: 2000\n"
	"    from: 10.1.0.0/16\n"
	"    action: accept\n"
	"  - name: v4-32\n"
	"    proto: udp\n"
	"    port: 2001\n"
	"    to: 10.9.9.9/32\n"
	"    action: accept\n"
	"  - name: v4-bare\n"
	"    proto: udp\n"
	"    port: 2001\n"
	"    to: 10.9.9.7\n"
	"    action: accept\n"
	"  - name: v4-0\n"
	"    proto: udp\n"
	"    port: 2002\n"
	"    from: 0.0.0.0/0\n"
	"    action: accept\n"
	"  - name: v4-23\n"
	"    proto: udp\n"
	"    port: 2004\n"
	"    to: 10.20.0.0/23\n"
	"    action: accept\n"
	"  - name: v4-from-to\n"
	"    proto: tcp\n"
	"    port: 2010\n"
	"    from: 10.30.0.0/24\n"
	"    to: 10.31.0.0/24\n"
	"    action: accept\n"
	"  - name: v6-48\n"
	"    proto: udp\n"
	"    port: 2000\n"
	"    from: \"2001:db8:1::/48\"\n"
	"    action: accept\n"
	"  - name: v6-128\n"
	"    proto: udp\n"
	"    port: 2001\n"
	"    to: \"2001:db8::9/128\"\n"
	"    action: accept\n"
	"  - name: v6-0\n"
	"    proto: udp\n"
	"    port: 2003\n"
	"    from: \"::/0\"\n"
	"    action: accept\n"
	"  - name: v6-57\n"
	"    proto: udp\n"
	"    port: 2004\n"
	"    to: \"2001:db8:0:80::/57\"\n"
	"    action: accept\n"
	"  - name: v6-127\n"
	"    proto: udp\n"
	"    port: 2005\n"
	"    to: \"2001:db8::4/127\"\n"
	"    action: accept\n"
	/* Ports */
	"  - name: p-range\n"
	"    proto: tcp\n"
	"    port: 3000-3010\n"
	"    action: accept\n"
	"  - name: p-exact\n"
	"    proto: tcp\n"
	"    port: 4000-4255\n"
	"    action: accept\n"
	"  - name: p-block\n"
	"    proto: tcp\n"
	"    port: 5000-5256\n"
	"    action: accept\n"
	"  - name: p-wide\n"
	"    proto: sctp\n"
	"    port: 1024-65535\n"
	"    action: accept\n"
	"  - name: p-list\n"
	"    proto: tcp\n"
	"    port: [6001, 6003, 6005-6006]\n"
	"    action: accept\n"
	"  - name: p-set\n"
	"    proto: tcp\n"
	"    to: 10.50.0.1\n"
	"    port: $web\n"
	"    action: accept\n"
	"  - name: p-sport\n"
	"    proto: udp\n"
	"    sport: 53\n"
	"    action: accept\n"
	"  - name: p-sport-dport\n"
	"    proto: tcp\n"
	"    sport: 1024-65535\n"
	"    port: 6100\n"
	"    action: accept\n"
	"  - name: p-zero\n"
	"    proto: udp\n"
	"    port: 0\n"
	"    action: accept\n"
	/* Protocols */
	"  - name: proto-any\n"
	"    to: 10.60.0.1\n"
	"    action: accept\n"
	"  - name: proto-udp\n"
	"    to: 10.60.0.2\n"
	"    proto: udp\n"
	"    action: accept\n"
	"  - name: proto-47\n"
	"    to: 10.60.0.3\n"
	"    proto: 47\n"
	"    action: accept\n"
	"  - name: icmp-echo\n"
	"    proto: icmp\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	"  - name: icmp-13\n"
	"    proto: icmp\n"
	"    icmp_type: 13\n"
	"    action: accept\n"
	"  - name: icmp-to-host\n"
	"    proto: icmp\n"
	"    to: 10.61.0.1\n"
	"    action: accept\n"
	"  - name: icmp6-echo\n"
	"    proto: icmpv6\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	/* Families */
	"  - name: fam4\n"
	"    family: ipv4\n"
	"    proto: tcp\n"
	"    port: 7001\n"
	"    action: accept\n"
	"  - name: fam6\n"
	"    family: ipv6\n"
	"    proto: tcp\n"
	"    port: 7002\n"
	"    action: accept\n"
	"  - name: fam-both\n"
	"    proto: tcp\n"
	"    port: 7003\n"
	"    action: accept\n"
	/* Nesting */
	"  - name: nest\n"
	"    from: 10.70.0.0/16\n"
	"    rules:\n"
	"      - name: nest-ssh\n"
	"        proto: tcp\n"
	"        port: 22\n"
	"        action: accept\n"
	"      - name: nest-mdns\n"
	"        proto: udp\n"
	"        port: 5353\n"
	"        action: drop\n"
	"  - name: after-nest\n"
	"    proto: tcp\n"
	"    port: [22, 23]\n"
	"    action: drop\n"
	"  - name: after-nest-mdns\n"
	"    proto: udp\n"
	"    port: 5353\n"
	"    action: accept\n"
	"  - name: deep\n"
	"    to: 10.72.0.0/16\n"
	"    rules:\n"
	"      - name: deep-tcp\n"
	"        proto: tcp\n"
	"        rules:\n"
	"          - name: deep-web\n"
	"            port: 8080\n"
	"            action: accept\n"
	"          - name: deep-wan\n"
	"            in: wan\n"
	"            port: 8081\n"
	"            action: accept\n"
	/* Zones and interface names */
	"  - name: z-lan\n"
	"    in: lan\n"
	"    proto: tcp\n"
	"    port: 7100\n"
	"    action: accept\n"
	"  - name: z-wan\n"
	"    in: wan\n"
	"    proto: tcp\n"
	"    port: 7101\n"
	"    action: accept\n"
	"  - name: z-if-lo\n"
	"    in: lo\n"
	"    proto: tcp\n"
	"    port: 7102\n"
	"    action: accept\n"
	"  - name: counted\n"
	"    proto: udp\n"
	"    port: 7300\n"
	"    action: accept\n";

#define TCP4(port, ...)	{ .family = 4, .proto = P_TCP, .dport = (port), __VA_ARGS__ }
#define TCP6(port, ...)	{ .family = 6, .proto = P_TCP, .dport = (port), __VA_ARGS__ }
#define UDP4(port, ...)	{ .family = 4, .proto = P_UDP, .dport = (port), __VA_ARGS__ }
#define UDP6(port, ...)	{ .family = 6, .proto = P_UDP, .dport = (port), __VA_ARGS__ }
#define SCTP4(port)	{ .family = 4, .proto = P_SCTP, .dport = (port) }

static const struct pkt_case rules_cases[] = {
	/* First match wins */
	{ "accept before drop: the accept wins", TCP4(1001), PASS(ACCEPT, "fm-accept") },
	{ "drop before accept: the drop wins", TCP4(1002), DROP(RULE, "fm-drop2") },
	{ "accept before drop, ipv6", TCP6(1001), PASS(ACCEPT, "fm-accept") },
	{ "wide drop before a narrow accept of another shape: the drop wins",
	  TCP4(1003, .dst = "10.40.1.1"), DROP(RULE, "fm-wide-drop") },
	{ "narrow drop before a wide accept of another shape: the drop wins",
	  TCP4(1003, .dst = "10.41.1.1"), DROP(RULE, "fm-narrow-drop") },
	{ "the wide accept still takes the rest of its prefix",
	  TCP4(1004, .dst = "10.41.1.1"), PASS(ACCEPT, "fm-wide-accept") },
	{ "a $set of both families, first rule, beats later accepts (ipv4)",
	  TCP4(1001, .src = "203.0.113.200"), DROP(RULE, "blocked") },
	{ "a $set of both families, first rule, beats later accepts (ipv6)",
	  UDP6(2003, .src = "2001:db8:bad:ffff::1"), DROP(RULE, "blocked") },
	{ "just outside the $set's ipv4 prefix",
	  TCP4(1001, .src = "203.0.114.0"), PASS(ACCEPT, "fm-accept") },
	{ "just outside the $set's ipv6 prefix",
	  UDP6(2003, .src = "2001:db8:bae::1"), PASS(ACCEPT, "v6-0") },

	/* CIDR, IPv4 */
	{ "from /16: first address", UDP4(2000, .src = "10.1.0.0"), PASS(ACCEPT, "v4-16") },
	{ "from /16: last address", UDP4(2000, .src = "10.1.255.255"), PASS(ACCEPT, "v4-16") },
	{ "from /16: one below", UDP4(2000, .src = "10.0.255.255"), DROP(POLICY, "default") },
	{ "from /16: one above", UDP4(2000, .src = "10.2.0.0"), DROP(POLICY, "default") },
	{ "from /16: right prefix, other port", UDP4(1999, .src = "10.1.2.3"), DROP(POLICY, "default") },
	{ "to /32: the address", UDP4(2001, .dst = "10.9.9.9"), PASS(ACCEPT, "v4-32") },
	{ "to /32: one below", UDP4(2001, .dst = "10.9.9.8"), DROP(POLICY, "default") },
	{ "to /32: one above", UDP4(2001, .dst = "10.9.9.10"), DROP(POLICY, "default") },
	{ "to a bare address (/32)", UDP4(2001, .dst = "10.9.9.7"), PASS(ACCEPT, "v4-bare") },
	{ "to /32 is to, not from", UDP4(2001, .src = "10.9.9.9", .dst = "10.9.9.1"),
	  DROP(POLICY, "default") },
	{ "from /0 takes any ipv4", UDP4(2002, .src = "255.255.255.255"), PASS(ACCEPT, "v4-0") },
	{ "from /0 takes 0.0.0.0", UDP4(2002, .src = "0.0.0.0"), PASS(ACCEPT, "v4-0") },
	{ "ipv4 /0 does not take ipv6", UDP6(2002), DROP(POLICY, "default") },
	{ "to /23: last address", UDP4(2004, .dst = "10.20.1.255"), PASS(ACCEPT, "v4-23") },
	{ "to /23: one above", UDP4(2004, .dst = "10.20.2.0"), DROP(POLICY, "default") },
	{ "to /23: one below", UDP4(2004, .dst = "10.19.255.255"), DROP(POLICY, "default") },
	{ "from and to both inside", TCP4(2010, .src = "10.30.0.5", .dst = "10.31.0.5"),
	  PASS(ACCEPT, "v4-from-to") },
	{ "from inside, to outside", TCP4(2010, .src = "10.30.0.5", .dst = "10.32.0.5"),
	  DROP(POLICY, "default") },
	{ "from outside, to inside", TCP4(2010, .src = "10.29.0.5", .dst = "10.31.0.5"),
	  DROP(POLICY, "default") },

	/* CIDR, IPv6 */
	{ "from /48: inside", UDP6(2000, .src = "2001:db8:1:ffff:ffff:ffff:ffff:ffff"),
	  PASS(ACCEPT, "v6-48") },
	{ "from /48: outside", UDP6(2000, .src = "2001:db8:2::"), DROP(POLICY, "default") },
	{ "from /48: ipv4 of the same port is not it", UDP4(2000), DROP(POLICY, "default") },
	{ "to /128: the address", UDP6(2001, .dst = "2001:db8::9"), PASS(ACCEPT, "v6-128") },
	{ "to /128: one below", UDP6(2001, .dst = "2001:db8::8"), DROP(POLICY, "default") },
	{ "to /128: one above", UDP6(2001, .dst = "2001:db8::a"), DROP(POLICY, "default") },
	{ "to /128: differs only in the first word", UDP6(2001, .dst = "2001:db9::9"),
	  DROP(POLICY, "default") },
	{ "from ::/0 takes any ipv6", UDP6(2003, .src = "fe80::1"), PASS(ACCEPT, "v6-0") },
	{ "ipv6 /0 does not take ipv4", UDP4(2003), DROP(POLICY, "default") },
	{ "to /57 (partial second word): inside", UDP6(2004, .dst = "2001:db8:0:ff::1"),
	  PASS(ACCEPT, "v6-57") },
	{ "to /57: just below", UDP6(2004, .dst = "2001:db8:0:7f:ffff::"), DROP(POLICY, "default") },
	{ "to /57: just above", UDP6(2004, .dst = "2001:db8:0:100::"), DROP(POLICY, "default") },
	{ "to /127: both addresses", UDP6(2005, .dst = "2001:db8::5"), PASS(ACCEPT, "v6-127") },
	{ "to /127: the other one", UDP6(2005, .dst = "2001:db8::4"), PASS(ACCEPT, "v6-127") },
	{ "to /127: outside", UDP6(2005, .dst = "2001:db8::6"), DROP(POLICY, "default") },

	/* Ports */
	{ "range 3000-3010: 2999", TCP4(2999), DROP(POLICY, "default") },
	{ "range 3000-3010: 3000", TCP4(3000), PASS(ACCEPT, "p-range") },
	{ "range 3000-3010: 3005", TCP4(3005), PASS(ACCEPT, "p-range") },
	{ "range 3000-3010: 3010", TCP4(3010), PASS(ACCEPT, "p-range") },
	{ "range 3000-3010: 3011", TCP4(3011), DROP(POLICY, "default") },
	{ "exact-expanded 4000-4255: 3999", TCP4(3999), DROP(POLICY, "default") },
	{ "exact-expanded 4000-4255: 4000", TCP4(4000), PASS(ACCEPT, "p-exact") },
	{ "exact-expanded 4000-4255: 4127", TCP6(4127), PASS(ACCEPT, "p-exact") },
	{ "exact-expanded 4000-4255: 4255", TCP4(4255), PASS(ACCEPT, "p-exact") },
	{ "exact-expanded 4000-4255: 4256", TCP4(4256), DROP(POLICY, "default") },
	{ "blocks 5000-5256: 4999", TCP4(4999), DROP(POLICY, "default") },
	{ "blocks 5000-5256: 5000", TCP4(5000), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5119", TCP4(5119), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5120", TCP4(5120), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5255", TCP4(5255), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5256", TCP4(5256), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5257", TCP6(5257), DROP(POLICY, "default") },
	{ "wide 1024-65535: 1023", SCTP4(1023), DROP(POLICY, "default") },
	{ "wide 1024-65535: 1024", SCTP4(1024), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 2047", SCTP4(2047), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 32767", SCTP4(32767), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 32768", SCTP4(32768), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 65535", SCTP4(65535), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 0", SCTP4(0), DROP(POLICY, "default") },
	{ "wide 1024-65535: 512", SCTP4(512), DROP(POLICY, "default") },
	{ "list: 6001", TCP4(6001), PASS(ACCEPT, "p-list") },
	{ "list: 6002", TCP4(6002), DROP(POLICY, "default") },
	{ "list: 6003", TCP4(6003), PASS(ACCEPT, "p-list") },
	{ "list: 6004", TCP4(6004), DROP(POLICY, "default") },
	{ "list: 6005", TCP4(6005), PASS(ACCEPT, "p-list") },
	{ "list: 6006", TCP4(6006), PASS(ACCEPT, "p-list") },
	{ "list: 6007", TCP4(6007), DROP(POLICY, "default") },
	{ "$set of ports: 80", TCP4(80, .dst = "10.50.0.1"), PASS(ACCEPT, "p-set") },
	{ "$set of ports: 443", TCP4(443, .dst = "10.50.0.1"), PASS(ACCEPT, "p-set") },
	{ "$set of ports: 8010", TCP4(8010, .dst = "10.50.0.1"), PASS(ACCEPT, "p-set") },
	{ "$set of ports: 81", TCP4(81, .dst = "10.50.0.1"), DROP(POLICY, "default") },
	{ "$set of ports: 8011", TCP4(8011, .dst = "10.50.0.1"), DROP(POLICY, "default") },
	{ "$set of ports, other host", TCP4(80, .dst = "10.50.0.2"), DROP(POLICY, "default") },
	{ "sport 53, any dport", UDP4(9999, .sport = 53), PASS(ACCEPT, "p-sport") },
	{ "sport 53, ipv6", UDP6(9999, .sport = 53), PASS(ACCEPT, "p-sport") },
	{ "sport 54", UDP4(9999, .sport = 54), DROP(POLICY, "default") },
	{ "dport 53 is not sport 53", UDP4(53, .sport = 9999), DROP(POLICY, "default") },
	{ "sport 1024-65535 + dport 6100: sport 1024", TCP4(6100, .sport = 1024),
	  PASS(ACCEPT, "p-sport-dport") },
	{ "sport 1024-65535 + dport 6100: sport 65535", TCP4(6100, .sport = 65535),
	  PASS(ACCEPT, "p-sport-dport") },
	{ "sport 1024-65535 + dport 6100: sport 1023", TCP4(6100, .sport = 1023),
	  DROP(POLICY, "default") },
	{ "sport 1024-65535 + dport 6100: dport 6101", TCP4(6101, .sport = 2000),
	  DROP(POLICY, "default") },
	{ "port 0", UDP4(0), PASS(ACCEPT, "p-zero") },

	/* Protocols */
	{ "proto any: tcp", TCP4(1, .dst = "10.60.0.1"), PASS(ACCEPT, "proto-any") },
	{ "proto any: udp", UDP4(1, .dst = "10.60.0.1"), PASS(ACCEPT, "proto-any") },
	{ "proto any: icmp", { .family = 4, .proto = P_ICMP, .icmp_type = 3, .dst = "10.60.0.1" },
	  PASS(ACCEPT, "proto-any") },
	{ "proto any: gre", { .family = 4, .proto = P_GRE, .dst = "10.60.0.1", .payload = 24 },
	  PASS(ACCEPT, "proto-any") },
	{ "proto any: a non-first fragment",
	  TCP4(1, .dst = "10.60.0.1", .ip4_frag = IP4_FRAG_OFF(800)), PASS(ACCEPT, "proto-any"), FRAG },
	{ "proto udp: udp", UDP4(1, .dst = "10.60.0.2"), PASS(ACCEPT, "proto-udp") },
	{ "proto udp: tcp", TCP4(1, .dst = "10.60.0.2"), DROP(POLICY, "default") },
	{ "proto udp: a non-first udp fragment",
	  UDP4(1, .dst = "10.60.0.2", .ip4_frag = IP4_FRAG_OFF(800)), PASS(ACCEPT, "proto-udp"), FRAG },
	{ "proto 47: gre", { .family = 4, .proto = P_GRE, .dst = "10.60.0.3", .payload = 24 },
	  PASS(ACCEPT, "proto-47") },
	{ "proto 47: udp", UDP4(47, .dst = "10.60.0.3"), DROP(POLICY, "default") },
	{ "icmp echo-request", { .family = 4, .proto = P_ICMP, .icmp_type = 8 },
	  PASS(ACCEPT, "icmp-echo") },
	{ "icmp echo-reply", { .family = 4, .proto = P_ICMP, .icmp_type = 0 },
	  DROP(POLICY, "default") },
	{ "icmp type 13 by number", { .family = 4, .proto = P_ICMP, .icmp_type = 13 },
	  PASS(ACCEPT, "icmp-13") },
	{ "icmp type 14", { .family = 4, .proto = P_ICMP, .icmp_type = 14 },
	  DROP(POLICY, "default") },
	{ "icmp any type to one host", { .family = 4, .proto = P_ICMP, .icmp_type = 11,
	  .dst = "10.61.0.1" }, PASS(ACCEPT, "icmp-to-host") },
	{ "tcp dport 8 is not icmp echo-request", TCP4(8), DROP(POLICY, "default") },
	{ "icmpv6 echo-request", { .family = 6, .proto = P_ICMP6, .icmp_type = 128 },
	  PASS(ACCEPT, "icmp6-echo") },
	{ "icmpv6 echo-reply", { .family = 6, .proto = P_ICMP6, .icmp_type = 129 },
	  DROP(POLICY, "default") },

	/* Families */
	{ "family ipv4: ipv4", TCP4(7001), PASS(ACCEPT, "fam4") },
	{ "family ipv4: ipv6", TCP6(7001), DROP(POLICY, "default") },
	{ "family ipv6: ipv6", TCP6(7002), PASS(ACCEPT, "fam6") },
	{ "family ipv6: ipv4", TCP4(7002), DROP(POLICY, "default") },
	{ "no family: ipv4", TCP4(7003), PASS(ACCEPT, "fam-both") },
	{ "no family: ipv6", TCP6(7003), PASS(ACCEPT, "fam-both") },

	/* Nesting */
	{ "a child inside its parent's match", TCP4(22, .src = "10.70.1.1"),
	  PASS(ACCEPT, "nest-ssh") },
	{ "the same packet outside the parent: the child does not apply",
	  TCP4(22, .src = "10.80.1.1"), DROP(RULE, "after-nest") },
	{ "inside the parent, no child matches: the next top-level rule decides",
	  TCP4(23, .src = "10.70.1.1"), DROP(RULE, "after-nest") },
	{ "a drop child inside its parent", UDP4(5353, .src = "10.70.9.9"), DROP(RULE, "nest-mdns") },
	{ "the drop child outside its parent", UDP4(5353, .src = "10.71.9.9"),
	  PASS(ACCEPT, "after-nest-mdns") },
	{ "inside the parent, matched by nothing", UDP4(5354, .src = "10.70.9.9"),
	  DROP(POLICY, "default") },
	{ "two levels deep", TCP4(8080, .dst = "10.72.3.4"), PASS(ACCEPT, "deep-web") },
	{ "two levels deep, middle level's proto not met", UDP4(8080, .dst = "10.72.3.4"),
	  DROP(POLICY, "default") },
	{ "two levels deep, top level's prefix not met", TCP4(8080, .dst = "10.73.3.4"),
	  DROP(POLICY, "default") },
	{ "two levels deep, in: wan child, on wan", TCP4(8081, .dst = "10.72.3.4"), ON(L_WAN),
	  PASS(ACCEPT, "deep-wan") },
	{ "two levels deep, in: wan child, on lan", TCP4(8081, .dst = "10.72.3.4"),
	  DROP(POLICY, "default") },

	/* Zones and interfaces */
	{ "in: lan, on lo (lan)", TCP4(7100), PASS(ACCEPT, "z-lan") },
	{ "in: lan, on wan", TCP4(7100), ON(L_WAN), DROP(POLICY, "default") },
	{ "in: lan, on an unlisted link", TCP4(7100), ON(L_NONE), DROP(POLICY, "default") },
	{ "in: wan, on wan", TCP4(7101), ON(L_WAN), PASS(ACCEPT, "z-wan") },
	{ "in: wan, on wan, ipv6", TCP6(7101), ON(L_WAN), PASS(ACCEPT, "z-wan") },
	{ "in: wan, on lo (lan)", TCP4(7101), DROP(POLICY, "default") },
	{ "in: wan, on an unlisted link", TCP4(7101), ON(L_NONE), DROP(POLICY, "default") },
	{ "in: lo (an interface name), on lo", TCP4(7102), PASS(ACCEPT, "z-if-lo") },
	{ "in: lo (an interface name), on wan", TCP4(7102), ON(L_WAN), DROP(POLICY, "default") },
	{ "a rule without in: on an unlisted link", TCP4(7003), ON(L_NONE), PASS(ACCEPT, "fam-both") },
	/* A rule's dry_run (it counts, and never decides): tests/bpf/test_dryrun.c. */
};

/* IPv4 classifier entries of a rule and the distinct dport masks they use. */
static size_t rule_entries_v4(const char *name, size_t *n_exact)
{
	size_t i, n = 0;
	long idx = -1;

	*n_exact = 0;
	for (i = 0; i < cur_comp.n_rules; i++)
		if (!strcmp(cur_comp.names[i], name))
			idx = (long)i;
	if (idx < 0)
		return 0;
	for (i = 0; i < cur_comp.n_entries; i++) {
		const struct cls_entry *e = &cur_comp.entries[i];

		if ((long)e->rule != idx || e->key.family != WARD_FAM_V4)
			continue;
		n++;
		if (cur_comp.hdr.tuples[e->key.tuple].dport_mask == 0xffff)
			(*n_exact)++;
	}
	return n;
}

/*
 * The port cases above claim to test an exact-expanded range, a range of
 * power-of-two blocks and a wide one: make sure the compiler made them so,
 * or they would test something else than they say.
 */
static void test_port_shapes(void)
{
	size_t n, exact;

	test_start("rules: the port ranges compiled as the cases assume");
	n = rule_entries_v4("p-exact", &exact);
	ASSERT_EQ(n, 256, "4000-4255: one entry per port");
	ASSERT_EQ(exact, 256, "4000-4255: all exact");
	/* 257 ports: blocks of one port are as many entries as 512 blocks allow */
	n = rule_entries_v4("p-block", &exact);
	ASSERT_EQ(n, 257, "5000-5256: one entry per port");
	ASSERT_EQ(exact, 257, "5000-5256: all exact");
	/* 504 aligned blocks of 128 */
	n = rule_entries_v4("p-wide", &exact);
	ASSERT_EQ(n, 504, "1024-65535: blocks");
	ASSERT_EQ(exact, 0, "1024-65535: no single port");
	test_end();
}

/* Packet and byte counters over several packets and BPF_PROG_TEST_RUN repeats. */
static void test_counters_exact(void)
{
	static const __u16 sizes[] = { 0, 18, 100, 1000 };
	struct pkt_case c = { "counted", UDP4(7300), PASS(ACCEPT, "counted") };
	__u64 pk0, by0, pk, by, want_by = 0;
	long idx;
	size_t i;

	test_start("rules: packet and byte counters add up exactly over sizes and repeats");
	idx = stat_of("counted");
	if (!ASSERT_GE(idx, 0, "stat of 'counted'")) {
		test_end();
		return;
	}
	read_stat(idx, &pk0, &by0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct pkt k;

		c.pkt.payload = sizes[i];
		if (!ASSERT_OK(pkt_build(&c.pkt, &k), "pkt_build"))
			break;
		/* 3 runs through XDP, 2 through tc, all in one test_run each. */
		ASSERT_EQ(run_hook(&c, &k, true, 3), V_PASS, "xdp x3");
		ASSERT_EQ(run_hook(&c, &k, false, 2), V_PASS, "tc x2");
		want_by += 5ull * k.len;
	}
	read_stat(idx, &pk, &by);
	ASSERT_EQ(pk - pk0, 5 * ARRAY_SIZE(sizes), "packets");
	ASSERT_EQ(by - by0, want_by, "bytes");
	/* The frame length, L2 header included: 4 sizes of 14+20+8+payload. */
	ASSERT_EQ(want_by, 5ull * (4 * 42 + 0 + 18 + 100 + 1000), "bytes are frame lengths");
	test_end();
}

/* ------------------------------------------------------------------ */
/* Defaults */

static const char defaults_accept_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n";

static const char defaults_drop_policy[] =
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n"
	"  - name: d-accept\n"
	"    proto: tcp\n"
	"    port: 7402\n"
	"    action: accept\n";

static const char defaults_dry_drop_policy[] =
	"defaults:\n"
	"  policy: drop\n"
	"  dry_run: true\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n"
	"  - name: d-accept\n"
	"    proto: tcp\n"
	"    port: 7402\n"
	"    action: accept\n";

static const char defaults_dry_accept_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"  dry_run: true\n"
	"rules:\n"
	"  - name: d-drop\n"
	"    proto: tcp\n"
	"    port: 7400\n"
	"    action: drop\n";

/* Without a defaults: section the policy is drop. */
static const char defaults_implicit_policy[] =
	"rules:\n"
	"  - name: d-accept\n"
	"    proto: tcp\n"
	"    port: 7402\n"
	"    action: accept\n";

static const char empty_accept_policy[] =
	"defaults:\n"
	"  policy: accept\n";

static const struct pkt_case defaults_accept_cases[] = {
	{ "unmatched ipv4 is accepted", TCP4(7401), PASS(ACCEPT, "default") },
	{ "unmatched ipv6 is accepted", UDP6(7401), PASS(ACCEPT, "default") },
	{ "the drop rule still drops", TCP4(7400), DROP(RULE, "d-drop") },
};

static const struct pkt_case defaults_drop_cases[] = {
	{ "unmatched ipv4 is dropped", TCP4(7401), DROP(POLICY, "default") },
	{ "unmatched ipv6 is dropped", UDP6(7401), DROP(POLICY, "default") },
	{ "the drop rule drops as a rule", TCP4(7400), DROP(RULE, "d-drop") },
	{ "the accept rule accepts", TCP4(7402), PASS(ACCEPT, "d-accept") },
};

static const struct pkt_case defaults_dry_drop_cases[] = {
	{ "unmatched passes, would_drop, default counted", TCP4(7401),
	  PASS(WOULD_DROP, "default") },
	{ "a drop rule passes too, would_drop, rule counted", TCP4(7400),
	  PASS(WOULD_DROP, "d-drop") },
	{ "an accept rule is a plain accept", TCP4(7402), PASS(ACCEPT, "d-accept") },
	{ "a malformed packet is still dropped", TCP4(7401, .patch = { SET8(L3, 0, 0x44) }),
	  DROP(BAD_IP4, NULL) },
};

static const struct pkt_case defaults_dry_accept_cases[] = {
	{ "unmatched is accepted, not would_drop", TCP4(7401), PASS(ACCEPT, "default") },
	{ "a drop rule passes, would_drop", TCP4(7400), PASS(WOULD_DROP, "d-drop") },
};

static const struct pkt_case defaults_implicit_cases[] = {
	{ "unmatched is dropped", TCP4(7401), DROP(POLICY, "default") },
	{ "the accept rule accepts", TCP4(7402), PASS(ACCEPT, "d-accept") },
};

static const struct pkt_case empty_accept_cases[] = {
	{ "no rules: ipv4 accepted by default", TCP4(1), PASS(ACCEPT, "default") },
	{ "no rules: ipv6 accepted by default", UDP6(1), PASS(ACCEPT, "default") },
};

static void test_defaults(void)
{
	if (commit_test("defaults accept", defaults_accept_policy))
		run_cases("defaults accept", defaults_accept_cases,
			  ARRAY_SIZE(defaults_accept_cases));
	if (commit_test("defaults drop", defaults_drop_policy))
		run_cases("defaults drop", defaults_drop_cases, ARRAY_SIZE(defaults_drop_cases));
	if (commit_test("defaults drop + dry_run", defaults_dry_drop_policy))
		run_cases("defaults drop + dry_run", defaults_dry_drop_cases,
			  ARRAY_SIZE(defaults_dry_drop_cases));
	if (commit_test("defaults accept + dry_run", defaults_dry_accept_policy))
		run_cases("defaults accept + dry_run", defaults_dry_accept_cases,
			  ARRAY_SIZE(defaults_dry_accept_cases));
	if (commit_test("no defaults section", defaults_implicit_policy))
		run_cases("no defaults section", defaults_implicit_cases,
			  ARRAY_SIZE(defaults_implicit_cases));
	if (commit_test("no rules", empty_accept_policy)) {
		struct ward_policy_hdr *h = calloc(1, sizeof(*h));

		run_cases("no rules", empty_accept_cases, ARRAY_SIZE(empty_accept_cases));
		test_start("no rules: the live slot has no tuples");
		if (ASSERT_OK_PTR(h, "calloc") &&
		    ASSERT_OK(live_hdr(live_state().active_slot, h), "read ward_policy"))
			ASSERT_EQ(h->n_tuples, 0, "n_tuples");
		test_end();
		free(h);
	}
}

/* ------------------------------------------------------------------ */
/* The atomic swap */

static const char swap_a_policy[] =
	"interfaces:\n"
	"  - match: lo\n"
	"    role: lan\n"
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: keep\n"
	"    proto: tcp\n"
	"    port: 9000\n"
	"    action: accept\n"
	"  - name: gone\n"
	"    proto: tcp\n"
	"    port: 9001\n"
	"    action: drop\n"
	"  - name: lan-only\n"
	"    in: lan\n"
	"    proto: tcp\n"
	"    port: 9003\n"
	"    action: accept\n";

/* keep moves down and changes shape; gone goes; the default flips. */
static const char swap_b_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: new\n"
	"    proto: tcp\n"
	"    port: 9001\n"
	"    action: accept\n"
	"  - name: new-drop\n"
	"    proto: tcp\n"
	"    port: 9003\n"
	"    action: drop\n"
	"  - name: keep\n"
	"    proto: tcp\n"
	"    port: [9000, 9010]\n"
	"    action: accept\n";

static const struct pkt_case swap_a_cases[] = {
	{ "A: keep accepts", TCP4(9000), PASS(ACCEPT, "keep") },
	{ "A: keep accepts again", TCP6(9000), PASS(ACCEPT, "keep") },
	{ "A: gone drops", TCP4(9001), DROP(RULE, "gone") },
	{ "A: unmatched dropped", TCP4(9002), DROP(POLICY, "default") },
	{ "A: lan-only on lo", TCP4(9003), PASS(ACCEPT, "lan-only") },
};

static const struct pkt_case swap_b_cases[] = {
	{ "B: 9001 now accepted by new", TCP4(9001), PASS(ACCEPT, "new") },
	{ "B: keep still accepts", TCP4(9000), PASS(ACCEPT, "keep") },
	{ "B: keep's new port", TCP4(9010), PASS(ACCEPT, "keep") },
	{ "B: unmatched now accepted by default", TCP4(9002), PASS(ACCEPT, "default") },
	{ "B: A's zone rule is gone, and lo has no zone left", TCP4(9003),
	  DROP(RULE, "new-drop") },
};

static void test_swap(void)
{
	struct ward_state st0, st1, st2;
	__u64 keep_pk, keep_by, def_pk, def_by, pk, by;
	long keep_a, keep_b, def_a;
	__u32 old;

	if (!commit_test("swap", swap_a_policy))
		return;
	st0 = live_state();
	run_cases("swap", swap_a_cases, ARRAY_SIZE(swap_a_cases));

	keep_a = stat_of("keep");
	def_a = stat_of("default");
	read_stat(keep_a, &keep_pk, &keep_by);
	read_stat(def_a, &def_pk, &def_by);

	if (!commit_test("swap B", swap_b_policy))
		return;
	st1 = live_state();
	old = st0.active_slot;

	test_start("swap: one commit is one generation and flips the slot");
	ASSERT_EQ(st1.generation, st0.generation + 1, "generation");
	ASSERT_EQ(st1.active_slot, st0.active_slot ^ 1, "active slot");
	ASSERT_EQ(dp.generation, st1.generation, "dp.generation");
	test_end();

	test_start("swap: the old slot is emptied after the swap");
	ASSERT_EQ(cls_keys_of_slot(old), 0, "classifier keys of the old slot");
	ASSERT_EQ(cls_keys_of_slot(st1.active_slot), cur_comp.n_entries,
		  "classifier keys of the live slot");
	ASSERT_EQ(iface_keys_of_slot(old), 0, "interface keys of the old slot");
	test_end();

	test_start("swap: a rule that keeps its name keeps its counters");
	keep_b = stat_of("keep");
	ASSERT_EQ(keep_b, keep_a, "keep's stat index");
	read_stat(keep_b, &pk, &by);
	ASSERT_EQ(pk, keep_pk, "keep's packets carried over");
	ASSERT_EQ(by, keep_by, "keep's bytes carried over");
	ASSERT_EQ(stat_of("default"), def_a, "default's stat index");
	read_stat(stat_of("default"), &pk, &by);
	ASSERT_EQ(pk, def_pk, "default's packets carried over");
	ASSERT_EQ(stat_of("gone"), -1, "gone has no stat index");
	ASSERT_EQ(stat_of("lan-only"), -1, "lan-only has no stat index");
	test_end();

	run_cases("swap", swap_b_cases, ARRAY_SIZE(swap_b_cases));

	test_start("swap: keep counted on from where it was");
	read_stat(keep_b, &pk, &by);
	/* B ran two keep packets, each through both hooks. */
	ASSERT_EQ(pk, keep_pk + 4, "keep's packets");
	test_end();

	/* Back to A: gone returns with fresh counters, keep still counts. */
	if (!commit_test("swap back to A", swap_a_policy))
		return;
	st2 = live_state();
	test_start("swap back: generation and slot");
	ASSERT_EQ(st2.generation, st1.generation + 1, "generation");
	ASSERT_EQ(st2.active_slot, old, "active slot");
	ASSERT_EQ(cls_keys_of_slot(st1.active_slot), 0, "classifier keys of B's slot");
	test_end();

	test_start("swap back: a returning rule starts from zero");
	{
		long gone = stat_of("gone");

		if (ASSERT_GE(gone, 0, "gone has a stat index")) {
			read_stat(gone, &pk, &by);
			ASSERT_EQ(pk, 0, "gone's packets");
			ASSERT_EQ(by, 0, "gone's bytes");
		}
		read_stat(stat_of("keep"), &pk, &by);
		ASSERT_EQ(pk, keep_pk + 4, "keep's packets");
	}
	test_end();
	run_cases("swap back", swap_a_cases, ARRAY_SIZE(swap_a_cases));
}

/* ------------------------------------------------------------------ */
/* Many rules */

#define MANY_RULES	10000

static const struct pkt_case many_cases[] = {
	{ "the first /32 is dropped", { .family = 4, .proto = P_TCP, .dport = 22,
	  .src = "100.64.0.0" }, DROP(RULE, "d0") },
	{ "a middle /32 is dropped", { .family = 4, .proto = P_UDP, .dport = 53,
	  .src = "100.64.19.136" }, DROP(RULE, "d5000") },
	{ "the last /32 is dropped", { .family = 4, .proto = P_TCP, .dport = 22,
	  .src = "100.64.39.15" }, DROP(RULE, "d9999") },
	{ "the address after the last is accepted", { .family = 4, .proto = P_TCP,
	  .dport = 22, .src = "100.64.39.16" }, PASS(ACCEPT, "last-accept") },
	{ "an unlisted address is accepted", { .family = 4, .proto = P_TCP, .dport = 22,
	  .src = "192.0.2.200" }, PASS(ACCEPT, "last-accept") },
	{ "ipv6 is accepted", { .family = 6, .proto = P_TCP, .dport = 22 },
	  PASS(ACCEPT, "last-accept") },
};

static void test_many_rules(void)
{
	size_t cap = (size_t)MANY_RULES * 80 + 256, len = 0;
	struct ward_policy_hdr *h;
	struct timespec t0, t1;
	char *yaml = malloc(cap);
	int i, ret;

	test_start("many rules: %d /32 drops and an accept commit", MANY_RULES);
	if (!ASSERT_OK_PTR(yaml, "malloc")) {
		test_end();
		return;
	}
	len += snprintf(yaml + len, cap - len, "defaults:\n  policy: drop\nrules:\n");
	for (i = 0; i < MANY_RULES; i++)
		len += snprintf(yaml + len, cap - len,
				"  - name: d%d\n    from: 100.64.%d.%d\n    action: drop\n",
				i, i >> 8, i & 0xff);
	len += snprintf(yaml + len, cap - len, "  - name: last-accept\n    action: accept\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = commit_yaml("many rules", yaml);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(yaml);
	ASSERT_OK(ret, "commit");
	test_end();
	if (ret)
		return;
	if (test_env.verbose)
		printf("     (parse+compile+commit of %d rules: %.0f ms)\n", MANY_RULES + 1,
		       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

	test_start("many rules: the match shapes stay few");
	ASSERT_EQ(cur_comp.n_rules, MANY_RULES + 1, "n_rules");
	ASSERT_EQ(cur_comp.n_entries, MANY_RULES + 2, "classifier entries");
	/* One shape for every /32 drop, one each for the catch-all's families. */
	ASSERT_EQ(cur_comp.hdr.n_tuples, 3, "n_tuples compiled");
	h = calloc(1, sizeof(*h));
	if (ASSERT_OK_PTR(h, "calloc") &&
	    ASSERT_OK(live_hdr(live_state().active_slot, h), "read ward_policy"))
		ASSERT_EQ(h->n_tuples, 3, "n_tuples live");
	free(h);
	test_end();

	run_cases("many rules", many_cases, ARRAY_SIZE(many_cases));
}

/* ------------------------------------------------------------------ */

static void find_links(void)
{
	struct if_nameindex *ifs, *it;
	int slot = L_WAN;

	snprintf(tlinks[L_LO].name, IF_NAMESIZE, "lo");
	tlinks[L_LO].ifindex = if_nametoindex("lo");
	/* Stand-ins that a policy can name but no packet of theirs is ever
	 * seen: test_run only borrows their ifindex. */
	snprintf(tlinks[L_WAN].name, IF_NAMESIZE, "ward-absent0");
	snprintf(tlinks[L_NONE].name, IF_NAMESIZE, "ward-absent1");
	ifs = if_nameindex();
	for (it = ifs; it && it->if_index && slot < L_N; it++) {
		if (!strcmp(it->if_name, "lo"))
			continue;
		snprintf(tlinks[slot].name, IF_NAMESIZE, "%s", it->if_name);
		tlinks[slot].ifindex = it->if_index;
		slot++;
	}
	if (ifs)
		if_freenameindex(ifs);
}

int main(int argc, char **argv)
{
	int err;

	if (test_args(argc, argv, "ward_bpf_test", &run_bugs))
		return 2;
	find_links();
	ncpus = libbpf_num_possible_cpus();

	test_start("setup: dp_open");
	err = dp_open(&dp, NULL, 0);	/* 0: the default flow table size */
	ASSERT_OK(err, "dp_open");
	ASSERT_GE(ncpus, 1, "possible cpus");
	test_end();
	if (err || ncpus < 1) {
		printf("bpf: %d passed, %d failed\n", test_env.passed, test_env.failed);
		return 1;
	}
	if (test_env.verbose)
		printf("links: lo=%d wan=%s(%d) unlisted=%s(%d), %d possible cpus\n",
		       tlinks[L_LO].ifindex, tlinks[L_WAN].name, tlinks[L_WAN].ifindex,
		       tlinks[L_NONE].name, tlinks[L_NONE].ifindex, ncpus);

	test_env_checks();
	test_before_commit();

	if (commit_test("parser", parser_policy))
		run_cases("parser", parser_cases, ARRAY_SIZE(parser_cases));
	if (commit_test("drop-all", drop_all_policy))
		run_cases("drop-all", drop_all_cases, ARRAY_SIZE(drop_all_cases));
	if (commit_test("malformed", accept_all_policy))
		run_cases("malformed", malformed_cases, ARRAY_SIZE(malformed_cases));
	if (commit_test("rules", rules_policy)) {
		run_cases("rules", rules_cases, ARRAY_SIZE(rules_cases));
		test_port_shapes();
		test_counters_exact();
	}
	test_defaults();
	test_swap();
	test_many_rules();

	if (have_policy) {
		compiled_free(&cur_comp);
		pol_free(&cur_pol);
	}
	free(named);
	dp_close(&dp, false);

	if (test_env.skipped)
		printf("bpf: %d skipped%s\n", test_env.skipped,
		       run_bugs ? "" : " (known bugs: run with -b to include them)");
	printf("bpf: %d passed, %d failed\n", test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
