// SPDX-License-Identifier: GPL-2.0-only
/*
 * One assigned device on the VM's PCI bus: its BARs, attach and detach.
 *
 * Every BAR is registered trapped with the bus (its accesses reach
 * bar_access: forwarded to the region, or to the MSI-X table and PBA
 * emulation), and where the region can be mmap'd its pages are also KVM
 * memory slots while the BAR decodes (bar_map). A slot takes precedence
 * over the trap, so only the holes exit: the pages holding the MSI-X table
 * and PBA, areas the kernel's sparse-mmap capability leaves out, and
 * sub-page remnants. I/O BARs are always trapped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "vfio_impl.h"

#define PCI_BASE_ADDRESS_0	0x10
#define BAR_IO			0x1
#define BAR_MEM64		0x4
#define BAR_PREFETCH		0x8

static uint64_t page_up(uint64_t v)
{
	return (v + VFIO_PAGE - 1) & ~(VFIO_PAGE - 1);
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(VFIO_PAGE - 1);
}

int vfio_bar_pieces(const struct vfio_region *r,
		    const struct iova_range *holes, size_t nholes,
		    struct vfio_piece *out, int max)
{
	struct iova_range *rs, h[8];
	size_t n = 0, nh = 0;
	int count = 0, ret;

	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || !r->size)
		return 0;
	if (nholes > ARRAY_SIZE(h))
		return -EINVAL;
	rs = calloc(r->nareas ? r->nareas : 1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	if (!r->nareas)
		rs[n++] = (struct iova_range){ 0, r->size - 1 };
	for (unsigned int i = 0; i < r->nareas; i++)
		rs[n++] = (struct iova_range){ r->areas[i].off,
			r->areas[i].off + r->areas[i].size - 1 };
	/* A trapped byte traps its whole page. */
	for (size_t i = 0; i < nholes; i++, nh++)
		h[nh] = (struct iova_range){ page_down(holes[i].start),
			page_up(holes[i].last + 1) - 1 };
	ret = iova_ranges_subtract(&rs, &n, h, nh);
	if (ret) {
		free(rs);
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t s = page_up(rs[i].start), e = page_down(rs[i].last + 1);

		if (e <= s)
			continue;	/* less than a page: stays trapped */
		if (count == max) {
			free(rs);
			return -ENOSPC;
		}
		out[count++] = (struct vfio_piece){ .off = s, .size = e - s,
						    .slot = -1 };
	}
	free(rs);
	return count;
}

/* Trapped accesses: MSI-X table/PBA emulation, else the device. */
static void bar_access(struct pci_device *dev, int bar, uint64_t off,
		       uint8_t *data, uint32_t len, bool is_write)
{
	struct vfio_pci *vp = pci_device_opaque(dev);
	struct vfio_pci_bar *b = &vp->bars[bar];
	int ret;

	if (vp->msix && bar == vp->msix_table_bar &&
	    off >= vp->msix_table_off &&
	    off + len <= vp->msix_table_off + MSIX_TABLE_SIZE(vp->msix_nvec)) {
		pthread_mutex_lock(&vp->irq_lock);
		msix_table_access(vp->msix, off - vp->msix_table_off, data,
				  len, is_write);
		pthread_mutex_unlock(&vp->irq_lock);
		return;
	}
	if (vp->msix && bar == vp->msix_pba_bar && off >= vp->msix_pba_off &&
	    off + len <= vp->msix_pba_off + MSIX_PBA_SIZE(vp->msix_nvec)) {
		if (!is_write) {
			pthread_mutex_lock(&vp->irq_lock);
			vfio_msix_pba_read(vp, off - vp->msix_pba_off, data,
					   len);
			pthread_mutex_unlock(&vp->irq_lock);
		}
		return;
	}
	/* Past the region (the guest's BAR is rounded up): a bus error. */
	if (off >= b->r.size || len > b->r.size - off) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write)
		ret = vp->t->ops->region_write(vp->t, bar, off, data, len);
	else
		ret = vp->t->ops->region_read(vp->t, bar, off, data, len);
	if (ret && !is_write)
		memset(data, 0xff, len);
}

