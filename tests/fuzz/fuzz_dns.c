// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/fuzz/fuzz_dns.c: libFuzzer harness of the DNS answer parser. DNS
 * is parsed only in BPF (bpf/lib/fqdn.h), so it is fuzzed there: each
 * input is a DNS message, sent as a resolver's UDP answer to a query for
 * deb.debian.org that the client sent just before (with the answer's id),
 * through ward_xdp_ingress and ward_tc_ingress. Invariants, on both hooks:
 *
 *  - both the query and the answer pass (rules allow DNS; the parser only
 *    learns from an answer, it never decides its verdict);
 *  - every address learned is in the answer: its 4 or 16 bytes occur in
 *    the message (the parser never invents one from memory it misread);
 *  - nothing is learned but for the set that holds deb.debian.org.
 */
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuzz_dp.h"
#include "dns_pkt.h"

#define CLIENT		"192.0.2.10"
#define RESOLVER	"198.51.100.53"
#define CPORT		40000

static const char policy[] =
	"defaults: { policy: drop, log: none }\n"
	"fqdn_sets:\n"
	"  deb: [\"deb.debian.org\", \"*.debian.org\"]\n"
	"  other: [\"www.example.com\"]\n"
	"fqdn:\n"
	"  resolvers: [" RESOLVER "]\n"
	"rules:\n"
	"  - { name: dns-q, proto: udp, port: 53, action: accept }\n"
	"  - { name: dns-a, proto: udp, sport: 53, action: accept }\n"
	"  - { name: deb-web, to_fqdn: $deb, proto: tcp, port: 443, action: accept }\n"
	"  - { name: other-web, to_fqdn: $other, proto: tcp, port: 443, action: accept }\n";

static int if_lan, if_wan, deb_set = -1;

/* The client's link is lo, the resolver's the first other device. */
static void find_links(void)
{
	if_lan = (int)if_nametoindex("lo");
	if_wan = test_other_ifindex();
	if (!if_lan || !if_wan)
		fuzz_die("links", "needs lo and one other device");
}

static void find_deb_set(void)
{
	int fd = bpf_map__fd(fuzz_dp.skel->maps.ward_fqdn_sets);
	struct ward_fqdn_set_name v;
	__u32 i;

	for (i = 0; i < WARD_FQDN_SETS; i++)
		if (!bpf_map_lookup_elem(fd, &i, &v) && !strcmp(v.name, "deb"))
			deb_set = (int)i;
	if (deb_set < 0)
		fuzz_die("ward_fqdn_sets", "no set deb");
}

/* Empties what the last input left: learned addresses, pending queries. */
static void forget_all(void)
{
	int fd = bpf_map__fd(fuzz_dp.skel->maps.ward_fqdn_addrs);
	struct ward_fqdn_addr_key k;
	struct ward_fqdn_query q;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
	fd = bpf_map__fd(fuzz_dp.skel->maps.ward_fqdn_queries);
	while (!bpf_map_get_next_key(fd, NULL, &q))
		bpf_map_delete_elem(fd, &q);
}

static bool in_message(const uint8_t *m, size_t n, const void *addr, size_t len)
{
	size_t i;

	for (i = 0; i + len <= n; i++)
		if (!memcmp(m + i, addr, len))
			return true;
	return false;
}

static void check_learned(int hook, const uint8_t *m, size_t n)
{
	int fd = bpf_map__fd(fuzz_dp.skel->maps.ward_fqdn_addrs);
	struct ward_fqdn_addr_key k, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (k.set != deb_set)
			fuzz_fail(hook, "learned for set %u, not the question's", k.set);
		if (!in_message(m, n, k.addr, k.family == WARD_FAM_V4 ? 4 : 16))
			fuzz_fail(hook, "learned an address that is not in the answer");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	find_links();
	fuzz_dp_setup(policy);
	find_deb_set();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX];
	struct frame f;
	struct msg q;
	__u32 ret;
	int hook;

	if (size < 2 || size > 1400)	/* one unfragmented datagram */
		return -1;
	for (hook = 0; hook < FUZZ_HOOKS; hook++) {
		forget_all();
		query_msg(&q, data[0] << 8 | data[1], "deb.debian.org", 1);
		frame(&f, false, CLIENT, RESOLVER, CPORT, 53, q.b, q.n, 0);
		ret = fuzz_run(hook, if_lan, f.b, f.n);
		if (!fuzz_verdict_ok(hook, ret) || !fuzz_passed(hook, ret))
			fuzz_fail(hook, "query: verdict %u", ret);
		frame(&f, false, RESOLVER, CLIENT, 53, CPORT, data, size, 0);
		fuzz_counters(before);
		ret = fuzz_run(hook, if_wan, f.b, f.n);
		fuzz_counters(after);
		fuzz_feedback(hook, before, after);
		if (!fuzz_verdict_ok(hook, ret) || !fuzz_passed(hook, ret))
			fuzz_fail(hook, "answer: verdict %u", ret);
		check_learned(hook, data, size);
	}
	return 0;
}
