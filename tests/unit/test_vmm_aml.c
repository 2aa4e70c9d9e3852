// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AML encoder (vmm/aml.c) against bytes worked out by hand from the
 * ACPI 6.5 grammar (chapter 20) and resource descriptors (6.4), each the
 * encoding iasl picks for the same ASL (comments show the ASL).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/aml.h"

#define expect_bytes(a, ...) do {					\
	static const uint8_t want_[] = { __VA_ARGS__ };			\
	assert_int_equal(aml_error((a), NULL), 0);			\
	assert_int_equal((a)->len, sizeof(want_));			\
	assert_memory_equal((a)->buf, want_, sizeof(want_));		\
} while (0)

static void test_integers(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_integer(&a, 0);			/* Zero */
	aml_integer(&a, 1);			/* One */
	aml_integer(&a, 2);
	aml_integer(&a, 0xff);
	aml_integer(&a, 0x100);
	aml_integer(&a, 0x10000);
	aml_integer(&a, 0x100000000ULL);
	aml_integer(&a, UINT64_MAX);		/* Ones */
	expect_bytes(&a, 0x00, 0x01, 0x0a, 0x02, 0x0a, 0xff,
		     0x0b, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x01, 0x00,
		     0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		     0xff);
	aml_free(&a);
}

static void test_strings_and_eisaid(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_string(&a, "ACPI0013");
	aml_eisaid(&a, "PNP0A08");	/* 'P'=16 'N'=14 'P'=16: 0x41d0 */
	aml_eisaid(&a, "PNP0C0C");
	expect_bytes(&a, 0x0d, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00,
		     0x0c, 0x41, 0xd0, 0x0a, 0x08,
		     0x0c, 0x41, 0xd0, 0x0c, 0x0c);
	aml_free(&a);

	aml_init(&a);
	aml_eisaid(&a, "pnp0a08");
	assert_int_equal(aml_error(&a, NULL), -EINVAL);
	aml_free(&a);
	aml_init(&a);
	aml_eisaid(&a, "PNP0A0");
	assert_int_equal(aml_error(&a, NULL), -EINVAL);
	aml_free(&a);
	aml_init(&a);
	aml_string(&a, "caf\xc3\xa9");
	assert_int_equal(aml_error(&a, NULL), -EINVAL);
	aml_free(&a);
}

static void test_names(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_name_string(&a, "_HID");
	aml_name_string(&a, "\\_SB.PCI0");	/* padded: \_SB_.PCI0 */
	aml_name_string(&a, "\\_SB_.PCI0.S08");
	aml_name_string(&a, "^PWRB");
	aml_name_string(&a, "\\");
	expect_bytes(&a, '_', 'H', 'I', 'D',
		     0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
		     0x5c, 0x2f, 0x03, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
		     'S', '0', '8', '_',
		     0x5e, 'P', 'W', 'R', 'B',
		     0x5c, 0x00);
	aml_free(&a);

	static const char *const bad[] = {
		"1ABC", "ABCDE", "A..B", "pci0", "A.", ".A", "\\_SB-",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a);
		aml_name_string(&a, bad[i]);
		assert_int_equal(aml_error(&a, NULL), -EINVAL);
		/* Sticky: nothing more is written. */
		aml_integer(&a, 5);
		assert_int_equal(aml_error(&a, NULL), -EINVAL);
		aml_free(&a);
	}
}

static void test_name_objects(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	aml_name_integer(&a, "_UID", 1);	/* Name (_UID, One) */
	aml_name_eisaid(&a, "_HID", "PNP0501");
	aml_name_string_value(&a, "_HID", "ACPI0013");
	expect_bytes(&a, 0x08, '_', 'U', 'I', 'D', 0x01,
		     0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
		     0x08, '_', 'H', 'I', 'D',
		     0x0d, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00);
	aml_free(&a);
}

static void test_package(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	/* Package (0x04) { Zero, One, 0x02, 0x03 }: body 7, PkgLength 8. */
	aml_package_begin(&a, 4);
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 2);
	aml_integer(&a, 3);
	aml_end(&a);
	expect_bytes(&a, 0x12, 0x08, 0x04, 0x00, 0x01, 0x0a, 0x02, 0x0a,
		     0x03);
	aml_free(&a);

	aml_init(&a);
	aml_package_begin(&a, 256);
	assert_int_equal(aml_error(&a, NULL), -EINVAL);
	aml_free(&a);
}

