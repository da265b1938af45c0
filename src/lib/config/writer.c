/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/writer.c: struct pol_policy -> ward.yaml, the normalized
 * form that parses back to the same policy (cfg_print), the rules alone
 * (cfg_write_rules), a rule in its user's own words (cfg_rule_words_yaml)
 * and the document the rules added at run time are read from
 * (cfg_added_doc). The one place that prints YAML: every cfg_put_* is here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config.h"
#include "config_int.h"
#include "pol_edit.h"
#include "pol_util.h"

/*
 * Plain when it cannot be read as anything but a string; double-quoted
 * otherwise ("*", IPv6 with its colons, "8000-8100", yes/no/on/off...).
 */
static void cfg_put_str(FILE *f, const char *s)
{
	static const char *words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null", NULL,
	};
	bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
	const char *p;
	size_t i;

	for (p = s; plain && *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./-", *p))
			plain = false;
	for (i = 0; plain && words[i]; i++)
		if (!strcasecmp(s, words[i]))
			plain = false;
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void cfg_put_cidr(FILE *f, const struct pol_cidr *a)
{
	char buf[POL_CIDR_STRLEN];

	if (pol_cidr_format(a, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "?");
	/* Addresses start with a digit or a colon: IPv6 needs quotes, IPv4 not. */
	if (strchr(buf, ':'))
		fprintf(f, "\"%s\"", buf);
	else
		fputs(buf, f);
}

/* One "key: value" line, ind spaces in, the value quoted when it must be. */
static void cfg_put_field(FILE *f, int ind, const char *key, const char *s)
{
	fprintf(f, "%*s%s: ", ind, "", key);
	cfg_put_str(f, s);
	fputc('\n', f);
}

static void cfg_put_ports(FILE *f, const struct pol_ports *p)
{
	if (p->lo == p->hi)
		fprintf(f, "%u", p->lo);
	else
		fprintf(f, "\"%u-%u\"", p->lo, p->hi);
}

/* "key: a" for one element, "key: [a, b]" for more, nothing for none. */
static void cfg_put_list(FILE *f, int ind, const char *key, const void *v, size_t n,
			 size_t size, void (*put)(FILE *f, const void *elem))
{
	size_t i;

	if (!n)
		return;
	fprintf(f, "%*s%s: %s", ind, "", key, n > 1 ? "[" : "");
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		put(f, (const char *)v + i * size);
	}
	fputs(n > 1 ? "]\n" : "\n", f);
}

static void cfg_put_cidr_elem(FILE *f, const void *elem)
{
	cfg_put_cidr(f, elem);
}

static void cfg_put_ports_elem(FILE *f, const void *elem)
{
	cfg_put_ports(f, elem);
}

static void cfg_put_cidrs(FILE *f, int ind, const char *key,
			  const struct pol_cidr_list *l)
{
	cfg_put_list(f, ind, key, l->v, l->n, sizeof(*l->v), cfg_put_cidr_elem);
}

static void cfg_put_port_list(FILE *f, int ind, const char *key,
			      const struct pol_port_list *l)
{
	cfg_put_list(f, ind, key, l->v, l->n, sizeof(*l->v), cfg_put_ports_elem);
}

static void cfg_put_rules(FILE *f, const struct pol_rule *rules, size_t n, int ind)
{
	int in = ind + 2;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct pol_rule *r = &rules[i];
		const char *pname = pol_proto_name(r->proto);

		cfg_put_field(f, ind, "- name", r->name);
		if (r->in)
			cfg_put_field(f, in, "in", r->in);
		cfg_put_cidrs(f, in, "from", &r->from);
		cfg_put_cidrs(f, in, "to", &r->to);
		if (r->fqdn_set)
			fprintf(f, "%*sto_fqdn: $%s\n", in, "", r->fqdn_name);
		if (r->family)
			fprintf(f, "%*sfamily: ipv%d\n", in, "", r->family);
		if (r->proto != POL_ANY && pname)
			fprintf(f, "%*sproto: %s\n", in, "", pname);
		else if (r->proto != POL_ANY)
			fprintf(f, "%*sproto: %d\n", in, "", r->proto);
		cfg_put_port_list(f, in, "port", &r->dport);
		cfg_put_port_list(f, in, "sport", &r->sport);
		if (r->icmp_type != POL_ANY)
			fprintf(f, "%*sicmp_type: %d\n", in, "", r->icmp_type);
		if (r->action)
			fprintf(f, "%*saction: %s\n", in, "",
				pol_action_name(r->action));
		if (r->rate)
			fprintf(f, "%*srate: %u/s\n", in, "", r->rate);
		if (r->log)
			fprintf(f, "%*slog: true\n", in, "");
		if (r->dry_run)
			fprintf(f, "%*sdry_run: true\n", in, "");
		if (r->n_children) {
			fprintf(f, "%*srules:\n", in, "");
			cfg_put_rules(f, r->children, r->n_children, in + 2);
		}
	}
}

