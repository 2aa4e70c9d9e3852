/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm/ internal: the PCI bus (host bridge 00:00.0, config mechanism #1 at
 * 0xcf8/0xcfc and the ECAM window), BAR placement and decoding, capability
 * lists.
 *
 * How the core uses it (vm.c):
 *  1. After the in-kernel irqchip exists (KVM_CREATE_IRQCHIP) and before
 *     any vCPU runs:
 *         pci_bus_init(vm, eb);      bus, host bridge, 0xcf8-0xcff, ECAM,
 *                                    and the GSI routing table (irq.h)
 *         testdev_init(vm, eb);      vmm/testdev.h (later virtio, vfio)
 *     and pci_bus_exit(vm) at teardown, once the vCPUs have stopped and
 *     before guest memory and the VM fd go away; it also tears down the
 *     devices registered with pci_bus_on_exit().
 *     There is no finalize step: a device's BARs are placed (as firmware
 *     would) and decoding is enabled when it is registered.
 *  2. The bus and the interrupt router hang off struct vm through
 *     vm_pci_bus()/vm_set_pci_bus() and vm_irq_router()/vm_set_irq_router().
 *  3. vm_register_*, vm_unregister_* and vm_(un)map_user_memory are called
 *     from inside io handlers (a config write that moves a BAR or toggles
 *     decoding): iobus.c dispatches without holding vm->lock, as needed.
 *  4. Ports 0xcf8-0xcff are one range here (iobus wants a dword at 0xcf8
 *     inside one range), so port 0xcf9 (reset control) is handed on:
 *     pci_bus_set_cf9_handler() gets the 1-byte accesses to it (addr 0,
 *     vcpu NULL).
 *
 * Locking: bus->lock covers config space and BAR state; device ops run
 * under it. Order: bus->lock, then a device's own lock, then an MSI-X
 * table's lock, then the irq router's lock and vm->lock.
 */
#ifndef IOPASS_VMM_PCI_H
#define IOPASS_VMM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "iopass/util.h"
#include "iopass/vmm.h"
#include "vm.h"

struct vm;
struct pci_bus;
struct irq_router;

/* The core's accessors (vm.c). */
struct pci_bus *vm_pci_bus(struct vm *vm);
void vm_set_pci_bus(struct vm *vm, struct pci_bus *bus);
struct irq_router *vm_irq_router(struct vm *vm);
void vm_set_irq_router(struct vm *vm, struct irq_router *r);

int pci_bus_init(struct vm *vm, struct errbuf *eb);
void pci_bus_exit(struct vm *vm);

#define PCI_CFG_SIZE		4096	/* PCIe extended config space */
#define PCI_MAX_DEVS		32	/* bus 0, function 0 only */

/* Where BARs go. A bump allocator: devices are never unplugged. */
struct pci_window {
	uint64_t base;
	uint64_t end;		/* exclusive */
	uint64_t next;
};

void pci_window_init(struct pci_window *w, uint64_t base, uint64_t end);
/* size: a power of two; the result is size-aligned. -ENOSPC when full. */
int pci_window_alloc(struct pci_window *w, uint64_t size, uint64_t *addr);

struct pci_bar {
	struct pci_device *dev;
	int idx;
	uint64_t size;		/* 0: not implemented */
	unsigned int flags;	/* PCI_BAR_* */
	pci_bar_fn fn;		/* trapped when set */
	bool mapped;		/* decoding at map_addr */
	uint64_t map_addr;
};

struct pci_device {
	struct pci_bus *bus;
	char name[32];
	uint8_t devfn;
	bool registered;
	const struct pci_device_ops *ops;
	void *opaque;
	struct pci_bar bars[PCI_NUM_BARS];
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may change */
	uint8_t w1cmask[PCI_CFG_SIZE];	/* bits a 1 write clears */
	uint8_t cfg_reset[PCI_CFG_SIZE];	/* cfg as registered */
	uint8_t cap_used[256 / 8];	/* bytes taken by capabilities */
};

struct pci_bus {
	struct vm *vm;			/* NULL: no VM (unit tests, fuzzing) */
	pthread_mutex_t lock;		/* config space and BAR state */
	uint32_t cf8;			/* config mechanism #1 address latch */
	struct pci_device *devs[PCI_MAX_DEVS];
	struct pci_device *host_bridge;
	struct pci_window mmio32, mmio64, pio;
	io_fn cf9_fn;			/* the core's reset control */
	void *cf9_opaque;
	/* What pci_bus_exit() tears down (devices made by *_init(vm)). */
	struct {
		void (*fn)(void *arg);
		void *arg;
	} cleanup[PCI_MAX_DEVS];
	int ncleanup;
};

/*
 * A bus without the VM side effects when vm is NULL: nothing is registered
 * with KVM, but BAR map/unmap callbacks still run. pci_bus_init() is this
 * plus the port/ECAM handlers and the interrupt router.
 */
int pci_bus_create(struct vm *vm, struct pci_bus **out, struct errbuf *eb);
void pci_bus_destroy(struct pci_bus *bus);

/*
 * Device creation on an explicit bus (the public pci_device_create() looks
 * the bus up from the VM).
 */
int pci_device_create_on(struct pci_bus *bus, const char *name,
			  const struct pci_device_ops *ops, void *opaque,
			  struct pci_device **out, struct errbuf *eb);

/*
 * Config space access as the guest makes it. bdf = bus << 8 | devfn. Any
 * off/len is accepted: bytes outside the function's 4 KiB, or a missing
 * function, read as 0xff and ignore writes. len is 1..4.
 */
uint32_t pci_bus_cfg_read(struct pci_bus *bus, uint16_t bdf, uint32_t off,
			  uint32_t len);
void pci_bus_cfg_write(struct pci_bus *bus, uint16_t bdf, uint32_t off,
		       uint32_t len, uint32_t val);

/*
 * Runs fn(arg) at pci_bus_exit(), last added first: the devices the VM
 * creation made (testdev_init) go with the bus.
 */
int pci_bus_on_exit(struct pci_bus *bus, void (*fn)(void *arg), void *arg);

/*
 * Port 0xcf9 (reset control) sits inside the 0xcf8 dword this file claims:
 * the core's reset handler gets the byte accesses to it (addr 0, len 1).
 */
void pci_bus_set_cf9_handler(struct pci_bus *bus, io_fn fn, void *opaque);

/* The raw port (0xcf8 + addr) and ECAM (PCI_ECAM_BASE + addr) handlers. */
void pci_bus_pio_access(struct pci_bus *bus, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write);
void pci_bus_ecam_access(struct pci_bus *bus, uint64_t addr, uint8_t *data,
			 uint32_t len, bool is_write);

/* pci_bar.c, called with bus->lock held. */
int pci_bar_place(struct pci_device *dev, struct errbuf *eb);
void pci_bar_update(struct pci_device *dev);	/* after BAR/command writes */
void pci_bar_unmap_all(struct pci_device *dev);
void pci_bar_reset(struct pci_device *dev);


#endif
