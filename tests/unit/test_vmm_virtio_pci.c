// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-pci modern transport on a bus without a VM: capabilities,
 * feature negotiation, queue set-up, kicks, MSI-X, the PCI_CFG window,
 * reset, and any access the guest can make.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "vmm/pci.h"
#include "vmm/virtio_pci.h"

#define RAM_BASE	0x100000ULL
#define RAM_SIZE	0x100000ULL
#define VP		((uint16_t)(1 << 3))
#define NQ		2
#define DEVCFG_SIZE	8

struct env {
	struct pci_bus *bus;
	struct virtio_pci *vp;
	uint8_t *ram;
	uint8_t devcfg[DEVCFG_SIZE];
	int starts, resets;
	int start_ret;
};

static void *xlate(void *opaque, uint64_t gpa, uint64_t len)
{
	struct env *e = opaque;

	if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_SIZE ||
	    len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return e->ram + (gpa - RAM_BASE);
}

static void dev_cfg(void *opaque, uint32_t off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct env *e = opaque;

	assert_true(off + len <= DEVCFG_SIZE);
	if (is_write)
		memcpy(e->devcfg + off, data, len);
	else
		memcpy(data, e->devcfg + off, len);
}

static int dev_start(void *opaque, struct virtio_pci *vp)
{
	struct env *e = opaque;

	assert_non_null(virtio_pci_queue(vp, 0));
	assert_true(virtio_pci_features(vp) & (1ULL << VIRTIO_F_VERSION_1));
	e->starts++;
	return e->start_ret;
}

static void dev_reset(void *opaque)
{
	((struct env *)opaque)->resets++;
}

static const struct virtio_pci_ops ops = {
	.cfg_access = dev_cfg,
	.start = dev_start,
	.reset = dev_reset,
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct virtio_pci_config c = {
		.name = "virtio-test",
		.device_type = 1,
		.class_code = 0x020000,
		.features = 1ULL << 5,
		.num_queues = NQ,
		.queue_max_size = 256,
		.devcfg_size = DEVCFG_SIZE,
		.ops = &ops,
		.xlate = xlate,
	};
	struct errbuf eb;

	assert_non_null(e);
	e->ram = calloc(1, RAM_SIZE);
	c.opaque = e;
	c.xlate_opaque = e;
	assert_int_equal(pci_bus_create(NULL, &e->bus, &eb), 0);
	assert_int_equal(virtio_pci_create(e->bus, &c, &e->vp, &eb), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	virtio_pci_destroy(e->vp);
	pci_bus_destroy(e->bus);
	free(e->ram);
	free(e);
	return 0;
}

static uint64_t bar_rd(struct env *e, int bar, uint64_t off, uint32_t len)
{
	uint64_t v = 0;

	virtio_pci_bar_access(e->vp, bar, off, (uint8_t *)&v, len, false);
	return v;
}

static void bar_wr(struct env *e, int bar, uint64_t off, uint32_t len,
		   uint64_t v)
{
	virtio_pci_bar_access(e->vp, bar, off, (uint8_t *)&v, len, true);
}

#define COMMON(f)	(VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_##f)

static int find_vcap(struct env *e, uint8_t type)
{
	uint8_t p = pci_bus_cfg_read(e->bus, VP, 0x34, 1);

	for (int n = 0; p && n < 48; n++) {
		if (pci_bus_cfg_read(e->bus, VP, p, 1) == 0x09 &&
		    pci_bus_cfg_read(e->bus, VP, p + 3, 1) == type)
			return p;
		p = pci_bus_cfg_read(e->bus, VP, p + 1, 1);
	}
	return -1;
}

static void test_identity_and_caps(void **state)
{
	struct env *e = *state;
	int cap;

	assert_int_equal(pci_bus_cfg_read(e->bus, VP, 0, 4), 0x10411af4);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, 8, 1), 1);
	assert_true(pci_bus_cfg_read(e->bus, VP, 0x2e, 2) >= 0x40);
	cap = find_vcap(e, VIRTIO_PCI_CAP_COMMON_CFG);
	assert_true(cap > 0);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 4, 1), 0);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 12, 4),
			 VIRTIO_PCI_COMMON_LEN);
	cap = find_vcap(e, VIRTIO_PCI_CAP_NOTIFY_CFG);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 2, 1), 20);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 8, 4),
			 VIRTIO_PCI_NOTIFY_OFF);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 16, 4),
			 VIRTIO_PCI_NOTIFY_MULT);
	assert_true(find_vcap(e, VIRTIO_PCI_CAP_ISR_CFG) > 0);
	cap = find_vcap(e, VIRTIO_PCI_CAP_DEVICE_CFG);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 12, 4),
			 DEVCFG_SIZE);
	assert_true(find_vcap(e, VIRTIO_PCI_CAP_PCI_CFG) > 0);
	/* MSI-X: NQ + 1 vectors, table and PBA in BAR2. */
	cap = pci_cap_find(e->bus->devs[1], 0x11, 0);
	assert_true(cap > 0);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 2, 2), NQ);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 4, 4), 2);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 8, 4),
			 (16 * (NQ + 1)) | 2);
}

