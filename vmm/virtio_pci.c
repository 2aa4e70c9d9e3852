// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-pci modern transport, PCI side: the function, its capabilities
 * and BARs, kicks through ioeventfds and interrupts through MSI-X (the
 * emulated table in msix.c) with KVM irqfds. virtio_pci_common.c has the
 * common configuration registers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "pci.h"
#include "virtio_pci_impl.h"

#define PCI_CAP_ID_VNDR		0x09
#define VP_CAP_LEN		16
#define VP_NOTIFY_CAP_LEN	20
#define VP_CFG_CAP_LEN		20
#define VP_ISR_LEN		4
#define VP_ISR_QUEUE		0x1
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000

static struct vm *vp_vm(struct virtio_pci *vp)
{
	return vp->vm;
}

void vp_set_needs_reset(struct virtio_pci *vp)
{
	vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	vp->isr |= VIRTIO_PCI_ISR_CONFIG;
	if (vp->config_vector != VIRTIO_MSI_NO_VECTOR)
		msix_fire(vp->msix, vp->config_vector);
}

/* The notify address decodes into kick_fd without an exit when it can. */
void vp_queue_ioeventfd_sync(struct virtio_pci *vp, uint16_t qi)
{
	struct vp_queue *q = &vp->queues[qi];
	uint64_t addr = vp->bar0_addr + VIRTIO_PCI_NOTIFY_OFF +
			(uint64_t)qi * VIRTIO_PCI_NOTIFY_MULT;
	bool want = q->enabled && vp->bar0_mapped && vp_vm(vp);

	if (q->ioeventfd && (!want || q->ioeventfd_addr != addr)) {
		irq_ioeventfd_deassign(vp_vm(vp), q->kick_fd,
				       q->ioeventfd_addr, 2, 0, 0);
		q->ioeventfd = false;
	}
	/* On failure the trapped write path signals kick_fd instead. */
	if (want && !q->ioeventfd &&
	    !irq_ioeventfd_assign(vp_vm(vp), q->kick_fd, addr, 2, 0, 0)) {
		q->ioeventfd = true;
		q->ioeventfd_addr = addr;
	}
}

/* call_fd injects the queue's vector while that vector is unmasked. */
void vp_queue_irq_sync(struct virtio_pci *vp, uint16_t qi)
{
	struct vp_queue *q = &vp->queues[qi];
	struct vp_vector *v = q->vector < vp->nvec ? &vp->vectors[q->vector]
						    : NULL;
	bool want = v && v->routed && !v->masked;

	if (q->irqfd && (!want || q->irqfd_gsi != v->gsi)) {
		irq_irqfd_deassign(vp_vm(vp), q->call_fd, q->irqfd_gsi);
		q->irqfd = false;
	}
	if (want && !q->irqfd &&
	    !irq_irqfd_assign(vp_vm(vp), q->call_fd, v->gsi, -1)) {
		q->irqfd = true;
		q->irqfd_gsi = v->gsi;
	}
}

/* msix.c callbacks: under vp->lock (every msix_* call is made with it). */
static void vp_vector_update(void *opaque, uint32_t vec, bool masked,
			     uint64_t addr, uint32_t data)
{
	struct virtio_pci *vp = opaque;
	struct vp_vector *v = &vp->vectors[vec];
	struct vm *vm = vp_vm(vp);

	v->masked = masked;
	if (!masked && vm) {
		if (v->routed &&
		    irq_msi_route_update(vm, v->gsi, addr, data)) {
			irq_msi_route_del(vm, v->gsi);
			v->routed = false;
		}
		if (!v->routed && !irq_msi_route_add(vm, addr, data, &v->gsi))
			v->routed = true;
	}
	for (uint16_t q = 0; q < vp->cfg.num_queues; q++)
		if (vp->queues[q].vector == vec)
			vp_queue_irq_sync(vp, q);
}

static void vp_vector_deliver(void *opaque, uint32_t vec, uint64_t addr,
			      uint32_t data)
{
	struct virtio_pci *vp = opaque;

	(void)vec;
	irq_signal_msi(vp_vm(vp), addr, data);
}

static const struct msix_ops vp_msix_ops = {
	.vector_update = vp_vector_update,
	.vector_deliver = vp_vector_deliver,
};

