// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf/frag.bpf.c: the fragment stages entry.h calls, as global functions:
 * their keys then sit in a frame of their own, not in the entry point's,
 * which is part of every call chain under the 512-byte stack limit.
 */
#include "lib/frag.h"

/* A later fragment: see frag_follow(). */
__noinline int ward_frag_follow(struct packet *p)
{
	if (!p)
		return WARD_DROP;
	return frag_follow(p);
}

/* A first fragment was dropped: see frag_remember_denied(). */
__noinline int ward_frag_denied(struct packet *p)
{
	if (p)
		frag_remember_denied(p);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