static int vfio_bar_map(struct pci_device *dev, int bar, uint64_t addr,
			uint64_t size)
{
	struct vfio_pci *vp = pci_device_opaque(dev);
	struct vfio_pci_bar *b = &vp->bars[bar];

	(void)size;
	if (!vp->vm)
		return 0;
	for (int i = 0; i < b->npieces; i++) {
		struct vfio_piece *p = &b->pieces[i];
		int slot = vm_map_user_memory(vp->vm, addr + p->off, p->size,
					      p->hva, false);

		if (slot < 0) {
			/* Unmapped pieces stay trapped: slower, still right. */
			continue;
		}
		p->slot = slot;
	}
	return 0;
}

static void vfio_bar_unmap(struct pci_device *dev, int bar, uint64_t addr,
			   uint64_t size)
{
	struct vfio_pci *vp = pci_device_opaque(dev);
	struct vfio_pci_bar *b = &vp->bars[bar];

	(void)addr;
	(void)size;
	for (int i = 0; i < b->npieces; i++) {
		if (b->pieces[i].slot < 0)
			continue;
		vm_unmap_user_memory(vp->vm, b->pieces[i].slot);
		b->pieces[i].slot = -1;
	}
}

/* A guest-initiated reset (VM reboot): the device too. */
static void vfio_dev_reset(struct pci_device *dev)
{
	struct vfio_pci *vp = pci_device_opaque(dev);

	pthread_mutex_lock(&vp->irq_lock);
	vfio_irq_reset(vp);
	pthread_mutex_unlock(&vp->irq_lock);
	if (vp->dev_flags & VFIO_DEVICE_FLAGS_RESET)
		vp->t->ops->reset(vp->t);
	if (vp->rom_slot >= 0) {
		vm_unmap_user_memory(vp->vm, vp->rom_slot);
		vp->rom_slot = -1;
	}
	if (vp->intx_able) {
		pci_cfg_set(dev, 0x3c, 1, vp->intx_gsi);
		pthread_mutex_lock(&vp->irq_lock);
		vfio_intx_enable(vp);
		pthread_mutex_unlock(&vp->irq_lock);
	}
}

const struct pci_device_ops vfio_pci_dev_ops = {
	.cfg_read = vfio_config_read,
	.cfg_write = vfio_config_write,
	.bar_map = vfio_bar_map,
	.bar_unmap = vfio_bar_unmap,
	.reset = vfio_dev_reset,
};

/* The MSI-X table and PBA inside BAR i, as holes for the mmap. */
static size_t msix_holes(struct vfio_pci *vp, int i, struct iova_range *h)
{
	size_t n = 0;

	if (!vp->msix_cap)
		return 0;
	if (vp->msix_table_bar == i)
		h[n++] = (struct iova_range){ vp->msix_table_off,
			vp->msix_table_off + MSIX_TABLE_SIZE(vp->msix_nvec) - 1 };
	if (vp->msix_pba_bar == i)
		h[n++] = (struct iova_range){ vp->msix_pba_off,
			vp->msix_pba_off + MSIX_PBA_SIZE(vp->msix_nvec) - 1 };
	return n;
}

static int bar_mmap(struct vfio_pci *vp, int i, struct errbuf *eb)
{
	struct vfio_pci_bar *b = &vp->bars[i];
	struct iova_range holes[2];
	int n;

	n = vfio_bar_pieces(&b->r, holes, msix_holes(vp, i, holes), b->pieces,
			    VFIO_BAR_PIECES);
	if (n < 0)
		return errbuf_set(eb, n, "%s: BAR%d: too many mappable areas",
				  vp->t->name, i);
	b->npieces = n;
	for (int k = 0; k < n; k++) {
		struct vfio_piece *p = &b->pieces[k];
		void *hva = mmap(NULL, p->size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, b->r.mmap_fd,
				 b->r.mmap_offset + p->off);

		if (hva == MAP_FAILED) {
			/* This piece is trapped instead. */
			b->pieces[k--] = b->pieces[--b->npieces];
			n--;
			continue;
		}
		p->hva = hva;
	}
	return 0;
}

