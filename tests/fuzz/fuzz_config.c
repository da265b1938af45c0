// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/fuzz/fuzz_config.c: libFuzzer harness of the ward.yaml reader.
 *
 * Any bytes go through cfg_parse_string, as wardd reads a file or an
 * Apply. A policy it accepts is printed (cfg_print) and the print must
 * read back and print to the same text: the normalized form is what
 * `wardd -n` shows and what a reload compares, so it must be a fixed point.
 * A refused input must say why (a non-empty error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"
#include "config.h"
#include "policy.h"

static char *print_policy(const struct pol_policy *pol, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (cfg_print(pol, f))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[CFG_ERR_MAX], err2[CFG_ERR_MAX];
	struct pol_policy pol, again;
	char *text, *text2;
	size_t len, len2;

	if (cfg_parse_string("fuzz.yaml", (const char *)data, size, &pol, err, sizeof(err))) {
		if (!err[0]) {
			fprintf(stderr, "refused without a message\n");
			abort();
		}
		return 0;
	}
	text = print_policy(&pol, &len);
	if (cfg_parse_string("printed.yaml", text, len, &again, err2, sizeof(err2))) {
		fprintf(stderr, "the printed policy does not read back: %s\n---\n%s", err2, text);
		abort();
	}
	text2 = print_policy(&again, &len2);
	if (len != len2 || memcmp(text, text2, len)) {
		fprintf(stderr, "the print is no fixed point\n---\n%s---\n%s", text, text2);
		abort();
	}
	free(text);
	free(text2);
	pol_free(&again);
	pol_free(&pol);
	return 0;
}
