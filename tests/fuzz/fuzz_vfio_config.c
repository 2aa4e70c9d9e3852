// SPDX-License-Identifier: GPL-2.0-only
/*
 * An assigned device's config space virtualisation (vfio/vfio_pci_config.c
 * with the BARs of vfio_pci.c and the MSI / MSI-X / INTx emulation of
 * vfio_pci_irq.c), hostile from both sides:
 *  - the device: an in-process transport whose config space (capability
 *    chains with loops, caps running off the end, MSI-X tables in BARs that
 *    do not exist), region sizes, sparse-mmap areas, irq counts and failures
 *    are the fuzzer's, and which may change its own config bytes later;
 *  - the guest: any sequence of config reads and writes of any length at
 *    any offset (extended space and past it included), BAR accesses as the
 *    bus dispatches them, function resets and the device's interrupts.
 * No VM: the bus is made with vm NULL (as the unit tests do), so KVM slots
 * and irqfds are not made; what they would be is checked instead.
 *
 * Invariants, beyond "no crash, no bad access, no leak":
 *  - every transport access is inside its region (config: the standard
 *    256 bytes), to a region the device has;
 *  - the device never sees a guest write to a header byte other than
 *    command/status, to the BARs or ROM BAR, or to the MSI / MSI-X
 *    capability, and of the command register only the guest-ownable bits
 *    change;
 *  - a read of n bytes carries n bytes (the callback leaves the rest of the
 *    value alone); ids, class and capability pointer are the device's as at
 *    attach; a byte passed through is the device's live byte (all ones when
 *    the device cannot be read); extended space reads as zeros;
 *  - mmap'd BAR pieces are page-aligned, inside the region and the guest's
 *    BAR, off the MSI-X table and PBA pages; a BAR decodes only at an
 *    aligned non-zero address; the ROM decodes only size-aligned below 4G;
 *  - interrupts as vfio-pci allows them: one irq index triggering at a time,
 *    the INTx unmask only while INTx is on, valid eventfds, counts within the
 *    device's; the emulation's mode matches what the device was told;
 *  - attach either succeeds or fails having closed the transport once and
 *    left no descriptor open; detach turns interrupts off and closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio/vfio_impl.h"
#include "vmm/pci.h"
#include "fuzz_input.h"

#define NREG		VFIO_PCI_NUM_REGIONS
#define NIRQ		VFIO_PCI_NUM_IRQS
#define CFG_STD		256
#define CMD_PASS	0x0547
#define MAX_VEC		2048
#define MMAP_MAX	(64ULL << 20)	/* larger regions: not mmap'able */

struct fdev {
	struct vfio_transport t;
	struct vfio_pci *vp;		/* once built: its emul[] and caps */
	uint32_t dev_flags, nregions, nirqs;
	uint8_t cfg[CFG_STD];		/* live */
	uint8_t cfg0[CFG_STD];		/* at power-on */
	struct vfio_region reg[NREG];
	uint32_t irq_count[NIRQ];
	bool fail_io, fail_set, fail_reset;
	int active;			/* irq index triggering, or -1 */
	uint32_t active_n;
	bool unmask_set;		/* INTx resample eventfd given */
	int32_t fds[MAX_VEC];
	int resets, closes;
};

static int memfd = -1;

static struct fdev *of(struct vfio_transport *t)
{
	return (struct fdev *)t;
}

static int f_device_info(struct vfio_transport *t, uint32_t *flags,
			 uint32_t *nr, uint32_t *ni)
{
	*flags = of(t)->dev_flags;
	*nr = of(t)->nregions;
	*ni = of(t)->nirqs;
	return 0;
}

static int f_region_info(struct vfio_transport *t, uint32_t i,
			 struct vfio_region *r)
{
	if (i >= of(t)->nregions || i >= NREG)
		return -EINVAL;
	*r = of(t)->reg[i];
	return 0;
}

static uint8_t pattern(uint32_t i, uint64_t off)
{
	return (uint8_t)(off * 7 + i * 31 + 1);
}

