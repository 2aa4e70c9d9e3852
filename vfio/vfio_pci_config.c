// SPDX-License-Identifier: GPL-2.0-only
/*
 * Config space virtualisation for an assigned device. The bus (vmm/pci.c)
 * emulates the header and the BARs; on top of that, byte by byte, a field
 * is either ours (emul[]) or the device's:
 *
 *   ours     ids, class, header type (single function), BARs (the guest's
 *            placement; sizes from the regions), the ROM BAR (a read-only
 *            copy), the capability pointer, interrupt line and pin, and
 *            the MSI and MSI-X capabilities (copied from the device at
 *            their real offsets; vfio programs the real ones through
 *            VFIO_DEVICE_SET_IRQS).
 *   device   status, and every other capability in 0x40-0xff: reads come
 *            from the device, writes go to it (vfio-pci filters them again
 *            with its own permission bits).
 *   command  ours, and its memory/IO/bus-master/parity/SERR/INTx-disable
 *            bits are written through to the device.
 *
 * Extended config space (0x100-0xfff) is hidden: it reads as zeros, so a
 * guest sees no extended capabilities (no AER, no SR-IOV of a PF it must
 * not drive) and writes to it are dropped. Simple and safe; a guest driver
 * that needs an extended capability will not find it (documented in the
 * report; passing it read-only is the next step if one needs it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "vfio_impl.h"

#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_HEADER_TYPE		0x0e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_ROM_ADDRESS		0x30
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_MSIX		0x11
#define CMD_PASS		0x0547	/* IO MEM MASTER PERR SERR INTxD */
#define CMD_MEMORY		0x0002
#define ROM_ENABLE		0x1
#define ROM_ADDR_MASK		0xfffff800u

static uint32_t hw_get(const struct vfio_pci *vp, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)vp->hw_cfg[off + i] << (8 * i);
	return v;
}

static void mark(struct vfio_pci *vp, uint32_t off, uint32_t len, bool ours)
{
	for (uint32_t i = off; i < off + len && i < VFIO_CFG_STD; i++)
		vp->emul[i] = ours;
}

/* MSI: 10/14 bytes, +10 with per-vector masking (PCI 3.0 6.8.1). */
static int msi_setup(struct vfio_pci *vp, uint32_t cap)
{
	struct pci_device *d = vp->pci;
	uint16_t ctrl = hw_get(vp, cap + 2, 2);
	uint32_t data, len;

	vp->msi_cap = cap;
	vp->msi_64 = ctrl & 0x80;
	vp->msi_pvm = ctrl & 0x100;
	vp->msi_max = 1u << ((ctrl >> 1) & 7);
	if (vp->msi_max > 32)
		vp->msi_max = 32;
	data = vp->msi_64 ? 12 : 8;
	len = data + 2 + (vp->msi_pvm ? 10 : 0);
	if (cap + len > VFIO_CFG_STD)
		return -EINVAL;
	/* Disabled, one vector, address/data zero: as after reset. */
	pci_cfg_set(d, cap + 2, 2, ctrl & ~0x71);
	for (uint32_t o = 4; o < len; o++)
		pci_cfg_set(d, cap + o, 1, 0);
	pci_cfg_set_wmask(d, cap + 2, 2, vp->msi_max > 1 ? 0x71 : 0x01);
	pci_cfg_set_wmask(d, cap + 4, 4, 0xfffffffc);
	if (vp->msi_64)
		pci_cfg_set_wmask(d, cap + 8, 4, 0xffffffff);
	pci_cfg_set_wmask(d, cap + data, 2, 0xffff);
	if (vp->msi_pvm)
		pci_cfg_set_wmask(d, cap + data + 4, 4,
				  vp->msi_max == 32 ? 0xffffffff :
				  (1u << vp->msi_max) - 1);
	mark(vp, cap, len, true);
	return 0;
}