int cfg_write_rules(FILE *f, const struct pol_rule *rules, size_t n, int indent)
{
	cfg_put_rules(f, rules, n, indent);
	return ferror(f) ? -EIO : 0;
}

/* What write() writes to a FILE, as a NUL-terminated string to free();
 * NULL with errno set. */
static char *cfg_to_string(int (*write)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	ret = write(f, arg);
	/* The buffer is only complete (and NUL-terminated) once closed. */
	if (fclose(f) || ret) {
		free(buf);
		errno = ret ? -ret : ENOMEM;
		return NULL;
	}
	return buf;
}

struct cfg_rules_arg {
	const struct pol_rule *rules;
	size_t	n;
	int	indent;
};

static int cfg_write_rules_arg(FILE *f, const void *arg)
{
	const struct cfg_rules_arg *a = arg;

	return cfg_write_rules(f, a->rules, a->n, a->indent);
}

char *cfg_rules_yaml(const struct pol_rule *rules, size_t n, int indent)
{
	struct cfg_rules_arg a = { rules, n, indent };

	return cfg_to_string(cfg_write_rules_arg, &a);
}

/* A rule in its user's words */

static void cfg_put_str_elem(FILE *f, const void *elem)
{
	cfg_put_str(f, *(char *const *)elem);
}

/* Words left empty are left out, as the user left them out. */
static void cfg_put_word(FILE *f, const char *key, const char *s)
{
	if (s && s[0])
		cfg_put_field(f, 4, key, s);
}

static void cfg_put_words(FILE *f, const char *key, char *const *v, size_t n)
{
	cfg_put_list(f, 4, key, v, n, sizeof(*v), cfg_put_str_elem);
}

/* The keys in the order cfg_put_rules() writes them. */
static int cfg_write_rule_words(FILE *f, const void *arg)
{
	const struct cfg_rule_words *w = arg;

	cfg_put_field(f, 2, "- name", w->name);
	cfg_put_word(f, "in", w->in);
	cfg_put_words(f, "from", w->from, w->n_from);
	cfg_put_words(f, "to", w->to, w->n_to);
	cfg_put_word(f, "family", w->family);
	cfg_put_word(f, "proto", w->proto);
	cfg_put_words(f, "port", w->port, w->n_port);
	cfg_put_words(f, "sport", w->sport, w->n_sport);
	cfg_put_word(f, "icmp_type", w->icmp_type);
	cfg_put_word(f, "action", w->action);
	cfg_put_word(f, "rate", w->rate);
	if (w->log)
		fputs("    log: true\n", f);
	if (w->dry_run)
		fputs("    dry_run: true\n", f);
	return ferror(f) ? -EIO : 0;
}

char *cfg_rule_words_yaml(const struct cfg_rule_words *w)
{
	return cfg_to_string(cfg_write_rule_words, w);
}

