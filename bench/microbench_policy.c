// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/microbench_policy.c: synthetic rule sets for the data-plane
 * micro-benchmark, built directly as the policy model (no YAML), and the
 * 64-byte test frames.
 *
 * None of the rules may match MB_PKT_SRC -> MB_PKT_DST except the ones the
 * benchmark names as deciding (MB_RULE_*): microbench.c checks, by the
 * rule's counter, that the packet was decided where the table says.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "ward/abi.h"
#include "microbench.h"
#include "pol_util.h"

#define PROTO_TCP	6
#define PROTO_UDP	17

/* The rules under construction: pol->rules has room for cap of them. */
struct mb_builder {
	struct pol_policy *pol;
	size_t	cap;
};

static struct pol_rule *rule_add(struct mb_builder *b, int action, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct pol_rule *rule_add(struct mb_builder *b, int action, const char *fmt, ...)
{
	struct pol_rule *r;
	char name[WARD_RULE_NAME_MAX];
	va_list ap;

	if (b->pol->n_rules == b->cap) {
		errno = E2BIG;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	r = &b->pol->rules[b->pol->n_rules];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	if (!r->name)
		return NULL;
	/* Counted only once the name is owned, so pol_free() sees no holes. */
	b->pol->n_rules++;
	r->line = (int)b->pol->n_rules;
	r->proto = POL_ANY;
	r->icmp_type = POL_ANY;
	r->action = action;
	return r;
}

/* addr is host order. */
static int cidr_set(struct pol_cidr_list *l, __u32 addr, int plen)
{
	__u32 be = htonl(addr);

	l->v = calloc(1, sizeof(*l->v));
	if (!l->v)
		return -ENOMEM;
	l->n = 1;
	l->v->family = 4;
	l->v->plen = plen;
	memcpy(l->v->addr, &be, 4);
	pol_cidr_mask(l->v);
	return 0;
}

static int ports_set(struct pol_port_list *l, __u16 lo, __u16 hi)
{
	l->v = calloc(1, sizeof(*l->v));
	if (!l->v)
		return -ENOMEM;
	l->n = 1;
	l->v->lo = lo;
	l->v->hi = hi;
	return 0;
}

static __u32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

/* 10.0.0.0/9: one address per i (i < 2^23). */
#define MB_NET_HOSTS	0x0a000000u
/* 10.128.0.0/9: one /24 per i (i < 2^15). */
#define MB_NET_NETS	0x0a800000u
/* 198.19.0.0/16: servers of the "services" rules (MB_PKT_DST is 198.18.0.2). */
#define MB_NET_SERVERS	0xc6130000u

/* Source /32 drops, numbered from 0: rules first..first+n-1. */
static int add_host_blocks(struct mb_builder *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct pol_rule *r = rule_add(b, WARD_ACT_DROP, "block-host-%u", i);

		if (!r || cidr_set(&r->from, MB_NET_HOSTS + i, 32))
			return -ENOMEM;
	}
	return 0;
}

static int build_blocklist(struct mb_builder *b, unsigned int n)
{
	struct pol_rule *r;
	int err;

	err = add_host_blocks(b, n - 1);
	if (err)
		return err;
	r = rule_add(b, WARD_ACT_DROP, MB_RULE_BLOCKLIST_LAST);
	if (!r)
		return -ENOMEM;
	r->proto = PROTO_TCP;
	return ports_set(&r->dport, MB_PORT_BLOCKLIST_LAST, MB_PORT_BLOCKLIST_LAST);
}

/*
 * What a host firewall with a big blocklist looks like: management access,
 * host and network blocklists (3/5 and 1/4 of the rules), per-server
 * service ports (1/10), a wide and a narrow UDP port range, and last a
 * retired HTTPS service, closed, that the measured packet goes to.
 */
static int build_mixed(struct mb_builder *b, unsigned int n)
{
	unsigned int rest, n_nets, n_svc, n_hosts, i;
	struct pol_rule *r;
	int err;

	if (n < 7)
		return -EINVAL;
	rest = n - 4;
	n_nets = rest / 4 ? rest / 4 : 1;
	n_svc = rest / 10 ? rest / 10 : 1;
	n_hosts = rest - n_nets - n_svc;
	if (n_nets > (1u << 15) || n_svc > 0xffff)
		return -E2BIG;

	r = rule_add(b, WARD_ACT_ACCEPT, "allow-ssh-mgmt");
	if (!r || cidr_set(&r->from, ip4("192.0.2.0"), 24))
		return -ENOMEM;
	r->proto = PROTO_TCP;
	if (ports_set(&r->dport, 22, 22))
		return -ENOMEM;

	err = add_host_blocks(b, n_hosts);
	if (err)
		return err;
	for (i = 0; i < n_nets; i++) {
		r = rule_add(b, WARD_ACT_DROP, "block-net-%u", i);
		if (!r || cidr_set(&r->from, MB_NET_NETS + (i << 8), 24))
			return -ENOMEM;
	}
	for (i = 0; i < n_svc; i++) {
		r = rule_add(b, WARD_ACT_ACCEPT, "allow-svc-%u", i);
		if (!r || cidr_set(&r->to, MB_NET_SERVERS + i, 32))
			return -ENOMEM;
		r->proto = PROTO_TCP;
		if (ports_set(&r->dport, 1024 + i % 4096, 1024 + i % 4096))
			return -ENOMEM;
	}

	/* Wider than COMPILE_EXACT_PORT_SPAN: power-of-two blocks, one shape each. */
	r = rule_add(b, WARD_ACT_ACCEPT, "allow-rtp");
	if (!r)
		return -ENOMEM;
	r->proto = PROTO_UDP;
	if (ports_set(&r->dport, 10000, 20000))
		return -ENOMEM;
	/* Narrower: one exact entry per port, a single shape. */
	r = rule_add(b, WARD_ACT_ACCEPT, "allow-traceroute");
	if (!r)
		return -ENOMEM;
	r->proto = PROTO_UDP;
	if (ports_set(&r->dport, 33434, 33534))
		return -ENOMEM;

	r = rule_add(b, WARD_ACT_DROP, MB_RULE_MIXED_LAST);
	if (!r || cidr_set(&r->to, ip4(MB_PKT_DST), 32))
		return -ENOMEM;
	r->proto = PROTO_TCP;
	return ports_set(&r->dport, MB_PORT_MIXED_LAST, MB_PORT_MIXED_LAST);
}

/*
 * n drops over `shapes` distinct (source length, destination length)
 * pairs: /32../1 sources with /32../29 destinations. Sources come from
 * 10.0.0.0/9, so even a /1 (0.0.0.0/1) never holds MB_PKT_SRC.
 */
static int build_shapes(struct mb_builder *b, unsigned int n, unsigned int shapes)
{
	unsigned int i;

	if (!shapes || shapes > WARD_MAX_TUPLES || n < shapes)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned int s = i % shapes;
		struct pol_rule *r = rule_add(b, WARD_ACT_DROP, "shape%u-%u", s, i);

		if (!r || cidr_set(&r->from, MB_NET_HOSTS + i, 32 - s % 32) ||
		    cidr_set(&r->to, MB_NET_NETS + i, 32 - s / 32))
			return -ENOMEM;
	}
	return 0;
}