static int msix_setup(struct vfio_pci *vp, uint32_t cap)
{
	struct pci_device *d = vp->pci;
	uint32_t table, pba;
	uint16_t ctrl;

	/* A capability running off the end: refused before it is read. */
	if (cap + 12 > VFIO_CFG_STD)
		return -EINVAL;
	ctrl = hw_get(vp, cap + 2, 2);
	table = hw_get(vp, cap + 4, 4);
	pba = hw_get(vp, cap + 8, 4);
	vp->msix_cap = cap;
	vp->msix_nvec = (ctrl & 0x7ff) + 1;
	vp->msix_table_bar = table & 7;
	vp->msix_table_off = table & ~7u;
	vp->msix_pba_bar = pba & 7;
	vp->msix_pba_off = pba & ~7u;
	if (vp->msix_table_bar >= PCI_NUM_BARS ||
	    vp->msix_pba_bar >= PCI_NUM_BARS)
		return -EINVAL;
	pci_cfg_set(d, cap + 2, 2, ctrl & 0x7ff);
	pci_cfg_set(d, cap + 4, 4, table);
	pci_cfg_set(d, cap + 8, 4, pba);
	pci_cfg_set_wmask(d, cap + 2, 2, 0xc000);
	mark(vp, cap, 12, true);
	return 0;
}

/* The device's capability list, bounded; MSI and MSI-X become ours. */
static int caps_setup(struct vfio_pci *vp, struct errbuf *eb)
{
	uint32_t ptr = vp->hw_cfg[PCI_CAPABILITY_LIST];
	int ret = 0;

	if (!(hw_get(vp, PCI_STATUS, 2) & 0x10))
		return 0;
	for (int n = 0; n < 48 && (ptr & ~3u) >= 0x40; n++) {
		ptr &= ~3u;
		if (ptr > VFIO_CFG_STD - 2)
			break;
		if (vp->hw_cfg[ptr] == PCI_CAP_ID_MSI && !vp->msi_cap)
			ret = msi_setup(vp, ptr);
		else if (vp->hw_cfg[ptr] == PCI_CAP_ID_MSIX && !vp->msix_cap)
			ret = msix_setup(vp, ptr);
		if (ret)
			return errbuf_set(eb, ret, "%s: malformed %s capability "
					  "at %#x", vp->t->name,
					  vp->hw_cfg[ptr] == PCI_CAP_ID_MSI ?
					  "MSI" : "MSI-X", ptr);
		ptr = vp->hw_cfg[ptr + 1];
	}
	return 0;
}

static uint64_t pow2_at_least(uint64_t v, uint64_t min)
{
	uint64_t p = min;

	while (p < v && p)
		p <<= 1;
	return p;
}

/* A copy of the ROM, read once; the guest maps it read-only. */
static void rom_setup(struct vfio_pci *vp)
{
	struct vfio_region r;
	uint64_t size;

	vp->rom_slot = -1;
	if (vp->t->ops->region_info(vp->t, VFIO_PCI_ROM_REGION_INDEX, &r) ||
	    !r.size || !(r.flags & VFIO_REGION_INFO_FLAG_READ) ||
	    r.size > (16u << 20))
		return;
	size = pow2_at_least(r.size, VFIO_PAGE);
	vp->rom = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vp->rom == MAP_FAILED) {
		vp->rom = NULL;
		return;
	}
	memset(vp->rom, 0xff, size);
	/* A device whose ROM cannot be read has none, as far as we know. */
	if (vp->t->ops->region_read(vp->t, VFIO_PCI_ROM_REGION_INDEX, 0,
				    vp->rom, r.size)) {
		munmap(vp->rom, size);
		vp->rom = NULL;
		return;
	}
	mprotect(vp->rom, size, PROT_READ);
	vp->rom_size = size;
	pci_cfg_set_wmask(vp->pci, PCI_ROM_ADDRESS, 4,
			  ((uint32_t)~(size - 1) & ROM_ADDR_MASK) | ROM_ENABLE);
}

