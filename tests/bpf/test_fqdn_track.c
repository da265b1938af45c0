// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_fqdn_track.c: the FQDN cases of ward_fqdn_test beyond the
 * DNS parser: answers nobody asked for, the link an answer must come back
 * on, DNS over TCP and fragments, the to_fqdn classifier, map mutations
 * and a failed commit. The harness and main() are in test_fqdn.c.
 */
#include <arpa/inet.h>
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
#include "test_assert.h"
#include "dns_pkt.h"
#include "test_fqdn.h"

/* Answers that match no query ward saw: ignored and counted. */
void test_spoofing(void)
{
	__u64 before[WARD_CNT_MAX];
	struct msg q, m;
	struct frame f;
	int h;

	answer(&m, 0x1401, "deb.debian.org", 1, 1);
	rr_addr(&m, "203.0.113.40", 60);
	test_start("fqdn spoofing");
	for (h = 0; h < HOOKS; h++) {
		forget_all();
		counters(before);
		ASSERT_TRUE(send_msg(h, false, CLIENT, RESOLVER, false, &m), "unsolicited passes");
		check("unsolicited", h, before, &(struct expect){ .spoofed = 1 });

		query_msg(&q, 0x1402, "deb.debian.org", 1);	/* another id */
		send_msg(h, false, CLIENT, RESOLVER, true, &q);
		counters(before);
		send_msg(h, false, CLIENT, RESOLVER, false, &m);
		check("wrong id", h, before, &(struct expect){ .spoofed = 1 });

		query_msg(&q, 0x1401, "deb.debian.org", 1);	/* right id, other port */
		frame(&f, false, CLIENT, RESOLVER, CPORT + 1, 53, q.b, q.n, 0);
		run(h, &f);
		counters(before);
		send_msg(h, false, CLIENT, RESOLVER, false, &m);
		check("wrong port", h, before, &(struct expect){ .spoofed = 1 });

		query_msg(&q, 0x1401, "deb.debian.org", 1);	/* answer from another server */
		send_msg(h, false, CLIENT, RESOLVER, true, &q);
		counters(before);
		frame(&f, false, OTHER_DNS, CLIENT, 53, CPORT, m.b, m.n, 0);
		run_wan(h, &f);
		check("not a resolver", h, before, &(struct expect){ .ignored = 1 });

		/* The real answer consumes the query: a replay teaches nothing. */
		send_msg(h, false, CLIENT, RESOLVER, false, &m);
		ASSERT_TRUE(learned("deb", "203.0.113.40", NULL), "the real answer taught");
		forget_all();
		counters(before);
		send_msg(h, false, CLIENT, RESOLVER, false, &m);
		check("replayed answer", h, before, &(struct expect){ .spoofed = 1 });
	}
	test_end();
}

/*
 * Review finding 1: a client knows its own query's id and port, so it
 * can forge the resolver's answer itself, on its own link. The answer to
 * a forwarded query never comes back on the link the query came in on;
 * the answer to the host's own query comes back on the link it left by.
 */
void test_answer_link(void)
{
	__u64 before[WARD_CNT_MAX];
	struct msg q, m, evil;
	struct frame f;
	int h;

	answer(&m, 0x1601, "deb.debian.org", 1, 1);
	rr_addr(&m, "203.0.113.60", 60);
	answer(&evil, 0x1601, "deb.debian.org", 1, 1);
	rr_addr(&evil, "203.0.113.66", 60);
	query_msg(&q, 0x1601, "deb.debian.org", 1);
	test_start("fqdn answer link");
	for (h = 0; h < HOOKS; h++) {
		forget_all();
		ASSERT_TRUE(send_msg(h, false, CLIENT, RESOLVER, true, &q), "query passes");
		frame(&f, false, RESOLVER, CLIENT, 53, CPORT, evil.b, evil.n, 0);
		counters(before);
		run(h, &f);
		check("forged on the client's link", h, before, &(struct expect){ .spoofed = 1 });
		counters(before);
		ASSERT_TRUE(send_msg(h, false, CLIENT, RESOLVER, false, &m), "answer passes");
		check("then the real one, from the WAN link", h, before,
		      &(struct expect){ .learned = 1, .parsed = 1 });
		ASSERT_TRUE(learned("deb", "203.0.113.60", NULL), "the real answer taught");
		ASSERT_FALSE(learned("deb", "203.0.113.66", NULL), "the forgery taught nothing");

		/* The host's own query, leaving by the WAN link. */
		forget_all();
		frame(&f, false, CLIENT, RESOLVER, CPORT, 53, q.b, q.n, 0);
		run_local_out(&f, if_wan);
		frame(&f, false, RESOLVER, CLIENT, 53, CPORT, evil.b, evil.n, 0);
		counters(before);
		run(h, &f);
		check("host's query, answer on another link", h, before,
		      &(struct expect){ .spoofed = 1 });
		counters(before);
		frame(&f, false, RESOLVER, CLIENT, 53, CPORT, m.b, m.n, 0);
		run_wan(h, &f);
		check("host's query, answer on its link", h, before,
		      &(struct expect){ .learned = 1, .parsed = 1 });
		ASSERT_FALSE(learned("deb", "203.0.113.66", NULL), "the forgery taught nothing");
	}
	test_end();
}

