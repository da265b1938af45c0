/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/conntrack.h: flows, and TCP tracked the way Linux's
 * nf_conntrack_proto_tcp and van Rooij's "Real Stateful TCP Packet
 * Filtering" do it: a state machine plus, for each side, the window of
 * sequence numbers it may send in. BPF-only; include after maps.h/parse.h.
 *
 * Concurrency: both directions of a flow may be handled on different CPUs at
 * once, so TCP tracking (and a TCP flow's counters) runs under the flow's
 * bpf_spin_lock; nothing inside the lock calls a helper. Other flows only
 * stamp and count, without the lock (see ct_follow in path.h).
 */
#ifndef WARD_BPF_CONNTRACK_H
#define WARD_BPF_CONNTRACK_H

#include "maps.h"
#include "parse.h"

#define NSEC_PER_SEC		1000000000ULL

#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_ACK	0x10
#define TCPF_URG	0x20

/* What tcp_track() makes of a segment. */
#define TCP_OK			0
#define TCP_INVALID		1	/* no transition for it: drop */
#define TCP_OUT_OF_WINDOW	2	/* outside the window: drop */
#define TCP_RST_INEXACT		3	/* in-window RST, not the exact seq: pass, keep the flow */
#define TCP_REOPEN		4	/* SYN on a closed flow: a new flow */
#define TCP_IGNORED		5	/* pass, the flow unchanged (Linux's "ignore") */

/*
 * The flag combinations a segment may carry, as Linux's tcp_valid_flags:
 * SYN, SYN|URG, SYN|ACK, RST, RST|ACK, FIN|ACK, FIN|ACK|URG, ACK, ACK|URG
 * (PSH, ECE and CWR aside). SYN+FIN, SYN+RST, FIN+RST, no flags, XMAS, a FIN
 * without ACK are not: no endpoint sends them, scanners and evasion do. A
 * bit map indexed by FIN SYN RST ACK URG (at most 0x37).
 */
#define TCP_FLAGS_MASK		(TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_ACK | TCPF_URG)
#define TCP_VALID_FLAGS		(1ULL << TCPF_SYN | 1ULL << (TCPF_SYN | TCPF_URG) |	\
				 1ULL << (TCPF_SYN | TCPF_ACK) | 1ULL << TCPF_RST |	\
				 1ULL << (TCPF_RST | TCPF_ACK) |			\
				 1ULL << (TCPF_FIN | TCPF_ACK) |			\
				 1ULL << (TCPF_FIN | TCPF_ACK | TCPF_URG) |		\
				 1ULL << TCPF_ACK | 1ULL << (TCPF_ACK | TCPF_URG))

static __always_inline bool tcp_flags_valid(__u8 flags)
{
	return (TCP_VALID_FLAGS >> (flags & TCP_FLAGS_MASK)) & 1;
}

/* Linux's MAXACKWINDOW when a side's window is still unknown. */
#define TCP_MAXACKWIN_DEFAULT	66000

static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline bool seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

static __always_inline bool icmp_is_echo(const struct packet *p)
{
	if (p->proto == IPPROTO_ICMP_)
		return p->icmp_type == 8 || p->icmp_type == 0;
	return p->icmp_type == 128 || p->icmp_type == 129;
}

static __always_inline bool icmp_is_echo_request(const struct packet *p)
{
	return p->icmp_type == (p->proto == IPPROTO_ICMP_ ? 8 : 128);
}

/* ICMP messages that quote the packet they are about. */
static __always_inline bool icmp_is_error(const struct packet *p)
{
	return icmp_type_is_error(p->proto, p->icmp_type);
}

/* Which packets have flows: TCP, UDP, SCTP, and ICMP echo. */
static __always_inline bool ct_trackable(const struct packet *p)
{
	if (!p->l4)
		return false;
	switch (p->proto) {
	case IPPROTO_TCP_:
	case IPPROTO_UDP_:
	case IPPROTO_SCTP_:
		return true;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		return icmp_is_echo(p);
	}
	return false;
}

/* Lexicographic order of (address, port): picks endpoint 0 of a key. */
static __always_inline int ep_cmp(const __be32 *a, __be16 ap, const __be32 *b, __be16 bp)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 x = bpf_ntohl(a[i]), y = bpf_ntohl(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (ap != bp)
		return bpf_ntohs(ap) < bpf_ntohs(bp) ? -1 : 1;
	return 0;
}

