/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/path.h: the decision stages after parsing: flow lookup, TCP
 * tracking, classification, flow creation. Only bpf/path.bpf.c includes it;
 * it turns them into the two global functions the entry points call.
 *
 * Ingress: known flow -> track and pass; else classify, and on accept open
 * the flow. Egress (tc) tracks the host's own traffic so that its replies
 * come back in, and never drops.
 */
#ifndef WARD_BPF_PATH_H
#define WARD_BPF_PATH_H

#include "maps.h"
#include "parse.h"
#include "counters.h"
#include "classify.h"
#include "dryrun.h"
#include "conntrack.h"
#include "ct_pressure.h"
#include "frag.h"
#include "events.h"
#include "nat.h"
#include "ratelimit.h"
#include "l4csum.h"

#define E2BIG_		7
#define ENOMEM_		12

/* Raw bytes for the flow value: a bpf_spin_lock may not sit in a per-CPU
 * map's value type (the kernel then refuses the map's BTF). */
struct scratch {
	__u8	ct[sizeof(struct ward_ct_val)] __attribute__((aligned(8)));
	struct packet p;
};

/* Room off the 512-byte stack for a new flow's value and a re-check's
 * packet; per-CPU, and softirq does not nest on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} ward_scratch SEC(".maps");

/* The live policy: what every stage of one packet reads. */
struct live {
	struct ward_policy_hdr *hdr;
	__u32	slot;
};

static __always_inline int live_policy(struct live *lv)
{
	__u32 zero = 0;
	struct ward_state *state = bpf_map_lookup_elem(&ward_state, &zero);

	if (!state)
		return -1;
	lv->slot = state->active_slot & 1;
	lv->hdr = bpf_map_lookup_elem(&ward_policy, &lv->slot);
	return lv->hdr ? 0 : -1;
}

/* What the rules say about a packet. */
struct decision {
	__u8	action;
	__u8	flags;
	__u32	rule;	/* the deciding rule's index; WARD_NO_RULE: the policy */
	__u32	stat;
	__u32	reason;
	__u32	rate;	/* the rule's rate:, 0: none */
};

static __always_inline int decide(struct live *lv, struct packet *p, struct ward_iface *ifc,
				  struct decision *d)
{
	struct ward_rule *rule;
	__u32 idx = classify(lv->hdr, lv->slot, p, ifc);

	d->rule = idx;
	if (idx == WARD_NO_RULE) {
		d->action = lv->hdr->default_action;
		d->flags = lv->hdr->flags;
		d->stat = WARD_STAT_DEFAULT;
		d->reason = WARD_CNT_DROP_POLICY;
		d->rate = 0;
		return 0;
	}
	idx += lv->slot * WARD_MAX_RULES;
	rule = bpf_map_lookup_elem(&ward_rules, &idx);
	if (!rule)
		return -1;
	d->action = rule->action;
	d->flags = rule->flags | lv->hdr->flags;
	d->stat = rule->stat;
	d->reason = WARD_CNT_DROP_RULE;
	d->rate = rule->rate;
	return 0;
}

/* The flow log's word for a decision. */
static __always_inline __u8 decision_event(const struct decision *d)
{
	bool dry = d->flags & WARD_RF_DRY_RUN;

	if (d->action == WARD_ACT_ACCEPT)
		return WARD_EVA_ACCEPT;
	if (d->action == WARD_ACT_REJECT)
		return dry ? WARD_EVA_WOULD_REJECT : WARD_EVA_REJECT;
	return dry ? WARD_EVA_WOULD_DROP : WARD_EVA_DROP;
}

/* Passes the packet, or would: in global dry-run, drops count as
 * would_drop. (A dry-run rule never decides: see dryrun.h.) */
static __always_inline bool admitted(const struct decision *d)
{
	return d->action == WARD_ACT_ACCEPT || (d->flags & WARD_RF_DRY_RUN);
}

/*
 * A first packet's dry-run rules: those it matched before the rule that
 * decided it each count the packet and log what they would have done
 * (rate-limited per rule, as every flow log record), under the same
 * defaults.log as a decision: would-accept only with log: all or the
 * rule's own log: true.
 */
