// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-pci common configuration structure (virtio 1.1 4.1.4.3):
 * feature negotiation, device status, queue selection and set-up. Reads
 * take a snapshot of every field so that any offset and width works; writes
 * act only when they cover a field exactly (a 64-bit address may also be
 * written as two 32-bit halves), everything else is dropped.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "pci.h"
#include "virtio_pci_impl.h"
#include "vm.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint64_t get_le(const uint8_t *p, uint32_t len)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static struct vp_queue *sel_queue(struct virtio_pci *vp)
{
	if (vp->queue_sel >= vp->cfg.num_queues)
		return NULL;
	return &vp->queues[vp->queue_sel];
}

static uint32_t feature_word(uint64_t features, uint32_t select)
{
	return select < 2 ? features >> (32 * select) : 0;
}

void vp_common_read(struct virtio_pci *vp, uint64_t off, uint8_t *data,
		    uint32_t len)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN] = { 0 };
	struct vp_queue *q = sel_queue(vp);

	put32(img + VIRTIO_PCI_COMMON_DFSELECT, vp->dfselect);
	put32(img + VIRTIO_PCI_COMMON_DF,
	      feature_word(vp->dev_features, vp->dfselect));
	put32(img + VIRTIO_PCI_COMMON_GFSELECT, vp->gfselect);
	put32(img + VIRTIO_PCI_COMMON_GF,
	      feature_word(vp->drv_features, vp->gfselect));
	put16(img + VIRTIO_PCI_COMMON_MSIX, vp->config_vector);
	put16(img + VIRTIO_PCI_COMMON_NUMQ, vp->cfg.num_queues);
	img[VIRTIO_PCI_COMMON_STATUS] = vp->status;
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = vp->generation;
	put16(img + VIRTIO_PCI_COMMON_Q_SELECT, vp->queue_sel);
	if (q) {	/* else all zero: queue_size 0 means no such queue */
		put16(img + VIRTIO_PCI_COMMON_Q_SIZE, q->size);
		put16(img + VIRTIO_PCI_COMMON_Q_MSIX, q->vector);
		put16(img + VIRTIO_PCI_COMMON_Q_ENABLE, q->enabled);
		put16(img + VIRTIO_PCI_COMMON_Q_NOFF, vp->queue_sel);
		put64(img + VIRTIO_PCI_COMMON_Q_DESCLO, q->desc);
		put64(img + VIRTIO_PCI_COMMON_Q_AVAILLO, q->avail);
		put64(img + VIRTIO_PCI_COMMON_Q_USEDLO, q->used);
	}
	for (uint32_t i = 0; i < len; i++)
		data[i] = off < sizeof(img) && i < sizeof(img) - off ?
			  img[off + i] : 0;
}

static uint16_t valid_vector(struct virtio_pci *vp, uint64_t v)
{
	return v < vp->nvec ? v : VIRTIO_MSI_NO_VECTOR;
}

static void *ram_xlate(void *opaque, uint64_t gpa, uint64_t len)
{
	return opaque ? vm_gpa_to_hva(opaque, gpa, len) : NULL;
}

static void queue_enable(struct virtio_pci *vp, uint16_t qi)
{
	struct vp_queue *q = &vp->queues[qi];
	vq_xlate_fn xlate = vp->cfg.xlate ? vp->cfg.xlate : ram_xlate;
	void *opaque = vp->cfg.xlate ? vp->cfg.xlate_opaque
				     : pci_device_vm(vp->pci);
	bool event_idx = vp->drv_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);

	if (q->enabled)
		return;
	if (virtqueue_init(&q->vq, q->size, q->desc, q->avail, q->used,
			   event_idx, xlate, opaque)) {
		/* Rings outside RAM or misaligned: the driver must reset. */
		vp_set_needs_reset(vp);
		return;
	}
	q->enabled = true;
	vp_queue_ioeventfd_sync(vp, qi);
}

/* The driver's accepted features must be offered ones, VERSION_1 among them. */
static bool features_ok(struct virtio_pci *vp)
{
	return !(vp->drv_features & ~vp->dev_features) &&
	       (vp->drv_features & (1ULL << VIRTIO_F_VERSION_1));
}

