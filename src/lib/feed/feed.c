// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/feed/feed.c: see feed.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "feed.h"

int feed_init(struct feed *f, size_t cap)
{
	memset(f, 0, sizeof(*f));
	if (!cap || cap > FEED_RECENT_MAX)
		return -EINVAL;
	f->ring = malloc(cap * sizeof(*f->ring));
	if (!f->ring)
		return -ENOMEM;
	/* Touched now, not as events come: the ring is a fixed cost of the
	 * daemon (about 1.4 MiB), not memory that creeps up while it runs.
	 * explicit_bzero: gcc turns malloc + memset 0 into calloc, whose
	 * fresh pages are not touched at all. */
	explicit_bzero(f->ring, cap * sizeof(*f->ring));
	f->cap = cap;
	return 0;
}

void feed_free(struct feed *f)
{
	free(f->ring);
	free(f->subs);
	memset(f, 0, sizeof(*f));
}

void feed_publish(struct feed *f, const struct feed_event *fe)
{
	size_t i, n;

	if (!f->ring)
		return;
	f->ring[f->head] = *fe;
	f->head = (f->head + 1) % f->cap;
	if (f->n < f->cap)
		f->n++;
	f->published++;
	/* A callback may unsubscribe (itself or another): walk by index
	 * over the subscribers there were when the event came. */
	n = f->n_subs;
	for (i = 0; i < n && i < f->n_subs; i++) {
		struct feed_sub s = f->subs[i];

		s.fn(s.arg, fe);
		if (i < f->n_subs && (f->subs[i].fn != s.fn || f->subs[i].arg != s.arg)) {
			i--;	/* this one left: the next moved into its slot */
			n--;
		}
	}
}

size_t feed_recent(const struct feed *f, size_t n,
		   void (*fn)(void *arg, const struct feed_event *fe), void *arg)
{
	size_t i, start;

	if (n > f->n)
		n = f->n;
	start = (f->head + f->cap - n) % (f->cap ? f->cap : 1);
	for (i = 0; i < n; i++)
		fn(arg, &f->ring[(start + i) % f->cap]);
	return n;
}

int feed_subscribe(struct feed *f, void (*fn)(void *arg, const struct feed_event *fe),
		   void *arg)
{
	struct feed_sub *ns;

	if (f->n_subs == f->cap_subs) {
		ns = reallocarray(f->subs, f->cap_subs ? f->cap_subs * 2 : 8, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		f->subs = ns;
		f->cap_subs = f->cap_subs ? f->cap_subs * 2 : 8;
	}
	f->subs[f->n_subs++] = (struct feed_sub){ fn, arg };
	return 0;
}

void feed_unsubscribe(struct feed *f, void (*fn)(void *arg, const struct feed_event *fe),
		      void *arg)
{
	size_t i;

	for (i = 0; i < f->n_subs; i++) {
		if (f->subs[i].fn != fn || f->subs[i].arg != arg)
			continue;
		memmove(&f->subs[i], &f->subs[i + 1], (f->n_subs - i - 1) * sizeof(*f->subs));
		f->n_subs--;
		return;
	}
}
