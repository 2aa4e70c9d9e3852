// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt plumbing on KVM: the GSI routing table (see irq.h), irqfds that
 * inject a route's interrupt when an eventfd is written, ioeventfds that
 * turn a guest write into an eventfd signal without an exit to userspace,
 * and the direct paths (KVM_SIGNAL_MSI, KVM_IRQ_LINE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "irq.h"
#include "pci.h"
#include "vm.h"

/* What kvm_setup_default_irq_routing() installs on x86. */
static uint32_t default_routes(struct kvm_irq_routing_entry *e)
{
	uint32_t n = 0;

	for (uint32_t gsi = 0; gsi < IRQ_LEGACY_GSIS; gsi++) {
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { KVM_IRQCHIP_IOAPIC, gsi },
		};
		if (gsi < 16)
			e[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
						: KVM_IRQCHIP_PIC_SLAVE,
					gsi % 8 },
			};
	}
	return n;
}

static int router_commit(struct irq_router *r)
{
	if (r->vm_fd < 0)
		return 0;
	if (ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0)
		return -errno;
	return 0;
}

int irq_router_create(int vm_fd, struct irq_router **out, struct errbuf *eb)
{
	struct irq_router *r;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return errbuf_set(eb, -ENOMEM, "irq: out of memory");
	r->table = calloc(1, sizeof(*r->table) +
			  IRQ_MAX_ROUTES * sizeof(r->table->entries[0]));
	if (!r->table) {
		ret = errbuf_set(eb, -ENOMEM, "irq: out of memory");
		goto err_free;
	}
	r->vm_fd = vm_fd;
	pthread_mutex_init(&r->lock, NULL);
	r->table->nr = default_routes(r->table->entries);
	ret = router_commit(r);
	if (ret) {
		errbuf_set(eb, ret, "irq: KVM_SET_GSI_ROUTING: %s (the VM needs "
			   "an in-kernel irqchip, KVM_CREATE_IRQCHIP)",
			   strerror(-ret));
		goto err_table;
	}
	*out = r;
	return 0;

err_table:
	pthread_mutex_destroy(&r->lock);
	free(r->table);
err_free:
	free(r);
	return ret;
}

void irq_router_destroy(struct irq_router *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->table);
	free(r);
}

static void msi_entry(struct kvm_irq_routing_entry *e, uint32_t gsi,
		      uint64_t addr, uint32_t data)
{
	*e = (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = {
			.address_lo = (uint32_t)addr,
			.address_hi = addr >> 32,
			.data = data,
		},
	};
}

