/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/commit_yaml.h: a policy from YAML text into a data plane, the
 * way wardd does it (parse, compile, commit), and the live policy a
 * harness keeps from one commit to the next. Include after test_assert.h,
 * config.h, compile.h and dataplane.h.
 */
#ifndef WARD_TEST_COMMIT_YAML_H
#define WARD_TEST_COMMIT_YAML_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What was committed last, while a harness may still look at it. */
struct live_policy {
	struct pol_policy	pol;
	struct compiled		comp;
	bool			have;
};

/* Parse and compile (asserted, with the message); 0, or the failed step's
 * error with nothing left to free. what names the text in messages. */
static inline int test_compile_yaml(const char *what, const char *yaml,
				    struct pol_policy *pol, struct compiled *comp)
{
	char err[CFG_ERR_MAX] = "";
	int ret;

	ret = cfg_parse_string(what, yaml, strlen(yaml), pol, err, sizeof(err));
	if (!ASSERT_OK(ret, "cfg_parse_string")) {
		printf("  %s\n", err);
		return ret;
	}
	ret = compile_policy(pol, comp, err, sizeof(err));
	if (!ASSERT_OK(ret, "compile_policy")) {
		printf("  %s: %s\n", what, err);
		pol_free(pol);
		return ret;
	}
	return 0;
}

static inline void live_policy_free(struct live_policy *lp)
{
	if (!lp->have)
		return;
	compiled_free(&lp->comp);
	pol_free(&lp->pol);
	lp->have = false;
}

/* Commits a compiled policy (asserted). It then is lp's, the one before
 * freed; if the commit fails, it is freed and lp keeps what it had. */
static inline int test_commit_live(struct dataplane *dp, struct live_policy *lp,
				   struct pol_policy *pol, struct compiled *comp,
				   const struct dp_link *links, size_t n_links)
{
	int ret = dp_commit(dp, comp, links, n_links);

	if (!ASSERT_OK(ret, "dp_commit")) {
		compiled_free(comp);
		pol_free(pol);
		return ret;
	}
	live_policy_free(lp);
	lp->pol = *pol;
	lp->comp = *comp;
	lp->have = true;
	return 0;
}

/* 0, or the first step's error (asserted, with its message). */
static inline int test_commit_yaml(struct dataplane *dp, const char *yaml)
{
	struct live_policy lp = {};
	struct pol_policy pol;
	struct compiled comp;
	int ret;

	ret = test_compile_yaml("test", yaml, &pol, &comp);
	if (ret)
		return ret;
	ret = test_commit_live(dp, &lp, &pol, &comp, NULL, 0);
	live_policy_free(&lp);
	return ret;
}

#endif /* WARD_TEST_COMMIT_YAML_H */