static void status_write(struct virtio_pci *vp, uint8_t val)
{
	uint8_t added;

	if (!val) {
		vp_device_reset(vp);
		return;
	}
	/* Bits are only ever added; clearing them takes a reset. */
	added = val & ~vp->status & ~VIRTIO_CONFIG_S_NEEDS_RESET;
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !features_ok(vp))
		added &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !((vp->status | added) & VIRTIO_CONFIG_S_FEATURES_OK))
		added &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	vp->status |= added;
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && vp->cfg.ops &&
	    vp->cfg.ops->start && vp->cfg.ops->start(vp->cfg.opaque, vp))
		vp_set_needs_reset(vp);
}

static void addr_write(struct vp_queue *q, uint64_t off, uint64_t val,
		       uint32_t len)
{
	uint64_t *field;
	uint64_t base;

	if (!q || q->enabled)
		return;
	if (off < VIRTIO_PCI_COMMON_Q_AVAILLO) {
		field = &q->desc;
		base = VIRTIO_PCI_COMMON_Q_DESCLO;
	} else if (off < VIRTIO_PCI_COMMON_Q_USEDLO) {
		field = &q->avail;
		base = VIRTIO_PCI_COMMON_Q_AVAILLO;
	} else {
		field = &q->used;
		base = VIRTIO_PCI_COMMON_Q_USEDLO;
	}
	if (len == 8 && off == base)
		*field = val;
	else if (len == 4 && off == base)
		*field = (*field & ~0xffffffffULL) | val;
	else if (len == 4 && off == base + 4)
		*field = (*field & 0xffffffffULL) | val << 32;
}

void vp_common_write(struct virtio_pci *vp, uint64_t off, const uint8_t *data,
		     uint32_t len)
{
	uint64_t val = get_le(data, len);
	struct vp_queue *q = sel_queue(vp);

	if (off >= VIRTIO_PCI_COMMON_LEN || len > 8)
		return;
	switch (len << 8 | off) {
	case 4 << 8 | VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = val;
		return;
	case 4 << 8 | VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = val;
		return;
	case 4 << 8 | VIRTIO_PCI_COMMON_GF:
		if (vp->gfselect >= 2 ||
		    (vp->status & VIRTIO_CONFIG_S_FEATURES_OK))
			return;
		vp->drv_features &= ~(0xffffffffULL << (32 * vp->gfselect));
		vp->drv_features |= val << (32 * vp->gfselect);
		return;
	case 2 << 8 | VIRTIO_PCI_COMMON_MSIX:
		vp->config_vector = valid_vector(vp, val);
		return;
	case 1 << 8 | VIRTIO_PCI_COMMON_STATUS:
		status_write(vp, val);
		return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_sel = val;
		return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_SIZE:
		/* A smaller power of two, while the queue is off. */
		if (q && !q->enabled && val && !(val & (val - 1)) &&
		    val <= vp->cfg.queue_max_size)
			q->size = val;
		return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_MSIX:
		if (q) {
			q->vector = valid_vector(vp, val);
			vp_queue_irq_sync(vp, vp->queue_sel);
		}
		return;
	case 2 << 8 | VIRTIO_PCI_COMMON_Q_ENABLE:
		/* Writing 0 is not allowed (4.1.4.3.2); reset stops queues. */
		if (q && val == 1)
			queue_enable(vp, vp->queue_sel);
		return;
	}
	if (off >= VIRTIO_PCI_COMMON_Q_DESCLO &&
	    off < VIRTIO_PCI_COMMON_Q_USEDLO + 8 && (len == 4 || len == 8))
		addr_write(q, off, val, len);
}

static void queue_reset(struct virtio_pci *vp, uint16_t qi)
{
	struct vp_queue *q = &vp->queues[qi];
	uint64_t drain;

	q->enabled = false;
	q->vector = VIRTIO_MSI_NO_VECTOR;
	vp_queue_ioeventfd_sync(vp, qi);
	vp_queue_irq_sync(vp, qi);
	while (read(q->kick_fd, &drain, sizeof(drain)) > 0)
		;
	while (read(q->call_fd, &drain, sizeof(drain)) > 0)
		;
	q->size = vp->cfg.queue_max_size;
	q->desc = q->avail = q->used = 0;
	memset(&q->vq, 0, sizeof(q->vq));
}

/* Status 0 (virtio 1.1 2.1.1): back to the state before the driver. */
void vp_device_reset(struct virtio_pci *vp)
{
	if (vp->cfg.ops && vp->cfg.ops->reset)
		vp->cfg.ops->reset(vp->cfg.opaque);
	for (uint16_t q = 0; q < vp->cfg.num_queues; q++)
		queue_reset(vp, q);
	vp->drv_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	vp->status = 0;
	vp->isr = 0;
	vp->queue_sel = 0;
}
