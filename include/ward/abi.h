/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * include/ward/abi.h: everything that crosses the kernel/user boundary.
 *
 * Map keys and values, verdicts, drop reasons and limits shared by bpf/ and
 * src/. It is the only header both sides include; it must stay free of
 * pointers, bool and enum-typed fields, and every struct has its size pinned.
 * Userspace includes <linux/types.h> first; bpf/ gets the types from vmlinux.h.
 */
#ifndef WARD_ABI_H
#define WARD_ABI_H

#ifndef __bpf__
#include <linux/bpf.h>		/* struct bpf_spin_lock */
#endif

#define WARD_PIN_DIR		"/sys/fs/bpf/ward"

/*
 * Pinned map layouts. Every pinned map has a layout version (the table in
 * src/lib/dataplane/dp_layout.c); wardd records it in ward_meta and never
 * reuses a pin of another layout: it carries the entries over into a new
 * map or says why it drops them (docs/datapath.md, "Upgrades and pinned
 * maps"). Changing a struct below that a map holds, its key, a limit, or
 * the meaning of a field: bump the map's version there, keep the old
 * struct in dp_layout_old.h and add a converter in dp_migrate.c.
 */
#define WARD_META_MAP		"ward_meta"	/* pin name; its layout never changes */

struct ward_meta_key {
	char	name[32];	/* the pinned map's name, NUL padded */
};
_Static_assert(sizeof(struct ward_meta_key) == 32, "ward_meta_key is ABI");

struct ward_meta_val {
	__u32	layout;		/* the map's layout version */
	__u32	pad;
};
_Static_assert(sizeof(struct ward_meta_val) == 8, "ward_meta_val is ABI");

/* Limits. Changing one changes map layouts (see above). */
#define WARD_MAX_TUPLES		128	/* distinct match shapes per policy */
#define WARD_MAX_RULES		131072	/* leaf rules per policy slot */
#define WARD_MAX_CLS		(1 << 20)	/* classifier entries, both slots: the
					 * bucket array alone is 16 bytes each */
#define WARD_MAX_IFACES		1024
#define WARD_RULE_NAME_MAX	64
#define WARD_SLOTS		2	/* active + the one being written */

/* Index 0 of the rule stats is the default policy's pseudo-rule. */
#define WARD_STAT_DEFAULT	0

/* Actions a rule or the default policy can take. */
#define WARD_ACT_ACCEPT		1
#define WARD_ACT_DROP		2
#define WARD_ACT_REJECT		3	/* drop, and answer: TCP RST / ICMP unreachable */

/* ward_rule.flags and ward_policy_hdr.flags */
#define WARD_RF_DRY_RUN		(1 << 0)	/* rule: counted and logged, never decides;
						 * policy: decide and count, then pass */
#define WARD_RF_LOG		(1 << 1)

/* ward_tuple.flags: which optional key fields the shape matches on. */
#define WARD_TF_PROTO		(1 << 0)
#define WARD_TF_IN_ZONE		(1 << 1)
#define WARD_TF_IN_IF		(1 << 2)
#define WARD_TF_ONE_PROTO	(1 << 3)	/* every entry has protocol ward_tuple.proto:
						 * a packet of another needs no lookup */

/* Address family codes used in keys (not AF_*: BPF has no libc). */
#define WARD_FAM_V4		4
#define WARD_FAM_V6		6

/*
 * Per-CPU counters, indexed by these. Drop reasons first: every packet the
 * data plane drops bumps exactly one of them. An enum so that a new counter
 * is one added line; userspace names each in dp_counter_name().
 */