static __always_inline void dry_run_count(struct live *lv, struct packet *p,
					  struct ward_iface *ifc, __u32 bound, __u32 ifindex,
					  __u32 len, __u64 now)
{
	struct ward_rule *rule;
	struct dry_match *m;
	__u32 i;
	__u8 ev;

	m = dry_classify(lv->hdr, lv->slot, p, ifc, bound);
	for (i = 0; m && i < WARD_DRY_MATCH_MAX && i < m->n; i++) {
		rule = dry_rule(m, i, lv->slot);
		if (!rule)
			continue;
		count_rule(rule->stat, len);
		ev = dry_event(rule->action);
		if ((rule->flags & WARD_RF_LOG) || lv->hdr->log_mode == WARD_LOG_ALL ||
		    (lv->hdr->log_mode == WARD_LOG_DROPS && ev != WARD_EVA_WOULD_ACCEPT))
			log_flow(p, ifindex, rule->stat, ev, 0, lv->hdr->log_rate, now);
	}
}

/*
 * Flows revoked by a policy change. The host end is still connected and its
 * next packet would open a local flow at egress, letting the peer back in
 * without a rule: a revoked key opens nothing at egress for tcp_close
 * seconds, but for a SYN (a real new connection of this host).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ward_ct_key);
	__type(value, __u64);
} ward_ct_revoked SEC(".maps");

static __always_inline void ct_revoked_remember(struct ward_ct_key *k, __u64 now,
						const struct ward_policy_hdr *hdr)
{
	__u64 until = now + (__u64)hdr->ct_timeout[WARD_CT_TO_TCP_CLOSE] * NSEC_PER_SEC;

	bpf_map_update_elem(&ward_ct_revoked, k, &until, BPF_ANY);
}

static __always_inline bool ct_revoked(struct ward_ct_key *k, __u64 now)
{
	__u64 *until = bpf_map_lookup_elem(&ward_ct_revoked, k);

	return until && *until > now;
}

/* Can this packet open a flow? TCP: a SYN, or a bare ACK (picked up
 * mid-stream, as Linux's nf_conntrack_tcp_loose does). ICMP: a request. */
static __always_inline bool ct_can_open(const struct packet *p)
{
	if (p->proto == IPPROTO_TCP_) {
		__u8 f = p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN);

		return f == TCPF_SYN || f == TCPF_ACK;
	}
	if (p->proto == IPPROTO_ICMP_ || p->proto == IPPROTO_ICMPV6_)
		return icmp_is_echo_request(p);
	return true;
}

/* Defined in bpf/path.bpf.c: tcp_precheck() below, one per hook. Global
 * functions, so that their stack is not the decision's. */
extern int ward_tcp_precheck_xdp(struct xdp_md *ctx, struct packet *p, int noflow);
extern int ward_tcp_precheck_tc(struct __sk_buff *ctx, struct packet *p, int noflow);

/*
 * What a TCP segment must pass before it may meet its flow or the rules:
 * flags a segment may carry, in any state (nf_conntrack's tcp_error); with
 * no flow, only a SYN starts a connection and a bare ACK picks one up (a
 * FIN, RST or SYN-ACK has nothing to belong to); and the checksum of every
 * segment that may open a flow or change its state (SYN, FIN, RST, no flow
 * yet). Returns 0, or the drop reason.
 */
static __always_inline int tcp_precheck(void *ctx, struct packet *p, bool noflow, bool xdp)
{
	if (!tcp_flags_valid(p->tcp_flags) || (noflow && !ct_can_open(p)))
		return WARD_CNT_DROP_TCP_INVALID;
	if ((noflow || (p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST))) &&
	    l4_csum_check(ctx, p, xdp))
		return WARD_CNT_DROP_BAD_CHECKSUM;
	return 0;
}

/*
 * An ICMP error about a known flow: its quoted packet belongs to the flow,
 * and the error travels back to that packet's sender (RFC 1122 3.2.2), as
 * nf_conntrack checks it. For this host's own flows (LOCAL), only what the
 * host sent can come back as an error at ingress: an error about a packet
 * the peer sent to the host would be the host's to send. Knowing a live
 * flow's tuple is then not enough to aim errors at any inside address.
 */
static __always_inline bool ct_related(const struct packet *p)
{
	struct ward_ct_key k;
	struct ward_ct_val *v;
	__u8 from;

	if (!p->inner.ok)
		return false;
	if (p->dst[0] != p->inner.src[0] || p->dst[1] != p->inner.src[1] ||
	    p->dst[2] != p->inner.src[2] || p->dst[3] != p->inner.src[3])
		return false;
	ct_key_fill(&k, p->family, p->inner.proto, p->inner.src, p->inner.dst,
		    p->inner.sport, p->inner.dport, &from);
	v = bpf_map_lookup_elem(&ward_ct, &k);
	if (!v)
		return false;
	return !(v->flags & WARD_CTF_LOCAL) || from == v->orig;
}

