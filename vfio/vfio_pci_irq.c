// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts of an assigned device. Every MSI/MSI-X vector is an eventfd
 * that vfio-pci signals from the host's interrupt handler, registered with
 * KVM as an irqfd on an MSI route, so the interrupt reaches the guest
 * without passing through this process.
 *
 * Masking without losing an interrupt: a masked vector's irqfd is
 * deassigned and the device keeps signalling its eventfd, where the count
 * waits. Unmasking updates the route and assigns the irqfd again, and KVM
 * injects at once when the eventfd already holds a count (irqfd_assign
 * polls it). A guest that reads the PBA (or the MSI pending bits) while a
 * vector is masked drains its eventfd into the emulated pending bit, which
 * msix.c (or vfio_msi_update) delivers on unmask. kvmtool masks the same
 * way (drops the route); cloud-hypervisor keeps the irqfd and masks in
 * the device, which needs the host to expose per-vector masking.
 *
 * INTx: a level-triggered irqfd whose resample eventfd is vfio-pci's
 * UNMASK eventfd: the guest's EOI unmasks the device's line in the host.
 *
 * ",irq=relay" (for benchmarks): no irqfds; a thread waits on the eventfds
 * and injects each interrupt with KVM_SIGNAL_MSI.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_impl.h"

#define RELAY_STOP	UINT32_MAX

