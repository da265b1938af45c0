/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/defaults.c: the defaults: section (policy, dry_run, log,
 * reject_rate).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

enum { DK_POLICY, DK_DRY_RUN, DK_LOG, DK_REJECT_RATE, DK_N };

static const struct cfg_key cfg_defaults_keys[DK_N] = {
	[DK_POLICY]	= { "policy" },
	[DK_DRY_RUN]	= { "dry_run" },
	[DK_LOG]	= { "log" },
	[DK_REJECT_RATE] = { "reject_rate" },
};

int cfg_defaults(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_policy *pol = c->pol;
	yaml_node_t *v[DK_N];
	const char *s;
	int ret;

	if (cfg_is_null(map))
		return 0;
	ret = cfg_map_keys(c, map, "defaults", cfg_defaults_keys, DK_N, NULL, v);
	if (ret)
		return ret;

	if (v[DK_POLICY]) {
		ret = cfg_str(c, v[DK_POLICY], "policy", &s);
		if (ret)
			return ret;
		if (!strcmp(s, "accept"))
			pol->default_action = WARD_ACT_ACCEPT;
		else if (!strcmp(s, "drop"))
			pol->default_action = WARD_ACT_DROP;
		else
			return cfg_err(c, v[DK_POLICY], "policy",
				       "unknown policy '%s' (expected accept or drop)", s);
	}
	if (v[DK_DRY_RUN]) {
		ret = cfg_bool(c, v[DK_DRY_RUN], "dry_run", &pol->dry_run);
		if (ret)
			return ret;
	}
	if (v[DK_LOG]) {
		ret = cfg_str(c, v[DK_LOG], "log", &s);
		if (ret)
			return ret;
		if (!strcmp(s, "none"))
			pol->log = POL_LOG_NONE;
		else if (!strcmp(s, "drops"))
			pol->log = POL_LOG_DROPS;
		else if (!strcmp(s, "all"))
			pol->log = POL_LOG_ALL;
		else
			return cfg_err(c, v[DK_LOG], "log",
				       "unknown log level '%s' (expected none, drops or all)", s);
	}
	if (v[DK_REJECT_RATE])
		return cfg_rate(c, v[DK_REJECT_RATE], "reject_rate", 1000000, &pol->reject_rate);
	return 0;
}
