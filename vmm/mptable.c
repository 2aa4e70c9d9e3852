// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Intel MultiProcessor Specification 1.4 table, in the BIOS area where
 * Linux scans for it: one processor entry per vCPU (APIC id = index), the
 * in-kernel IOAPIC (24 pins, after the last APIC id), ISA IRQs 0-15 wired to
 * the same-numbered IOAPIC pins (KVM's default GSI routing), every bus-0
 * PCI slot's INTA-INTD to its pin (vm_pci_intx_gsi(), as the DSDT's _PRT
 * says), LINT0 as ExtINT and LINT1 as NMI.
 *
 * Linux prefers the ACPI tables (acpi.c) when it has them: the MP table is
 * for kernels without ACPI (CONFIG_ACPI=n, as minimal microVM kernels are
 * often built) or booted with acpi=off; for them it is the only way to
 * find the other CPUs, the IOAPIC and the PCI interrupt routing.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "vm_impl.h"

#define MPC_SPEC_REV		4
#define MPC_APIC_VERSION	0x14
#define MPC_IOAPIC_VERSION	0x11
#define MPC_IOAPIC_PINS		24

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

#define CPU_ENABLED		1
#define CPU_BOOTPROCESSOR	2
#define MPC_APIC_USABLE		1

#define BUS_ID_PCI		0
#define BUS_ID_ISA		1

struct mpf_intel {
	char signature[4];	/* "_MP_" */
	uint32_t physptr;
	uint8_t length;		/* 16-byte units */
	uint8_t specification;
	uint8_t checksum;
	uint8_t feature1;
	uint8_t feature2;
	uint8_t feature3;
	uint8_t feature4;
	uint8_t feature5;
} __attribute__((packed));

struct mpc_table {
	char signature[4];	/* "PCMP" */
	uint16_t length;
	uint8_t spec;
	uint8_t checksum;
	char oem[8];
	char productid[12];
	uint32_t oemptr;
	uint16_t oemsize;
	uint16_t oemcount;
	uint32_t lapic;
	uint32_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t cpuflag;
	uint32_t cpufeature;
	uint32_t featureflag;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;
	uint8_t busid;
	char bustype[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t flags;
	uint32_t apicaddr;
} __attribute__((packed));

struct mpc_intsrc {
	uint8_t type;
	uint8_t irqtype;
	uint16_t irqflag;	/* 0: conforms to the bus */
	uint8_t srcbus;
	uint8_t srcbusirq;
	uint8_t dstapic;
	uint8_t dstirq;
} __attribute__((packed));

#define MP_PCI_SLOTS		32
#define MP_PCI_PINS		4

#define MPTABLE_MAX_SIZE(ncpus) (sizeof(struct mpf_intel) + \
	sizeof(struct mpc_table) + (ncpus) * sizeof(struct mpc_cpu) + \
	2 * sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) + \
	(16 + MP_PCI_SLOTS * MP_PCI_PINS + 2) * sizeof(struct mpc_intsrc))

int mptable_write(struct vm *vm, struct errbuf *eb)
{
	size_t size = MPTABLE_MAX_SIZE(vm->ncpus);
	uint8_t *base = memory_hva(vm, BIOS_AREA_BASE, size);
	struct mpf_intel *mpf = (void *)base;
	struct mpc_table *mpc = (void *)(mpf + 1);
	uint8_t *p = (uint8_t *)(mpc + 1);
	uint8_t ioapic_id = vm->ncpus;
	unsigned int eax, ebx, ecx, edx;
	uint16_t count = 0;

	if (!base || size > BIOS_AREA_END - BIOS_AREA_BASE)
		return errbuf_set(eb, -ENOMEM, "no room for the MP table");
	memset(base, 0, size);
	__cpuid(1, eax, ebx, ecx, edx);

	for (unsigned int i = 0; i < vm->ncpus; i++, count++) {
		struct mpc_cpu *c = (void *)p;

		*c = (struct mpc_cpu){
			.type = MP_PROCESSOR, .apicid = i,
			.apicver = MPC_APIC_VERSION,
			.cpuflag = CPU_ENABLED | (i ? 0 : CPU_BOOTPROCESSOR),
			.cpufeature = eax, .featureflag = edx,
		};
		p += sizeof(*c);
	}
	memcpy(p, &(struct mpc_bus){ MP_BUS, BUS_ID_PCI, "PCI   " },
	       sizeof(struct mpc_bus));
	p += sizeof(struct mpc_bus);
	memcpy(p, &(struct mpc_bus){ MP_BUS, BUS_ID_ISA, "ISA   " },
	       sizeof(struct mpc_bus));
	p += sizeof(struct mpc_bus);
	count += 2;

	*(struct mpc_ioapic *)p = (struct mpc_ioapic){
		.type = MP_IOAPIC, .apicid = ioapic_id,
		.apicver = MPC_IOAPIC_VERSION, .flags = MPC_APIC_USABLE,
		.apicaddr = IOAPIC_BASE,
	};
	p += sizeof(struct mpc_ioapic);
	count++;

	for (uint8_t irq = 0; irq < 16; irq++, count++) {
		if (irq == 2)	/* the PIC cascade */
			continue;
		*(struct mpc_intsrc *)p = (struct mpc_intsrc){
			.type = MP_INTSRC, .irqtype = MP_INT,
			.srcbus = BUS_ID_ISA, .srcbusirq = irq,
			.dstapic = ioapic_id, .dstirq = irq,
		};
		p += sizeof(struct mpc_intsrc);
	}
	count--;		/* irq 2 was skipped */
	/* PCI: the source IRQ is slot << 2 | INTx (0: INTA); level, low. */
	for (unsigned int slot = 0; slot < MP_PCI_SLOTS; slot++) {
		for (unsigned int pin = 1; pin <= MP_PCI_PINS; pin++) {
			*(struct mpc_intsrc *)p = (struct mpc_intsrc){
				.type = MP_INTSRC, .irqtype = MP_INT,
				.srcbus = BUS_ID_PCI,
				.srcbusirq = slot << 2 | (pin - 1),
				.dstapic = ioapic_id,
				.dstirq = vm_pci_intx_gsi(slot, pin),
			};
			p += sizeof(struct mpc_intsrc);
			count++;
		}
	}
	*(struct mpc_intsrc *)p = (struct mpc_intsrc){
		.type = MP_LINTSRC, .irqtype = MP_EXTINT, .srcbus = BUS_ID_ISA,
		.dstapic = 0, .dstirq = 0,
	};
	p += sizeof(struct mpc_intsrc);
	*(struct mpc_intsrc *)p = (struct mpc_intsrc){
		.type = MP_LINTSRC, .irqtype = MP_NMI, .srcbus = BUS_ID_ISA,
		.dstapic = 0xff, .dstirq = 1,
	};
	p += sizeof(struct mpc_intsrc);
	count += 2;

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = p - (uint8_t *)mpc;
	mpc->spec = MPC_SPEC_REV;
	memcpy(mpc->oem, "IOPASS  ", 8);
	memcpy(mpc->productid, "IOPASS VMM  ", 12);
	mpc->oemcount = count;
	mpc->lapic = LAPIC_BASE;
	mpc->checksum = table_checksum(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = BIOS_AREA_BASE + sizeof(*mpf);
	mpf->length = 1;
	mpf->specification = MPC_SPEC_REV;
	mpf->checksum = table_checksum(mpf, sizeof(*mpf));
	return 0;
}