void test_transport(void)
{
	__u64 before[WARD_CNT_MAX];
	struct msg q, m;
	struct frame f;
	int h;

	answer(&m, 0x1501, "tcp.debian.org", 1, 1);
	rr_addr(&m, "203.0.113.50", 60);
	test_start("fqdn transports");
	for (h = 0; h < HOOKS; h++) {
		forget_all();
		query_msg(&q, 0x1501, "tcp.debian.org", 1);
		ASSERT_TRUE(send_msg(h, true, CLIENT, RESOLVER, true, &q), "TCP query passes");
		counters(before);
		ASSERT_TRUE(send_msg(h, true, CLIENT, RESOLVER, false, &m), "TCP answer passes");
		check("DNS over TCP, one segment", h, before,
		      &(struct expect){ .learned = 1, .parsed = 1 });

		/* The length prefix claims more than the segment holds. */
		forget_all();
		send_msg(h, true, CLIENT, RESOLVER, true, &q);
		{
			__u8 pl[600];

			pl[0] = (m.n + 100) >> 8;
			pl[1] = (m.n + 100) & 0xff;
			memcpy(pl + 2, m.b, m.n);
			frame(&f, true, RESOLVER, CLIENT, 53, CPORT, pl, m.n + 2, 0);
		}
		counters(before);
		ASSERT_TRUE(run_wan(h, &f), "split TCP answer passes");
		check("DNS over TCP split over segments", h, before, &(struct expect){ .ignored = 1 });

		/* IPv6 transport. */
		forget_all();
		send_msg(h, false, CLIENT6, RESOLVER6, true, &q);
		counters(before);
		send_msg(h, false, CLIENT6, RESOLVER6, false, &m);
		check("over IPv6", h, before, &(struct expect){ .learned = 1, .parsed = 1 });

		/* Port 53 on both ends: a server forwarding to the resolver
		 * from port 53 is a client like any other... */
		forget_all();
		frame(&f, false, CLIENT, RESOLVER, 53, 53, q.b, q.n, 0);
		run(h, &f);
		counters(before);
		frame(&f, false, RESOLVER, CLIENT, 53, 53, m.b, m.n, 0);
		run_wan(h, &f);
		check("client on port 53", h, before, &(struct expect){ .learned = 1, .parsed = 1 });
		/* ... and the resolver's own query upstream from port 53 is
		 * no answer, and no malformed one either. */
		forget_all();
		counters(before);
		frame(&f, false, RESOLVER, OTHER_DNS, 53, 53, q.b, q.n, 0);
		run_wan(h, &f);
		check("resolver's own query from port 53", h, before, &(struct expect){ 0 });

		/* A first fragment (MF set): ignored, counted. */
		forget_all();
		send_msg(h, false, CLIENT, RESOLVER, true, &q);
		frame(&f, false, RESOLVER, CLIENT, 53, CPORT, m.b, m.n, 0x2000);
		counters(before);
		run_wan(h, &f);
		check("first fragment", h, before, &(struct expect){ .fragment = 1 });
	}
	test_end();
}