enum ward_counter {
	WARD_CNT_DROP_RULE,			/* a rule said drop */
	WARD_CNT_DROP_POLICY,			/* no rule, defaults.policy drop */
	WARD_CNT_DROP_TRUNC_L2,			/* shorter than its L2 headers */
	WARD_CNT_DROP_BAD_IP4,			/* IHL < 5, bad total length, truncated */
	WARD_CNT_DROP_BAD_IP6,			/* truncated header or payload length */
	WARD_CNT_DROP_BAD_IP6_EXT,		/* extension header chain truncated or too long */
	WARD_CNT_DROP_BAD_L4,			/* TCP/UDP/ICMP header truncated or bad length */
	WARD_CNT_DROP_INTERNAL,			/* map missing: fail closed */
	WARD_CNT_DROP_CT_FULL,			/* flow table full: new flow refused */
	WARD_CNT_DROP_TCP_INVALID,		/* no TCP state transition for it */
	WARD_CNT_DROP_TCP_WINDOW,		/* TCP segment outside the window */
	WARD_CNT_DROP_REVOKED,			/* flow no longer allowed by the policy */
	WARD_CNT_DROP_NAT_EXHAUSTED,		/* no free port for a NAT binding */
	WARD_CNT_DROP_NAT_STALE,		/* to a NAT binding whose flow is gone */
	WARD_CNT_DROP_RATE_LIMIT,		/* over its rule's rate: for its source */
	WARD_CNT_DROP_NAT_INVALID,		/* port-forwarded but cannot open a flow, or a
						 * binding's reply tuple the wrong way round */
	WARD_CNT_DROP_NAT_NO_ROUTE,		/* source NAT due but the route lookup failed */
	WARD_CNT_DROP_BAD_CHECKSUM,		/* TCP checksum wrong on a segment that would
						 * open or change a flow */
	WARD_CNT_DROP_BAD_FRAGMENT,		/* TCP fragment at offset 8: it would rewrite the
						 * first fragment's flags (RFC 1858) */
	WARD_CNT_DROP_FRAG_DENIED,		/* later fragment of a datagram whose first
						 * fragment was dropped */
	WARD_CNT_DROP_ND_INVALID,		/* ICMPv6 133-137 that is no valid neighbour
						 * discovery (hop limit, fragment, routing
						 * header) or would be forwarded */
	WARD_CNT_DROP_MAX,			/* first non-drop counter */
	WARD_CNT_PASS_NON_IP = WARD_CNT_DROP_MAX,	/* ARP, LLDP...: not ours to decide */
	WARD_CNT_PASS_ND,			/* IPv6 neighbour discovery */
	WARD_CNT_WOULD_DROP,			/* dry-run: would have dropped */
	WARD_CNT_FRAGMENT,			/* non-first fragment of no known first */
	WARD_CNT_ACCEPT,			/* a rule or the policy accepted */
	WARD_CNT_CT_NEW,			/* flow created */
	WARD_CNT_CT_ESTABLISHED,		/* passed as part of a flow */
	WARD_CNT_CT_RELATED,			/* ICMP error about a flow */
	WARD_CNT_ICMP_ORPHAN,			/* ICMP error about no flow: rules decided */
	WARD_CNT_RST_INEXACT,			/* in-window RST passed, flow kept (RFC 5961) */
	WARD_CNT_FRAG_PASS,			/* fragment of an admitted first fragment */
	WARD_CNT_CT_EXPIRED,			/* flow found expired: rules decided again */
	WARD_CNT_LOG_SUPPRESSED,		/* flow log events over the rate limit */
	WARD_CNT_LOG_LOST,			/* flow log events the ring buffer had no room for */
	WARD_CNT_SYN_NEW,			/* TCP SYNs that met the rules: half-open attempts */
	WARD_CNT_CT_GONE,			/* flows the data plane removed */
	WARD_CNT_NAT_NEW,			/* NAT bindings made */
	WARD_CNT_NAT_XLATE,			/* packets translated */
	WARD_CNT_FWD_REDIRECT,			/* forwarded by the fast path (fib + redirect) */
	WARD_CNT_FWD_STACK,			/* forwarded, but left to the kernel stack */
	WARD_CNT_FQDN_PARSED,			/* DNS answers to a ward-seen query, parsed */
	WARD_CNT_FQDN_IGNORED,			/* DNS answers not learned from: no set matched,
						 * not NOERROR, TCP split over segments */
	WARD_CNT_FQDN_SPOOFED,			/* answers from a resolver to no query ward saw */
	WARD_CNT_FQDN_MALFORMED,		/* answers rejected by the parser */
	WARD_CNT_FQDN_FRAGMENT,			/* fragmented answers: ignored */
	WARD_CNT_FQDN_LEARNED,			/* addresses written to ward_fqdn_addrs */
	WARD_CNT_FQDN_TRUNC,			/* records past what one answer may teach */
	WARD_CNT_FQDN_QUERY,			/* queries to a resolver, recorded */
	WARD_CNT_REJECT_SENT,			/* rejects answered (RST, ICMP unreachable) */
	WARD_CNT_REJECT_LIMITED,		/* rejects over the rate: dropped unanswered */
	WARD_CNT_REJECT_SKIPPED,		/* rejects no RFC lets us answer (ICMP error,
						 * multicast, later fragment, RST) */
	WARD_CNT_WOULD_REJECT,			/* dry-run: would have rejected */
	WARD_CNT_TCP_IGNORED,			/* TCP segment passed without changing its flow
						 * (a SYN on a live flow, a second SYN-ACK, a
						 * bare ACK answering a SYN) */
	WARD_CNT_CT_ANSWERED,			/* flows that saw their first answer */
	WARD_CNT_CT_GONE_ANSWERED,		/* of CT_GONE, flows that had been answered */
	WARD_CNT_CT_EARLY_DROP,			/* unanswered flows evicted for a new one */
	WARD_CNT_CT_ADAPTIVE,			/* unanswered flows expired by a timeout the
						 * table's fill had shortened */
	WARD_CNT_MAX
};

/*
 * Classifier: tuple space search. A tuple is a match shape (family, which
 * fields, prefix lengths as masks); every rule entry of that shape sits in
 * ward_cls under its masked fields. The data plane walks the tuples of the
 * active slot in order of their best (lowest) rule and keeps the lowest rule
 * index found, stopping once no tuple can beat it. Cost is one hash lookup
 * per tuple, whatever the number of rules.
 */