/* Buffer (n) { 0xaa... }: the length of n bytes decides the PkgLength. */
static void check_buffer_pkglen(size_t n, const uint8_t *head,
				size_t head_len)
{
	uint8_t *data = malloc(n);
	struct aml a;

	assert_non_null(data);
	memset(data, 0xaa, n);
	aml_init(&a);
	aml_buffer(&a, data, n);
	assert_int_equal(aml_error(&a, NULL), 0);
	assert_memory_equal(a.buf, head, head_len);
	assert_int_equal(a.len, head_len + n);
	assert_int_equal(a.buf[head_len], 0xaa);
	assert_int_equal(a.buf[a.len - 1], 0xaa);
	aml_free(&a);
	free(data);
}

static void test_pkglength_sizes(void **state)
{
	(void)state;
	/* body = 2 (BytePrefix n) + 60 = 62: one byte, 63. */
	check_buffer_pkglen(60, (const uint8_t[]){ 0x11, 0x3f, 0x0a, 60 }, 4);
	/* body 63: 63 + 1 would be 64, too big for 6 bits; two bytes, 65. */
	check_buffer_pkglen(61, (const uint8_t[]){ 0x11, 0x41, 0x04, 0x0a,
						   61 }, 5);
	/* body = 3 (WordPrefix n) + 4090 = 4093: two bytes, 0xfff. */
	check_buffer_pkglen(4090, (const uint8_t[]){ 0x11, 0x4f, 0xff, 0x0b,
						     0xfa, 0x0f }, 6);
	/* body 4094: three bytes, 4097 = 0x1001. */
	check_buffer_pkglen(4091, (const uint8_t[]){ 0x11, 0x81, 0x00, 0x01,
						     0x0b, 0xfb, 0x0f }, 7);
}

static void test_device_method_if(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a);
	/* Device (PWRB) { Name (_HID, EisaId ("PNP0C0C")) Name (_UID, Zero) } */
	aml_device_begin(&a, "PWRB");
	aml_name_eisaid(&a, "_HID", "PNP0C0C");
	aml_name_integer(&a, "_UID", 0);
	aml_end(&a);
	expect_bytes(&a, 0x5b, 0x82, 0x15, 'P', 'W', 'R', 'B',
		     0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0c, 0x0c,
		     0x08, '_', 'U', 'I', 'D', 0x00);
	aml_free(&a);

	aml_init(&a);
	/*
	 * Method (_EVT, 1, Serialized) {
	 *   Local0 = EVTS
	 *   If (Local0 & One) { Notify (\_SB.PWRB, 0x80) }
	 * }
	 */
	aml_method_begin(&a, "_EVT", 1, true);
	aml_op(&a, AML_OP_STORE);
	aml_name_string(&a, "EVTS");
	aml_op(&a, AML_LOCAL(0));
	aml_if_begin(&a);
	aml_op(&a, AML_OP_AND);
	aml_op(&a, AML_LOCAL(0));
	aml_integer(&a, 1);
	aml_op(&a, AML_ZERO);
	aml_op(&a, AML_OP_NOTIFY);
	aml_name_string(&a, "\\_SB_.PWRB");
	aml_integer(&a, 0x80);
	aml_end(&a);
	aml_end(&a);
	expect_bytes(&a, 0x14, 0x1f, '_', 'E', 'V', 'T', 0x09,
		     0x70, 'E', 'V', 'T', 'S', 0x60,
		     0xa0, 0x12, 0x7b, 0x60, 0x01, 0x00,
		     0x86, 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'W', 'R', 'B',
		     0x0a, 0x80);
	aml_free(&a);

	aml_init(&a);
	aml_method_begin(&a, "_EVT", 8, false);
	assert_int_equal(aml_error(&a, NULL), -EINVAL);
	aml_free(&a);
}

static void test_region_field(void **state)
{
	static const struct aml_field f[] = { { "EVTS", 8 }, { "WIDE", 80 } };
	struct aml a;

	(void)state;
	aml_init(&a);
	/* OperationRegion (EVTR, SystemIO, 0x0602, One) */
	aml_op_region(&a, "EVTR", AML_SPACE_SYSTEM_IO, 0x602, 1);
	/* Field (EVTR, ByteAcc, NoLock, Preserve) { EVTS, 8, WIDE, 80 } */
	aml_field(&a, "EVTR", f, 2);
	expect_bytes(&a, 0x5b, 0x80, 'E', 'V', 'T', 'R', 0x01, 0x0b, 0x02,
		     0x06, 0x01,
		     0x5b, 0x81, 0x11, 'E', 'V', 'T', 'R', 0x01,
		     'E', 'V', 'T', 'S', 0x08, 'W', 'I', 'D', 'E', 0x40, 0x05);
	aml_free(&a);
}

