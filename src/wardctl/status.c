// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/status.c: wardctl status: interfaces and hooks, the policy's
 * generation, rule and flow counts, counters.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "out.h"
#include "rpc.h"
#include "ward/v1/ward.pb-c.h"

int cmd_status(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, { 0 } };
	Ward__V1__StatusRequest req = WARD__V1__STATUS_REQUEST__INIT;
	Ward__V1__StatusResponse *m;
	ProtobufCMessage *resp;
	struct table *t;
	bool any = false;
	int ret;
	size_t i;

	while (ctl_getopt(c, "status", argc, argv, "o:", opts, &ret) != -1)
		;
	if (ret)
		return ret;
	ret = ctl_call(c, "Status", &req.base, &ward__v1__status_response__descriptor, &resp,
		       WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__StatusResponse *)resp;
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "version", m->version);
		json_u64(&j, "generation", m->generation);
		json_str(&j, "policy_source", m->policy_source);
		json_u64(&j, "rules", m->rules);
		json_u64(&j, "api_rules", m->api_rules);
		json_str(&j, "default_policy", m->default_policy);
		json_bool(&j, "dry_run", m->dry_run);
		json_u64(&j, "flows", m->flows);
		json_u64(&j, "max_flows", m->max_flows);
		json_bool(&j, "locked", m->locked);
		json_str(&j, "listen", m->listen);
		json_str(&j, "last_error", m->last_error);
		json_u64(&j, "event_followers", m->event_followers);
		json_u64(&j, "events_dropped", m->events_dropped);
		json_arr(&j, "interfaces");
		for (i = 0; i < m->n_interfaces; i++) {
			json_obj(&j, NULL);
			json_str(&j, "name", m->interfaces[i]->name);
			json_u64(&j, "ifindex", m->interfaces[i]->ifindex);
			json_str(&j, "role", m->interfaces[i]->role);
			json_str(&j, "mode", m->interfaces[i]->mode);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		for (int drop = 1; drop >= 0; drop--) {
			json_obj(&j, drop ? "drops" : "counters");
			for (i = 0; i < m->n_counters; i++)
				if (m->counters[i]->drop == drop)
					json_u64(&j, m->counters[i]->name, m->counters[i]->value);
			json_obj_end(&j);
		}
		json_obj_end(&j);
		json_done(&j);
		goto out;
	}
	printf("wardd %s on %s%s\n", m->version, m->listen,
	       m->locked ? " (locked: read-only, the file is the truth)" : "");
	printf("policy      %s, generation %" PRIu64 "\n", m->policy_source, m->generation);
	printf("rules       %u", m->rules);
	if (m->api_rules)
		printf(" (%u added with wardctl rule add)", m->api_rules);
	printf("\ndefaults    policy %s%s\n", m->default_policy,
	       m->dry_run ? ", dry-run (nothing is dropped)" : "");
	printf("flows       %" PRIu64 " of %" PRIu64 "\n", m->flows, m->max_flows);
	for (int drop = 1; drop >= 0; drop--) {
		any = false;
		printf(drop ? "drops      " : "counters   ");
		for (i = 0; i < m->n_counters; i++) {
			if (!m->counters[i]->value || m->counters[i]->drop != drop)
				continue;
			printf(" %s %" PRIu64, m->counters[i]->name, m->counters[i]->value);
			any = true;
		}
		printf("%s\n", any ? "" : " none");
	}
	if (m->last_error[0])
		printf("last error  %s\n", m->last_error);
	if (m->event_followers || m->events_dropped)
		printf("logs -f     %u following, %" PRIu64 " events lost by slow readers\n",
		       m->event_followers, m->events_dropped);
	if (!m->n_interfaces) {
		printf("interfaces  none attached\n");
		goto out;
	}
	printf("interfaces\n");
	t = table_new(4, (const char *const[]){ "  NAME", "IFINDEX", "ROLE", "MODE" });
	for (i = 0; i < m->n_interfaces; i++) {
		table_next(t);
		table_cell(t, "  %s", m->interfaces[i]->name);
		table_cell(t, "%u", m->interfaces[i]->ifindex);
		table_cell(t, "%s", m->interfaces[i]->role[0] ? m->interfaces[i]->role : "-");
		table_cell(t, "%s", m->interfaces[i]->mode);
	}
	table_print(t, stdout);
	table_free(t);
out:
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}
