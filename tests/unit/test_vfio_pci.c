// SPDX-License-Identifier: GPL-2.0-only
/*
 * An assigned device's config space virtualisation, BAR layout and MSI /
 * MSI-X emulation, against an in-process transport that stands in for the
 * hardware (the real device path runs in the testbed:
 * tests/testbed/vfio-assign.sh). Also the pure parsers: region info with a
 * sparse-mmap capability, BAR pieces, --device specs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "vfio/vfio_impl.h"
#include "vmm/pci.h"

#define BAR0_SIZE	0x4000
#define TABLE_OFF	0x2000
#define PBA_OFF		0x3000
#define CAP_PM		0x40
#define CAP_MSI		0x50
#define CAP_MSIX	0x70

struct irqset {
	uint32_t index, start, count, flags;
	int32_t fds[8];
};

struct fake {
	struct vfio_transport t;
	uint8_t cfg[256];
	int memfd;		/* BAR0's mmap backing */
	uint8_t bar0[BAR0_SIZE];
	int resets, closes;
	int fail_reset;		/* errno the reset fails with, 0: works */
	int cfg_writes_at[256];	/* config bytes the "device" saw written */
	struct irqset sets[32];
	int nsets;
};

static struct fake *fk;

static struct fake *of(struct vfio_transport *t)
{
	return (struct fake *)t;
}

static int f_device_info(struct vfio_transport *t, uint32_t *flags,
			 uint32_t *nr, uint32_t *ni)
{
	(void)t;
	*flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	*nr = VFIO_PCI_NUM_REGIONS;
	*ni = VFIO_PCI_NUM_IRQS;
	return 0;
}

static int f_region_info(struct vfio_transport *t, uint32_t i,
			 struct vfio_region *r)
{
	memset(r, 0, sizeof(*r));
	r->index = i;
	r->mmap_fd = -1;
	if (i == 0) {
		r->size = BAR0_SIZE;
		r->flags = VFIO_REGION_INFO_FLAG_READ |
			   VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP;
		r->mmap_fd = of(t)->memfd;
	} else if (i == 2) {
		r->size = 0x20;
		r->flags = VFIO_REGION_INFO_FLAG_READ |
			   VFIO_REGION_INFO_FLAG_WRITE;
	} else if (i == VFIO_PCI_ROM_REGION_INDEX) {
		r->size = 0x800;
		r->flags = VFIO_REGION_INFO_FLAG_READ;
	} else if (i == VFIO_PCI_CONFIG_REGION_INDEX) {
		r->size = 256;
		r->flags = VFIO_REGION_INFO_FLAG_READ |
			   VFIO_REGION_INFO_FLAG_WRITE;
	}
	return 0;
}

static int f_region_read(struct vfio_transport *t, uint32_t i, uint64_t off,
			 void *buf, size_t len)
{
	struct fake *f = of(t);

	if (i == VFIO_PCI_CONFIG_REGION_INDEX && off + len <= 256)
		memcpy(buf, f->cfg + off, len);
	else if (i == 0 && off + len <= BAR0_SIZE)
		memcpy(buf, f->bar0 + off, len);
	else if (i == VFIO_PCI_ROM_REGION_INDEX && off + len <= 0x800)
		memset(buf, 0x55, len);
	else
		return -EINVAL;
	return 0;
}