struct ward_tuple {
	__be32	src_mask[4];
	__be32	dst_mask[4];
	__be16	sport_mask;
	__be16	dport_mask;	/* ICMP: the type sits in dport */
	__u8	family;		/* WARD_FAM_V4 or WARD_FAM_V6 */
	__u8	flags;		/* WARD_TF_* */
	__u8	fqdn;		/* FQDN set id + 1: dst is a learned address of it */
	__u8	ranks;		/* dry-run tuples: keys hold rank 0..ranks-1 */
	__u32	min_rule;	/* lowest rule index in this tuple */
	__u8	proto;		/* WARD_TF_ONE_PROTO: the protocol of all its entries */
	__u8	pad2[3];
};
_Static_assert(sizeof(struct ward_tuple) == 48, "ward_tuple is ABI");

struct ward_cls_key {
	__u16	tuple;		/* slot << 15 | tuple index */
	__u8	family;
	__u8	proto;
	__u16	in_if;		/* interface name id, 0 when not matched */
	__u8	in_zone;	/* zone id, 0 when not matched */
	__u8	rank;		/* dry-run tuples: the rank-th rule of this key */
	__be16	sport;
	__be16	dport;
	__u32	pad2;
	__be32	src[4];		/* IPv4 in src[0] */
	__be32	dst[4];
};
_Static_assert(sizeof(struct ward_cls_key) == 48, "ward_cls_key is ABI");

#define WARD_CLS_SLOT_SHIFT	15

/*
 * Dry-run rules (a rule's dry_run: true) never decide: they are counted and
 * logged when they match before the deciding rule, and classification goes
 * on as if they were not there. They sit in a classifier of their own, the
 * last n_dry_tuples tuples of the policy, walked only when there are any.
 * There, one key may hold several rules, by rank (lowest rule first), so
 * that two dry-run rules with the very same match are both counted.
 */
#define WARD_DRY_RANKS		4	/* dry-run rules one key holds */
#define WARD_DRY_MATCH_MAX	4	/* dry-run rules one packet is counted for */

/* Value of ward_cls: the first (lowest) rule index with this key. */
struct ward_cls_val {
	__u32	rule;
};
_Static_assert(sizeof(struct ward_cls_val) == 4, "ward_cls_val is ABI");

/* ward_rules[slot * WARD_MAX_RULES + rule] */
struct ward_rule {
	__u8	action;		/* WARD_ACT_* */
	__u8	flags;		/* WARD_RF_* */
	__u16	pad;
	__u32	stat;		/* index into ward_rule_stats */
	__u32	rate;		/* new flows a second per source (rate:); 0: no limit */
};
_Static_assert(sizeof(struct ward_rule) == 12, "ward_rule is ABI");

/* Per-state timeouts, in seconds, carried by each policy (ward_policy_hdr). */
#define WARD_CT_TO_TCP_EST	0
#define WARD_CT_TO_TCP_HANDSHAKE 1
#define WARD_CT_TO_TCP_CLOSE	2
#define WARD_CT_TO_UDP		3
#define WARD_CT_TO_UDP_STREAM	4
#define WARD_CT_TO_ICMP		5
#define WARD_CT_TO_MAX		6

/* ward_policy[slot]: one compiled policy generation's header. */
struct ward_policy_hdr {
	__u64	generation;
	__u32	n_tuples;
	__u8	default_action;	/* WARD_ACT_* */
	__u8	flags;		/* WARD_RF_DRY_RUN: global dry-run */
	__u8	log_mode;	/* WARD_LOG_*: defaults.log */
	__u8	n_dry_tuples;	/* the last n_dry_tuples of tuples[]: dry-run rules */
	__u32	ct_timeout[WARD_CT_TO_MAX];	/* seconds, by WARD_CT_TO_* */
	__u32	log_rate;	/* flow log events a second, per rule and CPU */
	__u32	scan_ports;	/* port scan: distinct ports (0: off) ... */
	__u32	scan_window_ms;	/* ... within this window */
	__u32	reject_rate;	/* rejects answered a second, all CPUs */
	__u32	n_pf_src;	/* prefilter entries of this slot: ward_pf_src ... */
	__u32	n_pf_port;	/* ... and ward_pf_port (0: not looked up) */
	struct ward_tuple tuples[WARD_MAX_TUPLES];
};
_Static_assert(sizeof(struct ward_policy_hdr) == 64 + 48 * WARD_MAX_TUPLES,
	       "ward_policy_hdr is ABI");

/*
 * The prefilter (src/lib/compile/compile_prefilter.c, bpf/lib/prefilter.h):
 * drop rules that decide every packet they match, looked up right after
 * parsing, before anything stateful. ward_pf_src is an LPM trie over
 * (slot, family, source address): prefixlen counts the 32 bits of slot,
 * family and pad too. ward_pf_port is a hash of (slot, family, protocol,
 * destination port). Both slots share each map, as ward_cls.
 */
#define WARD_PF_MAX_SRC		(1 << 18)	/* both slots */
#define WARD_PF_MAX_PORT	(1 << 18)
#define WARD_PF_KEY_HDR_BITS	32