/* xorshift32: the same "random" prefixes on every run and machine. */
static __u32 mb_rand(__u32 *state)
{
	__u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/*
 * n source prefixes drawn like the bench-kit's LPM table (BASELINES.md): 55%
 * /24, 10% each /23, /22, /20-21 and /16-19, 5% /25-32. Every length is a
 * shape, so unlike the other rule sets the shapes grow with n until all 17
 * lengths are present. None holds MB_PKT_SRC.
 */
static int build_prefixes(struct mb_builder *b, unsigned int n)
{
	__u32 seed = 0x9e3779b9, src = ip4(MB_PKT_SRC), addr, mask, pick;
	struct pol_rule *r;
	unsigned int i;
	int len;

	for (i = 0; i < n; i++) {
		pick = mb_rand(&seed) % 100;
		if (pick < 55)
			len = 24;
		else if (pick < 65)
			len = 23;
		else if (pick < 75)
			len = 22;
		else if (pick < 85)
			len = 20 + mb_rand(&seed) % 2;
		else if (pick < 95)
			len = 16 + mb_rand(&seed) % 4;
		else
			len = 25 + mb_rand(&seed) % 8;
		mask = ~0u << (32 - len);
		do
			addr = mb_rand(&seed) & mask;
		while (addr == (src & mask));
		r = rule_add(b, WARD_ACT_DROP, "block-prefix-%u", i);
		if (!r || cidr_set(&r->from, addr, len))
			return -ENOMEM;
	}
	return 0;
}

static int build_services_tail(struct mb_builder *b);

/*
 * A server's firewall: a blocklist of n - 2 source /32s in front of two
 * services, DNS over UDP and SSH. The blocklist is there so that a first
 * packet has a big table to be decided against; a packet of a known flow
 * should never look at it.
 */
static int build_services(struct mb_builder *b, unsigned int n)
{
	int err;

	if (n < 3)
		return -EINVAL;
	err = add_host_blocks(b, n - 2);
	if (err)
		return err;
	return build_services_tail(b);
}

/* The two services every services policy ends with. */
static int build_services_tail(struct mb_builder *b)
{
	struct pol_rule *r;

	r = rule_add(b, WARD_ACT_ACCEPT, MB_RULE_SVC_UDP);
	if (!r)
		return -ENOMEM;
	r->proto = PROTO_UDP;
	if (ports_set(&r->dport, MB_PORT_SVC_UDP, MB_PORT_SVC_UDP))
		return -ENOMEM;
	r = rule_add(b, WARD_ACT_ACCEPT, MB_RULE_SVC_TCP);
	if (!r)
		return -ENOMEM;
	r->proto = PROTO_TCP;
	return ports_set(&r->dport, MB_PORT_SVC_TCP, MB_PORT_SVC_TCP);
}

/*
 * MB_POL_SERVICES with dry-run rules being tried in front of the services:
 * MB_DRY_NETS network drops that no measured packet matches, then a
 * dry-run drop of SSH (MB_RULE_DRY_SSH) that the new TCP flow matches and
 * counts, its accept deciding. The blocklist is n - 2 - MB_DRY_RULES long.
 */
#define MB_DRY_NETS	(MB_DRY_RULES - 1)

static int build_services_dry(struct mb_builder *b, unsigned int n)
{
	struct pol_rule *r;
	unsigned int i;
	int err;

	if (n < MB_DRY_RULES + 3)
		return -EINVAL;
	err = add_host_blocks(b, n - 2 - MB_DRY_RULES);
	if (err)
		return err;
	for (i = 0; i < MB_DRY_NETS; i++) {
		r = rule_add(b, WARD_ACT_DROP, "try-net-%u", i);
		if (!r || cidr_set(&r->from, MB_NET_NETS + (i << 8), 24))
			return -ENOMEM;
		r->dry_run = true;
	}
	r = rule_add(b, WARD_ACT_DROP, MB_RULE_DRY_SSH);
	if (!r)
		return -ENOMEM;
	r->dry_run = true;
	r->proto = PROTO_TCP;
	if (ports_set(&r->dport, MB_PORT_SVC_TCP, MB_PORT_SVC_TCP))
		return -ENOMEM;
	return build_services_tail(b);
}

const char *mb_policy_name(enum mb_policy kind)
{
	switch (kind) {
	case MB_POL_BLOCKLIST:	return "blocklist";
	case MB_POL_MIXED:	return "mixed";
	case MB_POL_SHAPES:	return "shapes";
	case MB_POL_PREFIXES:	return "prefixes";
	case MB_POL_SERVICES:	return "services";
	case MB_POL_SERVICES_DRY:	return "services+dry";
	}
	return "?";
}

int mb_policy_build(struct pol_policy *pol, enum mb_policy kind, unsigned int n,
		    unsigned int shapes)
{
	struct mb_builder b = { .pol = pol, .cap = n };
	int err;

	memset(pol, 0, sizeof(*pol));
	if (!n || n > WARD_MAX_RULES || n >= (1u << 23))
		return -EINVAL;
	pol->source = strdup("<microbench>");
	pol->rules = calloc(n, sizeof(*pol->rules));
	if (!pol->source || !pol->rules) {
		err = -ENOMEM;
		goto out_free;
	}
	/* Drop by default, as a firewall with a blocklist in front would. */
	pol->default_action = WARD_ACT_DROP;

	switch (kind) {
	case MB_POL_BLOCKLIST:
		err = build_blocklist(&b, n);
		break;
	case MB_POL_MIXED:
		err = build_mixed(&b, n);
		break;
	case MB_POL_SHAPES:
		err = build_shapes(&b, n, shapes);
		break;
	case MB_POL_PREFIXES:
		err = build_prefixes(&b, n);
		break;
	case MB_POL_SERVICES:
		err = build_services(&b, n);
		break;
	case MB_POL_SERVICES_DRY:
		err = build_services_dry(&b, n);
		break;
	default:
		err = -EINVAL;
	}
	if (!err && pol->n_rules != n)
		err = -EINVAL;
	if (!err)
		return 0;
out_free:
	pol_free(pol);
	return err;
}

/* The Internet checksum of bytes in memory order, seeded with an unfolded
 * sum; an odd last byte is padded with a zero. */
static __u16 csum16_seed(__u32 s, const void *p, size_t len)
{
	const __u16 *w = p;

	for (; len > 1; len -= 2)
		s += *w++;
	if (len)
		s += *(const __u8 *)w;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* The Internet checksum of an IPv4 header. */
static __u16 csum16(const void *p, size_t len)
{
	return csum16_seed(0, p, len);
}

static void frame_eth(unsigned char *buf, __u16 proto)
{
	struct ethhdr *eth = (struct ethhdr *)buf;

	memset(buf, 0, MB_FRAME_LEN);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	eth->h_proto = htons(proto);
}

/* The IPv4 header of a frame, L4 protocol and payload length given. */
static struct iphdr *frame_ip4(unsigned char *buf, const char *src, const char *dst,
			       __u8 proto, size_t l4_len)
{
	struct iphdr *ip = (struct iphdr *)(buf + ETH_HLEN);

	frame_eth(buf, ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->tot_len = htons(sizeof(*ip) + l4_len);
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = csum16(ip, sizeof(*ip));
	return ip;
}

void mb_frame_tcp4_seg(unsigned char *buf, const struct mb_tcp_seg *s)
{
	/* MSS 1460, NOP, window scale 7: 8 bytes, what Linux's SYN has
	 * without timestamps and SACK. */
	static const unsigned char opts[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	size_t optlen = s->opts ? sizeof(opts) : 0, l4len;
	struct iphdr *ip;
	struct tcphdr *tcp;
	__u32 pseudo;

	ip = frame_ip4(buf, s->src, s->dst, IPPROTO_TCP,
		       sizeof(*tcp) + optlen + s->payload);
	tcp = (struct tcphdr *)(ip + 1);
	tcp->source = htons(s->sport);
	tcp->dest = htons(s->dport);
	tcp->seq = htonl(s->seq);
	tcp->ack_seq = htonl(s->ack);
	tcp->doff = (sizeof(*tcp) + optlen) / 4;
	((__u8 *)tcp)[13] = s->flags;
	tcp->window = htons(s->win);
	memcpy(tcp + 1, opts, optlen);
	/* Right, as the data plane verifies it on SYN, FIN, RST and new flows:
	 * the pseudo header's addresses, protocol and length, then the segment. */
	l4len = sizeof(*tcp) + optlen + s->payload;
	pseudo = (ip->saddr & 0xffff) + (ip->saddr >> 16) + (ip->daddr & 0xffff) +
		 (ip->daddr >> 16) + htons(IPPROTO_TCP) + htons((__u16)l4len);
	tcp->check = csum16_seed(pseudo, tcp, l4len);
}

/* A SYN without options; the classifier cases only need its ports. */
void mb_frame_tcp4(unsigned char *buf, const char *src, const char *dst,
		   __u16 sport, __u16 dport)
{
	struct mb_tcp_seg s = {
		.src = src, .dst = dst, .sport = sport, .dport = dport,
		.flags = 0x02, .win = 64240,
	};

	mb_frame_tcp4_seg(buf, &s);
}

void mb_frame_udp4(unsigned char *buf, const char *src, const char *dst,
		   __u16 sport, __u16 dport)
{
	size_t len = MB_FRAME_LEN - ETH_HLEN - sizeof(struct iphdr);
	struct iphdr *ip = frame_ip4(buf, src, dst, IPPROTO_UDP, len);
	struct udphdr *udp = (struct udphdr *)(ip + 1);

	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(len);
}

void mb_frame_bad_ip4(unsigned char *buf)
{
	struct iphdr *ip = (struct iphdr *)(buf + ETH_HLEN);

	mb_frame_tcp4(buf, MB_PKT_SRC, MB_PKT_DST, MB_PKT_SPORT, MB_PORT_NO_MATCH);
	ip->ihl = 4;
	ip->check = 0;
	ip->check = csum16(ip, sizeof(*ip));
}

void mb_frame_arp(unsigned char *buf)
{
	/* htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4, op 1 (request) */
	static const unsigned char arp[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	unsigned char *p = buf + ETH_HLEN;

	frame_eth(buf, ETH_P_ARP);
	memset(buf, 0xff, ETH_ALEN);
	memcpy(p, arp, sizeof(arp));
	memcpy(p + 8, buf + ETH_ALEN, ETH_ALEN);
	inet_pton(AF_INET, MB_PKT_SRC, p + 14);
	inet_pton(AF_INET, MB_PKT_DST, p + 24);
}
