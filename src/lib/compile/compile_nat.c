// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/compile/compile_nat.c: the nat: section -> struct ward_nat_policy, the
 * contents of one slot of ward_nat_policy. Rules keep their order:
 * masquerade and snat rules are tried in it for each new flow's out link,
 * port forwards for its in link.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "compile_int.h"

/* A NAT rule's link: its zone id, else an interface name id. */
static int nat_link(struct compiled *c, const char *link, struct ward_nat_rule *r)
{
	int id = find_str(c->zones, c->n_zones, link);

	if (id >= 0) {
		r->zone = (__u8)(id + 1);
		return 0;
	}
	if (add_str(&c->if_names, &c->n_if_names, link))
		return -ENOMEM;
	r->if_id = (__u16)(find_str(c->if_names, c->n_if_names, link) + 1);
	return 0;
}

static __be32 nat_mask(int plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

int compile_nat(const struct pol_policy *pol, struct compiled *c)
{
	size_t i;

	memset(&c->nat, 0, sizeof(c->nat));
	for (i = 0; i < pol->nat.n && i < WARD_NAT_MAX_RULES; i++) {
		const struct pol_nat_rule *pr = &pol->nat.rules[i];
		struct ward_nat_rule *r = &c->nat.rules[i];

		if (nat_link(c, pr->link, r))
			return -ENOMEM;
		switch (pr->kind) {
		case POL_NAT_MASQ:
		case POL_NAT_SNAT:
			r->kind = pr->kind == POL_NAT_MASQ ? WARD_NAT_MASQ : WARD_NAT_SNAT;
			r->from_mask = nat_mask(pr->from.plen);
			memcpy(&r->from, pr->from.addr, 4);
			r->from &= r->from_mask;
			if (pr->kind == POL_NAT_SNAT)
				memcpy(&r->to, pr->to.addr, 4);
			r->port_lo = pr->ports.lo;
			r->port_hi = pr->ports.hi;
			break;
		case POL_NAT_DNAT:
			r->kind = WARD_NAT_DNAT;
			r->proto = (__u8)pr->proto;
			r->port = htons(pr->port);
			memcpy(&r->to, pr->to.addr, 4);
			r->port_lo = pr->to_port;
			break;
		}
	}
	c->nat.n_rules = (__u32)i;
	return 0;
}
