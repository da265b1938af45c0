/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/loop.h: wardd's event loop (epoll). Each module of the daemon
 * (signals, the flow sweeper, link discovery, metrics, the API) registers
 * its descriptors and timers here; nothing blocks the loop for long.
 */
#ifndef WARDD_LOOP_H
#define WARDD_LOOP_H

#include <stdint.h>

struct loop;

/* Called with the epoll events that fired. */
typedef void (*loop_fd_cb)(int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* 0 or -errno. The loop does not own fd: its module closes it after loop_del_fd. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
void loop_del_fd(struct loop *l, int fd);

/* A periodic timer; returns its fd (for loop_del_fd + close), or -errno. */
int loop_add_timer(struct loop *l, unsigned int period_ms, loop_timer_cb cb, void *arg);

/* Runs until loop_stop(); returns 0, or -errno if epoll failed. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif /* WARDD_LOOP_H */
