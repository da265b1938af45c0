// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/unit/test_ct_pressure.c: the adaptive timeout scale wardd writes for
 * the data plane (src/lib/ct_pressure.c), pf's adaptive.start/adaptive.end:
 * full timeouts up to start, falling linearly to none at end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ct_pressure.h"

static void test_scale_below_start_is_full(void **state)
{
	(void)state;
	assert_int_equal(ct_adaptive_scale(0, 1000, 60, 120), WARD_CT_SCALE_ONE);
	assert_int_equal(ct_adaptive_scale(600, 1000, 60, 120), WARD_CT_SCALE_ONE);
}

static void test_scale_falls_linearly_to_end(void **state)
{
	(void)state;
	/* Half way from 600 to 1200 flows: half the timeout. */
	assert_int_equal(ct_adaptive_scale(900, 1000, 60, 120), WARD_CT_SCALE_ONE / 2);
	/* A full table at pf's defaults: a third. */
	assert_int_equal(ct_adaptive_scale(1000, 1000, 60, 120), WARD_CT_SCALE_ONE / 3);
	assert_int_equal(ct_adaptive_scale(1200, 1000, 60, 120), 0);
	assert_int_equal(ct_adaptive_scale(5000, 1000, 60, 120), 0);
}

static void test_scale_off(void **state)
{
	(void)state;
	assert_int_equal(ct_adaptive_scale(1000, 1000, 0, 120), WARD_CT_SCALE_ONE);
}

int run_ct_pressure_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_below_start_is_full),
		cmocka_unit_test(test_scale_falls_linearly_to_end),
		cmocka_unit_test(test_scale_off),
	};

	return cmocka_run_group_tests_name("ct_pressure", tests, NULL, NULL);
}
