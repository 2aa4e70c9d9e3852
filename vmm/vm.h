/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm/ internal interface: the VM, its address spaces and the guest physical
 * memory map. Device models (serial, PCI, testdev, virtio-pci, and vfio/ via
 * include/iopass/vmm.h) register I/O handlers here.
 */
#ifndef IOPASS_VMM_VM_H
#define IOPASS_VMM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "iopass/util.h"
#include "iopass/vmm.h"

/*
 * Guest physical memory map (x86-64):
 *   0 .. 640 KiB, 1 MiB .. MEM_32BIT_END   RAM (low part)
 *   0xb0000000 .. 0xc0000000               PCIe ECAM, buses 0-255
 *   0xc0000000 .. 0xfec00000               32-bit PCI MMIO window
 *   0xfec00000                             IOAPIC
 *   0xfee00000                             LAPIC (MSI address window)
 *   4 GiB .. 4 GiB + (RAM above MEM_32BIT_END)  RAM (high part)
 *   0x8000000000 .. +64 GiB                64-bit PCI MMIO window
 * I/O ports 0xc000..0xffff are the PCI I/O BAR window.
 */
#define MEM_32BIT_END		0xb0000000ULL
#define PCI_ECAM_BASE		0xb0000000ULL
#define PCI_ECAM_SIZE		0x10000000ULL
#define PCI_MMIO32_BASE		0xc0000000ULL
#define PCI_MMIO32_END		0xfec00000ULL
#define IOAPIC_BASE		0xfec00000ULL
#define LAPIC_BASE		0xfee00000ULL
#define MEM_HIGH_BASE		0x100000000ULL
#define PCI_MMIO64_BASE		0x8000000000ULL
#define PCI_MMIO64_SIZE		0x1000000000ULL
#define PCI_PIO_BASE		0xc000
#define PCI_PIO_END		0x10000

struct vm;
struct vcpu;

/*
 * An access the guest made to a trapped range. addr is the offset into the
 * registered range; data holds len bytes (1, 2, 4 or 8), little-endian.
 */
typedef void (*io_fn)(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		      uint32_t len, bool is_write, void *opaque);

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len, io_fn fn,
		    void *opaque);
int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len, io_fn fn,
		     void *opaque);
int vm_unregister_pio(struct vm *vm, uint16_t base);
int vm_unregister_mmio(struct vm *vm, uint64_t base);

int vm_fd(struct vm *vm);

#endif