static void bar0_access(struct virtio_pci *vp, uint64_t off, uint8_t *data,
			uint32_t len, bool is_write)
{
	uint64_t q;

	if (off < VIRTIO_PCI_ISR_OFF) {
		if (is_write)
			vp_common_write(vp, off, data, len);
		else
			vp_common_read(vp, off, data, len);
	} else if (off < VIRTIO_PCI_DEVCFG_OFF) {
		/* Read to clear (4.1.4.5). */
		if (is_write)
			return;
		memset(data, 0, len);
		if (off == VIRTIO_PCI_ISR_OFF) {
			data[0] = vp->isr;
			vp->isr = 0;
		}
	} else if (off < VIRTIO_PCI_NOTIFY_OFF) {
		off -= VIRTIO_PCI_DEVCFG_OFF;
		if (off < vp->cfg.devcfg_size &&
		    len <= vp->cfg.devcfg_size - off && vp->cfg.ops &&
		    vp->cfg.ops->cfg_access)
			vp->cfg.ops->cfg_access(vp->cfg.opaque, off, data, len,
						is_write);
		else if (!is_write)
			memset(data, 0, len);
	} else {
		q = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT;
		if (!is_write) {
			memset(data, 0, len);
		} else if (q < vp->cfg.num_queues && vp->queues[q].enabled) {
			uint64_t one = 1;

			/*
			 * KVM did not take it (no ioeventfd, other width). A
			 * full counter means the queue is kicked already.
			 */
			if (write(vp->queues[q].kick_fd, &one, 8) < 0) {
			}
		}
	}
}

void virtio_pci_bar_access(struct virtio_pci *vp, int bar, uint64_t off,
			   uint8_t *data, uint32_t len, bool is_write)
{
	uint64_t tsize = MSIX_TABLE_SIZE(vp->nvec);
	uint64_t size = bar == 0 ? VIRTIO_PCI_BAR0_SIZE : vp->msix_bar_size;

	if ((bar != 0 && bar != VIRTIO_PCI_MSIX_BAR) || !len || len > 8 ||
	    off >= size || len > size - off) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	if (bar == 0)
		bar0_access(vp, off, data, len, is_write);
	else if (off < tsize)
		msix_table_access(vp->msix, off, data, len, is_write);
	else if (off >= tsize)	/* the PBA follows the table */
		msix_pba_access(vp->msix, off - tsize, data, len, is_write);
	pthread_mutex_unlock(&vp->lock);
}

static void vp_bar_fn(struct pci_device *dev, int bar, uint64_t off,
		      uint8_t *data, uint32_t len, bool is_write)
{
	virtio_pci_bar_access(pci_device_opaque(dev), bar, off, data, len,
			      is_write);
}

static bool overlaps(uint32_t off, uint32_t len, uint32_t at, uint32_t n)
{
	return off < at + n && at < off + len;
}

/*
 * VIRTIO_PCI_CAP_PCI_CFG (4.1.4.8): bar/offset/length select a BAR access
 * that reading or writing pci_cfg_data performs. Under the bus lock.
 */
static void cfg_window(struct virtio_pci *vp, bool is_write)
{
	struct pci_device *d = vp->pci;
	uint32_t bar = pci_cfg_get(d, vp->cfg_cap + 4, 1);
	uint32_t off = pci_cfg_get(d, vp->cfg_cap + 8, 4);
	uint32_t len = pci_cfg_get(d, vp->cfg_cap + 12, 4);
	uint8_t data[4];

	if ((len != 1 && len != 2 && len != 4) || (off & (len - 1)))
		return;
	if (is_write) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = pci_cfg_get(d, vp->cfg_cap + 16 + i, 1);
		virtio_pci_bar_access(vp, bar, off, data, len, true);
	} else {
		virtio_pci_bar_access(vp, bar, off, data, len, false);
		for (uint32_t i = 0; i < 4; i++)
			pci_cfg_set(d, vp->cfg_cap + 16 + i, 1,
				    i < len ? data[i] : 0);
	}
}

static void vp_cfg_read(struct pci_device *dev, uint32_t off, uint32_t len,
			uint32_t *val)
{
	struct virtio_pci *vp = pci_device_opaque(dev);

	if (overlaps(off, len, vp->cfg_cap + 16, 4)) {
		cfg_window(vp, false);
		*val = pci_cfg_get(dev, off, len);
	}
}

