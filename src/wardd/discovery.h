/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/discovery.h: link discovery for wardd. Listens on rtnetlink
 * for links that appear, go or are renamed, and keeps the attached links in
 * line with the policy's interfaces: patterns. For wardd.c only.
 */
#ifndef WARDD_DISCOVERY_H
#define WARDD_DISCOVERY_H

struct wardd;

/* Subscribes to link events, registers with w's event loop, then catches up
 * with links that changed since the first scan. 0 or -errno (logged). */
int discovery_start(struct wardd *w);

/* Unregisters and closes; harmless when discovery never started. */
void discovery_stop(struct wardd *w);

#endif /* WARDD_DISCOVERY_H */
