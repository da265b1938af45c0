/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/dns_pkt.h: crafted DNS messages and the frames that carry them
 * (Ethernet, IPv4/IPv6, one UDP datagram or TCP segment), for the FQDN
 * parser's test (test_fqdn.c) and benchmark (bench/fqdn_bench.c). Names
 * are written as given, so a test can put in what a resolver never would.
 */
#ifndef WARD_TEST_DNS_PKT_H
#define WARD_TEST_DNS_PKT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <linux/types.h>
#include "pkt.h"

/* ------------------------------------------------------------------ */
/* DNS messages */

struct msg {
	__u8	b[4096];
	size_t	n;
};

static inline void put8(struct msg *m, unsigned v) { m->b[m->n++] = v; }
static inline void put16(struct msg *m, unsigned v) { put8(m, v >> 8); put8(m, v & 0xff); }
static inline void put32(struct msg *m, __u32 v) { put16(m, v >> 16); put16(m, v & 0xffff); }
static inline void putraw(struct msg *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }

/* "a.b.c" -> wire format, labels as written (no lowercasing). */
static inline void putname(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, l);
		putraw(m, name, l);
		name += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static inline void header(struct msg *m, __u16 id, __u16 flags, int qd, int an)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

#define F_ANSWER	0x8180	/* QR, RD, RA, NOERROR */
#define F_QUERY		0x0100	/* RD */

static inline void question(struct msg *m, const char *name, int type)
{
	putname(m, name);
	put16(m, type);
	put16(m, 1);
}

/* An A or AAAA record whose owner is a pointer to the question. */
static inline void rr_addr(struct msg *m, const char *addr, __u32 ttl)
{
	__u8 a[16];
	bool v6 = strchr(addr, ':');

	inet_pton(v6 ? AF_INET6 : AF_INET, addr, a);
	put16(m, 0xc00c);
	put16(m, v6 ? 28 : 1);
	put16(m, 1);
	put32(m, ttl);
	put16(m, v6 ? 16 : 4);
	putraw(m, a, v6 ? 16 : 4);
}

static inline void query_msg(struct msg *m, __u16 id, const char *name, int type)
{
	header(m, id, F_QUERY, 1, 0);
	question(m, name, type);
}

/* ------------------------------------------------------------------ */
/* Frames */

struct frame {
	__u8	b[4200];
	size_t	n;
};

static inline __u16 csum_fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* The TCP checksum of the segment of len bytes in the IP packet at ip. */
static inline void frame_tcp_csum(__u8 *ip, bool v6, size_t len)
{
	pkt_tcp_sum(ip, v6 ? 6 : 4, ip + (v6 ? 40 : 20), (__u32)len, false);
}

/* Ethernet + IPv4/IPv6 + UDP or TCP (one segment, PSH|ACK) + payload. */
static inline void frame(struct frame *f, bool tcp, const char *src, const char *dst, __u16 sport,
		  __u16 dport, const __u8 *pl, size_t pln, __u16 frag)
{
	bool v6 = strchr(src, ':');
	size_t l4 = tcp ? 20 : 8, ip = v6 ? 40 : 20, i;
	__u8 *p = f->b;

	memset(f->b, 0, sizeof(f->b));
	memset(p, 0x02, 12);
	p[12] = v6 ? 0x86 : 0x08;
	p[13] = v6 ? 0xdd : 0x00;
	p += 14;
	if (v6) {
		p[0] = 0x60;
		p[4] = (l4 + pln) >> 8;
		p[5] = (l4 + pln) & 0xff;
		p[6] = tcp ? 6 : 17;
		p[7] = 64;
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
	} else {
		__u32 s = 0;

		p[0] = 0x45;
		p[2] = (ip + l4 + pln) >> 8;
		p[3] = (ip + l4 + pln) & 0xff;
		p[6] = frag >> 8;
		p[7] = frag & 0xff;
		p[8] = 64;
		p[9] = tcp ? 6 : 17;
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
		for (i = 0; i < 20; i += 2)
			s += p[i] << 8 | p[i + 1];
		s = csum_fold(s);
		p[10] = s >> 8;
		p[11] = s & 0xff;
	}
	p += ip;
	p[0] = sport >> 8;
	p[1] = sport & 0xff;
	p[2] = dport >> 8;
	p[3] = dport & 0xff;
	if (tcp) {
		p[4] = 0; p[7] = 1;		/* seq 1 */
		p[11] = 1;			/* ack 1 */
		p[12] = 5 << 4;
		p[13] = 0x18;			/* PSH ACK */
		p[14] = 0xff; p[15] = 0xff;
	} else {
		p[4] = (8 + pln) >> 8;
		p[5] = (8 + pln) & 0xff;
	}
	if (pln)	/* syn() has no payload: memcpy from NULL is undefined */
		memcpy(p + l4, pl, pln);
	if (tcp)
		frame_tcp_csum(f->b + 14, v6, l4 + pln);
	f->n = 14 + ip + l4 + pln;
}

/* A SYN, for the classifier cases. */
static inline void syn(struct frame *f, const char *src, const char *dst, __u16 dport)
{
	bool v6 = strchr(src, ':');

	frame(f, true, src, dst, 50000, dport, NULL, 0, 0);
	f->b[14 + (v6 ? 40 : 20) + 13] = 0x02;
	frame_tcp_csum(f->b + 14, v6, 20);
}

#endif /* WARD_TEST_DNS_PKT_H */
