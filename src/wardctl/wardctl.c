// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/wardctl.c: the command line client of wardd's gRPC API
 * (CONTRACT.md). A thin main: parse the command, make one or a few calls,
 * print a table (or JSON with -o json). Exit 0 on success, 1 on a user
 * error, 2 when wardd cannot be reached.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "out.h"
#include "rpc.h"
#include "ward/v1/ward.pb-c.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wardctl [-s ADDR] [--ca F --cert F --key F] COMMAND ...\n"
		"  status [-o json]                    interfaces and hooks, policy generation, counts\n"
		"  validate -f FILE [--print]          check a ward.yaml as wardd would read it\n"
		"  apply -f FILE [--diff] [--replace] [-o json]\n"
		"                                      make FILE the policy (atomically), rules added with\n"
		"                                      rule add kept on top; --replace: drop them, FILE is the\n"
		"                                      whole policy; --diff: only show what would change\n"
		"  rule add --name N --action A [--in Z] [--src CIDR] [--dst CIDR] [--proto P]\n"
		"           [--port P] [--sport P] [--icmp-type T] [--family F] [--before N]\n"
		"           [--rate N/s] [--dry-run] [--log]\n"
		"  rule list [-o json]\n"
		"  rule delete NAME\n"
		"  rule clear                          remove every rule added with rule add\n"
		"  ct list [--src CIDR] [--dst CIDR] [--limit N] [--cursor C] [-o json]\n"
		"  ct flush\n"
		"  logs [-f] [-n N] [-o json]          the last N flow log events (20); -f: then follow\n"
		"  top [-n COUNT] [-d SECONDS] [-l N] [-o json]\n"
		"                                      top talkers, rule hits and drops a second\n"
		"  trace --src IP --dst IP [--in Z] [--proto P] [--sport P] [--dport P]\n"
		"        [--icmp-type T] [-o json]     the rule that decides such a flow\n"
		"  fqdn list [SET] [-o json]           addresses each FQDN set allows now, with expiries\n"
		"ADDR is unix:PATH or tcp://HOST:PORT; default $WARD_API, else " WARDCTL_ADDR_DEFAULT ".\n"
		"tcp:// is mTLS: --ca FILE (wardd's CA), --cert FILE --key FILE (this client's),\n"
		"or $WARD_TLS_CA, $WARD_TLS_CERT, $WARD_TLS_KEY; given before the command.\n"
		"Exit status: 0 ok, 1 user error, 2 wardd unreachable.\n");
}

int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "wardctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return WARDCTL_EXIT_USER;
}

/* bad_usage() for "CMD: " what. */
static int bad_cmd_usage(const char *cmd, const char *what, const char *arg)
{
	char fmt[128];

	snprintf(fmt, sizeof(fmt), "%s: %s", cmd, what);
	return bad_usage(fmt, arg);
}

int ctl_opt(struct ctl *c, const char *cmd, int o)
{
	if (o == 'o')
		return parse_output(c, optarg);
	return bad_cmd_usage(cmd, "%s", "unknown option");
}

int ctl_getopt(struct ctl *c, const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, int *ret)
{
	int o;

	*ret = 0;
	while ((o = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (o != 'o' && o != '?' && o != ':')
			return o;
		*ret = ctl_opt(c, cmd, o);
		if (*ret)
			return -1;
	}
	return -1;
}

int ctl_no_args(const char *cmd, int argc, char **argv)
{
	return optind == argc ? 0 : bad_cmd_usage(cmd, "unexpected '%s'", argv[optind]);
}

int ctl_connect(struct ctl *c)
{
	return c->rpc ? 0 : rpc_open(c->addr, &c->tls, &c->rpc);
}

int ctl_call(struct ctl *c, const char *method, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *d, ProtobufCMessage **resp, int timeout)
{
	int ret = ctl_connect(c);

	return ret ? ret : rpc_call(c->rpc, method, req, d, resp, timeout);
}

/* -o json, or -o table. */
int parse_count(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || *end || !v[0] || v[0] == '-' || *out > max) {
		fprintf(stderr, "wardctl: %s %s: expected a count from 0 to %lu\n", opt, v, max);
		return WARDCTL_EXIT_USER;
	}
	return 0;
}

int parse_output(struct ctl *c, const char *v)
{
	if (!strcmp(v, "json")) {
		c->json = true;
		return 0;
	}
	if (!strcmp(v, "table")) {
		c->json = false;
		return 0;
	}
	return bad_usage("-o %s: expected json or table", v);
}

/* Each command's word and the function of its area's file. */
static const struct {
	const char *name;
	int	(*fn)(struct ctl *c, int argc, char **argv);
} commands[] = {
	{ "status", cmd_status }, { "validate", cmd_validate }, { "apply", cmd_apply },
	{ "rule", cmd_rule }, { "ct", cmd_ct }, { "conntrack", cmd_ct }, { "logs", cmd_logs },
	{ "top", cmd_top }, { "trace", cmd_trace }, { "fqdn", cmd_fqdn },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "ca", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const later[] = { "plugin", "fleet" };
	struct ctl c = {};
	const char *cmd;
	int o, ret;
	size_t i;

	c.addr = getenv("WARD_API");
	if (!c.addr || !c.addr[0])
		c.addr = WARDCTL_ADDR_DEFAULT;
	c.tls.cert = getenv("WARD_TLS_CERT");
	c.tls.key = getenv("WARD_TLS_KEY");
	c.tls.ca = getenv("WARD_TLS_CA");
	/* '+': options after the command are the command's. */
	while ((o = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': c.addr = optarg; break;
		case 'C': c.tls.cert = optarg; break;
		case 'K': c.tls.key = optarg; break;
		case 'A': c.tls.ca = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return WARDCTL_EXIT_USER;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return WARDCTL_EXIT_USER;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;	/* each command parses its own options from argv[1] on (0: glibc starts over) */

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			break;
	if (i < sizeof(commands) / sizeof(commands[0]))
		ret = commands[i].fn(&c, argc, argv);
	else if (!strcmp(cmd, "help"))
		ret = (usage(stdout), 0);
	else {
		for (i = 0; i < sizeof(later) / sizeof(later[0]); i++)
			if (!strcmp(cmd, later[i]))
				break;
		if (i < sizeof(later) / sizeof(later[0])) {
			fprintf(stderr, "wardctl: %s: not supported by this version of ward yet\n", cmd);
			ret = WARDCTL_EXIT_USER;
		} else {
			ret = bad_usage("unknown command '%s'", cmd);
		}
	}
	rpc_close(c.rpc);
	return ret;
}
