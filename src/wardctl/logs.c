// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/logs.c: wardctl logs [-f] [-n N] [-o json]: the flow log's
 * events from wardd's FlowEvents stream. -o json prints each event as the
 * flow log has it (one object a line, ECS field names); the default is a
 * line for people.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "ward/v1/ward.pb-c.h"

#define LOGS_RECENT_DEFAULT	20

static volatile sig_atomic_t logs_stop;

static void on_sigint(int sig)
{
	logs_stop = 1;
}

struct logs {
	bool	json;
	unsigned long shown;
};

static void endpoint(char *buf, size_t len, const char *ip, uint32_t port)
{
	if (!ip[0])
		snprintf(buf, len, "-");
	else if (!port)
		snprintf(buf, len, "%s", ip);
	else if (strchr(ip, ':'))
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
}

static int logs_print(void *arg, ProtobufCMessage *msg)
{
	const Ward__V1__FlowEvent *e = (const Ward__V1__FlowEvent *)msg;
	struct logs *l = arg;
	char src[80], dst[80];

	if (e->dropped)
		fprintf(stderr, "wardctl: %llu events lost here: this reader was too slow\n",
			(unsigned long long)e->dropped);
	if (l->json) {
		printf("%s\n", e->json);
	} else {
		endpoint(src, sizeof(src), e->src, e->sport);
		endpoint(dst, sizeof(dst), e->dst, e->dport);
		printf("%s  %-12s %-8s %-5s %s -> %s  in %s  rule %s\n", e->timestamp, e->action,
		       e->reason[0] ? e->reason : "-", e->proto[0] ? e->proto : "-", src, dst,
		       e->interface[0] ? e->interface : "-", e->rule[0] ? e->rule : "-");
	}
	/* Each event as it comes, also into a pipe or a file. */
	fflush(stdout);
	l->shown++;
	return 0;
}

int cmd_logs(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	Ward__V1__FlowEventsRequest req = WARD__V1__FLOW_EVENTS_REQUEST__INIT;
	struct sigaction sa = { .sa_handler = on_sigint };
	struct logs l = {};
	unsigned long n = LOGS_RECENT_DEFAULT;
	int o, ret;

	while ((o = ctl_getopt(c, "logs", argc, argv, "fn:o:", opts, &ret)) != -1) {
		switch (o) {
		case 'f': req.follow = true; break;
		case 'n':
			if ((ret = parse_count("logs -n", optarg, 1024, &n)))
				return ret;
			break;
		}
	}
	if (ret || (ret = ctl_no_args("logs", argc, argv)))
		return ret;
	req.recent = (uint32_t)n;
	l.json = c->json;
	ret = ctl_connect(c);
	if (ret)
		return ret;
	/* Ctrl-C (or SIGTERM) ends a follow: the call is cancelled, exit 0. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return rpc_stream(c->rpc, "FlowEvents", &req.base, &ward__v1__flow_event__descriptor,
			  logs_print, &l, &logs_stop);
}
