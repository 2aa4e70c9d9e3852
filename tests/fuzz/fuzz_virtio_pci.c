// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-pci modern transport (vmm/virtio_pci.c, virtio_pci_common.c)
 * under any driver: common configuration reads and writes of any width at
 * any offset (feature negotiation, status, queue selection and set-up),
 * ISR, device config, notify, the MSI-X table and PBA, MSI-X control and
 * the PCI_CFG window in config space, interleaved with the device side
 * (taking chains off enabled queues, interrupts, DEVICE_NEEDS_RESET). The
 * transport's configuration (queues, sizes, device config length) comes
 * from the input too, so bad configurations are refused, not crashed on.
 *
 * Invariants after every step: DRIVER_OK only after FEATURES_OK, which
 * only holds offered features with VERSION_1; vectors are valid or
 * NO_VECTOR; queue sizes are powers of two within the maximum; an enabled
 * queue's rings, and every buffer a chain hands out, lie inside guest RAM
 * (a heap block of exactly its size); device config accesses stay inside
 * the device's config.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "vmm/pci.h"
#include "vmm/virtio_pci.h"
#include "vmm/virtio_pci_impl.h"
#include "fuzz_input.h"

#define RAM_BASE	0x100000ULL
#define RAM_SIZE	0x8000ULL

struct env {
	struct fuzz_ram ram;
	uint8_t *devcfg;
	uint32_t devcfg_size;
	struct vq_chain chain;
	int starts;
};

static volatile uint8_t sink;

static bool in_ram(struct env *e, const void *p, size_t len)
{
	return fuzz_ram_has(&e->ram, p, len);
}

static void dev_cfg(void *opaque, uint32_t off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct env *e = opaque;

	FUZZ_CHECK(off < e->devcfg_size && len <= e->devcfg_size - off);
	if (is_write)
		memcpy(e->devcfg + off, data, len);
	else
		memcpy(data, e->devcfg + off, len);
}

static int dev_start(void *opaque, struct virtio_pci *vp)
{
	struct env *e = opaque;

	FUZZ_CHECK(virtio_pci_features(vp) & (1ULL << VIRTIO_F_VERSION_1));
	e->starts++;
	return e->starts % 7 == 0 ? -EIO : 0;	/* a device that fails too */
}

static const struct virtio_pci_ops ops = {
	.cfg_access = dev_cfg,
	.start = dev_start,
};

static void check_chain(struct env *e, struct virtqueue *vq,
			const struct vq_chain *c)
{
	FUZZ_CHECK(c->head < vq->size);
	FUZZ_CHECK(c->nout + c->nin <= VQ_MAX_CHAIN);
	for (unsigned int i = 0; i < c->nout + c->nin; i++) {
		if (!c->iov[i].iov_len)
			continue;
		FUZZ_CHECK(in_ram(e, c->iov[i].iov_base, c->iov[i].iov_len));
		if (i >= c->nout)
			memset(c->iov[i].iov_base, 0x5a, c->iov[i].iov_len);
		else
			sink += ((uint8_t *)c->iov[i].iov_base)[0];
	}
}

static void check(struct env *e, struct virtio_pci *vp)
{
	uint8_t st = vp->status;

	if (st & VIRTIO_CONFIG_S_DRIVER_OK)
		FUZZ_CHECK(st & VIRTIO_CONFIG_S_FEATURES_OK);
	if (st & VIRTIO_CONFIG_S_FEATURES_OK) {
		FUZZ_CHECK(!(vp->drv_features & ~vp->dev_features));
		FUZZ_CHECK(vp->drv_features & (1ULL << VIRTIO_F_VERSION_1));
	} else {
		FUZZ_CHECK(!virtio_pci_features(vp));
	}
	FUZZ_CHECK(vp->config_vector == VIRTIO_MSI_NO_VECTOR ||
		   vp->config_vector < vp->nvec);
	FUZZ_CHECK(!(vp->isr & ~3));
	for (uint16_t q = 0; q < vp->cfg.num_queues; q++) {
		struct vp_queue *vq = &vp->queues[q];

		FUZZ_CHECK(vq->vector == VIRTIO_MSI_NO_VECTOR ||
			   vq->vector < vp->nvec);
		FUZZ_CHECK(vq->size && !(vq->size & (vq->size - 1)) &&
			   vq->size <= vp->cfg.queue_max_size);
		if (!vq->enabled) {
			FUZZ_CHECK(!virtio_pci_queue(vp, q));
			continue;
		}
		FUZZ_CHECK(in_ram(e, vq->vq.desc, 16ULL * vq->size));
		FUZZ_CHECK(in_ram(e, vq->vq.avail, 6 + 2ULL * vq->size));
		FUZZ_CHECK(in_ram(e, vq->vq.used, 6 + 8ULL * vq->size));
	}
}

/* Offsets mostly in the common config, then the other structures. */
static uint64_t pick_bar0_off(struct fuzz_in *in, uint8_t op)
{
	switch (op >> 5 & 3) {
	case 0:
	case 1:
		return fuzz_u8(in) % (VIRTIO_PCI_COMMON_LEN + 8);
	case 2:
		return VIRTIO_PCI_DEVCFG_OFF - 4 + fuzz_u8(in) % 0x20;
	default:
		return fuzz_u16(in) % (VIRTIO_PCI_BAR0_SIZE + 8);
	}
}

