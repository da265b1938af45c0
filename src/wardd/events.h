/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/events.h: the data plane's events as the operator sees them:
 * JSON flow log lines (ECS field names, CONTRACT.md), alerts (port scan
 * from the data plane, SYN flood from the half-open rate), and the alert
 * webhook.
 */
#ifndef WARDD_EVENTS_H
#define WARDD_EVENTS_H

#include "wardd.h"

struct feed;

int events_start(struct wardd *w);
/* After a reload: reopen the log file (also what logrotate needs), take
 * the new webhook and thresholds. */
void events_configure(struct wardd *w);
/* Once a second, from the daemon's tick. */
void events_tick(struct wardd *w);
void events_stop(struct wardd *w);
/* Every line the flow log gets (flows and alerts) goes through this feed
 * too, also with logs.path: none; NULL before events_start. */
struct feed *events_feed(struct wardd *w);

#endif /* WARDD_EVENTS_H */
