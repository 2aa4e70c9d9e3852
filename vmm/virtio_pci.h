/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-pci, modern transport only (virtio 1.1 4.1): vendor 0x1af4, device
 * 0x1040 + type. BAR0 (32-bit MMIO, 16 KiB) holds the common, ISR, device
 * and notify structures, BAR2 the MSI-X table and PBA; the capabilities
 * point there (plus the PCI_CFG window capability the spec requires).
 *
 * Queue kicks: one eventfd per queue, signalled by a KVM ioeventfd on the
 * queue's notify address (or by the trapped access when KVM did not take
 * it). Interrupts: one call eventfd per queue, bound with a KVM irqfd to the
 * MSI route of the queue's MSI-X vector while that vector is unmasked; a
 * device model in this process uses virtio_pci_notify_queue() instead,
 * which honours masking and the PBA exactly.
 */
#ifndef IOPASS_VMM_VIRTIO_PCI_H
#define IOPASS_VMM_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "iopass/util.h"
#include "virtqueue.h"

struct pci_bus;
struct virtio_pci;

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_DEVICE_BASE		0x1040
#define VIRTIO_PCI_MAX_QUEUES		64

/* BAR0 layout. */
#define VIRTIO_PCI_BAR0_SIZE		0x4000
#define VIRTIO_PCI_COMMON_OFF		0x0000
#define VIRTIO_PCI_COMMON_LEN		0x38	/* virtio 1.1 common cfg */
#define VIRTIO_PCI_ISR_OFF		0x1000
#define VIRTIO_PCI_DEVCFG_OFF		0x2000
#define VIRTIO_PCI_DEVCFG_MAX		0x1000
#define VIRTIO_PCI_NOTIFY_OFF		0x3000
#define VIRTIO_PCI_NOTIFY_MULT		4
#define VIRTIO_PCI_MSIX_BAR		2

/*
 * The device behind the transport. Every op runs with the transport's lock
 * held: it may call virtio_pci_features(), virtio_pci_queue() and
 * virtio_pci_queue_fds() but not virtio_pci_notify_*().
 */
struct virtio_pci_ops {
	/* Device-specific config: off + len <= devcfg_size. */
	void (*cfg_access)(void *opaque, uint32_t off, uint8_t *data,
			   uint32_t len, bool is_write);
	/*
	 * DRIVER_OK: features negotiated, enabled queues set up. A failure
	 * sets DEVICE_NEEDS_RESET.
	 */
	int (*start)(void *opaque, struct virtio_pci *vp);
	/* The driver reset the device (or the function was reset). */
	void (*reset)(void *opaque);
};

struct virtio_pci_config {
	const char *name;
	uint16_t device_type;		/* VIRTIO_ID_* */
	uint32_t class_code;
	uint64_t features;		/* VIRTIO_F_VERSION_1 is added */
	uint16_t num_queues;		/* 1..VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_max_size;	/* power of two, <= VQ_MAX_SIZE */
	uint32_t devcfg_size;		/* <= VIRTIO_PCI_DEVCFG_MAX */
	const struct virtio_pci_ops *ops;
	void *opaque;
	/* Ring memory; NULL: the VM's RAM (vm_gpa_to_hva). */
	vq_xlate_fn xlate;
	void *xlate_opaque;
};

int virtio_pci_create(struct pci_bus *bus, const struct virtio_pci_config *cfg,
		      struct virtio_pci **out, struct errbuf *eb);
void virtio_pci_destroy(struct virtio_pci *vp);

struct pci_device *virtio_pci_device(struct virtio_pci *vp);
uint64_t virtio_pci_features(struct virtio_pci *vp);	/* negotiated */
uint8_t virtio_pci_status(struct virtio_pci *vp);
/* NULL unless queue q is enabled. */
struct virtqueue *virtio_pci_queue(struct virtio_pci *vp, uint16_t q);
int virtio_pci_queue_fds(struct virtio_pci *vp, uint16_t q, int *kick_fd,
			 int *call_fd);

/* Used buffers on queue q: interrupt the driver (MSI-X, or ISR only). */
int virtio_pci_notify_queue(struct virtio_pci *vp, uint16_t q);
/* The device config changed: bump the generation, interrupt. */
int virtio_pci_notify_config(struct virtio_pci *vp);
/* The device cannot go on: DEVICE_NEEDS_RESET and a config interrupt. */
void virtio_pci_needs_reset(struct virtio_pci *vp);

/* The BAR accesses as the guest makes them (unit tests, fuzzing). */
void virtio_pci_bar_access(struct virtio_pci *vp, int bar, uint64_t off,
			   uint8_t *data, uint32_t len, bool is_write);

#endif
