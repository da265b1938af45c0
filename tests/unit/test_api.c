// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/unit/test_api.c: the pure parts of the API: a Trace request made
 * into the data plane's struct ward_trace (and every refusal, with the
 * field named), and the flow event feed behind FlowEvents (the ring of
 * recent events, subscribers, leaving from a callback).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "feed.h"
#include "trace.h"

/* Trace requests */

static void trace_tcp_v4(void **state)
{
	struct trace_req q = { .src = "10.0.0.1", .dst = "10.0.0.2", .dport = 443 };
	struct ward_trace t;
	char err[256];
	__be32 a;

	assert_int_equal(trace_build(&q, &t, err, sizeof(err)), 0);
	assert_int_equal(t.family, WARD_FAM_V4);
	assert_int_equal(t.proto, 6);		/* tcp when not said */
	assert_int_equal(t.l4, 1);
	assert_int_equal(ntohs(t.dport), 443);
	assert_int_equal(ntohs(t.sport), TRACE_SPORT_DEFAULT);
	inet_pton(AF_INET, "10.0.0.2", &a);
	assert_memory_equal(t.dst, &a, 4);
	assert_int_equal(t.dst[1], 0);
}

static void trace_icmp_as_parsed(void **state)
{
	struct trace_req q = { .src = "fd00::1", .dst = "fd00::2", .proto = "icmp" };
	struct ward_trace t;
	char err[256];

	/* The parser's view: the type in the dport slot; "icmp" of IPv6 is 58. */
	assert_int_equal(trace_build(&q, &t, err, sizeof(err)), 0);
	assert_int_equal(t.family, WARD_FAM_V6);
	assert_int_equal(t.proto, 58);
	assert_int_equal(t.icmp_type, 128);
	assert_int_equal(ntohs(t.dport), 128);
	assert_int_equal(t.sport, 0);
	q.src = "10.0.0.1";
	q.dst = "10.0.0.2";
	q.icmp_type = "time-exceeded";
	assert_int_equal(trace_build(&q, &t, err, sizeof(err)), 0);
	assert_int_equal(t.proto, 1);
	assert_int_equal(t.icmp_type, 11);
	q.icmp_type = "3";
	assert_int_equal(trace_build(&q, &t, err, sizeof(err)), 0);
	assert_int_equal(t.icmp_type, 3);
}

static void trace_other_proto(void **state)
{
	struct trace_req q = { .src = "10.0.0.1", .dst = "10.0.0.2", .proto = "47" };
	struct ward_trace t;
	char err[256];

	assert_int_equal(trace_build(&q, &t, err, sizeof(err)), 0);
	assert_int_equal(t.proto, 47);
	assert_int_equal(t.l4, 0);	/* GRE: classified on addresses and protocol */
}

#define TRACE_ERR(fn, src_, dst_, proto_, sport_, dport_, icmp_, msg)			\
static void fn(void **state)								\
{											\
	struct trace_req q = { .src = src_, .dst = dst_, .proto = proto_,		\
			       .sport = sport_, .dport = dport_, .icmp_type = icmp_ };	\
	struct ward_trace t;								\
	char err[256] = "";								\
											\
	assert_int_equal(trace_build(&q, &t, err, sizeof(err)), -EINVAL);		\
	assert_string_equal(err, msg);							\
}

TRACE_ERR(trace_err_no_src, "", "10.0.0.2", "tcp", 0, 80, NULL,
	  "src: missing (an IPv4 or IPv6 address)")
TRACE_ERR(trace_err_cidr, "10.0.0.0/8", "10.0.0.2", "tcp", 0, 80, NULL,
	  "src: '10.0.0.0/8' is not an IPv4 or IPv6 address (a flow has one address, not a CIDR)")
TRACE_ERR(trace_err_family, "10.0.0.1", "fd00::2", "tcp", 0, 80, NULL,
	  "dst: fd00::2 is IPv6 but src 10.0.0.1 is IPv4")
TRACE_ERR(trace_err_proto, "10.0.0.1", "10.0.0.2", "tcpp", 0, 80, NULL,
	  "proto: 'tcpp' is not a protocol (tcp, udp, icmp, icmpv6, sctp or 0-255)")
TRACE_ERR(trace_err_proto_range, "10.0.0.1", "10.0.0.2", "256", 0, 80, NULL,
	  "proto: '256' is not a protocol (tcp, udp, icmp, icmpv6, sctp or 0-255)")
