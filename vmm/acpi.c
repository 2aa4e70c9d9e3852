// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's ACPI tables (ACPI 6.5, chapter 5): RSDP -> XSDT -> FADT
 * (hardware-reduced, with the DSDT), MADT (a local APIC per vCPU, the
 * IOAPIC, LINT1 as NMI) and MCFG (the ECAM window). Firecracker and
 * cloud-hypervisor give Linux the same minimal set; ours adds the PCI
 * host bridge's INTx routing to the DSDT (acpi_dsdt.c), which they do
 * not need or do per slot.
 *
 * Why hardware-reduced: Linux then skips the 8259 PIC, the PIT as its
 * timer and the check that the timer interrupt works through the IOAPIC
 * (arch/x86/kernel/acpi/boot.c, acpi_generic_reduced_hw_init()), and the
 * FADT's boot flags tell it not to probe for an i8042, a CMOS RTC or VGA:
 * every such probe is a handful of exits, each one costly when nested.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "vm_impl.h"

#define ACPI_OEM_ID		"IOPASS"
#define ACPI_CREATOR_ID		"IOPA"
#define ACPI_HYPERVISOR_ID	"IOPASSVM"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	uint8_t checksum;	/* first 20 bytes */
	char oem_id[6];
	uint8_t revision;	/* 2: XSDT */
	uint32_t rsdt;		/* none: the XSDT has everything */
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;	/* all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure. */
struct acpi_gas {
	uint8_t space;		/* 1: system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;	/* 1: byte */
	uint64_t address;
} __attribute__((packed));

/* FADT revision 6 (276 bytes); offsets in the comments. */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t facs;			/*  36 */
	uint32_t dsdt;			/*  40 */
	uint8_t model;			/*  44 */
	uint8_t pm_profile;		/*  45 */
	uint16_t sci_int;		/*  46 */
	uint32_t smi_cmd;		/*  48 */
	uint8_t legacy[57];		/*  52: PM blocks, all absent */
	uint16_t iapc_boot_arch;	/* 109 */
	uint8_t reserved;		/* 111 */
	uint32_t flags;			/* 112 */
	struct acpi_gas reset_reg;	/* 116 */
	uint8_t reset_value;		/* 128 */
	uint16_t arm_boot_arch;		/* 129 */
	uint8_t minor_version;		/* 131 */
	uint64_t x_facs;		/* 132 */
	uint64_t x_dsdt;		/* 140 */
	struct acpi_gas x_blocks[8];	/* 148: PM blocks, all absent */
	struct acpi_gas sleep_control;	/* 244 */
	struct acpi_gas sleep_status;	/* 256 */
	char hypervisor_id[8];		/* 268 */
} __attribute__((packed));

#define FADT_WBINVD		(1u << 0)
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed sleep button */
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED_ACPI	(1u << 20)

/* Not set: LEGACY_DEVICES, 8042, NO_MSI. */
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_ASPM	(1u << 4)
#define BOOT_ARCH_NO_CMOS_RTC	(1u << 5)

struct madt_lapic {
	uint8_t type, length;	/* 0, 8 */
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;		/* 1: enabled */
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length;	/* 1, 12 */
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length;	/* 4, 6 */
	uint8_t uid;		/* 0xff: every processor */
	uint16_t flags;		/* 0: conforms to the bus */
	uint8_t lint;
} __attribute__((packed));

struct mcfg_entry {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244, "FADT");

/* Where the next table goes in the caller's buffer. */
struct acpi_out {
	uint8_t *buf;
	size_t size;
	size_t used;
	uint64_t gpa;
};

/* len zeroed bytes, 16-byte aligned; NULL when out of room. */
static void *acpi_alloc(struct acpi_out *o, size_t len, uint64_t *gpa)
{
	size_t at = (o->used + 15) & ~(size_t)15;
	void *p;

	if (at > o->size || len > o->size - at)
		return NULL;
	p = o->buf + at;
	memset(p, 0, len);
	o->used = at + len;
	*gpa = o->gpa + at;
	return p;
}

