// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/bpf_harness.c: the harness of ward_bpf_test (declared in
 * bpf_harness.h): the data plane's maps read back, policies committed the
 * way wardd does it, and packet rows run through both ingress hooks.
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "ward.skel.h"
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "pkt.h"
#include "test_assert.h"
#include "test_run.h"
#include "read_maps.h"
#include "commit_yaml.h"
#include "bpf_harness.h"

struct test_link tlinks[L_N];
struct dataplane dp;
struct live_policy live;
int ncpus;
bool run_bugs;

/* Stat indices that have a name in the live policy (0 is "default"). */
static __u32 *named;
static size_t n_named;

/* ------------------------------------------------------------------ */
/* Maps */

void read_stat(__u32 idx, __u64 *packets, __u64 *bytes)
{
	read_rule_stat(&dp, ncpus, idx, packets, bytes);
}

/* The stat index the live policy gives this rule name, or -1. */
long stat_of(const char *name)
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

struct ward_state live_state(void)
{
	struct ward_state st = {};
	__u32 zero = 0;

	CHECK_(!bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_state), &zero, &st),
	       "reading ward_state: %s", strerror(errno));
	return st;
}

/* ward_policy is big (6 KiB a slot): read it into a caller's buffer. */
int live_hdr(__u32 slot, struct ward_policy_hdr *hdr)
{
	return bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_policy), &slot, hdr) ? -errno : 0;
}

static bool cls_in_slot(const void *key, const void *slot)
{
	return ((const struct ward_cls_key *)key)->tuple >> WARD_CLS_SLOT_SHIFT ==
	       *(const __u32 *)slot;
}

static bool iface_in_slot(const void *key, const void *slot)
{
	return ((const struct ward_iface_key *)key)->slot == *(const __u32 *)slot;
}

size_t cls_keys_of_slot(__u32 slot)
{
	return count_keys(dp.skel->maps.ward_cls, cls_in_slot, &slot);
}

size_t iface_keys_of_slot(__u32 slot)
{
	return count_keys(dp.skel->maps.ward_ifaces, iface_in_slot, &slot);
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
	size_t i;

	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(dp.skel->obj, maps[i]);

		if (m)
			flush_map(m);
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
 * policy is live and kept in live.
 */
int commit_yaml(const char *what, const char *yaml)
{
	struct pol_policy pol;
	struct compiled comp;
	struct dp_link links[L_N];
	char *text;
	size_t n = 0, i;
	int ret;

	text = subst_links(yaml);
	if (!ASSERT_OK_PTR(text, "subst_links"))
		return -ENOMEM;
	ret = test_compile_yaml(what, text, &pol, &comp);
	free(text);
	if (ret)
		return ret;
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
	ret = test_commit_live(&dp, &live, &pol, &comp, links, n);
	if (!ret)
		refresh_named();
	return ret;
}

/* A commit as a test of its own, so that a policy that fails to load shows. */
bool commit_test(const char *group, const char *yaml)
{
	int ret;

	test_start("%s: policy commits", group);
	ret = commit_yaml(group, yaml);
	test_end();
	return ret == 0;
}

/* Returns 0 or -errno from BPF_PROG_TEST_RUN; *retval is the program's. */
int run_prog(bool xdp, const void *data, __u32 len, int ifindex,
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
int run_hook(const struct pkt_case *c, const struct pkt *k, bool xdp, __u32 repeat)
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
	read_counters(&dp, before);
	for (i = 0; i < n_named; i++)
		read_stat(named[i], &pk0[i], &by0[i]);

	err = run_prog(xdp, k->data, k->len, tlinks[c->link].ifindex, repeat, &retval);
	snprintf(what, sizeof(what), "%s test_run", hook);
	if (err == -EINVAL && c->short_l3 && !xdp) {
		/* Refused before the program ran: nothing may have moved. */
		read_counters(&dp, after);
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

	read_counters(&dp, after);
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

void run_cases(const char *group, const struct pkt_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_case(group, &c[i]);
}

/* ------------------------------------------------------------------ */

void find_links(void)
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

void harness_close(void)
{
	live_policy_free(&live);
	free(named);
	named = NULL;
	dp_close(&dp, false);
}