/* Key of the flow a packet with these fields belongs to; *from is the
 * endpoint index of its source. */
static __always_inline void ct_key_fill(struct ward_ct_key *k, __u8 family, __u8 proto,
					const __be32 *src, const __be32 *dst,
					__be16 sport, __be16 dport, __u8 *from)
{
	int i;

	k->family = family;
	k->proto = proto;
	k->pad = 0;
	if (ep_cmp(src, sport, dst, dport) <= 0) {
#pragma unroll
		for (i = 0; i < 4; i++) {
			k->addr[0][i] = src[i];
			k->addr[1][i] = dst[i];
		}
		k->port[0] = sport;
		k->port[1] = dport;
		*from = 0;
	} else {
#pragma unroll
		for (i = 0; i < 4; i++) {
			k->addr[0][i] = dst[i];
			k->addr[1][i] = src[i];
		}
		k->port[0] = dport;
		k->port[1] = sport;
		*from = 1;
	}
}

static __always_inline void ct_key_of(const struct packet *p, struct ward_ct_key *k, __u8 *from)
{
	__be16 sport = p->sport, dport = p->dport;

	/* Echo request and reply share the identifier, not the type. */
	if (p->proto == IPPROTO_ICMP_ || p->proto == IPPROTO_ICMPV6_)
		sport = dport = p->icmp_id;
	ct_key_fill(k, p->family, p->proto, p->src, p->dst, sport, dport, from);
}

static __always_inline __u64 ct_timeout_ns(const struct ward_policy_hdr *hdr,
					   const struct ward_ct_val *v, __u8 proto)
{
	return (__u64)hdr->ct_timeout[ward_ct_timeout_idx(proto, v) % WARD_CT_TO_MAX] *
	       NSEC_PER_SEC;
}

/* Another CPU may have stamped the flow after our `now` was read: a
 * last_seen in our future is fresh, not 2^64 ns old. */
static __always_inline bool ct_expired(const struct ward_policy_hdr *hdr,
				       const struct ward_ct_val *v, __u8 proto, __u64 now)
{
	__u64 seen = v->last_seen;

	return seen < now && now - seen > ct_timeout_ns(hdr, v, proto);
}

/* Seq just past a segment: data, plus one each for SYN and FIN. */
static __always_inline __u32 tcp_seg_end(const struct packet *p)
{
	return p->seq + p->payload_len + !!(p->tcp_flags & TCPF_SYN) +
	       !!(p->tcp_flags & TCPF_FIN);
}

/* A new flow's originator side, from its first segment. */
static __always_inline void tcp_init_orig(struct ward_ct_val *v, const struct packet *p, __u8 from)
{
	struct ward_ct_tcp *snd = from ? &v->tcp[1] : &v->tcp[0];
	__u32 end = tcp_seg_end(p);

	snd->td_end = end;
	snd->td_maxwin = p->win ? p->win : 1;
	if (p->tcp_flags & TCPF_SYN) {
		snd->td_maxend = end;
		if (p->wscale != WARD_NO_WSCALE) {
			snd->td_scale = p->wscale;
			snd->flags |= WARD_CT_TCPF_WSCALE;
		}
		v->state = WARD_TCP_SYN_SENT;
	} else {
		/* Picked up mid-stream: the history, window scale included, is
		 * lost, so the window cannot be checked (Linux's be_liberal). */
		snd->td_maxend = end + snd->td_maxwin;
		v->flags |= WARD_CTF_LIBERAL;
		v->state = WARD_TCP_ESTABLISHED;
		if (p->tcp_flags & TCPF_ACK) {
			struct ward_ct_tcp *rcv = from ? &v->tcp[0] : &v->tcp[1];

			rcv->td_end = rcv->td_maxend = p->ack;
		}
	}
}

/* A synchronized flow, or one on its way: a SYN there is not the flow's. */
static __always_inline bool tcp_live(__u8 st)
{
	return st >= WARD_TCP_SYN_RECV && st <= WARD_TCP_LAST_ACK;
}

