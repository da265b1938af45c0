/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/wardd.h: the daemon's shared state, for its modules (the main
 * program, link discovery, metrics, the API). Single-threaded: everything
 * runs from the event loop.
 */
#ifndef WARDD_H
#define WARDD_H

#include <stdbool.h>
#include "compile.h"
#include "config.h"
#include "dataplane.h"
#include "loop.h"
#include "policy.h"

struct api;
struct events;
struct metrics;

/* A policy's text and the name its messages use (a file, "<embedded>"). */
struct wardd_src {
	char	*name;
	char	*text;
	size_t	len;
};

struct wardd {
	const char *config_path;	/* NULL: the embedded default */
	struct loop *loop;
	struct dataplane dp;
	struct pol_policy pol;		/* the live policy */
	struct compiled comp;		/* ... compiled */
	bool	have_policy;
	bool	detach_on_exit;
	struct events *events;		/* flow log, alerts (events.c) */
	struct metrics *metrics;	/* /metrics and /healthz (metrics.c) */
	__u64	alerts_total[4];	/* by WARD_ALERT_*, for metrics */
	struct api *api;		/* the gRPC control plane (api/) */
	struct wardd_src live_src;	/* what the live policy was read from */
	struct wardd_src next_src;	/* set by the API for one reload: read this, not the file */
	char	reload_err[CFG_ERR_MAX];	/* why the last reload failed; "" if it did not */
};

/* Reads the file again and makes it live: parse -> compile -> commit ->
 * attach. The API's rules are merged in, and an API call may have queued
 * another text in next_src. On any error before the commit nothing changes
 * and reload_err says why. 0 or -errno. */
int wardd_reload(struct wardd *w);

/* Brings the attached links in line with the live policy and the links
 * that exist now (after a link appeared, went or was renamed). */
int wardd_sync_links(struct wardd *w);

#endif /* WARDD_H */
