// SPDX-License-Identifier: GPL-2.0-only
/*
 * BARs: placement in the VM's windows (as firmware would), sizing through
 * the writable-bit mask (writing ~0 reads back the size mask with the
 * read-only type bits), and decoding: a BAR decodes when its command bit is
 * on and it holds a usable address; any change unmaps it from where it was
 * and maps it where it is now.
 */
#include <errno.h>
#include <string.h>

#include "pci.h"
#include "vm.h"

#define PCI_COMMAND_IO		0x1
#define PCI_COMMAND_MEMORY	0x2
#define BAR_REG(i)		(0x10 + 4 * (i))
#define BAR_UPPER		(1u << 31)	/* internal: high dword of a 64-bit BAR */
#define MEM_BAR_MIN		0x1000
#define IO_BAR_MIN		4
#define IO_BAR_MAX		256
/* Beyond any guest physical address width KVM accepts. */
#define MEM_ADDR_LIMIT		(1ULL << 52)

void pci_window_init(struct pci_window *w, uint64_t base, uint64_t end)
{
	w->base = base;
	w->end = end;
	w->next = base;
}

int pci_window_alloc(struct pci_window *w, uint64_t size, uint64_t *addr)
{
	uint64_t a;

	if (!size || (size & (size - 1)))
		return -EINVAL;
	a = (w->next + size - 1) & ~(size - 1);
	if (a < w->next || a >= w->end || size > w->end - a)
		return -ENOSPC;
	w->next = a + size;
	*addr = a;
	return 0;
}

static uint64_t roundup_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p)
		p <<= 1;
	return p;
}

int pci_device_add_bar(struct pci_device *dev, int bar, uint64_t size,
		       unsigned int flags, pci_bar_fn fn)
{
	bool io = flags & PCI_BAR_IO, mem64 = flags & PCI_BAR_MEM64;
	uint64_t mask;
	uint32_t lo;

	if (bar < 0 || bar >= PCI_NUM_BARS || dev->registered || !size)
		return -EINVAL;
	if (io && (flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH)))
		return -EINVAL;
	if (mem64 && bar == PCI_NUM_BARS - 1)
		return -EINVAL;
	if (dev->bars[bar].size || dev->bars[bar].flags ||
	    (mem64 && (dev->bars[bar + 1].size || dev->bars[bar + 1].flags)))
		return -EBUSY;
	if (bar > 0 && (dev->bars[bar - 1].flags & PCI_BAR_MEM64))
		return -EBUSY;
	size = roundup_pow2(size);
	if (io) {
		if (size > IO_BAR_MAX)
			return -EINVAL;
		if (size < IO_BAR_MIN)
			size = IO_BAR_MIN;
	} else {
		if (!size || (!mem64 && size > (1ULL << 31)) ||
		    size > PCI_MMIO64_SIZE)
			return -EINVAL;
		if (size < MEM_BAR_MIN)
			size = MEM_BAR_MIN;
	}

	mask = ~(size - 1);
	if (io) {
		lo = 0x1;
		pci_cfg_set_wmask(dev, BAR_REG(bar), 4, mask & 0xfffc);
	} else {
		lo = (mem64 ? 0x4 : 0x0) | (flags & PCI_BAR_PREFETCH ? 0x8 : 0);
		pci_cfg_set_wmask(dev, BAR_REG(bar), 4, mask & 0xfffffff0);
	}
	pci_cfg_set(dev, BAR_REG(bar), 4, lo);
	if (mem64) {
		pci_cfg_set(dev, BAR_REG(bar + 1), 4, 0);
		pci_cfg_set_wmask(dev, BAR_REG(bar + 1), 4, mask >> 32);
		dev->bars[bar + 1].flags = BAR_UPPER;
	}
	dev->bars[bar].size = size;
	dev->bars[bar].flags = flags;
	dev->bars[bar].fn = fn;
	return 0;
}

/* The address the BAR registers hold now. */
static uint64_t bar_addr(struct pci_device *dev, int i)
{
	struct pci_bar *b = &dev->bars[i];
	uint64_t a = pci_cfg_get(dev, BAR_REG(i), 4);

	if (b->flags & PCI_BAR_IO)
		return a & ~0x3ULL;
	a &= ~0xfULL;
	if (b->flags & PCI_BAR_MEM64)
		a |= (uint64_t)pci_cfg_get(dev, BAR_REG(i + 1), 4) << 32;
	return a;
}

/*
 * Usable: not 0 (unassigned), not the all-ones pattern a sizing probe
 * leaves, inside the address space the BAR's type can reach.
 */
