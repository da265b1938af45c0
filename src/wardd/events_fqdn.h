/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/events_fqdn.h: the flow log line of a DNS answer the data plane
 * learned from (WARD_EV_FQDN). Logging only: the addresses are in the map
 * before the event is even read.
 */
#ifndef WARDD_EVENTS_FQDN_H
#define WARDD_EVENTS_FQDN_H

#include <stddef.h>
#include "wardd.h"

/* One JSON object (ECS: dns.question.name, dns.resolved_ip) into line;
 * returns its length, or 0 when it did not fit. when: the @timestamp. */
int fqdn_event_line(struct wardd *w, const void *ev, const char *when, char *line, size_t len);

#endif /* WARDD_EVENTS_FQDN_H */