struct ward_pf_src_key {
	__u32	prefixlen;	/* WARD_PF_KEY_HDR_BITS + the source prefix length */
	__u8	slot;
	__u8	family;
	__u8	pad[2];
	__be32	addr[4];	/* IPv4 in addr[0] */
};
_Static_assert(sizeof(struct ward_pf_src_key) == 24, "ward_pf_src_key is ABI");

struct ward_pf_port_key {
	__u8	slot;
	__u8	family;
	__u8	proto;
	__u8	pad;
	__be16	dport;
	__u16	pad2;
};
_Static_assert(sizeof(struct ward_pf_port_key) == 8, "ward_pf_port_key is ABI");

struct ward_pf_val {
	__u32	rule;		/* the deciding rule's index: the lower of two hits wins */
	__u32	stat;		/* its ward_rule_stats index */
};
_Static_assert(sizeof(struct ward_pf_val) == 8, "ward_pf_val is ABI");

#define WARD_LOG_NONE		0
#define WARD_LOG_DROPS		1
#define WARD_LOG_ALL		2

/* ward_state[0]: which slot the data plane reads. One write switches policy. */
struct ward_state {
	__u32	active_slot;
	__u32	pad;
	__u64	generation;
};
_Static_assert(sizeof(struct ward_state) == 16, "ward_state is ABI");

/* ward_ifaces: per slot, what an ingress interface is to the rules. */
struct ward_iface_key {
	__u32	ifindex;
	__u32	slot;
};
_Static_assert(sizeof(struct ward_iface_key) == 8, "ward_iface_key is ABI");

struct ward_iface {
	__u16	in_if;		/* interface name id (0: no rule names it) */
	__u8	in_zone;	/* zone id of its role (0: none) */
	__u8	mode;		/* WARD_MODE_* it is attached in */
};
_Static_assert(sizeof(struct ward_iface) == 4, "ward_iface is ABI");

#define WARD_MODE_NONE		0
#define WARD_MODE_XDP_NATIVE	1
#define WARD_MODE_XDP_GENERIC	2
#define WARD_MODE_TC		3

/* ward_rule_stats (per-CPU): packets and bytes of a rule, summed by userspace. */
struct ward_stat {
	__u64	packets;
	__u64	bytes;
};
_Static_assert(sizeof(struct ward_stat) == 16, "ward_stat is ABI");

/* ward_rule_names[stat]: the name a stat index belongs to, so a restarted
 * daemon keeps counting each rule where it left off. Empty: free. */
struct ward_rule_name {
	char	name[WARD_RULE_NAME_MAX];
};
_Static_assert(sizeof(struct ward_rule_name) == WARD_RULE_NAME_MAX, "ABI");

/*
 * Conntrack. One entry per flow, under a key that is the same for both
 * directions: the endpoint that sorts first (address, then port) is
 * endpoint 0. The value says which endpoint opened the flow.
 */
#define WARD_CT_DEFAULT_MAX	262144

struct ward_ct_key {
	__be32	addr[2][4];	/* IPv4 in addr[i][0] */
	__be16	port[2];	/* ICMP echo: the identifier on both */
	__u8	proto;
	__u8	family;
	__u16	pad;
};
_Static_assert(sizeof(struct ward_ct_key) == 40, "ward_ct_key is ABI");

/* TCP states, after Linux's nf_conntrack_proto_tcp. */
#define WARD_TCP_NONE		0
#define WARD_TCP_SYN_SENT	1	/* originator's SYN seen */
#define WARD_TCP_SYN_SENT2	2	/* simultaneous open: a SYN each way */
#define WARD_TCP_SYN_RECV	3	/* SYN-ACK seen */
#define WARD_TCP_ESTABLISHED	4
#define WARD_TCP_FIN_WAIT	5	/* one side sent FIN */
#define WARD_TCP_CLOSE_WAIT	6	/* that FIN was acknowledged */
#define WARD_TCP_LAST_ACK	7	/* both sent FIN, the last not yet acknowledged */
#define WARD_TCP_TIME_WAIT	8	/* both FINs acknowledged */
#define WARD_TCP_CLOSE		9	/* reset */
#define WARD_TCP_STATE_MAX	10

/* One side of a TCP flow: the window it may send in (Linux's ip_ct_tcp_state). */
struct ward_ct_tcp {
	__u32	td_end;		/* highest seq + len sent */
	__u32	td_maxend;	/* highest seq it may send: peer's ack + window */
	__u32	td_maxwin;	/* largest window it advertised, scaled */
	__u32	td_maxack;	/* highest ack it sent: its RCV.NXT */
	__u32	fin_end;	/* seq just past its FIN */
	__u8	td_scale;	/* window scale it announced */
	__u8	flags;		/* WARD_CT_TCPF_* */
	__u16	pad;
};
_Static_assert(sizeof(struct ward_ct_tcp) == 24, "ward_ct_tcp is ABI");

