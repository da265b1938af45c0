// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardd/metrics.c: see metrics.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "dataplane_fqdn.h"
#include "log.h"
#include "api.h"
#include "metrics.h"
#include "ct_pressure.h"
#include "dataplane_nat.h"

/*
 * Scrapers and probes are served a few at a time. A client that holds a
 * slot without finishing is closed when its deadline passes, and when all
 * slots are taken a new connection takes the slot of the oldest client:
 * idle or slow connections can't lock a health check out.
 */
#define METRICS_MAX_CLIENTS	32
#define METRICS_REQ_MAX		4096
#define METRICS_REQ_TIMEOUT_MS	5000	/* from connect to a whole request */
#define METRICS_SEND_TIMEOUT_MS	10000	/* for the whole response */
#define METRICS_SWEEP_MS	1000

struct client {
	int	fd;
	char	req[METRICS_REQ_MAX];
	size_t	req_len;
	char	*out;		/* the response, once the request is in */
	size_t	out_len, sent;
	__u64	since_ms;	/* accepted */
	__u64	deadline_ms;	/* closed if not done by then */
};

struct metrics {
	struct wardd *w;
	int	fd;
	int	timer;		/* sweeps clients past their deadline */
	struct client clients[METRICS_MAX_CLIENTS];
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A growing text buffer. */
struct buf {
	char	*p;
	size_t	len, cap;
	bool	oom;
};

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (b->oom)
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += n;
			return;
		}
		b->cap = b->cap * 2 + n + 1;
		char *np = realloc(b->p, b->cap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
	}
}

/* Label values: backslash, quote and newline escaped (exposition format). */
static void blabel(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			bprintf(b, "\\%c", *s);
		else if (*s == '\n')
			bprintf(b, "\\n");
		else
			bprintf(b, "%c", *s);
	}
}

