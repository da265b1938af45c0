/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/conntrack.c: the conntrack: section (max_flows, timeouts,
 * adaptive_start and adaptive_end).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"
#include "ct_pressure.h"

enum { CK_MAX_FLOWS, CK_TIMEOUTS, CK_ADAPTIVE_START, CK_ADAPTIVE_END, CK_N };

static const struct cfg_key cfg_conntrack_keys[CK_N] = {
	[CK_MAX_FLOWS]	= { "max_flows" },
	[CK_TIMEOUTS]	= { "timeouts" },
	[CK_ADAPTIVE_START] = { "adaptive_start" },
	[CK_ADAPTIVE_END] = { "adaptive_end" },
};

/* Past 1000% of max_flows the table can never get there: a typo. */
#define CT_ADAPTIVE_PCT_MAX	1000

/* A fill level in percent of max_flows; min is 0 for start (0: off). */
static int cfg_fill_pct(struct cfg_ctx *c, yaml_node_t *n, const char *name,
			unsigned long min, unsigned long *out)
{
	const char *s;
	size_t len;
	int ret = cfg_str(c, n, name, &s);

	if (ret)
		return ret;
	len = strlen(s);
	if (len && s[len - 1] == '%')
		len--;
	if (!len || cfg_uint(s, len, CT_ADAPTIVE_PCT_MAX, out) || *out < min)
		return cfg_err(c, n, name, "expected a percentage of max_flows from %lu%s to %u, "
			       "got '%s'", min, min ? "" : " (off)", CT_ADAPTIVE_PCT_MAX, s);
	return 0;
}

static int cfg_adaptive(struct cfg_ctx *c, yaml_node_t **v, struct pol_conntrack *ct)
{
	unsigned long start = CT_ADAPTIVE_START_DEFAULT, end = CT_ADAPTIVE_END_DEFAULT;
	int ret;

	if (v[CK_ADAPTIVE_START]) {
		ret = cfg_fill_pct(c, v[CK_ADAPTIVE_START], "adaptive_start", 0, &start);
		if (ret)
			return ret;
		ct->adaptive_start = start ? start : POL_CT_ADAPTIVE_OFF;
	}
	if (v[CK_ADAPTIVE_END]) {
		ret = cfg_fill_pct(c, v[CK_ADAPTIVE_END], "adaptive_end", 1, &end);
		if (ret)
			return ret;
		ct->adaptive_end = end;
	}
	if (start && end <= start)
		return cfg_err(c, v[CK_ADAPTIVE_END] ? v[CK_ADAPTIVE_END] : v[CK_ADAPTIVE_START],
			       v[CK_ADAPTIVE_END] ? "adaptive_end" : "adaptive_start",
			       "adaptive_end (%lu%%) must be above adaptive_start (%lu%%)", end, start);
	return 0;
}

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
	ret = cfg_adaptive(c, v, ct);
	if (ret)
		return ret;
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
