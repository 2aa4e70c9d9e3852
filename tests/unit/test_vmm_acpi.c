// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's ACPI tables (vmm/acpi.c, acpi_dsdt.c) as Linux reads them:
 * RSDP found and both checksums good, XSDT -> FACP/APIC/MCFG, every
 * table's checksum, the FADT fields Linux acts on, a MADT entry per CPU,
 * the MCFG window, the DSDT's _PRT; and the sleep/GED registers
 * (acpi_pm.c) as the guest writes them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/acpi.h"
#include "vmm/aml.h"

#define GPA		0xe0000ULL
#define AREA		0x10000

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* A little-endian field of n bytes. */
static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}
#define rd16(p)	((uint16_t)rd((p), 2))
#define rd32(p)	((uint32_t)rd((p), 4))
#define rd64(p)	rd((p), 8)

/* The table at guest address gpa, checked: signature, length, checksum. */
static const uint8_t *table(const uint8_t *buf, uint64_t gpa,
			    const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(gpa >= GPA && gpa < GPA + AREA);
	t = buf + (gpa - GPA);
	assert_memory_equal(t, sig, 4);
	len = rd32(t + 4);
	assert_true(len >= 36 && gpa + len <= GPA + AREA);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "IOPASS", 6);
	return t;
}

static uint8_t *build(unsigned int ncpus)
{
	uint8_t *buf = calloc(1, AREA);
	struct acpi_layout l;
	struct errbuf eb = { "" };
	int n;

	assert_non_null(buf);
	acpi_layout_default(&l, ncpus);
	n = acpi_tables_build(&l, buf, AREA, GPA, &eb);
	assert_true(n > 0 && n <= AREA);
	return buf;
}

static void test_rsdp_xsdt(void **state)
{
	uint8_t *buf = build(2);
	const uint8_t *xsdt;
	static const char *const sigs[] = { "FACP", "APIC", "MCFG" };

	(void)state;
	/* Linux scans 16-byte boundaries of 0xe0000-0xfffff for it. */
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(sum(buf, 20), 0);
	assert_int_equal(buf[15], 2);			/* revision */
	assert_int_equal(rd32(buf + 20), 36);		/* length */
	assert_int_equal(sum(buf, 36), 0);
	xsdt = table(buf, rd64(buf + 24), "XSDT");
	assert_int_equal(rd32(xsdt + 4), 36 + 3 * 8);
	for (int i = 0; i < 3; i++)
		table(buf, rd64(xsdt + 36 + 8 * i), sigs[i]);
	free(buf);
}

static const uint8_t *find(const uint8_t *buf, const char *sig)
{
	const uint8_t *xsdt = buf + (rd64(buf + 24) - GPA);
	uint32_t n = (rd32(xsdt + 4) - 36) / 8;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = rd64(xsdt + 36 + 8 * i);

		if (!memcmp(buf + (gpa - GPA), sig, 4))
			return table(buf, gpa, sig);
	}
	fail_msg("no %s", sig);
	return NULL;
}

static void test_fadt(void **state)
{
	uint8_t *buf = build(1);
	const uint8_t *f = find(buf, "FACP");
	const uint8_t *dsdt;

	(void)state;
	assert_int_equal(rd32(f + 4), 276);
	assert_int_equal(f[8], 6);			/* revision 6 */
	/* HW_REDUCED_ACPI and RESET_REG_SUP among the flags. */
	assert_true(rd32(f + 112) & (1u << 20));
	assert_true(rd32(f + 112) & (1u << 10));
	/* IAPC_BOOT_ARCH: no VGA, no ASPM, no CMOS RTC; an 8042 is not
	 * claimed and MSI is allowed. */
	assert_int_equal(rd16(f + 109), 0x34);
	/* RESET_REG: system I/O 0xcf9, a byte, value 6. */
	assert_int_equal(f[116], 1);
	assert_int_equal(f[117], 8);
	assert_int_equal(rd64(f + 120), ACPI_RESET_PORT);
	assert_int_equal(f[128], ACPI_RESET_VALUE);
	/* Sleep control and status: the ports of acpi_pm.c. */
	assert_int_equal(f[244], 1);
	assert_int_equal(rd64(f + 248), ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL);
	assert_int_equal(f[256], 1);
	assert_int_equal(rd64(f + 260), ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS);
	/* No SCI, no PM timer. */
	assert_int_equal(rd16(f + 46), 0);
	assert_int_equal(rd32(f + 76), 0);
	/* DSDT at the same place through both pointers. */
	assert_int_equal(rd32(f + 40), rd64(f + 140));
	dsdt = table(buf, rd64(f + 140), "DSDT");
	assert_int_equal(dsdt[8], 2);			/* 64-bit integers */
	free(buf);
}

