// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DSDT's AML, in ASL terms:
 *
 *   Scope (\_SB) {
 *     Device (PCI0) {                  the PCIe host bridge, segment 0
 *       _HID PNP0A08, _CID PNP0A03, _SEG 0, _UID 0, _BBN 0
 *       _CRS: buses, ports 0xcf8-0xcff, the I/O, 32- and 64-bit windows
 *       _PRT: every bus-0 slot's INTA-INTD to its IOAPIC GSI
 *     }
 *     Device (COM1) { PNP0501, ports 0x3f8-0x3ff, IRQ 4 }
 *     Device (PWRB) { PNP0C0C }        the power button
 *     Device (GED0) {                  ACPI0013, its interrupt, _EVT:
 *       reads the event register and Notify (PWRB, 0x80) for bit 0
 *     }
 *     Device (MRES) { PNP0C02: the ECAM and the ACPI registers' ports }
 *   }
 *   Name (\_S5, Package { 5, 5, 0, 0 })  S5 (off): SLP_TYP 5
 *
 * The _PRT is static: it lists all 32 slots, so devices added after the
 * tables were written (VFIO devices, NICs) are routed too. Its GSIs are
 * the ones the VMM wires each INTx to (vm_pci_intx_gsi()). The _PRT's
 * entries carry GSIs (source 0), so Linux sets them level-triggered,
 * active-low; KVM's IOAPIC ignores the polarity and a level irqfd holds
 * the line until the guest's EOI resamples it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "aml.h"

#define COM1_PORT		0x3f8
#define COM1_IRQ		4
#define PCI_CFG_PORT		0xcf8
#define PCI_SLOTS		32
#define PCI_PINS		4

static void dsdt_pci_host(struct aml *a, const struct acpi_layout *l)
{
	struct aml r;

	aml_device_begin(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A08");
	aml_name_eisaid(a, "_CID", "PNP0A03");
	aml_name_integer(a, "_SEG", 0);
	aml_name_integer(a, "_UID", 0);
	aml_name_integer(a, "_BBN", 0);

	aml_init(&r);
	aml_res_bus_numbers(&r, 0, l->ecam_buses - 1);
	aml_res_io(&r, PCI_CFG_PORT, 8);
	aml_res_io_window(&r, l->pio_base, 0xffff);
	aml_res_mem32_window(&r, l->mmio32_base, l->mmio32_end - 1);
	aml_res_mem64_window(&r, l->mmio64_base, l->mmio64_end - 1);
	aml_name(a, "_CRS");
	aml_resource_template(a, &r);
	aml_free(&r);

	/* Package { Package { 0xSSSSFFFF, pin - 1, 0, GSI }, ... } */
	aml_name(a, "_PRT");
	aml_package_begin(a, PCI_SLOTS * PCI_PINS);
	for (unsigned int slot = 0; slot < PCI_SLOTS; slot++) {
		for (unsigned int pin = 1; pin <= PCI_PINS; pin++) {
			aml_package_begin(a, 4);
			aml_integer(a, (uint64_t)slot << 16 | 0xffff);
			aml_integer(a, pin - 1);
			aml_integer(a, 0);
			aml_integer(a, l->intx_gsi(slot, pin));
			aml_end(a);
		}
	}
	aml_end(a);
	aml_end(a);
}

static void dsdt_com1(struct aml *a)
{
	struct aml r;

	aml_device_begin(a, "COM1");
	aml_name_eisaid(a, "_HID", "PNP0501");
	aml_name_integer(a, "_UID", 1);
	aml_init(&r);
	aml_res_io(&r, COM1_PORT, 8);
	aml_res_irq_noflags(&r, COM1_IRQ);
	aml_name(a, "_CRS");
	aml_resource_template(a, &r);
	aml_free(&r);
	aml_end(a);
}

static void dsdt_ged(struct aml *a, const struct acpi_layout *l)
{
	static const struct aml_field evt[] = { { "EVTS", 8 } };
	struct aml r;

	aml_device_begin(a, "PWRB");
	aml_name_eisaid(a, "_HID", "PNP0C0C");
	aml_name_integer(a, "_UID", 0);
	aml_end(a);

	aml_device_begin(a, "GED0");
	aml_name_string_value(a, "_HID", "ACPI0013");
	aml_name_integer(a, "_UID", 0);
	aml_init(&r);
	aml_res_interrupt(&r, l->ged_gsi, true, false);
	aml_name(a, "_CRS");
	aml_resource_template(a, &r);
	aml_free(&r);
	aml_op_region(a, "EVTR", AML_SPACE_SYSTEM_IO,
		      l->pm_port + ACPI_PM_GED_EVENT, 1);
	aml_field(a, "EVTR", evt, 1);
	/* Read once (the read clears), then dispatch each event bit. */
	aml_method_begin(a, "_EVT", 1, true);
	aml_op(a, AML_OP_STORE);
	aml_name_string(a, "EVTS");
	aml_op(a, AML_LOCAL(0));
	aml_if_begin(a);
	aml_op(a, AML_OP_AND);
	aml_op(a, AML_LOCAL(0));
	aml_integer(a, ACPI_GED_EVENT_POWER_BUTTON);
	aml_op(a, AML_ZERO);		/* no target */
	aml_op(a, AML_OP_NOTIFY);
	aml_name_string(a, "\\_SB_.PWRB");
	aml_integer(a, 0x80);		/* "the button was pressed" */
	aml_end(a);
	aml_end(a);
	aml_end(a);
}

static void dsdt_motherboard(struct aml *a, const struct acpi_layout *l)
{
	struct aml r;

	aml_device_begin(a, "MRES");
	aml_name_eisaid(a, "_HID", "PNP0C02");
	aml_name_integer(a, "_UID", 0);
	aml_init(&r);
	aml_res_mem32_fixed(&r, l->ecam_base, l->ecam_buses << 20, true);
	aml_res_io(&r, l->pm_port, ACPI_PM_PORT_LEN);
	aml_name(a, "_CRS");
	aml_resource_template(a, &r);
	aml_free(&r);
	aml_end(a);
}

int acpi_dsdt_aml(const struct acpi_layout *l, uint8_t **out, size_t *len,
		  struct errbuf *eb)
{
	const char *why;
	struct aml a;
	int ret;

	*out = NULL;
	*len = 0;
	aml_init(&a);
	aml_scope_begin(&a, "\\_SB_");
	dsdt_pci_host(&a, l);
	dsdt_com1(&a);
	dsdt_ged(&a, l);
	dsdt_motherboard(&a, l);
	aml_end(&a);

	aml_name(&a, "\\_S5_");
	aml_package_begin(&a, 4);
	aml_integer(&a, ACPI_S5_TYPE);
	aml_integer(&a, ACPI_S5_TYPE);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a);

	ret = aml_error(&a, &why);
	if (!ret && a.depth) {
		ret = -EINVAL;
		why = "an AML scope left open";
	}
	if (ret) {
		aml_free(&a);
		return errbuf_set(eb, ret, "ACPI: building the DSDT: %s", why);
	}
	*out = a.buf;
	*len = a.len;
	return 0;
}