/*
 * A flow admitted under an older policy: decide its first packet again
 * under the live one, so that removing an accept rule cuts flows too.
 */
static __always_inline bool ct_recheck(struct live *lv, struct ward_ct_key *k,
				       struct ward_ct_val *v)
{
	struct ward_iface ifc = { .in_if = v->in_if, .in_zone = v->in_zone };
	struct decision d;
	struct scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&ward_scratch, &zero);
	if (!sc)
		return false;
	struct packet *pk = &sc->p;

	__builtin_memset(pk, 0, sizeof(*pk));
	pk->recheck = 1;
	pk->family = k->family;
	pk->proto = k->proto;
	pk->l4 = 1;
	/* Branches, not k->addr[v->orig]: clang turns the index into an OR
	 * on the stack pointer, which the verifier refuses (clang 14). */
	if (v->orig) {
		__builtin_memcpy(pk->src, k->addr[1], 16);
		__builtin_memcpy(pk->dst, k->addr[0], 16);
		pk->sport = k->port[1];
		pk->dport = k->port[0];
	} else {
		__builtin_memcpy(pk->src, k->addr[0], 16);
		__builtin_memcpy(pk->dst, k->addr[1], 16);
		pk->sport = k->port[0];
		pk->dport = k->port[1];
	}
	if (pk->proto == IPPROTO_ICMP_ || pk->proto == IPPROTO_ICMPV6_) {
		pk->icmp_type = v->icmp_type;
		pk->sport = 0;
		pk->dport = bpf_htons(v->icmp_type);
	}
	if (v->flags & WARD_CTF_NAT)
		nat_recheck(k, pk);
	if (decide(lv, pk, &ifc, &d) || !admitted(&d))
		return false;
	v->stat = d.stat;
	v->generation = lv->hdr->generation;
	if (d.action == WARD_ACT_ACCEPT)
		v->flags &= ~WARD_CTF_DRY_RUN;
	else
		v->flags |= WARD_CTF_DRY_RUN;
	return true;
}

/* Defined in bpf/path.bpf.c: ct_early_drop() as a global function, verified
 * once rather than at each of ct_open's inlined call sites. */
extern int ward_ct_early_drop(void);

/* Creates the flow of an admitted first packet. A full table makes room
 * by early drop (ct_pressure.h); returns -E2BIG when none could be made,
 * 0 otherwise (a flow made meanwhile by another CPU is fine). */
static __always_inline int ct_open(struct live *lv, struct ward_ct_key *k, __u8 from,
				   struct packet *p, struct ward_iface *ifc,
				   const struct decision *d, __u8 flags, __u64 now, __u32 len)
{
	struct scratch *sc;
	struct ward_ct_val *vp;
	__u32 zero = 0;
	int err;

	sc = bpf_map_lookup_elem(&ward_scratch, &zero);
	if (!sc)
		return 0;
	vp = (struct ward_ct_val *)sc->ct;
	__builtin_memset(vp, 0, sizeof(*vp));
	vp->orig = from;
	vp->flags = flags;
	vp->icmp_type = p->icmp_type;
	vp->in_if = ifc->in_if;
	vp->in_zone = ifc->in_zone;
	vp->stat = d->stat;
	vp->generation = lv->hdr->generation;
	vp->created = now;
	vp->last_seen = now;
	vp->packets[0] = 1;
	vp->bytes[0] = len;
	if (d->action != WARD_ACT_ACCEPT)
		vp->flags |= WARD_CTF_DRY_RUN;
	if (p->proto == IPPROTO_TCP_)
		tcp_init_orig(vp, p, from);
	err = bpf_map_update_elem(&ward_ct, k, vp, BPF_NOEXIST);
	if ((err == -E2BIG_ || err == -ENOMEM_) && ward_ct_early_drop())
		err = bpf_map_update_elem(&ward_ct, k, vp, BPF_NOEXIST);
	if (err == -E2BIG_ || err == -ENOMEM_)
		return -E2BIG_;
	if (!err) {
		count(WARD_CNT_CT_NEW);
		ct_fifo_push(k, now);
	}
	return 0;
}