static void vp_cfg_write(struct pci_device *dev, uint32_t off, uint32_t len,
			 uint32_t val)
{
	struct virtio_pci *vp = pci_device_opaque(dev);
	uint16_t ctrl;

	(void)val;
	if (overlaps(off, len, vp->msix_cap + 2, 2)) {
		ctrl = pci_cfg_get(dev, vp->msix_cap + 2, 2);
		pthread_mutex_lock(&vp->lock);
		msix_set_control(vp->msix, ctrl & MSIX_CTRL_ENABLE,
				 ctrl & MSIX_CTRL_MASKALL);
		pthread_mutex_unlock(&vp->lock);
	}
	if (overlaps(off, len, vp->cfg_cap + 16, 4))
		cfg_window(vp, true);
}

static int vp_bar_map(struct pci_device *dev, int bar, uint64_t addr,
		      uint64_t size)
{
	struct virtio_pci *vp = pci_device_opaque(dev);

	(void)size;
	if (bar != 0)
		return 0;
	pthread_mutex_lock(&vp->lock);
	vp->bar0_mapped = true;
	vp->bar0_addr = addr;
	for (uint16_t q = 0; q < vp->cfg.num_queues; q++)
		vp_queue_ioeventfd_sync(vp, q);
	pthread_mutex_unlock(&vp->lock);
	return 0;
}

static void vp_bar_unmap(struct pci_device *dev, int bar, uint64_t addr,
			 uint64_t size)
{
	struct virtio_pci *vp = pci_device_opaque(dev);

	(void)addr;
	(void)size;
	if (bar != 0)
		return;
	pthread_mutex_lock(&vp->lock);
	vp->bar0_mapped = false;
	for (uint16_t q = 0; q < vp->cfg.num_queues; q++)
		vp_queue_ioeventfd_sync(vp, q);
	pthread_mutex_unlock(&vp->lock);
}

/* Function level reset: the virtio device and the MSI-X state. */
static void vp_pci_reset(struct pci_device *dev)
{
	struct virtio_pci *vp = pci_device_opaque(dev);

	pthread_mutex_lock(&vp->lock);
	vp_device_reset(vp);
	msix_reset(vp->msix);
	pthread_mutex_unlock(&vp->lock);
}

static const struct pci_device_ops vp_pci_ops = {
	.cfg_read = vp_cfg_read,
	.cfg_write = vp_cfg_write,
	.bar_map = vp_bar_map,
	.bar_unmap = vp_bar_unmap,
	.reset = vp_pci_reset,
};

static int add_vp_cap(struct pci_device *d, uint8_t type, uint32_t caplen,
		      uint8_t bar, uint32_t off, uint32_t len)
{
	int cap = pci_cap_add(d, PCI_CAP_ID_VNDR, caplen, 0);

	if (cap < 0)
		return cap;
	pci_cfg_set(d, cap + VIRTIO_PCI_CAP_LEN, 1, caplen);
	pci_cfg_set(d, cap + VIRTIO_PCI_CAP_CFG_TYPE, 1, type);
	pci_cfg_set(d, cap + VIRTIO_PCI_CAP_BAR, 1, bar);
	pci_cfg_set(d, cap + VIRTIO_PCI_CAP_OFFSET, 4, off);
	pci_cfg_set(d, cap + VIRTIO_PCI_CAP_LENGTH, 4, len);
	return cap;
}