/*
 * The state machine: the state after this segment, or a TCP_* verdict as a
 * negative. orig: the segment comes from the originator.
 */
static __always_inline int tcp_next_state(struct ward_ct_val *v, __u8 flags, bool orig,
					  __u32 end, struct ward_ct_tcp *snd,
					  struct ward_ct_tcp *rcv)
{
	__u8 st = v->state;

	if ((flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		/* A flow picked up from a stray ACK that nobody answered
		 * never stands in a real connection's way. */
		if (st == WARD_TCP_TIME_WAIT || st == WARD_TCP_CLOSE ||
		    (v->flags & (WARD_CTF_LIBERAL | WARD_CTF_REPLIED)) == WARD_CTF_LIBERAL)
			return -TCP_REOPEN;
		if (orig) {
			if (st == WARD_TCP_SYN_SENT || st == WARD_TCP_SYN_SENT2)
				return st;	/* retransmission */
			/*
			 * A client that lost its connection (crash, reboot, a
			 * NAT that reused the port) connects again from the
			 * same port. Let the SYN reach the server, which
			 * answers with a challenge ACK (RFC 5961 4); the
			 * client's RST to it is exact and closes the flow,
			 * and its next SYN opens the new one. A server that
			 * forgot the connection answers with a SYN-ACK or a
			 * RST instead: the SYN's end is kept to know them.
			 * Retransmitted SYNs of a half-open flow pass too.
			 */
			if (tcp_live(st)) {
				if (st != WARD_TCP_SYN_RECV && !(snd->flags & WARD_CT_TCPF_FIN)) {
					snd->fin_end = end;
					snd->flags |= WARD_CT_TCPF_SYN_PASSED;
				}
				return -TCP_IGNORED;
			}
			return -TCP_INVALID;
		}
		if (st == WARD_TCP_SYN_SENT || st == WARD_TCP_SYN_SENT2)
			return WARD_TCP_SYN_SENT2;	/* simultaneous open */
		return -TCP_INVALID;
	}
	if (flags & TCPF_SYN) {			/* SYN-ACK */
		switch (st) {
		case WARD_TCP_SYN_SENT:
			return orig ? -TCP_INVALID : WARD_TCP_SYN_RECV;
		case WARD_TCP_SYN_SENT2:
			return WARD_TCP_SYN_RECV;
		case WARD_TCP_SYN_RECV:
			/* Simultaneous open: the second SYN-ACK completes it. */
			if (!(snd->flags & WARD_CT_TCPF_SYNACK) && (rcv->flags & WARD_CT_TCPF_SYNACK))
				return WARD_TCP_ESTABLISHED;
			/* The first SYN-ACK set the responder's numbers; one
			 * with others (injected, or a SYN cookie racing the
			 * real answer) must not replace them. */
			if (!orig && (snd->flags & WARD_CT_TCPF_SYNACK) && end != snd->td_end)
				return -TCP_IGNORED;
			return st;		/* retransmission */
		case WARD_TCP_ESTABLISHED:
			/* The final ACK of the handshake was lost. */
			return orig ? -TCP_INVALID : st;
		}
		return -TCP_INVALID;
	}
	if (!(flags & TCPF_ACK))
		return -TCP_INVALID;		/* RFC 9293: no ACK, no synchronized segment */
	switch (st) {
	case WARD_TCP_SYN_SENT:
	case WARD_TCP_SYN_SENT2:
	case WARD_TCP_CLOSE:
		return -TCP_INVALID;
	case WARD_TCP_SYN_RECV:
		if (orig || (rcv->flags & WARD_CT_TCPF_SYNACK && snd->flags & WARD_CT_TCPF_SYNACK))
			return WARD_TCP_ESTABLISHED;
		return st;
	}
	return WARD_TCP_ESTABLISHED;	/* refined by the FIN bookkeeping */
}

/*
 * The server answered a SYN that passed on a live flow with a SYN-ACK: both
 * ends have a new connection the flow did not see begin (Linux's "we are out
 * of sync"). Follow it from the SYN's end; the SYN's window scale was not
 * kept, so the flow's windows go unchecked from now (LIBERAL).
 */
static __always_inline void tcp_resync(struct ward_ct_val *v, struct ward_ct_tcp *snd,
				       struct ward_ct_tcp *rcv)
{
	__u32 syn_end = rcv->fin_end;

