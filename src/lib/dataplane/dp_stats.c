// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/dataplane/dp_stats.c: reading the counters and per-rule
 * statistics, and their names (see dataplane.h). */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ward.skel.h"
#include "dataplane.h"
#include "log.h"

static const char *const counter_names[WARD_CNT_MAX] = {
	[WARD_CNT_DROP_RULE]		= "rule",
	[WARD_CNT_DROP_POLICY]		= "policy",
	[WARD_CNT_DROP_TRUNC_L2]	= "truncated_l2",
	[WARD_CNT_DROP_BAD_IP4]		= "bad_ipv4",
	[WARD_CNT_DROP_BAD_IP6]		= "bad_ipv6",
	[WARD_CNT_DROP_BAD_IP6_EXT]	= "bad_ipv6_ext",
	[WARD_CNT_DROP_BAD_L4]		= "bad_l4",
	[WARD_CNT_DROP_INTERNAL]	= "internal",
	[WARD_CNT_DROP_CT_FULL]		= "ct_full",
	[WARD_CNT_DROP_TCP_INVALID]	= "tcp_invalid",
	[WARD_CNT_DROP_TCP_WINDOW]	= "tcp_window",
	[WARD_CNT_DROP_REVOKED]		= "revoked",
	[WARD_CNT_DROP_NAT_EXHAUSTED]	= "nat_exhausted",
	[WARD_CNT_DROP_NAT_STALE]	= "nat_stale",
	[WARD_CNT_DROP_RATE_LIMIT]	= "rate_limit",
	[WARD_CNT_DROP_NAT_INVALID]	= "nat_invalid",
	[WARD_CNT_DROP_NAT_NO_ROUTE]	= "nat_no_route",
	[WARD_CNT_DROP_BAD_CHECKSUM]	= "bad_checksum",
	[WARD_CNT_DROP_BAD_FRAGMENT]	= "bad_fragment",
	[WARD_CNT_DROP_FRAG_DENIED]	= "frag_denied",
	[WARD_CNT_DROP_ND_INVALID]	= "nd_invalid",
	[WARD_CNT_PASS_NON_IP]		= "pass_non_ip",
	[WARD_CNT_PASS_ND]		= "pass_nd",
	[WARD_CNT_WOULD_DROP]		= "would_drop",
	[WARD_CNT_FRAGMENT]		= "fragment",
	[WARD_CNT_ACCEPT]		= "accept",
	[WARD_CNT_CT_NEW]		= "ct_new",
	[WARD_CNT_CT_ESTABLISHED]	= "ct_established",
	[WARD_CNT_CT_RELATED]		= "ct_related",
	[WARD_CNT_ICMP_ORPHAN]		= "icmp_orphan",
	[WARD_CNT_RST_INEXACT]		= "rst_inexact",
	[WARD_CNT_FRAG_PASS]		= "frag_pass",
	[WARD_CNT_CT_EXPIRED]		= "ct_expired",
	[WARD_CNT_LOG_SUPPRESSED]	= "log_suppressed",
	[WARD_CNT_LOG_LOST]		= "log_lost",
	[WARD_CNT_SYN_NEW]		= "syn_new",
	[WARD_CNT_CT_GONE]		= "ct_gone",
	[WARD_CNT_NAT_NEW]		= "nat_new",
	[WARD_CNT_NAT_XLATE]		= "nat_xlate",
	[WARD_CNT_FWD_REDIRECT]		= "fwd_redirect",
	[WARD_CNT_FWD_STACK]		= "fwd_stack",
	[WARD_CNT_FQDN_PARSED]		= "fqdn_parsed",
	[WARD_CNT_FQDN_IGNORED]		= "fqdn_ignored",
	[WARD_CNT_FQDN_SPOOFED]		= "fqdn_spoofed",
	[WARD_CNT_FQDN_MALFORMED]	= "fqdn_malformed",
	[WARD_CNT_FQDN_FRAGMENT]	= "fqdn_fragment",
	[WARD_CNT_FQDN_LEARNED]		= "fqdn_learned",
	[WARD_CNT_FQDN_TRUNC]		= "fqdn_truncated",
	[WARD_CNT_FQDN_QUERY]		= "fqdn_query",
	[WARD_CNT_REJECT_SENT]		= "reject_sent",
	[WARD_CNT_REJECT_LIMITED]	= "reject_limited",
	[WARD_CNT_REJECT_SKIPPED]	= "reject_skipped",
	[WARD_CNT_WOULD_REJECT]		= "would_reject",
	[WARD_CNT_TCP_IGNORED]		= "tcp_ignored",
	[WARD_CNT_CT_ANSWERED]		= "ct_answered",
	[WARD_CNT_CT_GONE_ANSWERED]	= "ct_gone_answered",
	[WARD_CNT_CT_EARLY_DROP]	= "ct_early_drop",
	[WARD_CNT_CT_ADAPTIVE]		= "ct_adaptive",
};