static int vp_setup_pci(struct virtio_pci *vp)
{
	struct pci_device *d = vp->pci;
	const struct virtio_pci_config *c = &vp->cfg;
	uint64_t tsize = MSIX_TABLE_SIZE(vp->nvec);
	int ret;

	/* Revision 1 and subsystem id >= 0x40: non-transitional (4.1.2.1). */
	pci_device_set_ids(d, VIRTIO_PCI_VENDOR,
			   VIRTIO_PCI_DEVICE_BASE + c->device_type,
			   c->class_code, 1, VIRTIO_PCI_VENDOR, 0x1100);
	vp->msix_bar_size = tsize + MSIX_PBA_SIZE(vp->nvec);
	ret = pci_device_add_bar(d, 0, VIRTIO_PCI_BAR0_SIZE, 0, vp_bar_fn);
	if (!ret)
		ret = pci_device_add_bar(d, VIRTIO_PCI_MSIX_BAR,
					 vp->msix_bar_size, 0, vp_bar_fn);
	if (ret)
		return ret;
	ret = add_vp_cap(d, VIRTIO_PCI_CAP_COMMON_CFG, VP_CAP_LEN, 0,
			 VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN);
	if (ret >= 0)
		ret = add_vp_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG,
				 VP_NOTIFY_CAP_LEN, 0, VIRTIO_PCI_NOTIFY_OFF,
				 c->num_queues * VIRTIO_PCI_NOTIFY_MULT);
	if (ret >= 0) {
		pci_cfg_set(d, ret + VP_CAP_LEN, 4, VIRTIO_PCI_NOTIFY_MULT);
		ret = add_vp_cap(d, VIRTIO_PCI_CAP_ISR_CFG, VP_CAP_LEN, 0,
				 VIRTIO_PCI_ISR_OFF, VP_ISR_LEN);
	}
	if (ret >= 0 && c->devcfg_size)
		ret = add_vp_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG, VP_CAP_LEN, 0,
				 VIRTIO_PCI_DEVCFG_OFF, c->devcfg_size);
	if (ret >= 0)
		ret = add_vp_cap(d, VIRTIO_PCI_CAP_PCI_CFG, VP_CFG_CAP_LEN, 0,
				 0, 0);
	if (ret < 0)
		return ret;
	vp->cfg_cap = ret;
	pci_cfg_set_wmask(d, ret + VIRTIO_PCI_CAP_BAR, 1, 0xff);
	pci_cfg_set_wmask(d, ret + VIRTIO_PCI_CAP_OFFSET, 4, 0xffffffff);
	pci_cfg_set_wmask(d, ret + VIRTIO_PCI_CAP_LENGTH, 4, 0xffffffff);
	pci_cfg_set_wmask(d, ret + VP_CAP_LEN, 4, 0xffffffff);
	ret = pci_cap_add_msix(d, 0, vp->nvec, VIRTIO_PCI_MSIX_BAR, 0,
			       VIRTIO_PCI_MSIX_BAR, tsize);
	if (ret < 0)
		return ret;
	vp->msix_cap = ret;
	return 0;
}

static int vp_check_config(const struct virtio_pci_config *c)
{
	if (!c->num_queues || c->num_queues > VIRTIO_PCI_MAX_QUEUES ||
	    !c->queue_max_size || c->queue_max_size > VQ_MAX_SIZE ||
	    (c->queue_max_size & (c->queue_max_size - 1)) ||
	    c->devcfg_size > VIRTIO_PCI_DEVCFG_MAX ||
	    (c->features & (1ULL << VIRTIO_F_RING_PACKED)))	/* split only */
		return -EINVAL;
	return 0;
}

int virtio_pci_create(struct pci_bus *bus, const struct virtio_pci_config *cfg,
		      struct virtio_pci **out, struct errbuf *eb)
{
	const char *name = cfg->name ? cfg->name : "virtio";
	struct virtio_pci *vp;
	int ret;

	if (vp_check_config(cfg))
		return errbuf_set(eb, -EINVAL, "%s: bad virtio-pci config "
				  "(queues 1-%d, queue size a power of two, "
				  "split rings only)",
				  name, VIRTIO_PCI_MAX_QUEUES);
	vp = calloc(1, sizeof(*vp) + cfg->num_queues * sizeof(vp->queues[0]));
	if (!vp)
		return errbuf_set(eb, -ENOMEM, "%s: out of memory", name);
	pthread_mutex_init(&vp->lock, NULL);
	vp->vm = bus->vm;
	vp->cfg = *cfg;
	for (uint16_t q = 0; q < cfg->num_queues; q++)
		vp->queues[q].kick_fd = vp->queues[q].call_fd = -1;
	vp->dev_features = cfg->features | 1ULL << VIRTIO_F_VERSION_1;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	vp->nvec = cfg->num_queues + 1;
	for (uint16_t q = 0; q < cfg->num_queues; q++) {
		struct vp_queue *vq = &vp->queues[q];

		vq->size = cfg->queue_max_size;
		vq->vector = VIRTIO_MSI_NO_VECTOR;
		vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vq->kick_fd < 0 || vq->call_fd < 0) {
			ret = errbuf_set(eb, -errno, "%s: eventfd: %s", name,
					 strerror(errno));
			goto err;
		}
	}
	vp->vectors = calloc(vp->nvec, sizeof(*vp->vectors));
	ret = vp->vectors ? msix_create(vp->nvec, &vp_msix_ops, vp, &vp->msix)
			  : -ENOMEM;
	if (ret) {
		errbuf_set(eb, ret, "%s: MSI-X: %s", name, strerror(-ret));
		goto err;
	}
	for (uint32_t v = 0; v < vp->nvec; v++)
		vp->vectors[v].masked = true;
	ret = pci_device_create_on(bus, name, &vp_pci_ops, vp, &vp->pci, eb);
	if (ret)
		goto err;
	ret = vp_setup_pci(vp);
	if (ret) {
		errbuf_set(eb, ret, "%s: config space: %s", name,
			   strerror(-ret));
		goto err;
	}
	ret = pci_device_register(vp->pci, eb);
	if (ret)
		goto err;
	vp->registered = true;
	*out = vp;
	return 0;