static void test_madt(void **state)
{
	uint8_t *buf = build(4);
	const uint8_t *m = find(buf, "APIC");
	uint32_t len = rd32(m + 4), off = 44;
	unsigned int lapics = 0, ioapics = 0, nmis = 0;

	(void)state;
	assert_int_equal(rd32(m + 36), 0xfee00000);
	assert_int_equal(rd32(m + 40), 0);		/* no PCAT_COMPAT */
	while (off < len) {
		const uint8_t *e = m + off;

		assert_true(e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[3], lapics);	/* APIC id */
			assert_int_equal(rd32(e + 4), 1);	/* enabled */
			lapics++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], 4);	/* after the APIC ids */
			assert_int_equal(rd32(e + 4), 0xfec00000);
			assert_int_equal(rd32(e + 8), 0);	/* GSI base */
			ioapics++;
			break;
		case 4:
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);	/* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	assert_int_equal(off, len);
	assert_int_equal(lapics, 4);
	assert_int_equal(ioapics, 1);
	assert_int_equal(nmis, 1);
	free(buf);
}

static void test_mcfg(void **state)
{
	uint8_t *buf = build(1);
	const uint8_t *m = find(buf, "MCFG");

	(void)state;
	assert_int_equal(rd32(m + 4), 36 + 8 + 16);
	assert_int_equal(rd64(m + 44), 0xb0000000);
	assert_int_equal(rd16(m + 52), 0);	/* segment */
	assert_int_equal(m[54], 0);
	/* Bus 0 only: Linux probes every bus up to the last for bridges. */
	assert_int_equal(m[55], 0);
	free(buf);
}

/* The bytes of Package (4) { 0xSSSSFFFF, pin, Zero, gsi }. */
static size_t prt_entry(uint8_t *p, unsigned int slot, unsigned int pin,
			uint8_t gsi)
{
	size_t n = 0;

	p[n++] = 0x12;
	p[n++] = slot ? 0x0b : 0x09;	/* PkgLength */
	p[n++] = 0x04;
	if (slot) {
		p[n++] = 0x0c;		/* DWord */
		p[n++] = 0xff;
		p[n++] = 0xff;
		p[n++] = slot;
		p[n++] = 0;
	} else {
		p[n++] = 0x0b;		/* Word 0xffff */
		p[n++] = 0xff;
		p[n++] = 0xff;
	}
	if (pin <= 1) {
		p[n++] = pin;		/* Zero, One */
	} else {
		p[n++] = 0x0a;
		p[n++] = pin;
	}
	p[n++] = 0x00;
	p[n++] = 0x0a;
	p[n++] = gsi;
	if (pin > 1)
		p[1]++;
	return n;
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle,
		     size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return true;
	return false;
}