	__builtin_memset(snd, 0, sizeof(*snd));
	__builtin_memset(rcv, 0, sizeof(*rcv));
	rcv->td_end = rcv->td_maxend = syn_end;
	rcv->td_maxwin = 1;
	v->flags |= WARD_CTF_LIBERAL;
	v->state = WARD_TCP_SYN_SENT;
}

/*
 * Tracks one segment of a known flow. Called with v->lock held: no helper
 * calls in here. Returns TCP_OK (and the flow updated), or a reason not to.
 */
static __always_inline int tcp_track(struct ward_ct_val *v, const struct packet *p, __u8 from)
{
	struct ward_ct_tcp *snd = from ? &v->tcp[1] : &v->tcp[0];
	struct ward_ct_tcp *rcv = from ? &v->tcp[0] : &v->tcp[1];
	bool orig = from == v->orig;
	__u8 flags = p->tcp_flags;
	__u32 seq = p->seq, ack = p->ack, end = tcp_seg_end(p), win = p->win;
	__u32 maxackwin;
	int next;
	bool in_window, answers_syn;

	if (!tcp_flags_valid(flags))
		return TCP_INVALID;
	/* An answer of the server to a SYN that passed on the live flow. */
	answers_syn = !orig && (flags & TCPF_ACK) && (rcv->flags & WARD_CT_TCPF_SYN_PASSED) &&
		      ack == rcv->fin_end;
	if (flags & TCPF_RST) {
		/* The server knew no such connection: the flow is gone. */
		if (answers_syn) {
			v->state = WARD_TCP_CLOSE;
			return TCP_OK;
		}
		/* RFC 5961: only the exact sequence number tears a flow down;
		 * the receiver's RCV.NXT is the last ack it sent. */
		if (v->state == WARD_TCP_SYN_SENT && !orig && (flags & TCPF_ACK) &&
		    ack == rcv->td_end) {
			v->state = WARD_TCP_CLOSE;	/* connection refused */
			return TCP_OK;
		}
		/* The client's answer to a bare ACK passed in SYN_SENT (below):
		 * RFC 9293 3.10.7.3 <SEQ=SEG.ACK><CTL=RST>. */
		if (v->state == WARD_TCP_SYN_SENT && orig &&
		    (snd->flags & WARD_CT_TCPF_ACK_IGNORED) && seq == snd->fin_end) {
			v->state = WARD_TCP_CLOSE;
			return TCP_OK;
		}
		if ((rcv->flags & WARD_CT_TCPF_MAXACK && seq == rcv->td_maxack) ||
		    (snd->td_maxwin && seq == snd->td_end)) {
			v->state = WARD_TCP_CLOSE;
			return TCP_OK;
		}
		if (v->flags & WARD_CTF_LIBERAL)
			return TCP_RST_INEXACT;
		if (snd->td_maxwin && seq_before(seq, snd->td_maxend + 1) &&
		    seq_after(seq + 1, snd->td_end - rcv->td_maxwin - 1))
			return TCP_RST_INEXACT;
		return TCP_OUT_OF_WINDOW;
	}
	/*
	 * A bare ACK answering the SYN: a server that still holds the port
	 * pair's old connection in TIME_WAIT and did not take the SYN as a new
	 * one acknowledges the old connection (RFC 9293 3.10.7.4). Pass it
	 * untracked, as Linux ("ignored"): the client answers it with a RST
	 * whose seq is this ack, which ends the TIME_WAIT, and its next SYN
	 * connects. Data or a FIN before any SYN-ACK still has no connection.
	 */
	if (v->state == WARD_TCP_SYN_SENT && !orig && !p->payload_len &&
	    (flags & (TCPF_FIN | TCPF_SYN | TCPF_ACK)) == TCPF_ACK) {
		rcv->fin_end = ack;
		rcv->flags |= WARD_CT_TCPF_ACK_IGNORED;
		return TCP_IGNORED;
	}
	if (answers_syn && (flags & TCPF_SYN))
		tcp_resync(v, snd, rcv);

	next = tcp_next_state(v, flags, orig, end, snd, rcv);
	if (next < 0)
		return -next;

	if (!snd->td_maxwin ||
	    ((flags & TCPF_SYN) &&
	     ((!orig && !(snd->flags & WARD_CT_TCPF_SYNACK) &&
	       (v->state == WARD_TCP_SYN_SENT || v->state == WARD_TCP_SYN_SENT2 ||
		v->state == WARD_TCP_SYN_RECV)) ||
	      (orig && v->state == WARD_TCP_SYN_SENT && seq_after(end, snd->td_end))))) {
		/* The first segment from this side, or a new SYN/SYN-ACK. */
		snd->flags &= ~WARD_CT_TCPF_WSCALE;
		snd->td_scale = 0;
		snd->td_end = snd->td_maxend = end;
		snd->td_maxwin = win ? win : 1;
		if (flags & TCPF_SYN) {
			if (p->wscale != WARD_NO_WSCALE) {
				snd->td_scale = p->wscale;
				snd->flags |= WARD_CT_TCPF_WSCALE;
			}
		} else {
			snd->td_maxend = end + snd->td_maxwin;
		}
		if (!(flags & TCPF_ACK)) {
			v->state = next;
			return TCP_OK;		/* simultaneous open's second SYN */
		}
	}
	if (!(flags & TCPF_ACK))
		ack = rcv->td_end;

	maxackwin = snd->td_maxwin ? snd->td_maxwin : TCP_MAXACKWIN_DEFAULT;
	in_window = seq_before(seq, snd->td_maxend + 1) &&
		    seq_after(end, snd->td_end - rcv->td_maxwin - 1) &&
		    seq_before(ack, rcv->td_end + 1) &&
		    seq_after(ack, rcv->td_end - maxackwin - 1);
	if (!in_window && !(v->flags & WARD_CTF_LIBERAL))
		return TCP_OUT_OF_WINDOW;

	/* RFC 7323: scaling only when both SYNs carried the option. */
	if (!(flags & TCPF_SYN) && (snd->flags & rcv->flags & WARD_CT_TCPF_WSCALE))
		win <<= snd->td_scale;
	if (snd->td_maxwin < win)
		snd->td_maxwin = win;
	if (seq_after(end, snd->td_end))
		snd->td_end = end;
	if (flags & TCPF_ACK) {
		if (!(snd->flags & WARD_CT_TCPF_MAXACK) || seq_after(ack, snd->td_maxack))
			snd->td_maxack = ack;
		snd->flags |= WARD_CT_TCPF_MAXACK;
	}
	if (rcv->td_maxwin && seq_after(end, snd->td_maxend))
		rcv->td_maxwin += end - snd->td_maxend;
	if (seq_after(ack + win, rcv->td_maxend - 1)) {
		rcv->td_maxend = ack + win;
		if (!win)
			rcv->td_maxend++;
	}
	if ((flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		snd->flags |= WARD_CT_TCPF_SYNACK;

	/* Closing: each side's FIN, and whether the other side acknowledged it. */
	if (next >= WARD_TCP_ESTABLISHED) {
		if (flags & TCPF_FIN) {
			snd->flags |= WARD_CT_TCPF_FIN;
			snd->flags &= ~WARD_CT_TCPF_SYN_PASSED;
			snd->fin_end = end;
		}
		if ((flags & TCPF_ACK) && (rcv->flags & WARD_CT_TCPF_FIN) &&
		    !seq_before(ack, rcv->fin_end))
			rcv->flags |= WARD_CT_TCPF_FIN_ACKED;
		if (snd->flags & rcv->flags & WARD_CT_TCPF_FIN_ACKED)
			next = WARD_TCP_TIME_WAIT;
		else if (snd->flags & rcv->flags & WARD_CT_TCPF_FIN)
			next = WARD_TCP_LAST_ACK;
		else if ((snd->flags | rcv->flags) & WARD_CT_TCPF_FIN_ACKED)
			next = WARD_TCP_CLOSE_WAIT;
		else if ((snd->flags | rcv->flags) & WARD_CT_TCPF_FIN)
			next = WARD_TCP_FIN_WAIT;
	}
	v->state = next;
	return TCP_OK;
}

#endif /* WARD_BPF_CONNTRACK_H */
