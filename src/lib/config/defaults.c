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

static const struct cfg_choice cfg_policies[] = {
	{ "accept", WARD_ACT_ACCEPT, 0 }, { "drop", WARD_ACT_DROP, 0 }, { NULL, 0, 0 },
};

static const struct cfg_choice cfg_log_levels[] = {
	{ "none", POL_LOG_NONE, 0 }, { "drops", POL_LOG_DROPS, 0 }, { "all", POL_LOG_ALL, 0 },
	{ NULL, 0, 0 },
};

int cfg_defaults(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_policy *pol = c->pol;
	yaml_node_t *v[DK_N];
	int word, ret;

	ret = cfg_section(c, map, "defaults", cfg_defaults_keys, DK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;

	if (v[DK_POLICY]) {
		ret = cfg_choice(c, v[DK_POLICY], "policy", "policy", cfg_policies,
				 &pol->default_action);
		if (ret)
			return ret;
	}
	if (v[DK_DRY_RUN]) {
		ret = cfg_bool(c, v[DK_DRY_RUN], "dry_run", &pol->dry_run);
		if (ret)
			return ret;
	}
	if (v[DK_LOG]) {
		ret = cfg_choice(c, v[DK_LOG], "log", "log level", cfg_log_levels, &word);
		if (ret)
			return ret;
		pol->log = word;
	}
	if (v[DK_REJECT_RATE])
		return cfg_rate(c, v[DK_REJECT_RATE], "reject_rate", 1000000, &pol->reject_rate);
	return 0;
}