/* to_fqdn in the classifier: only learned addresses, only with the other
 * fields of the rule, only until expiry. */
void test_classifier(void)
{
	struct ward_fqdn_addr_key k = { .family = WARD_FAM_V4 };
	struct ward_fqdn_addr_val v;
	int fd = bpf_map__fd(dp.skel->maps.ward_fqdn_addrs), h;
	struct msg q, m;
	struct frame f;

	answer(&m, 0x1601, "web.debian.org", 1, 1);
	rr_addr(&m, "203.0.113.60", 60);
	test_start("fqdn classifier");
	for (h = 0; h < HOOKS; h++) {
		forget_all();
		syn(&f, "192.0.2.77", "203.0.113.60", 443);
		ASSERT_FALSE(run(h, &f), "before the answer: dropped");
		query_msg(&q, 0x1601, "web.debian.org", 1);
		send_msg(h, false, CLIENT, RESOLVER, true, &q);
		send_msg(h, false, CLIENT, RESOLVER, false, &m);
		syn(&f, "192.0.2.78", "203.0.113.60", 443);
		ASSERT_TRUE(run(h, &f), "learned, tcp/443: accepted");
		syn(&f, "192.0.2.79", "203.0.113.60", 80);
		ASSERT_FALSE(run(h, &f), "learned, tcp/80: not this rule");
		syn(&f, "192.0.2.80", "203.0.113.61", 443);
		ASSERT_FALSE(run(h, &f), "not learned: dropped");
		/* Expired: the entry is there, its time is past. */
		k.set = set_id("deb");
		inet_pton(AF_INET, "203.0.113.60", k.addr);
		ASSERT_OK(bpf_map_lookup_elem(fd, &k, &v), "entry");
		v.expires = 1;
		bpf_map_update_elem(fd, &k, &v, 0);
		syn(&f, "192.0.2.81", "203.0.113.60", 443);
		ASSERT_FALSE(run(h, &f), "expired: dropped");
	}
	test_end();
}

/*
 * Random damage to a good answer (its query sent each time, so it gets past
 * the query check unless the id itself is hit): every run must end with the
 * answer passed and accounted for by a counter, and no more addresses
 * learned than it has records. Seeded: a failure repeats.
 */
void test_mutations(void)
{
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	struct msg good, q, m;
	unsigned int seed = 9, i, k, n;
	int h;

	header(&good, 0x1701, F_ANSWER, 1, 3);
	question(&good, "mut.debian.org", 1);
	rr_addr(&good, "203.0.113.80", 60);
	put16(&good, 0xc00c); put16(&good, 5); put16(&good, 1); put32(&good, 60);
	put16(&good, 14); putname(&good, "edge.cdn.net");
	rr_addr(&good, "2001:db8::80", 60);
	query_msg(&q, 0x1701, "mut.debian.org", 1);
	test_start("fqdn 2000 damaged answers");
	for (h = 0; h < HOOKS; h++) {
		for (i = 0; i < 1000; i++) {
			m = good;
			for (k = 0, n = 1 + rand_r(&seed) % 4; k < n; k++)
				m.b[rand_r(&seed) % m.n] = rand_r(&seed);
			if (rand_r(&seed) % 8 == 0)
				m.n = 12 + rand_r(&seed) % (m.n - 12);
			forget_all();
			send_msg(h, false, CLIENT, RESOLVER, true, &q);
			counters(before);
			if (!ASSERT_TRUE(send_msg(h, false, CLIENT, RESOLVER, false, &m),
					 "damaged answer passes"))
				break;
			counters(after);
			if (!ASSERT_TRUE(after[WARD_CNT_FQDN_PARSED] + after[WARD_CNT_FQDN_IGNORED] +
					 after[WARD_CNT_FQDN_SPOOFED] + after[WARD_CNT_FQDN_MALFORMED] >
					 before[WARD_CNT_FQDN_PARSED] + before[WARD_CNT_FQDN_IGNORED] +
					 before[WARD_CNT_FQDN_SPOOFED] + before[WARD_CNT_FQDN_MALFORMED],
					 "every answer counted"))
				break;
			if (!ASSERT_LE(n_learned(), 3, "at most one address per record"))
				break;
		}
	}
	test_end();
}

