/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm/ internal: the VM's GSI routing table. KVM_SET_GSI_ROUTING replaces
 * the whole table, so the router keeps a copy: the default routes
 * KVM_CREATE_IRQCHIP installs (GSIs 0-15 to both the PICs and the IOAPIC,
 * 16-23 to the IOAPIC) plus the MSI routes handed out from GSI 24 up, and
 * sets all of it on every change. The public calls are in iopass/vmm.h.
 */
#ifndef IOPASS_VMM_IRQ_H
#define IOPASS_VMM_IRQ_H

#include <pthread.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "iopass/util.h"

struct vm;

#define IRQ_LEGACY_GSIS		24
#define IRQ_MAX_ROUTES		1024	/* KVM allows 4096 */

struct irq_router {
	int vm_fd;			/* -1: build the table, set nothing */
	pthread_mutex_t lock;
	struct kvm_irq_routing *table;	/* IRQ_MAX_ROUTES entries */
	uint64_t msi_used[IRQ_MAX_ROUTES / 64];	/* by GSI */
};

/* Creates the router, sets the default table and hangs it off the VM. */
int irq_router_init(struct vm *vm, struct errbuf *eb);
void irq_router_exit(struct vm *vm);

/* Without a VM (unit tests, fuzzing): vm_fd -1 sets nothing in KVM. */
int irq_router_create(int vm_fd, struct irq_router **out,
		      struct errbuf *eb);
void irq_router_destroy(struct irq_router *r);
int irq_router_msi_add(struct irq_router *r, uint64_t addr, uint32_t data,
		       uint32_t *gsi);
int irq_router_msi_update(struct irq_router *r, uint32_t gsi, uint64_t addr,
			  uint32_t data);
int irq_router_msi_del(struct irq_router *r, uint32_t gsi);

#endif
