/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/ct_harness.h: what the conntrack suites (ward_ct_test, whose
 * cases are in test_ct*.c, and ward_ct_linux_test) share: the data plane
 * opened from build/ward.bpf.o, the policies committed the way wardd does,
 * and conversations played packet by packet through the ingress program
 * (XDP or tc, IN) and ward_tc_egress (this host's packets, OUT), each
 * checked for the drop reason it moved. ct_harness.c defines it all and is
 * linked into both. Only tests/bpf/ includes it.
 */
#ifndef WARD_TEST_CT_HARNESS_H
#define WARD_TEST_CT_HARNESS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "ward.skel.h"
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "log.h"
#include "pkt.h"
#include "test_assert.h"

/* Which way a packet goes. */
#define IN		0	/* the peer -> this host: the ingress program */
#define OUT		1	/* this host -> the peer: ward_tc_egress */

#define V_PASS		1
#define V_DROP		2

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

#define NO_WS		(-1)	/* no window scale option */
#define WIN		65535

#define NSEC		1000000000ULL

extern struct dataplane dp;

/* The suite runs once per ingress hook and address family. */
extern bool tc_in;		/* ingress through ward_tc_ingress, not XDP */
extern int fam;

/* What the last packet did: counter deltas and its frame length. */
extern __u64 last_delta[WARD_CNT_MAX];
extern __u32 last_len;

/* ------------------------------------------------------------------ */
/* Maps */

void read_stat(__u32 idx, __u64 *packets, __u64 *bytes);

/* The stat index the live policy gives this rule name, or -1. */
long stat_of(const char *name);

__u64 live_generation(void);

size_t count_flows(void);

/* ------------------------------------------------------------------ */
/* Policies */

/*
 * parse -> compile -> commit, the way wardd does it. On success the policy
 * is live until the next commit.
 */
int commit_yaml(const char *what, const char *yaml);

/* Default drop: only these open flows inbound. */
extern const char main_policy[];

/* main_policy without "web": its flows are revoked. */
extern const char no_web_policy[];

/* main_policy with short timeouts (seconds) for the expiry tests. */
extern const char short_timeouts[];

bool commit_main(void);

/* ------------------------------------------------------------------ */
/* Conversations */

/*
 * One flow as the test sees it: a peer outside and this host. Remote A
 * sorts before this host's address (so it is endpoint 0 of the key),
 * remote B after it: both halves of ct_key_fill are exercised.
 */
struct conv {
	__u8	family;
	__u8	proto;
	const char *remote;
	const char *local;
	__u16	rport;		/* ICMP echo: the identifier */
	__u16	lport;
};

#define HOST	(fam == 4 ? "198.51.100.1" : "2001:db8::2")
#define RA	(fam == 4 ? "192.0.2.10" : "2001:db8::1")
#define RB	(fam == 4 ? "203.0.113.7" : "2001:db8:ffff::7")
#define ROUTER	(fam == 4 ? "192.0.2.254" : "2001:db8::fe")
#define P_ICMPX	(fam == 4 ? P_ICMP : P_ICMP6)
#define ECHO_REQ	(fam == 4 ? 8 : 128)
#define ECHO_REP	(fam == 4 ? 0 : 129)

struct conv mk_conv(__u8 proto, const char *remote, __u16 rport, __u16 lport);

void conv_desc(const struct conv *c, int dir, struct pkt_desc *d);

int conv_ep(const struct conv *c, int dir);

/* 0 and the flow in *v, or -errno (-ENOENT: no flow). */
int flow_get(const struct conv *c, struct ward_ct_val *v);

bool flow_exists(const struct conv *c);

extern const char *const state_names[WARD_TCP_STATE_MAX];

/* The flow's TCP state by name, "no flow", or "bad". */
const char *flow_state(const struct conv *c);

/* Makes the flow look idle_ns nanoseconds idle. */
int flow_age(const struct conv *c, __u64 idle_ns);

/* Sets a flow's creation and last packet times, as if made `age` ago and
 * last seen `idle` ago (nanoseconds). */
int flow_times(const struct conv *c, __u64 age, __u64 idle);

/* ------------------------------------------------------------------ */
/* Running packets */

int run_desc(const struct pkt_desc *d, int dir);

/* The drop reason the last packet moved, by name ("none" if it passed). */
const char *last_drop(void);

/* "pass", or "drop: REASON" with the reason the packet moved. */
const char *verdict(int v, char *buf, size_t len);

#define MOVED(cnt)	((long long)last_delta[WARD_CNT_##cnt])

#define EXPECT_PASS(v, what) ({						\
	char got_[64];							\
	ASSERT_STREQ(verdict((v), got_, sizeof(got_)), "pass", what);	\
})
#define EXPECT_DROP(v, reason, what) ({					\
	char got_[64], want_[64];					\
	verdict((v), got_, sizeof(got_));				\
	snprintf(want_, sizeof(want_), "drop: %s",			\
		 dp_counter_name(WARD_CNT_DROP_##reason));		\
	ASSERT_STREQ(got_, want_, what);				\
})
#define EXPECT_STATE(c, st, what)	ASSERT_STREQ(flow_state(c), #st, what)

/* One TCP segment: flags, seq, ack, payload bytes, window, window scale. */
void seg_desc(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
	      __u16 len, __u16 win, int wscale, struct pkt_desc *d);

int seg_ex(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
	   __u16 len, __u16 win, int wscale);

int seg(const struct conv *c, int dir, __u8 flags, __u32 seq, __u32 ack,
	__u16 len);

int udp(const struct conv *c, int dir, __u16 len);

int echo(const struct conv *c, int dir, __u8 type);

/*
 * An ICMP error from a router to dst, quoting the packet of conv q that
 * went in direction qdir (the first bytes of its IP packet).
 */
int icmp_error_to(__u8 type, const struct conv *q, int qdir, const char *dst);

/* The same, to this host: what a router sends about the host's packets. */
int icmp_error(__u8 type, const struct conv *q, int qdir);

/* The peer opens to this host: SYN in, SYN-ACK out, ACK in. */
bool open_in(const struct conv *c, __u32 ri, __u32 li);

/* This host opens to the peer: SYN out, SYN-ACK in, ACK out. */
bool open_out(const struct conv *c, __u32 li, __u32 ri);

/* Opens a test: name prefixed with the hook and family, flows flushed. */
__attribute__((format(printf, 1, 2)))
void ct_test(const char *fmt, ...);

/* After test_start: true (and the test skipped) unless -b. Every bug these
 * tests found is fixed; the switch stays for the next one. */
bool known_bug(const char *what);

bool open_dp(__u32 max_flows);

/* What every suite's main() does first: the command line, lo and the CPU
 * count. Returns 0, or the exit status to leave with. */
int ct_main_start(int argc, char **argv, const char *prog, const char *name);

/* Runs a suite through each ingress hook (XDP, tc) and family; leaves XDP
 * and IPv4 set. */
void ct_each_hook(void (*suite)(void));

/* Closes what is open and prints the tally; returns the exit status. */
int ct_main_end(const char *name);

#endif /* WARD_TEST_CT_HARNESS_H */
