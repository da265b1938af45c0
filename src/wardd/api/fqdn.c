// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/fqdn.c: FqdnList: the addresses each FQDN set allows now.
 */
#include <arpa/inet.h>
#include <string.h>
#include "api_int.h"
#include "dataplane_fqdn.h"

struct fqdn_list {
	struct api_reply *r;
	Ward__V1__FqdnListResponse *m;
	const char *set;
	size_t	cap;
};

static void fqdn_list_one(const char *set, int family, const __u8 *addr, __u64 left_s,
			  __u32 ttl, void *arg)
{
	struct fqdn_list *l = arg;
	Ward__V1__FqdnAddress *x;
	char text[INET6_ADDRSTRLEN];
	size_t i;

	if (l->set[0] && strcmp(l->set, set))
		return;
	if (l->m->n_addresses == l->cap) {
		Ward__V1__FqdnAddress **nv;

		l->cap = l->cap ? l->cap * 2 : 64;
		nv = ar_alloc(&l->r->ar, l->cap, sizeof(*nv));
		if (!nv)
			return;
		if (l->m->n_addresses)
			memcpy(nv, l->m->addresses, l->m->n_addresses * sizeof(*nv));
		l->m->addresses = nv;
	}
	x = ar_alloc(&l->r->ar, 1, sizeof(*x));
	if (!x)
		return;
	ward__v1__fqdn_address__init(x);
	inet_ntop(family == WARD_FAM_V4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	x->set = ar_strdup(&l->r->ar, set);
	x->address = ar_strdup(&l->r->ar, text);
	x->ttl = ttl;
	x->expires_in_s = left_s;
	l->m->addresses[l->m->n_addresses++] = x;
	for (i = 0; i < l->m->n_sets; i++)
		if (!strcmp(l->m->sets[i]->name, set))
			l->m->sets[i]->addresses++;
}

void m_fqdn_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__FqdnListRequest *q = (const Ward__V1__FqdnListRequest *)in;
	const struct pol_fqdn *f = &a->w->comp.fqdn;
	Ward__V1__FqdnListResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct fqdn_list l = { .r = r, .m = m, .set = q->set };
	size_t i, j;

	if (!m)
		goto oom;
	ward__v1__fqdn_list_response__init(m);
	m->grace_s = f->grace ? f->grace : POL_FQDN_GRACE_DEFAULT;
	m->sets = ar_alloc(&r->ar, f->n_sets + 1, sizeof(*m->sets));
	if (!m->sets)
		goto oom;
	for (i = 0; i < f->n_sets; i++) {
		Ward__V1__FqdnSet *s;

		if (q->set[0] && strcmp(q->set, f->sets[i].name))
			continue;
		s = ar_alloc(&r->ar, 1, sizeof(*s));
		if (!s)
			goto oom;
		ward__v1__fqdn_set__init(s);
		s->name = ar_strdup(&r->ar, f->sets[i].name);
		s->names = ar_alloc(&r->ar, f->sets[i].n + 1, sizeof(*s->names));
		if (!s->names)
			goto oom;
		for (j = 0; j < f->sets[i].n; j++)
			s->names[s->n_names++] = ar_strdup(&r->ar, f->sets[i].names[j]);
		m->sets[m->n_sets++] = s;
	}
	if (q->set[0] && !m->n_sets) {
		reply_err(r, GRPC_STATUS_NOT_FOUND, "fqdn list: no fqdn set %s", q->set);
		return;
	}
	if (dp_fqdn_walk(&a->w->dp, fqdn_list_one, &l)) {
		reply_err(r, GRPC_STATUS_INTERNAL, "fqdn list: reading learned addresses failed");
		return;
	}
	if (r->ar.oom)
		goto oom;
	r->out = &m->base;
	return;
oom:
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}
