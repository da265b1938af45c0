// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardd/events.c: see events.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "events_fqdn.h"
#include "feed.h"
#include "log.h"
#include "webhook.h"

struct events {
	struct ring_buffer *rb;
	FILE	*log;		/* the flow log; NULL: none */
	char	*log_path;	/* as opened */
	struct webhook *wh;
	char	*wh_url;
	__u64	syn_last;	/* SYN counter at the last tick */
	bool	syn_alerting;	/* above the threshold since the last alert */
	struct feed feed;	/* the last events, and live readers (the API) */
};

static const char *const alert_names[] = {
	[WARD_ALERT_PORT_SCAN] = "port_scan",
	[WARD_ALERT_SYN_FLOOD] = "syn_flood",
	[WARD_ALERT_RATE_LIMIT] = "rate_limit",
};

static const char *transport_name(__u8 proto)
{
	switch (proto) {
	case 1:		return "icmp";
	case 6:		return "tcp";
	case 17:	return "udp";
	case 58:	return "ipv6-icmp";
	case 132:	return "sctp";
	default:	return NULL;
	}
}

/* "2026-11-23T10:00:00.000Z" for a CLOCK_MONOTONIC stamp. */
static void format_time(__u64 mono_ns, char *buf, size_t len)
{
	struct timespec mono, real;
	__u64 now_mono, now_real, when;
	time_t secs;
	struct tm tm;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	now_mono = (__u64)mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	now_real = (__u64)real.tv_sec * 1000000000ULL + real.tv_nsec;
	when = now_real - (now_mono > mono_ns ? now_mono - mono_ns : 0);
	secs = when / 1000000000ULL;
	gmtime_r(&secs, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03lluZ",
		 (unsigned long long)(when / 1000000ULL % 1000));
}

static void format_ip(const struct ward_event *ev, const __be32 *a, char *buf, size_t len)
{
	inet_ntop(ev->family == WARD_FAM_V4 ? AF_INET : AF_INET6, a, buf, len);
}

/* source.nat / destination.nat of a translated flow's first packet. */
static int put_nat(char *out, size_t len, const struct ward_event *ev, __u8 which, bool ports)
{
	char ip[INET_ADDRSTRLEN];

	if (ev->nat != which || ev->family != WARD_FAM_V4)
		return 0;
	inet_ntop(AF_INET, &ev->nat_addr, ip, sizeof(ip));
	if (ports)
		return snprintf(out, len, ",\"nat\":{\"ip\":\"%s\",\"port\":%u}", ip,
				ntohs(ev->nat_port));
	return snprintf(out, len, ",\"nat\":{\"ip\":\"%s\"}", ip);
}

/* The parts every record has, for the feed and for put_common. */
static void event_parts(const struct ward_event *ev, struct feed_event *fe)
{
	const char *tr = transport_name(ev->proto);

	format_time(ev->ts_ns, fe->timestamp, sizeof(fe->timestamp));
	if (!ev->family)
		return;
	format_ip(ev, ev->src, fe->src, sizeof(fe->src));
	format_ip(ev, ev->dst, fe->dst, sizeof(fe->dst));
	snprintf(fe->family, sizeof(fe->family), "%s", ev->family == WARD_FAM_V4 ? "ipv4" : "ipv6");
	if (tr)
		snprintf(fe->proto, sizeof(fe->proto), "%s", tr);
	else
		snprintf(fe->proto, sizeof(fe->proto), "%u", ev->proto);
	if (ev->proto == 6 || ev->proto == 17 || ev->proto == 132) {
		fe->sport = ntohs(ev->sport);
		fe->dport = ntohs(ev->dport);
	}
	if (!if_indextoname(ev->ifindex, fe->ifname))
		fe->ifname[0] = '\0';
}

/* time, network, source, destination, ingress: from event_parts. */
static int put_common(char *out, size_t len, const struct ward_event *ev,
		      const struct feed_event *fe)
{
	bool ports = ev->proto == 6 || ev->proto == 17 || ev->proto == 132;
	int n = 0;

	n += snprintf(out + n, len - n, "\"@timestamp\":\"%s\",", fe->timestamp);
	if (transport_name(ev->proto))
		n += snprintf(out + n, len - n, "\"network\":{\"transport\":\"%s\",\"type\":\"%s\"},",
			      fe->proto, fe->family);
	else
		n += snprintf(out + n, len - n, "\"network\":{\"iana_number\":\"%u\",\"type\":\"%s\"},",
			      ev->proto, fe->family);
	n += snprintf(out + n, len - n, "\"source\":{\"ip\":\"%s\"", fe->src);
	if (ports)
		n += snprintf(out + n, len - n, ",\"port\":%u", fe->sport);
	n += put_nat(out + n, len - n, ev, WARD_EV_NAT_SRC, ports);
	n += snprintf(out + n, len - n, "},\"destination\":{\"ip\":\"%s\"", fe->dst);
	if (ports)
		n += snprintf(out + n, len - n, ",\"port\":%u", fe->dport);
	n += put_nat(out + n, len - n, ev, WARD_EV_NAT_DST, ports);
	n += snprintf(out + n, len - n, "},");
	if (ev->proto == 1 || ev->proto == 58)
		n += snprintf(out + n, len - n, "\"icmp\":{\"type\":%u,\"code\":%u},",
			      ev->icmp_type, ev->icmp_code);
	n += snprintf(out + n, len - n, "\"observer\":{\"ingress\":{\"interface\":{\"name\":\"%s\"}}}",
		      fe->ifname);
	return n;
}