static uint64_t efd_drain(int fd)
{
	uint64_t n = 0;

	if (fd < 0 || read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* The vector's irqfd and route as the guest's mask and message say. */
static void vec_apply(struct vfio_pci *vp, uint32_t i, bool masked,
		      uint64_t addr, uint32_t data)
{
	struct vfio_vec *v = &vp->vecs[i];

	v->masked = masked;
	v->addr = addr;
	v->data = data;
	if (vp->relay)
		return;
	if (masked) {
		if (v->irqfd && !irq_irqfd_deassign(vp->vm, v->efd, v->gsi))
			v->irqfd = false;
		return;
	}
	if (!v->routed) {
		if (irq_msi_route_add(vp->vm, addr, data, &v->gsi))
			return;	/* out of routes: the vector stays silent */
		v->routed = true;
	} else if (irq_msi_route_update(vp->vm, v->gsi, addr, data)) {
		return;
	}
	if (!v->irqfd && !irq_irqfd_assign(vp->vm, v->efd, v->gsi, -1))
		v->irqfd = true;
}

static void vec_teardown(struct vfio_pci *vp, uint32_t i)
{
	struct vfio_vec *v = &vp->vecs[i];

	if (v->irqfd)
		irq_irqfd_deassign(vp->vm, v->efd, v->gsi);
	if (v->routed)
		irq_msi_route_del(vp->vm, v->gsi);
	v->irqfd = v->routed = false;
	v->masked = true;
	/* Nothing from before may fire after the next enable. */
	efd_drain(v->efd);
}

static void msix_vector_update(void *opaque, uint32_t vec, bool masked,
			       uint64_t addr, uint32_t data)
{
	vec_apply(opaque, vec, masked, addr, data);
}

static void msix_vector_deliver(void *opaque, uint32_t vec, uint64_t addr,
				uint32_t data)
{
	struct vfio_pci *vp = opaque;

	(void)vec;
	irq_signal_msi(vp->vm, addr, data);
}

static const struct msix_ops vfio_msix_ops = {
	.vector_update = msix_vector_update,
	.vector_deliver = msix_vector_deliver,
};

static int set_trigger(struct vfio_pci *vp, uint32_t index, uint32_t n)
{
	int32_t *fds;
	int ret;

	if (!n)
		return vp->t->ops->set_irqs(vp->t, index, 0, 0,
					    VFIO_IRQ_SET_DATA_NONE |
					    VFIO_IRQ_SET_ACTION_TRIGGER, NULL);
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		fds[i] = vp->vecs[i].efd;
	ret = vp->t->ops->set_irqs(vp->t, index, 0, n,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_TRIGGER, fds);
	free(fds);
	return ret;
}

int vfio_intx_enable(struct vfio_pci *vp)
{
	int32_t fd;
	int ret;

	if (!vp->intx_able || vp->intx_on || vp->mode != VFIO_IRQ_NONE)
		return 0;
	fd = vp->intx_efd;
	ret = vp->t->ops->set_irqs(vp->t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_TRIGGER, &fd);
	if (ret)
		return ret;
	fd = vp->intx_resample;
	ret = vp->t->ops->set_irqs(vp->t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_UNMASK, &fd);
	if (!ret && vp->vm)
		ret = irq_irqfd_assign(vp->vm, vp->intx_efd, vp->intx_gsi,
				       vp->intx_resample);
	if (ret) {
		vp->t->ops->set_irqs(vp->t, VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
				     VFIO_IRQ_SET_DATA_NONE |
				     VFIO_IRQ_SET_ACTION_TRIGGER, NULL);
		return ret;
	}
	vp->intx_on = true;
	vp->mode = VFIO_IRQ_INTX;
	return 0;
}

void vfio_intx_disable(struct vfio_pci *vp)
{
	if (!vp->intx_on)
		return;
	/* The last resampler going lowers the line in KVM. */
	if (vp->vm)
		irq_irqfd_deassign(vp->vm, vp->intx_efd, vp->intx_gsi);
	vp->t->ops->set_irqs(vp->t, VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
			     VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER, NULL);
	efd_drain(vp->intx_efd);
	efd_drain(vp->intx_resample);
	vp->intx_on = false;
	vp->mode = VFIO_IRQ_NONE;
}

static void msi_off(struct vfio_pci *vp)
{
	set_trigger(vp, VFIO_PCI_MSI_IRQ_INDEX, 0);
	for (uint32_t i = 0; i < vp->msi_on; i++)
		vec_teardown(vp, i);
	vp->msi_on = 0;
	vp->msi_pending = 0;
	vp->mode = VFIO_IRQ_NONE;
}

uint32_t vfio_msi_pending(struct vfio_pci *vp)
{
	if (vp->mode != VFIO_IRQ_MSI)
		return 0;
	for (uint32_t i = 0; i < vp->msi_on && !vp->relay; i++)
		if (vp->vecs[i].masked && efd_drain(vp->vecs[i].efd))
			vp->msi_pending |= 1u << i;
	return vp->msi_pending;
}

void vfio_msi_update(struct vfio_pci *vp)
{
	struct pci_msi_msg msg;
	uint32_t cap = vp->msi_cap, n, mask = 0;
	uint16_t ctrl;

	pci_msi_get(vp->pci, cap, &msg);
	ctrl = pci_cfg_get(vp->pci, cap + 2, 2);
	n = 1u << ((ctrl >> 4) & 7);
	if (n > vp->msi_max)
		n = vp->msi_max;
	if (vp->msi_pvm)
		mask = pci_cfg_get(vp->pci, cap + (vp->msi_64 ? 16 : 12), 4);
	if (vp->mode == VFIO_IRQ_MSIX)
		return;		/* both enabled: undefined; MSI-X wins */
	if (!msg.enabled) {
		if (vp->mode == VFIO_IRQ_MSI) {
			msi_off(vp);
			vfio_intx_enable(vp);
		}
		return;
	}
	if (vp->mode != VFIO_IRQ_MSI || n != vp->msi_on) {
		if (vp->mode == VFIO_IRQ_MSI)
			msi_off(vp);
		vfio_intx_disable(vp);
		if (set_trigger(vp, VFIO_PCI_MSI_IRQ_INDEX, n)) {
			vfio_intx_enable(vp);
			return;
		}
		vp->mode = VFIO_IRQ_MSI;
		vp->msi_on = n;
	}
	for (uint32_t i = 0; i < n; i++) {
		bool masked = mask & (1u << i);
		/* Multiple messages: the vector number in the low data bits. */
		uint32_t data = (msg.data & ~(n - 1)) | i;

		vec_apply(vp, i, masked, msg.addr, data);
		if (!masked && (vp->msi_pending & (1u << i))) {
			vp->msi_pending &= ~(1u << i);
			irq_signal_msi(vp->vm, msg.addr, data);
		}
	}
}

void vfio_msix_control(struct vfio_pci *vp, bool enable, bool fmask)
{
	if (!vp->msix)
		return;
	if (enable && vp->mode != VFIO_IRQ_MSIX) {
		if (vp->mode == VFIO_IRQ_MSI)
			msi_off(vp);
		vfio_intx_disable(vp);
		/*
		 * Every table entry gets its eventfd now: the kernel (before
		 * 6.5) cannot add vectors to enabled MSI-X.
		 */
		if (set_trigger(vp, VFIO_PCI_MSIX_IRQ_INDEX, vp->msix_nvec)) {
			vfio_intx_enable(vp);
			return;
		}
		vp->mode = VFIO_IRQ_MSIX;
	} else if (!enable && vp->mode == VFIO_IRQ_MSIX) {
		msix_set_control(vp->msix, false, fmask);
		set_trigger(vp, VFIO_PCI_MSIX_IRQ_INDEX, 0);
		for (uint32_t i = 0; i < vp->msix_nvec; i++)
			vec_teardown(vp, i);
		vp->mode = VFIO_IRQ_NONE;
		vfio_intx_enable(vp);
		return;
	}
	msix_set_control(vp->msix, enable, fmask);
}

void vfio_msix_pba_read(struct vfio_pci *vp, uint64_t off, uint8_t *data,
			uint32_t len)
{
	if (vp->mode == VFIO_IRQ_MSIX && !vp->relay) {
		for (uint64_t v = off * 8; v < (off + len) * 8 &&
		     v < vp->msix_nvec; v++)
			if (msix_vector_masked(vp->msix, v) &&
			    efd_drain(vp->vecs[v].efd))
				msix_fire(vp->msix, v);
	}
	msix_pba_access(vp->msix, off, data, len, false);
}

void vfio_irq_reset(struct vfio_pci *vp)
{
	switch (vp->mode) {
	case VFIO_IRQ_MSIX:
		vfio_msix_control(vp, false, false);
		break;
	case VFIO_IRQ_MSI:
		msi_off(vp);
		break;
	case VFIO_IRQ_INTX:
		vfio_intx_disable(vp);
		break;
	case VFIO_IRQ_NONE:
		break;
	}
	vfio_intx_disable(vp);
	if (vp->msix)
		msix_reset(vp->msix);
}

static void *relay_main(void *arg)
{
	struct vfio_pci *vp = arg;
	struct epoll_event ev[16];

	for (;;) {
		int n = epoll_wait(vp->relay_epfd, ev, ARRAY_SIZE(ev), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int e = 0; e < n; e++) {
			uint32_t i = ev[e].data.u32;

			if (i == RELAY_STOP)
				return NULL;
			if (!efd_drain(vp->vecs[i].efd))
				continue;
			pthread_mutex_lock(&vp->irq_lock);
			if (vp->mode == VFIO_IRQ_MSIX) {
				msix_fire(vp->msix, i);
			} else if (vp->mode == VFIO_IRQ_MSI &&
				   i < vp->msi_on) {
				if (vp->vecs[i].masked)
					vp->msi_pending |= 1u << i;
				else
					irq_signal_msi(vp->vm,
						       vp->vecs[i].addr,
						       vp->vecs[i].data);
			}
			pthread_mutex_unlock(&vp->irq_lock);
		}
	}
}

static int relay_start(struct vfio_pci *vp)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	vp->relay_epfd = epoll_create1(EPOLL_CLOEXEC);
	vp->relay_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vp->relay_epfd < 0 || vp->relay_stop < 0)
		return -errno;
	ev.data.u32 = RELAY_STOP;
	if (epoll_ctl(vp->relay_epfd, EPOLL_CTL_ADD, vp->relay_stop, &ev))
		return -errno;
	for (uint32_t i = 0; i < vp->nvecs; i++) {
		ev.data.u32 = i;
		if (epoll_ctl(vp->relay_epfd, EPOLL_CTL_ADD, vp->vecs[i].efd,
			      &ev))
			return -errno;
	}
	ret = pthread_create(&vp->relay_thread, NULL, relay_main, vp);
	if (ret)
		return -ret;
	vp->relay_running = true;
	return 0;
}

