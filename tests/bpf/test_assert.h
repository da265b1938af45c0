/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/test_assert.h: tests and ASSERT_* macros in the shape of the
 * kernel's tools/testing/selftests/bpf/test_progs.h. A test is what
 * test_start() opens and test_end() closes; it fails when any assertion in
 * it failed. Every assertion returns whether it held, so a test can stop
 * early: if (!ASSERT_OK(err, "run")) return. Only tests/bpf/ includes it.
 */
#ifndef WARD_TEST_ASSERT_H
#define WARD_TEST_ASSERT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_state {
	char	name[256];
	bool	open;
	int	failed_asserts;
	int	passed, failed, skipped;
	bool	verbose;
};

/*
 * One for the whole suite, also when it is more than one file (each file
 * that includes this defines it weakly; the linker keeps one), so that
 * every file's assertions count in the same tally.
 */
__attribute__((weak)) struct test_state test_env;

/*
 * A suite of several files includes this in each, and not every file
 * skips or checks: the helpers below are marked unused so that a file
 * which leaves one out still builds with -Werror.
 */

__attribute__((format(printf, 1, 2)))
static __attribute__((unused)) void test_start(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_env.name, sizeof(test_env.name), fmt, ap);
	va_end(ap);
	test_env.open = true;
	test_env.failed_asserts = 0;
}

static __attribute__((unused)) void test_end(void)
{
	if (!test_env.open)
		return;
	test_env.open = false;
	if (test_env.failed_asserts) {
		test_env.failed++;
		printf("FAIL %s\n", test_env.name);
	} else {
		test_env.passed++;
		if (test_env.verbose)
			printf("ok   %s\n", test_env.name);
	}
}

__attribute__((format(printf, 1, 2)))
static __attribute__((unused)) void test_skip(const char *fmt, ...)
{
	va_list ap;

	test_env.open = false;
	test_env.skipped++;
	printf("SKIP %s: ", test_env.name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

__attribute__((format(printf, 4, 5)))
static __attribute__((unused)) bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	test_env.failed_asserts++;
	printf("  %s:%d: %s: ", file, line, test_env.open ? test_env.name : "(setup)");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	/* An assertion outside any test still has to fail the run. */
	if (!test_env.open)
		test_env.failed++;
	return false;
}

#define CHECK_(ok, ...) test_check((ok), __FILE__, __LINE__, __VA_ARGS__)

#define ASSERT_TRUE(v, name) ({						\
	bool ___ok = (v);						\
	CHECK_(___ok, "%s: unexpected false", (name));			\
})

#define ASSERT_FALSE(v, name) ({					\
	bool ___ok = !(v);						\
	CHECK_(___ok, "%s: unexpected true", (name));			\
})

#define ASSERT_EQ(actual, expected, name) ({				\
	long long ___a = (long long)(actual);				\
	long long ___e = (long long)(expected);				\
	CHECK_(___a == ___e, "%s: actual %lld != expected %lld",	\
	       (name), ___a, ___e);					\
})

#define ASSERT_NEQ(actual, expected, name) ({				\
	long long ___a = (long long)(actual);				\
	long long ___e = (long long)(expected);				\
	CHECK_(___a != ___e, "%s: actual %lld == expected %lld",	\
	       (name), ___a, ___e);					\
})

#define ASSERT_LE(actual, expected, name) ({				\
	long long ___a = (long long)(actual);				\
	long long ___e = (long long)(expected);				\
	CHECK_(___a <= ___e, "%s: actual %lld > expected %lld",		\
	       (name), ___a, ___e);					\
})

#define ASSERT_GE(actual, expected, name) ({				\
	long long ___a = (long long)(actual);				\
	long long ___e = (long long)(expected);				\
	CHECK_(___a >= ___e, "%s: actual %lld < expected %lld",		\
	       (name), ___a, ___e);					\
})

/* 0 is success; anything else is shown as an errno. */
#define ASSERT_OK(res, name) ({						\
	long long ___r = (long long)(res);				\
	CHECK_(___r == 0, "%s: unexpected error %lld (%s)", (name),	\
	       ___r, strerror(___r < 0 ? (int)-___r : (int)___r));	\
})

#define ASSERT_ERR(res, expected, name) ({				\
	long long ___r = (long long)(res);				\
	long long ___e = (long long)(expected);				\
	CHECK_(___r == ___e, "%s: got %lld (%s), expected %lld (%s)",	\
	       (name), ___r, strerror(___r < 0 ? (int)-___r : (int)___r),	\
	       ___e, strerror(___e < 0 ? (int)-___e : (int)___e));	\
})

#define ASSERT_OK_PTR(ptr, name) ({					\
	const void *___p = (ptr);					\
	CHECK_(___p != NULL, "%s: unexpected NULL", (name));		\
})

#define ASSERT_STREQ(actual, expected, name) ({				\
	const char *___a = (actual), *___e = (expected);		\
	CHECK_(___a && ___e && !strcmp(___a, ___e),			\
	       "%s: actual '%s' != expected '%s'", (name),		\
	       ___a ? ___a : "(null)", ___e ? ___e : "(null)");		\
})

#endif /* WARD_TEST_ASSERT_H */
