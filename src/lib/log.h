/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/log.h: one logging path for libward and its programs. To stderr
 * (the default for tools and wardd -d) or to syslog; libbpf's own messages
 * are routed through it as well.
 */
#ifndef WARD_LOG_H
#define WARD_LOG_H

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_init(const char *ident, int use_syslog, enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* WARD_LOG_H */
