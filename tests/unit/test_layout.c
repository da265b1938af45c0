// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/unit/test_layout.c: the table of pinned map layouts
 * (src/lib/dataplane/dp_layout.c, dp_migrate.c) and its converters: every
 * older layout is older than the map's current one, a map of live state
 * has a way to carry each older layout over, and the counters of an older
 * release land under the same names in the current one.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dp_layout.h"
#include "dp_layout_old.h"

static void old_layouts_are_older(void **state)
{
	size_t i, j;

	for (i = 0; i < dp_n_layouts_old; i++) {
		const struct dp_layout_old *o = &dp_layouts_old[i];

		/* Known to the current table, and older than what it writes. */
		assert_true(dp_layout_version(o->map) > 0);
		assert_true(o->version < dp_layout_version(o->map));
		/* Live state is converted, never dropped for want of a converter
		 * (a layout of the same sizes may go without one). */
		if (dp_layout_kind(o->map) == DP_KIND_STATE && !o->convert)
			fail_msg("%s layout %u: live state with no converter", o->map, o->version);
		for (j = i + 1; j < dp_n_layouts_old; j++)
			assert_false(!strcmp(o->map, dp_layouts_old[j].map) &&
				     o->version == dp_layouts_old[j].version);
	}
}

/* Counter index of layout 1 -> the one it becomes, 0 dropped. */
static int counter_v1(__u32 old, __u32 *new)
{
	const struct dp_layout_old *o = dp_layout_old_find("ward_counters", 1);
	__u64 val[4] = { 7, 8, 9, 10 }, out[4] = {}, marked = 0;

	assert_non_null(o);
	if (!o->convert(&old, val, new, out, 4, &marked))
		return 0;
	assert_memory_equal(val, out, sizeof(val));
	return 1;
}

static void counters_keep_their_names(void **state)
{
	/* Indexes of 651e04c's enum ward_counter, by name. */
	static const struct { __u32 v1, now; } same[] = {
		{ 0, WARD_CNT_DROP_RULE },	{ 1, WARD_CNT_DROP_POLICY },
		{ 8, WARD_CNT_DROP_CT_FULL },	{ 16, WARD_CNT_DROP_NAT_NO_ROUTE },
		{ 17, WARD_CNT_PASS_NON_IP },	{ 21, WARD_CNT_ACCEPT },
		{ 22, WARD_CNT_CT_NEW },	{ 33, WARD_CNT_NAT_NEW },
		{ 48, WARD_CNT_WOULD_REJECT },
	};
	__u32 n, i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(counter_v1(same[i].v1, &n), 1);
		assert_int_equal(n, same[i].now);
	}
	assert_int_equal(counter_v1(WARD_CNT_V1_MAX, &n), 0);
}

/* ward_ct 1 -> 2: answered flows come over assured, the rest as they were. */
static void ct_answered_become_assured(void **state)
{
	const struct dp_layout_old *o = dp_layout_old_find("ward_ct", 1);
	struct ward_ct_key k = { .proto = 6 }, nk;
	struct ward_ct_val_v1 v = {};
	struct ward_ct_val nv;
	__u64 marked = 0;

	assert_non_null(o);
	v.state = WARD_TCP_ESTABLISHED;
	v.flags = WARD_CTF_REPLIED;
	v.last_seen = 42;
	v.tcp[1].td_end = 1000;
	assert_int_equal(o->convert(&k, &v, &nk, &nv, 1, &marked), 1);
	assert_memory_equal(&k, &nk, sizeof(k));
	assert_int_equal(nv.flags, WARD_CTF_REPLIED | WARD_CTF_ASSURED);
	assert_int_equal(nv.last_seen, 42);
	assert_int_equal(nv.tcp[1].td_end, 1000);
	assert_int_equal(marked, 1);

	v.state = WARD_TCP_SYN_SENT;	/* not answered: stays expendable */
	v.flags = 0;
	assert_int_equal(o->convert(&k, &v, &nk, &nv, 1, &marked), 1);
	assert_int_equal(nv.flags, 0);
	k.proto = 17;			/* UDP: any answer counts */
	v.state = 0;
	v.flags = WARD_CTF_REPLIED | WARD_CTF_STREAM;
	assert_int_equal(o->convert(&k, &v, &nk, &nv, 1, &marked), 1);
	assert_int_equal(nv.flags, WARD_CTF_REPLIED | WARD_CTF_STREAM | WARD_CTF_ASSURED);
	assert_int_equal(marked, 2);
}

int run_layout_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(old_layouts_are_older),
		cmocka_unit_test(counters_keep_their_names),
		cmocka_unit_test(ct_answered_become_assured),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
