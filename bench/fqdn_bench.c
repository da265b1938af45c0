// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/fqdn_bench.c: what FQDN rules cost in the data plane, with
 * bpf_prog_test_run_opts on the real ward_xdp_ingress (docs/fqdn.md):
 *
 *   - per DNS answer: an answer teaches only once (it consumes the query it
 *     answers), so each sample is one run (repeat 1) right after its query;
 *     the same answer with FQDN learning switched off (ward_fqdn_conf) is
 *     timed the same way, interleaved, and the difference is the parser's.
 *   - per query, spoofed answer, answer from another server: repeatable,
 *     repeat R, the kernel's mean per run.
 *   - per new-flow check: a SYN decided by a to_fqdn rule (a learned address)
 *     against the same SYN decided by a to: rule; both rules drop, so that
 *     every run is a first packet.
 *
 * Usage: taskset -c 1 ward_fqdn_bench [-n SAMPLES] [-r REPEAT]   (root)
 * Prints a Markdown table; figures are medians, [min-max] over 5 rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "ward.skel.h"
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "log.h"
#include "dns_pkt.h"

#define CLIENT		"192.0.2.10"
#define RESOLVER	"198.51.100.53"
#define CPORT		40000
#define ROUNDS		5

static struct dataplane dp;
static unsigned int samples = 2001, repeat = 200000;

/* The same policy but for how the measured rule names its destination. */
#define POLICY_HEAD							\
	"defaults: { policy: drop, log: none }\n"			\
	"fqdn_sets:\n"							\
	"  deb: [\"deb.debian.org\", \"*.debian.org\"]\n"		\
	"fqdn:\n  resolvers: [" RESOLVER "]\n"				\
	"rules:\n"							\
	"  - { name: dns-q, proto: udp, port: 53, action: accept }\n"	\
	"  - { name: dns-a, proto: udp, sport: 53, action: accept }\n"

static const char policy_fqdn[] = POLICY_HEAD
	"  - { name: web, to_fqdn: $deb, proto: tcp, port: 443, action: drop }\n";
static const char policy_cidr[] = POLICY_HEAD
	"  - { name: web, to: 203.0.113.60, proto: tcp, port: 443, action: drop }\n";

static int commit(const char *text)
{
	struct pol_policy pol;
	struct compiled c;
	char err[CFG_ERR_MAX];
	int ret;

	ret = cfg_parse_string("bench.yaml", text, strlen(text), &pol, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return ret;
	}
	ret = compile_policy(&pol, &c, err, sizeof(err));
	if (!ret)
		ret = dp_commit(&dp, &c, NULL, 0);
	if (!ret)
		compiled_free(&c);
	pol_free(&pol);
	return ret;
}

static int run(const struct frame *f, unsigned int rep, __u32 *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->n, .repeat = rep);

	if (bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ward_xdp_ingress), &o))
		return -errno;
	*ns = o.duration;
	return 0;
}

/*
 * Records a query as the host's own, leaving by lo (tc egress): its answer
 * is then good on lo, the link XDP's test_run sees without a ctx. A query
 * run through ward_xdp_ingress would have come in on lo, where its answer
 * is refused as a forgery (docs/fqdn.md).
 */
static int record_query(const struct frame *f)
{
	struct __sk_buff ctx = { .ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->n, .repeat = 1,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	if (bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ward_tc_egress), &o))
		return -errno;
	return 0;
}

static void set_learning(bool on)
{
	struct ward_fqdn_conf conf = { .enabled = on, .grace = 30 };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(dp.skel->maps.ward_fqdn_conf), &zero, &conf, 0);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static __u32 median(__u32 *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	return v[n / 2];
}

struct fig {
	__u32	med, lo, hi;
};

static void fig_of(__u32 *round, struct fig *f)
{
	__u32 v[ROUNDS];

	memcpy(v, round, sizeof(v));
	f->med = median(v, ROUNDS);
	f->lo = v[0];
	f->hi = v[ROUNDS - 1];
}

/* One answer: median of single runs, each after its query; on and off
 * interleaved. Returns the two figures. */
