// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_fqdn.c: the DNS parser of FQDN rules (bpf/lib/fqdn.h),
 * run with BPF_PROG_TEST_RUN on crafted DNS messages through both
 * ward_xdp_ingress and ward_tc_ingress: every branch of the parser and
 * malformed variants here; the query tracking, links, transports, the
 * to_fqdn classifier and commits in test_fqdn_track.c (one binary).
 *
 * Each case sends what a client would (its query to the resolver, unless
 * the case is about answers nobody asked for), then the crafted answer,
 * and checks which addresses ward_fqdn_addrs learned and which counters
 * moved. The policy goes the way wardd sends it (YAML, compile, dp_commit)
 * into maps that are not pinned.
 *
 * Needs root. Usage: ward_fqdn_test [-v]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
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
#include "fqdn.h"
#include "log.h"
#include "test_assert.h"
#include "test_main.h"
#include "dns_pkt.h"
#include "test_run.h"
#include "test_fqdn.h"

struct dataplane dp;
static int ncpus;

static const char policy[] =
	"defaults: { policy: drop, log: none }\n"
	"fqdn_sets:\n"
	"  deb: [\"deb.debian.org\", \"*.debian.org\"]\n"
	"  exact: [\"www.example.com\"]\n"
	"fqdn:\n"
	"  resolvers: [" RESOLVER ", \"" RESOLVER6 "\"]\n"
	"  grace: 30s\n"
	"rules:\n"
	"  - { name: dns-q, proto: udp, port: 53, action: accept }\n"
	"  - { name: dns-qt, proto: tcp, port: 53, action: accept }\n"
	"  - { name: dns-a, proto: udp, sport: 53, action: accept }\n"
	"  - { name: dns-at, proto: tcp, sport: 53, action: accept }\n"
	"  - { name: deb-web, to_fqdn: $deb, proto: tcp, port: 443, action: accept }\n";

static const char *hook_name[HOOKS] = { "xdp", "tc" };

/*
 * The links of a gateway: the client's (LAN) and the resolver's (WAN).
 * lo and the first other device: XDP's test_run needs ifindexes that
 * exist, and only borrows them (nothing is attached).
 */
int if_lan, if_wan;

static bool find_links(void)
{
	if_lan = (int)if_nametoindex("lo");
	if_wan = test_other_ifindex();
	return if_lan && if_wan;
}

/* Runs a frame that comes in on ifindex; returns true when the hook
 * passed it. */
static bool run_on(int hook, const struct frame *f, int ifindex)
{
	struct bpf_program *prog = hook == HOOK_XDP ? dp.skel->progs.ward_xdp_ingress :
						      dp.skel->progs.ward_tc_ingress;
	__u32 ret;

	if (!ASSERT_OK(test_run_frame(prog, hook == HOOK_XDP, ifindex, f->b, f->n, NULL, 0, NULL,
				      1, &ret), "prog_test_run"))
		return false;
	return hook == HOOK_XDP ? ret == XDP_PASS : ret == TC_ACT_OK;
}

/* From a client, on the LAN link. */
bool run(int hook, const struct frame *f)
{
	return run_on(hook, f, if_lan);
}

/* From a resolver (or beyond), on the WAN link. */
bool run_wan(int hook, const struct frame *f)
{
	return run_on(hook, f, if_wan);
}

/* The host's own packet at tc egress, leaving by ifindex. */
void run_local_out(const struct frame *f, int ifindex)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->n, .repeat = 1,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ward_tc_egress), &o),
		  "prog_test_run egress");
}

/* Sends a DNS message as a whole UDP datagram or TCP segment (with its
 * length prefix). to_resolver: a query; else an answer from resolver. */
