/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf/lib/bucket.h: the token bucket refill that reject.h (answers a
 * second) and ratelimit.h (a rule's rate: per source) share. BPF-only; the
 * caller owns the bucket and whatever lock guards it.
 */
#ifndef WARD_BPF_BUCKET_H
#define WARD_BPF_BUCKET_H

#include "vmlinux.h"

#define BUCKET_NSEC	1000000000ULL

/*
 * Adds the tokens earned since *last_ns to a bucket that holds one second's
 * worth (rate). Only the time the added tokens stand for is consumed, so
 * fractions of a token carry over. rate must be 1 to 1000000: elapsed is
 * under 1e9 when it is multiplied, so nothing overflows.
 */
static __always_inline void bucket_refill(__u32 *tokens, __u64 *last_ns, __u32 rate, __u64 now)
{
	__u64 elapsed = now - *last_ns, add;

	/* Another CPU, whose clock read came later, moved last_ns past this
	 * CPU's now: nothing was earned (unsigned, it would look like ages). */
	if ((__s64)elapsed <= 0)
		return;
	if (elapsed >= BUCKET_NSEC) {
		*tokens = rate;
		*last_ns = now;
		return;
	}
	add = elapsed * rate / BUCKET_NSEC;
	if (add) {
		*tokens = *tokens + add > rate ? rate : *tokens + add;
		*last_ns += add * BUCKET_NSEC / rate;
	}
}

#endif /* WARD_BPF_BUCKET_H */
