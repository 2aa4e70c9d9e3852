// SPDX-License-Identifier: GPL-2.0-only
/*
 * irq: MSI from the test device to this CPU, the path an assigned device's
 * interrupt takes through a KVM irqfd. Each raise must bring exactly one
 * interrupt on our vector, the device's count must agree, and nothing may
 * arrive while MSI is disabled, nor later when it is enabled again.
 */
#include "pci.h"
#include "iopass/testdev.h"

#define IRQ_VECTOR	0x40
#define IRQ_ROUNDS	8
/* Delivery is immediate in practice; these are only bounds. */
#define IRQ_TIMEOUT	200000000ull	/* cycles, ~0.1 s */
#define IRQ_QUIET	20000000ull	/* how long "nothing arrives" waits */

static volatile unsigned int hits;

static void irq_handler(struct trap_frame *f)
{
	(void)f;
	hits++;
	lapic_eoi();
}

static void irq_run(void)
{
	struct pci_dev *d = pci_find(TESTDEV_VENDOR, TESTDEV_DEVICE);
	unsigned int i, count0, count, hits0, unexpected0 = irq_unexpected;
	uint64_t bar0;
	int err;

	if (!d || !d->bar[0].base) {
		test_result_fail("irq", d ? "testdev BAR0 unassigned" :
				 "no testdev");
		return;
	}
	bar0 = d->bar[0].base;
	pci_enable(d, PCI_COMMAND_MEMORY);

	test_begin("irq.lapic");
	err = lapic_init();
	test_check(err != -1, "LAPIC in x2APIC mode");
	test_check(err != -2, "LAPIC not at 0xfee00000");
	test_check(err != -3, "cannot map the LAPIC");
	test_end();
	if (err)
		return;
	irq_set_handler(IRQ_VECTOR, irq_handler);

	test_begin("irq.msi");
	count0 = mmio_read32(bar0 + TESTDEV_REG_IRQ_COUNT);
	if (test_check(!msi_enable(d, IRQ_VECTOR), "no MSI capability")) {
		for (i = 0; i < IRQ_ROUNDS; i++) {
			mmio_write32(bar0 + TESTDEV_REG_IRQ_RAISE, 1);
			if (!test_check(irq_wait(&hits, i + 1, IRQ_TIMEOUT),
					"MSI %u of %u never arrived", i + 1,
					IRQ_ROUNDS))
				break;
		}
		/* A second delivery of the same raise would show up here. */
		irq_wait(&hits, IRQ_ROUNDS + 1, IRQ_QUIET);
		test_check(hits <= IRQ_ROUNDS, "%u interrupts for %u raises",
			   hits, IRQ_ROUNDS);
	}
	test_end();

	test_begin("irq.count");
	count = mmio_read32(bar0 + TESTDEV_REG_IRQ_COUNT) - count0;
	test_check(count == hits, "IRQ_COUNT rose by %u, handler ran %u times",
		   count, hits);
	test_check(irq_unexpected == unexpected0,
		   "%u interrupts on unexpected vectors",
		   irq_unexpected - unexpected0);
	test_end();

	/*
	 * Disabled, a raise is counted but sends nothing, and nothing is left
	 * pending to fire when MSI is enabled again (testdev.h).
	 */
	test_begin("irq.masked");
	msi_disable(d);
	count0 = mmio_read32(bar0 + TESTDEV_REG_IRQ_COUNT);
	hits0 = hits;
	mmio_write32(bar0 + TESTDEV_REG_IRQ_RAISE, 1);
	test_check(!irq_wait(&hits, hits0 + 1, IRQ_QUIET),
		   "interrupt with MSI disabled");
	count = mmio_read32(bar0 + TESTDEV_REG_IRQ_COUNT) - count0;
	test_check(count == 1, "IRQ_COUNT rose by %u for one raise", count);
	msi_enable(d, IRQ_VECTOR);
	test_check(!irq_wait(&hits, hits0 + 1, IRQ_QUIET),
		   "interrupt left pending fired on enable");
	msi_disable(d);
	test_end();
}

const struct suite suite_irq = {
	.name = "irq",
	.by_default = true,
	.run = irq_run,
};