bool send_msg(int hook, bool tcp, const char *client, const char *resolver,
		     bool to_resolver, const struct msg *m)
{
	__u8 pl[4200];
	struct frame f;
	size_t n = 0;

	if (tcp) {
		pl[0] = m->n >> 8;
		pl[1] = m->n & 0xff;
		n = 2;
	}
	memcpy(pl + n, m->b, m->n);
	n += m->n;
	if (to_resolver) {
		frame(&f, tcp, client, resolver, CPORT, 53, pl, n, 0);
		return run(hook, &f);
	}
	frame(&f, tcp, resolver, client, 53, CPORT, pl, n, 0);
	return run_wan(hook, &f);
}

/* ------------------------------------------------------------------ */
/* Maps */

void counters(__u64 out[WARD_CNT_MAX])
{
	if (dp_read_counters(&dp, out))
		memset(out, 0, sizeof(__u64) * WARD_CNT_MAX);
}

int set_id(const char *name)
{
	int fd = bpf_map__fd(dp.skel->maps.ward_fqdn_sets);
	struct ward_fqdn_set_name v;
	__u32 id;

	for (id = 0; id < WARD_FQDN_SETS; id++)
		if (!bpf_map_lookup_elem(fd, &id, &v) && !strcmp(v.name, name))
			return id;
	return -1;
}

bool learned(const char *set, const char *addr, struct ward_fqdn_addr_val *out)
{
	struct ward_fqdn_addr_key k = {};
	struct ward_fqdn_addr_val v;
	bool v6 = strchr(addr, ':');

	k.set = set_id(set);
	k.family = v6 ? WARD_FAM_V6 : WARD_FAM_V4;
	inet_pton(v6 ? AF_INET6 : AF_INET, addr, k.addr);
	if (bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_fqdn_addrs), &k, &v))
		return false;
	if (out)
		*out = v;
	return true;
}

size_t n_learned(void)
{
	int fd = bpf_map__fd(dp.skel->maps.ward_fqdn_addrs);
	struct ward_fqdn_addr_key k, *prev = NULL, kk;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		n++;
		kk = k;
		prev = &kk;
	}
	return n;
}

void forget_all(void)
{
	int fd = bpf_map__fd(dp.skel->maps.ward_fqdn_addrs);
	struct ward_fqdn_addr_key k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
	fd = bpf_map__fd(dp.skel->maps.ward_fqdn_queries);
	{
		struct ward_fqdn_query q;

		while (!bpf_map_get_next_key(fd, NULL, &q))
			bpf_map_delete_elem(fd, &q);
	}
}

/* ------------------------------------------------------------------ */
/* Cases */

void check(const char *what, int hook, const __u64 *before, const struct expect *e)
{
	__u64 now[WARD_CNT_MAX];
	char n[160];

	counters(now);
#define CNT(c, want) do {							\
	snprintf(n, sizeof(n), "%s/%s: " #c, what, hook_name[hook]);		\
	ASSERT_EQ(now[c] - before[c], (__u64)(want), n);			\
} while (0)
	CNT(WARD_CNT_FQDN_PARSED, e->parsed);
	CNT(WARD_CNT_FQDN_IGNORED, e->ignored);
	CNT(WARD_CNT_FQDN_SPOOFED, e->spoofed);
	CNT(WARD_CNT_FQDN_MALFORMED, e->malformed);
	CNT(WARD_CNT_FQDN_FRAGMENT, e->fragment);
	CNT(WARD_CNT_FQDN_TRUNC, e->trunc);
	CNT(WARD_CNT_FQDN_LEARNED, e->learned);
#undef CNT
	snprintf(n, sizeof(n), "%s/%s: addresses in the map", what, hook_name[hook]);
	ASSERT_EQ(n_learned(), e->learned, n);
}

/* The usual exchange: a query for qname, then the answer m over UDP. */
void exchange(const char *what, const char *qname, int qtype, const struct msg *ans,
		     const struct expect *e)
{
	struct msg q;
	__u64 before[WARD_CNT_MAX];
	int h;

	test_start("fqdn %s", what);
	for (h = 0; h < HOOKS; h++) {
		forget_all();
		query_msg(&q, ((const __u16 *)ans->b)[0] ? ntohs(((const __u16 *)ans->b)[0]) : 1,
			  qname, qtype);
		ASSERT_TRUE(send_msg(h, false, CLIENT, RESOLVER, true, &q), "query passes");
		counters(before);
		ASSERT_TRUE(send_msg(h, false, CLIENT, RESOLVER, false, ans), "answer passes");
		check(what, h, before, e);
	}
	test_end();
}

