/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardctl/ctl.h: what every wardctl command shares: where the daemon
 * is, the connection, the output format. For wardctl only.
 */
#ifndef WARDCTL_CTL_H
#define WARDCTL_CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "rpc.h"

#define WARDCTL_TIMEOUT_S	10
/* A large policy takes a while to compile and write into the maps. */
#define WARDCTL_APPLY_TIMEOUT_S	120

struct ctl {
	const char *addr;
	struct rpc_tls tls;
	struct rpc *rpc;
	bool	json;
};

/* Prints "wardctl: " fmt (with arg) and the usage; returns exit status 1. */
int bad_usage(const char *fmt, const char *arg);
int ctl_connect(struct ctl *c);
/* One unary call; the exit status (rpc.h). */
int ctl_call(struct ctl *c, const char *method, const ProtobufCMessage *req,
	     const ProtobufCMessageDescriptor *d, ProtobufCMessage **resp, int timeout);
/* -o json or -o table. */
int parse_output(struct ctl *c, const char *v);
/* In a command's option loop: -o FORMAT (o == 'o'), or else an unknown
 * option, said with the command's name. 0 or the exit status. */
int ctl_opt(struct ctl *c, const char *cmd, int o);
/*
 * getopt_long() for a command, with what every command takes done here:
 * -o FORMAT, and an unknown option said with cmd's name. The next option
 * of the command's own, or -1 when there are no more (*ret 0) or one was
 * bad (*ret its exit status).
 */
int ctl_getopt(struct ctl *c, const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, int *ret);
/* After a command's options: an argument left over is refused. */
int ctl_no_args(const char *cmd, int argc, char **argv);

/* A count for option opt, at most max; else says so and returns 1. */
int parse_count(const char *opt, const char *v, unsigned long max, unsigned long *out);
/* "10.0.0.1:80", "[fd00::1]:80", or the bare address without ports. */
struct Ward__V1__Flow;
void flow_endpoint(char *buf, size_t len, const struct Ward__V1__Flow *f, const char *ip,
		   uint32_t port);

/*
 * The options that say a flow, taken alike by rule add (a rule matching
 * it) and trace (one such packet). Commands number their own options from
 * CTL_O_FLOW_END on.
 */
enum {
	CTL_O_IN = 1, CTL_O_SRC, CTL_O_DST, CTL_O_PROTO, CTL_O_SPORT, CTL_O_DPORT, CTL_O_ICMP,
	CTL_O_FLOW_END
};
#define CTL_FLOW_OPTS							\
	{ "in", required_argument, NULL, CTL_O_IN },			\
	{ "src", required_argument, NULL, CTL_O_SRC },			\
	{ "from", required_argument, NULL, CTL_O_SRC },			\
	{ "dst", required_argument, NULL, CTL_O_DST },			\
	{ "to", required_argument, NULL, CTL_O_DST },			\
	{ "proto", required_argument, NULL, CTL_O_PROTO },		\
	{ "sport", required_argument, NULL, CTL_O_SPORT },		\
	{ "dport", required_argument, NULL, CTL_O_DPORT },		\
	{ "port", required_argument, NULL, CTL_O_DPORT },		\
	{ "icmp-type", required_argument, NULL, CTL_O_ICMP }

/* The commands, one file per area. */
int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_validate(struct ctl *c, int argc, char **argv);
int cmd_apply(struct ctl *c, int argc, char **argv);
int cmd_rule(struct ctl *c, int argc, char **argv);
int cmd_ct(struct ctl *c, int argc, char **argv);
int cmd_fqdn(struct ctl *c, int argc, char **argv);
int cmd_logs(struct ctl *c, int argc, char **argv);
int cmd_top(struct ctl *c, int argc, char **argv);
int cmd_trace(struct ctl *c, int argc, char **argv);

#endif /* WARDCTL_CTL_H */
