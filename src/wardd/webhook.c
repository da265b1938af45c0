// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardd/webhook.c: see webhook.h. Plain HTTP/1.1, one request a connection. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "webhook.h"

#define WEBHOOK_QUEUE	64
#define WEBHOOK_TRIES	3
#define WEBHOOK_TIMEOUT	2	/* seconds, per connect/send/receive */

struct webhook {
	char	host[256];
	char	port[8];
	char	path[512];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char	*queue[WEBHOOK_QUEUE];
	unsigned int head, len;
	bool	stop;
};

static int parse_url(struct webhook *wh, const char *url)
{
	const char *p = url + strlen("http://"), *slash, *colon;
	size_t hlen;

	if (strncmp(url, "http://", 7))
		return -EINVAL;
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	colon = memchr(p, ':', slash - p);
	hlen = (colon ? colon : slash) - p;
	if (!hlen || hlen >= sizeof(wh->host))
		return -EINVAL;
	memcpy(wh->host, p, hlen);
	wh->host[hlen] = '\0';
	if (colon) {
		size_t plen = slash - colon - 1;

		if (!plen || plen >= sizeof(wh->port))
			return -EINVAL;
		memcpy(wh->port, colon + 1, plen);
		wh->port[plen] = '\0';
	} else {
		strcpy(wh->port, "80");
	}
	snprintf(wh->path, sizeof(wh->path), "%s", *slash ? slash : "/");
	return 0;
}

/* One attempt: 0 when the receiver answered 2xx. */
static int post_once(struct webhook *wh, const char *body)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timeval tv = { .tv_sec = WEBHOOK_TIMEOUT };
	char req[1024], resp[64];
	size_t blen = strlen(body);
	int fd = -1, ret = -1, n, status = 0;

	if (getaddrinfo(wh->host, wh->port, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen))
		goto out;
	n = snprintf(req, sizeof(req),
		     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\nUser-Agent: wardd\r\n\r\n",
		     wh->path, wh->host, wh->port, blen);
	if (send(fd, req, n, MSG_NOSIGNAL) != n ||
	    send(fd, body, blen, MSG_NOSIGNAL) != (ssize_t)blen)
		goto out;
	n = recv(fd, resp, sizeof(resp) - 1, 0);
	if (n <= 0)
		goto out;
	resp[n] = '\0';
	if (sscanf(resp, "HTTP/%*d.%*d %d", &status) == 1 && status >= 200 && status < 300)
		ret = 0;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ret;
}

/* The sender's thread frees the sender when it leaves: webhook_free() does
 * not wait for a retry in flight (seconds) on the daemon's event loop. */
static void webhook_release(struct webhook *wh)
{
	while (wh->len) {
		free(wh->queue[wh->head]);
		wh->head = (wh->head + 1) % WEBHOOK_QUEUE;
		wh->len--;
	}
	pthread_mutex_destroy(&wh->lock);
	pthread_cond_destroy(&wh->cond);
	free(wh);
}

static void *webhook_main(void *arg)
{
	struct webhook *wh = arg;

	for (;;) {
		char *body;
		int i;

		pthread_mutex_lock(&wh->lock);
		while (!wh->len && !wh->stop)
			pthread_cond_wait(&wh->cond, &wh->lock);
		if (wh->stop) {
			pthread_mutex_unlock(&wh->lock);
			webhook_release(wh);
			return NULL;
		}
		body = wh->queue[wh->head];
		wh->head = (wh->head + 1) % WEBHOOK_QUEUE;
		wh->len--;
		pthread_mutex_unlock(&wh->lock);

		for (i = 0; i < WEBHOOK_TRIES; i++) {
			if (!post_once(wh, body))
				break;
			sleep(1u << i);		/* 1 s, 2 s, 4 s */
		}
		if (i == WEBHOOK_TRIES)
			pr_warn("webhook http://%s:%s%s: alert not delivered after %d tries\n",
				wh->host, wh->port, wh->path, WEBHOOK_TRIES);
		free(body);
	}
}

struct webhook *webhook_new(const char *url)
{
	struct webhook *wh = calloc(1, sizeof(*wh));

	if (!wh)
		return NULL;
	if (parse_url(wh, url)) {
		free(wh);
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_init(&wh->lock, NULL);
	pthread_cond_init(&wh->cond, NULL);
	if (pthread_create(&wh->thread, NULL, webhook_main, wh)) {
		free(wh);
		errno = EAGAIN;
		return NULL;
	}
	return wh;
}

void webhook_post(struct webhook *wh, const char *body)
{
	char *copy = strdup(body);

	if (!copy)
		return;
	pthread_mutex_lock(&wh->lock);
	if (wh->len == WEBHOOK_QUEUE) {		/* full: the oldest goes */
		free(wh->queue[wh->head]);
		wh->head = (wh->head + 1) % WEBHOOK_QUEUE;
		wh->len--;
	}
	wh->queue[(wh->head + wh->len) % WEBHOOK_QUEUE] = copy;
	wh->len++;
	pthread_cond_signal(&wh->cond);
	pthread_mutex_unlock(&wh->lock);
}

void webhook_free(struct webhook *wh)
{
	if (!wh)
		return;
	pthread_mutex_lock(&wh->lock);
	wh->stop = true;
	pthread_cond_signal(&wh->cond);
	pthread_mutex_unlock(&wh->lock);
	pthread_detach(wh->thread);
}
