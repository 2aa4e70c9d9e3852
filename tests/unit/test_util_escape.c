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

static void test_opt_repeated(void **state)
{
	static const char *const once[] = { "owner", "driver", NULL };
	char *a1[] = { "assign", "x", "--owner", "a", "--driver", "d", NULL };
	char *a2[] = { "assign", "--owner", "a", "x", "--owner=b", NULL };
	char *a3[] = { "assign", "--driver=a", "--dri", "b", NULL };
	char *a4[] = { "assign", "--owner", "a", "--", "cmd", "--owner", "b", NULL };
	char *a5[] = { "assign", "--owner", "--owner", NULL };	/* a value, by getopt */

	(void)state;
	assert_null(opt_repeated(6, a1, once));
	assert_string_equal(opt_repeated(5, a2, once), "owner");
	assert_string_equal(opt_repeated(4, a3, once), "driver");
	assert_null(opt_repeated(7, a4, once));
	/* Over-cautious, and refused: "--owner --owner" is a mistake anyway. */
	assert_string_equal(opt_repeated(3, a5, once), "owner");
}

static void vline(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vline(buf, len, fmt, ap);
	va_end(ap);
}

static void test_vline(void **state)
{
	char buf[64];

	(void)state;
	vline(buf, sizeof(buf), "owner '%s' is bad", "a\nb\033c");
	assert_string_equal(buf, "owner 'a\\nb\\x1bc' is bad");
	/* An indented continuation stays a line; nothing else begins one. */
	vline(buf, sizeof(buf), "failed; its log:\n  %s\n%s", "EAL: x", "iopass: y");
	assert_string_equal(buf, "failed; its log:\n  EAL: x\\niopass: y");
	vline(buf, sizeof(buf), "caf\xc3\xa9 \\ %d", 7);	/* UTF-8 and backslash kept */
	assert_string_equal(buf, "caf\xc3\xa9 \\ 7");
	vline(buf, 8, "%s", "0123456789");
	assert_true(strlen(buf) < 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_opt_repeated),
		cmocka_unit_test(test_vline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