static void header(struct buf *b, const char *name, const char *type, const char *help)
{
	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One read of the rule counters feeds both families: the bytes lines are
 * kept aside while the packets lines are written. */
struct rule_cb {
	struct buf *packets;
	struct buf bytes;
};

static void put_rule(const char *name, __u64 packets, __u64 bytes, void *arg)
{
	struct rule_cb *r = arg;

	bprintf(r->packets, "ward_rule_packets_total{rule=\"");
	blabel(r->packets, name);
	bprintf(r->packets, "\"} %llu\n", (unsigned long long)packets);
	bprintf(&r->bytes, "ward_rule_bytes_total{rule=\"");
	blabel(&r->bytes, name);
	bprintf(&r->bytes, "\"} %llu\n", (unsigned long long)bytes);
}

/* FQDN rules (docs/fqdn.md): live learned addresses per set, and what
 * became of the DNS answers the data plane saw. */
struct fqdn_count {
	const struct compiled *c;
	size_t	n[WARD_FQDN_SETS];
};

static void count_fqdn(const char *set, int family, const __u8 *addr, __u64 left, __u32 ttl,
		       void *arg)
{
	struct fqdn_count *fc = arg;
	size_t i;

	for (i = 0; i < fc->c->fqdn.n_sets && i < WARD_FQDN_SETS; i++)
		if (!strcmp(fc->c->fqdn.sets[i].name, set))
			fc->n[i]++;
}

static void render_fqdn(struct wardd *w, struct buf *b, const __u64 *cnt)
{
	static const struct { int cnt; const char *result; } answers[] = {
		{ WARD_CNT_FQDN_PARSED, "parsed" }, { WARD_CNT_FQDN_IGNORED, "ignored" },
		{ WARD_CNT_FQDN_SPOOFED, "spoofed" }, { WARD_CNT_FQDN_MALFORMED, "malformed" },
		{ WARD_CNT_FQDN_FRAGMENT, "fragment" },
	};
	struct fqdn_count fc = { .c = &w->comp };
	size_t i;

	dp_fqdn_walk(&w->dp, count_fqdn, &fc);
	header(b, "ward_fqdn_addresses", "gauge",
	       "Addresses learned from DNS answers, not expired, by FQDN set.");
	for (i = 0; i < w->comp.fqdn.n_sets && i < WARD_FQDN_SETS; i++) {
		bprintf(b, "ward_fqdn_addresses{set=\"");
		blabel(b, w->comp.fqdn.sets[i].name);
		bprintf(b, "\"} %zu\n", fc.n[i]);
	}
	header(b, "ward_fqdn_answers_total", "counter",
	       "DNS answers from the resolvers, by what became of them.");
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		bprintf(b, "ward_fqdn_answers_total{result=\"%s\"} %llu\n", answers[i].result,
			(unsigned long long)cnt[answers[i].cnt]);
	header(b, "ward_fqdn_learned_total", "counter", "Addresses written by DNS answers.");
	bprintf(b, "ward_fqdn_learned_total %llu\n", (unsigned long long)cnt[WARD_CNT_FQDN_LEARNED]);
	header(b, "ward_fqdn_queries_total", "counter", "DNS queries to the resolvers, recorded.");
	bprintf(b, "ward_fqdn_queries_total %llu\n", (unsigned long long)cnt[WARD_CNT_FQDN_QUERY]);
	header(b, "ward_fqdn_truncated_total", "counter",
	       "Answers with more records than one answer may teach.");
	bprintf(b, "ward_fqdn_truncated_total %llu\n", (unsigned long long)cnt[WARD_CNT_FQDN_TRUNC]);
}

/* What became of the answers to rejected packets (each is also a drop,
 * reason rule, in ward_drops_total). */
/* The flow table: flows by whether they were answered (only unanswered
 * ones are ever evicted), and the evictions by reason (docs/conntrack.md). */
static void put_conntrack(struct buf *b, struct wardd *w)
{
	size_t yes, no;
	__u64 early, adaptive;

	dp_ct_answered(&w->dp, &yes, &no);
	dp_ct_evictions(&w->dp, &early, &adaptive);
	header(b, "ward_conntrack_flows", "gauge",
	       "Flows in the flow table, by whether they saw an answer (TCP: a completed handshake).");
	bprintf(b, "ward_conntrack_flows{answered=\"yes\"} %zu\n", yes);
	bprintf(b, "ward_conntrack_flows{answered=\"no\"} %zu\n", no);
	header(b, "ward_conntrack_evictions_total", "counter",
	       "Unanswered flows removed under pressure: early_drop (to admit a new flow into a full "
	       "table), adaptive_timeout (past a timeout the table's fill had shortened).");
	bprintf(b, "ward_conntrack_evictions_total{reason=\"early_drop\"} %llu\n",
		(unsigned long long)early);
	bprintf(b, "ward_conntrack_evictions_total{reason=\"adaptive_timeout\"} %llu\n",
		(unsigned long long)adaptive);
}

static void put_rejects(struct buf *b, const __u64 *cnt)
{
	header(b, "ward_rejects_total", "counter",
	       "Rejected packets, by what became of the answer: sent, limited "
	       "(over defaults.reject_rate) or skipped (not to be answered).");
	bprintf(b, "ward_rejects_total{result=\"sent\"} %llu\n",
		(unsigned long long)cnt[WARD_CNT_REJECT_SENT]);
	bprintf(b, "ward_rejects_total{result=\"limited\"} %llu\n",
		(unsigned long long)cnt[WARD_CNT_REJECT_LIMITED]);
	bprintf(b, "ward_rejects_total{result=\"skipped\"} %llu\n",
		(unsigned long long)cnt[WARD_CNT_REJECT_SKIPPED]);
	header(b, "ward_would_reject_total", "counter",
	       "First packets the global dry-run passed that a reject rule decided.");
	bprintf(b, "ward_would_reject_total %llu\n", (unsigned long long)cnt[WARD_CNT_WOULD_REJECT]);
}

static void render(struct wardd *w, struct buf *b)
{
	static const char *const alerts[] = { NULL, "port_scan", "syn_flood", "rate_limit" };
	__u64 cnt[WARD_CNT_MAX] = {};
	struct rule_cb r = { .packets = b };
	size_t i;

	dp_read_counters(&w->dp, cnt);

	header(b, "ward_rule_packets_total", "counter",
	       "Packets of the flows each rule decided (both directions).");
	dp_read_rule_stats(&w->dp, put_rule, &r);
	header(b, "ward_rule_bytes_total", "counter", "Bytes of the flows each rule decided.");
	if (r.bytes.len)
		bprintf(b, "%.*s", (int)r.bytes.len, r.bytes.p);
	b->oom |= r.bytes.oom;
	free(r.bytes.p);

	header(b, "ward_drops_total", "counter", "Packets dropped, by reason.");
	for (i = 0; i < WARD_CNT_DROP_MAX; i++)
		bprintf(b, "ward_drops_total{reason=\"%s\"} %llu\n", dp_counter_name(i),
			(unsigned long long)cnt[i]);

	header(b, "ward_would_drop_total", "counter",
	       "Packets the global dry-run passed that the policy would have dropped.");
	bprintf(b, "ward_would_drop_total %llu\n", (unsigned long long)cnt[WARD_CNT_WOULD_DROP]);
	put_rejects(b, cnt);

	put_conntrack(b, w);
	header(b, "ward_conntrack_max", "gauge", "Size of the flow table (conntrack.max_flows).");
	bprintf(b, "ward_conntrack_max %u\n", w->dp.max_flows);
	header(b, "ward_nat_bindings", "gauge", "Flows with a NAT binding (a walk of ward_nat).");
	bprintf(b, "ward_nat_bindings %zu\n", dp_nat_count(&w->dp));
	header(b, "ward_forwarded_total", "counter",
	       "Forwarded packets by path: the fast path (fib + redirect) or the kernel stack.");
	bprintf(b, "ward_forwarded_total{path=\"redirect\"} %llu\n",
		(unsigned long long)cnt[WARD_CNT_FWD_REDIRECT]);
	bprintf(b, "ward_forwarded_total{path=\"stack\"} %llu\n",
		(unsigned long long)cnt[WARD_CNT_FWD_STACK]);
	header(b, "ward_conntrack_opened_total", "counter", "Flows opened.");
	bprintf(b, "ward_conntrack_opened_total %llu\n", (unsigned long long)cnt[WARD_CNT_CT_NEW]);
	header(b, "ward_conntrack_related_total", "counter",
	       "ICMP errors passed as related to a flow.");
	bprintf(b, "ward_conntrack_related_total %llu\n",
		(unsigned long long)cnt[WARD_CNT_CT_RELATED]);

	header(b, "ward_policy_generation", "gauge", "Generation of the live policy.");
	bprintf(b, "ward_policy_generation %llu\n", (unsigned long long)w->dp.generation);

	header(b, "ward_interface_info", "gauge", "Links ward is attached to, with role and hook.");
	for (i = 0; i < w->dp.n_links; i++) {
		const struct dp_link *l = &w->dp.links[i];
		__u8 z = l->info.in_zone;

		bprintf(b, "ward_interface_info{interface=\"");
		blabel(b, l->name);
		bprintf(b, "\",role=\"");
		if (z && z <= w->comp.n_zones)
			blabel(b, w->comp.zones[z - 1]);
		bprintf(b, "\",mode=\"%s\"} 1\n", dp_mode_name(l->mode));
	}

	header(b, "ward_alerts_total", "counter", "Alerts raised, by kind.");
	for (i = 1; i < sizeof(alerts) / sizeof(alerts[0]); i++)
		bprintf(b, "ward_alerts_total{kind=\"%s\"} %llu\n", alerts[i],
			(unsigned long long)w->alerts_total[i]);

	header(b, "ward_log_suppressed_total", "counter",
	       "Flow log records held back by the per-rule rate limit.");
	bprintf(b, "ward_log_suppressed_total %llu\n",
		(unsigned long long)cnt[WARD_CNT_LOG_SUPPRESSED]);
	header(b, "ward_log_lost_total", "counter",
	       "Flow log records and alerts lost to a full ring buffer.");
	bprintf(b, "ward_log_lost_total %llu\n", (unsigned long long)cnt[WARD_CNT_LOG_LOST]);
	header(b, "ward_log_stream_dropped_total", "counter",
	       "Flow log events slow API followers (wardctl logs -f) lost.");
	bprintf(b, "ward_log_stream_dropped_total %llu\n",
		(unsigned long long)api_events_dropped(w));
	render_fqdn(w, b, cnt);
}

static void respond(struct metrics *m, struct client *c)
{
	struct buf body = {}, all = {};
	const char *status = "200 OK", *type = "text/plain; version=0.0.4; charset=utf-8";
	char method[8] = "", path[256] = "";

	sscanf(c->req, "%7s %255s", method, path);
	if (strcmp(method, "GET")) {
		status = "405 Method Not Allowed";
		bprintf(&body, "only GET\n");
	} else if (!strcmp(path, "/metrics")) {
		render(m->w, &body);
	} else if (!strcmp(path, "/healthz")) {
		if (m->w->have_policy) {
			bprintf(&body, "ok: generation %llu\n",
				(unsigned long long)m->w->dp.generation);
		} else {
			status = "503 Service Unavailable";
			bprintf(&body, "no policy\n");
		}
	} else {
		status = "404 Not Found";
		bprintf(&body, "try /metrics or /healthz\n");
	}
	bprintf(&all, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n", status, type, body.len);
	if (body.len)
		bprintf(&all, "%.*s", (int)body.len, body.p);
	free(body.p);
	if (all.oom) {
		free(all.p);
		all.p = NULL;
		all.len = 0;
	}
	c->out = all.p;
	c->out_len = all.len;
	c->sent = 0;
}

static void client_close(struct metrics *m, struct client *c)
{
	loop_del_fd(m->w->loop, c->fd);
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void on_client(int fd, uint32_t events, void *arg)
{
	struct metrics *m = arg;
	struct client *c = NULL;
	ssize_t n;
	int i;

	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->clients[i].fd == fd)
			c = &m->clients[i];
	if (!c)
		return;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		client_close(m, c);
		return;
	}
	if (!c->out) {
		n = read(fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			client_close(m, c);
			return;
		}
		c->req_len += n;
		c->req[c->req_len] = '\0';
		if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n")) {
			if (c->req_len == sizeof(c->req) - 1)
				client_close(m, c);	/* no request is that long */
			return;
		}
		respond(m, c);
		if (!c->out) {
			client_close(m, c);
			return;
		}
		/* Switch the descriptor from reading to writing. */
		c->deadline_ms = now_ms() + METRICS_SEND_TIMEOUT_MS;
		loop_del_fd(m->w->loop, fd);
		loop_add_fd(m->w->loop, fd, EPOLLOUT, on_client, m);
	}
	while (c->sent < c->out_len) {
		n = write(fd, c->out + c->sent, c->out_len - c->sent);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;		/* EPOLLOUT calls again */
			break;
		}
		c->sent += n;
	}
	client_close(m, c);
}