/* Where a guest write may land in the device's config space. */
static void cfg_write_allowed(struct fdev *f, uint64_t off, const uint8_t *b)
{
	struct vfio_pci *vp = f->vp;

	if (off == 4 || off == 5) {
		uint8_t keep = (uint8_t)(~CMD_PASS >> (8 * (off - 4)));

		FUZZ_CHECK((b[0] & keep) == (f->cfg[off] & keep));
		return;
	}
	FUZZ_CHECK(off >= 0x40 || off == 6 || off == 7);
	if (!vp)
		return;
	if (vp->msix_cap)
		FUZZ_CHECK(off < (uint64_t)vp->msix_cap ||
			   off >= (uint64_t)vp->msix_cap + 12);
	if (vp->msi_cap)
		FUZZ_CHECK(off < (uint64_t)vp->msi_cap ||
			   off >= (uint64_t)vp->msi_cap + (vp->msi_64 ? 14 : 10) +
				  (vp->msi_pvm ? 10 : 0));
	FUZZ_CHECK(!vp->emul[off]);
}

static int f_region_rw(struct vfio_transport *t, uint32_t i, uint64_t off,
		       void *buf, size_t len, bool is_write)
{
	struct fdev *f = of(t);
	uint8_t *b = buf;

	FUZZ_CHECK(i < f->nregions && i < NREG && len);
	FUZZ_CHECK(off < f->reg[i].size && len <= f->reg[i].size - off);
	if (i == VFIO_PCI_CONFIG_REGION_INDEX)
		FUZZ_CHECK(off + len <= CFG_STD);
	if (f->fail_io)
		return -EIO;
	if (i != VFIO_PCI_CONFIG_REGION_INDEX && !is_write && len > 64) {
		memset(b, pattern(i, 0), len);	/* the ROM: quick */
		return 0;
	}
	for (size_t k = 0; k < len; k++) {
		if (i != VFIO_PCI_CONFIG_REGION_INDEX) {
			if (!is_write)
				b[k] = pattern(i, off + k);
		} else if (is_write) {
			cfg_write_allowed(f, off + k, &b[k]);
			f->cfg[off + k] = b[k];
		} else {
			b[k] = f->cfg[off + k];
		}
	}
	return 0;
}

static int f_region_read(struct vfio_transport *t, uint32_t i, uint64_t off,
			 void *buf, size_t len)
{
	return f_region_rw(t, i, off, buf, len, false);
}

static int f_region_write(struct vfio_transport *t, uint32_t i, uint64_t off,
			  const void *buf, size_t len)
{
	return f_region_rw(t, i, off, (void *)buf, len, true);
}

static int f_irq_info(struct vfio_transport *t, uint32_t i,
		      struct vfio_irq *irq)
{
	if (i >= of(t)->nirqs || i >= NIRQ)
		return -EINVAL;
	irq->index = i;
	irq->count = of(t)->irq_count[i];
	irq->flags = VFIO_IRQ_INFO_EVENTFD;
	return 0;
}