void answer(struct msg *m, __u16 id, const char *qname, int qtype, int an)
{
	header(m, id, F_ANSWER, 1, an);
	question(m, qname, qtype);
}

static void test_matching(void)
{
	/* Answers for each name, one address each, in this order. */
	static const struct {
		__u16	id;
		const char *name, *addr, *what;
		bool	match;
	} names[] = {
		{ 0x1002, "security.debian.org", "203.0.113.2",
		  "wildcard one level", true },
		{ 0x1003, "a.b.c.debian.org", "203.0.113.3",
		  "wildcard any depth", true },
		{ 0x1004, "DeB.DEBIAN.org", "203.0.113.4",
		  "case-insensitive (0x20)", true },
		{ 0x1005, "debian.org", "203.0.113.5",
		  "wildcard apex not matched", false },
		{ 0x1006, "xdebian.org", "203.0.113.6",
		  "suffix inside a label not matched", false },
		{ 0x1007, "www.example.com.evil.net", "203.0.113.7",
		  "exact name as a prefix not matched", false },
		{ 0x1008, "a.www.example.com", "203.0.113.8",
		  "exact name does not cover names under it", false },
		{ 0x1009, "www.example.com", "203.0.113.9",
		  "exact name of another set", true },
	};
	struct expect one = { .learned = 1, .parsed = 1 };
	struct expect none = { .parsed = 1, .ignored = 1 };
	struct ward_fqdn_addr_val v;
	struct msg m;
	size_t i;

	answer(&m, 0x1001, "deb.debian.org", 1, 1);
	rr_addr(&m, "203.0.113.1", 300);
	exchange("exact name", "deb.debian.org", 1, &m, &one);
	test_start("fqdn exact name: set, TTL and expiry");
	ASSERT_TRUE(learned("deb", "203.0.113.1", &v), "learned under its set");
	ASSERT_EQ(v.ttl, 300u, "TTL as answered");
	ASSERT_FALSE(learned("exact", "203.0.113.1", NULL), "not under another set");
	test_end();

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		answer(&m, names[i].id, names[i].name, 1, 1);
		rr_addr(&m, names[i].addr, 60);
		exchange(names[i].what, names[i].name, 1, &m, names[i].match ? &one : &none);
	}
	test_start("fqdn exact name of another set: its set");
	ASSERT_TRUE(learned("exact", "203.0.113.9", NULL), "learned under exact");
	ASSERT_FALSE(learned("deb", "203.0.113.9", NULL), "not under deb");
	test_end();
}

/* A pattern stored under the hash of another name: what a collision looks
 * like to the parser. The bytes decide, not the hash. */
static void test_collision(void)
{
	struct ward_fqdn_pat pat = {};
	struct expect none = { .parsed = 1, .ignored = 1 };
	int fd = bpf_map__fd(dp.skel->maps.ward_fqdn_pats);
	__u8 wire[WARD_FQDN_NAME_MAX];
	const char *why;
	size_t len;
	bool wild;
	__u64 h;
	struct msg m;

	/* Same wire length, other bytes: only the byte comparison can tell. */
	fqdn_to_wire("evilx.org", wire, &len, &wild, &why);
	h = fqdn_hash(wire, len);
	fqdn_to_wire("abcde.org", pat.name, &len, &wild, &why);
	pat.len = len;
	pat.exact = 1ULL << set_id("deb");
	ASSERT_OK(bpf_map_update_elem(fd, &h, &pat, 0), "plant a colliding pattern");

	answer(&m, 0x1101, "evilx.org", 1, 1);
	rr_addr(&m, "203.0.113.11", 60);
	exchange("hash hit with other bytes not matched", "evilx.org", 1, &m, &none);
	bpf_map_delete_elem(fd, &h);
}