/* A slot for a new client: a free one, else the oldest client's, one
 * still waiting for its request first (a probe must not wait behind it). */
static struct client *client_slot(struct metrics *m)
{
	struct client *idle = NULL, *any = NULL, *c;
	int i;

	for (i = 0; i < METRICS_MAX_CLIENTS; i++) {
		c = &m->clients[i];
		if (c->fd < 0)
			return c;
		if (!c->out && (!idle || c->since_ms < idle->since_ms))
			idle = c;
		if (!any || c->since_ms < any->since_ms)
			any = c;
	}
	c = idle ? idle : any;
	pr_debug("metrics: all %d slots taken: closing the oldest client\n", METRICS_MAX_CLIENTS);
	client_close(m, c);
	return c;
}

static void on_accept(int fd, uint32_t events, void *arg)
{
	struct metrics *m = arg;
	struct client *c;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = client_slot(m);
		if (loop_add_fd(m->w->loop, cfd, EPOLLIN, on_client, m)) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->since_ms = now_ms();
		c->deadline_ms = c->since_ms + METRICS_REQ_TIMEOUT_MS;
	}
}

/* Once a second: close the clients that took too long. */
static void on_sweep(void *arg)
{
	struct metrics *m = arg;
	__u64 now = now_ms();
	int i;

	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0 && m->clients[i].deadline_ms <= now)
			client_close(m, &m->clients[i]);
}

