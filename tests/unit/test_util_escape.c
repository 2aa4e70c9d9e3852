// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refused input printed back (str_escape), what a name may be
 * (str_name_valid, str_printable) and UTF-8 checking (utf8_valid_len).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/util.h"

static void test_escape(void **state)
{
	char buf[STR_ESC_MAX], small[12];

	(void)state;
	assert_string_equal(str_escape("vfio-pci", buf, sizeof(buf)), "vfio-pci");
	assert_string_equal(str_escape("a\nb\tc\r", buf, sizeof(buf)), "a\\nb\\tc\\r");
	assert_string_equal(str_escape("\033[2J\\", buf, sizeof(buf)), "\\x1b[2J\\\\");
	assert_string_equal(str_escape("\xff\xfe\x7f", buf, sizeof(buf)), "\\xff\\xfe\\x7f");
	assert_string_equal(str_escape("", buf, sizeof(buf)), "");
	assert_string_equal(str_escape(NULL, buf, sizeof(buf)), "");
	/* Cut to fit, and says so; never an escape cut in half. */
	assert_string_equal(str_escape("0123456789abcdef", small, sizeof(small)), "0123456...");
	assert_string_equal(str_escape("\n\n\n\n\n\n", small, sizeof(small)), "\\n\\n\\n\\n...");
	assert_true(strlen(str_escape("\xff\xff\xff\xff", small, sizeof(small))) < sizeof(small));
}

static void test_names(void **state)
{
	(void)state;
	assert_true(str_name_valid("vfio-pci", 63));
	assert_true(str_name_valid("ixgbe_vf", 63));
	assert_false(str_name_valid("", 63));
	assert_false(str_name_valid("--dry-run", 63));
	assert_false(str_name_valid("-q", 63));
	assert_false(str_name_valid("vfio-pci\nnvme", 63));
	assert_false(str_name_valid("a b", 63));
	assert_false(str_name_valid("../x", 63));
	assert_false(str_name_valid("abcd", 3));
	assert_true(str_printable("tenant a", 63));
	assert_false(str_printable("x\033", 63));
	assert_false(str_printable("\xc3\xa9", 63));
	assert_false(str_printable("", 63));
}

static void test_utf8(void **state)
{
	static const struct { const char *s; size_t good; } cases[] = {
		{ "plain ascii", 11 },
		{ "caf\xc3\xa9", 5 },
		{ "\xe2\x82\xac!", 4 },
		{ "\xf0\x9f\x98\x80", 4 },
		{ "\xff\xfe", 0 },
		{ "ab\x80", 2 },		/* a continuation byte alone */
		{ "ab\xc3", 2 },		/* cut short */
		{ "\xc0\xaf", 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong */
		{ "\xed\xa0\x80", 0 },		/* a surrogate */
		{ "\xf4\x90\x80\x80", 0 },	/* beyond U+10FFFF */
		{ "x\xf8\x88\x80\x80\x80", 1 },	/* five bytes */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(utf8_valid_len(cases[i].s, strlen(cases[i].s)), cases[i].good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
