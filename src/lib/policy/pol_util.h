/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/policy/pol_util.h: small helpers over the policy model of policy.h:
 * address/prefix text, protocol names. Userspace only; the config reader
 * and the compiler include it.
 */
#ifndef WARD_POL_UTIL_H
#define WARD_POL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include "policy.h"

/* Longest text pol_cidr_format() writes: an IPv6 address, "/128" and NUL. */
#define POL_CIDR_STRLEN	(46 + 4 + 1)

/*
 * Parses "ADDR" or "ADDR/LEN", IPv4 or IPv6. A bare address is a full /32
 * or /128. Host bits past the prefix are kept as written: callers that
 * want to refuse them ask pol_cidr_has_host_bits().
 * 0, -EINVAL when s is not an address, -ERANGE for a bad prefix length.
 */
int pol_cidr_parse(const char *s, struct pol_cidr *out);

/*
 * Writes the canonical text (inet_ntop, "/LEN" left out for a full
 * /32 or /128). The length written, or -ENOSPC when len is too short.
 */
int pol_cidr_format(const struct pol_cidr *c, char *buf, size_t len);

bool pol_cidr_has_host_bits(const struct pol_cidr *c);
void pol_cidr_mask(struct pol_cidr *c);

/* "tcp", "udp", "icmp", "icmpv6", "sctp", or NULL for other numbers. */
const char *pol_proto_name(int proto);

/* "accept", "drop", "reject" for a WARD_ACT_*, or NULL. */
const char *pol_action_name(int action);

#endif /* WARD_POL_UTIL_H */