static int listen_on(const char *addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai = NULL;
	char host[256], *port, *end;
	int fd, one = 1, err;
	long num;

	snprintf(host, sizeof(host), "%s", addr);
	port = strrchr(host, ':');
	if (port)
		*port++ = '\0';
	num = port ? strtol(port, &end, 10) : 0;
	if (!port || !*port || *end || num < 1 || num > 65535) {
		pr_warn("metrics.listen %s: expected ADDR:PORT with a port of 1-65535\n", addr);
		return -EINVAL;
	}
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		pr_warn("metrics.listen %s: %s is not an IP address\n", addr, host);
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, SOMAXCONN)) {
		err = -errno;
		close(fd);
		goto out;
	}
	err = fd;
out:
	freeaddrinfo(ai);
	return err;
}

int metrics_start(struct wardd *w, const char *addr)
{
	struct metrics *m;
	int i, err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->w = w;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	m->fd = listen_on(addr);
	if (m->fd < 0) {
		err = m->fd;
		free(m);
		return err;
	}
	err = loop_add_fd(w->loop, m->fd, EPOLLIN, on_accept, m);
	if (err)
		goto err_close;
	m->timer = loop_add_timer(w->loop, METRICS_SWEEP_MS, on_sweep, m);
	if (m->timer < 0) {
		err = m->timer;
		loop_del_fd(w->loop, m->fd);
		goto err_close;
	}
	w->metrics = m;
	pr_info("metrics on http://%s/metrics\n", addr);
	return 0;

err_close:
	close(m->fd);
	free(m);
	return err;
}

void metrics_stop(struct wardd *w)
{
	struct metrics *m = w->metrics;
	int i;

	if (!m)
		return;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		if (m->clients[i].fd >= 0)
			client_close(m, &m->clients[i]);
	loop_del_fd(w->loop, m->timer);
	loop_del_fd(w->loop, m->fd);
	close(m->fd);
	free(m);
	w->metrics = NULL;
}