/* Only what the file set: defaults stay the compiler's. */
static void cfg_put_conntrack(FILE *f, const struct pol_conntrack *ct)
{
	bool any = ct->max_flows || ct->adaptive_start || ct->adaptive_end, tmo = false;
	int i;

	for (i = 0; i < POL_CT_TIMEOUTS; i++)
		tmo |= ct->timeout[i] != 0;
	if (!any && !tmo)
		return;
	fputs("conntrack:\n", f);
	if (ct->max_flows)
		fprintf(f, "  max_flows: %u\n", ct->max_flows);
	if (ct->adaptive_start)
		fprintf(f, "  adaptive_start: %u\n",
			ct->adaptive_start == POL_CT_ADAPTIVE_OFF ? 0 : ct->adaptive_start);
	if (ct->adaptive_end)
		fprintf(f, "  adaptive_end: %u\n", ct->adaptive_end);
	if (!tmo)
		return;
	fputs("  timeouts:\n", f);
	for (i = 0; i < POL_CT_TIMEOUTS; i++)
		if (ct->timeout[i])
			fprintf(f, "    %s: %u\n", cfg_timeout_keys[i].name, ct->timeout[i]);
}

static void cfg_put_observe(FILE *f, const struct pol_policy *pol)
{
	const struct pol_observe *o = &pol->observe;
	const struct pol_alerts *a = &pol->alerts;

	if (pol->api.listen || pol->api.locked) {
		fputs("api:\n", f);
		if (pol->api.listen)
			cfg_put_field(f, 2, "listen", pol->api.listen);
		fprintf(f, "  locked: %s\n", pol->api.locked ? "true" : "false");
		if (pol->api.tls_cert) {
			fputs("  tls: { cert: ", f);
			cfg_put_str(f, pol->api.tls_cert);
			fputs(", key: ", f);
			cfg_put_str(f, pol->api.tls_key);
			fputs(", ca: ", f);
			cfg_put_str(f, pol->api.tls_ca);
			fputs(" }\n", f);
		}
	}
	if (o->metrics_listen) {
		fputs("metrics:\n", f);
		cfg_put_field(f, 2, "listen", o->metrics_listen);
	}
	if (o->log_path || o->log_rate) {
		fputs("logs:\n", f);
		if (o->log_path)
			cfg_put_field(f, 2, "path", o->log_path);
		if (o->log_rate)
			fprintf(f, "  rate: %u/s\n", o->log_rate);
	}
	if (a->scan_window || a->syn_rate || a->webhook) {
		fputs("alerts:\n", f);
		if (a->scan_window)
			fprintf(f, "  port_scan: { ports: %u, window: %u }\n",
				a->scan_ports, a->scan_window);
		if (a->syn_rate)
			fprintf(f, "  syn_flood: { rate: %u/s }\n", a->syn_rate);
		if (a->webhook)
			cfg_put_field(f, 2, "webhook", a->webhook);
	}
}

static void cfg_put_nat_kind(FILE *f, const struct pol_nat *nat, enum pol_nat_kind kind,
			     const char *name)
{
	char to[POL_CIDR_STRLEN + 8];
	bool first = true;
	size_t i;

	for (i = 0; i < nat->n; i++) {
		const struct pol_nat_rule *r = &nat->rules[i];

		if (r->kind != kind)
			continue;
		if (first)
			fprintf(f, "  %s:\n", name);
		first = false;
		cfg_put_field(f, 4, kind == POL_NAT_DNAT ? "- in" : "- out", r->link);
		if (kind == POL_NAT_DNAT) {
			if (pol_cidr_format(&r->to, to, sizeof(to) - 8) < 0)
				snprintf(to, sizeof(to), "?");
			/* A lone address prints as a /32: the server is one host. */
			if (strchr(to, '/'))
				*strchr(to, '/') = '\0';
			fprintf(f, "      proto: %s\n      port: %u\n      to: \"%s:%u\"\n",
				r->proto == 6 ? "tcp" : "udp", r->port, to, r->to_port);
			continue;
		}
		if (r->from.plen) {
			fputs("      from: ", f);
			cfg_put_cidr(f, &r->from);
			fputc('\n', f);
		}
		if (kind == POL_NAT_SNAT) {
			fputs("      to: ", f);
			cfg_put_cidr(f, &r->to);
			fputc('\n', f);
		}
		if (r->ports.lo)
			fprintf(f, "      ports: \"%u-%u\"\n", r->ports.lo, r->ports.hi);
	}
}

static void cfg_put_nat(FILE *f, const struct pol_nat *nat)
{
	if (!nat->n)
		return;
	fputs("nat:\n", f);
	cfg_put_nat_kind(f, nat, POL_NAT_MASQ, "masquerade");
	cfg_put_nat_kind(f, nat, POL_NAT_SNAT, "snat");
	cfg_put_nat_kind(f, nat, POL_NAT_DNAT, "port_forward");
}