#define WARD_CT_TCPF_WSCALE	(1 << 0)	/* sent the window scale option */
#define WARD_CT_TCPF_MAXACK	(1 << 1)	/* td_maxack is set */
#define WARD_CT_TCPF_FIN	(1 << 2)	/* sent FIN */
#define WARD_CT_TCPF_FIN_ACKED	(1 << 3)	/* its FIN was acknowledged */
#define WARD_CT_TCPF_SYNACK	(1 << 4)	/* sent a SYN-ACK */
#define WARD_CT_TCPF_SYN_PASSED	(1 << 5)	/* sent a SYN on a live flow, passed untracked:
						 * fin_end holds its end (no FIN sent yet) */
#define WARD_CT_TCPF_ACK_IGNORED	(1 << 6)	/* originator in SYN_SENT: the peer's bare ACK
						 * passed ignored; fin_end holds its ack */

/* ward_ct_val.flags */
#define WARD_CTF_REPLIED	(1 << 0)	/* the responder has sent something */
#define WARD_CTF_LOCAL		(1 << 1)	/* opened from this host (egress): no rule decided it */
#define WARD_CTF_DRY_RUN	(1 << 2)	/* a dry-run drop admitted it: would-drop */
#define WARD_CTF_LIBERAL	(1 << 3)	/* picked up mid-stream: no window checks */
#define WARD_CTF_NAT		(1 << 4)	/* translated: its binding is in ward_nat */
#define WARD_CTF_STREAM		(1 << 5)	/* UDP: kept exchanging past WARD_UDP_STREAM_NS */
#define WARD_CTF_ASSURED	(1 << 6)	/* answered: both ways seen (TCP: handshake
						 * done); never evicted (ct_pressure.h) */

struct ward_ct_val {
	struct bpf_spin_lock lock;	/* TCP tracking and counters */
	__u8	state;		/* WARD_TCP_* for TCP, else 0 */
	__u8	orig;		/* endpoint index of the originator */
	__u8	flags;		/* WARD_CTF_* */
	__u8	icmp_type;	/* the originator's ICMP type, for re-checks */
	__u16	in_if;		/* where the first packet came in, for re-checks */
	__u8	in_zone;
	__u8	pad;
	__u32	stat;		/* the deciding rule's counter */
	__u64	generation;	/* policy generation that admitted or last re-checked it */
	__u64	created;	/* CLOCK_MONOTONIC ns */
	__u64	last_seen;
	__u64	packets[2];	/* [0] originator -> responder, [1] back */
	__u64	bytes[2];
	struct ward_ct_tcp tcp[2];	/* by endpoint index */
};
_Static_assert(sizeof(struct ward_ct_val) == 120, "ward_ct_val is ABI");

/* A UDP flow that keeps exchanging this long after its first packet is a
 * stream (Linux's nf_conntrack_udp: 2 s); a query and its answer are not. */
#define WARD_UDP_STREAM_NS	2000000000ULL

/*
 * Which timeout (WARD_CT_TO_*) a flow lives by: the data plane and wardd's
 * sweeper must agree, so both call this. A TCP flow picked up mid-stream
 * (LIBERAL) keeps the handshake timeout until the other side answers.
 */
static inline __attribute__((always_inline)) __u32
ward_ct_timeout_idx(__u8 proto, const struct ward_ct_val *v)
{
	if (proto == 6) {					/* TCP */
		if (v->state == WARD_TCP_ESTABLISHED &&
		    (v->flags & (WARD_CTF_LIBERAL | WARD_CTF_REPLIED)) != WARD_CTF_LIBERAL)
			return WARD_CT_TO_TCP_EST;
		if (v->state <= WARD_TCP_ESTABLISHED)
			return WARD_CT_TO_TCP_HANDSHAKE;
		return WARD_CT_TO_TCP_CLOSE;
	}
	if (proto == 1 || proto == 58)				/* ICMP, ICMPv6 */
		return WARD_CT_TO_ICMP;
	return v->flags & WARD_CTF_STREAM ? WARD_CT_TO_UDP_STREAM : WARD_CT_TO_UDP;
}

/*
 * Pressure on the flow table (docs/conntrack.md). Every new flow's key is
 * written to a ring, ward_ct_fifo, in the order the flows were made: when
 * the table is full, the oldest entries are the candidates for early drop
 * (the first still unanswered one goes), and the sweeper expires the
 * unanswered flows from it without walking the table.
 */
struct ward_ct_fifo_ent {
	struct ward_ct_key key;
	__u64	created;	/* the flow's, to tell it from a later one of that key */
};
_Static_assert(sizeof(struct ward_ct_fifo_ent) == 48, "ward_ct_fifo_ent is ABI");

/* The unanswered-flow timeout scale at no pressure (a fraction of 1024). */
#define WARD_CT_SCALE_ONE	1024
/* Entries of ward_ct_fifo early drop looks at before it gives up. */
#define WARD_CT_EVICT_TRIES	8

