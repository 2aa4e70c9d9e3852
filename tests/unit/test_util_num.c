// SPDX-License-Identifier: GPL-2.0-only
/* num_parse: digits only, in range; nothing strtol would wave through. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iopass/util.h"

static void test_good(void **state)
{
	unsigned long long v = 7;

	(void)state;
	assert_int_equal(num_parse("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(num_parse("2", 0, 65535, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(num_parse("65535", 0, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(num_parse("007", 1, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(num_parse("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"", " 2", "+2", "-2", "2 ", "2x", "0x10", "1e3", "2\n", "\t1", "١",
	};
	unsigned long long v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(num_parse(bad[i], 0, 100, &v), -EINVAL);
	assert_int_equal(num_parse(NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(v, 42);	/* untouched */
}

static void test_range(void **state)
{
	unsigned long long v = 42;

	(void)state;
	assert_int_equal(num_parse("0", 1, 3600, &v), -ERANGE);
	assert_int_equal(num_parse("3601", 1, 3600, &v), -ERANGE);
	assert_int_equal(num_parse("5", 0, 0, &v), -ERANGE);
	assert_int_equal(num_parse("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(num_parse("99999999999999999999999", 0, 100, &v), -ERANGE);
	assert_int_equal(v, 42);
}

/* sysfs CPU lists (a NUMA node's cpulist, the online node list). */
static void test_cpulist(void **state)
{
	static const char *const bad[] = { "x", "1-", "-1", "1,,2", "1 2", "0-3x", "+1" };
	cpu_set_t set;

	(void)state;
	assert_int_equal(cpulist_parse("0-3,8,10-11\n", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 7);
	assert_true(CPU_ISSET(3, &set) && CPU_ISSET(8, &set) && CPU_ISSET(11, &set));
	assert_false(CPU_ISSET(4, &set) || CPU_ISSET(9, &set));
	assert_int_equal(cpulist_parse("5", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 1);
	assert_int_equal(cpulist_parse("\n", &set), 0);	/* a node of memory only */
	assert_int_equal(CPU_COUNT(&set), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cpulist_parse(bad[i], &set), -EINVAL);
	assert_int_equal(cpulist_parse("3-1", &set), -ERANGE);
	assert_int_equal(cpulist_parse("0-99999", &set), -ERANGE);
	assert_int_equal(cpulist_parse(NULL, &set), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_cpulist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
