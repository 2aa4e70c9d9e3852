// SPDX-License-Identifier: GPL-2.0-only
/*
 * The edu device behind the vfio-user test server (see edu_dev.h). Unlike
 * QEMU's, the factorial and the DMA complete inside the register write that
 * starts them: a guest polling the busy bits sees them clear at once, which
 * edu.rst allows. A DMA outside the device buffer, or to guest memory the
 * client did not map, is refused (QEMU stops the machine on the first, and
 * the IOMMU faults the second) and counted; the command still completes so
 * that the guest does not hang.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "edu_dev.h"

#define EDU_ID			0x010000edu	/* version 1.0 */
#define STATUS_COMPUTING	0x01
#define STATUS_IRQFACT		0x80
#define IRQ_FACT		0x001
#define IRQ_DMA			0x100
#define DMA_START		0x1
#define DMA_TO_RAM		0x2
#define DMA_IRQ			0x4

/* Which config bits the guest may write (the rest are read-only). */
static uint8_t cfg_wmask[EDU_CFG_SIZE];

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void cfg_reset(struct edu_dev *e)
{
	uint8_t *c = e->cfg;

	memset(c, 0, EDU_CFG_SIZE);
	put16(c + PCI_VENDOR_ID, 0x1234);
	put16(c + PCI_DEVICE_ID, 0x11e8);
	put16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = 0x10;
	c[PCI_CLASS_PROG] = 0x00;
	put16(c + PCI_CLASS_DEVICE, 0x00ff);	/* unclassified, as QEMU's */
	put32(c + PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_MEMORY |
	      PCI_BASE_ADDRESS_MEM_TYPE_32);
	put16(c + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	put16(c + PCI_SUBSYSTEM_ID, 0x1100);
	c[PCI_CAPABILITY_LIST] = EDU_MSI_CAP;
	c[PCI_INTERRUPT_PIN] = 1;
	/* MSI: one vector, 64-bit address, no per-vector masking. */
	c[EDU_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	c[EDU_MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
	put16(c + EDU_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
}

static void cfg_wmask_init(void)
{
	uint8_t *m = cfg_wmask;

	memset(m, 0, EDU_CFG_SIZE);
	put16(m + PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	      PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
	      PCI_COMMAND_INTX_DISABLE);
	m[PCI_CACHE_LINE_SIZE] = 0xff;
	m[PCI_LATENCY_TIMER] = 0xff;
	m[PCI_INTERRUPT_LINE] = 0xff;
	/* A 1 MiB memory BAR: address bits 20 and up. */
	put32(m + PCI_BASE_ADDRESS_0, ~(uint32_t)(EDU_BAR0_SIZE - 1));
	put16(m + EDU_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE);
	put32(m + EDU_MSI_CAP + PCI_MSI_ADDRESS_LO, 0xfffffffc);
	put32(m + EDU_MSI_CAP + PCI_MSI_ADDRESS_HI, 0xffffffff);
	put16(m + EDU_MSI_CAP + PCI_MSI_DATA_64, 0xffff);
}

void edu_reset(struct edu_dev *e)
{
	cfg_reset(e);
	e->live = 0;
	e->fact = 0;
	e->status = 0;
	e->irq_status = 0;
	e->dma_src = e->dma_dst = e->dma_cnt = e->dma_cmd = 0;
	memset(e->buf, 0, sizeof(e->buf));
}

void edu_init(struct edu_dev *e, const struct edu_host *host)
{
	memset(e, 0, sizeof(*e));
	e->host = *host;
	cfg_wmask_init();
	edu_reset(e);
}

void edu_cfg_read(struct edu_dev *e, uint32_t off, void *buf, size_t len)
{
	memcpy(buf, e->cfg + off, len);
}

void edu_cfg_write(struct edu_dev *e, uint32_t off, const void *buf,
		   size_t len)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t m = cfg_wmask[off + i];

		e->cfg[off + i] = (e->cfg[off + i] & ~m) | (b[i] & m);
	}
}

static void edu_raise(struct edu_dev *e, uint32_t val)
{
	e->irq_status |= val;
	if (e->irq_status)
		e->host.irq_raise(e->host.opaque);
}

static uint32_t factorial(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

/* [addr, addr + len) inside the device buffer, without wrapping. */
static bool in_buf(uint64_t addr, uint64_t len)
{
	return addr >= EDU_BUF_ADDR && len <= EDU_BUF_SIZE &&
	       addr - EDU_BUF_ADDR <= EDU_BUF_SIZE - len;
}

static void edu_dma_run(struct edu_dev *e)
{
	bool to_ram = e->dma_cmd & DMA_TO_RAM;
	uint64_t dev = to_ram ? e->dma_src : e->dma_dst;
	uint64_t bus = (to_ram ? e->dma_dst : e->dma_src) & EDU_DMA_MASK;
	uint16_t cmd = get16(e->cfg + PCI_COMMAND);

	if (!in_buf(dev, e->dma_cnt)) {
		fprintf(stderr, "edu: DMA refused: 0x%llx+0x%llx is outside the device buffer\n",
			(unsigned long long)dev, (unsigned long long)e->dma_cnt);
		e->dma_faults++;
	} else if (!(cmd & PCI_COMMAND_MASTER)) {
		/* A real function cannot master the bus with this bit off. */
		fprintf(stderr, "edu: DMA refused: bus mastering is off in the command register\n");
		e->dma_faults++;
	} else if (e->dma_cnt &&
		   e->host.dma(e->host.opaque, bus, e->buf + (dev - EDU_BUF_ADDR),
			       e->dma_cnt, to_ram)) {
		fprintf(stderr, "edu: DMA fault: %s 0x%llx+0x%llx is not mapped %s by the client\n",
			to_ram ? "write to" : "read from",
			(unsigned long long)bus, (unsigned long long)e->dma_cnt,
			to_ram ? "writable" : "readable");
		e->dma_faults++;
	}
	e->dma_cmd &= ~(uint64_t)DMA_START;
	if (e->dma_cmd & DMA_IRQ)
		edu_raise(e, IRQ_DMA);
}

uint64_t edu_mmio_read(struct edu_dev *e, uint64_t off, unsigned int len)
{
	if ((len != 4 && len != 8) || (off < 0x80 && len != 4))
		return ~0ull;
	switch (off) {
	case 0x00:
		return EDU_ID;
	case 0x04:
		return e->live;
	case 0x08:
		return e->fact;
	case 0x20:
		return e->status;
	case 0x24:
		return e->irq_status;
	case 0x80:
		return e->dma_src;
	case 0x88:
		return e->dma_dst;
	case 0x90:
		return e->dma_cnt;
	case 0x98:
		return e->dma_cmd;
	default:
		return ~0ull;
	}
}

void edu_mmio_write(struct edu_dev *e, uint64_t off, unsigned int len,
		    uint64_t val)
{
	if ((len != 4 && len != 8) || (off < 0x80 && len != 4))
		return;
	switch (off) {
	case 0x04:
		e->live = ~(uint32_t)val;
		break;
	case 0x08:
		if (e->status & STATUS_COMPUTING)
			break;
		e->fact = factorial(val);
		if (e->status & STATUS_IRQFACT)
			edu_raise(e, IRQ_FACT);
		break;
	case 0x20:
		e->status = (e->status & ~STATUS_IRQFACT) |
			    (val & STATUS_IRQFACT);
		break;
	case 0x60:
		edu_raise(e, val);
		break;
	case 0x64:
		e->irq_status &= ~(uint32_t)val;
		break;
	case 0x80:
		e->dma_src = val;
		break;
	case 0x88:
		e->dma_dst = val;
		break;
	case 0x90:
		e->dma_cnt = val;
		break;
	case 0x98:
		e->dma_cmd = val;
		if (val & DMA_START)
			edu_dma_run(e);
		break;
	}
}
