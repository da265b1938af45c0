/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bench/microbench.h: what the files of the data-plane micro-benchmark
 * (bench/microbench*.c) share: the synthetic policies, the test frames, the
 * restart measurement and the flow-table memory measurement. Only bench/
 * includes it.
 *
 * Addresses: the measured packets live in 198.18.0.0/15 (RFC 2544); rules
 * that must never match them use 10.0.0.0/8 and 192.0.2.0/24.
 */
#ifndef WARD_MICROBENCH_H
#define WARD_MICROBENCH_H

#include <linux/types.h>
#include <stddef.h>
#include <time.h>
#include "policy.h"

/* Every frame is 64 bytes on the wire without FCS, as in the bench-kit. */
#define MB_FRAME_LEN	64
#define MB_FRAME_MTU	1514	/* a full 1500-byte MTU frame, for the checksum case */

/* Source and destination of every measured IPv4 packet. */
#define MB_PKT_SRC	"198.18.0.1"
#define MB_PKT_DST	"198.18.0.2"
#define MB_PKT_SPORT	40000

/* The kinds of rule set, see microbench_policy.c. */
enum mb_policy {
	MB_POL_BLOCKLIST,	/* n - 1 source /32 drops, then "tcp port 80 drop" */
	MB_POL_MIXED,		/* /32 and /24 blocklists, services, a port range */
	MB_POL_SHAPES,		/* n rules spread over a given number of shapes */
	MB_POL_PREFIXES,	/* n random source prefixes, lengths as in a BGP table */
	MB_POL_SERVICES,	/* n - 2 source /32 drops, then a UDP and a TCP accept */
	MB_POL_SERVICES_DRY,	/* the same with MB_DRY_RULES dry-run rules before the
				 * accepts, one of them matching the TCP flow */
};

/*
 * Names of the rules a test packet must be decided by. They drop, as does
 * the default policy: a dropped packet leaves no flow state behind, so
 * every one of the repeated runs is a first packet.
 */
#define MB_RULE_BLOCKLIST_LAST	"block-http"	/* tcp port 80 */
#define MB_RULE_MIXED_LAST	"block-legacy-https"	/* to MB_PKT_DST, tcp port 443 */
#define MB_PORT_BLOCKLIST_LAST	80
#define MB_PORT_MIXED_LAST	443
#define MB_PORT_NO_MATCH	8080	/* no rule of any policy names it */

/*
 * MB_POL_SERVICES accepts these: the packets that open flows, and the ones
 * that follow them. Each conntrack case uses a source port of its own, so
 * that its flow is its own.
 */
#define MB_RULE_SVC_UDP		"allow-dns"
#define MB_RULE_SVC_TCP		"allow-ssh"
#define MB_PORT_SVC_UDP		53
#define MB_PORT_SVC_TCP		22

/* MB_POL_SERVICES_DRY: dry-run rules, the last of them a drop of
 * MB_PORT_SVC_TCP that the new TCP flow matches (its accept decides). */
#define MB_DRY_RULES		4
#define MB_RULE_DRY_SSH		"try-ssh-drop"

/* A TCP segment for mb_frame_tcp4_seg(); ports and numbers in host order. */
struct mb_tcp_seg {
	const char *src;
	const char *dst;
	__u16	sport;
	__u16	dport;
	__u8	flags;		/* as on the wire: FIN 0x01 SYN 0x02 ... ACK 0x10 */
	__u32	seq;
	__u32	ack;
	__u16	win;
	__u8	opts;		/* 1: MSS, NOP, window scale 7 (SYNs) */
	__u16	payload;	/* bytes of data after the header */
};

/*
 * Fills *pol with n rules of the given kind (shapes: only for
 * MB_POL_SHAPES, 1..WARD_MAX_TUPLES). Everything is heap-allocated, so that
 * pol_free() releases it. Returns 0 or -errno.
 */
int mb_policy_build(struct pol_policy *pol, enum mb_policy kind, unsigned int n,
		    unsigned int shapes);
const char *mb_policy_name(enum mb_policy kind);

/* 64-byte frames (buf holds MB_FRAME_LEN bytes). */
void mb_frame_tcp4(unsigned char *buf, const char *src, const char *dst,
		   __u16 sport, __u16 dport);
/* Any segment that fits MB_FRAME_LEN (shorter ones are padded, as
 * Ethernet pads them), or a longer one in a buffer that holds it. */
void mb_frame_tcp4_seg(unsigned char *buf, const struct mb_tcp_seg *s);
/* UDP filling the frame. */
void mb_frame_udp4(unsigned char *buf, const char *src, const char *dst,
		   __u16 sport, __u16 dport);
/* IPv4 whose header claims IHL 4 (16 bytes): the parser must drop it. */
void mb_frame_bad_ip4(unsigned char *buf);
/* An ARP request: not IP, the data plane passes it untouched. */
void mb_frame_arp(unsigned char *buf);

/* microbench_restart.c: what a commit costs a daemon restarted over
 * pinned maps (the first commit after dp_open adopted them). */
struct mb_restart {
	unsigned int n;		/* rules, MB_POL_BLOCKLIST */
	double	first_ms;	/* commit into fresh pinned maps */
	double	adopted_ms;	/* first commit after closing and reopening */
	double	next_ms;	/* the commit after that */
};

int mb_restart_run(struct mb_restart *r);

/*
 * microbench_ct.c: what flows cost in memory. A data plane with a flow table
 * of max_flows is filled with `flows` flows through bpf_map_update_batch();
 * the kernel's own accounting (fdinfo memlock) and the slab objects in use
 * (/proc/slabinfo) are read before and after. Medians over `rounds` fills.
 */
struct mb_ct_mem {
	unsigned int flows;
	unsigned int max_flows;
	double	memlock_empty;	/* bytes: the table with no flow (buckets) */
	double	memlock_full;	/* bytes: with `flows` flows */
	double	slab_delta;	/* bytes: slab objects in use, growth over the fill */
	double	fill_ms;	/* the batch updates */
};

int mb_ct_memory(unsigned int flows, unsigned int rounds, struct mb_ct_mem *out);

static inline double mb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#endif /* WARD_MICROBENCH_H */
