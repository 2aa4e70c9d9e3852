// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local APIC in xAPIC (MMIO) mode and MSI programming: what it takes
 * for a device's MSI write to become an interrupt on this CPU.
 */
#include "pci.h"

#define LAPIC_BASE		0xfee00000ULL
#define MSR_APIC_BASE		0x1b
#define  APIC_BASE_EXTD		(1 << 10)	/* x2APIC mode */
#define  APIC_BASE_ENABLE	(1 << 11)
#define LAPIC_ID		0x020
#define LAPIC_TPR		0x080
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define  LAPIC_SVR_ENABLE	0x100
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_DIV		0x3e0
#define  LAPIC_DIV_1		0xb
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_ERROR		0x370
#define  LAPIC_LVT_MASKED	0x10000
#define SPURIOUS_VECTOR		0xff
#define IDLE_VECTOR		0xef	/* the one-shot wake-up of cpu_idle_us */

#define PIC1_DATA		0x21
#define PIC2_DATA		0xa1

#define MSI_CTRL		2
#define  MSI_CTRL_ENABLE	0x0001
#define  MSI_CTRL_MME		0x0070
#define  MSI_CTRL_64BIT		0x0080
#define MSI_ADDR_LO		4
#define MSI_ADDR_HI		8
#define MSI_DATA_32		8
#define MSI_DATA_64		12

#define MSIX_CTRL		2
#define  MSIX_CTRL_SIZE		0x07ff	/* table entries - 1 */
#define  MSIX_CTRL_MASKALL	0x4000
#define  MSIX_CTRL_ENABLE	0x8000
#define MSIX_TABLE		4	/* offset in the BAR | BIR */
#define  MSIX_TABLE_BIR		0x7
#define MSIX_ENTRY_SIZE		16
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	4
#define MSIX_ENTRY_DATA		8
#define MSIX_ENTRY_CTRL		12
#define  MSIX_ENTRY_MASKED	0x1

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

int lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (base & APIC_BASE_EXTD)
		return -1;
	if ((base & ~0xfffULL) != LAPIC_BASE)
		return -2;
	if (mm_map(LAPIC_BASE, 0x1000, MM_MMIO))
		return -3;
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	/*
	 * Firmware (SeaBIOS) leaves the 8259 in virtual-wire mode with the
	 * timer unmasked on vector 8: mask it at the PIC and at LINT0 so that
	 * sti brings only the interrupts we ask for.
	 */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | SPURIOUS_VECTOR);
	return 0;
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Fixed delivery, physical destination, edge: the plain MSI. */
static uint32_t msi_address(void)
{
	return LAPIC_BASE | lapic_id() << 12;
}

int msi_enable(struct pci_dev *d, uint8_t vector)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_ID_MSI);
	uint16_t ctrl;

	if (!cap)
		return -1;
	ctrl = pci_read16(d, cap + MSI_CTRL);
	pci_write32(d, cap + MSI_ADDR_LO, msi_address());
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(d, cap + MSI_ADDR_HI, 0);
		pci_write16(d, cap + MSI_DATA_64, vector);
	} else {
		pci_write16(d, cap + MSI_DATA_32, vector);
	}
	/* One vector (MME = 0), INTx off, bus mastering on: MSI is a DMA write. */
	pci_write16(d, cap + MSI_CTRL, (ctrl & ~MSI_CTRL_MME) | MSI_CTRL_ENABLE);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) |
		    PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	return 0;
}

void msi_disable(struct pci_dev *d)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_ID_MSI);

	if (cap)
		pci_write16(d, cap + MSI_CTRL,
			    pci_read16(d, cap + MSI_CTRL) & ~MSI_CTRL_ENABLE);
}

int msix_enable(struct pci_dev *d, unsigned int entry, uint8_t vector)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_ID_MSIX);
	uint16_t ctrl;
	uint32_t tbl;
	uint64_t e;
	struct pci_bar *bar;

	if (!cap)
		return -1;
	ctrl = pci_read16(d, cap + MSIX_CTRL);
	tbl = pci_read32(d, cap + MSIX_TABLE);
	if (entry > (ctrl & MSIX_CTRL_SIZE))
		return -2;
	if ((tbl & MSIX_TABLE_BIR) >= d->nbars)
		return -3;
	bar = &d->bar[tbl & MSIX_TABLE_BIR];
	if (!bar->base || bar->io || !bar->size)
		return -3;
	/* Enabled but masked as a whole while the entry is written. */
	pci_write16(d, cap + MSIX_CTRL,
		    ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	e = bar->base + (tbl & ~MSIX_TABLE_BIR) + entry * MSIX_ENTRY_SIZE;
	mmio_write32(e + MSIX_ENTRY_ADDR_LO, msi_address());
	mmio_write32(e + MSIX_ENTRY_ADDR_HI, 0);
	mmio_write32(e + MSIX_ENTRY_DATA, vector);
	mmio_write32(e + MSIX_ENTRY_CTRL, 0);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) |
		    PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	pci_write16(d, cap + MSIX_CTRL,
		    (ctrl & ~MSIX_CTRL_MASKALL) | MSIX_CTRL_ENABLE);
	return 0;
}

void msix_disable(struct pci_dev *d)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_ID_MSIX);

	if (cap)
		pci_write16(d, cap + MSIX_CTRL, pci_read16(d, cap + MSIX_CTRL) &
			    ~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL));
}

bool irq_wait(volatile unsigned int *count, unsigned int target,
	      uint64_t cycles)
{
	uint64_t t0 = rdtsc();
	bool ok = true;

	/* Interrupts are on only here, so a handler runs at known points. */
	asm volatile("sti" : : : "memory");
	while (*count < target) {
		if (rdtsc() - t0 > cycles) {
			ok = false;
			break;
		}
		cpu_relax();
	}
	asm volatile("cli" : : : "memory");
	return ok;
}

static void idle_timer(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
}

void cpu_idle_us(uint32_t us)
{
	static bool armed_handler;
	uint64_t flags;

	if (!armed_handler) {
		irq_set_handler(IDLE_VECTOR, idle_timer);
		lapic_write(LAPIC_TIMER_DIV, LAPIC_DIV_1);
		armed_handler = true;
	}
	/* One-shot; KVM's and QEMU's LAPIC timers both count nanoseconds. */
	lapic_write(LAPIC_LVT_TIMER, IDLE_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, us * 1000);
	asm volatile("pushfq; popq %0" : "=r"(flags));
	/* sti's one-instruction shadow: no interrupt slips in before hlt. */
	asm volatile("sti; hlt" : : : "memory");
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	if (!(flags & (1 << 9)))
		asm volatile("cli" : : : "memory");
}