static void bar(struct env *e, struct virtio_pci *vp, struct fuzz_in *in,
		uint8_t op, int idx)
{
	uint64_t off = idx == 0 ? pick_bar0_off(in, op) :
		       fuzz_u16(in) % (vp->msix_bar_size + 8);
	uint8_t l = fuzz_u8(in);
	uint32_t len = l & 0x80 ? l % 10 : 1u << (l & 3);
	uint8_t *buf = malloc(len ? len : 1);
	bool is_write = op & 0x80;

	(void)e;
	FUZZ_CHECK(buf);
	fuzz_bytes(in, buf, len);
	virtio_pci_bar_access(vp, l & 0x40 ? l & 7 : idx, off, buf, len,
			      is_write);
	if (!is_write && idx == 0 && off == VIRTIO_PCI_COMMON_Q_SIZE &&
	    len == 2 && vp->queue_sel >= vp->cfg.num_queues)
		FUZZ_CHECK(!buf[0] && !buf[1]);	/* no such queue */
	free(buf);
}

/* The device side: take what the driver offered, give it back. */
static void device(struct env *e, struct virtio_pci *vp, struct fuzz_in *in,
		   uint8_t op)
{
	uint16_t q = fuzz_u8(in) % (vp->cfg.num_queues + 1);
	struct virtqueue *vq;
	int ret;

	switch (op >> 5 & 3) {
	case 0:
		pthread_mutex_lock(&vp->lock);
		vq = virtio_pci_queue(vp, q);
		if (vq && !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
			ret = virtqueue_pop(vq, &e->chain);
			if (ret == 1) {
				check_chain(e, vq, &e->chain);
				virtqueue_push(vq, e->chain.head, 1);
			} else if (ret < 0) {
				vp_set_needs_reset(vp);
			}
		}
		pthread_mutex_unlock(&vp->lock);
		break;
	case 1:
		ret = virtio_pci_notify_queue(vp, q);
		FUZZ_CHECK(q < vp->cfg.num_queues ? ret == 0 : ret == -EINVAL);
		break;
	case 2:
		virtio_pci_notify_config(vp);
		break;
	default:
		virtio_pci_needs_reset(vp);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct env e = { 0 };
	struct virtio_pci_config c = {
		.name = "virtio-fuzz",
		.device_type = 1,
		.class_code = 0x020000,
		.ops = &ops,
		.opaque = &e,
		.xlate = fuzz_ram_xlate,
		.xlate_opaque = &e.ram,
	};
	struct pci_bus *bus;
	struct virtio_pci *vp;
	struct pci_device *d;
	struct errbuf eb;
	unsigned int steps = 0;
	uint16_t bdf;

	c.num_queues = fuzz_u8(&in) % (VIRTIO_PCI_MAX_QUEUES + 2);
	c.queue_max_size = (uint16_t)(1u << (fuzz_u8(&in) % 17));
	c.devcfg_size = fuzz_u16(&in) % (VIRTIO_PCI_DEVCFG_MAX + 2);
	c.features = fuzz_u64(&in);
	e.devcfg_size = c.devcfg_size;
	e.devcfg = calloc(1, c.devcfg_size ? c.devcfg_size : 1);
	e.ram = (struct fuzz_ram){ calloc(1, RAM_SIZE), RAM_BASE, RAM_SIZE };
	FUZZ_CHECK(e.devcfg && e.ram.mem);
	fuzz_bytes(&in, e.ram.mem, fuzz_u16(&in) % RAM_SIZE);

	FUZZ_CHECK(pci_bus_create(NULL, &bus, &eb) == 0);
	if (virtio_pci_create(bus, &c, &vp, &eb)) {
		FUZZ_CHECK(!c.num_queues || c.num_queues > VIRTIO_PCI_MAX_QUEUES ||
			   !c.queue_max_size || c.queue_max_size > VQ_MAX_SIZE ||
			   c.devcfg_size > VIRTIO_PCI_DEVCFG_MAX ||
			   (c.features & (1ULL << VIRTIO_F_RING_PACKED)));
		goto out_bus;
	}
	d = virtio_pci_device(vp);
	bdf = d->devfn;
	while (fuzz_more(&in) && steps++ < 1024) {
		uint8_t op = fuzz_u8(&in);

		switch (op % 5) {
		case 0:
		case 1:
			bar(&e, vp, &in, op, 0);
			break;
		case 2:
			bar(&e, vp, &in, op, VIRTIO_PCI_MSIX_BAR);
			break;
		case 3: {	/* config space: MSI-X control, PCI_CFG window */
			uint32_t off = op & 0x80 ? vp->msix_cap + 2 :
				       vp->cfg_cap + fuzz_u8(&in) % 24;
			uint32_t len = 1u << (fuzz_u8(&in) % 3);

			if (op & 0x40)
				pci_bus_cfg_write(bus, bdf, off, len,
						  fuzz_u32(&in));
			else
				pci_bus_cfg_read(bus, bdf, off, len);
			break;
		}
		case 4:
			device(&e, vp, &in, op);
			break;
		}
		check(&e, vp);
	}
	virtio_pci_destroy(vp);
out_bus:
	pci_bus_destroy(bus);
	free(e.ram.mem);
	free(e.devcfg);
	return 0;
}
