/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/bpf_harness.h: what the files of ward_bpf_test share: the data
 * plane and the links the policies know, policies committed the way wardd
 * sends them, and packet rows (struct pkt_case) run through both ingress
 * hooks with the verdict, the counters and the rule stats checked.
 * bpf_harness.c defines it all; test_bpf.c holds main() and the test-run
 * interface, test_bpf_*.c one area of cases each. Only those include it,
 * after test_assert.h and pkt.h.
 */
#ifndef WARD_TEST_BPF_HARNESS_H
#define WARD_TEST_BPF_HARNESS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "pkt.h"
#include "commit_yaml.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Links the policies know. Only their ifindex reaches the data plane:
 * BPF_PROG_TEST_RUN never touches the device itself. */
enum { L_LO, L_WAN, L_NONE, L_N };

struct test_link {
	char	name[IF_NAMESIZE];
	int	ifindex;		/* 0: this machine has no such device */
};

extern struct test_link tlinks[L_N];
extern struct dataplane dp;
/* The live policy after the last commit_yaml() that worked. */
extern struct live_policy live;
extern int ncpus;
/* -b: run the rows disabled because of a known bug. */
extern bool run_bugs;

/* lo, then the machine's first two other links as @WAN@ and @NONE@. */
void find_links(void);
/* Frees the live policy and closes dp. */
void harness_close(void);

/* ------------------------------------------------------------------ */
/* Maps */

void read_stat(__u32 idx, __u64 *packets, __u64 *bytes);
/* The stat index the live policy gives this rule name, or -1. */
long stat_of(const char *name);
struct ward_state live_state(void);
/* ward_policy is big (6 KiB a slot): read it into a caller's buffer. */
int live_hdr(__u32 slot, struct ward_policy_hdr *hdr);
/* Classifier and interface keys of a slot, found by walking the map. */
size_t cls_keys_of_slot(__u32 slot);
size_t iface_keys_of_slot(__u32 slot);

/* ------------------------------------------------------------------ */
/* Policies */

/*
 * parse -> compile -> commit, the way wardd does it, with every known link
 * described to the data plane as compiled_iface() sees it; @WAN@ and
 * @NONE@ in yaml name the second and third links. On success the policy
 * is live and kept in live.
 */
int commit_yaml(const char *what, const char *yaml);
/* A commit as a test of its own, so that a policy that fails to load shows. */
bool commit_test(const char *group, const char *yaml);

/* ------------------------------------------------------------------ */
/* Running packets */

#define V_PASS	1
#define V_DROP	2
#define V_REFUSED	(-1)	/* run_hook: test_run refused the input */

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

/* Packet descriptions the rows are written in. */
#define QTAG	{ ETH_8021Q }
#define QINQ	{ ETH_8021AD, ETH_8021Q }
#define SET8(at, off, v)	{ PKT_AT_##at, PKT_SET8, (off), (v) }
#define SET16(at, off, v)	{ PKT_AT_##at, PKT_SET16, (off), (v) }
#define ADD16(at, off, v)	{ PKT_AT_##at, PKT_ADD16, (off), (v) }
#define CUT(at, off)		.cut_at = PKT_AT_##at, .cut_off = (off), .cut_fix = true
#define CUT_RAW(at, off)	.cut_at = PKT_AT_##at, .cut_off = (off)
#define TCP4(port, ...)	{ .family = 4, .proto = P_TCP, .dport = (port), __VA_ARGS__ }
#define TCP6(port, ...)	{ .family = 6, .proto = P_TCP, .dport = (port), __VA_ARGS__ }
#define UDP4(port, ...)	{ .family = 4, .proto = P_UDP, .dport = (port), __VA_ARGS__ }
#define UDP6(port, ...)	{ .family = 6, .proto = P_UDP, .dport = (port), __VA_ARGS__ }
#define SCTP4(port)	{ .family = 4, .proto = P_SCTP, .dport = (port) }

/* Returns 0 or -errno from BPF_PROG_TEST_RUN; *retval is the program's. */
int run_prog(bool xdp, const void *data, __u32 len, int ifindex, __u32 repeat, __u32 *retval);
/*
 * Runs one packet through one hook and checks everything that must (and
 * must not) change. Returns the hook's verdict as V_PASS/V_DROP,
 * V_REFUSED, or 0.
 */
int run_hook(const struct pkt_case *c, const struct pkt *k, bool xdp, __u32 repeat);
/* A row as a test "group: name", through XDP and tc. */
void run_cases(const char *group, const struct pkt_case *c, size_t n);

/* ------------------------------------------------------------------ */
/* The areas of cases, in the order main() runs them. */

void test_parser(void);		/* test_bpf_parser.c */
void test_drop_all(void);
void test_malformed(void);	/* test_bpf_malformed.c */
void test_rules(void);		/* test_bpf_rules.c */
void test_defaults(void);	/* test_bpf_commit.c */
void test_swap(void);
void test_many_rules(void);

#endif /* WARD_TEST_BPF_HARNESS_H */