int vfio_config_init(struct vfio_pci *vp, struct errbuf *eb)
{
	struct pci_device *d = vp->pci;
	int ret;

	ret = vp->t->ops->region_read(vp->t, VFIO_PCI_CONFIG_REGION_INDEX, 0,
				      vp->hw_cfg, VFIO_CFG_STD);
	if (ret)
		return errbuf_set(eb, ret, "%s: cannot read its config space: "
				  "%s", vp->t->name, strerror(-ret));
	pci_device_set_ids(d, hw_get(vp, 0x00, 2), hw_get(vp, 0x02, 2),
			   hw_get(vp, 0x09, 3), vp->hw_cfg[0x08],
			   hw_get(vp, 0x2c, 2), hw_get(vp, 0x2e, 2));
	pci_cfg_set(d, PCI_HEADER_TYPE, 1, vp->hw_cfg[PCI_HEADER_TYPE] & 0x7f);
	pci_cfg_set(d, 0x0c, 2, hw_get(vp, 0x0c, 2));
	pci_cfg_set(d, 0x28, 4, hw_get(vp, 0x28, 4));
	pci_cfg_set(d, 0x3e, 2, hw_get(vp, 0x3e, 2));
	pci_cfg_set(d, PCI_INTERRUPT_PIN, 1,
		    vp->intx_able ? vp->hw_cfg[PCI_INTERRUPT_PIN] : 0);
	/* The capability area as the device has it; the list is the same. */
	pci_cfg_set(d, PCI_CAPABILITY_LIST, 1,
		    vp->hw_cfg[PCI_CAPABILITY_LIST] & ~3u);
	for (uint32_t o = 0x40; o < VFIO_CFG_STD; o++)
		pci_cfg_set(d, o, 1, vp->hw_cfg[o]);
	mark(vp, 0, 0x40, true);
	mark(vp, PCI_STATUS, 2, false);
	mark(vp, 0x40, VFIO_CFG_STD - 0x40, false);
	ret = caps_setup(vp, eb);
	if (ret)
		return ret;
	rom_setup(vp);
	return 0;
}

static bool overlaps(uint32_t off, uint32_t len, uint32_t start,
		     uint32_t n)
{
	return off < start + n && start < off + len;
}

void vfio_config_read(struct pci_device *dev, uint32_t off, uint32_t len,
		      uint32_t *val)
{
	struct vfio_pci *vp = pci_device_opaque(dev);
	uint8_t hw[4];
	bool any = false;

	if (off >= VFIO_CFG_STD || len > 4)
		return;		/* extended space: hidden */
	/* Straddling 0x100: the standard part is live, the rest hidden. */
	if (len > VFIO_CFG_STD - off)
		len = VFIO_CFG_STD - off;
	for (uint32_t i = 0; i < len; i++)
		any |= !vp->emul[off + i];
	if (any) {
		if (vp->t->ops->region_read(vp->t, VFIO_PCI_CONFIG_REGION_INDEX,
					    off, hw, len))
			memset(hw, 0xff, sizeof(hw));
		for (uint32_t i = 0; i < len; i++) {
			if (vp->emul[off + i])
				continue;
			*val &= ~(0xffu << (8 * i));
			*val |= (uint32_t)hw[i] << (8 * i);
		}
	}
	/* MSI pending bits: ours, live. */
	if (vp->msi_cap && vp->msi_pvm) {
		uint32_t p = vp->msi_cap + (vp->msi_64 ? 20 : 16);

		if (overlaps(off, len, p, 4)) {
			uint32_t pend;

			pthread_mutex_lock(&vp->irq_lock);
			pend = vfio_msi_pending(vp);
			pthread_mutex_unlock(&vp->irq_lock);
			for (uint32_t i = 0; i < len; i++) {
				if (off + i < p || off + i >= p + 4)
					continue;
				*val &= ~(0xffu << (8 * i));
				*val |= ((pend >> (8 * (off + i - p))) & 0xff)
					<< (8 * i);
			}
		}
	}
}

