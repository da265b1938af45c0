/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/fqdn/fqdn.h: FQDN patterns in the form the data plane matches them:
 * lowercased DNS wire format ("\3deb\6debian\3org\0") and its hash. The
 * config reader checks names with it, the data plane writer fills
 * ward_fqdn_pats with it, and the tests craft the same hashes.
 */
#ifndef WARD_FQDN_H
#define WARD_FQDN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ward/abi.h"

/*
 * "deb.debian.org" or "*.debian.org" (a trailing dot is allowed) -> the
 * wire format of the name, or of the suffix for a wildcard. Letters, digits,
 * '-' and '_'; labels 1-63 bytes; at most 255 wire bytes. 0, or -EINVAL
 * with *why saying what is wrong.
 */
int fqdn_to_wire(const char *pattern, uint8_t wire[WARD_FQDN_NAME_MAX], size_t *len,
		 bool *wild, const char **why);

/* Wire format -> "deb.debian.org" (no trailing dot); "." for the root. */
void fqdn_wire_to_text(const uint8_t *wire, size_t max, char *out, size_t outlen);

/* The key of ward_fqdn_pats: 64-bit FNV-1a over the wire bytes, last to first. */
uint64_t fqdn_hash(const uint8_t *wire, size_t len);

/* A stable digest of a set's names, whatever their order. */
uint64_t fqdn_set_digest(char *const *names, size_t n);

#endif /* WARD_FQDN_H */