int vfio_irq_init(struct vfio_pci *vp, struct errbuf *eb)
{
	int ret;

	vp->intx_efd = vp->intx_resample = -1;
	vp->relay_epfd = vp->relay_stop = -1;
	vp->nvecs = vp->msix_nvec;
	if (vp->msi_cap && vp->msi_max > vp->nvecs)
		vp->nvecs = vp->msi_max;
	vp->vecs = calloc(vp->nvecs ? vp->nvecs : 1, sizeof(*vp->vecs));
	if (!vp->vecs)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < vp->nvecs; i++)
		vp->vecs[i].efd = -1;
	for (uint32_t i = 0; i < vp->nvecs; i++) {
		vp->vecs[i].masked = true;
		vp->vecs[i].efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->vecs[i].efd < 0)
			return errbuf_set(eb, -errno, "%s: eventfd: %s",
					  vp->t->name, strerror(errno));
	}
	if (vp->intx_able) {
		vp->intx_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		vp->intx_resample = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->intx_efd < 0 || vp->intx_resample < 0)
			return errbuf_set(eb, -errno, "%s: eventfd: %s",
					  vp->t->name, strerror(errno));
	}
	if (vp->msix_cap) {
		ret = msix_create(vp->msix_nvec, &vfio_msix_ops, vp, &vp->msix);
		if (ret)
			return errbuf_set(eb, ret, "%s: MSI-X table of %u "
					  "vectors: %s", vp->t->name,
					  vp->msix_nvec, strerror(-ret));
	}
	if (vp->relay && vp->nvecs) {
		ret = relay_start(vp);
		if (ret)
			return errbuf_set(eb, ret, "%s: interrupt relay thread: "
					  "%s", vp->t->name, strerror(-ret));
	}
	return 0;
}

