// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/conntrack.c: ConntrackList (paged with a cursor, filtered
 * by address) and ConntrackFlush.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api_int.h"
#include "log.h"
#include "pol_util.h"

/* Conntrack */

static const char *const tcp_states[WARD_TCP_STATE_MAX] = {
	"none", "syn-sent", "syn-sent2", "syn-recv", "established", "fin-wait",
	"close-wait", "last-ack", "time-wait", "close",
};

static bool cidr_has(const struct pol_cidr *c, const struct ward_ct_key *k, int ep)
{
	const __u8 *a = (const __u8 *)k->addr[ep];
	unsigned int full = c->plen / 8, rest = c->plen % 8;

	if (c->family != k->family)
		return false;
	if (memcmp(a, c->addr, full))
		return false;
	return !rest || !((a[full] ^ c->addr[full]) & (0xff << (8 - rest)));
}

static int filter_parse(struct api_reply *r, const char *field, const char *s,
			struct pol_cidr *c, bool *set)
{
	*set = s[0];
	if (!*set)
		return 0;
	if (pol_cidr_parse(s, c)) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "ct list: %s: '%s' is not an address or CIDR",
			  field, s);
		return -EINVAL;
	}
	pol_cidr_mask(c);
	return 0;
}

static Ward__V1__Flow *flow_msg(struct api *a, struct api_arena *ar, const struct ward_ct_key *k,
				const struct ward_ct_val *v, __u64 now)
{
	Ward__V1__Flow *f = ar_alloc(ar, 1, sizeof(*f));
	int af = k->family == WARD_FAM_V6 ? AF_INET6 : AF_INET;
	unsigned int o = v->orig & 1;
	char buf[INET6_ADDRSTRLEN];
	const char *rule;

	if (!f)
		return NULL;
	ward__v1__flow__init(f);
	f->family = k->family == WARD_FAM_V6 ? "ipv6" : "ipv4";
	f->proto = (char *)api_proto_text(ar, k->proto);
	f->src = ar_strdup(ar, inet_ntop(af, k->addr[o], buf, sizeof(buf)) ? buf : "?");
	f->dst = ar_strdup(ar, inet_ntop(af, k->addr[!o], buf, sizeof(buf)) ? buf : "?");
	f->sport = ntohs(k->port[o]);
	f->dport = ntohs(k->port[!o]);
	if (k->proto == IPPROTO_TCP)
		f->state = (char *)(v->state < WARD_TCP_STATE_MAX ? tcp_states[v->state] : "unknown");
	else
		f->state = v->flags & WARD_CTF_REPLIED ? "replied" : "new";
	f->packets_orig = v->packets[0];
	f->bytes_orig = v->bytes[0];
	f->packets_reply = v->packets[1];
	f->bytes_reply = v->bytes[1];
	f->age_ms = now > v->created ? (now - v->created) / 1000000 : 0;
	f->idle_ms = now > v->last_seen ? (now - v->last_seen) / 1000000 : 0;
	rule = !(v->flags & WARD_CTF_LOCAL) && v->stat < WARD_MAX_RULES && a->w->dp.names ?
	       a->w->dp.names[v->stat].name : "";
	f->rule = ar_strdup(ar, rule);
	f->dry_run = v->flags & WARD_CTF_DRY_RUN;
	f->generation = v->generation;
	return f;
}

/*
 * One page through the kernel's batch lookup. For a hash map its cursor is
 * a bucket index, which stays good while flows come and go (a key as the
 * cursor would not: bpf_map_get_next_key on a deleted key starts over from
 * the first). A bucket is returned whole, so a page may hold fewer flows
 * than asked for, never a flow twice.
 */
