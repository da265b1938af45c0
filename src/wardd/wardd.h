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
#include "dataplane.h"
#include "loop.h"
#include "policy.h"

struct wardd {
	const char *config_path;	/* NULL: the embedded default */
	struct loop *loop;
	struct dataplane dp;
	struct pol_policy pol;		/* the live policy */
	struct compiled comp;		/* ... compiled */
	bool	have_policy;
	bool	detach_on_exit;
};

/* Reads the file again and makes it live: parse -> compile -> commit ->
 * attach. On any error before the commit nothing changes. 0 or -errno. */
int wardd_reload(struct wardd *w);

/* Brings the attached links in line with the live policy and the links
 * that exist now (after a link appeared, went or was renamed). */
int wardd_sync_links(struct wardd *w);

#endif /* WARDD_H */