/* What vfio-pci's VFIO_DEVICE_SET_IRQS accepts (vfio_pci_intrs.c). */
static int f_set_irqs(struct vfio_transport *t, uint32_t index,
		      uint32_t start, uint32_t count, uint32_t flags,
		      const int32_t *fds)
{
	struct fdev *f = of(t);
	uint32_t action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t data = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

	FUZZ_CHECK(index < f->nirqs && index < NIRQ);
	FUZZ_CHECK(!(flags & ~(VFIO_IRQ_SET_ACTION_TYPE_MASK |
			       VFIO_IRQ_SET_DATA_TYPE_MASK)));
	FUZZ_CHECK(data == VFIO_IRQ_SET_DATA_NONE ||
		   data == VFIO_IRQ_SET_DATA_EVENTFD);
	FUZZ_CHECK((data == VFIO_IRQ_SET_DATA_EVENTFD) == !!fds);
	if (action == VFIO_IRQ_SET_ACTION_UNMASK) {
		FUZZ_CHECK(index == VFIO_PCI_INTX_IRQ_INDEX && count == 1);
		FUZZ_CHECK(f->active == VFIO_PCI_INTX_IRQ_INDEX);
		FUZZ_CHECK(fds && fds[0] >= 0 && fcntl(fds[0], F_GETFD) >= 0);
		f->unmask_set = true;
		return 0;
	}
	FUZZ_CHECK(action == VFIO_IRQ_SET_ACTION_TRIGGER);
	if (!count) {
		FUZZ_CHECK(data == VFIO_IRQ_SET_DATA_NONE && !start);
		if (f->active == (int)index) {
			f->active = -1;
			f->unmask_set = false;
		}
		return 0;
	}
	FUZZ_CHECK(data == VFIO_IRQ_SET_DATA_EVENTFD && !start);
	/* vfio-pci: one index at a time, the other disabled first. */
	FUZZ_CHECK(f->active == -1);
	if (f->fail_set || count > f->irq_count[index])
		return -EINVAL;
	FUZZ_CHECK(count <= MAX_VEC);
	for (uint32_t v = 0; v < count; v++) {
		FUZZ_CHECK(fds[v] >= 0 && fcntl(fds[v], F_GETFD) >= 0);
		f->fds[v] = fds[v];
	}
	f->active = index;
	f->active_n = count;
	return 0;
}

static int f_reset(struct vfio_transport *t)
{
	struct fdev *f = of(t);

	f->resets++;
	if (f->fail_reset)
		return -EIO;
	memcpy(f->cfg, f->cfg0, CFG_STD);
	return 0;
}

static void f_close(struct vfio_transport *t)
{
	of(t)->closes++;
}

static const struct vfio_transport_ops fake_ops = {
	.name = "fuzz", .device_info = f_device_info,
	.region_info = f_region_info, .region_read = f_region_read,
	.region_write = f_region_write, .irq_info = f_irq_info,
	.set_irqs = f_set_irqs, .reset = f_reset, .close = f_close,
};

/* A region as a transport hands it on: areas inside it, at most 8. */
static void region_from(struct fdev *f, uint32_t i, struct fuzz_in *in)
{
	struct vfio_region *r = &f->reg[i];
	uint8_t kind = fuzz_u8(in);
	unsigned int n = kind >> 4 & 7;

	memset(r, 0, sizeof(*r));
	r->index = i;
	r->mmap_fd = -1;
	r->size = fuzz_le(in, 5);
	r->flags = (kind & 1 ? VFIO_REGION_INFO_FLAG_READ : 0) |
		   (kind & 2 ? VFIO_REGION_INFO_FLAG_WRITE : 0);
	if ((kind & 4) && r->size <= MMAP_MAX) {
		r->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		r->mmap_fd = kind & 8 ? -1 : memfd;	/* -1: mmap fails */
	}
	for (unsigned int k = 0; k < n; k++) {
		uint64_t off = fuzz_u32(in), size = fuzz_u32(in);

		if (!size || off >= r->size || size > r->size - off)
			continue;
		r->areas[r->nareas].off = off;
		r->areas[r->nareas].size = size;
		r->nareas++;
	}
}