/* To the flow log, and to the feed (wardctl logs): the same line. A line
 * longer than the feed keeps (a DNS answer with many addresses) is only
 * in the log: half a JSON object would help no reader. */
static void write_line(struct events *e, struct feed_event *fe, const char *line)
{
	if (strlen(line) < sizeof(fe->json)) {
		memcpy(fe->json, line, strlen(line) + 1);
		feed_publish(&e->feed, fe);
	}
	if (!e->log)
		return;
	fputs(line, e->log);
	fputc('\n', e->log);
	fflush(e->log);
}

static void on_flow(struct wardd *w, const struct ward_event *ev)
{
	static const char *const actions[] = {
		[WARD_EVA_ACCEPT] = "accept", [WARD_EVA_DROP] = "drop",
		[WARD_EVA_WOULD_DROP] = "would-drop", [WARD_EVA_REJECT] = "reject",
		[WARD_EVA_WOULD_REJECT] = "would-reject", [WARD_EVA_WOULD_ACCEPT] = "would-accept",
	};
	const char *rule = ev->stat < WARD_MAX_RULES ? w->dp.names[ev->stat].name : "";
	struct feed_event fe = {};
	char line[FEED_LINE_MAX];
	int n;

	event_parts(ev, &fe);
	snprintf(fe.action, sizeof(fe.action), "%s",
		 ev->action <= WARD_EVA_WOULD_ACCEPT && actions[ev->action] ?
		 actions[ev->action] : "unknown");
	snprintf(fe.rule, sizeof(fe.rule), "%s", rule);
	n = snprintf(line, sizeof(line), "{\"event\":{\"action\":\"%s\"", fe.action);
	if (ev->action != WARD_EVA_ACCEPT && ev->action != WARD_EVA_WOULD_ACCEPT) {
		snprintf(fe.reason, sizeof(fe.reason), "%s",
			 ev->reason == WARD_CNT_DROP_RATE_LIMIT ? "rate_limit" :
			 ev->stat == WARD_STAT_DEFAULT ? "policy" : "rule");
		n += snprintf(line + n, sizeof(line) - n, ",\"reason\":\"%s\"", fe.reason);
	}
	/* Rule names are [A-Za-z0-9_.:/-]: nothing to escape in JSON. */
	n += snprintf(line + n, sizeof(line) - n, "},\"rule\":{\"name\":\"%s\"},", rule);
	put_common(line + n, sizeof(line) - n, ev, &fe);
	strncat(line, "}", sizeof(line) - strlen(line) - 1);
	write_line(w->events, &fe, line);
}

static void raise_alert(struct wardd *w, const struct ward_event *ev, const char *detail)
{
	struct events *e = w->events;
	struct feed_event fe = {};
	char line[FEED_LINE_MAX];
	int n;

	w->alerts_total[ev->alert]++;
	event_parts(ev, &fe);
	snprintf(fe.action, sizeof(fe.action), "alert");
	snprintf(fe.reason, sizeof(fe.reason), "%s", alert_names[ev->alert]);
	n = snprintf(line, sizeof(line),
		     "{\"event\":{\"action\":\"alert\",\"reason\":\"%s\"},\"alert\":{\"kind\":\"%s\",%s},",
		     alert_names[ev->alert], alert_names[ev->alert], detail);
	if (ev->family)
		put_common(line + n, sizeof(line) - n, ev, &fe);
	else
		snprintf(line + n, sizeof(line) - n, "\"@timestamp\":\"%s\"", fe.timestamp);
	strncat(line, "}", sizeof(line) - strlen(line) - 1);
	write_line(e, &fe, line);
	pr_warn("alert: %s\n", line);
	if (e->wh)
		webhook_post(e->wh, line);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct wardd *w = ctx;
	const struct ward_event *ev = data;
	char detail[128];

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == WARD_EV_FLOW) {
		on_flow(w, ev);
	} else if (ev->type == WARD_EV_FQDN && size >= sizeof(struct ward_fqdn_event)) {
		struct feed_event fe = {};
		char line[4096];

		format_time(ev->ts_ns, fe.timestamp, sizeof(fe.timestamp));
		snprintf(fe.action, sizeof(fe.action), "fqdn-learn");
		if (fqdn_event_line(w, data, fe.timestamp, line, sizeof(line)) > 0)
			write_line(w->events, &fe, line);
	} else if (ev->type == WARD_EV_ALERT && ev->alert == WARD_ALERT_PORT_SCAN) {
		snprintf(detail, sizeof(detail), "\"ports\":%u,\"threshold\":%u,\"window_s\":%u",
			 ev->count, w->pol.alerts.scan_ports, w->pol.alerts.scan_window);
		raise_alert(w, ev, detail);
	} else if (ev->type == WARD_EV_ALERT && ev->alert == WARD_ALERT_RATE_LIMIT) {
		/* Rule names need no JSON escaping (see on_flow). */
		snprintf(detail, sizeof(detail), "\"rule\":\"%s\",\"rate\":%u",
			 ev->stat < WARD_MAX_RULES ? w->dp.names[ev->stat].name : "", ev->count);
		raise_alert(w, ev, detail);
	}
	return 0;
}