static void negotiate(struct env *e, uint64_t features)
{
	bar_wr(e, 0, COMMON(STATUS), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	bar_wr(e, 0, COMMON(STATUS), 1,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	bar_wr(e, 0, COMMON(GFSELECT), 4, 0);
	bar_wr(e, 0, COMMON(GF), 4, (uint32_t)features);
	bar_wr(e, 0, COMMON(GFSELECT), 4, 1);
	bar_wr(e, 0, COMMON(GF), 4, features >> 32);
	bar_wr(e, 0, COMMON(STATUS), 1, 0x0b);
}

static void test_features(void **state)
{
	struct env *e = *state;

	bar_wr(e, 0, COMMON(DFSELECT), 4, 0);
	assert_int_equal(bar_rd(e, 0, COMMON(DF), 4), 1 << 5);
	bar_wr(e, 0, COMMON(DFSELECT), 4, 1);
	assert_int_equal(bar_rd(e, 0, COMMON(DF), 4), 1);	/* VERSION_1 */
	bar_wr(e, 0, COMMON(DFSELECT), 4, 7);
	assert_int_equal(bar_rd(e, 0, COMMON(DF), 4), 0);

	/* Without VERSION_1 (a legacy driver): refused. */
	negotiate(e, 1 << 5);
	assert_int_equal(bar_rd(e, 0, COMMON(STATUS), 1), 0x03);
	bar_wr(e, 0, COMMON(STATUS), 1, 0);
	assert_int_equal(e->resets, 1);
	/* A feature never offered: refused. */
	negotiate(e, 1ULL << VIRTIO_F_VERSION_1 | 1 << 6);
	assert_int_equal(bar_rd(e, 0, COMMON(STATUS), 1), 0x03);
	bar_wr(e, 0, COMMON(STATUS), 1, 0);
	negotiate(e, 1ULL << VIRTIO_F_VERSION_1 | 1 << 5);
	assert_int_equal(bar_rd(e, 0, COMMON(STATUS), 1), 0x0b);
	/* Features are frozen after FEATURES_OK. */
	bar_wr(e, 0, COMMON(GFSELECT), 4, 0);
	bar_wr(e, 0, COMMON(GF), 4, 0);
	assert_int_equal(bar_rd(e, 0, COMMON(GF), 4), 1 << 5);
	/* Status bits cannot be taken back without a reset. */
	bar_wr(e, 0, COMMON(STATUS), 1, 0x01);
	assert_int_equal(bar_rd(e, 0, COMMON(STATUS), 1), 0x0b);
}

static void setup_queue(struct env *e, uint16_t q, uint64_t base)
{
	bar_wr(e, 0, COMMON(Q_SELECT), 2, q);
	bar_wr(e, 0, COMMON(Q_SIZE), 2, 64);
	bar_wr(e, 0, COMMON(Q_DESCLO), 4, (uint32_t)base);
	bar_wr(e, 0, COMMON(Q_DESCHI), 4, base >> 32);
	bar_wr(e, 0, COMMON(Q_AVAILLO), 8, base + 0x400);
	bar_wr(e, 0, COMMON(Q_USEDLO), 8, base + 0x1000);
	bar_wr(e, 0, COMMON(Q_ENABLE), 2, 1);
}

static void test_queues_and_start(void **state)
{
	struct env *e = *state;
	int kick, call;
	uint64_t n;

	assert_int_equal(bar_rd(e, 0, COMMON(NUMQ), 2), NQ);
	bar_wr(e, 0, COMMON(Q_SELECT), 2, NQ);		/* no such queue */
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SIZE), 2), 0);
	bar_wr(e, 0, COMMON(Q_ENABLE), 2, 1);		/* ignored */
	bar_wr(e, 0, COMMON(Q_SELECT), 2, 0);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SIZE), 2), 256);
	bar_wr(e, 0, COMMON(Q_SIZE), 2, 48);		/* not a power of 2 */
	bar_wr(e, 0, COMMON(Q_SIZE), 2, 512);		/* above the max */
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SIZE), 2), 256);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_NOFF), 2), 0);

	negotiate(e, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(e, 0, RAM_BASE + 0x10000);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_ENABLE), 2), 1);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_DESCLO), 8), RAM_BASE + 0x10000);
	/* Enabled: the set-up is frozen. */
	bar_wr(e, 0, COMMON(Q_SIZE), 2, 32);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SIZE), 2), 64);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_NOFF), 2), 0);

	bar_wr(e, 0, COMMON(STATUS), 1, 0x0f);
	assert_int_equal(e->starts, 1);
	assert_int_equal(bar_rd(e, 0, COMMON(STATUS), 1), 0x0f);

	/* A kick through the trapped notify address. */
	assert_int_equal(virtio_pci_queue_fds(e->vp, 0, &kick, &call), 0);
	bar_wr(e, 0, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	assert_int_equal(read(kick, &n, 8), 8);
	assert_int_equal(n, 1);
	bar_wr(e, 0, VIRTIO_PCI_NOTIFY_OFF + 4, 2, 1);	/* queue 1: off */
	assert_int_equal(read(kick, &n, 8), -1);
	assert_int_equal(virtio_pci_queue_fds(e->vp, NQ, &kick, &call),
			 -EINVAL);
}

