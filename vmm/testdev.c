// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iopass test device (include/iopass/testdev.h): trapped MMIO registers
 * in BAR0, 2 MiB of host memory mapped into the guest as BAR2 (the path a
 * VFIO BAR takes), a trapped PIO echo register in BAR4, and one MSI vector
 * that IRQ_RAISE sends through an eventfd bound to a KVM irqfd, so that the
 * interrupt reaches the guest the way an assigned device's would.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iopass/testdev.h"
#include "pci.h"
#include "testdev.h"
#include "vm.h"

#define PCI_CAP_ID_VNDR		0x09
#define MSI_CAP_LEN		14

struct testdev {
	struct pci_device *pci;
	uint32_t scratch;	/* atomics: any vCPU, no lock */
	uint32_t invert;
	uint32_t echo;
	uint32_t irq_count;

	uint8_t *bar2;		/* TESTDEV_BAR2_SIZE, host memory */
	int bar2_slot;		/* KVM slot while mapped, else -1 */

	pthread_mutex_t irq_lock;	/* the MSI route and irqfd */
	int efd;
	bool routed;		/* route exists and the irqfd is assigned */
	uint32_t gsi;
	struct pci_msi_msg msg;	/* as the route has it */
};

/*
 * A write narrower than the register updates its byte lanes (a PCI write
 * with byte enables); lanes outside the register are dropped.
 */
