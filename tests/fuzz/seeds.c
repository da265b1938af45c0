// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/fuzz/seeds.c: writes the seed corpora the fuzzers start from, made
 * with the tests' own builders: DNS answers and frames of tests/bpf/
 * dns_pkt.h, and one request of each API method. The config fuzzer's seeds
 * are tests/config/ itself. Usage: ward_fuzz_seeds DIR (makes DIR/dns,
 * DIR/packet and DIR/api).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns_pkt.h"
#include "ward/v1/ward.pb-c.h"

static const char *dir;

static void put(const char *kind, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, kind);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, kind, name);
	f = fopen(path, "w");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void dns_seeds(void)
{
	struct msg m;

	/* One A, one AAAA, a CNAME chain into the set, compression. */
	header(&m, 0x1234, F_ANSWER, 1, 1);
	question(&m, "deb.debian.org", 1);
	rr_addr(&m, "203.0.113.7", 300);
	put("dns", "a", m.b, m.n);

	header(&m, 0x1235, F_ANSWER, 1, 2);
	question(&m, "deb.debian.org", 28);
	rr_addr(&m, "2001:db8::7", 300);
	rr_addr(&m, "2001:db8::8", 60);
	put("dns", "aaaa2", m.b, m.n);

	header(&m, 0x1236, F_ANSWER, 1, 2);
	question(&m, "deb.debian.org", 1);
	put16(&m, 0xc00c);			/* CNAME deb.debian.org -> x.debian.org */
	put16(&m, 5);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 4);
	put8(&m, 1);
	put8(&m, 'x');
	put16(&m, 0xc010);			/* -> debian.org in the question */
	put16(&m, 0xc02c);			/* the CNAME's target (offset 44) */
	put16(&m, 1);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 4);
	put32(&m, 0xcb007108);
	put("dns", "cname", m.b, m.n);

	header(&m, 0x1237, F_ANSWER, 1, 0);
	question(&m, "www.example.com", 1);
	put("dns", "empty", m.b, m.n);
}

static void packet_seeds(void)
{
	static const struct {
		const char *name, *src, *dst;
		bool tcp;
		__u16 dport;
	} rows[] = {
		{ "tcp8080", "192.0.2.1", "192.0.2.2", true, 8080 },
		{ "tcp22", "192.0.2.1", "192.0.2.2", true, 22 },
		{ "udp5001", "192.0.2.1", "192.0.2.2", false, 5001 },
		{ "udp53", "192.0.2.1", "192.0.2.2", false, 53 },
		{ "tcp8080v6", "2001:db8::1", "2001:db8::2", true, 8080 },
		{ "udp5001v6", "2001:db8::1", "2001:db8::2", false, 5001 },
	};
	static const __u8 pl[16] = "ward fuzz seed!";
	struct frame f;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].tcp)
			syn(&f, rows[i].src, rows[i].dst, rows[i].dport);
		else
			frame(&f, false, rows[i].src, rows[i].dst, 40000, rows[i].dport,
			      pl, sizeof(pl), 0);
		put("packet", rows[i].name, f.b, f.n);
	}
	frame(&f, false, "192.0.2.1", "192.0.2.2", 40000, 5001, pl, sizeof(pl), 0x2000);
	put("packet", "udp5001frag", f.b, f.n);
}

/* One request, behind the byte that picks its method (fuzz_api.c). */
static void api_seed(const char *name, int method, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	__u8 *b = malloc(n + 1);

	if (!b)
		exit(1);
	b[0] = method;
	protobuf_c_message_pack(m, b + 1);
	put("api", name, b, n + 1);
	free(b);
}

static void api_seeds(void)
{
	Ward__V1__ValidateRequest v = WARD__V1__VALIDATE_REQUEST__INIT;
	Ward__V1__RuleAddRequest add = WARD__V1__RULE_ADD_REQUEST__INIT;
	Ward__V1__Rule r = WARD__V1__RULE__INIT;
	Ward__V1__RuleDeleteRequest del = WARD__V1__RULE_DELETE_REQUEST__INIT;
	Ward__V1__ConntrackListRequest ct = WARD__V1__CONNTRACK_LIST_REQUEST__INIT;
	Ward__V1__TraceRequest tr = WARD__V1__TRACE_REQUEST__INIT;
	char *src[] = { "10.0.0.0/8", "2001:db8::/32" }, *port[] = { "80", "8000-8100" };

	v.name = "seed.yaml";
	v.text = "rules:\n  - { name: web, proto: tcp, port: 80, action: accept }\n";
	api_seed("validate", 1, &v.base);
	r.name = "web";
	r.proto = "tcp";
	r.action = "accept";
	r.in = "lan";
	r.src = src;
	r.n_src = 2;
	r.port = port;
	r.n_port = 2;
	add.rule = &r;
	api_seed("rule_add", 3, &add.base);
	del.name = "web";
	api_seed("rule_delete", 5, &del.base);
	api_seed("ct_list", 7, &ct.base);
	api_seed("trace", 10, &tr.base);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	dns_seeds();
	packet_seeds();
	api_seeds();
	return 0;
}