static void test_dsdt(void **state)
{
	uint8_t *buf = build(2);
	const uint8_t *f = find(buf, "FACP");
	const uint8_t *d = table(buf, rd64(f + 140), "DSDT");
	uint32_t len = rd32(d + 4);
	uint8_t e[32];
	size_t n;

	(void)state;
	/* The swizzle of vm_pci_intx_gsi(): slot 3 INTA -> 19, INTC -> 21,
	 * slot 7 INTB -> 16, slot 0 INTA -> 16. */
	n = prt_entry(e, 3, 0, 19);
	assert_true(contains(d, len, e, n));
	n = prt_entry(e, 3, 2, 21);
	assert_true(contains(d, len, e, n));
	n = prt_entry(e, 7, 1, 16);
	assert_true(contains(d, len, e, n));
	n = prt_entry(e, 0, 0, 16);
	assert_true(contains(d, len, e, n));
	/* Names Linux looks for. */
	assert_true(contains(d, len, (const uint8_t *)"_PRT", 4));
	assert_true(contains(d, len, (const uint8_t *)"_S5_", 4));
	assert_true(contains(d, len, (const uint8_t *)"ACPI0013", 8));
	/* The GED's interrupt: edge, active high, GSI 9. */
	assert_true(contains(d, len, (const uint8_t[]){ 0x89, 0x06, 0x00,
			     0x03, 0x01, 0x09, 0, 0, 0 }, 9));
	free(buf);
}

static void test_too_small(void **state)
{
	uint8_t buf[512];
	struct acpi_layout l;
	struct errbuf eb = { "" };

	(void)state;
	acpi_layout_default(&l, 1);
	assert_int_equal(acpi_tables_build(&l, buf, sizeof(buf), GPA, &eb),
			 -ENOSPC);
	assert_non_null(strstr(eb.msg, "do not fit in 512 bytes"));
	acpi_layout_default(&l, 256);
	assert_int_equal(acpi_tables_build(&l, buf, sizeof(buf), GPA, &eb),
			 -EINVAL);
}

static void test_pm_registers(void **state)
{
	struct acpi_pm_regs r = { 0 };
	uint8_t d[8];

	(void)state;
	/* Linux's S5: SLP_TYP 5 << 2 | SLP_EN. */
	d[0] = 5 << 2 | 0x20;
	assert_int_equal(acpi_pm_io(&r, ACPI_PM_SLEEP_CONTROL, d, 1, true),
			 ACPI_PM_POWEROFF);
	/* SLP_EN for a state we do not have, or S5 without SLP_EN. */
	d[0] = 3 << 2 | 0x20;
	assert_int_equal(acpi_pm_io(&r, 0, d, 1, true), ACPI_PM_NONE);
	d[0] = 5 << 2;
	assert_int_equal(acpi_pm_io(&r, 0, d, 1, true), ACPI_PM_NONE);
	/* The same byte at the status register clears WAK_STS only. */
	d[0] = 5 << 2 | 0x20;
	assert_int_equal(acpi_pm_io(&r, ACPI_PM_SLEEP_STATUS, d, 1, true),
			 ACPI_PM_NONE);
	/* A word write whose low byte lands on the control register. */
	d[0] = 0x34;
	d[1] = 0x80;
	assert_int_equal(acpi_pm_io(&r, 0, d, 2, true), ACPI_PM_POWEROFF);
	/* Status never has WAK_STS: we do not wake up. */
	acpi_pm_io(&r, ACPI_PM_SLEEP_STATUS, d, 1, false);
	assert_int_equal(d[0], 0);

	/* Events: read once, then gone. */
	r.ged_events = ACPI_GED_EVENT_POWER_BUTTON;
	memset(d, 0xee, sizeof(d));
	acpi_pm_io(&r, ACPI_PM_SLEEP_STATUS, d, 4, false);
	assert_memory_equal(d, ((uint8_t[]){ 0, 1, 0, 0 }), 4);
	acpi_pm_io(&r, ACPI_PM_GED_EVENT, d, 1, false);
	assert_int_equal(d[0], 0);
	/* Writes do not raise events. */
	d[0] = 0xff;
	acpi_pm_io(&r, ACPI_PM_GED_EVENT, d, 1, true);
	assert_int_equal(r.ged_events, 0);
	/* Out of the block: reads 0, writes nothing. */
	memset(d, 0xee, sizeof(d));
	assert_int_equal(acpi_pm_io(&r, UINT64_MAX - 1, d, 8, false),
			 ACPI_PM_NONE);
	assert_memory_equal(d, ((uint8_t[8]){ 0 }), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_xsdt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_dsdt),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_pm_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