static int answer_cost(const struct msg *ans, const char *qname, int qtype, struct fig *on,
		       struct fig *off)
{
	__u32 *s_on = calloc(samples, sizeof(__u32)), *s_off = calloc(samples, sizeof(__u32));
	__u32 r_on[ROUNDS], r_off[ROUNDS];
	struct frame qf, af;
	struct msg q;
	unsigned int i;
	int r, err = 0;

	if (!s_on || !s_off) {
		err = -ENOMEM;
		goto out;
	}
	query_msg(&q, ntohs(*(const __u16 *)ans->b), qname, qtype);
	frame(&qf, false, CLIENT, RESOLVER, CPORT, 53, q.b, q.n, 0);
	frame(&af, false, RESOLVER, CLIENT, 53, CPORT, ans->b, ans->n, 0);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < samples; i++) {
			set_learning(true);
			if ((err = record_query(&qf)) || (err = run(&af, 1, &s_on[i])))
				goto out;
			set_learning(false);
			if ((err = record_query(&qf)) || (err = run(&af, 1, &s_off[i])))
				goto out;
		}
		r_on[r] = median(s_on, samples);
		r_off[r] = median(s_off, samples);
	}
	fig_of(r_on, on);
	fig_of(r_off, off);
out:
	set_learning(true);
	free(s_on);
	free(s_off);
	return err;
}

/* A repeatable packet: the kernel's mean over repeat runs, ROUNDS times. */
static int repeat_cost(const struct frame *f, struct fig *out)
{
	__u32 r_ns[ROUNDS];
	int r, err;

	for (r = 0; r < ROUNDS; r++)
		if ((err = run(f, repeat, &r_ns[r])))
			return err;
	fig_of(r_ns, out);
	return 0;
}

static void row(const char *what, const struct fig *f, const char *note)
{
	printf("| %s | %u | [%u-%u] | %s |\n", what, f->med, f->lo, f->hi, note);
}

static void answer_row(const char *what, const struct msg *ans, const char *qname, int qtype)
{
	struct fig on, off, d;
	char note[128];

	if (answer_cost(ans, qname, qtype, &on, &off)) {
		printf("| %s | error | | |\n", what);
		return;
	}
	d.med = on.med > off.med ? on.med - off.med : 0;
	d.lo = d.hi = d.med;
	snprintf(note, sizeof(note), "whole packet %u ns, learning off %u ns", on.med, off.med);
	printf("| %s | **%u** | on [%u-%u], off [%u-%u] | %s |\n", what, d.med, on.lo, on.hi,
	       off.lo, off.hi, note);
}

static void answers(void)
{
	struct msg m;
	int i;

	printf("\n### Per DNS answer (repeat 1 after its query; parser = learning on - off)\n\n");
	printf("| answer | parser ns | [range of rounds] | note |\n| --- | ---: | --- | --- |\n");
	header(&m, 0x2001, 0x8180, 1, 1);
	question(&m, "deb.debian.org", 1);
	rr_addr(&m, "203.0.113.1", 300);
	answer_row("1 A, exact name", &m, "deb.debian.org", 1);
	header(&m, 0x2002, 0x8180, 1, 1);
	question(&m, "a.b.c.debian.org", 1);
	rr_addr(&m, "203.0.113.2", 300);
	answer_row("1 A, wildcard, 5 labels", &m, "a.b.c.debian.org", 1);
	header(&m, 0x2003, 0x8180, 1, 2);
	question(&m, "v6.debian.org", 28);
	rr_addr(&m, "2001:db8::6", 300);
	rr_addr(&m, "2001:db8::7", 300);
	answer_row("2 AAAA", &m, "v6.debian.org", 28);
	header(&m, 0x2004, 0x8180, 1, 2);
	question(&m, "cdn.debian.org", 1);
	put16(&m, 0xc00c); put16(&m, 5); put16(&m, 1); put32(&m, 60);
	put16(&m, 14); putname(&m, "edge.cdn.net");
	putname(&m, "edge.cdn.net"); put16(&m, 1); put16(&m, 1); put32(&m, 60);
	put16(&m, 4); put32(&m, 0xcb007110);
	answer_row("CNAME + A", &m, "cdn.debian.org", 1);
	header(&m, 0x2005, 0x8180, 1, 50);
	question(&m, "big.debian.org", 1);
	for (i = 0; i < 50; i++) {
		char a[32];

		snprintf(a, sizeof(a), "203.0.114.%d", i + 1);
		rr_addr(&m, a, 300);
	}
	answer_row("50 A", &m, "big.debian.org", 1);
	header(&m, 0x2006, 0x8180, 1, 1);
	question(&m, "www.other.org", 1);
	rr_addr(&m, "203.0.113.9", 300);
	answer_row("1 A, name of no set", &m, "www.other.org", 1);
}

