/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/log.h: one logging path for libward and its programs, to stderr,
 * to syslog or to both; libbpf's own messages are routed through it as well.
 * On stderr a message is one line per line of text, "TIME IDENT: LEVEL: text";
 * a startup failure is the one line "IDENT: what: why" (log_fatal), the
 * answer to whoever started the program, without a time.
 * Safe to call from any thread.
 */
#ifndef WARD_LOG_H
#define WARD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Where messages go. 0 is stderr, what tools and tests ask for. */
enum log_target {
	LOG_TARGET_STDERR = 0,
	LOG_TARGET_SYSLOG,
	LOG_TARGET_BOTH,	/* syslog only where there is one (/dev/log) */
};

void log_init(const char *ident, enum log_target target, enum log_level level);
/* "stderr", "syslog" or "both"; -1 for anything else. */
int log_target_parse(const char *name);
/* Whether syslog gets the messages: the target asks for it and /dev/log is there. */
bool log_to_syslog(void);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A table (counter dumps): its lines go to stderr as they are, so scripts
 * read them by column, and to syslog one record a line. */
void log_block(enum log_level level, const char *text);

/*
 * Startup. Until log_startup_done() every message also goes to stderr,
 * whatever the target, so a daemon started by a service manager with
 * --log-target syslog still says why it could not start.
 * A step whose failure is fatal holds its messages (log_hold): if it fails,
 * log_fatal() prints the last warning it held, its own reason, as the
 * failure's one line; if it succeeds, log_release() prints them as usual.
 */
void log_hold(void);
void log_release(void);
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_startup_done(void);

#define pr_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* WARD_LOG_H */
