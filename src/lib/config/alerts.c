/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/alerts.c: the alerts: section (port_scan, syn_flood,
 * webhook).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

enum { AK_PORT_SCAN, AK_SYN_FLOOD, AK_WEBHOOK, AK_N };
static const struct cfg_key cfg_alerts_keys[AK_N] = {
	[AK_PORT_SCAN] = { "port_scan", 0 }, [AK_SYN_FLOOD] = { "syn_flood", 0 },
	[AK_WEBHOOK] = { "webhook", 0 },
};

enum { PSK_PORTS, PSK_WINDOW, PSK_N };
static const struct cfg_key cfg_scan_keys[PSK_N] = {
	[PSK_PORTS] = { "ports", 0 }, [PSK_WINDOW] = { "window", 0 },
};

enum { SFK_RATE, SFK_N };
static const struct cfg_key cfg_synflood_keys[SFK_N] = { [SFK_RATE] = { "rate", 0 } };

int cfg_alerts(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_alerts *a = &c->pol->alerts;
	yaml_node_t *v[AK_N], *ps[PSK_N], *sf[SFK_N];
	unsigned long n;
	const char *s;
	int ret;

	ret = cfg_section(c, map, "alerts", cfg_alerts_keys, AK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (v[AK_PORT_SCAN]) {
		a->scan_ports = 20;
		a->scan_window = 10;
		if (!cfg_is_null(v[AK_PORT_SCAN])) {
			ret = cfg_map_keys(c, v[AK_PORT_SCAN], "port_scan", cfg_scan_keys,
					   PSK_N, NULL, ps);
			if (ret)
				return ret;
			if (ps[PSK_PORTS]) {
				ret = cfg_str(c, ps[PSK_PORTS], "ports", &s);
				if (ret)
					return ret;
				if (cfg_uint(s, strlen(s), 255, &n) || n < 2)
					return cfg_err(c, ps[PSK_PORTS], "ports",
						       "expected a number of ports from 2 to 255, got '%s'", s);
				a->scan_ports = n;
			}
			if (ps[PSK_WINDOW]) {
				ret = cfg_duration(c, ps[PSK_WINDOW], "window", &a->scan_window);
				if (ret)
					return ret;
			}
		}
	}
	if (v[AK_SYN_FLOOD]) {
		a->syn_rate = 2000;
		if (!cfg_is_null(v[AK_SYN_FLOOD])) {
			ret = cfg_map_keys(c, v[AK_SYN_FLOOD], "syn_flood", cfg_synflood_keys,
					   SFK_N, NULL, sf);
			if (ret)
				return ret;
			if (sf[SFK_RATE]) {
				ret = cfg_rate(c, sf[SFK_RATE], "rate", 100000000, &a->syn_rate);
				if (ret)
					return ret;
			}
		}
	}
	if (v[AK_WEBHOOK]) {
		ret = cfg_dup_str(c, v[AK_WEBHOOK], "webhook", &a->webhook);
		if (ret)
			return ret;
		if (strncmp(a->webhook, "http://", 7) || !a->webhook[7])
			return cfg_err(c, v[AK_WEBHOOK], "webhook",
				       "expected an http:// URL, got '%s'", a->webhook);
	}
	return 0;
}