static void reg_write_lanes(uint32_t *reg, uint64_t off, const uint8_t *data,
			    uint32_t len)
{
	uint32_t old = __atomic_load_n(reg, __ATOMIC_RELAXED), val;

	do {
		val = old;
		for (uint32_t i = 0; i < len && off + i < 4; i++) {
			val &= ~(0xffu << (8 * (off + i)));
			val |= (uint32_t)data[i] << (8 * (off + i));
		}
	} while (!__atomic_compare_exchange_n(reg, &old, val, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

static void testdev_raise(struct testdev *td)
{
	uint64_t one = 1;

	pthread_mutex_lock(&td->irq_lock);
	__atomic_add_fetch(&td->irq_count, 1, __ATOMIC_RELAXED);
	/*
	 * Only with a route: a count left in the eventfd would fire the
	 * moment the irqfd is assigned, a spurious interrupt at MSI enable.
	 */
	if (td->routed && write(td->efd, &one, sizeof(one)) != sizeof(one))
		__atomic_sub_fetch(&td->irq_count, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&td->irq_lock);
}

static uint32_t reg_read(struct testdev *td, uint64_t reg)
{
	switch (reg) {
	case TESTDEV_REG_ID:
		return TESTDEV_ID_VALUE;
	case TESTDEV_REG_SCRATCH:
		return __atomic_load_n(&td->scratch, __ATOMIC_RELAXED);
	case TESTDEV_REG_INVERT:
		return ~__atomic_load_n(&td->invert, __ATOMIC_RELAXED);
	case TESTDEV_REG_IRQ_COUNT:
		return __atomic_load_n(&td->irq_count, __ATOMIC_RELAXED);
	default:
		return 0;
	}
}

/*
 * Registers are 32-bit; a narrower access reaches the bytes of the dword it
 * falls in, a wider one two dwords. IRQ_RAISE takes any write to it.
 */
static void bar0_access(struct pci_device *dev, int bar, uint64_t off,
			uint8_t *data, uint32_t len, bool is_write)
{
	struct testdev *td = pci_device_opaque(dev);

	(void)bar;
	if (!is_write) {
		for (uint32_t i = 0; i < len; i++) {
			uint64_t o = off + i;

			data[i] = reg_read(td, o & ~3ULL) >> (8 * (o & 3));
		}
		return;
	}
	while (len) {
		uint32_t n = 4 - (off & 3) < len ? 4 - (off & 3) : len;

		switch (off & ~3ULL) {
		case TESTDEV_REG_SCRATCH:
			reg_write_lanes(&td->scratch, off & 3, data, n);
			break;
		case TESTDEV_REG_INVERT:
			reg_write_lanes(&td->invert, off & 3, data, n);
			break;
		case TESTDEV_REG_IRQ_RAISE:
			testdev_raise(td);
			break;
		}
		off += n;
		data += n;
		len -= n;
	}
}

static void bar4_access(struct pci_device *dev, int bar, uint64_t off,
			uint8_t *data, uint32_t len, bool is_write)
{
	struct testdev *td = pci_device_opaque(dev);
	uint32_t v;

	(void)bar;
	if (is_write) {
		if (off < TESTDEV_PIO_ECHO + 4)
			reg_write_lanes(&td->echo, off, data, len);
		return;
	}
	v = __atomic_load_n(&td->echo, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		data[i] = o < 4 ? v >> (8 * o) : 0;
	}
}

static int testdev_bar_map(struct pci_device *dev, int bar, uint64_t addr,
			   uint64_t size)
{
	struct testdev *td = pci_device_opaque(dev);
	struct vm *vm = pci_device_vm(dev);
	int slot;

	if (bar != 2 || !vm)
		return 0;
	slot = vm_map_user_memory(vm, addr, size, td->bar2, false);
	if (slot < 0)
		return slot;
	td->bar2_slot = slot;
	return 0;
}

static void testdev_bar_unmap(struct pci_device *dev, int bar, uint64_t addr,
			      uint64_t size)
{
	struct testdev *td = pci_device_opaque(dev);

	(void)addr;
	(void)size;
	if (bar != 2 || td->bar2_slot < 0)
		return;
	vm_unmap_user_memory(pci_device_vm(dev), td->bar2_slot);
	td->bar2_slot = -1;
}

/* Under irq_lock. */
static void msi_unroute(struct testdev *td, struct vm *vm)
{
	uint64_t drain;

	if (!td->routed)
		return;
	irq_irqfd_deassign(vm, td->efd, td->gsi);
	irq_msi_route_del(vm, td->gsi);
	/* Nothing raised while routed may fire after a later enable. */
	while (read(td->efd, &drain, sizeof(drain)) > 0)
		;
	td->routed = false;
}

/* Under irq_lock: make the route match what the guest programmed. */
static void msi_sync(struct testdev *td, const struct pci_msi_msg *msg)
{
	struct vm *vm = pci_device_vm(td->pci);
	int ret;

	if (!msg->enabled || !vm) {
		msi_unroute(td, vm);
		td->msg = *msg;
		return;
	}
	if (td->routed) {
		if (msg->addr == td->msg.addr && msg->data == td->msg.data)
			return;
		if (!irq_msi_route_update(vm, td->gsi, msg->addr, msg->data)) {
			td->msg = *msg;
			return;
		}
		msi_unroute(td, vm);
	}
	ret = irq_msi_route_add(vm, msg->addr, msg->data, &td->gsi);
	if (ret)
		return;		/* TODO: no way to tell the guest; it sees no MSI */
	if (irq_irqfd_assign(vm, td->efd, td->gsi, -1)) {
		irq_msi_route_del(vm, td->gsi);
		return;
	}
	td->routed = true;
	td->msg = *msg;
}

static void testdev_cfg_write(struct pci_device *dev, uint32_t off,
			      uint32_t len, uint32_t val)
{
	struct testdev *td = pci_device_opaque(dev);
	struct pci_msi_msg msg;

	(void)val;
	if (off >= TESTDEV_CAP_MSI + MSI_CAP_LEN || off + len <= TESTDEV_CAP_MSI)
		return;
	pci_msi_get(dev, TESTDEV_CAP_MSI, &msg);
	pthread_mutex_lock(&td->irq_lock);
	msi_sync(td, &msg);
	pthread_mutex_unlock(&td->irq_lock);
}

static void testdev_reset(struct pci_device *dev)
{
	struct testdev *td = pci_device_opaque(dev);

	pthread_mutex_lock(&td->irq_lock);
	msi_unroute(td, pci_device_vm(dev));
	pthread_mutex_unlock(&td->irq_lock);
}

static const struct pci_device_ops testdev_ops = {
	.cfg_write = testdev_cfg_write,
	.bar_map = testdev_bar_map,
	.bar_unmap = testdev_bar_unmap,
	.reset = testdev_reset,
};

static int testdev_setup_cfg(struct testdev *td)
{
	struct pci_device *d = td->pci;
	int ret;

	pci_device_set_ids(d, TESTDEV_VENDOR, TESTDEV_DEVICE, TESTDEV_CLASS,
			   0, TESTDEV_VENDOR, TESTDEV_DEVICE);
	ret = pci_device_add_bar(d, 0, TESTDEV_BAR0_SIZE, 0, bar0_access);
	if (!ret)
		ret = pci_device_add_bar(d, 2, TESTDEV_BAR2_SIZE,
					 PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					 NULL);
	if (!ret)
		ret = pci_device_add_bar(d, 4, TESTDEV_BAR4_SIZE, PCI_BAR_IO,
					 bar4_access);
	if (ret)
		return ret;
	ret = pci_cap_add(d, PCI_CAP_ID_VNDR, 8, TESTDEV_CAP_VNDR);
	if (ret < 0)
		return ret;
	pci_cfg_set(d, TESTDEV_CAP_VNDR + 2, 1, 8);	/* length */
	pci_cfg_set(d, TESTDEV_CAP_VNDR + 4, 4, TESTDEV_ID_VALUE);
	ret = pci_cap_add_msi(d, TESTDEV_CAP_MSI, 0, true);
	return ret < 0 ? ret : 0;
}

int testdev_create(struct pci_bus *bus, struct testdev **out,
		   struct errbuf *eb)
{
	struct testdev *td;
	uint32_t *w;
	int ret;

	td = calloc(1, sizeof(*td));
	if (!td)
		return errbuf_set(eb, -ENOMEM, "testdev: out of memory");
	td->bar2_slot = -1;
	pthread_mutex_init(&td->irq_lock, NULL);
	td->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (td->efd < 0) {
		ret = errbuf_set(eb, -errno, "testdev: eventfd: %s",
				 strerror(errno));
		goto err_free;
	}
	td->bar2 = mmap(NULL, TESTDEV_BAR2_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (td->bar2 == MAP_FAILED) {
		ret = errbuf_set(eb, -errno, "testdev: BAR2 memory: %s",
				 strerror(errno));
		goto err_efd;
	}
	w = (uint32_t *)td->bar2;
	for (uint32_t o = 0; o < TESTDEV_BAR2_SIZE; o += 4)
		w[o / 4] = o ^ TESTDEV_BAR2_SEED;

	ret = pci_device_create_on(bus, "testdev", &testdev_ops, td, &td->pci,
				   eb);
	if (ret)
		goto err_unmap;
	ret = testdev_setup_cfg(td);
	if (ret) {
		errbuf_set(eb, ret, "testdev: config space: %s",
			   strerror(-ret));
		goto err_dev;
	}
	ret = pci_device_register(td->pci, eb);
	if (ret)
		goto err_dev;
	if (out)
		*out = td;
	return 0;

err_dev:
	pci_device_destroy(td->pci);
err_unmap:
	munmap(td->bar2, TESTDEV_BAR2_SIZE);
err_efd:
	close(td->efd);
err_free:
	pthread_mutex_destroy(&td->irq_lock);
	free(td);
	return ret;
}

void testdev_destroy(struct testdev *td)
{
	if (!td)
		return;
	pthread_mutex_lock(&td->irq_lock);
	msi_unroute(td, pci_device_vm(td->pci));
	pthread_mutex_unlock(&td->irq_lock);
	pci_device_destroy(td->pci);
	munmap(td->bar2, TESTDEV_BAR2_SIZE);
	close(td->efd);
	pthread_mutex_destroy(&td->irq_lock);
	free(td);
}

static void testdev_destroy_cb(void *arg)
{
	testdev_destroy(arg);
}

int testdev_init(struct vm *vm, struct errbuf *eb)
{
	struct pci_bus *bus = vm_pci_bus(vm);
	struct testdev *td;
	int ret;

	if (!bus)
		return errbuf_set(eb, -ENODEV, "testdev: the VM has no PCI bus "
				  "(call pci_bus_init first)");
	ret = testdev_create(bus, &td, eb);
	if (ret)
		return ret;
	ret = pci_bus_on_exit(bus, testdev_destroy_cb, td);
	if (ret) {
		testdev_destroy(td);
		return errbuf_set(eb, ret, "testdev: too many devices");
	}
	return 0;
}
