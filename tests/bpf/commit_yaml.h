/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/commit_yaml.h: a policy from YAML text into a data plane, the
 * way wardd does it (parse, compile, commit). Include after test_assert.h,
 * config.h, compile.h and dataplane.h.
 */
#ifndef WARD_TEST_COMMIT_YAML_H
#define WARD_TEST_COMMIT_YAML_H

#include <stdio.h>
#include <string.h>

/* 0, or the first step's error (asserted, with its message). */
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
	} else {
		printf("  %s\n", err);
	}
	pol_free(&pol);
	return ret;
}

#endif /* WARD_TEST_COMMIT_YAML_H */
