/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's edu teaching device (QEMU docs/specs/edu.rst), emulated for the
 * vfio-user test server: PCI config space with an MSI capability, BAR0 of
 * registers (identification, liveness, factorial, interrupt status/raise/
 * ack, DMA engine) and the 4 KiB DMA buffer. The device knows nothing of
 * sockets: DMA and interrupts go through the host callbacks.
 */
#ifndef VFIO_USER_EDU_DEV_H
#define VFIO_USER_EDU_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDU_CFG_SIZE		256
#define EDU_BAR0_SIZE		0x100000
#define EDU_MSI_CAP		0x40
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096
#define EDU_DMA_MASK		((1ull << 28) - 1)	/* edu's default dma_mask */

struct edu_host {
	/*
	 * Copies len bytes between guest memory at addr (an IOVA) and buf;
	 * to_ram: device -> guest. 0, or -EFAULT when the client did not map
	 * all of it with that permission (nothing is copied then).
	 */
	int (*dma)(void *opaque, uint64_t addr, void *buf, size_t len,
		   bool to_ram);
	/* An interrupt is raised (edge: MSI sends one message per raise). */
	void (*irq_raise)(void *opaque);
	void *opaque;
};

struct edu_dev {
	struct edu_host host;
	uint8_t cfg[EDU_CFG_SIZE];
	uint32_t live;
	uint32_t fact;
	uint32_t status;
	uint32_t irq_status;
	uint64_t dma_src, dma_dst, dma_cnt, dma_cmd;
	uint8_t buf[EDU_BUF_SIZE];
	unsigned long dma_faults;	/* DMAs refused: what the test checks */
};

void edu_init(struct edu_dev *e, const struct edu_host *host);
/* Registers and config space back to power-on (the buffer too). */
void edu_reset(struct edu_dev *e);

/* Config space: any offset/length inside it; writes honour the masks. */
void edu_cfg_read(struct edu_dev *e, uint32_t off, void *buf, size_t len);
void edu_cfg_write(struct edu_dev *e, uint32_t off, const void *buf,
		   size_t len);

/*
 * BAR0 registers: len 4 or 8 as edu allows (others read all ones and are
 * ignored), off inside the 1 MiB BAR.
 */
uint64_t edu_mmio_read(struct edu_dev *e, uint64_t off, unsigned int len);
void edu_mmio_write(struct edu_dev *e, uint64_t off, unsigned int len,
		    uint64_t val);

#endif
