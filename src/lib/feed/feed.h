/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/feed/feed.h: the flow log's events for live readers. The last N are
 * kept in a ring (wardctl logs), and each new one is handed to every
 * subscriber (wardctl logs -f). Single-threaded: the daemon publishes and
 * subscribes from its event loop; a subscriber that cannot keep up must
 * drop in its own callback, never block it. For wardd and the unit tests.
 */
#ifndef WARD_FEED_H
#define WARD_FEED_H

#include <stddef.h>
#include <linux/types.h>
#include "ward/abi.h"

#define FEED_RECENT_MAX		1024
#define FEED_LINE_MAX		1024

/* One event, as the flow log wrote it and in parts. */
struct feed_event {
	char	json[FEED_LINE_MAX];	/* the flow log line, without the newline */
	char	timestamp[32];
	char	action[16];		/* accept, drop, would-drop, alert */
	char	reason[24];		/* rule, policy; an alert's kind */
	char	rule[WARD_RULE_NAME_MAX];
	char	family[8];		/* ipv4, ipv6, "" */
	char	proto[16];
	char	src[48], dst[48];
	__u16	sport, dport;		/* host order; 0 without ports */
	char	ifname[16];
};

struct feed_sub {
	void	(*fn)(void *arg, const struct feed_event *fe);
	void	*arg;
};

struct feed {
	struct feed_event *ring;
	size_t	cap, head, n;		/* head: the next slot written */
	struct feed_sub *subs;
	size_t	n_subs, cap_subs;
	__u64	published;
};

/* A ring of cap events (1..FEED_RECENT_MAX). 0 or -errno. */
int feed_init(struct feed *f, size_t cap);
void feed_free(struct feed *f);
/* Keeps fe and hands it to every subscriber, in the order they came. */
void feed_publish(struct feed *f, const struct feed_event *fe);
/* Calls fn for the last n kept events, oldest first; returns how many. */
size_t feed_recent(const struct feed *f, size_t n,
		   void (*fn)(void *arg, const struct feed_event *fe), void *arg);
/* 0 or -errno. A subscriber may unsubscribe itself from its callback. */
int feed_subscribe(struct feed *f, void (*fn)(void *arg, const struct feed_event *fe),
		   void *arg);
void feed_unsubscribe(struct feed *f, void (*fn)(void *arg, const struct feed_event *fe),
		      void *arg);

#endif /* WARD_FEED_H */