/* Result of a packet of a known flow: pass, drop, or decide it as new. */
#define CT_PASS		0
#define CT_DROP		1
#define CT_NEW		2

/* A packet of the flow went through: stamp and count it. May run under the
 * flow's lock (no helpers): true when this packet made the flow answered
 * (WARD_CTF_ASSURED), for the caller to count. */
static __always_inline bool ct_stamp(struct ward_ct_val *v, __u8 dir, __u64 now, __u32 len,
				     bool tcp)
{
	v->last_seen = now;
	if (dir) {
		v->flags |= WARD_CTF_REPLIED;
		v->packets[1]++;
		v->bytes[1] += len;
	} else {
		v->packets[0]++;
		v->bytes[0] += len;
	}
	/* One flag test for an answered flow. TCP: a SYN-ACK is no answer
	 * until the handshake completes (as nf_conntrack's ASSURED), or a SYN
	 * flood whose SYN-ACKs the server sends would hold the table. */
	if (v->flags & WARD_CTF_ASSURED || !(v->flags & WARD_CTF_REPLIED) ||
	    (tcp && (v->state < WARD_TCP_ESTABLISHED || v->state == WARD_TCP_CLOSE)))
		return false;
	v->flags |= WARD_CTF_ASSURED;
	return true;
}

static __always_inline int ct_follow(struct ward_ct_val *v, struct packet *p, __u8 from,
				     __u64 now, __u32 len, __u32 *reason)
{
	__u8 dir = from == v->orig ? 0 : 1;
	bool answered = false;
	int r = TCP_OK;

	/* TCP tracking reads and moves both sides' windows: under the flow's
	 * lock. Other flows only stamp and count; unlocking re-enables
	 * interrupts, which costs ~12 ns on this kind of guest, so they go
	 * without (a rare lost increment of a flow's own packet count). */
	if (p->proto == IPPROTO_TCP_) {
		bpf_spin_lock(&v->lock);
		r = tcp_track(v, p, from);
		if (r == TCP_OK)
			answered = ct_stamp(v, dir, now, len, true);
		bpf_spin_unlock(&v->lock);
	} else {
		answered = ct_stamp(v, dir, now, len, false);
		/* As Linux: a query and its answer are not a stream; a flow
		 * still exchanging 2 s after it began is. */
		if ((v->flags & WARD_CTF_REPLIED) && now > v->created + WARD_UDP_STREAM_NS)
			v->flags |= WARD_CTF_STREAM;
	}
	if (answered)
		count(WARD_CNT_CT_ANSWERED);

	switch (r) {
	case TCP_OK:
		return CT_PASS;
	case TCP_IGNORED:
		/* Not stamped either: a SYN nobody answers must not keep
		 * the old flow alive. */
		count(WARD_CNT_TCP_IGNORED);
		return CT_PASS;
	case TCP_RST_INEXACT:
		/* The endpoint answers it with a challenge ACK (RFC 5961). */
		count(WARD_CNT_RST_INEXACT);
		return CT_PASS;
	case TCP_REOPEN:
		return CT_NEW;
	case TCP_OUT_OF_WINDOW:
		*reason = WARD_CNT_DROP_TCP_WINDOW;
		return CT_DROP;
	default:
		*reason = WARD_CNT_DROP_TCP_INVALID;
		return CT_DROP;
	}
}

