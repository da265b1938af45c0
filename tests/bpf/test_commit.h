/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/test_commit.h: a policy in YAML made live the way wardd does
 * it (parse -> compile -> commit), with the error printed under the test.
 * Only tests/bpf/ includes it, after test_assert.h.
 */
#ifndef WARD_TEST_COMMIT_H
#define WARD_TEST_COMMIT_H

#include <stdio.h>
#include <string.h>
#include "config.h"
#include "compile.h"
#include "dataplane.h"

/* Returns 0, or the failing step's error (already asserted). */
static inline int test_commit_yaml(struct dataplane *dp, const char *yaml)
{
	struct pol_policy pol;
	struct compiled comp;
	char err[CFG_ERR_MAX] = "";
	int ret;

	ret = cfg_parse_string("test", yaml, strlen(yaml), &pol, err, sizeof(err));
	if (!ASSERT_OK(ret, "cfg_parse_string")) {
		printf("  %s\n", err);
		return ret;
	}
	ret = compile_policy(&pol, &comp, err, sizeof(err));
	if (ASSERT_OK(ret, "compile_policy")) {
		ret = dp_commit(dp, &comp, NULL, 0);
		ASSERT_OK(ret, "dp_commit");
		compiled_free(&comp);
	}
	pol_free(&pol);
	return ret;
}

#endif /* WARD_TEST_COMMIT_H */