TRACE_ERR(trace_err_no_dport, "10.0.0.1", "10.0.0.2", "udp", 0, 0, NULL,
	  "dport: missing (the port the flow goes to)")
TRACE_ERR(trace_err_port_range, "10.0.0.1", "10.0.0.2", "udp", 70000, 53, NULL,
	  "sport: 70000 is out of range (0-65535)")
TRACE_ERR(trace_err_icmp_ports, "10.0.0.1", "10.0.0.2", "icmp", 0, 80, NULL,
	  "dport: icmp has no ports")
TRACE_ERR(trace_err_icmpv6_v4, "10.0.0.1", "10.0.0.2", "icmpv6", 0, 0, NULL,
	  "proto: icmpv6 with IPv4 addresses")
TRACE_ERR(trace_err_icmp_type, "10.0.0.1", "10.0.0.2", "icmp", 0, 0, "ping",
	  "icmp_type: 'ping' is not an ICMP type (a name or 0-255)")
TRACE_ERR(trace_err_icmp_type_tcp, "10.0.0.1", "10.0.0.2", "tcp", 0, 22, "8",
	  "icmp_type: only for icmp and icmpv6")

/* The feed */

struct seen {
	char	last[WARD_RULE_NAME_MAX];
	int	n;
	struct feed *f;
	bool	leave;		/* unsubscribe on the first event */
};

static void on_event(void *arg, const struct feed_event *fe)
{
	struct seen *s = arg;

	snprintf(s->last, sizeof(s->last), "%s", fe->rule);
	s->n++;
	if (s->leave)
		feed_unsubscribe(s->f, on_event, s);
}

static void publish(struct feed *f, int i)
{
	struct feed_event fe = {};

	snprintf(fe.rule, sizeof(fe.rule), "r%d", i);
	feed_publish(f, &fe);
}

static void feed_ring_keeps_the_last(void **state)
{
	struct feed f;
	struct seen s = {};
	int i;

	assert_int_equal(feed_init(&f, 4), 0);
	assert_int_equal(feed_recent(&f, 10, on_event, &s), 0);
	for (i = 1; i <= 6; i++)
		publish(&f, i);
	/* The last 4 of 6, oldest first: r3 .. r6. */
	assert_int_equal(feed_recent(&f, 10, on_event, &s), 4);
	assert_string_equal(s.last, "r6");
	memset(&s, 0, sizeof(s));
	assert_int_equal(feed_recent(&f, 2, on_event, &s), 2);
	assert_string_equal(s.last, "r6");
	assert_int_equal(f.published, 6);
	feed_free(&f);
	assert_int_equal(feed_init(&f, 0), -EINVAL);
	assert_int_equal(feed_init(&f, FEED_RECENT_MAX + 1), -EINVAL);
}

static void feed_subscribers(void **state)
{
	struct feed f;
	struct seen a = { .f = &f }, b = { .f = &f, .leave = true }, c = { .f = &f };

	assert_int_equal(feed_init(&f, 8), 0);
	assert_int_equal(feed_subscribe(&f, on_event, &a), 0);
	assert_int_equal(feed_subscribe(&f, on_event, &b), 0);
	assert_int_equal(feed_subscribe(&f, on_event, &c), 0);
	publish(&f, 1);
	/* b left from its callback: c, behind it, was not skipped. */
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(f.n_subs, 2);
	publish(&f, 2);
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 1);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.last, "r2");
	feed_unsubscribe(&f, on_event, &a);
	publish(&f, 3);
	assert_int_equal(a.n, 2);
	assert_int_equal(c.n, 3);
	feed_free(&f);
}

int run_api_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace_tcp_v4),
		cmocka_unit_test(trace_icmp_as_parsed),
		cmocka_unit_test(trace_other_proto),
		cmocka_unit_test(trace_err_no_src),
		cmocka_unit_test(trace_err_cidr),
		cmocka_unit_test(trace_err_family),
		cmocka_unit_test(trace_err_proto),
		cmocka_unit_test(trace_err_proto_range),
		cmocka_unit_test(trace_err_no_dport),
		cmocka_unit_test(trace_err_port_range),
		cmocka_unit_test(trace_err_icmp_ports),
		cmocka_unit_test(trace_err_icmpv6_v4),
		cmocka_unit_test(trace_err_icmp_type),
		cmocka_unit_test(trace_err_icmp_type_tcp),
		cmocka_unit_test(feed_ring_keeps_the_last),
		cmocka_unit_test(feed_subscribers),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
