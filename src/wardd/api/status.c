// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/status.c: Status: interfaces and hooks, the policy's
 * generation, counters.
 */
#include <stdatomic.h>
#include "api_int.h"
#include "dataplane.h"

void m_status(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	struct wardd *w = a->w;
	struct api_arena *ar = &r->ar;
	Ward__V1__StatusResponse *m = ar_alloc(ar, 1, sizeof(*m));
	__u64 cnt[WARD_CNT_MAX] = {};
	size_t i;

	if (!m)
		goto oom;
	ward__v1__status_response__init(m);
	m->version = WARD_VERSION;
	m->generation = w->dp.generation;
	m->policy_source = ar_strdup(ar, w->live_src.name ? w->live_src.name : "");
	m->interfaces = ar_alloc(ar, w->dp.n_links, sizeof(*m->interfaces));
	if (!m->interfaces)
		goto oom;
	for (i = 0; i < w->dp.n_links; i++) {
		const struct dp_link *l = &w->dp.links[i];
		Ward__V1__Interface *it = ar_alloc(ar, 1, sizeof(*it));
		__u8 z = l->info.in_zone;

		if (!it)
			goto oom;
		ward__v1__interface__init(it);
		it->name = ar_strdup(ar, l->name);
		it->ifindex = (uint32_t)l->ifindex;
		if (z && z <= w->comp.n_zones)
			it->role = ar_strdup(ar, w->comp.zones[z - 1]);
		it->mode = (char *)dp_mode_name(l->mode);
		m->interfaces[m->n_interfaces++] = it;
	}
	m->rules = (uint32_t)w->pol.n_rules;
	m->api_rules = (uint32_t)a->n_rules;
	m->default_policy = (char *)api_action_name(w->pol.default_action);
	m->dry_run = w->pol.dry_run;
	m->flows = dp_ct_count(&w->dp);
	m->max_flows = w->dp.max_flows;
	m->locked = a->locked;
	m->listen = a->listen;
	m->last_error = ar_strdup(ar, w->reload_err);
	m->event_followers = (uint32_t)api_streams_followers(&a->streams);
	m->events_dropped = atomic_load(&a->streams.dropped);
	dp_read_counters(&w->dp, cnt);
	m->counters = ar_alloc(ar, WARD_CNT_MAX, sizeof(*m->counters));
	if (!m->counters)
		goto oom;
	for (i = 0; i < WARD_CNT_MAX; i++) {
		Ward__V1__Counter *c = ar_alloc(ar, 1, sizeof(*c));

		if (!c)
			goto oom;
		ward__v1__counter__init(c);
		c->name = (char *)dp_counter_name((int)i);
		c->value = cnt[i];
		c->drop = i < WARD_CNT_DROP_MAX;
		m->counters[m->n_counters++] = c;
	}
	if (ar->oom)
		goto oom;
	r->out = &m->base;
	return;
oom:
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}
