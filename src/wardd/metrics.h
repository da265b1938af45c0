/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/metrics.h: Prometheus text format on metrics.listen: /metrics
 * (the names of CONTRACT.md) and /healthz. Served from the event loop with
 * non-blocking sockets; a scrape reads the per-CPU maps in batches and
 * never touches the packet path.
 */
#ifndef WARDD_METRICS_H
#define WARDD_METRICS_H

#include "wardd.h"

/* Listens on addr ("127.0.0.1:9669", "[::1]:9669"); 0 or -errno. */
int metrics_start(struct wardd *w, const char *addr);
void metrics_stop(struct wardd *w);

#endif /* WARDD_METRICS_H */