/* The keys of a map, counted. */
static size_t n_keys(struct bpf_map *m)
{
	int fd = bpf_map__fd(m);
	__u8 k[512], prev[512];
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, n ? prev : NULL, k)) {
		n++;
		memcpy(prev, k, bpf_map__key_size(m));
	}
	return n;
}

/*
 * Review finding 6: a commit that fails after the FQDN maps were written
 * (here: more links than ward_ifaces holds) leaves set ids, names,
 * resolvers and ward_fqdn_conf as they were, and answers learn as before.
 */
void test_failed_commit(void)
{
	static const char other[] =
		"defaults: { policy: drop, log: none }\n"
		"fqdn_sets:\n"
		"  deb: [\"deb.debian.org\", \"*.debian.org\"]\n"
		"  exact: [\"www.example.com\", \"new.example.com\"]\n"
		"  added: [\"*.added.org\"]\n"
		"fqdn:\n"
		"  resolvers: [" OTHER_DNS "]\n"
		"  grace: 99s\n"
		"rules:\n"
		"  - { name: added, to_fqdn: $added, proto: tcp, port: 443, action: accept }\n";
	size_t n_links = WARD_SLOTS * WARD_MAX_IFACES + 1, i;
	struct ward_fqdn_conf conf_before, conf_after;
	struct ward_fqdn_resolver rk = { .family = WARD_FAM_V4 };
	size_t pats, resolvers;
	char err[CFG_ERR_MAX];
	struct dp_link *links;
	struct pol_policy pol;
	struct compiled comp;
	__u32 zero = 0, one;
	__u64 before[WARD_CNT_MAX];
	struct msg q, m;

	test_start("fqdn failed commit changes nothing");
	links = calloc(n_links, sizeof(*links));
	if (!ASSERT_TRUE(links != NULL, "calloc") ||
	    !ASSERT_OK(cfg_parse_string("o.yaml", other, strlen(other), &pol, err, sizeof(err)),
		       err) ||
	    !ASSERT_OK(compile_policy(&pol, &comp, err, sizeof(err)), err)) {
		free(links);
		test_end();
		return;
	}
	for (i = 0; i < n_links; i++)
		links[i].ifindex = 100000 + i;
	bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_fqdn_conf), &zero, &conf_before);
	pats = n_keys(dp.skel->maps.ward_fqdn_pats);
	resolvers = n_keys(dp.skel->maps.ward_fqdn_resolvers);
	ASSERT_TRUE(dp_commit(&dp, &comp, links, n_links) < 0, "the commit fails");
	bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_fqdn_conf), &zero, &conf_after);
	ASSERT_EQ(conf_after.grace, conf_before.grace, "grace as before");
	ASSERT_EQ(conf_after.enabled, conf_before.enabled, "enabled as before");
	ASSERT_EQ(n_keys(dp.skel->maps.ward_fqdn_pats), pats, "the same patterns");
	ASSERT_EQ(n_keys(dp.skel->maps.ward_fqdn_resolvers), resolvers, "the same resolvers");
	inet_pton(AF_INET, OTHER_DNS, rk.addr);
	ASSERT_TRUE(bpf_map_lookup_elem(bpf_map__fd(dp.skel->maps.ward_fqdn_resolvers), &rk,
					&one) != 0, "the new resolver is not in");
	ASSERT_EQ(set_id("added"), -1, "the new set has no id");
	ASSERT_TRUE(set_id("deb") >= 0 && set_id("exact") >= 0, "the live sets keep theirs");

	/* And the live policy still learns as it did. */
	forget_all();
	answer(&m, 0x1801, "www.example.com", 1, 1);
	rr_addr(&m, "203.0.113.90", 60);
	query_msg(&q, 0x1801, "www.example.com", 1);
	send_msg(HOOK_TC, false, CLIENT, RESOLVER, true, &q);
	counters(before);
	send_msg(HOOK_TC, false, CLIENT, RESOLVER, false, &m);
	check("after the failed commit", HOOK_TC, before,
	      &(struct expect){ .learned = 1, .parsed = 1 });
	compiled_free(&comp);
	pol_free(&pol);
	free(links);
	test_end();
}

