/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's edu teaching device (1234:11e8; QEMU docs/specs/edu.rst): an
 * identification and liveness register, a factorial unit, an interrupt
 * status/raise/ack triple and a DMA engine that copies between a bus
 * address and a 4 KiB buffer inside the device. Shared by the edu suite and
 * bench=edu-irq.
 */
#ifndef GUEST_EDU_H
#define GUEST_EDU_H

#include "pci.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_BAR0_SIZE		0x100000

/* Registers below 0x80 take only 32-bit accesses. */
#define EDU_REG_ID		0x00	/* 0xRRrr00ed: major, minor */
#define  EDU_ID_MAGIC		0xffff
#define  EDU_ID_VALUE		0x00ed
#define EDU_REG_LIVE		0x04	/* write X, read ~X */
#define EDU_REG_FACT		0x08	/* write n, read n! when not busy */
#define EDU_REG_STATUS		0x20
#define  EDU_STATUS_BUSY	0x01	/* computing the factorial */
#define  EDU_STATUS_IRQFACT	0x80	/* raise EDU_IRQ_FACT when done */
#define EDU_REG_IRQ_STATUS	0x24	/* RO: OR of the raised values */
#define EDU_REG_IRQ_RAISE	0x60	/* WO: OR into status, send the irq */
#define EDU_REG_IRQ_ACK		0x64	/* WO: clear these status bits */
#define  EDU_IRQ_FACT		0x001
#define  EDU_IRQ_DMA		0x100
/* 32- or 64-bit accesses; a 32-bit write sets the whole (zero-extended). */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define  EDU_DMA_START		0x1	/* reads 1 until the copy is done */
#define  EDU_DMA_TO_RAM		0x2	/* 0: bus address -> device buffer */
#define  EDU_DMA_IRQ		0x4	/* raise EDU_IRQ_DMA when done */
/*
 * The device buffer. A transfer must lie inside it: QEMU 7.2 stops the
 * whole machine (hw_error) on one that does not, and its bounds check is
 * off by one: a transfer may not touch the buffer's last byte (seen: 4096
 * bytes at 0x40000 is "out of bounds"). Every transfer here ends before
 * EDU_BUF + EDU_XFER_END.
 */
#define EDU_BUF			0x40000
#define EDU_BUF_SIZE		4096
#define EDU_XFER_END		(EDU_BUF_SIZE - 1)
/* edu masks bus addresses to 28 bits (its dma_mask default). */
#define EDU_DMA_LIMIT		(1ull << 28)

#define EDU_VECTOR		0x41

struct edu {
	struct pci_dev *pci;
	uint64_t bar0;
	/* Filled by the interrupt handler. */
	volatile unsigned int irqs;
	volatile uint32_t status_seen;	/* OR of IRQ_STATUS at each irq */
};

/* Finds edu, turns on memory decoding and bus mastering. -1: not there. */
int edu_open(struct edu *e);
/*
 * Enables the LAPIC and edu's MSI to EDU_VECTOR with a handler that counts
 * the interrupt, reads IRQ_STATUS and acknowledges exactly those bits.
 * Returns a negative code from lapic_init, or -4 without an MSI capability.
 */
int edu_irq_enable(struct edu *e);

static inline uint32_t edu_read(const struct edu *e, uint32_t reg)
{
	return mmio_read32(e->bar0 + reg);
}

static inline void edu_write(const struct edu *e, uint32_t reg, uint32_t v)
{
	mmio_write32(e->bar0 + reg, v);
}

#endif
