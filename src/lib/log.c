// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/log.c: see log.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"

#define LOG_HELD_MAX	256	/* a step that says more prints the rest at once */

struct held {
	enum log_level level;
	char	*text;
};

static const char *log_ident = "ward";
static enum log_target log_target;
static enum log_level log_level = LOG_LVL_INFO;
static bool log_syslog;		/* the target has syslog and /dev/log exists */
static bool log_started;	/* startup is over: stderr only if the target says so */
static bool log_holding;
static struct held log_held[LOG_HELD_MAX];
static size_t log_n_held;
/* gRPC's threads log too: one message at a time, in order. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_name[] = { "warning", "info", "debug" };
static const int level_prio[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };

static bool to_stderr(void)
{
	return log_target != LOG_TARGET_SYSLOG || !log_syslog || !log_started;
}

/* Each line of text, to syslog at prio and on stderr: with a prefix,
 * "TIME IDENT: LEVEL: line" (UTC, ms, so a log file orders events); with
 * none (tables), the line as it is. */
static void emit_lines(const char *prefix, int prio, const char *text)
{
	const char *p = text, *nl;
	struct timespec ts;
	char when[40];
	struct tm tm;
	int len;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + len, sizeof(when) - len, ".%03ldZ", ts.tv_nsec / 1000000);
	while (*p) {
		nl = strchr(p, '\n');
		len = nl ? (int)(nl - p) : (int)strlen(p);
		if (to_stderr()) {
			if (prefix)
				fprintf(stderr, "%s %s: %s%.*s\n", when, log_ident, prefix, len, p);
			else
				fprintf(stderr, "%.*s\n", len, p);
		}
		if (log_syslog)
			syslog(prio, "%.*s", len, p);
		p += len + (nl ? 1 : 0);
	}
}

static void emit(enum log_level level, const char *text)
{
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "%s: ", level_name[level]);
	emit_lines(prefix, level_prio[level], text);
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char *text;

	if (level > log_level || vasprintf(&text, fmt, ap) < 0)
		return;
	pthread_mutex_lock(&log_mu);
	if (log_holding && log_n_held < LOG_HELD_MAX) {
		log_held[log_n_held].level = level;
		log_held[log_n_held++].text = text;
		text = NULL;
	} else {
		emit(level, text);
	}
	pthread_mutex_unlock(&log_mu);
	free(text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_block(enum log_level level, const char *text)
{
	if (level > log_level)
		return;
	pthread_mutex_lock(&log_mu);
	emit_lines(NULL, level_prio[level], text);
	pthread_mutex_unlock(&log_mu);
}

/* Prints the held messages but the one at skip (-1: none). */
static void release_locked(long skip)
{
	size_t i;

	for (i = 0; i < log_n_held; i++) {
		if ((long)i != skip)
			emit(log_held[i].level, log_held[i].text);
		free(log_held[i].text);
	}
	log_n_held = 0;
	log_holding = false;
}

void log_hold(void)
{
	pthread_mutex_lock(&log_mu);
	log_holding = true;
	pthread_mutex_unlock(&log_mu);
}

void log_release(void)
{
	pthread_mutex_lock(&log_mu);
	release_locked(-1);
	pthread_mutex_unlock(&log_mu);
}

void log_fatal(const char *fmt, ...)
{
	char *text = NULL, *reason = NULL;
	long last = -1;
	va_list ap;
	size_t i;

	pthread_mutex_lock(&log_mu);
	for (i = 0; i < log_n_held; i++)
		if (log_held[i].level == LOG_LVL_WARN)
			last = i;
	if (last >= 0) {
		reason = log_held[last].text;
		log_held[last].text = NULL;
	}
	release_locked(last);
	if (!reason) {
		va_start(ap, fmt);
		if (vasprintf(&text, fmt, ap) < 0)
			text = NULL;
		va_end(ap);
		reason = text;
	}
	if (reason) {
		/* Always on stderr: it is the answer to whoever started us. */
		reason[strcspn(reason, "\n")] = '\0';
		fprintf(stderr, "%s: %s\n", log_ident, reason);
		if (log_syslog)
			syslog(LOG_ERR, "%s", reason);
	}
	pthread_mutex_unlock(&log_mu);
	free(reason);
}

void log_startup_done(void)
{
	log_release();
	pthread_mutex_lock(&log_mu);
	log_started = true;
	pthread_mutex_unlock(&log_mu);
}

static int log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings carry the verifier log and map reuse errors. */
	log_vmsg(level == LIBBPF_WARN ? LOG_LVL_WARN :
		 LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

int log_target_parse(const char *name)
{
	if (!strcmp(name, "stderr"))
		return LOG_TARGET_STDERR;
	if (!strcmp(name, "syslog"))
		return LOG_TARGET_SYSLOG;
	if (!strcmp(name, "both"))
		return LOG_TARGET_BOTH;
	return -1;
}

bool log_to_syslog(void)
{
	return log_syslog;
}

void log_init(const char *ident, enum log_target target, enum log_level level)
{
	struct stat st;

	log_ident = ident;
	log_target = target;
	log_level = level;
	/* Without a syslog daemon's socket, syslog(3) drops every message
	 * without a word: then stderr is the only place that hears us. */
	log_syslog = target != LOG_TARGET_STDERR && !stat("/dev/log", &st) &&
		     S_ISSOCK(st.st_mode);
	if (log_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
	libbpf_set_print(log_libbpf);
}