static void device_from(struct fdev *f, struct fuzz_in *in)
{
	uint8_t flags = fuzz_u8(in);

	memset(f, 0, sizeof(*f));
	f->t.ops = &fake_ops;
	strcpy(f->t.name, "fuzz");
	f->active = -1;
	f->dev_flags = VFIO_DEVICE_FLAGS_PCI |
		       (flags & 1 ? VFIO_DEVICE_FLAGS_RESET : 0);
	f->fail_reset = flags & 16;
	f->nregions = flags & 2 ? fuzz_u8(in) % (NREG + 1) : NREG;
	f->nirqs = flags & 4 ? fuzz_u8(in) % (NIRQ + 1) : NIRQ;
	fuzz_bytes(in, f->cfg0, CFG_STD);
	memcpy(f->cfg, f->cfg0, CFG_STD);
	for (uint32_t i = 0; i < NREG; i++) {
		if (i == VFIO_PCI_CONFIG_REGION_INDEX) {
			f->reg[i] = (struct vfio_region){ .index = i,
				.size = flags & 8 ? 4096 : CFG_STD,
				.flags = VFIO_REGION_INFO_FLAG_READ |
					 VFIO_REGION_INFO_FLAG_WRITE,
				.mmap_fd = -1 };
		} else if (i <= VFIO_PCI_ROM_REGION_INDEX) {
			region_from(f, i, in);
		} else {
			f->reg[i] = (struct vfio_region){ .index = i,
							  .mmap_fd = -1 };
		}
	}
	f->irq_count[VFIO_PCI_INTX_IRQ_INDEX] = fuzz_u8(in) & 1;
	f->irq_count[VFIO_PCI_MSI_IRQ_INDEX] = fuzz_u8(in) % 33;
	f->irq_count[VFIO_PCI_MSIX_IRQ_INDEX] = fuzz_u16(in) % (MAX_VEC + 1);
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(VFIO_PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + VFIO_PAGE - 1) & ~(VFIO_PAGE - 1);
}

static bool hits(uint64_t off, uint64_t size, uint64_t s, uint64_t n)
{
	uint64_t lo = page_down(s), hi = page_up(s + n);

	return off < hi && lo < off + size;
}

/* The mmap'd pieces and where they would become KVM slots. */
static void check_bars(struct fdev *f, struct pci_device *pci)
{
	struct vfio_pci *vp = f->vp;

	for (int i = 0; i < PCI_NUM_BARS; i++) {
		struct vfio_pci_bar *b = &vp->bars[i];
		struct pci_bar *pb = &pci->bars[i];

		if (pb->mapped) {
			FUZZ_CHECK(pb->size && pb->map_addr &&
				   !(pb->map_addr & (pb->size - 1)));
			FUZZ_CHECK(pb->size >= b->r.size);
		}
		FUZZ_CHECK(!b->npieces || (!b->io && pb->size));
		for (int k = 0; k < b->npieces; k++) {
			struct vfio_piece *p = &b->pieces[k];

			FUZZ_CHECK(p->size && !(p->off % VFIO_PAGE) &&
				   !(p->size % VFIO_PAGE));
			FUZZ_CHECK(p->off < b->r.size &&
				   p->size <= b->r.size - p->off);
			FUZZ_CHECK(p->off + p->size <= pb->size);
			FUZZ_CHECK(p->hva && p->slot < 0);
			if (vp->msix_cap && vp->msix_table_bar == i)
				FUZZ_CHECK(!hits(p->off, p->size,
						 vp->msix_table_off,
						 MSIX_TABLE_SIZE(vp->msix_nvec)));
			if (vp->msix_cap && vp->msix_pba_bar == i)
				FUZZ_CHECK(!hits(p->off, p->size,
						 vp->msix_pba_off,
						 MSIX_PBA_SIZE(vp->msix_nvec)));
		}
	}
}

static void check_rom(struct fdev *f)
{
	struct vfio_pci *vp = f->vp;
	uint64_t addr;

	if (!vp->rom) {
		FUZZ_CHECK(!vfio_rom_wanted(vp, &addr));
		return;
	}
	FUZZ_CHECK(vp->rom_size >= VFIO_PAGE &&
		   !(vp->rom_size & (vp->rom_size - 1)));
	FUZZ_CHECK(vp->rom_size >= f->reg[VFIO_PCI_ROM_REGION_INDEX].size);
	if (vfio_rom_wanted(vp, &addr))
		FUZZ_CHECK(addr && !(addr & (vp->rom_size - 1)) &&
			   addr + vp->rom_size <= (1ULL << 32));
}

