/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/conntrack.c: the conntrack: section (max_flows, timeouts).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

enum { CK_MAX_FLOWS, CK_TIMEOUTS, CK_N };

static const struct cfg_key cfg_conntrack_keys[CK_N] = {
	[CK_MAX_FLOWS]	= { "max_flows" },
	[CK_TIMEOUTS]	= { "timeouts" },
};

/* Indexed like pol_conntrack.timeout (WARD_CT_TO_*). */
const struct cfg_key cfg_timeout_keys[POL_CT_TIMEOUTS] = {
	{ "tcp_established", 0 }, { "tcp_handshake", 0 }, { "tcp_close", 0 },
	{ "udp", 0 }, { "udp_stream", 0 }, { "icmp", 0 },
};

int cfg_conntrack(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_conntrack *ct = &c->pol->conntrack;
	yaml_node_t *v[CK_N], *t[POL_CT_TIMEOUTS];
	unsigned long n;
	const char *s;
	int ret, i;

	ret = cfg_section(c, map, "conntrack", cfg_conntrack_keys, CK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (v[CK_MAX_FLOWS]) {
		ret = cfg_str(c, v[CK_MAX_FLOWS], "max_flows", &s);
		if (ret)
			return ret;
		/* The kernel caps a hash map's entries; 64M flows is ~10 GiB anyway. */
		if (cfg_uint(s, strlen(s), 1UL << 26, &n) || n < 1024)
			return cfg_err(c, v[CK_MAX_FLOWS], "max_flows",
				       "expected a number of flows from 1024 to 67108864, got '%s'", s);
		ct->max_flows = n;
	}
	if (v[CK_TIMEOUTS] && !cfg_is_null(v[CK_TIMEOUTS])) {
		ret = cfg_map_keys(c, v[CK_TIMEOUTS], "timeouts", cfg_timeout_keys,
				   POL_CT_TIMEOUTS, NULL, t);
		if (ret)
			return ret;
		for (i = 0; i < POL_CT_TIMEOUTS; i++) {
			if (!t[i])
				continue;
			ret = cfg_duration(c, t[i], cfg_timeout_keys[i].name, &ct->timeout[i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}
