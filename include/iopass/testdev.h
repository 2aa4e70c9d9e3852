/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between iopass's VMM and the freestanding test guest
 * (tests/guest/). Constants only: the guest includes this without a libc.
 *
 * The iopass test device is a PCI function the VMM puts on its bus so that
 * the guest can check enumeration, BAR placement, capability walking, MMIO
 * and PIO round trips and MSI delivery through a KVM irqfd.
 */
#ifndef IOPASS_TESTDEV_H
#define IOPASS_TESTDEV_H

#define TESTDEV_VENDOR		0x1234
#define TESTDEV_DEVICE		0x10a5
#define TESTDEV_CLASS		0xff0000	/* unassigned class */

/*
 * BAR0: 4 KiB, 32-bit, non-prefetchable MMIO, trapped by the VMM. Registers
 * are 32 bits wide; a 1- or 2-byte write updates only those bytes (of
 * SCRATCH, INVERT and the PIO echo alike).
 */
#define TESTDEV_BAR0_SIZE	0x1000
#define TESTDEV_REG_ID		0x00	/* RO: TESTDEV_ID_VALUE */
#define TESTDEV_REG_SCRATCH	0x04	/* RW */
#define TESTDEV_REG_INVERT	0x08	/* write X, read ~X */
#define TESTDEV_REG_IRQ_RAISE	0x0c	/* WO: any write raises the MSI */
/*
 * RO: writes to IRQ_RAISE so far, counted even while MSI is disabled, when
 * no interrupt is sent (and none is left pending to fire on enable).
 */
#define TESTDEV_REG_IRQ_COUNT	0x10
#define TESTDEV_ID_VALUE	0x494f5041	/* "IOPA" */

/*
 * BAR2: 2 MiB, 64-bit, prefetchable, backed by host memory that the VMM maps
 * into the guest as a KVM memory slot while memory decoding is on (the path
 * a VFIO BAR takes). Word at offset o initially holds o ^ TESTDEV_BAR2_SEED.
 */
#define TESTDEV_BAR2_SIZE	0x200000
#define TESTDEV_BAR2_SEED	0xa5a5a5a5u

/* BAR4: 32 bytes of I/O ports, trapped. */
#define TESTDEV_BAR4_SIZE	0x20
#define TESTDEV_PIO_ECHO	0x00	/* RW: reads what was written */

/*
 * Capability list: a vendor-specific capability (id 0x09, 8 bytes) at 0x40
 * then MSI (64-bit address, one vector) at 0x50, then the end of the list.
 */
#define TESTDEV_CAP_VNDR	0x40
#define TESTDEV_CAP_MSI		0x50

/*
 * I/O port 0xf4, 32-bit OUT: the guest's exit status (0 = all suites
 * passed). The same port as QEMU's isa-debug-exit so QEMU can run the guest
 * too (QEMU exits with (status << 1) | 1).
 */
#define TESTGUEST_EXIT_PORT	0xf4

/* Port 0x80: the POST port. A no-op for both VMMs: the PIO exit benchmark. */
#define TESTGUEST_BENCH_PORT	0x80

#endif
