// SPDX-License-Identifier: GPL-2.0-only
/*
 * Modern virtio-pci, driver side: capabilities, the common configuration
 * structure, MSI-X and split rings. Register offsets are from the virtio
 * 1.1 spec (4.1.4.3), typed in here rather than shared with the VMM.
 */
#include "virtio.h"

#define PCI_CAP_ID_MSIX		0x11
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000
#define LAPIC_MSI_BASE		0xfee00000u

/* virtio_pci_cap */
#define CAP_CFG_TYPE		3
#define CAP_BAR			4
#define CAP_OFFSET		8
#define CAP_LENGTH		12
#define CAP_NOTIFY_MULT		16
#define CFG_COMMON		1
#define CFG_NOTIFY		2
#define CFG_ISR			3
#define CFG_DEVICE		4

/* virtio_pci_common_cfg */
#define C_DFSELECT		0
#define C_DF			4
#define C_GFSELECT		8
#define C_GF			12
#define C_MSIX_CONFIG		16
#define C_NUM_QUEUES		18
#define C_STATUS		20
#define C_GENERATION		21
#define C_Q_SELECT		22
#define C_Q_SIZE		24
#define C_Q_MSIX		26
#define C_Q_ENABLE		28
#define C_Q_NOTIFY_OFF		30
#define C_Q_DESC		32
#define C_Q_DRIVER		40
#define C_Q_DEVICE		48

static inline uint8_t rd8(uint64_t a)
{
	return *(volatile uint8_t *)a;
}

static inline uint16_t rd16(uint64_t a)
{
	return *(volatile uint16_t *)a;
}

static inline void wr8(uint64_t a, uint8_t v)
{
	*(volatile uint8_t *)a = v;
}

static inline void wr16(uint64_t a, uint16_t v)
{
	*(volatile uint16_t *)a = v;
}

static uint64_t cap_addr(struct pci_dev *d, uint8_t cap, uint32_t *len)
{
	uint8_t bar = pci_read8(d, cap + CAP_BAR);

	*len = pci_read32(d, cap + CAP_LENGTH);
	if (bar >= d->nbars || !d->bar[bar].base || d->bar[bar].io)
		return 0;
	if ((uint64_t)pci_read32(d, cap + CAP_OFFSET) + *len >
	    d->bar[bar].size)
		return 0;
	return d->bar[bar].base + pci_read32(d, cap + CAP_OFFSET);
}

int virtio_open(struct virtio_dev *v, struct pci_dev *d, const char **why)
{
	uint8_t offs[PCI_MAX_CAPS], ids[PCI_MAX_CAPS];
	int n = pci_caps(d, offs, ids);
	uint32_t len;

	memset(v, 0, sizeof(*v));
	v->pci = d;
	if (n < 0) {
		*why = "capability list loops";
		return -1;
	}
	for (int i = 0; i < n; i++) {
		uint8_t c = offs[i];

		if (ids[i] == PCI_CAP_ID_MSIX) {
			v->msix_cap = c;
			continue;
		}
		if (ids[i] != PCI_CAP_ID_VNDR)
			continue;
		/* The first of each type is the one to use (4.1.4). */
		switch (pci_read8(d, c + CAP_CFG_TYPE)) {
		case CFG_COMMON:
			if (!v->common)
				v->common = cap_addr(d, c, &len);
			break;
		case CFG_NOTIFY:
			if (!v->notify) {
				v->notify = cap_addr(d, c, &len);
				v->notify_mult = pci_read32(d, c +
							    CAP_NOTIFY_MULT);
			}
			break;
		case CFG_ISR:
			if (!v->isr)
				v->isr = cap_addr(d, c, &len);
			break;
		case CFG_DEVICE:
			if (!v->devcfg) {
				v->devcfg = cap_addr(d, c, &len);
				v->devcfg_len = len;
			}
			break;
		}
	}
	*why = !v->common ? "no common config capability" :
	       !v->notify ? "no notify capability" :
	       !v->isr ? "no ISR capability" :
	       !v->devcfg ? "no device config capability" :
	       !v->msix_cap ? "no MSI-X capability" : NULL;
	if (*why)
		return -2;
	pci_enable(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return 0;
}

uint8_t virtio_status(struct virtio_dev *v)
{
	return rd8(v->common + C_STATUS);
}

void virtio_set_status(struct virtio_dev *v, uint8_t bits)
{
	wr8(v->common + C_STATUS, virtio_status(v) | bits);
}

void virtio_reset(struct virtio_dev *v)
{
	wr8(v->common + C_STATUS, 0);
	/* The reset is done when the device reads 0 back (4.1.4.3.2). */
	for (int i = 0; i < 1000000 && virtio_status(v); i++)
		cpu_relax();
}

uint64_t virtio_device_features(struct virtio_dev *v)
{
	uint64_t f;

	mmio_write32(v->common + C_DFSELECT, 0);
	f = mmio_read32(v->common + C_DF);
	mmio_write32(v->common + C_DFSELECT, 1);
	return f | (uint64_t)mmio_read32(v->common + C_DF) << 32;
}

bool virtio_set_features(struct virtio_dev *v, uint64_t features)
{
	mmio_write32(v->common + C_GFSELECT, 0);
	mmio_write32(v->common + C_GF, features);
	mmio_write32(v->common + C_GFSELECT, 1);
	mmio_write32(v->common + C_GF, features >> 32);
	virtio_set_status(v, VIRTIO_S_FEATURES_OK);
	return virtio_status(v) & VIRTIO_S_FEATURES_OK;
}

uint8_t virtio_cfg8(struct virtio_dev *v, uint32_t off)
{
	return off < v->devcfg_len ? rd8(v->devcfg + off) : 0xff;
}

uint16_t virtio_cfg16(struct virtio_dev *v, uint32_t off)
{
	return off + 2 <= v->devcfg_len ? rd16(v->devcfg + off) : 0xffff;
}

uint8_t virtio_cfg_generation(struct virtio_dev *v)
{
	return rd8(v->common + C_GENERATION);
}

int virtio_msix_enable(struct virtio_dev *v, uint8_t base)
{
	struct pci_dev *d = v->pci;
	uint16_t ctrl = pci_read16(d, v->msix_cap + 2);
	uint32_t tbl = pci_read32(d, v->msix_cap + 4);
	uint8_t bir = tbl & 7;

	if (bir >= d->nbars || !d->bar[bir].base)
		return -1;
	v->msix_size = (ctrl & 0x7ff) + 1;
	v->msix_table = d->bar[bir].base + (tbl & ~7u);
	/* Masked as a whole while the entries are written. */
	pci_write16(d, v->msix_cap + 2, ctrl | MSIX_CTRL_ENABLE |
		    MSIX_CTRL_MASKALL);
	for (uint16_t i = 0; i < v->msix_size; i++) {
		uint64_t e = v->msix_table + 16ull * i;

		mmio_write32(e, LAPIC_MSI_BASE | lapic_id() << 12);
		mmio_write32(e + 4, 0);
		mmio_write32(e + 8, (uint8_t)(base + i));
		mmio_write32(e + 12, 0);	/* unmasked */
	}
	pci_write16(d, v->msix_cap + 2, (ctrl | MSIX_CTRL_ENABLE) &
		    ~MSIX_CTRL_MASKALL);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) |
		    PCI_COMMAND_INTX_DISABLE);
	return v->msix_size;
}