static __always_inline int path_ingress(void *ctx, struct packet *p, __u32 pkt_len, __u32 ifindex,
					bool xdp)
{
	struct ward_iface no_iface = {};
	struct ward_iface_key ik = { .ifindex = ifindex };
	struct ward_ct_key key;
	struct ward_ct_val *v = NULL;
	struct ward_iface *ifc;
	struct decision d;
	struct live lv;
	__u32 reason;
	__u64 now;
	__u8 from = 0, ev;
	struct xlate *xl;
	bool track;
	int ret, nat = 0;

	/* Fail closed: with no state or policy there is nothing to allow. */
	if (live_policy(&lv))
		return drop(WARD_CNT_DROP_INTERNAL);
	/* The coarse clock (a tick's resolution) is plenty for timeouts and
	 * costs a fraction of a kvm-clock read (~20 ns on this machine). */
	now = bpf_ktime_get_coarse_ns();
	xl = nat_begin(p);
	if (!xl)
		return drop(WARD_CNT_DROP_INTERNAL);

	/* A later fragment of a datagram seen here: settled by entry.h
	 * (frag_follow); the rest are decided on addresses and protocol. */
	if ((p->proto == IPPROTO_ICMP_ || p->proto == IPPROTO_ICMPV6_) && p->l4 &&
	    icmp_is_error(p)) {
		if (nat_related(p, xl) || ct_related(p)) {
			count(WARD_CNT_CT_RELATED);
			return nat_out(ctx, p, xl, ifindex, xdp, false);
		}
		count(WARD_CNT_ICMP_ORPHAN);
	}

	track = ct_trackable(p);
	if (track) {
		ct_key_of(p, &key, &from);
		v = bpf_map_lookup_elem(&ward_ct, &key);
		if (!v) {
			ret = nat_reply(p, xl, &key, &from);
			if (ret < 0)
				return drop(WARD_CNT_DROP_NAT_INVALID);
			if (ret)
				v = bpf_map_lookup_elem(&ward_ct, &key);
		}
		if (v && ct_gone(lv.hdr, &key, v, p->proto, now)) {
			count(WARD_CNT_CT_EXPIRED);
			v = NULL;
		}
		/* A reply to a binding whose flow is gone: no one to send it to. */
		if (!v && (xl->flags & XL_REPLY))
			return drop(WARD_CNT_DROP_NAT_STALE);
		if (p->proto == IPPROTO_TCP_) {
			ret = xdp ? ward_tcp_precheck_xdp(ctx, p, !v) :
				    ward_tcp_precheck_tc(ctx, p, !v);
			/* Global dry-run passes what no flow would have let in,
			 * as it passes what the rules would drop. */
			if (ret && !v && (lv.hdr->flags & WARD_RF_DRY_RUN)) {
				count(WARD_CNT_WOULD_DROP);
				return WARD_PASS;
			}
			if (ret)
				return drop(ret);
		}
	}
	if (v) {
		if (v->generation != lv.hdr->generation && !(v->flags & WARD_CTF_LOCAL) &&
		    !ct_recheck(&lv, &key, v)) {
			ct_revoked_remember(&key, now, lv.hdr);
			ct_remove_flow(&key, v);
			return drop(WARD_CNT_DROP_REVOKED);
		}
		ret = ct_follow(v, p, from, now, pkt_len, &reason);
		if (ret == CT_DROP)
			return drop(reason);
		if (ret == CT_PASS) {
			if (!nat_follow(v, &key, p, from, xl))
				return drop(WARD_CNT_DROP_NAT_STALE);
			if (p->first_frag)
				frag_remember(p, now);
			if (!(v->flags & WARD_CTF_LOCAL))
				count_rule(v->stat, pkt_len);
			count(v->flags & WARD_CTF_DRY_RUN ? WARD_CNT_WOULD_DROP :
			      WARD_CNT_CT_ESTABLISHED);
			return nat_out(ctx, p, xl, ifindex, xdp, false);
		}
		if (xl->flags & XL_REPLY)
			return drop(WARD_CNT_DROP_NAT_STALE);
		/* A SYN reopening a closed flow: a new flow, decided anew. */
		ct_remove_flow(&key, v);
	}

	/* A new flow (or a packet that has none): the rules decide. */
	ik.slot = lv.slot;
	ifc = bpf_map_lookup_elem(&ward_ifaces, &ik);
	if (!ifc)
		ifc = &no_iface;
	nat_dnat(lv.slot, p, ifc, xl);
	if (decide(&lv, p, ifc, &d))
		return drop(WARD_CNT_DROP_INTERNAL);
	/* The one test a policy without dry-run rules pays for them. */
	if (lv.hdr->n_dry_tuples)
		dry_run_count(&lv, p, ifc, d.rule, ifindex, pkt_len, now);
	/* Over the rule's rate for its source: a drop, whatever the action
	 * (in dry-run, a would-drop). */
	if (d.rate && rate_over(p, d.stat, d.rate, ifindex, now)) {
		d.action = WARD_ACT_DROP;
		d.reason = WARD_CNT_DROP_RATE_LIMIT;
	}
	count_rule(d.stat, pkt_len);
	if (p->proto == IPPROTO_TCP_ && (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		count(WARD_CNT_SYN_NEW);
	scan_track(p, ifindex, lv.hdr, now);
	if (admitted(&d) && track && ct_can_open(p)) {
		nat = ward_nat_bind(p, &key, lv.slot, nat_bind_route(ctx, xdp, p, ifindex));
		if (nat < 0) {
			d.action = WARD_ACT_DROP;
			d.flags &= ~WARD_RF_DRY_RUN;
			d.reason = nat == NAT_ERR_ROUTE ? WARD_CNT_DROP_NAT_NO_ROUTE :
				   WARD_CNT_DROP_NAT_EXHAUSTED;
		}
	}
	/* Port-forwarded, but no binding (a FIN, an RST, a SYN|ACK: it cannot
	 * open a flow): nothing to translate it or its replies by. */
	if (admitted(&d) && (xl->flags & XL_DADDR) && nat != WARD_CTF_NAT) {
		d.action = WARD_ACT_DROP;
		d.flags &= ~WARD_RF_DRY_RUN;
		d.reason = WARD_CNT_DROP_NAT_INVALID;
	}
	ev = decision_event(&d);
	if ((d.flags & WARD_RF_LOG) || lv.hdr->log_mode == WARD_LOG_ALL ||
	    (lv.hdr->log_mode == WARD_LOG_DROPS && ev != WARD_EVA_ACCEPT))
		log_flow(p, ifindex, d.stat, ev,
			 ev == WARD_EVA_DROP || ev == WARD_EVA_REJECT ? d.reason : 0,
			 lv.hdr->log_rate, now);
	/* A reject is a drop (one reason, like any drop); the entry point
	 * then answers it, or not (reject_* counters). */
	if (!admitted(&d)) {
		if (d.action != WARD_ACT_REJECT)
			return drop(d.reason);
		nat_dnat_undo(p, xl);
		return reject(d.reason);
	}

	if (track && ct_can_open(p) && !(xl->flags & XL_NOFLOW) &&
	    ct_open(&lv, &key, from, p, ifc, &d, nat, now, pkt_len))
		return drop(WARD_CNT_DROP_CT_FULL);
	if (p->first_frag)
		frag_remember(p, now);
	count(d.action == WARD_ACT_ACCEPT ? WARD_CNT_ACCEPT :
	      d.action == WARD_ACT_REJECT ? WARD_CNT_WOULD_REJECT : WARD_CNT_WOULD_DROP);
	return nat_out(ctx, p, xl, ifindex, xdp, true);
}

/*
 * Egress: the host's own traffic (and traffic forwarded from links ward is
 * not on) opens flows here, so that the replies pass ingress. Never drops:
 * there are no outbound rules yet. Packets forwarded from a link ward is
 * on were tracked at that link's ingress already.
 */
static __always_inline int path_egress(struct packet *p, __u32 pkt_len, __u32 in_ifindex)
{
	struct ward_ct_key key;
	struct ward_ct_val *v;
	struct decision d = { .action = WARD_ACT_ACCEPT };
	struct ward_iface no_iface = {};
	struct live lv;
	__u32 reason;
	__u64 now;
	__u8 from;

	/* Not trackable: the gateway's own ICMP errors, NAT's business only. */
	if (!in_ifindex && p->family == WARD_FAM_V4 && p->proto == IPPROTO_ICMP_ && p->l4 &&
	    icmp_is_error(p))
		return nat_egress_error(p);
	if (!ct_trackable(p))
		return WARD_PASS;
	if (live_policy(&lv))
		return WARD_PASS;
	if (in_ifindex) {
		struct ward_iface_key ik = { .ifindex = in_ifindex, .slot = lv.slot };

		if (bpf_map_lookup_elem(&ward_ifaces, &ik))
			return nat_egress(p);
	}
	now = bpf_ktime_get_coarse_ns();
	ct_key_of(p, &key, &from);
	v = bpf_map_lookup_elem(&ward_ct, &key);
	if (v && ct_gone(lv.hdr, &key, v, p->proto, now))
		v = NULL;
	if (v) {
		if (ct_follow(v, p, from, now, pkt_len, &reason) != CT_NEW) {
			if (!(v->flags & WARD_CTF_LOCAL))
				count_rule(v->stat, pkt_len);
			return WARD_PASS;
		}
		ct_remove_flow(&key, v);
	}
	/* Only a new connection of this host may follow a revoked flow. */
	if (ct_can_open(p) && !(ct_revoked(&key, now) &&
				!(p->proto == IPPROTO_TCP_ && (p->tcp_flags & TCPF_SYN))))
		ct_open(&lv, &key, from, p, &no_iface, &d, WARD_CTF_LOCAL, now, pkt_len);
	return WARD_PASS;
}

#endif /* WARD_BPF_PATH_H */