void m_ct_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__ConntrackListRequest *q = (const Ward__V1__ConntrackListRequest *)in;
	struct wardd *w = a->w;
	struct api_arena *ar = &r->ar;
	Ward__V1__ConntrackListResponse *m = ar_alloc(ar, 1, sizeof(*m));
	size_t limit = q->limit ? (q->limit > API_PAGE_MAX ? API_PAGE_MAX : q->limit) :
		       API_PAGE_DEFAULT;
	size_t cap = limit < 64 ? 64 : limit, scanned = 0, i;
	struct ward_ct_key *keys = NULL;
	struct ward_ct_val *vals = NULL;
	struct pol_cidr fsrc, fdst;
	bool has_src, has_dst, started = false, done = false;
	__u32 in_batch = 0, out_batch = 0, count;
	struct timespec ts;
	char *end;
	__u64 now;
	int err;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__conntrack_list_response__init(m);
	if (filter_parse(r, "src", q->src, &fsrc, &has_src) ||
	    filter_parse(r, "dst", q->dst, &fdst, &has_dst))
		return;
	if (q->cursor[0]) {
		unsigned long b;

		errno = 0;
		b = strtoul(q->cursor, &end, 10);
		if (errno || *end || b > UINT32_MAX) {
			reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
				  "ct list: cursor: '%s' is not a cursor this server gave", q->cursor);
			return;
		}
		in_batch = (__u32)b;
		started = true;
	}
	keys = calloc(cap, sizeof(*keys));
	vals = calloc(cap, sizeof(*vals));
	m->flows = ar_alloc(ar, limit, sizeof(*m->flows));
	if (!keys || !vals || !m->flows)
		goto oom;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;

	while (m->n_flows < limit && scanned < API_SCAN_BUDGET) {
		count = (__u32)(limit - m->n_flows);
		err = dp_ct_read(&w->dp, started ? &in_batch : NULL, &out_batch, keys, vals, &count);
		if (err == -ENOSPC) {
			/* The next bucket holds more than there is room left for. */
			if (m->n_flows)
				break;
			if (cap >= 65536) {
				reply_err(r, GRPC_STATUS_INTERNAL, "ct list: a hash bucket too large to read");
				goto out;
			}
			free(keys);
			free(vals);
			cap *= 2;
			keys = calloc(cap, sizeof(*keys));
			vals = calloc(cap, sizeof(*vals));
			if (!keys || !vals)
				goto oom;
			/* Room for the bucket: this page may run over limit once. */
			count = (__u32)cap;
			err = dp_ct_read(&w->dp, started ? &in_batch : NULL, &out_batch, keys, vals,
					 &count);
			if (err < 0) {
				reply_err(r, GRPC_STATUS_INTERNAL, "ct list: reading flows: %s",
					  strerror(-err));
				goto out;
			}
			m->flows = ar_alloc(ar, count + limit, sizeof(*m->flows));
			if (!m->flows)
				goto oom;
		} else if (err < 0) {
			reply_err(r, GRPC_STATUS_INTERNAL, "ct list: reading flows: %s", strerror(-err));
			goto out;
		}
		scanned += count;
		for (i = 0; i < count; i++) {
			if (dp_ct_expired(&w->dp, &keys[i], &vals[i], now))
				continue;
			if (has_src && !cidr_has(&fsrc, &keys[i], vals[i].orig & 1))
				continue;
			if (has_dst && !cidr_has(&fdst, &keys[i], !(vals[i].orig & 1)))
				continue;
			m->flows[m->n_flows] = flow_msg(a, ar, &keys[i], &vals[i], now);
			if (!m->flows[m->n_flows])
				goto oom;
			m->n_flows++;
		}
		if (err) {		/* 1: the last bucket was read */
			done = true;
			break;
		}
		in_batch = out_batch;
		started = true;
	}
	if (!done)
		m->next_cursor = ar_printf(ar, "%u", started ? in_batch : 0);
	m->total = dp_ct_count(&w->dp);
	if (ar->oom)
		goto oom;
	r->out = &m->base;
	goto out;
oom:
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
out:
	free(keys);
	free(vals);
}

void m_ct_flush(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	Ward__V1__ConntrackFlushResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	__u64 flushed;
	int err;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__conntrack_flush_response__init(m);
	err = dp_ct_flush(&a->w->dp, &flushed);
	pr_info("api: conntrack flushed: %llu flows\n", (unsigned long long)flushed);
	if (err) {
		reply_err(r, GRPC_STATUS_INTERNAL, "ct flush: %s (%llu flows flushed)",
			  strerror(-err), (unsigned long long)flushed);
		return;
	}
	m->flushed = flushed;
	r->out = &m->base;
}
