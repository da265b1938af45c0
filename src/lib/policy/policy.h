/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/policy/policy.h: the policy model, what ward.yaml says once parsed and
 * checked, before it is compiled into map contents. The config reader
 * (config.c) builds it; the compiler (compile.c) consumes it. Sets ($name)
 * are already expanded here: a rule holds plain lists.
 */
#ifndef WARD_POLICY_H
#define WARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POL_ANY		(-1)

enum pol_mode {
	POL_MODE_AUTO = 0,	/* native XDP where the driver has it, tc on virtual links */
	POL_MODE_XDP,		/* native XDP, generic as fallback */
	POL_MODE_TC,		/* tc clsact ingress */
};

enum pol_log {
	POL_LOG_NONE = 0,
	POL_LOG_DROPS,
	POL_LOG_ALL,
};

/* An address or prefix. family is 4 or 6; addr holds 4 or 16 bytes, network order. */
struct pol_cidr {
	uint8_t	family;
	uint8_t	plen;
	uint8_t	addr[16];
};

/* An inclusive port range; a single port has lo == hi. */
struct pol_ports {
	uint16_t lo;
	uint16_t hi;
};

struct pol_cidr_list {
	struct pol_cidr *v;
	size_t	n;		/* 0: any address */
};

struct pol_port_list {
	struct pol_ports *v;
	size_t	n;		/* 0: any port */
};

struct pol_rule {
	char	*name;		/* unique; generated for unnamed rules */
	int	line;		/* where it starts in the file, for messages */
	char	*in;		/* zone (a role) or interface name; NULL: any */
	struct pol_cidr_list from;
	struct pol_cidr_list to;
	int	proto;		/* IP protocol number, or POL_ANY */
	struct pol_port_list sport;
	struct pol_port_list dport;	/* "port:" */
	int	icmp_type;	/* or POL_ANY; needs proto icmp or icmpv6 */
	int	family;		/* 4, 6 or 0 for both */
	int	fqdn_set;	/* to_fqdn: index + 1 into pol_fqdn.sets; 0: none */
	const char *fqdn_name;	/* that set's name (points into pol_fqdn.sets) */
	int	action;		/* WARD_ACT_*, or 0 for a branch */
	uint32_t rate;		/* rate: new flows a second per source; 0: none */
	bool	dry_run;
	bool	log;
	struct pol_rule *children;	/* a branch: rules: */
	size_t	n_children;
};

/* interfaces: fast_path: whether forwarded packets may be redirected to
 * and from the link by the data plane (docs/nat.md). */
enum pol_fast_path {
	POL_FAST_AUTO = 0,	/* yes, but not XDP on a virtual link */
	POL_FAST_ON,
	POL_FAST_OFF,
};

struct pol_iface {
	char	*match;		/* a name or an fnmatch(3) glob */
	char	*role;		/* zone name, or NULL */
	enum pol_mode mode;
	enum pol_fast_path fast_path;
	int	line;
};

/* conntrack: timeouts in seconds, by WARD_CT_TO_*; 0 means the default. */
#define POL_CT_TIMEOUTS	6

/* conntrack.adaptive_start: 0 in the file turns adaptive timeouts off. */
#define POL_CT_ADAPTIVE_OFF	UINT32_MAX

struct pol_conntrack {
	uint32_t max_flows;	/* 0: WARD_CT_DEFAULT_MAX; read at start only */
	uint32_t timeout[POL_CT_TIMEOUTS];
	/* Unanswered flows' timeouts shrink from this fill of max_flows, in
	 * percent, down to nothing at adaptive_end (pf's adaptive.start/end).
	 * 0: the default (ct_pressure.h). */
	uint32_t adaptive_start;
	uint32_t adaptive_end;
};

struct pol_alerts {
	uint32_t scan_ports;	/* port_scan.ports: more distinct ports than this ... */
	uint32_t scan_window;	/* ... within this many seconds; 0: off */
	uint32_t syn_rate;	/* syn_flood.rate: half-open attempts a second; 0: off */
	char	*webhook;	/* http://HOST:PORT/PATH, or NULL */
};

struct pol_observe {
	char	*metrics_listen;	/* ADDR:PORT, or NULL for none */
	char	*log_path;		/* file, "-" for stdout */
	uint32_t log_rate;		/* flow log records a second per rule and CPU */
};

struct pol_api {
	char	*listen;	/* unix:/ABS/PATH, tcp://ADDR:PORT or none; NULL: the default */
	bool	locked;		/* serve read-only: the file is the truth */
	char	*tls_cert;	/* tcp:// only, all three set: PEM files of the */
	char	*tls_key;	/* server's certificate and key, and of the CA */
	char	*tls_ca;	/* client certificates must be signed by */
};

/* nat: IPv4 only. */
enum pol_nat_kind {
	POL_NAT_MASQ = 1,	/* masquerade: the out link's address */
	POL_NAT_SNAT,		/* snat: a fixed address */
	POL_NAT_DNAT,		/* port_forward */
};

struct pol_nat_rule {
	enum pol_nat_kind kind;
	int	line;
	char	*link;		/* out: (masquerade, snat) or in: (port_forward) */
	struct pol_cidr from;	/* masquerade, snat: plen 0 for any source */
	struct pol_cidr to;	/* snat: the address; port_forward: the server */
	struct pol_ports ports;	/* snat: ports to use, 0-0 for the default */
	int	proto;		/* port_forward: 6 or 17 */
	uint16_t port;		/* port_forward: the port it listens on */
	uint16_t to_port;	/* port_forward: the server's port */
};

struct pol_nat {
	struct pol_nat_rule *rules;	/* masquerade, then snat, then port_forward */
	size_t	n;
};

/* fqdn_sets: and fqdn: (docs/fqdn.md). Names are stored as written,
 * lowercased: "deb.debian.org", "*.debian.org". */
struct pol_fqdn_set {
	char	*name;
	char	**names;
	size_t	n;
	int	line;
};

struct pol_fqdn {
	struct pol_fqdn_set *sets;
	size_t	n_sets;
	struct pol_cidr *resolvers;	/* host addresses */
	size_t	n_resolvers;
	uint32_t grace;		/* seconds; POL_FQDN_GRACE_DEFAULT when not given */
};

#define POL_FQDN_GRACE_DEFAULT	30

void pol_fqdn_free(struct pol_fqdn *f);
/* A deep copy; 0 or -ENOMEM (dst then holds nothing). */
int pol_fqdn_copy(struct pol_fqdn *dst, const struct pol_fqdn *src);

#define POL_METRICS_DEFAULT	"127.0.0.1:9669"
#define POL_LOG_PATH_DEFAULT	"/var/log/ward/flows.json"
#define POL_LOG_RATE_DEFAULT	100
#define POL_REJECT_RATE_DEFAULT	1000	/* as Linux's net.ipv4.icmp_msgs_per_sec */

struct pol_policy {
	char	*source;	/* file name, or "<embedded>" */
	struct pol_iface *ifaces;
	size_t	n_ifaces;
	int	default_action;	/* WARD_ACT_ACCEPT or WARD_ACT_DROP */
	bool	dry_run;
	enum pol_log log;
	uint32_t reject_rate;	/* defaults.reject_rate; 0: POL_REJECT_RATE_DEFAULT */
	struct pol_rule *rules;
	size_t	n_rules;
	struct pol_conntrack conntrack;
	struct pol_alerts alerts;
	struct pol_observe observe;	/* metrics: and logs: */
	struct pol_api api;
	struct pol_nat nat;
	struct pol_fqdn fqdn;
};

void pol_free(struct pol_policy *pol);

#endif /* WARD_POLICY_H */
