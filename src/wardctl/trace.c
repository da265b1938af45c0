// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/trace.c: wardctl trace: which rule decides a new flow, and
 * the NAT it gets, as the data plane's own stages say on the live policy
 * (wardd runs its trace program; nothing is created or counted).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "ctl.h"
#include "out.h"
#include "ward/v1/ward.pb-c.h"

static int port_arg(const char *opt, const char *v, uint32_t *out)
{
	unsigned long n;
	int ret = parse_count(opt, v, 65535, &n);

	*out = (uint32_t)n;
	return ret;
}

int cmd_trace(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		CTL_FLOW_OPTS,
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	Ward__V1__TraceRequest req = WARD__V1__TRACE_REQUEST__INIT;
	Ward__V1__TraceResponse *m;
	ProtobufCMessage *resp;
	struct json j;
	size_t i;
	int o, ret;

	while ((o = ctl_getopt(c, "trace", argc, argv, "o:", opts, &ret)) != -1) {
		switch (o) {
		case CTL_O_IN: req.in = optarg; break;
		case CTL_O_SRC: req.src = optarg; break;
		case CTL_O_DST: req.dst = optarg; break;
		case CTL_O_PROTO: req.proto = optarg; break;
		case CTL_O_ICMP: req.icmp_type = optarg; break;
		case CTL_O_SPORT:
			if ((ret = port_arg("trace --sport", optarg, &req.sport)))
				return ret;
			break;
		case CTL_O_DPORT:
			if ((ret = port_arg("trace --dport", optarg, &req.dport)))
				return ret;
			break;
		}
	}
	if (ret || (ret = ctl_no_args("trace", argc, argv)))
		return ret;
	if (!req.src[0] || !req.dst[0])
		return bad_usage("trace: %s", "--src IP and --dst IP are needed");
	ret = ctl_call(c, "Trace", &req.base, &ward__v1__trace_response__descriptor, &resp,
		       WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__TraceResponse *)resp;
	if (c->json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "rule", m->rule);
		json_str(&j, "action", m->action);
		json_bool(&j, "dry_run", m->dry_run);
		json_bool(&j, "log", m->log);
		json_bool(&j, "default_policy", m->default_policy);
		json_str(&j, "verdict", m->verdict);
		json_str(&j, "in", m->in);
		json_str(&j, "zone", m->zone);
		json_u64(&j, "generation", m->generation);
		json_str(&j, "before_rules", m->before_rules);
		json_u64(&j, "rate", m->rate);
		if (m->nat) {
			json_obj(&j, "nat");
			json_str(&j, "kind", m->nat->kind);
			json_str(&j, "ip", m->nat->ip);
			json_u64(&j, "port", m->nat->port);
			json_obj_end(&j);
		}
		if (m->source_nat) {
			json_obj(&j, "source_nat");
			json_str(&j, "kind", m->source_nat->kind);
			json_str(&j, "ip", m->source_nat->ip);
			json_u64(&j, "port_lo", m->source_nat->port_lo);
			json_u64(&j, "port_hi", m->source_nat->port_hi);
			json_str(&j, "out", m->source_nat->out);
			json_obj_end(&j);
		}
		json_arr(&j, "dry_run_rules");
		for (i = 0; i < m->n_dry_run_rules; i++) {
			json_obj(&j, NULL);
			json_str(&j, "rule", m->dry_run_rules[i]->rule);
			json_str(&j, "action", m->dry_run_rules[i]->action);
			json_str(&j, "event", m->dry_run_rules[i]->event);
			json_bool(&j, "log", m->dry_run_rules[i]->log);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_done(&j);
	} else if (m->before_rules[0]) {
		printf("pass: %s (generation %" PRIu64 ")\n", m->before_rules, m->generation);
	} else {
		if (m->default_policy)
			printf("default policy: %s", m->action);
		else
			printf("rule %s: %s", m->rule, m->action);
		if (m->dry_run && strcmp(m->action, "accept"))
			printf(" (dry-run: would-%s, passes)", m->action);
		if (m->rate)
			printf(", at most %u new flows a second per source", m->rate);
		if (m->log)
			printf(", logged");
		printf("\nverdict %s; in %s%s%s%s; generation %" PRIu64 "\n", m->verdict,
		       m->in[0] ? m->in : "-", m->zone[0] ? " (zone " : "", m->zone,
		       m->zone[0] ? ")" : "", m->generation);
		if (m->nat && m->nat->kind[0])
			printf("nat %s to %s:%u\n", m->nat->kind, m->nat->ip, m->nat->port);
		if (m->source_nat && m->source_nat->kind[0])
			printf("nat %s to %s ports %u-%u, out %s\n", m->source_nat->kind,
			       m->source_nat->ip, m->source_nat->port_lo, m->source_nat->port_hi,
			       m->source_nat->out[0] ? m->source_nat->out : "-");
		/* They count and log, and the verdict above stays. */
		for (i = 0; i < m->n_dry_run_rules; i++)
			printf("dry-run rule %s: %s, counts it%s%s (decides nothing)\n",
			       m->dry_run_rules[i]->rule, m->dry_run_rules[i]->action,
			       m->dry_run_rules[i]->log ? " and logs " : "",
			       m->dry_run_rules[i]->log ? m->dry_run_rules[i]->event : "");
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}