/* Bytes of the access that belong to the device go to it. */
static void forward(struct vfio_pci *vp, uint32_t off, uint32_t len,
		    uint32_t val)
{
	uint8_t b[4];
	bool all = true;

	for (uint32_t i = 0; i < len; i++) {
		b[i] = val >> (8 * i);
		all &= !vp->emul[off + i];
	}
	if (all) {
		vp->t->ops->region_write(vp->t, VFIO_PCI_CONFIG_REGION_INDEX,
					 off, b, len);
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		if (!vp->emul[off + i])
			vp->t->ops->region_write(vp->t,
						 VFIO_PCI_CONFIG_REGION_INDEX,
						 off + i, &b[i], 1);
}

static void command_write_through(struct vfio_pci *vp)
{
	uint16_t guest = pci_cfg_get(vp->pci, PCI_COMMAND, 2), hw;

	if (vp->t->ops->region_read(vp->t, VFIO_PCI_CONFIG_REGION_INDEX,
				    PCI_COMMAND, &hw, 2))
		return;
	hw = (hw & ~CMD_PASS) | (guest & CMD_PASS);
	vp->t->ops->region_write(vp->t, VFIO_PCI_CONFIG_REGION_INDEX,
				 PCI_COMMAND, &hw, 2);
}

bool vfio_rom_wanted(struct vfio_pci *vp, uint64_t *addr)
{
	uint32_t bar = pci_cfg_get(vp->pci, PCI_ROM_ADDRESS, 4);
	uint16_t cmd = pci_cfg_get(vp->pci, PCI_COMMAND, 2);

	*addr = bar & ROM_ADDR_MASK & ~(vp->rom_size - 1);
	return vp->rom && (cmd & CMD_MEMORY) && (bar & ROM_ENABLE) && *addr &&
	       *addr != (0xffffffffu & ~(vp->rom_size - 1));
}

void vfio_rom_update(struct vfio_pci *vp)
{
	uint64_t addr;
	bool want = vfio_rom_wanted(vp, &addr);

	if (!vp->rom)
		return;
	if (vp->rom_slot >= 0 && (!want || addr != vp->rom_addr)) {
		vm_unmap_user_memory(vp->vm, vp->rom_slot);
		vp->rom_slot = -1;
	}
	if (want && vp->rom_slot < 0 && vp->vm) {
		int slot = vm_map_user_memory(vp->vm, addr, vp->rom_size,
					      vp->rom, true);

		if (slot >= 0) {
			vp->rom_slot = slot;
			vp->rom_addr = addr;
		}
	}
}

void vfio_config_write(struct pci_device *dev, uint32_t off, uint32_t len,
		       uint32_t val)
{
	struct vfio_pci *vp = pci_device_opaque(dev);

	if (off >= VFIO_CFG_STD || len > 4)
		return;		/* extended space: hidden */
	if (len > VFIO_CFG_STD - off)
		len = VFIO_CFG_STD - off;
	forward(vp, off, len, val);
	if (overlaps(off, len, PCI_COMMAND, 2))
		command_write_through(vp);
	if (overlaps(off, len, PCI_COMMAND, 2) ||
	    overlaps(off, len, PCI_ROM_ADDRESS, 4))
		vfio_rom_update(vp);
	if (vp->msi_cap && overlaps(off, len, vp->msi_cap,
				    (vp->msi_64 ? 14 : 10) + (vp->msi_pvm ? 10 : 0))) {
		pthread_mutex_lock(&vp->irq_lock);
		vfio_msi_update(vp);
		pthread_mutex_unlock(&vp->irq_lock);
	}
	if (vp->msix_cap && overlaps(off, len, vp->msix_cap + 2, 2)) {
		uint16_t ctrl = pci_cfg_get(dev, vp->msix_cap + 2, 2);

		pthread_mutex_lock(&vp->irq_lock);
		vfio_msix_control(vp, ctrl & 0x8000, ctrl & 0x4000);
		pthread_mutex_unlock(&vp->irq_lock);
	}
}
