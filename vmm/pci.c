// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI bus 0: the host bridge at 00:00.0, configuration mechanism #1
 * (0xcf8 address latch, 0xcfc-0xcff data) and the ECAM window, and the
 * generic type 0 header every device gets: writable-bit and write-1-clear
 * masks, so that BAR sizing and read-only fields fall out of one write path.
 *
 * Everything a guest reaches here is bounds-checked at the byte: any port
 * or ECAM offset, any length, any config offset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irq.h"
#include "pci.h"
#include "vm.h"

#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_HEADER_END		0x40

/* The host bridge: Red Hat's "QEMU PCIe host bridge" ids, no driver needed. */
#define HOST_BRIDGE_VENDOR	0x1b36
#define HOST_BRIDGE_DEVICE	0x0008
#define HOST_BRIDGE_CLASS	0x060000

#define CF8_ENABLE		0x80000000u

static void cfg_put(uint8_t *space, uint32_t off, uint32_t len, uint32_t val)
{
	for (uint32_t i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
		space[off + i] = val >> (8 * i);
}

uint32_t pci_cfg_get(struct pci_device *dev, uint32_t off, uint32_t len)
{
	uint32_t val = 0;

	for (uint32_t i = 0; i < len && i < 4; i++)
		if (off < PCI_CFG_SIZE && i < PCI_CFG_SIZE - off)
			val |= (uint32_t)dev->cfg[off + i] << (8 * i);
	return val;
}

void pci_cfg_set(struct pci_device *dev, uint32_t off, uint32_t len,
		 uint32_t val)
{
	if (off < PCI_CFG_SIZE)
		cfg_put(dev->cfg, off, len > 4 ? 4 : len, val);
}

void pci_cfg_set_wmask(struct pci_device *dev, uint32_t off, uint32_t len,
		       uint32_t mask)
{
	if (off < PCI_CFG_SIZE)
		cfg_put(dev->wmask, off, len > 4 ? 4 : len, mask);
}

void pci_cfg_set_w1c(struct pci_device *dev, uint32_t off, uint32_t len,
		     uint32_t mask)
{
	if (off < PCI_CFG_SIZE)
		cfg_put(dev->w1cmask, off, len > 4 ? 4 : len, mask);
}

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b,
			   uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The guest's view. Under bus->lock; off < PCI_CFG_SIZE, len 1..4. */
static uint32_t dev_cfg_read(struct pci_device *dev, uint32_t off,
			     uint32_t len)
{
	uint32_t val;

	if (len > PCI_CFG_SIZE - off)
		len = PCI_CFG_SIZE - off;
	val = pci_cfg_get(dev, off, len);
	if (dev->ops && dev->ops->cfg_read)
		dev->ops->cfg_read(dev, off, len, &val);
	return val;
}

static void dev_cfg_write(struct pci_device *dev, uint32_t off, uint32_t len,
			  uint32_t val)
{
	if (len > PCI_CFG_SIZE - off)
		len = PCI_CFG_SIZE - off;
	for (uint32_t i = 0; i < len; i++) {
		uint32_t o = off + i;
		uint8_t b = val >> (8 * i);

		dev->cfg[o] = (dev->cfg[o] & ~dev->wmask[o]) |
			      (b & dev->wmask[o]);
		dev->cfg[o] &= ~(b & dev->w1cmask[o]);
	}
	if (ranges_overlap(off, len, PCI_COMMAND, 2) ||
	    ranges_overlap(off, len, 0x10, 4 * PCI_NUM_BARS))
		pci_bar_update(dev);
	if (dev->ops && dev->ops->cfg_write)
		dev->ops->cfg_write(dev, off, len, val);
}

static struct pci_device *bus_lookup(struct pci_bus *bus, uint16_t bdf)
{
	/* Bus 0, function 0 of each slot. */
	if ((bdf >> 8) || (bdf & 7))
		return NULL;
	return bus->devs[(bdf >> 3) & 31];
}

uint32_t pci_bus_cfg_read(struct pci_bus *bus, uint16_t bdf, uint32_t off,
			  uint32_t len)
{
	struct pci_device *dev;
	uint32_t val = 0xffffffff;

	if (!len || len > 4)
		return val;
	pthread_mutex_lock(&bus->lock);
	dev = off < PCI_CFG_SIZE ? bus_lookup(bus, bdf) : NULL;
	if (dev) {
		uint32_t n = len > PCI_CFG_SIZE - off ? PCI_CFG_SIZE - off
						      : len;

		val = dev_cfg_read(dev, off, n);
		if (n < 4)
			val |= 0xffffffffu << (8 * n);
	}
	pthread_mutex_unlock(&bus->lock);
	if (len < 4)
		val &= (1u << (8 * len)) - 1;
	return val;
}

void pci_bus_cfg_write(struct pci_bus *bus, uint16_t bdf, uint32_t off,
		       uint32_t len, uint32_t val)
{
	struct pci_device *dev;

	if (!len || len > 4 || off >= PCI_CFG_SIZE)
		return;
	pthread_mutex_lock(&bus->lock);
	dev = bus_lookup(bus, bdf);
	if (dev)
		dev_cfg_write(dev, off, len, val);
	pthread_mutex_unlock(&bus->lock);
}

static uint32_t le_get(const uint8_t *data, uint32_t len)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < len && i < 4; i++)
		v |= (uint32_t)data[i] << (8 * i);
	return v;
}