static int f_region_write(struct vfio_transport *t, uint32_t i, uint64_t off,
			  const void *buf, size_t len)
{
	struct fake *f = of(t);

	if (i == VFIO_PCI_CONFIG_REGION_INDEX && off + len <= 256) {
		memcpy(f->cfg + off, buf, len);
		for (size_t k = 0; k < len; k++)
			f->cfg_writes_at[off + k]++;
	} else if (i == 0 && off + len <= BAR0_SIZE) {
		memcpy(f->bar0 + off, buf, len);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int f_irq_info(struct vfio_transport *t, uint32_t i,
		      struct vfio_irq *irq)
{
	(void)t;
	irq->index = i;
	irq->flags = VFIO_IRQ_INFO_EVENTFD;
	irq->count = i == VFIO_PCI_MSIX_IRQ_INDEX ? 8 :
		     i == VFIO_PCI_MSI_IRQ_INDEX ? 8 :
		     i == VFIO_PCI_INTX_IRQ_INDEX ? 1 : 0;
	return 0;
}

static int f_set_irqs(struct vfio_transport *t, uint32_t index,
		      uint32_t start, uint32_t count, uint32_t flags,
		      const int32_t *fds)
{
	struct fake *f = of(t);
	struct irqset *s = &f->sets[f->nsets++ % 32];

	*s = (struct irqset){ index, start, count, flags, { 0 } };
	for (uint32_t i = 0; fds && i < count && i < 8; i++)
		s->fds[i] = fds[i];
	return 0;
}

static int f_reset(struct vfio_transport *t)
{
	of(t)->resets++;
	return -of(t)->fail_reset;
}

static void f_close(struct vfio_transport *t)
{
	of(t)->closes++;
}

static const struct vfio_transport_ops fake_ops = {
	.name = "fake", .device_info = f_device_info,
	.region_info = f_region_info, .region_read = f_region_read,
	.region_write = f_region_write, .irq_info = f_irq_info,
	.set_irqs = f_set_irqs, .reset = f_reset, .close = f_close,
};

static void put(uint8_t *c, uint32_t off, uint32_t len, uint32_t v)
{
	for (uint32_t i = 0; i < len; i++)
		c[off + i] = v >> (8 * i);
}

struct env {
	struct pci_bus *bus;
	struct pci_device *pci;
	struct vfio_pci *vp;
	uint16_t bdf;
	int extra_resets;	/* beyond attach and detach */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct errbuf eb;
	struct pci_addr a;
	uint8_t *c;

	fk = calloc(1, sizeof(*fk));
	fk->t.ops = &fake_ops;
	strcpy(fk->t.name, "fake");
	fk->memfd = memfd_create("bar0", MFD_CLOEXEC);
	assert_int_equal(ftruncate(fk->memfd, BAR0_SIZE), 0);
	memset(fk->bar0, 0xab, sizeof(fk->bar0));
	c = fk->cfg;
	put(c, 0x00, 2, 0x8086);
	put(c, 0x02, 2, 0x10fb);
	put(c, 0x04, 2, 0x0008);	/* a bit the guest may not change */
	put(c, 0x06, 2, 0x0010);	/* capability list */
	put(c, 0x08, 4, 0x02000001);	/* Ethernet, revision 1 */
	c[0x0e] = 0x80;			/* multi-function */
	put(c, 0x10, 4, 0x0000000c);	/* BAR0: 64-bit prefetchable */
	put(c, 0x18, 4, 0x00000001);	/* BAR2: I/O */
	put(c, 0x2c, 4, 0x00031af4);
	c[0x34] = CAP_PM;
	c[0x3d] = 1;			/* INTA */
	put(c, CAP_PM, 4, 0x00035001);	/* PM, next MSI */
	put(c, CAP_PM + 4, 4, 0x00000008);
	c[CAP_MSI] = 0x05;
	c[CAP_MSI + 1] = CAP_MSIX;
	put(c, CAP_MSI + 2, 2, 0x0186);	/* PVM, 64-bit, 8 vectors capable */
	c[CAP_MSIX] = 0x11;
	put(c, CAP_MSIX + 2, 2, 7);	/* 8 vectors */
	put(c, CAP_MSIX + 4, 4, TABLE_OFF | 0);
	put(c, CAP_MSIX + 8, 4, PBA_OFF | 0);

	assert_int_equal(pci_bus_create(NULL, &e->bus, &eb), 0);
	e->vp = vfio_pci_alloc(NULL, &fk->t, NULL);
	assert_int_equal(vfio_device_setup(e->vp, &eb), 0);
	assert_int_equal(pci_device_create_on(e->bus, "fake", &vfio_pci_dev_ops,
					      e->vp, &e->pci, &eb), 0);
	assert_int_equal(vfio_pci_build(e->vp, e->pci, &eb), 0);
	pci_device_addr(e->pci, &a);
	e->bdf = a.dev << 3;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vfio_pci_detach(e->vp);		/* NULL when a test did it */
	/* At attach and at detach. */
	assert_int_equal(fk->resets, 2 + e->extra_resets);
	assert_int_equal(fk->closes, 1);
	pci_bus_destroy(e->bus);
	close(fk->memfd);
	free(fk);
	free(e);
	return 0;
}

static uint32_t rd(struct env *e, uint32_t off, uint32_t len)
{
	return pci_bus_cfg_read(e->bus, e->bdf, off, len);
}

static void wr(struct env *e, uint32_t off, uint32_t len, uint32_t v)
{
	pci_bus_cfg_write(e->bus, e->bdf, off, len, v);
}

static void test_header_is_ours(void **state)
{
	struct env *e = *state;

	assert_int_equal(rd(e, 0, 4), 0x10fb8086);
	assert_int_equal(rd(e, 0x08, 4), 0x02000001);
	assert_int_equal(rd(e, 0x0e, 1), 0x00);	/* one function here */
	assert_int_equal(rd(e, 0x2c, 4), 0x00031af4);
	assert_int_equal(rd(e, 0x34, 1), CAP_PM);
	assert_int_equal(rd(e, 0x3d, 1), 1);
	assert_in_range(rd(e, 0x3c, 1), 16, 23);	/* the slot's GSI */
	/* Extended space hidden: zeros, writes go nowhere. */
	assert_int_equal(rd(e, 0x100, 4), 0);
	wr(e, 0x100, 4, 0x12345678);
	assert_int_equal(rd(e, 0x100, 4), 0);
}

static void test_bars_sized_by_guest_never_written_to_device(void **state)
{
	struct env *e = *state;

	wr(e, 0x10, 4, 0xffffffff);
	wr(e, 0x14, 4, 0xffffffff);
	assert_int_equal(rd(e, 0x10, 4), 0xffffc00c);	/* 16K, 64-bit, pref */
	assert_int_equal(rd(e, 0x14, 4), 0xffffffff);
	wr(e, 0x18, 4, 0xffffffff);
	assert_int_equal(rd(e, 0x18, 4) & 0xffff, 0xffe1);	/* 32 bytes I/O */
	/* ROM: 2 KiB on the device, a 4 KiB read-only page for the guest. */
	wr(e, 0x30, 4, 0xffffffff);
	assert_int_equal(rd(e, 0x30, 4), 0xfffff001);
	for (uint32_t o = 0x10; o < 0x34; o++)
		assert_int_equal(fk->cfg_writes_at[o], 0);
	assert_non_null(e->vp->rom);
	assert_int_equal(e->vp->rom[0], 0x55);
	assert_int_equal(e->vp->rom[0x900], 0xff);
}

static void test_command_filtered_status_passed(void **state)
{
	struct env *e = *state;

	wr(e, 0x04, 2, 0xffff);
	/* The guest's IO/MEM/MASTER/PERR/SERR/INTxD; the device's bit 3 kept. */
	assert_int_equal(fk->cfg[0x04] | fk->cfg[0x05] << 8, 0x054f);
	/* Status comes from the device, live. */
	fk->cfg[0x06] = 0x10;
	fk->cfg[0x07] = 0x02;
	assert_int_equal(rd(e, 0x06, 2), 0x0210);
	assert_int_equal(rd(e, 0x04, 4) >> 16, 0x0210);
}

static void test_other_caps_pass_through(void **state)
{
	struct env *e = *state;

	/* PM control/status: read live from the device, written to it. */
	assert_int_equal(rd(e, CAP_PM, 2), 0x5001);
	wr(e, CAP_PM + 4, 2, 0x0003);
	assert_int_equal(fk->cfg_writes_at[CAP_PM + 4], 1);
	assert_int_equal(fk->cfg[CAP_PM + 4], 0x03);
	fk->cfg[CAP_PM + 4] = 0x0b;
	assert_int_equal(rd(e, CAP_PM + 4, 1), 0x0b);
	/* The list as the device has it. */
	assert_int_equal(rd(e, CAP_PM + 1, 1), CAP_MSI);
	assert_int_equal(rd(e, CAP_MSI + 1, 1), CAP_MSIX);
	assert_int_equal(rd(e, CAP_MSIX + 1, 1), 0);
}

static const struct irqset *last_set(uint32_t index)
{
	for (int i = fk->nsets - 1; i >= 0; i--)
		if (fk->sets[i].index == index)
			return &fk->sets[i];
	return NULL;
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	assert_int_equal(write(fd, &one, 8), 8);
}

static void test_msi_emulated_and_masked_pending(void **state)
{
	struct env *e = *state;
	const struct irqset *s;

	/* INTx was on from attach: trigger and resample (unmask) eventfds. */
	s = last_set(VFIO_PCI_INTX_IRQ_INDEX);
	assert_non_null(s);
	assert_int_equal(s->flags, VFIO_IRQ_SET_DATA_EVENTFD |
			 VFIO_IRQ_SET_ACTION_UNMASK);
	/* Guest programs MSI: 4 vectors, vector 1 masked, then enables. */
	wr(e, CAP_MSI + 4, 4, 0xfee00000);
	wr(e, CAP_MSI + 8, 4, 0);
	wr(e, CAP_MSI + 12, 2, 0x4020);
	wr(e, CAP_MSI + 16, 4, 0x2);
	wr(e, CAP_MSI + 2, 2, 0x0021);	/* MME = 2 (4 vectors), enable */
	for (uint32_t o = CAP_MSI; o < CAP_MSI + 24; o++)
		assert_int_equal(fk->cfg_writes_at[o], 0);
	assert_int_equal(rd(e, CAP_MSI + 2, 2), 0x01a7);
	s = last_set(VFIO_PCI_INTX_IRQ_INDEX);
	assert_int_equal(s->count, 0);		/* INTx off first */
	s = last_set(VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(s->count, 4);
	assert_int_equal(s->flags, VFIO_IRQ_SET_DATA_EVENTFD |
			 VFIO_IRQ_SET_ACTION_TRIGGER);
	/* Vector 1 fires while masked: pending, not lost. */
	efd_signal(s->fds[1]);
	assert_int_equal(rd(e, CAP_MSI + 20, 4), 0x2);
	assert_int_equal(e->vp->vecs[1].data, 0x4021);
	assert_true(e->vp->vecs[1].masked);
	assert_false(e->vp->vecs[0].masked);
	/* Unmask: the pending bit is delivered (and so cleared). */
	wr(e, CAP_MSI + 16, 4, 0x0);
	assert_int_equal(rd(e, CAP_MSI + 20, 4), 0);
	/* Disable: MSI off in the device, INTx back. */
	wr(e, CAP_MSI + 2, 2, 0x0000);
	s = last_set(VFIO_PCI_MSI_IRQ_INDEX);
	assert_int_equal(s->count, 0);
	assert_int_equal(s->flags, VFIO_IRQ_SET_DATA_NONE |
			 VFIO_IRQ_SET_ACTION_TRIGGER);
	assert_int_equal(e->vp->mode, VFIO_IRQ_INTX);
}

static void bar0(struct env *e, uint64_t off, void *data, uint32_t len,
		 bool is_write)
{
	e->pci->bars[0].fn(e->pci, 0, off, data, len, is_write);
}

static void test_msix_table_trapped_pba_pending(void **state)
{
	struct env *e = *state;
	const struct irqset *s;
	uint32_t v;
	uint64_t pba = 0;

	/* The table and PBA pages are trapped; the rest of BAR0 is mmap'd. */
	assert_int_equal(e->vp->bars[0].npieces, 1);
	assert_int_equal(e->vp->bars[0].pieces[0].off, 0);
	assert_int_equal(e->vp->bars[0].pieces[0].size, TABLE_OFF);
	/* The guest reads the emulated table, not the device's. */
	bar0(e, TABLE_OFF + 12, &v, 4, false);
	assert_int_equal(v, 1);		/* masked at reset */
	wr(e, CAP_MSIX + 2, 2, 0x8000);	/* enable */
	s = last_set(VFIO_PCI_MSIX_IRQ_INDEX);
	assert_int_equal(s->count, 8);
	assert_int_equal(e->vp->mode, VFIO_IRQ_MSIX);
	v = 0xfee00000;
	bar0(e, TABLE_OFF, &v, 4, true);
	v = 0x4031;
	bar0(e, TABLE_OFF + 8, &v, 4, true);
	v = 0;
	bar0(e, TABLE_OFF + 12, &v, 4, true);	/* unmask vector 0 */
	assert_false(e->vp->vecs[0].masked);
	assert_int_equal(e->vp->vecs[0].data, 0x4031);
	assert_true(e->vp->vecs[3].masked);
	/* Vector 3 fires while masked: the PBA shows it. */
	efd_signal(s->fds[3]);
	bar0(e, PBA_OFF, &pba, 8, false);
	assert_int_equal(pba, 1 << 3);
	assert_true(msix_vector_pending(e->vp->msix, 3));
	/* Function mask masks vector 0 too. */
	wr(e, CAP_MSIX + 2, 2, 0xc000);
	assert_true(e->vp->vecs[0].masked);
	/* The device's own table bytes were never touched. */
	assert_int_equal(fk->bar0[TABLE_OFF], 0xab);
	/* Disable: off in the device, INTx back. */
	wr(e, CAP_MSIX + 2, 2, 0x0000);
	s = last_set(VFIO_PCI_MSIX_IRQ_INDEX);
	assert_int_equal(s->count, 0);
	assert_int_equal(e->vp->mode, VFIO_IRQ_INTX);
	/* Other BAR bytes reach the device; past the region reads ones. */
	v = 0x11223344;
	bar0(e, 0x100, &v, 4, true);
	assert_int_equal(fk->bar0[0x100], 0x44);
}

static void test_region_info_sparse(void **state)
{
	struct {
		struct vfio_region_info info;
		struct vfio_region_info_cap_sparse_mmap sp;
		struct vfio_region_sparse_mmap_area a[3];
	} buf;
	struct vfio_region r;
	uint64_t off;

	(void)state;
	memset(&buf, 0, sizeof(buf));
	buf.info.argsz = sizeof(buf);
	buf.info.flags = VFIO_REGION_INFO_FLAG_READ |
			 VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
	buf.info.index = 0;
	buf.info.size = 0x10000;
	buf.info.offset = 0x7000000000ULL;
	buf.info.cap_offset = offsetof(typeof(buf), sp);
	buf.sp.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	buf.sp.nr_areas = 3;
	buf.a[0] = (struct vfio_region_sparse_mmap_area){ 0, 0x2000 };
	buf.a[1] = (struct vfio_region_sparse_mmap_area){ 0x4000, 0xc000 };
	buf.a[2] = (struct vfio_region_sparse_mmap_area){ 0xf000, 0x2000 };
	assert_int_equal(vfio_region_info_parse(&buf, sizeof(buf), &r, &off),
			 0);
	assert_true(off == 0x7000000000ULL && r.mmap_offset == off);
	assert_int_equal(r.nareas, 2);	/* the one past the end is dropped */
	assert_true(r.areas[1].off == 0x4000 && r.areas[1].size == 0xc000);
	buf.sp.nr_areas = 1000;
	assert_int_equal(vfio_region_info_parse(&buf, sizeof(buf), &r, &off),
			 -EINVAL);
}

static void test_bar_pieces(void **state)
{
	struct vfio_region r = {
		.flags = VFIO_REGION_INFO_FLAG_MMAP, .size = 0x10000,
		.nareas = 2,
		.areas = { { 0, 0x2800 }, { 0x4000, 0xc000 } },
	};
	struct iova_range holes[] = { { 0x8010, 0x801f } };
	struct vfio_piece p[8];

	(void)state;
	/* 0x2000-0x27ff is less than a page: trapped. The hole's page too. */
	assert_int_equal(vfio_bar_pieces(&r, holes, 1, p, 8), 3);
	assert_true(p[0].off == 0 && p[0].size == 0x2000);
	assert_true(p[1].off == 0x4000 && p[1].size == 0x4000);
	assert_true(p[2].off == 0x9000 && p[2].size == 0x7000);
	assert_int_equal(vfio_bar_pieces(&r, holes, 1, p, 2), -ENOSPC);
	r.flags = 0;
	assert_int_equal(vfio_bar_pieces(&r, holes, 1, p, 8), 0);
}

static void test_spec_parse(void **state)
{
	struct vfio_spec s;
	struct errbuf eb;

	(void)state;
	assert_int_equal(vfio_spec_parse("00:03.0", &s, &eb), 0);
	assert_false(s.user);
	assert_true(s.addr.dev == 3 && !s.irq_relay && !s.vf_token[0]);
	assert_int_equal(vfio_spec_parse("0000:01:00.1,irq=relay,vf_token="
		"12345678-9abc-def0-1234-56789abcdef0", &s, &eb), 0);
	assert_true(s.irq_relay && s.addr.bus == 1 && s.addr.fn == 1);
	assert_string_equal(s.vf_token, "12345678-9abc-def0-1234-56789abcdef0");
	assert_int_equal(vfio_spec_parse("vfio-user:/run/a,b.sock,irq=relay",
					 &s, &eb), 0);
	assert_true(s.user && s.irq_relay);
	assert_string_equal(s.user_path, "/run/a,b.sock");
	assert_int_equal(vfio_spec_parse("vfio-user:", &s, &eb), -EINVAL);
	assert_int_equal(vfio_spec_parse("eth0", &s, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "neither a PCI address"));
	assert_int_equal(vfio_spec_parse("00:03.0,irq=poll", &s, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "unknown option 'irq=poll'"));
	assert_int_equal(vfio_spec_parse("00:03.0,vf_token=xyz", &s, &eb),
			 -EINVAL);
	assert_non_null(strstr(eb.msg, "wants a UUID"));
}

static void test_intx_gsi(void **state)
{
	(void)state;
	assert_int_equal(vm_pci_intx_gsi(0, 1), 16);
	assert_int_equal(vm_pci_intx_gsi(3, 1), 19);
	assert_int_equal(vm_pci_intx_gsi(7, 2), 16);
	assert_int_equal(vm_pci_intx_gsi(31, 4), 18);
}

/* A device that cannot be reset is not given to a guest: it may hold state. */
static void test_reset_failure_refuses_device(void **state)
{
	struct env *e = *state;
	struct errbuf eb = { "" };

	fk->fail_reset = EIO;
	assert_int_equal(vfio_device_setup(e->vp, &eb), -ENODEV);
	e->extra_resets++;
	assert_non_null(strstr(eb.msg, "fake: reset failed (Input/output "
			       "error): it may still hold its last user's "
			       "state, so it is not given to the guest; "
			       "restart its vfio-user server, then try again"));
	fk->fail_reset = 0;
}

/* At exit: reported, and the rest of the teardown still happens. */
static void test_reset_failure_at_exit_reported(void **state)
{
	struct env *e = *state;
	struct errbuf eb = { "" };
	const struct irqset *s;

	fk->fail_reset = EIO;
	assert_int_equal(vfio_pci_detach_checked(e->vp, &eb), -EIO);
	e->vp = NULL;
	assert_non_null(strstr(eb.msg, "fake: reset at exit failed "
			       "(Input/output error): it may still hold the "
			       "guest's data; restart its vfio-user server"));
	assert_int_equal(fk->closes, 1);
	s = last_set(VFIO_PCI_INTX_IRQ_INDEX);
	assert_int_equal(s->count, 0);	/* interrupts off all the same */
	/* Nothing of it is left on the bus. */
	assert_int_equal(pci_bus_cfg_read(e->bus, e->bdf, 0, 4), 0xffffffff);
	fk->fail_reset = 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_header_is_ours),
		T(test_bars_sized_by_guest_never_written_to_device),
		T(test_command_filtered_status_passed),
		T(test_other_caps_pass_through),
		T(test_msi_emulated_and_masked_pending),
		T(test_msix_table_trapped_pba_pending),
		T(test_reset_failure_refuses_device),
		T(test_reset_failure_at_exit_reported),
		cmocka_unit_test(test_region_info_sparse),
		cmocka_unit_test(test_bar_pieces),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_intx_gsi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
