/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The inside of a virtio-pci function, shared by virtio_pci.c (PCI side:
 * capabilities, BARs, MSI-X, interrupts) and virtio_pci_common.c (the
 * common configuration structure the driver programs).
 */
#ifndef IOPASS_VMM_VIRTIO_PCI_IMPL_H
#define IOPASS_VMM_VIRTIO_PCI_IMPL_H

#include <pthread.h>

#include "iopass/vmm.h"
#include "virtio_pci.h"

struct vp_queue {
	uint16_t size;
	uint16_t vector;
	bool enabled;
	uint64_t desc, avail, used;
	struct virtqueue vq;
	int kick_fd;
	int call_fd;
	bool ioeventfd;		/* KVM signals kick_fd on the notify address */
	uint64_t ioeventfd_addr;
	bool irqfd;		/* KVM injects irqfd_gsi on call_fd */
	uint32_t irqfd_gsi;
};

struct vp_vector {
	bool masked;
	bool routed;
	uint32_t gsi;
};

struct virtio_pci {
	struct vm *vm;		/* NULL: no VM (unit tests, fuzzing) */
	struct pci_device *pci;
	bool registered;
	struct virtio_pci_config cfg;
	pthread_mutex_t lock;	/* after the bus lock, before the MSI-X lock */
	struct msix *msix;
	uint32_t nvec;
	struct vp_vector *vectors;
	int msix_cap;
	int cfg_cap;		/* VIRTIO_PCI_CAP_PCI_CFG window */
	uint64_t msix_bar_size;

	uint64_t dev_features;
	uint64_t drv_features;
	uint32_t dfselect;
	uint32_t gfselect;
	uint16_t config_vector;
	uint8_t status;
	uint8_t generation;
	uint8_t isr;
	uint16_t queue_sel;

	bool bar0_mapped;
	uint64_t bar0_addr;
	struct vp_queue queues[];
};

/* virtio_pci_common.c, under vp->lock. */
void vp_common_read(struct virtio_pci *vp, uint64_t off, uint8_t *data,
		    uint32_t len);
void vp_common_write(struct virtio_pci *vp, uint64_t off, const uint8_t *data,
		     uint32_t len);
void vp_device_reset(struct virtio_pci *vp);

/* virtio_pci.c, under vp->lock. */
void vp_queue_ioeventfd_sync(struct virtio_pci *vp, uint16_t q);
void vp_queue_irq_sync(struct virtio_pci *vp, uint16_t q);
void vp_set_needs_reset(struct virtio_pci *vp);

#endif