static void le_put(uint8_t *data, uint32_t len, uint32_t v)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = i < 4 ? v >> (8 * i) : 0xff;
}

/*
 * Ports 0xcf8-0xcff. addr 0-3: the address latch, dword accesses only
 * (byte 0xcf9 is the chipset's reset control, forwarded when the core
 * registered a handler). addr 4-7: the data window.
 */
void pci_bus_pio_access(struct pci_bus *bus, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write)
{
	uint32_t latch, off;

	if (!len || addr >= 8 || len > 8 - addr)
		return;
	if (addr < 4) {
		if (addr == 0 && len == 4) {
			if (is_write)
				__atomic_store_n(&bus->cf8, le_get(data, 4),
						 __ATOMIC_RELAXED);
			else
				le_put(data, 4, __atomic_load_n(&bus->cf8,
							__ATOMIC_RELAXED));
		} else if (addr == 1 && len == 1 && bus->cf9_fn) {
			bus->cf9_fn(NULL, 0, data, 1, is_write,
				    bus->cf9_opaque);
		} else if (!is_write) {
			le_put(data, len, 0xffffffff);
		}
		return;
	}
	latch = __atomic_load_n(&bus->cf8, __ATOMIC_RELAXED);
	if (!(latch & CF8_ENABLE) || len > 4) {
		if (!is_write)
			le_put(data, len, 0xffffffff);
		return;
	}
	off = (latch & 0xfc) + (addr - 4);
	if (is_write)
		pci_bus_cfg_write(bus, (latch >> 8) & 0xffff, off, len,
				  le_get(data, len));
	else
		le_put(data, len, pci_bus_cfg_read(bus, (latch >> 8) & 0xffff,
						   off, len));
}

/* PCI_ECAM_BASE + bus << 20 | devfn << 12 | register. */
void pci_bus_ecam_access(struct pci_bus *bus, uint64_t addr, uint8_t *data,
			 uint32_t len, bool is_write)
{
	uint16_t bdf = (addr >> 12) & 0xffff;
	uint32_t off = addr & 0xfff;

	if (!len || len > 8 || addr >= PCI_ECAM_SIZE)
		return;
	/* A qword is two dwords; nothing else may span a dword boundary. */
	if (len == 8 && !(off & 7)) {
		pci_bus_ecam_access(bus, addr, data, 4, is_write);
		pci_bus_ecam_access(bus, addr + 4, data + 4, 4, is_write);
		return;
	}
	if (len > 4 || (off & 3) + len > 4) {
		if (!is_write)
			le_put(data, len, 0xffffffff);
		return;
	}
	if (is_write)
		pci_bus_cfg_write(bus, bdf, off, len, le_get(data, len));
	else
		le_put(data, len, pci_bus_cfg_read(bus, bdf, off, len));
}

static void pio_handler(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write, void *opaque)
{
	(void)vcpu;
	pci_bus_pio_access(opaque, addr, data, len, is_write);
}

static void ecam_handler(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	(void)vcpu;
	pci_bus_ecam_access(opaque, addr, data, len, is_write);
}

int pci_bus_on_exit(struct pci_bus *bus, void (*fn)(void *arg), void *arg)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&bus->lock);
	if (bus->ncleanup < (int)ARRAY_SIZE(bus->cleanup)) {
		bus->cleanup[bus->ncleanup].fn = fn;
		bus->cleanup[bus->ncleanup].arg = arg;
		bus->ncleanup++;
		ret = 0;
	}
	pthread_mutex_unlock(&bus->lock);
	return ret;
}

