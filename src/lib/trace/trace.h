/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/trace/trace.h: wardctl trace: a flow described in words (addresses,
 * protocol, ports) made into the struct ward_trace the data plane's trace
 * program reads, and that program run on the live maps (bpf/trace.bpf.c).
 * For wardd and the unit tests.
 */
#ifndef WARD_TRACE_H
#define WARD_TRACE_H

#include <stddef.h>
#include "dataplane.h"

struct trace_req {
	const char *src;	/* an address, IPv4 or IPv6 */
	const char *dst;
	const char *proto;	/* tcp, udp, icmp, icmpv6, sctp, a number; "" or NULL: tcp */
	unsigned int sport;	/* 0: an ephemeral one */
	unsigned int dport;
	const char *icmp_type;	/* a name or a number; "" or NULL: echo-request */
};

#define TRACE_SPORT_DEFAULT	40000

/* Fills the flow part of t (not the ingress). 0, or -EINVAL with err
 * saying "field: what is wrong". */
int trace_build(const struct trace_req *q, struct ward_trace *t, char *err, size_t errlen);
/* Runs the trace program on t in place. 0 or -errno. */
int dp_trace(struct dataplane *dp, struct ward_trace *t);

#endif /* WARD_TRACE_H */