static int bars_setup(struct vfio_pci *vp, struct errbuf *eb)
{
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		struct vfio_pci_bar *b = &vp->bars[i];
		uint32_t reg;
		int ret;

		ret = vp->t->ops->region_info(vp->t, i, &b->r);
		if (ret)
			return errbuf_set(eb, ret, "%s: region info of BAR%d: "
					  "%s", vp->t->name, i, strerror(-ret));
		if (!b->r.size)
			continue;
		reg = vp->hw_cfg[PCI_BASE_ADDRESS_0 + 4 * i] |
		      (uint32_t)vp->hw_cfg[PCI_BASE_ADDRESS_0 + 4 * i + 1] << 8;
		b->io = reg & BAR_IO;
		if (b->io)
			b->flags = PCI_BAR_IO;
		else
			b->flags = (reg & BAR_MEM64 ? PCI_BAR_MEM64 : 0) |
				   (reg & BAR_PREFETCH ? PCI_BAR_PREFETCH : 0);
		ret = pci_device_add_bar(vp->pci, i, b->r.size, b->flags,
					 bar_access);
		if (ret)
			return errbuf_set(eb, ret, "%s: BAR%d (%s, %#llx bytes) "
					  "cannot be put on the VM's bus",
					  vp->t->name, i, b->io ? "I/O" : "memory",
					  (unsigned long long)b->r.size);
		if (!b->io) {
			ret = bar_mmap(vp, i, eb);
			if (ret)
				return ret;
		}
		if (b->flags & PCI_BAR_MEM64)
			i++;	/* the upper half */
	}
	return 0;
}

static void bars_release(struct vfio_pci *vp)
{
	for (int i = 0; i < PCI_NUM_BARS; i++)
		for (int k = 0; k < vp->bars[i].npieces; k++)
			munmap(vp->bars[i].pieces[k].hva,
			       vp->bars[i].pieces[k].size);
}

void vfio_pci_free(struct vfio_pci *vp)
{
	vfio_irq_exit(vp);
	bars_release(vp);
	if (vp->rom)
		munmap(vp->rom, vp->rom_size ? vp->rom_size : VFIO_PAGE);
	pthread_mutex_destroy(&vp->irq_lock);
	vp->t->ops->close(vp->t);
	free(vp);
}

/* What the user can do about a device that does not reset. */
static const char *reset_advice(struct vfio_transport *t)
{
	if (!strcmp(t->ops->name, "vfio"))
		return "reset it on the host (echo 1 > /sys/bus/pci/devices/"
		       "BDF/reset) or unbind and bind it to vfio-pci again";
	return "restart its vfio-user server";
}

int vfio_device_setup(struct vfio_pci *vp, struct errbuf *eb)
{
	uint32_t nregions, nirqs;
	struct vfio_irq intx;
	int ret;

	ret = vp->t->ops->device_info(vp->t, &vp->dev_flags, &nregions, &nirqs);
	if (ret)
		return errbuf_set(eb, ret, "%s: device info: %s", vp->t->name,
				  strerror(-ret));
	if (nregions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    nirqs <= VFIO_PCI_MSIX_IRQ_INDEX)
		return errbuf_set(eb, -ENODEV, "%s is not a PCI device (%u "
				  "regions, %u irqs)", vp->t->name, nregions,
				  nirqs);
	/*
	 * A clean device: nothing the last user left running. One that says
	 * it can reset and then fails to may hold its last user's state (DMA
	 * set up, data in its memory): not given to a guest like that.
	 */
	if (vp->dev_flags & VFIO_DEVICE_FLAGS_RESET) {
		ret = vp->t->ops->reset(vp->t);
		if (ret)
			return errbuf_set(eb, -ENODEV, "%s: reset failed (%s): "
					  "it may still hold its last user's "
					  "state, so it is not given to the "
					  "guest; %s, then try again",
					  vp->t->name, strerror(-ret),
					  reset_advice(vp->t));
	}
	ret = vp->t->ops->region_read(vp->t, VFIO_PCI_CONFIG_REGION_INDEX,
				      0x3d, &vp->hw_cfg[0x3d], 1);
	if (ret)
		return errbuf_set(eb, ret, "%s: cannot read its config space: "
				  "%s", vp->t->name, strerror(-ret));
	vp->intx_able = vp->hw_cfg[0x3d] &&
			!vp->t->ops->irq_info(vp->t, VFIO_PCI_INTX_IRQ_INDEX,
					      &intx) && intx.count;
	return 0;
}

struct vfio_pci *vfio_pci_alloc(struct vm *vm, struct vfio_transport *t,
				const struct vfio_pci_opts *opts)
{
	struct vfio_pci *vp = calloc(1, sizeof(*vp));

	if (!vp)
		return NULL;
	vp->vm = vm;
	vp->t = t;
	vp->relay = opts && opts->irq_relay;
	vp->rom_slot = -1;
	vp->intx_efd = vp->intx_resample = -1;
	vp->relay_epfd = vp->relay_stop = -1;
	pthread_mutex_init(&vp->irq_lock, NULL);
	return vp;
}