/* ward_ct_ctl[0], mmapped by userspace: the ring's cursors and the pressure. */
struct ward_ct_ctl {
	__u64	head;		/* data plane: ring slots written (next: head & mask) */
	__u64	evict;		/* data plane: next early-drop candidate */
	__u32	mask;		/* userspace: ring size - 1; 0: no ring (no early drop) */
	__u32	scale;		/* userspace: unanswered timeouts x scale / 1024 */
	__u64	swept;		/* userspace: the sweeper's position in the ring */
	__u64	swept_answered;	/* userspace: answered flows it removed (sweeps, flush) */
	__u64	swept_adaptive;	/* userspace: unanswered flows it expired early */
	__u64	pad[2];
};
_Static_assert(sizeof(struct ward_ct_ctl) == 64, "ward_ct_ctl is ABI");

/* Fragments: the verdict of a first fragment, for the ones that follow. */
struct ward_frag_key {
	__be32	src[4];
	__be32	dst[4];
	__u32	id;
	__u8	proto;
	__u8	family;
	__u16	pad;
};
_Static_assert(sizeof(struct ward_frag_key) == 40, "ward_frag_key is ABI");

struct ward_frag_val {
	__u64	expires;	/* CLOCK_MONOTONIC ns */
	__u32	denied;		/* 1: the first fragment was dropped, so are the rest */
	__u32	pad;
};
_Static_assert(sizeof(struct ward_frag_val) == 16, "ward_frag_val is ABI");

/*
 * Events, data plane -> daemon, through the ward_events ring buffer: flow
 * log records (a first packet's decision) and alerts.
 */
#define WARD_EV_FLOW		1
#define WARD_EV_ALERT		2

/* ward_event.action */
#define WARD_EVA_ACCEPT		1
#define WARD_EVA_DROP		2
#define WARD_EVA_WOULD_DROP	3
#define WARD_EVA_REJECT		4
#define WARD_EVA_WOULD_REJECT	5
#define WARD_EVA_WOULD_ACCEPT	6	/* a dry-run accept rule matched */

/* ward_event.alert */
#define WARD_ALERT_PORT_SCAN	1
#define WARD_ALERT_SYN_FLOOD	2
#define WARD_ALERT_RATE_LIMIT	3	/* a source went over a rule's rate */

struct ward_event {
	__u64	ts_ns;		/* CLOCK_MONOTONIC */
	__u8	type;		/* WARD_EV_* */
	__u8	action;		/* WARD_EVA_* (flow) */
	__u8	family;
	__u8	proto;
	__u32	stat;		/* the deciding rule's stat index (flow) */
	__u32	ifindex;	/* ingress */
	__u8	reason;		/* WARD_CNT_* drop reason (flow drops) */
	__u8	alert;		/* WARD_ALERT_* */
	__u8	icmp_type;
	__u8	icmp_code;
	__be16	sport;
	__be16	dport;
	__u32	count;		/* port scan: distinct ports seen; rate limit: the rate */
	__be32	src[4];
	__be32	dst[4];
	__be32	nat_addr;	/* WARD_EV_NAT_*: the translated address ... */
	__be16	nat_port;	/* ... and port (ICMP echo: identifier) */
	__u8	nat;		/* WARD_EV_NAT_SRC or _DST, 0: not translated */
	__u8	pad2;
};
_Static_assert(sizeof(struct ward_event) == 72, "ward_event is ABI");

#define WARD_EV_NAT_SRC		1	/* source.nat.* */
#define WARD_EV_NAT_DST		2	/* destination.nat.* */

/* Port scan tracking: one entry per source. */
struct ward_scan_key {
	__be32	src[4];
	__u32	family;
};
_Static_assert(sizeof(struct ward_scan_key) == 20, "ward_scan_key is ABI");

struct ward_scan_val {
	__u64	window_start;	/* CLOCK_MONOTONIC ns */
	__u64	ports[4];	/* 256-bit set of hashed destination ports */
	__u32	count;		/* bits set in this window */
	__u32	alerted;	/* alert sent for this window */
};
_Static_assert(sizeof(struct ward_scan_val) == 48, "ward_scan_val is ABI");

/*
 * NAT (IPv4). The rules of a policy slot sit in ward_nat_policy[slot], in
 * config order; a flow's translation is decided by its first packet and
 * kept as two ward_nat entries, like Linux's two conntrack tuple hashes:
 * one under the flow's key in ward_ct (its original tuple, as it came in),
 * one under the key of the translated tuple (what the replies carry). See
 * docs/nat.md.
 */
#define WARD_NAT_MAX_RULES	32
#define WARD_NAT_MASQ		1	/* source -> the out link's address */
#define WARD_NAT_SNAT		2	/* source -> a fixed address */
#define WARD_NAT_DNAT		3	/* port forward: destination -> a server */

