/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/commit_yaml.h: a policy from YAML text into a data plane, the
 * way wardd does it (parse, compile, commit). Include after test_assert.h,
 * config.h, compile.h and dataplane.h.
 */
#ifndef WARD_TEST_COMMIT_YAML_H
#define WARD_TEST_COMMIT_YAML_H

#include <stdio.h>
#include <stdbool.h>
#include <string.h>

/* 0, or the first step's error (asserted, with its message). With
 * prefilter false the prefilter's entries are left out, so that the
 * classifier decides everything; n_pf, when not NULL, gets how many
 * entries (source, port) the compiler made. */
static inline int test_commit_yaml_pf(struct dataplane *dp, const char *yaml, bool prefilter,
				      size_t n_pf[2])
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
		if (n_pf) {
			n_pf[0] = comp.n_pf_src;
			n_pf[1] = comp.n_pf_port;
		}
		if (!prefilter)
			comp.n_pf_src = comp.n_pf_port = comp.hdr.n_pf_src = comp.hdr.n_pf_port = 0;
		ret = dp_commit(dp, &comp, NULL, 0);
		ASSERT_OK(ret, "dp_commit");
		compiled_free(&comp);
	} else {
		printf("  %s\n", err);
	}
	pol_free(&pol);
	return ret;
}

static inline int test_commit_yaml(struct dataplane *dp, const char *yaml)
{
	return test_commit_yaml_pf(dp, yaml, true, NULL);
}

#endif /* WARD_TEST_COMMIT_YAML_H */