int irq_router_msi_add(struct irq_router *r, uint64_t addr, uint32_t data,
		       uint32_t *gsi)
{
	uint32_t g, n;
	int ret;

	pthread_mutex_lock(&r->lock);
	for (g = IRQ_LEGACY_GSIS; g < IRQ_MAX_ROUTES; g++)
		if (!(r->msi_used[g / 64] & (1ULL << (g % 64))))
			break;
	n = r->table->nr;
	if (g == IRQ_MAX_ROUTES || n == IRQ_MAX_ROUTES) {
		ret = -ENOSPC;
		goto out;
	}
	msi_entry(&r->table->entries[n], g, addr, data);
	r->table->nr = n + 1;
	ret = router_commit(r);
	if (ret) {
		r->table->nr = n;
		goto out;
	}
	r->msi_used[g / 64] |= 1ULL << (g % 64);
	*gsi = g;
out:
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static struct kvm_irq_routing_entry *msi_find(struct irq_router *r,
					      uint32_t gsi)
{
	if (gsi < IRQ_LEGACY_GSIS || gsi >= IRQ_MAX_ROUTES ||
	    !(r->msi_used[gsi / 64] & (1ULL << (gsi % 64))))
		return NULL;
	for (uint32_t i = 0; i < r->table->nr; i++)
		if (r->table->entries[i].gsi == gsi)
			return &r->table->entries[i];
	return NULL;
}

int irq_router_msi_update(struct irq_router *r, uint32_t gsi, uint64_t addr,
			  uint32_t data)
{
	struct kvm_irq_routing_entry *e, old;
	int ret = -ENOENT;

	pthread_mutex_lock(&r->lock);
	e = msi_find(r, gsi);
	if (e) {
		old = *e;
		msi_entry(e, gsi, addr, data);
		if (!memcmp(&old, e, sizeof(old)))
			ret = 0;
		else if ((ret = router_commit(r)))
			*e = old;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_router_msi_del(struct irq_router *r, uint32_t gsi)
{
	struct kvm_irq_routing_entry *e, old;
	uint32_t last;
	int ret = -ENOENT;

	pthread_mutex_lock(&r->lock);
	e = msi_find(r, gsi);
	if (e) {
		old = *e;
		last = r->table->nr - 1;
		*e = r->table->entries[last];
		r->table->nr = last;
		ret = router_commit(r);
		if (ret) {
			r->table->entries[last] = *e;
			*e = old;
			r->table->nr = last + 1;
		} else {
			r->msi_used[gsi / 64] &= ~(1ULL << (gsi % 64));
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_router_init(struct vm *vm, struct errbuf *eb)
{
	struct irq_router *r;
	int ret;

	ret = irq_router_create(vm_fd(vm), &r, eb);
	if (ret)
		return ret;
	vm_set_irq_router(vm, r);
	return 0;
}

void irq_router_exit(struct vm *vm)
{
	irq_router_destroy(vm_irq_router(vm));
	vm_set_irq_router(vm, NULL);
}

static struct irq_router *router_of(struct vm *vm)
{
	return vm ? vm_irq_router(vm) : NULL;
}

int irq_msi_route_add(struct vm *vm, uint64_t addr, uint32_t data,
		      uint32_t *gsi)
{
	struct irq_router *r = router_of(vm);

	return r ? irq_router_msi_add(r, addr, data, gsi) : -ENODEV;
}

int irq_msi_route_update(struct vm *vm, uint32_t gsi, uint64_t addr,
			 uint32_t data)
{
	struct irq_router *r = router_of(vm);

	return r ? irq_router_msi_update(r, gsi, addr, data) : -ENODEV;
}

int irq_msi_route_del(struct vm *vm, uint32_t gsi)
{
	struct irq_router *r = router_of(vm);

	return r ? irq_router_msi_del(r, gsi) : -ENODEV;
}

static int vm_ioctl(struct vm *vm, unsigned long req, void *arg)
{
	if (!vm)
		return -ENODEV;
	return ioctl(vm_fd(vm), req, arg) < 0 ? -errno : 0;
}

int irq_irqfd_assign(struct vm *vm, int fd, uint32_t gsi, int resample_fd)
{
	struct kvm_irqfd irqfd = {
		.fd = fd,
		.gsi = gsi,
		.flags = resample_fd >= 0 ? KVM_IRQFD_FLAG_RESAMPLE : 0,
		.resamplefd = resample_fd >= 0 ? resample_fd : 0,
	};

	return vm_ioctl(vm, KVM_IRQFD, &irqfd);
}

int irq_irqfd_deassign(struct vm *vm, int fd, uint32_t gsi)
{
	struct kvm_irqfd irqfd = {
		.fd = fd,
		.gsi = gsi,
		.flags = KVM_IRQFD_FLAG_DEASSIGN,
	};

	return vm_ioctl(vm, KVM_IRQFD, &irqfd);
}

int irq_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = addr >> 32,
		.data = data,
	};
	int ret;

	if (!vm)
		return -ENODEV;
	ret = ioctl(vm_fd(vm), KVM_SIGNAL_MSI, &msi);
	/* 0: the guest's APIC blocked it (masked LVT, no destination). */
	return ret < 0 ? -errno : 0;
}

int irq_line_set(struct vm *vm, uint32_t gsi, bool level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return vm_ioctl(vm, KVM_IRQ_LINE, &irq);
}

static int ioeventfd(struct vm *vm, int fd, uint64_t addr, uint32_t len,
		     unsigned int flags, uint64_t datamatch, bool deassign)
{
	struct kvm_ioeventfd io = {
		.datamatch = flags & IRQ_IOEVENTFD_DATAMATCH ? datamatch : 0,
		.addr = addr,
		.len = len,
		.fd = fd,
	};

	if (len != 0 && len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	if ((flags & IRQ_IOEVENTFD_DATAMATCH) && !len)
		return -EINVAL;
	if (flags & IRQ_IOEVENTFD_PIO)
		io.flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (flags & IRQ_IOEVENTFD_DATAMATCH)
		io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	if (deassign)
		io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	return vm_ioctl(vm, KVM_IOEVENTFD, &io);
}

int irq_ioeventfd_assign(struct vm *vm, int fd, uint64_t addr, uint32_t len,
			 unsigned int flags, uint64_t datamatch)
{
	return ioeventfd(vm, fd, addr, len, flags, datamatch, false);
}

int irq_ioeventfd_deassign(struct vm *vm, int fd, uint64_t addr, uint32_t len,
			   unsigned int flags, uint64_t datamatch)
{
	return ioeventfd(vm, fd, addr, len, flags, datamatch, true);
}