static void test_records(void)
{
	struct msg m;
	int i;

	answer(&m, 0x1201, "v6.debian.org", 28, 2);
	rr_addr(&m, "2001:db8:100::6", 60);
	rr_addr(&m, "2001:db8:100::7", 60);
	exchange("AAAA", "v6.debian.org", 28, &m,
		 &(struct expect){ .learned = 2, .parsed = 1 });
	test_start("fqdn AAAA: v6 keys");
	ASSERT_TRUE(learned("deb", "2001:db8:100::7", NULL), "AAAA learned");
	test_end();

	answer(&m, 0x1202, "big.debian.org", 1, 50);
	for (i = 0; i < 50; i++) {
		char a[32];

		snprintf(a, sizeof(a), "203.0.114.%d", i + 1);
		rr_addr(&m, a, 60);
	}
	exchange("50 A records", "big.debian.org", 1, &m,
		 &(struct expect){ .learned = 50, .parsed = 1 });

	answer(&m, 0x1203, "bigger.debian.org", 1, 140);
	for (i = 0; i < 140; i++) {
		char a[32];

		snprintf(a, sizeof(a), "203.0.115.%d", i + 1);
		rr_addr(&m, a, 60);
	}
	exchange("140 A records: the first 128 learned, the rest counted", "bigger.debian.org",
		 1, &m, &(struct expect){ .learned = 128, .parsed = 1, .trunc = 1 });

	/* CNAME chain inside the answer: followed by the resolver, skipped
	 * here; the question decides. */
	answer(&m, 0x1204, "cdn.debian.org", 1, 2);
	put16(&m, 0xc00c); put16(&m, 5); put16(&m, 1); put32(&m, 60);
	put16(&m, 14); putname(&m, "edge.cdn.net");
	putname(&m, "edge.cdn.net"); put16(&m, 1); put16(&m, 1); put32(&m, 60);
	put16(&m, 4); put32(&m, 0xcb007110);	/* 203.0.113.16 */
	exchange("CNAME then A, matching question", "cdn.debian.org", 1, &m,
		 &(struct expect){ .learned = 1, .parsed = 1 });

	answer(&m, 0x1205, "alias.other.org", 1, 2);
	put16(&m, 0xc00c); put16(&m, 5); put16(&m, 1); put32(&m, 60);
	put16(&m, 16); putname(&m, "deb.debian.org");
	putname(&m, "deb.debian.org"); put16(&m, 1); put16(&m, 1); put32(&m, 60);
	put16(&m, 4); put32(&m, 0xcb007111);
	exchange("CNAME into a matching name, question not matching", "alias.other.org", 1, &m,
		 &(struct expect){ .parsed = 1, .ignored = 1 });

	/* Other types skipped by RDLENGTH; A with a bad RDLENGTH not taken. */
	answer(&m, 0x1206, "mx.debian.org", 15, 2);
	put16(&m, 0xc00c); put16(&m, 15); put16(&m, 1); put32(&m, 60);
	put16(&m, 4); put16(&m, 10); put16(&m, 0xc00c);
	put16(&m, 0xc00c); put16(&m, 1); put16(&m, 1); put32(&m, 60);
	put16(&m, 5); put32(&m, 0xcb007112); put8(&m, 0);
	exchange("MX skipped, A with RDLENGTH 5 not taken", "mx.debian.org", 15, &m,
		 &(struct expect){ .parsed = 1 });

	/* A huge TTL is capped; the top bit means 0 (RFC 2181). */
	answer(&m, 0x1207, "ttl.debian.org", 1, 2);
	rr_addr(&m, "203.0.113.20", 0xffffff);
	rr_addr(&m, "203.0.113.21", 0x80000001);
	exchange("TTL capped, negative TTL is 0", "ttl.debian.org", 1, &m,
		 &(struct expect){ .learned = 2, .parsed = 1 });
	{
		struct ward_fqdn_addr_val v;

		test_start("fqdn TTL values");
		ASSERT_TRUE(learned("deb", "203.0.113.20", &v) && v.ttl == WARD_FQDN_TTL_MAX,
			    "capped at WARD_FQDN_TTL_MAX");
		ASSERT_TRUE(learned("deb", "203.0.113.21", &v) && v.ttl == 0, "top bit: 0");
		test_end();
	}

	/* TC set: what is there is learned (the client retries over TCP). */
	header(&m, 0x1208, F_ANSWER | 0x0200, 1, 1);
	question(&m, "tc.debian.org", 1);
	rr_addr(&m, "203.0.113.22", 60);
	exchange("truncated (TC) answer: its records learned", "tc.debian.org", 1, &m,
		 &(struct expect){ .learned = 1, .parsed = 1 });

	header(&m, 0x1209, 0x8183, 1, 0);	/* NXDOMAIN */
	question(&m, "nx.debian.org", 1);
	exchange("NXDOMAIN ignored", "nx.debian.org", 1, &m, &(struct expect){ .ignored = 1 });
}

