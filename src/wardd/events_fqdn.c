// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardd/events_fqdn.c: see events_fqdn.h. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "dataplane_fqdn.h"
#include "events_fqdn.h"
#include "fqdn.h"

#define APPEND(...) do {							\
	int k_ = snprintf(line + n, len - n, __VA_ARGS__);			\
	if (k_ < 0 || (size_t)k_ >= len - n)					\
		return 0;							\
	n += k_;								\
} while (0)

int fqdn_event_line(struct wardd *w, const void *data, const char *when, char *line, size_t len)
{
	const struct ward_fqdn_event *ev = data;
	char name[WARD_FQDN_NAME_MAX * 2], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	char ifname[IF_NAMESIZE] = "", set[WARD_FQDN_SET_NAME_MAX];
	int fam = ev->family == WARD_FAM_V4 ? AF_INET : AF_INET6;
	size_t n = 0;
	unsigned int i, k;

	/* Names are letters, digits, '-' and '_' once matched; anything
	 * else becomes '?' (no escaping needed in JSON). */
	fqdn_wire_to_text(ev->qname, sizeof(ev->qname), name, sizeof(name));
	inet_ntop(fam, ev->client, a, sizeof(a));
	inet_ntop(fam, ev->resolver, b, sizeof(b));
	if_indextoname(ev->ifindex, ifname);
	APPEND("{\"@timestamp\":\"%s\",\"event\":{\"action\":\"fqdn-learn\"},", when);
	APPEND("\"dns\":{\"question\":{\"name\":\"%s\"},\"resolved_ip\":[", name);
	for (i = 0; i < ev->n_addrs && i < WARD_FQDN_EV_ADDRS; i++) {
		int af = ev->addrs[i].family == WARD_FAM_V4 ? AF_INET : AF_INET6;

		inet_ntop(af, ev->addrs[i].addr, b, sizeof(b));
		APPEND("%s\"%s\"", i ? "," : "", b);
	}
	inet_ntop(fam, ev->resolver, b, sizeof(b));
	APPEND("]},\"ward\":{\"fqdn\":{\"sets\":[");
	for (i = 0, k = 0; i < WARD_FQDN_SETS; i++) {
		if (!(ev->sets & (1ULL << i)) || dp_fqdn_set_name(&w->dp, i, set, sizeof(set)))
			continue;
		APPEND("%s\"%s\"", k++ ? "," : "", set);
	}
	APPEND("],\"addresses\":%u,\"ttl\":%u}},", ev->learned, ev->ttl);
	APPEND("\"network\":{\"transport\":\"%s\",\"type\":\"%s\"},", ev->proto == 6 ? "tcp" : "udp",
	       fam == AF_INET ? "ipv4" : "ipv6");
	APPEND("\"client\":{\"ip\":\"%s\"},\"server\":{\"ip\":\"%s\"},", a, b);
	APPEND("\"observer\":{\"ingress\":{\"interface\":{\"name\":\"%s\"}}}}", ifname);
	return (int)n;
}