static void repeatable(void)
{
	struct frame f;
	struct fig on, off;
	struct msg m;

	printf("\n### Per packet, repeatable (repeat %u, kernel mean)\n\n", repeat);
	printf("| packet | ns | [range of rounds] | note |\n| --- | ---: | --- | --- |\n");
	query_msg(&m, 0x3001, "deb.debian.org", 1);
	frame(&f, false, CLIENT, RESOLVER, CPORT, 53, m.b, m.n, 0);
	set_learning(false);
	repeat_cost(&f, &off);
	set_learning(true);
	repeat_cost(&f, &on);
	row("query to a resolver, recorded", &on, "");
	row("the same, FQDN off", &off, "an established UDP flow");
	header(&m, 0x3002, 0x8180, 1, 1);
	question(&m, "deb.debian.org", 1);
	rr_addr(&m, "203.0.113.1", 300);
	frame(&f, false, RESOLVER, CLIENT, 53, CPORT + 7, m.b, m.n, 0);
	repeat_cost(&f, &on);
	row("answer to no query (spoofed)", &on, "header checked, query looked up, counted");
	frame(&f, false, "198.51.100.99", CLIENT, 53, CPORT + 7, m.b, m.n, 0);
	repeat_cost(&f, &on);
	row("answer from a server not in resolvers", &on, "");
}

static void flow_checks(void)
{
	struct msg q, m;
	struct frame f;
	struct fig fq, miss, cidr;
	__u32 ns;

	printf("\n### Per new-flow check (SYN, repeat %u; the rules drop, so every run is a "
	       "first packet)\n\n", repeat);
	printf("| first packet | ns | [range of rounds] | note |\n| --- | ---: | --- | --- |\n");
	if (commit(policy_fqdn))
		return;
	query_msg(&q, 0x4001, "web.debian.org", 1);
	frame(&f, false, CLIENT, RESOLVER, CPORT, 53, q.b, q.n, 0);
	record_query(&f);
	header(&m, 0x4001, 0x8180, 1, 1);
	question(&m, "web.debian.org", 1);
	rr_addr(&m, "203.0.113.60", 86400);
	frame(&f, false, RESOLVER, CLIENT, 53, CPORT, m.b, m.n, 0);
	run(&f, 1, &ns);
	syn(&f, "192.0.2.77", "203.0.113.60", 443);
	repeat_cost(&f, &fq);
	syn(&f, "192.0.2.77", "203.0.113.61", 443);
	repeat_cost(&f, &miss);
	if (commit(policy_cidr))
		return;
	syn(&f, "192.0.2.77", "203.0.113.60", 443);
	repeat_cost(&f, &cidr);
	row("to_fqdn rule, learned address", &fq, "one more lookup (ward_fqdn_addrs) than to:");
	row("to_fqdn rule, address not learned", &miss, "lookup misses, default policy");
	row("to: rule, same address", &cidr, "the same decision without FQDN");
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			samples = strtoul(optarg, NULL, 10) | 1;
		else if (opt == 'r')
			repeat = strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	log_init("ward_fqdn_bench", 0, LOG_LVL_WARN);
	if (dp_open(&dp, NULL, 0) || commit(policy_fqdn)) {
		fprintf(stderr, "ward_fqdn_bench: cannot load the data plane\n");
		return 1;
	}
	printf("ward_fqdn_bench: ward_xdp_ingress, %u samples x %d rounds (answers), repeat %u\n",
	       samples, ROUNDS, repeat);
	answers();
	repeatable();
	flow_checks();
	dp_close(&dp, false);
	return 0;
}
