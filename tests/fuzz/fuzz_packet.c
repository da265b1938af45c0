// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/fuzz/fuzz_packet.c: libFuzzer harness of the packet path. Each
 * input is one Ethernet frame, run through ward_xdp_ingress and
 * ward_tc_ingress (BPF_PROG_TEST_RUN) of a gateway whose policy drops all
 * but tcp/8080 and udp/5001. Invariants, on both hooks:
 *
 *  - the verdict is one ward gives (never XDP_ABORTED);
 *  - a dropped frame moves exactly one drop reason counter, a passed one
 *    none (every drop is counted once, DESIGN.md);
 *  - a frame that opens a flow or is accepted by the rules goes to an
 *    allowed port: udp/5001 or tcp/8080 (for the frames this file can
 *    read itself: Ethernet, up to two VLAN tags, IPv4 or IPv6 with TCP or
 *    UDP right after the fixed header, no fragment past the first).
 *
 * Conntrack state carries over from one input to the next, as on a wire.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuzz_dp.h"

#define FRAME_MAX	3000	/* XDP's test_run takes a page less head- and tailroom */
#define LO_IFINDEX	1

static const char policy[] =
	"defaults: { policy: drop, log: none }\n"
	"rules:\n"
	"  - { name: web, proto: tcp, port: 8080, action: accept }\n"
	"  - { name: iperf, proto: udp, port: 5001, action: accept }\n";

/* The protocol and destination port of a frame, if this simple reader can
 * tell them; false when it can't (then the port invariant is not checked). */
static bool frame_l4(const uint8_t *p, size_t n, int *proto, int *dport)
{
	size_t off = 12, l3, l4;
	int type, tags = 0;

	if (n < 14)
		return false;
	type = p[off] << 8 | p[off + 1];
	while ((type == 0x8100 || type == 0x88a8) && tags++ < 2) {
		off += 4;
		if (n < off + 2)
			return false;
		type = p[off] << 8 | p[off + 1];
	}
	l3 = off + 2;
	if (type == 0x0800) {
		if (n < l3 + 20 || (p[l3] >> 4) != 4)
			return false;
		if ((p[l3 + 6] & 0x1f) || p[l3 + 7])	/* a later fragment: no ports */
			return false;
		*proto = p[l3 + 9];
		l4 = l3 + (p[l3] & 0xf) * 4;
	} else if (type == 0x86dd) {
		if (n < l3 + 40 || (p[l3] >> 4) != 6)
			return false;
		*proto = p[l3 + 6];
		l4 = l3 + 40;
	} else {
		return false;
	}
	if (*proto != 6 && *proto != 17)
		return false;
	if (n < l4 + 4)
		return false;
	*dport = p[l4 + 2] << 8 | p[l4 + 3];
	return true;
}

static bool port_allowed(int proto, int dport)
{
	return (proto == 6 && dport == 8080) || (proto == 17 && dport == 5001);
}

/* Which counters a failing frame moved, for its report. */
static void print_moved(const __u64 *before, const __u64 *after)
{
	int i;

	for (i = 0; i < WARD_CNT_MAX; i++)
		if (after[i] != before[i])
			fprintf(stderr, "counter %d moved by %llu\n", i,
				(unsigned long long)(after[i] - before[i]));
}

/* FUZZ_VERBOSE=1: each verdict and the counters it moved (to triage). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	verbose = getenv("FUZZ_VERBOSE");
	fuzz_dp_setup(policy);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	__u64 before[WARD_CNT_MAX], after[WARD_CNT_MAX], drops;
	int hook, proto = 0, dport = 0, i;
	bool known, opened, accepted;
	__u32 ret;

	/* The kernel refuses these itself (-EINVAL): nothing of ward runs. */
	if (size < 14 || size > FRAME_MAX)
		return -1;
	known = frame_l4(data, size, &proto, &dport);
	for (hook = 0; hook < FUZZ_HOOKS; hook++) {
		fuzz_counters(before);
		ret = fuzz_run(hook, LO_IFINDEX, data, size);
		fuzz_counters(after);
		fuzz_feedback(hook, before, after);
		if (verbose) {
			fprintf(stderr, "%s: verdict %u\n", fuzz_hook_name[hook], ret);
			print_moved(before, after);
		}
		if (ret == FUZZ_NOT_RUN)
			continue;
		if (!fuzz_verdict_ok(hook, ret))
			fuzz_fail(hook, "verdict %u is none ward gives", ret);
		drops = 0;
		for (i = 0; i < WARD_CNT_DROP_MAX; i++)
			drops += after[i] - before[i];
		if (drops != (fuzz_passed(hook, ret) ? 0 : 1)) {
			print_moved(before, after);
			fuzz_fail(hook, "verdict %u moved %llu drop counters", ret,
				  (unsigned long long)drops);
		}
		opened = after[WARD_CNT_CT_NEW] != before[WARD_CNT_CT_NEW];
		accepted = after[WARD_CNT_ACCEPT] != before[WARD_CNT_ACCEPT];
		if (known && (opened || accepted) && !port_allowed(proto, dport))
			fuzz_fail(hook, "proto %d port %d %s", proto, dport,
				  opened ? "opened a flow" : "was accepted");
	}
	return 0;
}