static void check_irqs(struct fdev *f)
{
	static const int index_of[] = {
		[VFIO_IRQ_NONE] = -1,
		[VFIO_IRQ_INTX] = VFIO_PCI_INTX_IRQ_INDEX,
		[VFIO_IRQ_MSI] = VFIO_PCI_MSI_IRQ_INDEX,
		[VFIO_IRQ_MSIX] = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	struct vfio_pci *vp = f->vp;

	FUZZ_CHECK(f->active == index_of[vp->mode]);
	FUZZ_CHECK(vp->intx_on == (vp->mode == VFIO_IRQ_INTX));
	if (vp->mode == VFIO_IRQ_MSI)
		FUZZ_CHECK(vp->msi_on && vp->msi_on <= vp->msi_max &&
			   vp->msi_on == f->active_n);
	if (vp->mode == VFIO_IRQ_MSIX)
		FUZZ_CHECK(f->active_n == vp->msix_nvec);
}

/* The guest's read of len bytes at off, against the model. */
static void check_read(struct fdev *f, struct pci_bus *bus, uint16_t bdf,
		       uint32_t off, uint32_t len)
{
	struct vfio_pci *vp = f->vp;
	uint32_t val = pci_bus_cfg_read(bus, bdf, off, len);
	uint32_t sentinel = 0xa5c3e10f, direct = sentinel, n;

	if (len && len < 4)
		FUZZ_CHECK(!(val >> (8 * len)));
	if (!len || len > 4 || off >= PCI_CFG_SIZE)
		return;
	/* The callback itself (as the bus calls it): the rest is not its. */
	n = len > PCI_CFG_SIZE - off ? PCI_CFG_SIZE - off : len;
	vfio_config_read(vp->pci, off, n, &direct);
	if (n < 4)
		FUZZ_CHECK((direct ^ sentinel) >> (8 * n) == 0);
	for (uint32_t i = 0; i < len && off + i < PCI_CFG_SIZE; i++) {
		uint32_t o = off + i;
		uint8_t got = val >> (8 * i), want;

		if (o >= CFG_STD)
			want = 0;
		else if (o < 4 || (o >= 8 && o < 12) || (o >= 0x2c && o < 0x30))
			want = f->cfg0[o];
		else if (o == 0x0e)
			want = f->cfg0[o] & 0x7f;
		else if (o == 0x34)
			want = f->cfg0[o] & ~3u;
		else if (o == 0x3d)
			want = vp->intx_able ? f->cfg0[o] : 0;
		else if (!vp->emul[o])
			want = f->fail_io ? 0xff : f->cfg[o];
		else
			continue;	/* emulated: the bus's copy */
		if (got != want)
			fprintf(stderr, "config byte %#x (read %u at %#x): "
				"%#x, expected %#x\n", o, len, off, got, want);
		FUZZ_CHECK(got == want);
	}
}

static void bar_access(struct fdev *f, struct pci_device *pci,
		       struct fuzz_in *in, uint8_t op)
{
	struct vfio_pci *vp = f->vp;
	int bar = fuzz_u8(in) % PCI_NUM_BARS;
	struct pci_bar *pb = &pci->bars[bar];
	uint32_t len = 1u << (fuzz_u8(in) & 3);
	uint64_t off = fuzz_u32(in);
	uint8_t *buf;

	/* Aimed at the MSI-X table or PBA, or anywhere. */
	if (vp->msix_cap && (op & 0x30) == 0x10) {
		bar = vp->msix_table_bar;
		off = vp->msix_table_off + off % (MSIX_TABLE_SIZE(vp->msix_nvec) + 16);
	} else if (vp->msix_cap && (op & 0x30) == 0x20) {
		bar = vp->msix_pba_bar;
		off = vp->msix_pba_off + off % (MSIX_PBA_SIZE(vp->msix_nvec) + 16);
	}
	pb = &pci->bars[bar];
	/* As the bus's trap dispatches: inside the guest's BAR only. */
	if (!pb->fn || off >= pb->size || len > pb->size - off)
		return;
	buf = malloc(len);
	FUZZ_CHECK(buf);
	fuzz_bytes(in, buf, len);
	pb->fn(pci, bar, off, buf, len, op & 0x80);
	free(buf);
}

static void fire(struct fdev *f, struct fuzz_in *in)
{
	uint16_t v = fuzz_u16(in);
	uint64_t one = 1;

	if (f->active < 0 || !f->active_n)
		return;
	v %= f->active_n;
	FUZZ_CHECK(write(f->fds[v], &one, sizeof(one)) == sizeof(one));
}

static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	FUZZ_CHECK(fd >= 0);
	close(fd);
	return fd;
}