static void cfg_put_fqdn(FILE *f, const struct pol_policy *pol)
{
	const struct pol_fqdn *q = &pol->fqdn;
	size_t i, j;

	if (q->n_sets) {
		fputs("fqdn_sets:\n", f);
		for (i = 0; i < q->n_sets; i++) {
			fprintf(f, "  %s: [", q->sets[i].name);
			for (j = 0; j < q->sets[i].n; j++) {
				fputs(j ? ", " : "", f);
				cfg_put_str(f, q->sets[i].names[j]);
			}
			fputs("]\n", f);
		}
	}
	if (q->n_resolvers || q->grace) {
		fputs("fqdn:\n", f);
		if (q->n_resolvers) {
			fputs("  resolvers: [", f);
			for (i = 0; i < q->n_resolvers; i++) {
				fputs(i ? ", " : "", f);
				cfg_put_cidr(f, &q->resolvers[i]);
			}
			fputs("]\n", f);
		}
		if (q->grace)
			fprintf(f, "  grace: %u\n", q->grace);
	}
}

static void cfg_put_ifaces(FILE *f, const struct pol_policy *pol)
{
	static const char *modes[] = {
		[POL_MODE_AUTO] = "auto", [POL_MODE_XDP] = "xdp", [POL_MODE_TC] = "tc",
	};
	size_t i;

	fputs(pol->n_ifaces ? "interfaces:\n" : "interfaces: []\n", f);
	for (i = 0; i < pol->n_ifaces; i++) {
		const struct pol_iface *ifc = &pol->ifaces[i];

		cfg_put_field(f, 2, "- match", ifc->match);
		if (ifc->role)
			cfg_put_field(f, 4, "role", ifc->role);
		fprintf(f, "    mode: %s\n", modes[ifc->mode]);
		if (ifc->fast_path != POL_FAST_AUTO)
			fprintf(f, "    fast_path: %s\n", ifc->fast_path == POL_FAST_ON ? "on" : "off");
	}
}

/* The added rules' document */

struct cfg_added_arg {
	const struct pol_policy *base;
	const struct pol_added *v;
	size_t	n;
	int	*line;
};

/*
 * The rules first, so that where each starts follows from their own text;
 * the parser reads the sections in its own order whatever theirs.
 */
static int cfg_write_added(FILE *f, const void *arg)
{
	const struct cfg_added_arg *a = arg;
	const char *p;
	int ln = 2;	/* below "rules:" */
	size_t i;

	fputs("rules:\n", f);
	for (i = 0; i < a->n; i++) {
		a->line[i] = ln;
		fputs(a->v[i].yaml, f);
		for (p = a->v[i].yaml; *p; p++)
			ln += *p == '\n';
	}
	cfg_put_ifaces(f, a->base);
	return ferror(f) ? -EIO : 0;
}

char *cfg_added_doc(const struct pol_policy *base, const struct pol_added *v, size_t n,
		    int *line)
{
	struct cfg_added_arg a = { base, v, n, line };

	return cfg_to_string(cfg_write_added, &a);
}

int cfg_print(const struct pol_policy *pol, FILE *f)
{
	static const char *logs[] = {
		[POL_LOG_NONE] = "none", [POL_LOG_DROPS] = "drops", [POL_LOG_ALL] = "all",
	};

	cfg_put_ifaces(f, pol);
	fprintf(f, "defaults:\n  policy: %s\n  dry_run: %s\n  log: %s\n",
		pol->default_action == WARD_ACT_ACCEPT ? "accept" : "drop",
		pol->dry_run ? "true" : "false", logs[pol->log]);
	if (pol->reject_rate)
		fprintf(f, "  reject_rate: %u/s\n", pol->reject_rate);
	cfg_put_conntrack(f, &pol->conntrack);
	cfg_put_observe(f, pol);
	cfg_put_fqdn(f, pol);
	fputs(pol->n_rules ? "rules:\n" : "rules: []\n", f);
	cfg_put_rules(f, pol->rules, pol->n_rules, 2);
	cfg_put_nat(f, &pol->nat);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
