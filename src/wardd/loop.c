// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardd/loop.c: see loop.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "loop.h"

#define LOOP_MAX_EVENTS	16

struct loop_entry {
	int	fd;
	bool	timer;		/* a timerfd the loop made (and closes) */
	bool	dead;		/* deleted: freed once the current batch is done */
	loop_fd_cb fd_cb;
	loop_timer_cb timer_cb;
	void	*arg;
	struct loop_entry *next;
};

struct loop {
	int	epfd;
	bool	stop;
	struct loop_entry *entries;
	struct loop_entry *dead;	/* may still be in the batch being handled */
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	struct loop_entry *e, *n;

	if (!l)
		return;
	for (e = l->entries; e; e = n) {
		n = e->next;
		if (e->timer)
			close(e->fd);
		free(e);
	}
	for (e = l->dead; e; e = n) {
		n = e->next;
		free(e);
	}
	close(l->epfd);
	free(l);
}

static int loop_add(struct loop *l, struct loop_entry *e, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = e };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, e->fd, &ev))
		return -errno;
	e->next = l->entries;
	l->entries = e;
	return 0;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct loop_entry *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	e->fd = fd;
	e->fd_cb = cb;
	e->arg = arg;
	err = loop_add(l, e, events);
	if (err)
		free(e);
	return err;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_entry **pp, *e;

	for (pp = &l->entries; (e = *pp); pp = &e->next) {
		if (e->fd != fd)
			continue;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		*pp = e->next;
		if (e->timer)
			close(e->fd);
		e->dead = true;
		e->next = l->dead;
		l->dead = e;
		return;
	}
}

int loop_add_timer(struct loop *l, unsigned int period_ms, loop_timer_cb cb, void *arg)
{
	struct itimerspec its = {
		.it_interval = { period_ms / 1000, (period_ms % 1000) * 1000000L },
		.it_value = { period_ms / 1000, (period_ms % 1000) * 1000000L },
	};
	struct loop_entry *e;
	int fd, err;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		err = -errno;
		goto err_close;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		err = -ENOMEM;
		goto err_close;
	}
	e->fd = fd;
	e->timer = true;
	e->timer_cb = cb;
	e->arg = arg;
	err = loop_add(l, e, EPOLLIN);
	if (err) {
		free(e);
		goto err_close;
	}
	return fd;

err_close:
	close(fd);
	return err;
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];
	int i, n;

	while (!l->stop) {
		n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !l->stop; i++) {
			struct loop_entry *e = ev[i].data.ptr;

			if (e->dead)
				continue;
			if (e->timer) {
				uint64_t ticks;

				if (read(e->fd, &ticks, sizeof(ticks)) == sizeof(ticks))
					e->timer_cb(e->arg);
			} else {
				e->fd_cb(e->fd, ev[i].events, e->arg);
			}
		}
		while (l->dead) {
			struct loop_entry *e = l->dead;

			l->dead = e->next;
			free(e);
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