uint16_t virtio_set_config_vector(struct virtio_dev *v, uint16_t vec)
{
	wr16(v->common + C_MSIX_CONFIG, vec);
	return rd16(v->common + C_MSIX_CONFIG);
}

int virtio_queue_setup(struct virtio_dev *v, struct vq *vq, uint16_t q,
		       uint16_t max, uint16_t vec)
{
	uint16_t size;

	wr16(v->common + C_Q_SELECT, q);
	size = rd16(v->common + C_Q_SIZE);
	if (!size)
		return 0;
	if (max > VQ_SIZE_MAX)
		max = VQ_SIZE_MAX;
	while (size > max)
		size >>= 1;
	memset(vq, 0, sizeof(*vq));
	vq->index = q;
	vq->size = size;
	wr16(v->common + C_Q_SIZE, size);
	wr16(v->common + C_Q_MSIX, vec);
	if (rd16(v->common + C_Q_MSIX) != vec)
		return -1;
	mmio_write64(v->common + C_Q_DESC, (uint64_t)vq->desc);
	mmio_write64(v->common + C_Q_DRIVER, (uint64_t)&vq->avail);
	mmio_write64(v->common + C_Q_DEVICE, (uint64_t)&vq->used);
	vq->notify = v->notify +
		     (uint64_t)rd16(v->common + C_Q_NOTIFY_OFF) * v->notify_mult;
	wr16(v->common + C_Q_ENABLE, 1);
	return size;
}

void vq_add(struct vq *vq, uint16_t id, uint64_t addr, uint32_t len,
	    bool writable)
{
	vq->desc[id] = (struct vring_desc){
		.addr = addr,
		.len = len,
		.flags = writable ? VRING_DESC_F_WRITE : 0,
	};
	vq->avail.ring[vq->avail_idx & (vq->size - 1)] = id;
	vq->avail_idx++;
	/* The entry before the index that publishes it (2.6.13.2). */
	__atomic_store_n(&vq->avail.idx, vq->avail_idx, __ATOMIC_RELEASE);
}

void vq_kick(struct vq *vq)
{
	/* The index store must be visible before the flags are read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vq->used.flags, __ATOMIC_RELAXED) &
	    VRING_USED_F_NO_NOTIFY)
		return;
	vq->kicks++;
	*(volatile uint16_t *)vq->notify = vq->index;
}

bool vq_used(struct vq *vq, uint16_t *id, uint32_t *len)
{
	struct vring_used_elem e;

	if (__atomic_load_n(&vq->used.idx, __ATOMIC_ACQUIRE) == vq->used_last)
		return false;
	e = vq->used.ring[vq->used_last & (vq->size - 1)];
	vq->used_last++;
	*id = e.id;
	*len = e.len;
	return true;
}