static void acpi_header_init(struct acpi_header *h, const char *sig,
			     uint32_t len, uint8_t rev, const char *table_id)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memset(h->oem_table_id, ' ', 8);
	memcpy(h->oem_table_id, table_id, strlen(table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

static void acpi_header_sum(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = table_checksum(h, h->length);
}

static struct acpi_gas gas_io8(uint16_t port)
{
	return (struct acpi_gas){
		.space = 1, .bit_width = 8, .access_size = 1, .address = port,
	};
}

static int build_dsdt(const struct acpi_layout *l, struct acpi_out *o,
		      uint64_t *gpa, struct errbuf *eb)
{
	struct acpi_header *h;
	uint8_t *aml;
	size_t len;
	int ret;

	ret = acpi_dsdt_aml(l, &aml, &len, eb);
	if (ret)
		return ret;
	h = acpi_alloc(o, sizeof(*h) + len, gpa);
	if (!h) {
		free(aml);
		return -ENOSPC;
	}
	acpi_header_init(h, "DSDT", sizeof(*h) + len, 2, "IOPASSVM");
	memcpy(h + 1, aml, len);
	free(aml);
	acpi_header_sum(h);
	return 0;
}

static int build_fadt(const struct acpi_layout *l, struct acpi_out *o,
		      uint64_t dsdt, uint64_t *gpa)
{
	struct acpi_fadt *f = acpi_alloc(o, sizeof(*f), gpa);

	if (!f)
		return -ENOSPC;
	acpi_header_init(&f->h, "FACP", sizeof(*f), 6, "IOPASSVM");
	f->minor_version = 5;
	f->dsdt = dsdt;
	f->x_dsdt = dsdt;
	f->flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		   FADT_RESET_REG_SUP | FADT_HW_REDUCED_ACPI;
	f->iapc_boot_arch = BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_ASPM |
			    BOOT_ARCH_NO_CMOS_RTC;
	f->reset_reg = gas_io8(ACPI_RESET_PORT);
	f->reset_value = ACPI_RESET_VALUE;
	f->sleep_control = gas_io8(l->pm_port + ACPI_PM_SLEEP_CONTROL);
	f->sleep_status = gas_io8(l->pm_port + ACPI_PM_SLEEP_STATUS);
	memcpy(f->hypervisor_id, ACPI_HYPERVISOR_ID, 8);
	acpi_header_sum(&f->h);
	return 0;
}

static int build_madt(const struct acpi_layout *l, struct acpi_out *o,
		      uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 +
		     l->ncpus * sizeof(struct madt_lapic) +
		     sizeof(struct madt_ioapic) +
		     sizeof(struct madt_lapic_nmi);
	struct acpi_header *h = acpi_alloc(o, len, gpa);
	uint8_t *p;
	uint32_t lapic_addr = l->lapic_addr, flags = 0;

	if (!h)
		return -ENOSPC;
	acpi_header_init(h, "APIC", len, 5, "IOPASSVM");
	p = (uint8_t *)(h + 1);
	memcpy(p, &lapic_addr, 4);
	/* No PCAT_COMPAT: Linux must not count on an 8259. */
	memcpy(p + 4, &flags, 4);
	p += 8;
	for (unsigned int i = 0; i < l->ncpus; i++) {
		struct madt_lapic e = {
			.type = 0, .length = sizeof(e), .uid = i,
			.apic_id = i, .flags = 1,
		};

		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
	}
	memcpy(p, &(struct madt_ioapic){
		.type = 1, .length = sizeof(struct madt_ioapic),
		.id = l->ioapic_id, .address = l->ioapic_addr,
	}, sizeof(struct madt_ioapic));
	p += sizeof(struct madt_ioapic);
	memcpy(p, &(struct madt_lapic_nmi){
		.type = 4, .length = sizeof(struct madt_lapic_nmi),
		.uid = 0xff, .lint = 1,
	}, sizeof(struct madt_lapic_nmi));
	acpi_header_sum(h);
	return 0;
}

static int build_mcfg(const struct acpi_layout *l, struct acpi_out *o,
		      uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 + sizeof(struct mcfg_entry);
	struct acpi_header *h = acpi_alloc(o, len, gpa);
	struct mcfg_entry e = {
		.base = l->ecam_base, .segment = 0, .bus_start = 0,
		.bus_end = l->ecam_buses - 1,
	};

	if (!h)
		return -ENOSPC;
	acpi_header_init(h, "MCFG", len, 1, "IOPASSVM");
	memcpy((uint8_t *)(h + 1) + 8, &e, sizeof(e));
	acpi_header_sum(h);
	return 0;
}

static int build_xsdt(struct acpi_out *o, const uint64_t *tables,
		      unsigned int n, uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 * n;
	struct acpi_header *h = acpi_alloc(o, len, gpa);

	if (!h)
		return -ENOSPC;
	acpi_header_init(h, "XSDT", len, 1, "IOPASSVM");
	memcpy(h + 1, tables, 8 * n);
	acpi_header_sum(h);
	return 0;
}

int acpi_tables_build(const struct acpi_layout *l, uint8_t *buf,
		      size_t size, uint64_t gpa, struct errbuf *eb)
{
	struct acpi_out o = { buf, size, 0, gpa };
	uint64_t rsdp_gpa, dsdt, xsdt, tables[3];
	struct acpi_rsdp *rsdp;
	int ret;

	if (!l->ncpus || l->ncpus > 255 || !l->ecam_buses ||
	    l->ecam_buses > 256)
		return errbuf_set(eb, -EINVAL,
				  "ACPI: %u CPUs and %u ECAM buses do not fit the tables",
				  l->ncpus, l->ecam_buses);
	rsdp = acpi_alloc(&o, sizeof(*rsdp), &rsdp_gpa);
	if (!rsdp)
		goto nospace;
	ret = build_dsdt(l, &o, &dsdt, eb);
	if (ret == -ENOSPC)
		goto nospace;
	if (ret)
		return ret;
	if (build_fadt(l, &o, dsdt, &tables[0]) ||
	    build_madt(l, &o, &tables[1]) || build_mcfg(l, &o, &tables[2]) ||
	    build_xsdt(&o, tables, 3, &xsdt))
		goto nospace;

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt = xsdt;
	rsdp->checksum = table_checksum(rsdp, 20);
	rsdp->ext_checksum = table_checksum(rsdp, sizeof(*rsdp));
	return (int)o.used;

nospace:
	return errbuf_set(eb, -ENOSPC,
			  "ACPI: the tables do not fit in %zu bytes", size);
}

static uint32_t intx_gsi(unsigned int slot, unsigned int pin)
{
	return vm_pci_intx_gsi(slot, pin);
}

void acpi_layout_default(struct acpi_layout *l, unsigned int ncpus)
{
	*l = (struct acpi_layout){
		.ncpus = ncpus,
		/* After the last APIC id, as the MP table has it. */
		.ioapic_id = ncpus,
		.ioapic_addr = IOAPIC_BASE,
		.lapic_addr = LAPIC_BASE,
		.ecam_base = PCI_ECAM_BASE,
		/*
		 * Only bus 0 exists. The MCFG's last bus becomes Linux's
		 * pcibios_last_bus, and it then reads the vendor id of 32
		 * slots on every bus up to it looking for peer bridges: 8160
		 * config reads, 3.4 of a nested boot's seconds, for 255.
		 */
		.ecam_buses = 1,
		.mmio32_base = PCI_MMIO32_BASE,
		.mmio32_end = PCI_MMIO32_END,
		.mmio64_base = PCI_MMIO64_BASE,
		.mmio64_end = PCI_MMIO64_BASE + PCI_MMIO64_SIZE,
		.pio_base = PCI_PIO_BASE,
		.pm_port = ACPI_PM_PORT,
		.ged_gsi = ACPI_GED_GSI,
		.intx_gsi = intx_gsi,
	};
}

int acpi_tables_write(struct vm *vm, uint64_t *rsdp, struct errbuf *eb)
{
	uint64_t size = ACPI_AREA_END - ACPI_AREA_BASE;
	uint8_t *buf = memory_hva(vm, ACPI_AREA_BASE, size);
	struct acpi_layout l;
	int ret;

	if (!buf)
		return errbuf_set(eb, -ENOMEM,
				  "no guest RAM for the ACPI tables at 0x%x",
				  ACPI_AREA_BASE);
	acpi_layout_default(&l, vm->ncpus);
	ret = acpi_tables_build(&l, buf, size, ACPI_AREA_BASE, eb);
	if (ret < 0)
		return ret;
	*rsdp = ACPI_AREA_BASE;
	return 0;
}