static bool bar_addr_valid(const struct pci_bar *b, uint64_t a)
{
	uint64_t all_ones;

	if (!a || a & (b->size - 1))
		return false;
	if (b->flags & PCI_BAR_IO) {
		all_ones = 0xffff & ~(b->size - 1);
		return a != all_ones && a + b->size <= 0x10000;
	}
	if (b->flags & PCI_BAR_MEM64)
		all_ones = ~(b->size - 1);
	else
		all_ones = 0xffffffffULL & ~(b->size - 1);
	return a != all_ones && a < MEM_ADDR_LIMIT &&
	       b->size <= MEM_ADDR_LIMIT - a;
}

static void bar_trap(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		     uint32_t len, bool is_write, void *opaque)
{
	struct pci_bar *b = opaque;

	(void)vcpu;
	if (!len || addr >= b->size || len > b->size - addr) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	b->fn(b->dev, b->idx, addr, data, len, is_write);
}

static void bar_unmap(struct pci_device *dev, struct pci_bar *b)
{
	struct vm *vm = dev->bus->vm;

	if (!b->mapped)
		return;
	if (dev->ops && dev->ops->bar_unmap)
		dev->ops->bar_unmap(dev, b->idx, b->map_addr, b->size);
	if (b->fn && vm) {
		if (b->flags & PCI_BAR_IO)
			vm_unregister_pio(vm, b->map_addr);
		else
			vm_unregister_mmio(vm, b->map_addr);
	}
	b->mapped = false;
}

static int bar_map(struct pci_device *dev, struct pci_bar *b, uint64_t a)
{
	struct vm *vm = dev->bus->vm;
	int ret = 0;

	if (b->fn && vm) {
		if (b->flags & PCI_BAR_IO)
			ret = vm_register_pio(vm, a, b->size, bar_trap, b);
		else
			ret = vm_register_mmio(vm, a, b->size, bar_trap, b);
		if (ret)
			return ret;
	}
	if (dev->ops && dev->ops->bar_map) {
		ret = dev->ops->bar_map(dev, b->idx, a, b->size);
		if (ret) {
			if (b->fn && vm) {
				if (b->flags & PCI_BAR_IO)
					vm_unregister_pio(vm, a);
				else
					vm_unregister_mmio(vm, a);
			}
			return ret;
		}
	}
	b->mapped = true;
	b->map_addr = a;
	return 0;
}

/*
 * After a write to the command register or a BAR. A BAR the guest put
 * somewhere unusable (over another BAR, over RAM for a memory slot) simply
 * does not decode: the guest sees all-ones there, as on a real bus.
 */
void pci_bar_update(struct pci_device *dev)
{
	uint16_t cmd = pci_cfg_get(dev, 0x04, 2);

	if (!dev->registered)
		return;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];
		bool decode;
		uint64_t a;

		if (!b->size)
			continue;
		a = bar_addr(dev, i);
		decode = cmd & (b->flags & PCI_BAR_IO ? PCI_COMMAND_IO
						       : PCI_COMMAND_MEMORY);
		decode = decode && bar_addr_valid(b, a);
		if (b->mapped && (!decode || b->map_addr != a))
			bar_unmap(dev, b);
		if (decode && !b->mapped)
			bar_map(dev, b, a);
	}
}

void pci_bar_unmap_all(struct pci_device *dev)
{
	for (int i = 0; i < PCI_NUM_BARS; i++)
		if (dev->bars[i].size)
			bar_unmap(dev, &dev->bars[i]);
}

/*
 * Prefetchable 64-bit BARs go to the 64-bit window, everything else below
 * 4 GiB, as Linux would place them; decoding is turned on for the types
 * the device has.
 */
int pci_bar_place(struct pci_device *dev, struct errbuf *eb)
{
	struct pci_bus *bus = dev->bus;
	uint16_t cmd = 0;

	for (int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];
		struct pci_window *w;
		uint64_t a;
		int ret;

		if (!b->size)
			continue;
		if (b->flags & PCI_BAR_IO)
			w = &bus->pio;
		else if ((b->flags & PCI_BAR_MEM64) &&
			 (b->flags & PCI_BAR_PREFETCH))
			w = &bus->mmio64;
		else
			w = &bus->mmio32;
		ret = pci_window_alloc(w, b->size, &a);
		if (ret)
			return errbuf_set(eb, ret, "PCI device %s: no room for "
					  "BAR%d (%#llx bytes) in the %s window",
					  dev->name, i,
					  (unsigned long long)b->size,
					  w == &bus->pio ? "I/O" :
					  w == &bus->mmio64 ? "64-bit" :
					  "32-bit");
		pci_cfg_set(dev, BAR_REG(i), 4,
			    (uint32_t)a | pci_cfg_get(dev, BAR_REG(i), 4));
		if (b->flags & PCI_BAR_MEM64)
			pci_cfg_set(dev, BAR_REG(i + 1), 4, a >> 32);
		cmd |= b->flags & PCI_BAR_IO ? PCI_COMMAND_IO
					     : PCI_COMMAND_MEMORY;
	}
	pci_cfg_set(dev, 0x04, 2, pci_cfg_get(dev, 0x04, 2) | cmd);
	return 0;
}