static void on_ring(int fd, uint32_t events, void *arg)
{
	struct wardd *w = arg;

	ring_buffer__consume(w->events->rb);
}

/* Half-open attempts a second above syn_flood.rate: one alert when the rate
 * goes over, the next only after it has come back under. */
void events_tick(struct wardd *w)
{
	struct events *e = w->events;
	__u64 cnt[WARD_CNT_MAX], rate;

	if (!e || dp_read_counters(&w->dp, cnt))
		return;
	rate = cnt[WARD_CNT_SYN_NEW] - e->syn_last;
	e->syn_last = cnt[WARD_CNT_SYN_NEW];
	if (!w->pol.alerts.syn_rate)
		return;
	if (rate > w->pol.alerts.syn_rate && !e->syn_alerting) {
		struct ward_event ev = { .alert = WARD_ALERT_SYN_FLOOD };
		struct timespec ts;
		char detail[96];

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ev.ts_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		snprintf(detail, sizeof(detail), "\"rate\":%llu,\"threshold\":%u",
			 (unsigned long long)rate, w->pol.alerts.syn_rate);
		e->syn_alerting = true;
		raise_alert(w, &ev, detail);
	} else if (rate <= w->pol.alerts.syn_rate) {
		e->syn_alerting = false;
	}
}

static FILE *open_log(const char *path)
{
	char dir[4096];
	FILE *f;

	if (!strcmp(path, "-"))
		return stdout;
	snprintf(dir, sizeof(dir), "%s", path);
	mkdir(dirname(dir), 0750);
	f = fopen(path, "ae");
	if (!f)
		pr_warn("%s: cannot open the flow log: %s\n", path, strerror(errno));
	return f;
}

void events_configure(struct wardd *w)
{
	struct events *e = w->events;
	const char *path = w->pol.observe.log_path ? w->pol.observe.log_path : POL_LOG_PATH_DEFAULT;
	const char *url = w->pol.alerts.webhook;

	if (!e)
		return;
	if (e->log && e->log != stdout)
		fclose(e->log);
	e->log = strcmp(path, "none") ? open_log(path) : NULL;
	free(e->log_path);
	e->log_path = strdup(path);

	/* Only a changed URL restarts the sender: a retry in flight may take
	 * seconds to give up. */
	if ((url && e->wh_url && !strcmp(url, e->wh_url)) || (!url && !e->wh_url))
		return;
	webhook_free(e->wh);
	e->wh = NULL;
	free(e->wh_url);
	e->wh_url = NULL;
	if (url) {
		e->wh = webhook_new(url);
		if (e->wh)
			e->wh_url = strdup(url);
		else
			pr_warn("alerts.webhook %s: %s\n", url, strerror(errno));
	}
}

int events_start(struct wardd *w)
{
	struct events *e = calloc(1, sizeof(*e));
	__u64 cnt[WARD_CNT_MAX];
	int err;

	if (!e)
		return -ENOMEM;
	err = feed_init(&e->feed, FEED_RECENT_MAX);
	if (err) {
		free(e);
		return err;
	}
	e->rb = ring_buffer__new(dp_events_fd(&w->dp), on_event, w, NULL);
	if (!e->rb) {
		err = -errno;
		feed_free(&e->feed);
		free(e);
		return err;
	}
	err = loop_add_fd(w->loop, ring_buffer__epoll_fd(e->rb), EPOLLIN, on_ring, w);
	if (err) {
		ring_buffer__free(e->rb);
		feed_free(&e->feed);
		free(e);
		return err;
	}
	if (!dp_read_counters(&w->dp, cnt))
		e->syn_last = cnt[WARD_CNT_SYN_NEW];
	w->events = e;
	events_configure(w);
	return 0;
}

void events_stop(struct wardd *w)
{
	struct events *e = w->events;

	if (!e)
		return;
	ring_buffer__consume(e->rb);
	loop_del_fd(w->loop, ring_buffer__epoll_fd(e->rb));
	ring_buffer__free(e->rb);
	if (e->log && e->log != stdout)
		fclose(e->log);
	webhook_free(e->wh);
	free(e->wh_url);
	free(e->log_path);
	feed_free(&e->feed);
	free(e);
	w->events = NULL;
}

struct feed *events_feed(struct wardd *w)
{
	return w->events ? &w->events->feed : NULL;
}
