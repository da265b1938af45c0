/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/fuzz/fuzz_dp.h: the real data plane for the packet harnesses
 * (fuzz_packet.c, fuzz_dns.c). Only tests/fuzz/ includes it.
 *
 * As in tests/bpf/: the policy goes YAML -> cfg_parse_string ->
 * compile_policy -> dp_commit into maps that are not pinned, nothing is
 * attached, and frames run with BPF_PROG_TEST_RUN on both ingress hooks.
 * Needs root. A harness that cannot set up aborts: a fuzzer that runs
 * nothing must not look like one that found nothing.
 */
#ifndef WARD_FUZZ_DP_H
#define WARD_FUZZ_DP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "ward.skel.h"
#include "config.h"
#include "compile.h"
#include "dataplane.h"
#include "log.h"
#include "test_run.h"

enum { FUZZ_XDP, FUZZ_TC, FUZZ_HOOKS };

static struct dataplane fuzz_dp;
static struct pol_policy fuzz_pol;
static struct compiled fuzz_comp;

static inline void fuzz_die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, why);
	exit(2);
}

static inline void fuzz_dp_setup(const char *policy)
{
	char err[CFG_ERR_MAX];

	log_init("ward_fuzz", 0, LOG_LVL_WARN);
	if (dp_open(&fuzz_dp, NULL, 0))
		fuzz_die("dp_open", "not root, or no BPF");
	if (cfg_parse_string("fuzz.yaml", policy, strlen(policy), &fuzz_pol, err, sizeof(err)))
		fuzz_die("policy", err);
	if (compile_policy(&fuzz_pol, &fuzz_comp, err, sizeof(err)))
		fuzz_die("compile", err);
	if (dp_commit(&fuzz_dp, &fuzz_comp, NULL, 0))
		fuzz_die("dp_commit", "refused");
}

static inline void fuzz_counters(__u64 out[WARD_CNT_MAX])
{
	if (dp_read_counters(&fuzz_dp, out))
		fuzz_die("dp_read_counters", "failed");
}

/* Verdicts a hook may give. XDP_ABORTED, or a tc code ward never means to
 * return, is a bug: the program fell off a path nobody chose. */
static inline bool fuzz_verdict_ok(int hook, __u32 ret)
{
	if (hook == FUZZ_XDP)
		return ret == XDP_DROP || ret == XDP_PASS || ret == XDP_TX ||
		       ret == XDP_REDIRECT;
	return ret == TC_ACT_OK || ret == TC_ACT_SHOT || ret == TC_ACT_REDIRECT;
}

static inline bool fuzz_passed(int hook, __u32 ret)
{
	return hook == FUZZ_XDP ? ret != XDP_DROP && ret != XDP_ABORTED : ret != TC_ACT_SHOT;
}

/* What fuzz_run returns when the kernel would not run the frame at all. */
#define FUZZ_NOT_RUN	0xffffffffu

/*
 * One frame through one hook, arriving on ifindex; the hook's verdict, or
 * FUZZ_NOT_RUN: test_run refuses (-EINVAL) frames shorter than Ethernet,
 * and for tc also an IPv4 or IPv6 frame shorter than its fixed header
 * (the skb setup reads it), before any of ward runs.
 */
static inline __u32 fuzz_run(int hook, int ifindex, const void *frame, size_t len)
{
	struct bpf_program *prog = hook == FUZZ_XDP ? fuzz_dp.skel->progs.ward_xdp_ingress :
						      fuzz_dp.skel->progs.ward_tc_ingress;
	__u32 ret;
	int err;

	err = test_run_frame(prog, hook == FUZZ_XDP, ifindex, frame, (__u32)len, NULL, 0, NULL,
			     1, &ret);
	if (err == -EINVAL)
		return FUZZ_NOT_RUN;
	if (err)
		fuzz_die("BPF_PROG_TEST_RUN", strerror(-err));
	return ret;
}

/*
 * libFuzzer sees the coverage of C code only, not of the BPF programs, so
 * the counters a frame moved stand in for it: each (hook, counter, moved
 * by 1 or by more) is an extra counter, and a frame that moves a new one
 * is kept like one that reached a new edge.
 */
static __attribute__((section("__libfuzzer_extra_counters")))
	__u8 fuzz_extra[FUZZ_HOOKS][WARD_CNT_MAX][2];

static inline void fuzz_feedback(int hook, const __u64 *before, const __u64 *after)
{
	int i;

	for (i = 0; i < WARD_CNT_MAX; i++)
		if (after[i] != before[i])
			fuzz_extra[hook][i][after[i] - before[i] > 1] = 1;
}

static const char *const fuzz_hook_name[FUZZ_HOOKS] = { "xdp", "tc" };

/* An invariant broke: say which, on which hook, and crash for libFuzzer. */
static inline void __attribute__((format(printf, 2, 3))) fuzz_fail(int hook, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", fuzz_hook_name[hook]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#endif /* WARD_FUZZ_DP_H */