static void test_malformed(void)
{
	struct expect bad = { .malformed = 1 };
	struct msg m;
	int i;

	/* A compression pointer in the question. */
	header(&m, 0x1301, F_ANSWER, 1, 1);
	put16(&m, 0xc00c);
	put16(&m, 1); put16(&m, 1);
	rr_addr(&m, "203.0.113.30", 60);
	exchange("pointer in the question", "x.debian.org", 1, &m, &bad);

	/* A '.' byte inside a label: "evil.debian" + "org". */
	header(&m, 0x1302, F_ANSWER, 1, 1);
	put8(&m, 11); putraw(&m, "evil.debian", 11); put8(&m, 3); putraw(&m, "org", 3); put8(&m, 0);
	put16(&m, 1); put16(&m, 1);
	rr_addr(&m, "203.0.113.31", 60);
	exchange("dot inside a label", "x.debian.org", 1, &m, &bad);

	/* A NUL byte inside a label. */
	header(&m, 0x1303, F_ANSWER, 1, 1);
	put8(&m, 4); putraw(&m, "a\0b", 4); put8(&m, 6); putraw(&m, "debian", 6);
	put8(&m, 3); putraw(&m, "org", 3); put8(&m, 0);
	put16(&m, 1); put16(&m, 1);
	rr_addr(&m, "203.0.113.32", 60);
	exchange("NUL inside a label", "x.debian.org", 1, &m, &bad);

	/* A label length of 64 (0x40: a reserved label type). */
	header(&m, 0x1304, F_ANSWER, 1, 1);
	put8(&m, 64);
	for (i = 0; i < 64; i++)
		put8(&m, 'a');
	putname(&m, "debian.org");
	put16(&m, 1); put16(&m, 1);
	rr_addr(&m, "203.0.113.33", 60);
	exchange("label over 63", "x.debian.org", 1, &m, &bad);

	/* A question name of 257 wire bytes. */
	header(&m, 0x1305, F_ANSWER, 1, 1);
	for (i = 0; i < 4; i++) {
		put8(&m, 63);
		memset(m.b + m.n, 'a', 63);
		m.n += 63;
	}
	putname(&m, "debian.org");
	put16(&m, 1); put16(&m, 1);
	rr_addr(&m, "203.0.113.34", 60);
	exchange("name over 255 bytes", "x.debian.org", 1, &m, &bad);

	/* The message ends inside the question. */
	header(&m, 0x1306, F_ANSWER, 1, 1);
	put8(&m, 3); putraw(&m, "deb", 3); put8(&m, 6); putraw(&m, "deb", 3);
	exchange("truncated question", "x.debian.org", 1, &m, &bad);

	/* ANCOUNT 2, one record present: nothing learned, not even the first. */
	answer(&m, 0x1307, "deb.debian.org", 1, 2);
	rr_addr(&m, "203.0.113.35", 60);
	exchange("fewer records than ANCOUNT", "deb.debian.org", 1, &m,
		 &(struct expect){ .parsed = 1, .malformed = 1 });

	/* RDLENGTH past the end. */
	answer(&m, 0x1308, "deb.debian.org", 1, 1);
	rr_addr(&m, "203.0.113.36", 60);
	m.b[m.n - 5] = 0x40;
	exchange("RDLENGTH past the end", "deb.debian.org", 1, &m,
		 &(struct expect){ .parsed = 1, .malformed = 1 });

	/* An owner name that is a pointer to itself: pointers are not
	 * followed, so the loop costs nothing and the record is read. */
	answer(&m, 0x1309, "deb.debian.org", 1, 1);
	put16(&m, 0xc000 | m.n);
	put16(&m, 1); put16(&m, 1); put32(&m, 60); put16(&m, 4); put32(&m, 0xcb007125);
	exchange("compression loop in an owner name", "deb.debian.org", 1, &m,
		 &(struct expect){ .learned = 1, .parsed = 1 });

	/* An owner name of 128 one-byte labels: over 255 bytes. */
	answer(&m, 0x130a, "deb.debian.org", 1, 1);
	for (i = 0; i < 128; i++) {
		put8(&m, 1);
		put8(&m, 'a');
	}
	put8(&m, 0);
	put16(&m, 1); put16(&m, 1); put32(&m, 60); put16(&m, 4); put32(&m, 0xcb007126);
	exchange("owner name over 255 bytes", "deb.debian.org", 1, &m,
		 &(struct expect){ .parsed = 1, .malformed = 1 });

	/* Too short for a header; QR clear; two questions. */
	m.n = 11;
	memset(m.b, 0, 11);
	m.b[0] = 0x13; m.b[1] = 0x0b;
	exchange("shorter than a header", "x.debian.org", 1, &m, &bad);
	header(&m, 0x130c, F_QUERY, 1, 1);
	question(&m, "deb.debian.org", 1);
	rr_addr(&m, "203.0.113.37", 60);
	exchange("QR clear", "deb.debian.org", 1, &m, &bad);
	header(&m, 0x130d, F_ANSWER, 2, 1);
	question(&m, "deb.debian.org", 1);
	question(&m, "deb.debian.org", 1);
	rr_addr(&m, "203.0.113.38", 60);
	exchange("QDCOUNT 2", "deb.debian.org", 1, &m, &bad);
}