/* Safe on a partly initialised vp (fds -1, NULL pointers), and twice. */
void vfio_irq_exit(struct vfio_pci *vp)
{
	uint64_t one = 1;

	if (vp->relay_running) {
		if (write(vp->relay_stop, &one, sizeof(one)) == sizeof(one))
			pthread_join(vp->relay_thread, NULL);
		vp->relay_running = false;
	}
	if (vp->relay_epfd >= 0)
		close(vp->relay_epfd);
	if (vp->relay_stop >= 0)
		close(vp->relay_stop);
	vp->relay_epfd = vp->relay_stop = -1;
	pthread_mutex_lock(&vp->irq_lock);
	if (vp->vecs)
		vfio_irq_reset(vp);
	pthread_mutex_unlock(&vp->irq_lock);
	for (uint32_t i = 0; vp->vecs && i < vp->nvecs; i++)
		if (vp->vecs[i].efd >= 0)
			close(vp->vecs[i].efd);
	free(vp->vecs);
	vp->vecs = NULL;
	msix_destroy(vp->msix);
	vp->msix = NULL;
	if (vp->intx_efd >= 0)
		close(vp->intx_efd);
	if (vp->intx_resample >= 0)
		close(vp->intx_resample);
	vp->intx_efd = vp->intx_resample = -1;
}