void pci_bus_set_cf9_handler(struct pci_bus *bus, io_fn fn, void *opaque)
{
	bus->cf9_opaque = opaque;
	__atomic_store_n(&bus->cf9_fn, fn, __ATOMIC_RELEASE);
}

/* The generic type 0 header: what the guest may write in it. */
static void dev_init_header(struct pci_device *dev)
{
	pci_cfg_set_wmask(dev, PCI_COMMAND, 2, 0x0547);	/* IO MEM MASTER PERR SERR INTxD */
	pci_cfg_set_w1c(dev, PCI_STATUS, 2, 0xf900);
	pci_cfg_set_wmask(dev, 0x0c, 1, 0xff);		/* cache line size */
	pci_cfg_set_wmask(dev, 0x0d, 1, 0xff);		/* latency timer */
	pci_cfg_set_wmask(dev, 0x3c, 1, 0xff);		/* interrupt line */
}

int pci_device_create_on(struct pci_bus *bus, const char *name,
			  const struct pci_device_ops *ops, void *opaque,
			  struct pci_device **out, struct errbuf *eb)
{
	struct pci_device *dev;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return errbuf_set(eb, -ENOMEM, "PCI device %s: out of memory",
				  name);
	dev->bus = bus;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->ops = ops;
	dev->opaque = opaque;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		dev->bars[i].dev = dev;
		dev->bars[i].idx = i;
	}
	dev_init_header(dev);
	*out = dev;
	return 0;
}

int pci_device_create(struct vm *vm, const char *name,
		      const struct pci_device_ops *ops, void *opaque,
		      struct pci_device **out, struct errbuf *eb)
{
	struct pci_bus *bus = vm ? vm_pci_bus(vm) : NULL;

	if (!bus)
		return errbuf_set(eb, -ENODEV, "PCI device %s: the VM has no "
				  "PCI bus (pci_bus_init not called)", name);
	return pci_device_create_on(bus, name, ops, opaque, out, eb);
}

void pci_device_set_ids(struct pci_device *dev, uint16_t vendor,
			uint16_t device, uint32_t class_code, uint8_t revision,
			uint16_t subsys_vendor, uint16_t subsys)
{
	pci_cfg_set(dev, 0x00, 2, vendor);
	pci_cfg_set(dev, 0x02, 2, device);
	pci_cfg_set(dev, 0x08, 4, class_code << 8 | revision);
	pci_cfg_set(dev, 0x2c, 2, subsys_vendor);
	pci_cfg_set(dev, 0x2e, 2, subsys);
}

int pci_device_register(struct pci_device *dev, struct errbuf *eb)
{
	struct pci_bus *bus = dev->bus;
	int slot, ret;

	pthread_mutex_lock(&bus->lock);
	if (dev->registered) {
		ret = errbuf_set(eb, -EBUSY, "PCI device %s: registered twice",
				 dev->name);
		goto out;
	}
	for (slot = 0; slot < PCI_MAX_DEVS && bus->devs[slot]; slot++)
		;
	if (slot == PCI_MAX_DEVS) {
		ret = errbuf_set(eb, -ENOSPC, "PCI device %s: bus 0 is full "
				 "(%d slots); use fewer devices", dev->name,
				 PCI_MAX_DEVS);
		goto out;
	}
	memcpy(dev->cfg_reset, dev->cfg, PCI_CFG_SIZE);
	dev->devfn = slot << 3;
	ret = pci_bar_place(dev, eb);
	if (ret)
		goto out;
	bus->devs[slot] = dev;
	dev->registered = true;
	pci_bar_update(dev);
out:
	pthread_mutex_unlock(&bus->lock);
	return ret;
}

void pci_device_destroy(struct pci_device *dev)
{
	struct pci_bus *bus;

	if (!dev)
		return;
	bus = dev->bus;
	pthread_mutex_lock(&bus->lock);
	pci_bar_unmap_all(dev);
	if (dev->registered && bus->devs[dev->devfn >> 3] == dev)
		bus->devs[dev->devfn >> 3] = NULL;
	pthread_mutex_unlock(&bus->lock);
	free(dev);
}

void pci_device_reset(struct pci_device *dev)
{
	pthread_mutex_lock(&dev->bus->lock);
	pci_bar_unmap_all(dev);
	memcpy(dev->cfg, dev->cfg_reset, PCI_CFG_SIZE);
	if (dev->ops && dev->ops->reset)
		dev->ops->reset(dev);
	pthread_mutex_unlock(&dev->bus->lock);
}

