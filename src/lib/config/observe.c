/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/observe.c: the sections that say how ward is watched and
 * driven: metrics:, api: (and its tls:) and logs:.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

enum { APK_LISTEN, APK_LOCKED, APK_TLS, APK_N };
static const struct cfg_key cfg_api_keys[APK_N] = {
	[APK_LISTEN] = { "listen", 0 }, [APK_LOCKED] = { "locked", 0 }, [APK_TLS] = { "tls", 0 },
};

enum { ATK_CERT, ATK_KEY, ATK_CA, ATK_N };
static const struct cfg_key cfg_api_tls_keys[ATK_N] = {
	[ATK_CERT] = { "cert", 0 }, [ATK_KEY] = { "key", 0 }, [ATK_CA] = { "ca", 0 },
};

enum { MK_LISTEN, MK_N };
static const struct cfg_key cfg_metrics_keys[MK_N] = { [MK_LISTEN] = { "listen", 0 } };

enum { LK_PATH, LK_RATE, LK_N };
static const struct cfg_key cfg_logs_keys[LK_N] = {
	[LK_PATH] = { "path", 0 }, [LK_RATE] = { "rate", 0 },
};

int cfg_metrics(struct cfg_ctx *c, yaml_node_t *map)
{
	yaml_node_t *v[MK_N];
	char *colon;
	int ret;

	ret = cfg_section(c, map, "metrics", cfg_metrics_keys, MK_N, v);
	if (ret || !v[MK_LISTEN])
		return ret > 0 ? 0 : ret;
	ret = cfg_dup_str(c, v[MK_LISTEN], "listen", &c->pol->observe.metrics_listen);
	if (ret)
		return ret;
	colon = strrchr(c->pol->observe.metrics_listen, ':');
	if (strcmp(c->pol->observe.metrics_listen, "none") &&
	    (!colon || colon == c->pol->observe.metrics_listen || !colon[1]))
		return cfg_err(c, v[MK_LISTEN], "listen",
			       "expected ADDR:PORT (127.0.0.1:9669, [::1]:9669) or none, got '%s'",
			       c->pol->observe.metrics_listen);
	return 0;
}

/* api.tls: {cert, key, ca}, all three: the API over TCP is mTLS or nothing. */
static int cfg_api_tls(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_api *a = &c->pol->api;
	char **out[ATK_N] = { &a->tls_cert, &a->tls_key, &a->tls_ca };
	yaml_node_t *v[ATK_N];
	size_t i;
	int ret;

	ret = cfg_map_keys(c, map, "api.tls", cfg_api_tls_keys, ATK_N, NULL, v);
	if (ret)
		return ret;
	for (i = 0; i < ATK_N; i++) {
		if (!v[i])
			return cfg_err(c, map, "tls",
				       "%s: missing (tls needs cert, key and ca: the server's certificate and key, and the CA client certificates must be signed by)",
				       cfg_api_tls_keys[i].name);
		ret = cfg_dup_str(c, v[i], cfg_api_tls_keys[i].name, out[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int cfg_api(struct cfg_ctx *c, yaml_node_t *map)
{
	struct pol_api *a = &c->pol->api;
	yaml_node_t *v[APK_N];
	int ret;

	ret = cfg_section(c, map, "api", cfg_api_keys, APK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (v[APK_TLS]) {
		ret = cfg_api_tls(c, v[APK_TLS]);
		if (ret)
			return ret;
	}
	if (v[APK_LISTEN]) {
		ret = cfg_dup_str(c, v[APK_LISTEN], "listen", &a->listen);
		if (ret)
			return ret;
		if (!strncmp(a->listen, "tcp://", 6)) {
			if (!a->tls_cert)
				return cfg_err(c, v[APK_LISTEN], "listen",
					       "%s: TCP is served with TLS and client certificates only: add tls: {cert, key, ca}",
					       a->listen);
			if (!strchr(a->listen + 6, ':') || !strrchr(a->listen, ':')[1])
				return cfg_err(c, v[APK_LISTEN], "listen",
					       "expected tcp://ADDR:PORT, got '%s'", a->listen);
		} else if (strcmp(a->listen, "none") && strncmp(a->listen, "unix:/", 6)) {
			return cfg_err(c, v[APK_LISTEN], "listen",
				       "expected unix:/ABSOLUTE/PATH, tcp://ADDR:PORT or none, got '%s'",
				       a->listen);
		}
	}
	if (a->tls_cert && (!a->listen || strncmp(a->listen, "tcp://", 6)))
		return cfg_err(c, v[APK_TLS], "tls",
			       "only for listen: tcp://ADDR:PORT (a unix socket is guarded by its file mode)");
	if (v[APK_LOCKED])
		return cfg_bool(c, v[APK_LOCKED], "locked", &a->locked);
	return 0;
}

int cfg_logs(struct cfg_ctx *c, yaml_node_t *map)
{
	yaml_node_t *v[LK_N];
	int ret;

	ret = cfg_section(c, map, "logs", cfg_logs_keys, LK_N, v);
	if (ret)
		return ret > 0 ? 0 : ret;
	if (v[LK_PATH]) {
		ret = cfg_dup_str(c, v[LK_PATH], "path", &c->pol->observe.log_path);
		if (ret)
			return ret;
	}
	if (v[LK_RATE])
		return cfg_rate(c, v[LK_RATE], "rate", 1000000, &c->pol->observe.log_rate);
	return 0;
}