err:
	virtio_pci_destroy(vp);
	return ret;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	if (!vp)
		return;
	pci_device_destroy(vp->pci);	/* unmaps: no more guest accesses */
	pthread_mutex_lock(&vp->lock);
	if (vp->registered)
		vp_device_reset(vp);
	for (uint32_t v = 0; vp->vectors && v < vp->nvec; v++)
		if (vp->vectors[v].routed)
			irq_msi_route_del(vp_vm(vp), vp->vectors[v].gsi);
	pthread_mutex_unlock(&vp->lock);
	msix_destroy(vp->msix);
	for (uint16_t q = 0; q < vp->cfg.num_queues; q++) {
		if (vp->queues[q].kick_fd >= 0)
			close(vp->queues[q].kick_fd);
		if (vp->queues[q].call_fd >= 0)
			close(vp->queues[q].call_fd);
	}
	free(vp->vectors);
	pthread_mutex_destroy(&vp->lock);
	free(vp);
}

struct pci_device *virtio_pci_device(struct virtio_pci *vp)
{
	return vp->pci;
}

/* The getters below are for the device's ops, which hold vp->lock. */
uint64_t virtio_pci_features(struct virtio_pci *vp)
{
	return vp->status & VIRTIO_CONFIG_S_FEATURES_OK ? vp->drv_features : 0;
}

uint8_t virtio_pci_status(struct virtio_pci *vp)
{
	return vp->status;
}

struct virtqueue *virtio_pci_queue(struct virtio_pci *vp, uint16_t q)
{
	if (q >= vp->cfg.num_queues || !vp->queues[q].enabled)
		return NULL;
	return &vp->queues[q].vq;
}

int virtio_pci_queue_fds(struct virtio_pci *vp, uint16_t q, int *kick_fd,
			 int *call_fd)
{
	if (q >= vp->cfg.num_queues)
		return -EINVAL;
	*kick_fd = vp->queues[q].kick_fd;
	*call_fd = vp->queues[q].call_fd;
	return 0;
}

int virtio_pci_notify_queue(struct virtio_pci *vp, uint16_t q)
{
	int ret = 0;

	if (q >= vp->cfg.num_queues)
		return -EINVAL;
	pthread_mutex_lock(&vp->lock);
	vp->isr |= VP_ISR_QUEUE;
	/* TODO: no INTx: a driver without MSI-X polls the ISR in vain. */
	if (vp->queues[q].vector != VIRTIO_MSI_NO_VECTOR)
		ret = msix_fire(vp->msix, vp->queues[q].vector);
	pthread_mutex_unlock(&vp->lock);
	return ret < 0 ? ret : 0;
}

int virtio_pci_notify_config(struct virtio_pci *vp)
{
	int ret = 0;

	pthread_mutex_lock(&vp->lock);
	vp->generation++;
	vp->isr |= VIRTIO_PCI_ISR_CONFIG;
	if (vp->config_vector != VIRTIO_MSI_NO_VECTOR)
		ret = msix_fire(vp->msix, vp->config_vector);
	pthread_mutex_unlock(&vp->lock);
	return ret < 0 ? ret : 0;
}

void virtio_pci_needs_reset(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
	vp_set_needs_reset(vp);
	pthread_mutex_unlock(&vp->lock);
}
