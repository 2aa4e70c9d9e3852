// SPDX-License-Identifier: GPL-2.0-only
/*
 * Result lines. The harness (iopass's L1 tests, or a person reading QEMU's
 * serial output) relies on this format: one "TEST <name> ok" or
 * "TEST <name> FAIL <detail>" line per test, then "DONE <p> passed, <f>
 * failed" last, then the status (0: no failure) on the exit port.
 */
#include "guest.h"
#include "iopass/testdev.h"

static const char *context = "boot";
static const char *cur;
static bool cur_failed;
static char cur_detail[160];
static unsigned int passed, failed;

void test_context(const char *name)
{
	context = name;
}

void test_begin(const char *name)
{
	cur = name;
	cur_failed = false;
}

static void test_vfail(const char *fmt, va_list ap)
{
	char buf[160];

	if (!cur)
		test_begin(context);
	if (!cur_failed) {
		vsnprintf(cur_detail, sizeof(cur_detail), fmt, ap);
		cur_failed = true;
		return;
	}
	/* Later failures of the same test still deserve a line. */
	vsnprintf(buf, sizeof(buf), fmt, ap);
	pr("# %s: also %s\n", cur, buf);
}

bool test_check(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	test_vfail(fmt, ap);
	va_end(ap);
	return false;
}

void test_end(void)
{
	if (!cur)
		return;
	if (cur_failed) {
		pr("TEST %s FAIL %s\n", cur, cur_detail);
		failed++;
	} else {
		pr("TEST %s ok\n", cur);
		passed++;
	}
	cur = NULL;
}

void test_result_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	test_begin(name);
	va_start(ap, fmt);
	test_vfail(fmt, ap);
	va_end(ap);
	test_end();
}

void test_finish(void)
{
	test_end();
	pr("DONE %u passed, %u failed\n", passed, failed);
	outl(TESTGUEST_EXIT_PORT, failed ? 1 : 0);
	/* No exit device: stop here. */
	for (;;)
		asm volatile("cli; hlt");
}
