/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/unit/test_config.h: what the ward.yaml reader's tests share
 * (test_config.c: what is accepted and printed; test_config_errors.c: what
 * is refused, with the message users see). Only those two include it.
 */
#ifndef WARD_TEST_CONFIG_H
#define WARD_TEST_CONFIG_H

#include "config.h"

/* Parses text as "t.yaml"; fails the test on any error. */
void parse_ok(const char *text, struct pol_policy *pol);
/* Parsing text fails with exactly msg and hands back a zeroed policy. */
void expect_error(const char *text, const char *msg);
/* cfg_print() into a string to free(). */
char *print_str(const struct pol_policy *pol);

#endif /* WARD_TEST_CONFIG_H */
