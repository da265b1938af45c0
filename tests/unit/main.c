// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* tests/unit/main.c: runs every cmocka group of tests/unit. */
int run_config_tests(void);
int run_config_error_tests(void);
int run_compile_tests(void);
int run_api_tests(void);
int run_policy_tests(void);
int run_layout_tests(void);
int run_ct_pressure_tests(void);

int main(void)
{
	int failed = 0;

	failed += run_config_tests();
	failed += run_config_error_tests();
	failed += run_compile_tests();
	failed += run_api_tests();
	failed += run_policy_tests();
	failed += run_layout_tests();
	failed += run_ct_pressure_tests();
	return failed ? 1 : 0;
}