static void test_bad_rings_need_reset(void **state)
{
	struct env *e = *state;

	negotiate(e, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(e, 1, 0x1000);			/* not RAM */
	assert_int_equal(bar_rd(e, 0, COMMON(Q_ENABLE), 2), 0);
	assert_true(bar_rd(e, 0, COMMON(STATUS), 1) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(bar_rd(e, 0, VIRTIO_PCI_ISR_OFF, 1),
			 VIRTIO_PCI_ISR_CONFIG);
	assert_int_equal(bar_rd(e, 0, VIRTIO_PCI_ISR_OFF, 1), 0); /* cleared */
	bar_wr(e, 0, COMMON(STATUS), 1, 0);
	assert_int_equal(bar_rd(e, 0, COMMON(STATUS), 1), 0);
	/* A failing start asks for a reset too. */
	e->start_ret = -EIO;
	negotiate(e, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(e, 0, RAM_BASE);
	bar_wr(e, 0, COMMON(STATUS), 1, 0x0f);
	assert_true(bar_rd(e, 0, COMMON(STATUS), 1) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_msix_and_interrupts(void **state)
{
	struct env *e = *state;
	int cap = pci_cap_find(e->bus->devs[1], 0x11, 0);
	uint64_t pba = 16 * (NQ + 1);

	negotiate(e, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(e, 0, RAM_BASE);
	bar_wr(e, 0, COMMON(Q_MSIX), 2, 1);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_MSIX), 2), 1);
	bar_wr(e, 0, COMMON(Q_MSIX), 2, NQ + 1);	/* no such vector */
	assert_int_equal(bar_rd(e, 0, COMMON(Q_MSIX), 2), 0xffff);
	bar_wr(e, 0, COMMON(Q_MSIX), 2, 1);
	bar_wr(e, 0, COMMON(MSIX), 2, 0);
	assert_int_equal(bar_rd(e, 0, COMMON(MSIX), 2), 0);

	/* MSI-X off: a queue interrupt is pending in the PBA. */
	assert_int_equal(virtio_pci_notify_queue(e->vp, 0), 0);
	assert_int_equal(bar_rd(e, 2, pba, 8), 1 << 1);
	assert_int_equal(bar_rd(e, 0, VIRTIO_PCI_ISR_OFF, 1), 1);
	/* Program vector 1, enable MSI-X: the pending bit is delivered. */
	bar_wr(e, 2, 16, 8, 0xfee00000);
	bar_wr(e, 2, 24, 4, 0x4055);
	bar_wr(e, 2, 28, 4, 0);
	assert_int_equal(bar_rd(e, 2, 16, 4), 0xfee00000);
	pci_bus_cfg_write(e->bus, VP, cap + 2, 2, 0x8000);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 2, 2), 0x8000 | NQ);
	assert_int_equal(bar_rd(e, 2, pba, 8), 0);
	/* Function mask. */
	pci_bus_cfg_write(e->bus, VP, cap + 2, 2, 0xc000);
	virtio_pci_notify_queue(e->vp, 0);
	assert_int_equal(bar_rd(e, 2, pba, 8), 1 << 1);
	pci_bus_cfg_write(e->bus, VP, cap + 2, 2, 0x8000);
	assert_int_equal(bar_rd(e, 2, pba, 8), 0);
	/* The config vector is still masked in the table. */
	assert_int_equal(virtio_pci_notify_config(e->vp), 0);
	assert_int_equal(bar_rd(e, 2, pba, 8), 1 << 0);
	assert_int_equal(bar_rd(e, 0, COMMON(CFGGENERATION), 1), 1);
	assert_int_equal(virtio_pci_notify_queue(e->vp, NQ), -EINVAL);
}

static void test_devcfg_and_cfg_window(void **state)
{
	struct env *e = *state;
	int cap = find_vcap(e, VIRTIO_PCI_CAP_PCI_CFG);

	bar_wr(e, 0, VIRTIO_PCI_DEVCFG_OFF + 2, 4, 0xa1b2c3d4);
	assert_int_equal(bar_rd(e, 0, VIRTIO_PCI_DEVCFG_OFF + 2, 4),
			 0xa1b2c3d4);
	assert_int_equal(e->devcfg[2], 0xd4);
	/* Past the device config: not passed on. */
	bar_wr(e, 0, VIRTIO_PCI_DEVCFG_OFF + DEVCFG_SIZE - 2, 4, ~0ULL);
	assert_int_equal(bar_rd(e, 0, VIRTIO_PCI_DEVCFG_OFF + DEVCFG_SIZE, 4),
			 0);

	/* The window: queue_select through config space. */
	pci_bus_cfg_write(e->bus, VP, cap + 4, 1, 0);
	pci_bus_cfg_write(e->bus, VP, cap + 8, 4, COMMON(Q_SELECT));
	pci_bus_cfg_write(e->bus, VP, cap + 12, 4, 2);
	pci_bus_cfg_write(e->bus, VP, cap + 16, 4, 1);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SELECT), 2), 1);
	bar_wr(e, 0, COMMON(Q_SELECT), 2, 0);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 16, 4), 0);
	pci_bus_cfg_write(e->bus, VP, cap + 8, 4, COMMON(NUMQ));
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, cap + 16, 2), NQ);
	/* Bad window set-ups do nothing. */
	pci_bus_cfg_write(e->bus, VP, cap + 12, 4, 3);
	pci_bus_cfg_write(e->bus, VP, cap + 16, 4, 7);
	pci_bus_cfg_write(e->bus, VP, cap + 4, 1, 5);
	pci_bus_cfg_write(e->bus, VP, cap + 12, 4, 4);
	pci_bus_cfg_write(e->bus, VP, cap + 16, 4, 7);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SELECT), 2), 0);
}

