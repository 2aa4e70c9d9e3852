/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm/ internal: the guest's ACPI, hardware-reduced (ACPI 6.5, 4.1): no
 * SCI, no PM timer, no fixed registers but the sleep control/status pair
 * and the reset register, events through a Generic Event Device.
 *
 * acpi_tables_build() lays out RSDP, XSDT, FADT, MADT, MCFG and DSDT in a
 * caller's buffer that the guest will see at a given address, with no VM
 * involved (unit tests, `iopass-acpi-dump`). acpi_pm_* is the small device
 * behind the FADT's sleep registers and the GED's event register: what
 * the guest writes there is parsed by acpi_pm_io(), fuzzed on its own.
 */
#ifndef IOPASS_VMM_ACPI_H
#define IOPASS_VMM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

struct vm;

/*
 * The I/O ports of the ACPI registers (acpi_pm.c): one byte each.
 *   +0 SLEEP_CONTROL  W: SLP_EN (bit 5) with SLP_TYP (bits 4:2) enters a
 *                     sleep state; ours has only S5 (off).
 *   +1 SLEEP_STATUS   R: WAK_STS (bit 7), never set: we never wake up.
 *                     W: write 1 to clear.
 *   +2 GED_EVENT      R: pending events (bit 0: the power button); the read
 *                     clears them, as the DSDT's _EVT expects.
 */
#define ACPI_PM_PORT		0x600
#define ACPI_PM_PORT_LEN	4
#define ACPI_PM_SLEEP_CONTROL	0
#define ACPI_PM_SLEEP_STATUS	1
#define ACPI_PM_GED_EVENT	2

#define ACPI_SLP_EN		0x20
#define ACPI_SLP_TYP_SHIFT	2
#define ACPI_SLP_TYP_MASK	0x1c
#define ACPI_WAK_STS		0x80
/* The SLP_TYP of S5 the DSDT's \_S5 names. */
#define ACPI_S5_TYPE		5

#define ACPI_GED_EVENT_POWER_BUTTON	0x01

/* ISA IRQ 9 (free without an SCI): the GED's edge-triggered interrupt. */
#define ACPI_GED_GSI		9

/* The reset register: the PC's reset control port, CPU reset + hard. */
#define ACPI_RESET_PORT		0xcf9
#define ACPI_RESET_VALUE	0x06

struct acpi_layout {
	unsigned int ncpus;		/* APIC ids 0..ncpus-1 */
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	uint32_t lapic_addr;
	uint64_t ecam_base;		/* buses 0..ecam_buses-1 */
	unsigned int ecam_buses;
	uint32_t mmio32_base, mmio32_end;	/* end exclusive */
	uint64_t mmio64_base, mmio64_end;
	uint16_t pio_base;		/* to 0xffff */
	uint16_t pm_port;
	uint32_t ged_gsi;
	/* PCI INTx: the GSI of a bus-0 slot's pin (1-4: INTA-INTD). */
	uint32_t (*intx_gsi)(unsigned int slot, unsigned int pin);
};

/* What the VM has: vm.h's map and the VM's CPU count. */
void acpi_layout_default(struct acpi_layout *l, unsigned int ncpus);

/*
 * Writes the tables into buf, which the guest sees at gpa, RSDP first (at
 * gpa, where Linux also finds it by scanning when gpa is in 0xe0000-0xfffff).
 * Returns the bytes used, or -errno (-ENOSPC: size too small) with eb set.
 */
int acpi_tables_build(const struct acpi_layout *l, uint8_t *buf,
		      size_t size, uint64_t gpa, struct errbuf *eb);

/* The DSDT's AML body (acpi_dsdt.c), malloc'd into *aml. */
int acpi_dsdt_aml(const struct acpi_layout *l, uint8_t **aml, size_t *len,
		  struct errbuf *eb);

/* vm.c: the tables in guest memory; the RSDP's address in *rsdp. */
int acpi_tables_write(struct vm *vm, uint64_t *rsdp, struct errbuf *eb);

/* ---- the registers (acpi_pm.c) ---- */

enum acpi_pm_action {
	ACPI_PM_NONE,
	ACPI_PM_POWEROFF,	/* SLP_EN with S5's SLP_TYP */
};

struct acpi_pm_regs {
	uint8_t ged_events;	/* pending, cleared by the guest's read */
};

/*
 * One guest access at offset addr of the port block (any addr and len
 * 1..8: bytes outside the registers read 0 and are ignored). Returns what
 * the VM must do.
 */
enum acpi_pm_action acpi_pm_io(struct acpi_pm_regs *r, uint64_t addr,
			       uint8_t *data, uint32_t len, bool is_write);

/* vm.c: the ports and the GED interrupt. */
int acpi_pm_init(struct vm *vm, struct errbuf *eb);
void acpi_pm_exit(struct vm *vm);

#endif