const char *dp_counter_name(int counter)
{
	if (counter < 0 || counter >= WARD_CNT_MAX)
		return "unknown";
	return counter_names[counter];
}

const char *dp_mode_name(int mode)
{
	switch (mode) {
	case WARD_MODE_XDP_NATIVE:	return "xdp";
	case WARD_MODE_XDP_GENERIC:	return "xdp-generic";
	case WARD_MODE_TC:		return "tc";
	default:			return "none";
	}
}

void dp_print_stats(struct dataplane *dp, FILE *f)
{
	int sfd = bpf_map__fd(dp->skel->maps.ward_rule_stats);
	int cfd = bpf_map__fd(dp->skel->maps.ward_counters);
	struct ward_stat *s = calloc(dp->ncpus, sizeof(*s));
	__u64 *v = calloc(dp->ncpus, sizeof(*v));
	__u32 i;
	int c;

	if (!s || !v)
		goto out;
	fprintf(f, "generation %llu\n", (unsigned long long)dp->generation);
	for (i = 0; i < WARD_MAX_RULES; i++) {
		__u64 pk = 0, by = 0;

		if (!dp->names[i].name[0] || bpf_map_lookup_elem(sfd, &i, s))
			continue;
		for (c = 0; c < dp->ncpus; c++) {
			pk += s[c].packets;
			by += s[c].bytes;
		}
		fprintf(f, "rule %-24s packets %llu bytes %llu\n", dp->names[i].name,
			(unsigned long long)pk, (unsigned long long)by);
	}
	for (i = 0; i < WARD_CNT_MAX; i++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(cfd, &i, v))
			continue;
		for (c = 0; c < dp->ncpus; c++)
			sum += v[c];
		fprintf(f, "%s %-14s %llu\n", i < WARD_CNT_DROP_MAX ? "drop   " : "counter",
			dp_counter_name(i), (unsigned long long)sum);
	}
out:
	free(s);
	free(v);
}

int dp_read_counters(struct dataplane *dp, __u64 out[WARD_CNT_MAX])
{
	int fd = bpf_map__fd(dp->skel->maps.ward_counters);
	__u64 *v = calloc(dp->ncpus, sizeof(*v));
	__u32 i;
	int c;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < WARD_CNT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, v))
			continue;
		for (c = 0; c < dp->ncpus; c++)
			out[i] += v[c];
	}
	free(v);
	return 0;
}

/*
 * Every named rule's packets and bytes, summed over CPUs. One batch lookup
 * per 4096 rules: a scrape of 10,000 rules is a handful of syscalls.
 */
int dp_read_rule_stats(struct dataplane *dp,
		       void (*cb)(const char *name, __u64 packets, __u64 bytes, void *arg),
		       void *arg)
{
	int fd = bpf_map__fd(dp->skel->maps.ward_rule_stats);
	const __u32 chunk = 4096;
	struct ward_stat *vals;
	__u32 *keys, out_batch, count, i;
	void *in = NULL;
	int err = 0, c;

	keys = calloc(chunk, sizeof(*keys));
	vals = calloc((size_t)chunk * dp->ncpus, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = chunk;
		err = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < count; i++) {
			__u64 pk = 0, by = 0;
			__u32 k = keys[i];

			if (k >= WARD_MAX_RULES || !dp->names[k].name[0])
				continue;
			for (c = 0; c < dp->ncpus; c++) {
				pk += vals[(size_t)i * dp->ncpus + c].packets;
				by += vals[(size_t)i * dp->ncpus + c].bytes;
			}
			cb(dp->names[k].name, pk, by, arg);
		}
		if (err || (count && keys[count - 1] >= dp->stat_hi)) {
			err = 0;	/* ENOENT: that was the last batch */
			break;
		}
		in = &out_batch;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int dp_events_fd(struct dataplane *dp)
{
	return bpf_map__fd(dp->skel->maps.ward_events);
}