int vfio_pci_build(struct vfio_pci *vp, struct pci_device *pci,
		   struct errbuf *eb)
{
	struct pci_addr a;
	int ret;

	vp->pci = pci;
	ret = vfio_config_init(vp, eb);
	if (!ret)
		ret = bars_setup(vp, eb);
	if (!ret)
		ret = vfio_irq_init(vp, eb);
	if (!ret)
		ret = pci_device_register(pci, eb);
	if (ret || !vp->intx_able)
		return ret;
	pci_device_addr(pci, &a);
	vp->intx_gsi = vm_pci_intx_gsi(a.dev, vp->hw_cfg[0x3d]);
	pci_cfg_set(pci, 0x3c, 1, vp->intx_gsi);
	pthread_mutex_lock(&vp->irq_lock);
	ret = vfio_intx_enable(vp);
	pthread_mutex_unlock(&vp->irq_lock);
	if (ret)
		errbuf_set(eb, ret, "%s: INTx through a KVM irqfd: %s",
			   vp->t->name, strerror(-ret));
	return ret;
}

int vfio_pci_attach_opts(struct vm *vm, struct vfio_transport *t,
			 const struct vfio_pci_opts *opts,
			 struct vfio_pci **out, struct errbuf *eb)
{
	struct pci_device *pci;
	struct vfio_pci *vp;
	char name[32];
	int ret;

	vp = vfio_pci_alloc(vm, t, opts);
	if (!vp) {
		t->ops->close(t);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	/* The bus keeps 31 characters: the tail of a long socket path. */
	snprintf(name, sizeof(name), "%.31s", strlen(t->name) > 31 ?
		 t->name + strlen(t->name) - 31 : t->name);
	ret = vfio_device_setup(vp, eb);
	if (ret)
		goto err_free;
	ret = pci_device_create(vm, name, &vfio_pci_dev_ops, vp, &pci, eb);
	if (ret)
		goto err_free;
	ret = vfio_pci_build(vp, pci, eb);
	if (ret)
		goto err_pci;
	*out = vp;
	return 0;

err_pci:
	pci_device_destroy(vp->pci);
err_free:
	vfio_pci_free(vp);
	return ret;
}

int vfio_pci_attach(struct vm *vm, struct vfio_transport *t,
		    struct vfio_pci **out, struct errbuf *eb)
{
	return vfio_pci_attach_opts(vm, t, NULL, out, eb);
}

int vfio_pci_detach_checked(struct vfio_pci *vp, struct errbuf *eb)
{
	int ret = 0;

	if (!vp)
		return 0;
	/* Off the bus first: no guest access can race what follows. */
	pci_device_destroy(vp->pci);
	if (vp->rom_slot >= 0)
		vm_unmap_user_memory(vp->vm, vp->rom_slot);
	vfio_irq_exit(vp);	/* interrupts off before the reset */
	if (vp->dev_flags & VFIO_DEVICE_FLAGS_RESET)
		ret = vp->t->ops->reset(vp->t);
	/* A failed reset is reported; the rest of the teardown goes on. */
	if (ret)
		errbuf_set(eb, ret, "%s: reset at exit failed (%s): it may "
			   "still hold the guest's data; %s before anyone "
			   "else uses it", vp->t->name, strerror(-ret),
			   reset_advice(vp->t));
	vfio_pci_free(vp);
	return ret;
}

void vfio_pci_detach(struct vfio_pci *vp)
{
	vfio_pci_detach_checked(vp, NULL);
}

void vfio_pci_describe(struct vfio_pci *vp, struct vfio_pci_desc *d)
{
	pci_device_addr(vp->pci, &d->guest);
	d->relay = vp->relay;
	d->reset = vp->dev_flags & VFIO_DEVICE_FLAGS_RESET;
	d->bus_reset = vp->bus_reset;
	snprintf(d->reset_note, sizeof(d->reset_note), "%s", vp->reset_note);
	d->msix_vectors = vp->msix_cap ? vp->msix_nvec : 0;
	d->msi_vectors = vp->msi_cap ? vp->msi_max : 0;
	d->intx = vp->intx_able;
	d->rom = vp->rom;
}
