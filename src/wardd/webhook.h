/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/webhook.h: POSTs alert JSON to an http:// URL from a thread of
 * its own, with retries, so that a slow or dead receiver never holds the
 * daemon. A bounded queue: when it is full the oldest alert is dropped.
 */
#ifndef WARDD_WEBHOOK_H
#define WARDD_WEBHOOK_H

struct webhook;

/* NULL with errno set on a bad URL or no memory. */
struct webhook *webhook_new(const char *url);
/* Queues a copy of body; never blocks. */
void webhook_post(struct webhook *wh, const char *body);
/* Asks the thread to stop and returns at once; the thread frees the sender
 * when the request in flight (if any) is done. */
void webhook_free(struct webhook *wh);

#endif /* WARDD_WEBHOOK_H */