int main(int argc, char **argv)
{
	struct pol_policy pol;
	struct compiled comp;
	char err[CFG_ERR_MAX];

	if (test_args(argc, argv, "ward_fqdn_test", NULL))
		return 2;
	ncpus = libbpf_num_possible_cpus();

	test_start("setup");
	if (!ASSERT_TRUE(find_links(), "lo and one other device") ||
	    !ASSERT_OK(dp_open(&dp, NULL, 0), "dp_open") ||
	    !ASSERT_OK(cfg_parse_string("t.yaml", policy, strlen(policy), &pol, err, sizeof(err)),
		       err) ||
	    !ASSERT_OK(compile_policy(&pol, &comp, err, sizeof(err)), err) ||
	    !ASSERT_OK(dp_commit(&dp, &comp, NULL, 0), "dp_commit")) {
		test_end();
		printf("fqdn: %d passed, %d failed\n", test_env.passed, test_env.failed);
		return 1;
	}
	test_end();

	test_matching();
	test_collision();
	test_records();
	test_malformed();
	test_spoofing();
	test_answer_link();
	test_transport();
	test_classifier();
	test_mutations();
	test_failed_commit();

	compiled_free(&comp);
	pol_free(&pol);
	dp_close(&dp, false);
	printf("fqdn: %d passed, %d failed\n", test_env.passed, test_env.failed);
	return test_env.failed ? 1 : 0;
}