uint32_t vm_pci_intx_gsi(unsigned int slot, unsigned int pin)
{
	/* ISA keeps pins 0-15; the swizzle spreads the slots over 16-23. */
	return 16 + ((slot + (pin ? pin - 1 : 0)) & 7);
}

void *pci_device_opaque(struct pci_device *dev)
{
	return dev->opaque;
}

struct vm *pci_device_vm(struct pci_device *dev)
{
	return dev->bus->vm;
}

void pci_device_addr(struct pci_device *dev, struct pci_addr *addr)
{
	addr->domain = 0;
	addr->bus = 0;
	addr->dev = dev->devfn >> 3;
	addr->fn = dev->devfn & 7;
}

bool pci_device_bar_addr(struct pci_device *dev, int bar, uint64_t *addr)
{
	bool mapped = false;

	if (bar < 0 || bar >= PCI_NUM_BARS)
		return false;
	pthread_mutex_lock(&dev->bus->lock);
	if (dev->bars[bar].mapped) {
		*addr = dev->bars[bar].map_addr;
		mapped = true;
	}
	pthread_mutex_unlock(&dev->bus->lock);
	return mapped;
}

int pci_bus_create(struct vm *vm, struct pci_bus **out, struct errbuf *eb)
{
	struct pci_bus *bus;
	int ret;

	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return errbuf_set(eb, -ENOMEM, "PCI bus: out of memory");
	bus->vm = vm;
	pthread_mutex_init(&bus->lock, NULL);
	pci_window_init(&bus->mmio32, PCI_MMIO32_BASE, PCI_MMIO32_END);
	pci_window_init(&bus->mmio64, PCI_MMIO64_BASE,
			PCI_MMIO64_BASE + PCI_MMIO64_SIZE);
	pci_window_init(&bus->pio, PCI_PIO_BASE, PCI_PIO_END);

	ret = pci_device_create_on(bus, "host-bridge", NULL, NULL,
				   &bus->host_bridge, eb);
	if (ret)
		goto err_free;
	pci_device_set_ids(bus->host_bridge, HOST_BRIDGE_VENDOR,
			   HOST_BRIDGE_DEVICE, HOST_BRIDGE_CLASS, 0, 0, 0);
	ret = pci_device_register(bus->host_bridge, eb);
	if (ret)
		goto err_bridge;
	*out = bus;
	return 0;

err_bridge:
	pci_device_destroy(bus->host_bridge);
err_free:
	pthread_mutex_destroy(&bus->lock);
	free(bus);
	return ret;
}

/*
 * Devices registered with pci_bus_on_exit() go first (newest first); any
 * other device still on the bus belongs to its owner, who must destroy it.
 */
void pci_bus_destroy(struct pci_bus *bus)
{
	if (!bus)
		return;
	while (bus->ncleanup > 0) {
		bus->ncleanup--;
		bus->cleanup[bus->ncleanup].fn(bus->cleanup[bus->ncleanup].arg);
	}
	pci_device_destroy(bus->host_bridge);
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

int pci_bus_init(struct vm *vm, struct errbuf *eb)
{
	struct pci_bus *bus;
	int ret;

	ret = irq_router_init(vm, eb);
	if (ret)
		return ret;
	ret = pci_bus_create(vm, &bus, eb);
	if (ret)
		goto err_irq;
	ret = vm_register_pio(vm, 0xcf8, 8, pio_handler, bus);
	if (ret) {
		errbuf_set(eb, ret, "PCI: cannot claim ports 0xcf8-0xcff: %s",
			   strerror(-ret));
		goto err_bus;
	}
	ret = vm_register_mmio(vm, PCI_ECAM_BASE, PCI_ECAM_SIZE, ecam_handler,
			       bus);
	if (ret) {
		errbuf_set(eb, ret, "PCI: cannot claim the ECAM window: %s",
			   strerror(-ret));
		goto err_pio;
	}
	vm_set_pci_bus(vm, bus);
	return 0;

err_pio:
	vm_unregister_pio(vm, 0xcf8);
err_bus:
	pci_bus_destroy(bus);
err_irq:
	irq_router_exit(vm);
	return ret;
}

void pci_bus_exit(struct vm *vm)
{
	struct pci_bus *bus = vm_pci_bus(vm);

	if (bus) {
		vm_unregister_mmio(vm, PCI_ECAM_BASE);
		vm_unregister_pio(vm, 0xcf8);
		vm_set_pci_bus(vm, NULL);
		pci_bus_destroy(bus);
	}
	irq_router_exit(vm);
}
