/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/policy/policy.c: freeing the policy model, and the address and protocol
 * helpers of pol_util.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "ward/abi.h"

#include "policy.h"
#include "pol_util.h"

static void pol_rules_free(struct pol_rule *rules, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pol_rule *r = &rules[i];

		free(r->name);
		free(r->in);
		free(r->from.v);
		free(r->to.v);
		free(r->sport.v);
		free(r->dport.v);
		pol_rules_free(r->children, r->n_children);
	}
	free(rules);
}

void pol_free(struct pol_policy *pol)
{
	size_t i;

	if (!pol)
		return;
	for (i = 0; i < pol->n_ifaces; i++) {
		free(pol->ifaces[i].match);
		free(pol->ifaces[i].role);
	}
	free(pol->ifaces);
	pol_rules_free(pol->rules, pol->n_rules);
	free(pol->source);
	free(pol->alerts.webhook);
	free(pol->observe.metrics_listen);
	free(pol->observe.log_path);
	free(pol->api.listen);
	for (i = 0; i < pol->nat.n; i++)
		free(pol->nat.rules[i].link);
	free(pol->nat.rules);
	free(pol->api.tls_cert);
	free(pol->api.tls_key);
	free(pol->api.tls_ca);
	pol_fqdn_free(&pol->fqdn);
	memset(pol, 0, sizeof(*pol));
}

int pol_cidr_parse(const char *s, struct pol_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct pol_cidr c = { 0 };
	unsigned int plen, max;
	const char *p;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';

	/* inet_pton(AF_INET) takes only the dotted quad, not "10.1" or hex. */
	if (strchr(buf, ':')) {
		if (inet_pton(AF_INET6, buf, c.addr) != 1)
			return -EINVAL;
		c.family = 6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, buf, c.addr) != 1)
			return -EINVAL;
		c.family = 4;
		max = 32;
	}

	if (!slash) {
		c.plen = max;
		*out = c;
		return 0;
	}
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		return -ERANGE;
	for (plen = 0; *p; p++) {
		if (*p < '0' || *p > '9')
			return -ERANGE;
		plen = plen * 10 + (unsigned int)(*p - '0');
	}
	if (plen > max)
		return -ERANGE;
	c.plen = plen;
	*out = c;
	return 0;
}

int pol_cidr_format(const struct pol_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int max = c->family == 6 ? 128 : 32;
	int n;

	if (!inet_ntop(c->family == 6 ? AF_INET6 : AF_INET, c->addr, a, sizeof(a)))
		return -errno;
	if (c->plen == max)
		n = snprintf(buf, len, "%s", a);
	else
		n = snprintf(buf, len, "%s/%u", a, c->plen);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

bool pol_cidr_has_host_bits(const struct pol_cidr *c)
{
	struct pol_cidr m = *c;

	pol_cidr_mask(&m);
	return memcmp(m.addr, c->addr, sizeof(m.addr)) != 0;
}

void pol_cidr_mask(struct pol_cidr *c)
{
	unsigned int bytes = c->family == 6 ? 16 : 4;
	unsigned int i;

	for (i = 0; i < 16; i++) {
		unsigned int bit = i * 8;

		if (i >= bytes || bit >= c->plen)
			c->addr[i] = 0;
		else if (bit + 8 > c->plen)
			c->addr[i] &= (uint8_t)(0xff << (bit + 8 - c->plen));
	}
}

const char *pol_proto_name(int proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	}
	return NULL;
}

/* The name a user writes for an action: "accept", "drop", "reject". */
const char *pol_action_name(int action)
{
	switch (action) {
	case WARD_ACT_ACCEPT:
		return "accept";
	case WARD_ACT_DROP:
		return "drop";
	case WARD_ACT_REJECT:
		return "reject";
	}
	return NULL;
}
