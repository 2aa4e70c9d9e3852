// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI bus, config space, BARs and capabilities on a bus without a VM, the
 * test device's config space, and the GSI routing table (for real when
 * /dev/kvm is there).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/kvm.h>

#include "iopass/testdev.h"
#include "vmm/irq.h"
#include "vmm/pci.h"
#include "vmm/testdev.h"

#define BDF(d)		((uint16_t)((d) << 3))
#define TD		BDF(1)	/* the test device: first slot after the bridge */

struct env {
	struct pci_bus *bus;
	struct testdev *td;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct errbuf eb;

	assert_non_null(e);
	assert_int_equal(pci_bus_create(NULL, &e->bus, &eb), 0);
	assert_int_equal(testdev_create(e->bus, &e->td, &eb), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	testdev_destroy(e->td);
	pci_bus_destroy(e->bus);
	free(e);
	return 0;
}

static uint32_t rd(struct pci_bus *bus, uint16_t bdf, uint32_t off,
		   uint32_t len)
{
	return pci_bus_cfg_read(bus, bdf, off, len);
}

static void wr(struct pci_bus *bus, uint16_t bdf, uint32_t off, uint32_t len,
	       uint32_t val)
{
	pci_bus_cfg_write(bus, bdf, off, len, val);
}

/* Config mechanism #1 as the guest drives it. */
static uint32_t cf8_read(struct pci_bus *bus, uint32_t addr, uint32_t port,
			 uint32_t len)
{
	uint8_t buf[8];
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		buf[i] = addr >> (8 * i);
	pci_bus_pio_access(bus, 0, buf, 4, true);
	memset(buf, 0, sizeof(buf));
	pci_bus_pio_access(bus, port - 0xcf8, buf, len, false);
	memcpy(&v, buf, len > 4 ? 4 : len);
	return v;
}

static void test_host_bridge_and_absent(void **state)
{
	struct env *e = *state;

	assert_int_equal(rd(e->bus, 0, 0, 4), 0x00081b36);
	assert_int_equal(rd(e->bus, 0, 0x0a, 2), 0x0600);
	/* Missing slot, function, bus: all ones. */
	assert_int_equal(rd(e->bus, BDF(7), 0, 4), 0xffffffff);
	assert_int_equal(rd(e->bus, TD | 1, 0, 4), 0xffffffff);
	assert_int_equal(rd(e->bus, 1 << 8, 0, 2), 0xffff);
	/* Through the ports: enable bit off reads all ones. */
	assert_int_equal(cf8_read(e->bus, 0x80000000, 0xcfc, 4), 0x00081b36);
	assert_int_equal(cf8_read(e->bus, 0x00000000, 0xcfc, 4), 0xffffffff);
	assert_int_equal(cf8_read(e->bus, 0x80000800, 0xcfe, 2),
			 TESTDEV_DEVICE);
	assert_int_equal(cf8_read(e->bus, 0x80000808, 0xcff, 1),
			 TESTDEV_CLASS >> 16);
}

static void test_testdev_ids_and_readonly(void **state)
{
	struct env *e = *state;

	assert_int_equal(rd(e->bus, TD, 0, 2), TESTDEV_VENDOR);
	assert_int_equal(rd(e->bus, TD, 2, 2), TESTDEV_DEVICE);
	assert_int_equal(rd(e->bus, TD, 8, 4) >> 8, TESTDEV_CLASS);
	wr(e->bus, TD, 0, 4, 0xdeadbeef);	/* ids are read-only */
	wr(e->bus, TD, 8, 4, 0);
	assert_int_equal(rd(e->bus, TD, 0, 2), TESTDEV_VENDOR);
	assert_int_equal(rd(e->bus, TD, 8, 4) >> 8, TESTDEV_CLASS);
	/* Status: capability bit read-only, error bits write-1-to-clear. */
	assert_true(rd(e->bus, TD, 6, 2) & 0x10);
	wr(e->bus, TD, 6, 2, 0xffff);
	assert_int_equal(rd(e->bus, TD, 6, 2), 0x10);
	/* Interrupt line is scratch, pin is read-only. */
	wr(e->bus, TD, 0x3c, 2, 0xffff);
	assert_int_equal(rd(e->bus, TD, 0x3c, 2), 0x00ff);
}

static void test_bar_sizing(void **state)
{
	struct env *e = *state;
	uint32_t bar0 = rd(e->bus, TD, 0x10, 4);
	uint32_t lo = rd(e->bus, TD, 0x18, 4), hi = rd(e->bus, TD, 0x1c, 4);
	uint32_t io = rd(e->bus, TD, 0x20, 4);

	/* Placed as firmware would: 32-bit window, 64-bit window, I/O. */
	assert_int_equal(bar0, (uint32_t)PCI_MMIO32_BASE);
	assert_int_equal(lo, (uint32_t)PCI_MMIO64_BASE | 0xc);
	assert_int_equal(hi, PCI_MMIO64_BASE >> 32);
	assert_int_equal(io, PCI_PIO_BASE | 1);

	wr(e->bus, TD, 4, 2, 0);	/* decoding off, as a guest sizes */
	wr(e->bus, TD, 0x10, 4, 0xffffffff);
	assert_int_equal(rd(e->bus, TD, 0x10, 4),
			 (uint32_t)~(TESTDEV_BAR0_SIZE - 1));
	wr(e->bus, TD, 0x18, 4, 0xffffffff);
	wr(e->bus, TD, 0x1c, 4, 0xffffffff);
	assert_int_equal(rd(e->bus, TD, 0x18, 4),
			 (uint32_t)~(TESTDEV_BAR2_SIZE - 1) | 0xc);
	assert_int_equal(rd(e->bus, TD, 0x1c, 4), 0xffffffff);
	wr(e->bus, TD, 0x20, 4, 0xffffffff);
	assert_int_equal(rd(e->bus, TD, 0x20, 4),
			 (0xffff & ~(TESTDEV_BAR4_SIZE - 1)) | 1);
	/* Unimplemented BARs and the ROM stay zero. */
	wr(e->bus, TD, 0x14, 4, 0xffffffff);
	wr(e->bus, TD, 0x24, 4, 0xffffffff);
	wr(e->bus, TD, 0x30, 4, 0xffffffff);
	assert_int_equal(rd(e->bus, TD, 0x14, 4), 0);
	assert_int_equal(rd(e->bus, TD, 0x24, 4), 0);
	assert_int_equal(rd(e->bus, TD, 0x30, 4), 0);
	/* Restored. */
	wr(e->bus, TD, 0x10, 4, bar0);
	wr(e->bus, TD, 0x18, 4, lo);
	wr(e->bus, TD, 0x1c, 4, hi);
	assert_int_equal(rd(e->bus, TD, 0x10, 4), bar0);
	assert_int_equal(rd(e->bus, TD, 0x18, 4), lo);
}

static void test_caps(void **state)
{
	struct env *e = *state;
	uint8_t ptr = rd(e->bus, TD, 0x34, 1);

	assert_int_equal(ptr, TESTDEV_CAP_VNDR);
	assert_int_equal(rd(e->bus, TD, ptr, 1), 0x09);
	assert_int_equal(rd(e->bus, TD, ptr + 2, 1), 8);
	ptr = rd(e->bus, TD, ptr + 1, 1);
	assert_int_equal(ptr, TESTDEV_CAP_MSI);
	assert_int_equal(rd(e->bus, TD, ptr, 1), 0x05);
	assert_int_equal(rd(e->bus, TD, ptr + 1, 1), 0);
	/* 64-bit, one vector; the guest cannot rewrite the list. */
	assert_int_equal(rd(e->bus, TD, ptr + 2, 2), 0x80);
	wr(e->bus, TD, 0x34, 1, 0x80);
	wr(e->bus, TD, TESTDEV_CAP_VNDR, 4, 0xffffffff);
	assert_int_equal(rd(e->bus, TD, 0x34, 1), TESTDEV_CAP_VNDR);
	assert_int_equal(rd(e->bus, TD, TESTDEV_CAP_VNDR, 2),
			 TESTDEV_CAP_MSI << 8 | 0x09);
}

static void test_msi_programming(void **state)
{
	struct env *e = *state;
	struct pci_msi_msg msg;
	struct pci_device *dev = e->bus->devs[1];

	wr(e->bus, TD, TESTDEV_CAP_MSI + 4, 4, 0xfee00003);
	wr(e->bus, TD, TESTDEV_CAP_MSI + 8, 4, 0x1);
	wr(e->bus, TD, TESTDEV_CAP_MSI + 12, 4, 0xabcd1234);
	wr(e->bus, TD, TESTDEV_CAP_MSI + 2, 2, 0xffff);
	pci_msi_get(dev, TESTDEV_CAP_MSI, &msg);
	assert_true(msg.enabled);
	assert_int_equal(msg.addr, 0x1fee00000ULL);	/* low 2 bits RO */
	assert_int_equal(msg.data, 0x1234);		/* 16-bit data */
	/* Only the enable bit is writable in control. */
	assert_int_equal(rd(e->bus, TD, TESTDEV_CAP_MSI + 2, 2), 0x81);
	wr(e->bus, TD, TESTDEV_CAP_MSI + 2, 2, 0);
	pci_msi_get(dev, TESTDEV_CAP_MSI, &msg);
	assert_false(msg.enabled);
}

/* Any offset, any length, through every path: no crash, no corruption. */
static void test_odd_accesses(void **state)
{
	struct env *e = *state;
	uint8_t buf[16];

	for (uint32_t off = 0; off < PCI_CFG_SIZE + 8; off++) {
		for (uint32_t len = 0; len <= 8; len++) {
			if (off >= 4 && off < 0x40)
				continue;	/* keep BARs and command sane */
			memset(buf, 0x5a, sizeof(buf));
			pci_bus_cfg_write(e->bus, TD, off, len, 0xffffffff);
			(void)pci_bus_cfg_read(e->bus, TD, off, len);
			pci_bus_ecam_access(e->bus, (1 << 15) | off, buf, len,
					    false);
			pci_bus_ecam_access(e->bus, PCI_ECAM_SIZE - 4 + off,
					    buf, len, false);
			pci_bus_pio_access(e->bus, off & 15, buf, len, false);
		}
	}
	/* Past the end of config space. */
	assert_int_equal(rd(e->bus, TD, PCI_CFG_SIZE - 2, 4), 0xffff0000);
	assert_int_equal(rd(e->bus, TD, 0, 4),
			 TESTDEV_DEVICE << 16 | TESTDEV_VENDOR);
	/* ECAM qword: two dwords. */
	pci_bus_ecam_access(e->bus, 1 << 15, buf, 8, false);
	assert_int_equal(buf[0] | buf[1] << 8, TESTDEV_VENDOR);
	assert_int_equal(buf[4], rd(e->bus, TD, 4, 1));
}

/* A device that records what the bus asks of it. */
struct rec {
	int maps, unmaps;
	uint64_t addr;
	int last_bar;
	int fail_map;
};

static int rec_map(struct pci_device *d, int bar, uint64_t addr, uint64_t sz)
{
	struct rec *r = pci_device_opaque(d);

	(void)sz;
	if (r->fail_map)
		return -EEXIST;
	r->maps++;
	r->addr = addr;
	r->last_bar = bar;
	return 0;
}

static void rec_unmap(struct pci_device *d, int bar, uint64_t addr,
		      uint64_t sz)
{
	struct rec *r = pci_device_opaque(d);

	(void)sz;
	(void)addr;
	r->unmaps++;
	r->last_bar = bar;
}

static const struct pci_device_ops rec_ops = {
	.bar_map = rec_map,
	.bar_unmap = rec_unmap,
};

static void test_decode_toggling(void **state)
{
	struct env *e = *state;
	struct rec r = { 0 };
	struct pci_device *d;
	struct errbuf eb;
	uint64_t a;

	assert_int_equal(pci_device_create_on(e->bus, "rec", &rec_ops, &r, &d,
					      &eb), 0);
	assert_int_equal(pci_device_add_bar(d, 0, 0x4000, PCI_BAR_MEM64, NULL),
			 0);
	assert_int_equal(pci_device_add_bar(d, 1, 0x1000, 0, NULL), -EBUSY);
	assert_int_equal(pci_device_register(d, &eb), 0);
	/* Registered: placed and decoding. */
	assert_int_equal(r.maps, 1);
	assert_true(pci_device_bar_addr(d, 0, &a));
	assert_int_equal(a, r.addr);
	assert_true(a >= PCI_MMIO32_BASE && a < PCI_MMIO32_END);
	assert_int_equal(a & 0x3fff, 0);

	wr(e->bus, BDF(2), 4, 2, 0);		/* memory decoding off */
	assert_int_equal(r.unmaps, 1);
	assert_false(pci_device_bar_addr(d, 0, &a));
	wr(e->bus, BDF(2), 4, 2, 2);		/* and on */
	assert_int_equal(r.maps, 2);
	wr(e->bus, BDF(2), 4, 2, 3);		/* IO bit: no BAR cares */
	assert_int_equal(r.maps, 2);

	/* Moving a decoding BAR: unmap, then map at the new place. */
	wr(e->bus, BDF(2), 0x10, 4, 0xd0000000);
	assert_int_equal(r.unmaps, 2);
	assert_int_equal(r.maps, 3);
	assert_int_equal(r.addr, 0xd0000000);
	wr(e->bus, BDF(2), 0x14, 4, 0x1);	/* high half: above 4 GiB */
	assert_int_equal(r.addr, 0x1d0000000ULL);
	assert_int_equal(r.maps, 4);

	/* A sizing probe with decoding on does not map at all-ones. */
	wr(e->bus, BDF(2), 0x10, 4, 0xffffffff);
	wr(e->bus, BDF(2), 0x14, 4, 0xffffffff);
	assert_false(pci_device_bar_addr(d, 0, &a));
	/* Nor does address 0. */
	wr(e->bus, BDF(2), 0x10, 4, 0);
	wr(e->bus, BDF(2), 0x14, 4, 0);
	assert_false(pci_device_bar_addr(d, 0, &a));
	/* A refused map leaves the BAR not decoding. */
	r.fail_map = 1;
	wr(e->bus, BDF(2), 0x10, 4, 0xe0000000);
	assert_false(pci_device_bar_addr(d, 0, &a));
	r.fail_map = 0;
	wr(e->bus, BDF(2), 0x10, 4, 0xe0000000);
	assert_true(pci_device_bar_addr(d, 0, &a));
	assert_int_equal(a, 0xe0000000);

	/* Reset: config back to before placement, so decoding is off. */
	pci_device_reset(d);
	assert_false(pci_device_bar_addr(d, 0, &a));
	assert_int_equal(rd(e->bus, BDF(2), 4, 2), 0);
	pci_device_destroy(d);
	assert_int_equal(rd(e->bus, BDF(2), 0, 4), 0xffffffff);
}

static void test_bar_allocator(void **state)
{
	struct pci_window w;
	uint64_t a;

	(void)state;
	pci_window_init(&w, 0x1000, 0x10000);
	assert_int_equal(pci_window_alloc(&w, 0x100, &a), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(pci_window_alloc(&w, 0x4000, &a), 0);
	assert_int_equal(a, 0x4000);			/* size-aligned */
	assert_int_equal(pci_window_alloc(&w, 0x3000, &a), -EINVAL);
	assert_int_equal(pci_window_alloc(&w, 0, &a), -EINVAL);
	assert_int_equal(pci_window_alloc(&w, 0x8000, &a), 0);
	assert_int_equal(a, 0x8000);
	assert_int_equal(pci_window_alloc(&w, 0x10, &a), -ENOSPC);
	/* No wrap-around at the top of the address space. */
	pci_window_init(&w, ~0ULL - 0xfff, ~0ULL);
	assert_int_equal(pci_window_alloc(&w, 1ULL << 63, &a), -ENOSPC);
}

static void test_bar_exhaustion_and_args(void **state)
{
	struct env *e = *state;
	struct pci_device *d[3];
	struct errbuf eb;

	assert_int_equal(pci_device_create_on(e->bus, "big", NULL, NULL, &d[0],
					      &eb), 0);
	assert_int_equal(pci_device_add_bar(d[0], 6, 0x1000, 0, NULL),
			 -EINVAL);
	assert_int_equal(pci_device_add_bar(d[0], 5, 0x1000, PCI_BAR_MEM64,
					    NULL), -EINVAL);
	assert_int_equal(pci_device_add_bar(d[0], 0, 0x1000,
					    PCI_BAR_IO | PCI_BAR_PREFETCH,
					    NULL), -EINVAL);
	assert_int_equal(pci_device_add_bar(d[0], 0, 0x1000, PCI_BAR_IO,
					    NULL), -EINVAL);	/* > 256 */
	/* 2 GiB 32-bit BAR: fits the 1 GiB window? No. */
	assert_int_equal(pci_device_add_bar(d[0], 0, 1ULL << 31, 0, NULL), 0);
	assert_int_equal(pci_device_register(d[0], &eb), -ENOSPC);
	assert_non_null(strstr(eb.msg, "32-bit"));
	pci_device_destroy(d[0]);

	/* Two 32 GiB prefetchable BARs fill the 64 GiB window. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pci_device_create_on(e->bus, "huge", NULL,
						      NULL, &d[i], &eb), 0);
		assert_int_equal(pci_device_add_bar(d[i], 0, 32ULL << 30,
					PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					NULL), 0);
	}
	/* The testdev BAR2 took the start: only one more fits. */
	assert_int_equal(pci_device_register(d[0], &eb), 0);
	assert_int_equal(pci_device_register(d[1], &eb), -ENOSPC);
	for (int i = 0; i < 3; i++)
		pci_device_destroy(d[i]);
}

static void test_cap_builder(void **state)
{
	struct env *e = *state;
	struct pci_device *d;
	struct errbuf eb;

	assert_int_equal(pci_device_create_on(e->bus, "caps", NULL, NULL, &d,
					      &eb), 0);
	assert_int_equal(pci_cap_add(d, 0x09, 8, 0x3c), -EINVAL);
	assert_int_equal(pci_cap_add(d, 0x09, 8, 0x42), -EINVAL);
	assert_int_equal(pci_cap_add(d, 0x09, 8, 0xfc), -EINVAL);
	assert_int_equal(pci_cap_add(d, 0x09, 1, 0), -EINVAL);
	assert_int_equal(pci_cap_add(d, 0x09, 0x10, 0x80), 0x80);
	assert_int_equal(pci_cap_add(d, 0x01, 8, 0x88), -EBUSY);
	assert_int_equal(pci_cap_add(d, 0x01, 8, 0), 0x40);	/* first free */
	assert_int_equal(pci_cap_add(d, 0x05, 0x40, 0), 0x90);	/* skips 0x80 */
	assert_int_equal(pci_cap_find(d, 0x09, 0), 0x80);
	assert_int_equal(pci_cap_find(d, 0x05, 0), 0x90);
	assert_int_equal(pci_cap_find(d, 0x05, 0x90), -ENOENT);
	assert_int_equal(pci_cap_find(d, 0x10, 0), -ENOENT);
	/* List order is build order: 0x80, 0x40, 0x90. */
	assert_int_equal(pci_cfg_get(d, 0x34, 1), 0x80);
	assert_int_equal(pci_cfg_get(d, 0x81, 1), 0x40);
	assert_int_equal(pci_cfg_get(d, 0x41, 1), 0x90);
	assert_int_equal(pci_cfg_get(d, 0x91, 1), 0);
	/* MSI-X must fit its BARs. */
	assert_int_equal(pci_cap_add_msix(d, 0, 4, 0, 0, 0, 0x40), -ERANGE);
	assert_int_equal(pci_device_add_bar(d, 0, 0x1000, 0, NULL), 0);
	assert_int_equal(pci_cap_add_msix(d, 0, 4, 0, 0x1000, 0, 0), -ERANGE);
	assert_int_equal(pci_cap_add_msix(d, 0, 4, 0, 4, 0, 0x800), -EINVAL);
	/* First free 12 bytes: the hole between 0x48 and 0x80. */
	assert_int_equal(pci_cap_add_msix(d, 0, 4, 0, 0, 0, 0x800), 0x48);
	assert_int_equal(pci_cfg_get(d, 0x4a, 2), 3);
	assert_int_equal(pci_cfg_get(d, 0x4c, 4), 0);
	assert_int_equal(pci_cfg_get(d, 0x50, 4), 0x800);
	/* A full list. */
	while (pci_cap_add(d, 0x09, 4, 0) > 0)
		;
	assert_int_equal(pci_cap_add(d, 0x09, 4, 0), -ENOSPC);
	pci_device_destroy(d);
}

/* The GSI table: defaults kept, MSI from 24 up; for real when possible. */
static void check_router(int vm_fd)
{
	struct irq_router *r;
	struct errbuf eb;
	uint32_t g1, g2, g3;

	assert_int_equal(irq_router_create(vm_fd, &r, &eb), 0);
	assert_int_equal(r->table->nr, 24 + 16);
	assert_int_equal(irq_router_msi_add(r, 0xfee00000, 0x41, &g1), 0);
	assert_int_equal(irq_router_msi_add(r, 0xfee00000, 0x42, &g2), 0);
	assert_int_equal(g1, 24);
	assert_int_equal(g2, 25);
	assert_int_equal(irq_router_msi_update(r, g1, 0xfee01000, 0x43), 0);
	assert_int_equal(irq_router_msi_del(r, g1), 0);
	assert_int_equal(irq_router_msi_del(r, g1), -ENOENT);
	assert_int_equal(irq_router_msi_update(r, 3, 0, 0), -ENOENT);
	assert_int_equal(irq_router_msi_add(r, 0xfee00000, 0x44, &g3), 0);
	assert_int_equal(g3, 24);				/* reused */
	assert_int_equal(r->table->nr, 24 + 16 + 2);
	for (uint32_t i = 0; i < r->table->nr; i++)
		if (r->table->entries[i].gsi < 24)
			assert_int_equal(r->table->entries[i].type,
					 KVM_IRQ_ROUTING_IRQCHIP);
	irq_router_destroy(r);
}

static void test_irq_router(void **state)
{
	int kvm, vm;

	(void)state;
	check_router(-1);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		skip();
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(kvm);	/* a /dev/kvm that is not KVM: none here */
		skip();
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	assert_true(vm >= 0);
	assert_int_equal(ioctl(vm, KVM_CREATE_IRQCHIP, 0), 0);
	check_router(vm);
	close(vm);
	close(kvm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_bridge_and_absent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_testdev_ids_and_readonly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_sizing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msi_programming, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_odd_accesses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_decode_toggling, setup,
						teardown),
		cmocka_unit_test(test_bar_allocator),
		cmocka_unit_test_setup_teardown(test_bar_exhaustion_and_args,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_builder, setup,
						teardown),
		cmocka_unit_test(test_irq_router),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