struct ward_nat_rule {
	__u8	kind;		/* WARD_NAT_* */
	__u8	proto;		/* DNAT: IPPROTO_TCP or IPPROTO_UDP */
	__u8	zone;		/* out: (SNAT) or in: (DNAT) zone id, 0: by name */
	__u8	pad;
	__u16	if_id;		/* interface name id when not a zone */
	__be16	port;		/* DNAT: the port it listens on */
	__be32	from;		/* SNAT: the source prefix */
	__be32	from_mask;
	__be32	to;		/* SNAT: the address; DNAT: the server */
	__u16	port_lo;	/* SNAT: ports to use (host order); DNAT: */
	__u16	port_hi;	/* the server's port in port_lo */
};
_Static_assert(sizeof(struct ward_nat_rule) == 24, "ward_nat_rule is ABI");

struct ward_nat_policy {
	__u32	n_rules;
	__u32	pad;
	struct ward_nat_rule rules[WARD_NAT_MAX_RULES];
};
_Static_assert(sizeof(struct ward_nat_policy) == 8 + 24 * WARD_NAT_MAX_RULES,
	       "ward_nat_policy is ABI");

/*
 * One side of a binding. A packet of the original direction goes
 * orig_src:orig_sport -> orig_dst:orig_dport in and new_src:new_sport ->
 * new_dst:new_dport out; a reply the other way round. ICMP echo: the
 * identifier in both ports of each side.
 */
struct ward_nat_val {
	struct ward_ct_key other;	/* the other entry: dir 0's is the reply key,
					 * dir 1's the flow's key in ward_ct */
	__be32	orig_src;
	__be32	orig_dst;
	__be32	new_src;
	__be32	new_dst;
	__be16	orig_sport;
	__be16	orig_dport;
	__be16	new_sport;
	__be16	new_dport;
	__u8	dir;		/* 0: keyed by the original tuple, 1: by the reply's */
	__u8	pad[7];
};
_Static_assert(sizeof(struct ward_nat_val) == 72, "ward_nat_val is ABI");

#define WARD_NAT_DEFAULT_MAX	(2 * WARD_CT_DEFAULT_MAX)

/* Userspace's share of flow deletions (the sweeper), for the flow count. */
struct ward_ct_gc {
	__u64	deleted;
};

/*
 * wardctl trace: the input and output of bpf/trace.bpf.c, carried in its
 * test run's packet data (BPF_PROG_TEST_RUN): a flow as the parser would
 * have made it, and what the live policy says about it.
 */
struct ward_trace {
	__be32	src[4];
	__be32	dst[4];
	__be16	sport;
	__be16	dport;		/* ICMP: the type, where the classifier reads it */
	__u8	family;		/* WARD_FAM_* */
	__u8	proto;
	__u8	icmp_type;
	__u8	l4;		/* 1: ports (or the ICMP type) are there */
	__u32	ifindex;	/* ingress link (0: none): its ward_ifaces entry ... */
	__u16	in_if;		/* ... or, without one, these */
	__u8	in_zone;
	__u8	pad;
	/* Out */
	__u64	generation;	/* of the policy that answered */
	__u32	stat;		/* the deciding rule's stat (name) index; WARD_STAT_DEFAULT */
	__u8	matched;	/* 1: a rule, 0: the default policy */
	__u8	action;		/* WARD_ACT_* */
	__u8	flags;		/* WARD_RF_*, the policy's own folded in */
	__u8	status;		/* WARD_TRACE_* */
	__u32	rate;		/* the rule's rate: (new flows a second per source); 0: none */
	__u32	pad2;
	__be32	nat_addr;	/* a port forward: the server the flow goes to ... */
	__be16	nat_port;	/* ... and its port (the rules decided that) */
	__u8	nat;		/* WARD_NAT_DNAT when a port forward applies, else 0 */
	__u8	snat;		/* WARD_NAT_MASQ or WARD_NAT_SNAT: the source rule of ... */
	__u32	out_ifindex;	/* ... the link the route leaves by, */
	__be32	snat_addr;	/* the source address it gives the flow */
	__u16	snat_port_lo;	/* and its port range (host order) */
	__u16	snat_port_hi;
	__u32	pad4;
	/* The dry-run rules that matched before the deciding rule, lowest
	 * first: what a first packet of the flow counts and logs for them. */
	__u32	dry_stat[WARD_DRY_MATCH_MAX];	/* stat (name) indices */
	__u8	dry_action[WARD_DRY_MATCH_MAX];	/* WARD_ACT_* */
	__u8	n_dry;
	__u8	pad5[3];
};
_Static_assert(sizeof(struct ward_trace) == 120, "ward_trace is ABI");

#define WARD_TRACE_OK		0
#define WARD_TRACE_NO_POLICY	1	/* no live policy: the data plane drops */
#define WARD_TRACE_ND		2	/* IPv6 neighbour discovery: passes before the rules */

/*
 * FQDN rules (docs/fqdn.md). Userspace writes the names of every set into
 * ward_fqdn_pats; the data plane parses DNS answers from the configured
 * resolvers to queries it saw go out, and writes each A/AAAA address of an
 * answer whose question matches into ward_fqdn_addrs, under every set the
 * question matches. A tuple with fqdn set looks the destination up there
 * and then matches the set id in place of the destination address.
 */