static void test_odd_accesses(void **state)
{
	struct env *e = *state;
	uint8_t buf[16];

	negotiate(e, 1ULL << VIRTIO_F_VERSION_1);
	for (uint64_t off = 0; off < VIRTIO_PCI_BAR0_SIZE + 16; off++) {
		for (uint32_t len = 0; len <= 9; len++) {
			if (off == COMMON(STATUS))
				continue;
			memset(buf, 0xff, sizeof(buf));
			virtio_pci_bar_access(e->vp, 0, off, buf, len, false);
			virtio_pci_bar_access(e->vp, 0, off, buf, len, true);
			virtio_pci_bar_access(e->vp, 2, off, buf, len, false);
			virtio_pci_bar_access(e->vp, 2, off, buf, len, true);
			virtio_pci_bar_access(e->vp, 1, off, buf, len, true);
		}
	}
	virtio_pci_bar_access(e->vp, 0, ~0ULL - 3, buf, 8, false);
	virtio_pci_bar_access(e->vp, 2, ~0ULL - 3, buf, 8, true);
	for (uint32_t off = 0x40; off < 0x100; off++)
		pci_bus_cfg_write(e->bus, VP, off, 4, 0xffffffff);
	assert_int_equal(pci_bus_cfg_read(e->bus, VP, 0, 4), 0x10411af4);
}

static void test_reset_clears(void **state)
{
	struct env *e = *state;

	negotiate(e, 1ULL << VIRTIO_F_VERSION_1);
	setup_queue(e, 0, RAM_BASE);
	bar_wr(e, 0, COMMON(Q_MSIX), 2, 1);
	bar_wr(e, 0, COMMON(STATUS), 1, 0);
	assert_int_equal(e->resets, 1);
	bar_wr(e, 0, COMMON(Q_SELECT), 2, 0);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_ENABLE), 2), 0);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_SIZE), 2), 256);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_MSIX), 2), 0xffff);
	assert_int_equal(bar_rd(e, 0, COMMON(Q_DESCLO), 8), 0);
	bar_wr(e, 0, COMMON(GFSELECT), 4, 1);
	assert_int_equal(bar_rd(e, 0, COMMON(GF), 4), 0);
	assert_null(virtio_pci_queue(e->vp, 0));
	/* Function level reset as well. */
	pci_device_reset(virtio_pci_device(e->vp));
	assert_int_equal(e->resets, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_identity_and_caps),
		T(test_features),
		T(test_queues_and_start),
		T(test_bad_rings_need_reset),
		T(test_msix_and_interrupts),
		T(test_devcfg_and_cfg_window),
		T(test_odd_accesses),
		T(test_reset_clears),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
