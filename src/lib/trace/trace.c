// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/trace/trace.c: see trace.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "config.h"
#include "trace.h"
#include "ward.skel.h"

static int trace_addr(const char *field, const char *s, __be32 *out, __u8 *family,
		      char *err, size_t errlen)
{
	if (!s || !s[0]) {
		snprintf(err, errlen, "%s: missing (an IPv4 or IPv6 address)", field);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = WARD_FAM_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = WARD_FAM_V6;
		return 0;
	}
	snprintf(err, errlen, "%s: '%s' is not an IPv4 or IPv6 address%s", field, s,
		 strchr(s, '/') ? " (a flow has one address, not a CIDR)" : "");
	return -EINVAL;
}

static int trace_proto(const char *s, int *out, char *err, size_t errlen)
{
	static const struct { const char *name; int proto; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 }, { "sctp", 132 },
	};
	unsigned long v;
	char *end;
	size_t i;

	if (!s || !s[0]) {
		*out = 6;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].proto;
			return 0;
		}
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || s[0] == '-' || v > 255) {
		snprintf(err, errlen,
			 "proto: '%s' is not a protocol (tcp, udp, icmp, icmpv6, sctp or 0-255)", s);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

int trace_build(const struct trace_req *q, struct ward_trace *t, char *err, size_t errlen)
{
	__u8 fs = 0, fd = 0;
	bool ports;
	int proto, type;

	memset(t, 0, sizeof(*t));
	if (trace_addr("src", q->src, t->src, &fs, err, errlen) ||
	    trace_addr("dst", q->dst, t->dst, &fd, err, errlen))
		return -EINVAL;
	if (fs != fd) {
		snprintf(err, errlen, "dst: %s is IPv%u but src %s is IPv%u", q->dst, fd, q->src, fs);
		return -EINVAL;
	}
	if (trace_proto(q->proto, &proto, err, errlen))
		return -EINVAL;
	if (proto == 1 && fs == WARD_FAM_V6)
		proto = 58;	/* "icmp" of an IPv6 flow: the rules say the same */
	if (proto == 58 && fs == WARD_FAM_V4) {
		snprintf(err, errlen, "proto: icmpv6 with IPv4 addresses");
		return -EINVAL;
	}
	t->family = fs;
	t->proto = (__u8)proto;
	ports = proto == 6 || proto == 17 || proto == 132;
	if (q->sport > 65535 || q->dport > 65535) {
		snprintf(err, errlen, "%s: %u is out of range (0-65535)",
			 q->sport > 65535 ? "sport" : "dport", q->sport > 65535 ? q->sport : q->dport);
		return -EINVAL;
	}
	if (!ports && (q->sport || q->dport)) {
		snprintf(err, errlen, "%s: %s has no ports", q->sport ? "sport" : "dport",
			 q->proto && q->proto[0] ? q->proto : "this protocol");
		return -EINVAL;
	}
	if (ports) {
		if (!q->dport) {
			snprintf(err, errlen, "dport: missing (the port the flow goes to)");
			return -EINVAL;
		}
		t->l4 = 1;
		t->sport = htons((__u16)(q->sport ? q->sport : TRACE_SPORT_DEFAULT));
		t->dport = htons((__u16)q->dport);
	}
	if (proto == 1 || proto == 58) {
		const char *s = q->icmp_type && q->icmp_type[0] ? q->icmp_type : "echo-request";
		unsigned long v;
		char *end;

		type = cfg_icmp_type_name(proto, s);
		if (type < 0) {
			errno = 0;
			v = strtoul(s, &end, 10);
			if (errno || *end || s[0] == '-' || v > 255) {
				snprintf(err, errlen, "icmp_type: '%s' is not an %s type (a name or 0-255)",
					 s, proto == 1 ? "ICMP" : "ICMPv6");
				return -EINVAL;
			}
			type = (int)v;
		}
		/* As the parser puts it: the type in the dport slot. */
		t->l4 = 1;
		t->icmp_type = (__u8)type;
		t->dport = htons((__u16)type);
	} else if (q->icmp_type && q->icmp_type[0]) {
		snprintf(err, errlen, "icmp_type: only for icmp and icmpv6");
		return -EINVAL;
	}
	return 0;
}

int dp_trace(struct dataplane *dp, struct ward_trace *t)
{
	struct ward_trace out;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = t, .data_size_in = sizeof(*t),
		    .data_out = &out, .data_size_out = sizeof(out), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(dp->skel->progs.ward_trace), &opts);
	if (err)
		return -errno;
	if (opts.retval != XDP_PASS || opts.data_size_out < sizeof(out))
		return -EIO;
	*t = out;
	return 0;
}