#define WARD_FQDN_SETS		64	/* sets are bits of a pattern's bitmaps */
#define WARD_FQDN_NAME_MAX	256	/* wire-format name, root label included */
#define WARD_FQDN_ADDRS		65536	/* learned addresses, all sets */
#define WARD_FQDN_PATS		16384	/* names and suffixes, all sets */
#define WARD_FQDN_RESOLVERS	64
#define WARD_FQDN_QUERIES	16384	/* queries in flight */
#define WARD_FQDN_TTL_MAX	86400	/* longer TTLs are cut to this (seconds) */
#define WARD_FQDN_SET_NAME_MAX	64

/*
 * ward_fqdn_pats: keyed by the 64-bit FNV-1a hash of the lowercased
 * wire-format name, taken over its bytes in reverse order (so the data
 * plane gets the hash of every suffix of a question in one pass).
 */
struct ward_fqdn_pat {
	__u64	exact;		/* sets that hold the name itself */
	__u64	wild;		/* sets that hold "*." the name */
	__u16	len;		/* wire bytes in name */
	__u8	pad[6];
	__u8	name[WARD_FQDN_NAME_MAX];	/* zero-padded: compared in full */
};
_Static_assert(sizeof(struct ward_fqdn_pat) == 280, "ward_fqdn_pat is ABI");

struct ward_fqdn_addr_key {
	__u8	set;		/* set id, 0..WARD_FQDN_SETS-1 */
	__u8	family;		/* WARD_FAM_* */
	__u16	pad;
	__be32	addr[4];	/* IPv4 in addr[0] */
};
_Static_assert(sizeof(struct ward_fqdn_addr_key) == 20, "ward_fqdn_addr_key is ABI");

struct ward_fqdn_addr_val {
	__u64	expires;	/* CLOCK_MONOTONIC(_COARSE) ns: TTL + grace */
	__u32	ttl;		/* as the answer said (capped) */
	__u32	pad;
};
_Static_assert(sizeof(struct ward_fqdn_addr_val) == 16, "ward_fqdn_addr_val is ABI");

struct ward_fqdn_resolver {
	__u32	family;
	__be32	addr[4];
};
_Static_assert(sizeof(struct ward_fqdn_resolver) == 20, "ward_fqdn_resolver is ABI");

/* A query ward saw go out; the answer must match it (and consumes it). */
struct ward_fqdn_query {
	__be32	client[4];
	__be32	resolver[4];
	__be16	port;		/* client port */
	__u16	id;		/* DNS id, as on the wire */
	__u8	family;
	__u8	proto;		/* UDP or TCP */
	__u16	pad;
};
_Static_assert(sizeof(struct ward_fqdn_query) == 40, "ward_fqdn_query is ABI");

/* ward_fqdn_queries' value: where the query was seen, so that its answer
 * can be refused on the link a forger would send it on (docs/fqdn.md). */
struct ward_fqdn_query_val {
	__u64	ts_ns;
	__u32	ifindex;	/* link the query came in on; a local query: the link it left by */
	__u32	local;		/* 1: the host's own query (tc egress, no ingress link) */
};
_Static_assert(sizeof(struct ward_fqdn_query_val) == 16, "ward_fqdn_query_val is ABI");

/* ward_fqdn_conf[0] */
struct ward_fqdn_conf {
	__u32	enabled;	/* some resolver configured: look at DNS at all */
	__u32	grace;		/* seconds an address outlives its TTL */
};
_Static_assert(sizeof(struct ward_fqdn_conf) == 8, "ward_fqdn_conf is ABI");

/* ward_fqdn_sets[id]: which set an id stands for, so that ids (and the
 * addresses learned under them) survive reloads and restarts. */
struct ward_fqdn_set_name {
	char	name[WARD_FQDN_SET_NAME_MAX];	/* empty: free */
	__u64	digest;		/* of its names: a change drops its addresses */
};
_Static_assert(sizeof(struct ward_fqdn_set_name) == 72, "ward_fqdn_set_name is ABI");

/* WARD_EV_FQDN: what an answer taught, for the flow log only. */
#define WARD_EV_FQDN		3
#define WARD_FQDN_EV_ADDRS	8

struct ward_fqdn_event {
	__u64	ts_ns;
	__u8	type;		/* WARD_EV_FQDN */
	__u8	family;		/* of the client */
	__u8	proto;		/* the answer came over UDP or TCP */
	__u8	n_addrs;	/* in addrs[] */
	__u32	learned;	/* addresses the answer taught, all of them */
	__u64	sets;		/* bitmap of set ids */
	__u32	ttl;		/* lowest TTL of them, seconds */
	__u32	ifindex;
	__be32	client[4];
	__be32	resolver[4];
	struct {
		__be32	addr[4];
		__u32	family;
	} addrs[WARD_FQDN_EV_ADDRS];
	__u8	qname[WARD_FQDN_NAME_MAX];	/* wire format, lowercased */
};
_Static_assert(sizeof(struct ward_fqdn_event) == 64 + 20 * 8 + 256, "ward_fqdn_event is ABI");

#endif /* WARD_ABI_H */
