// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/log.c: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "log.h"

static int log_syslog;
static enum log_level log_level = LOG_LVL_INFO;

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (level > log_level)
		return;
	if (log_syslog) {
		vsyslog(prio[level], fmt, ap);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ ", when, ts.tv_nsec / 1000000);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings carry the verifier log and map reuse errors. */
	log_vmsg(level == LIBBPF_WARN ? LOG_LVL_WARN :
		 LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

void log_init(const char *ident, int use_syslog, enum log_level level)
{
	log_syslog = use_syslog;
	log_level = level;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
	libbpf_set_print(log_libbpf);
}