static void test_resources(void **state)
{
	struct aml r, a;

	(void)state;
	aml_init(&r);
	aml_res_io(&r, 0x3f8, 8);	/* IO (Decode16, 0x3F8, 0x3F8, 1, 8) */
	aml_res_irq_noflags(&r, 4);	/* IRQNoFlags () { 4 } */
	aml_init(&a);
	aml_resource_template(&a, &r);
	expect_bytes(&a, 0x11, 0x10, 0x0a, 0x0d,
		     0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
		     0x22, 0x10, 0x00, 0x79, 0x00);
	aml_free(&a);
	aml_free(&r);

	aml_init(&r);
	/* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 9 } */
	aml_res_interrupt(&r, 9, true, false);
	/* Memory32Fixed (ReadWrite, 0xB0000000, 0x10000000) */
	aml_res_mem32_fixed(&r, 0xb0000000, 0x10000000, true);
	/* WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
	 *   0, 0, 0xFF, 0, 0x100) */
	aml_res_bus_numbers(&r, 0, 0xff);
	/* WordIO (..., EntireRange, 0, 0xC000, 0xFFFF, 0, 0x4000) */
	aml_res_io_window(&r, 0xc000, 0xffff);
	/* DWordMemory (..., NonCacheable, ReadWrite, 0, 0xC0000000,
	 *   0xFEBFFFFF, 0, 0x3EC00000) */
	aml_res_mem32_window(&r, 0xc0000000, 0xfebfffff);
	/* QWordMemory (..., 0, 0x8000000000, 0x8FFFFFFFFF, 0, 0x1000000000) */
	aml_res_mem64_window(&r, 0x8000000000ULL, 0x8fffffffffULL);
	expect_bytes(&r,
		     0x89, 0x06, 0x00, 0x03, 0x01, 0x09, 0x00, 0x00, 0x00,
		     0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xb0,
		     0x00, 0x00, 0x00, 0x10,
		     0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00,
		     0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
		     0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00,
		     0x00, 0xc0, 0xff, 0xff, 0x00, 0x00, 0x00, 0x40,
		     0x87, 0x17, 0x00, 0x00, 0x0c, 0x01,
		     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0,
		     0xff, 0xff, 0xbf, 0xfe, 0x00, 0x00, 0x00, 0x00,
		     0x00, 0x00, 0xc0, 0x3e,
		     0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x01,
		     0, 0, 0, 0, 0, 0, 0, 0,
		     0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
		     0xff, 0xff, 0xff, 0xff, 0x8f, 0x00, 0x00, 0x00,
		     0, 0, 0, 0, 0, 0, 0, 0,
		     0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00);
	aml_free(&r);

	aml_init(&r);
	aml_res_irq_noflags(&r, 16);
	aml_init(&a);
	aml_resource_template(&a, &r);
	assert_int_equal(aml_error(&a, NULL), -EINVAL);
	aml_free(&a);
	aml_free(&r);
}

static void test_scope_errors(void **state)
{
	struct aml a;
	const char *why;

	(void)state;
	aml_init(&a);
	aml_end(&a);
	assert_int_equal(aml_error(&a, &why), -EINVAL);
	assert_non_null(strstr(why, "without an open scope"));
	aml_free(&a);

	aml_init(&a);
	for (int i = 0; i <= AML_MAX_DEPTH; i++)
		aml_package_begin(&a, 1);
	assert_int_equal(aml_error(&a, &why), -E2BIG);
	assert_non_null(strstr(why, "nested too deep"));
	aml_free(&a);

	/* A scope, closed: \_SB_ { } is Scope with a 2-segment-free name. */
	aml_init(&a);
	aml_scope_begin(&a, "\\_SB_");
	aml_end(&a);
	expect_bytes(&a, 0x10, 0x06, 0x5c, '_', 'S', 'B', '_');
	assert_int_equal(a.depth, 0);
	aml_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_strings_and_eisaid),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_objects),
		cmocka_unit_test(test_package),
		cmocka_unit_test(test_pkglength_sizes),
		cmocka_unit_test(test_device_method_if),
		cmocka_unit_test(test_region_field),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_scope_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
