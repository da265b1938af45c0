// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/fqdn.c: wardctl fqdn list: the addresses each FQDN set allows now,
 * with their expiries.
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

static int fqdn_list(struct ctl *c, int argc, char **argv)
{
	static const char *const hdr[] = { "SET", "ADDRESS", "TTL", "EXPIRES IN" };
	Ward__V1__FqdnListRequest req = WARD__V1__FQDN_LIST_REQUEST__INIT;
	Ward__V1__FqdnListResponse *m;
	ProtobufCMessage *resp;
	struct table *t;
	struct json j;
	int ret;
	size_t i, k;

	while (ctl_getopt(c, "fqdn list", argc, argv, "o:", NULL, &ret) != -1)
		;
	if (ret)
		return ret;
	if (optind < argc)
		req.set = argv[optind++];
	if ((ret = ctl_no_args("fqdn list", argc, argv)))
		return ret;
	ret = ctl_call(c, "FqdnList", &req.base, &ward__v1__fqdn_list_response__descriptor,
		       &resp, WARDCTL_TIMEOUT_S);
	if (ret)
		return ret;
	m = (Ward__V1__FqdnListResponse *)resp;
	if (c->json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_u64(&j, "grace_s", m->grace_s);
		json_arr(&j, "sets");
		for (i = 0; i < m->n_sets; i++) {
			json_obj(&j, NULL);
			json_str(&j, "name", m->sets[i]->name);
			json_strs(&j, "names", m->sets[i]->names, m->sets[i]->n_names);
			json_u64(&j, "addresses", m->sets[i]->addresses);
			json_arr(&j, "allowed");
			for (k = 0; k < m->n_addresses; k++) {
				const Ward__V1__FqdnAddress *x = m->addresses[k];

				if (strcmp(x->set, m->sets[i]->name))
					continue;
				json_obj(&j, NULL);
				json_str(&j, "address", x->address);
				json_u64(&j, "ttl", x->ttl);
				json_u64(&j, "expires_in_s", x->expires_in_s);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_done(&j);
	} else {
		for (i = 0; i < m->n_sets; i++) {
			printf("%s: %u addresses:", m->sets[i]->name, m->sets[i]->addresses);
			for (k = 0; k < m->sets[i]->n_names; k++)
				printf(" %s", m->sets[i]->names[k]);
			printf("\n");
		}
		t = table_new(sizeof(hdr) / sizeof(hdr[0]), hdr);
		for (k = 0; k < m->n_addresses; k++) {
			table_next(t);
			table_cell(t, "%s", m->addresses[k]->set);
			table_cell(t, "%s", m->addresses[k]->address);
			table_cell(t, "%us", m->addresses[k]->ttl);
			table_cell(t, "%" PRIu64 "s", m->addresses[k]->expires_in_s);
		}
		table_print(t, stdout);
		table_free(t);
		printf("grace %us past each TTL\n", m->grace_s);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}

int cmd_fqdn(struct ctl *c, int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "list") && strcmp(argv[1], "ls")))
		return bad_usage("fqdn: %s", "expected list");
	return fqdn_list(c, argc - 1, argv + 1);
}