static void run(struct fdev *f, struct pci_bus *bus, struct pci_device *pci,
		struct fuzz_in *in)
{
	struct pci_addr a;
	unsigned int steps = 0;
	uint16_t bdf;

	pci_device_addr(pci, &a);
	bdf = a.dev << 3;
	check_bars(f, pci);
	check_irqs(f);
	while (fuzz_more(in) && steps++ < 2048) {
		uint8_t op = fuzz_u8(in);
		uint32_t off = fuzz_u16(in), len;

		/* Mostly the standard space, sometimes anywhere. */
		off = op & 0x40 ? off : off % (CFG_STD + 8);
		len = op & 0x20 ? fuzz_u8(in) % 9 : 1u << (fuzz_u8(in) % 3);
		switch (op & 7) {
		case 0:
		case 1:
			check_read(f, bus, bdf, off, len);
			break;
		case 2:
		case 3:
			pci_bus_cfg_write(bus, bdf, off, len, fuzz_u32(in));
			break;
		case 4:
			bar_access(f, pci, in, op);
			break;
		case 5:		/* the device changes a byte of its own */
			f->cfg[off % CFG_STD] = fuzz_u8(in);
			break;
		case 6:
			fire(f, in);
			break;
		case 7:
			switch (op >> 3 & 3) {
			case 0:
				pci_device_reset(pci);
				break;
			case 1:
				f->fail_io = !f->fail_io;
				break;
			default:
				f->fail_set = !f->fail_set;
				break;
			}
			break;
		}
		check_bars(f, pci);
		check_rom(f);
		check_irqs(f);
	}
	for (uint32_t o = 0; o < CFG_STD + 16; o += 4)
		check_read(f, bus, bdf, o, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fdev f;
	struct fuzz_in in = { data, size };
	struct pci_device *pci = NULL;
	struct pci_bus *bus;
	struct vfio_pci *vp;
	struct errbuf eb = { { 0 } };
	int fd_before, resets;

	if (memfd < 0) {
		memfd = memfd_create("fuzz-bar", MFD_CLOEXEC);
		FUZZ_CHECK(memfd >= 0 && !ftruncate(memfd, MMAP_MAX));
	}
	fd_before = next_fd();
	device_from(&f, &in);
	FUZZ_CHECK(pci_bus_create(NULL, &bus, &eb) == 0);
	vp = vfio_pci_alloc(NULL, &f.t, NULL);
	FUZZ_CHECK(vp);
	/* The steps of vfio_pci_attach_opts, on a bus without a VM. */
	if (vfio_device_setup(vp, &eb))
		goto err_free;
	if (pci_device_create_on(bus, "fuzz", &vfio_pci_dev_ops, vp, &pci,
				 &eb))
		goto err_free;
	f.vp = vp;
	if (vfio_pci_build(vp, pci, &eb))
		goto err_pci;
	run(&f, bus, pci, &in);
	resets = f.resets;
	vfio_pci_detach(vp);
	FUZZ_CHECK(f.resets == resets +
		   !!(f.dev_flags & VFIO_DEVICE_FLAGS_RESET));
	goto out;

err_pci:
	FUZZ_CHECK(eb.msg[0]);
	if (getenv("FUZZ_VERBOSE"))	/* for whoever writes seeds */
		fprintf(stderr, "attach refused: %s\n", eb.msg);
	pci_device_destroy(pci);
err_free:
	FUZZ_CHECK(eb.msg[0]);
	if (getenv("FUZZ_VERBOSE") && !pci)
		fprintf(stderr, "attach refused: %s\n", eb.msg);
	vfio_pci_free(vp);
out:
	/* Interrupts off, the transport closed once, no descriptor left. */
	FUZZ_CHECK(f.active == -1);
	FUZZ_CHECK(f.closes == 1);
	pci_bus_destroy(bus);
	FUZZ_CHECK(next_fd() == fd_before);
	return 0;
}
