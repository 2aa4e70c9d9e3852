/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small modern virtio-pci driver (virtio 1.1 4.1) with split rings
 * (2.6), written from the spec and independent of the VMM's side, so the
 * guest checks the device rather than sharing its assumptions. MSI-X
 * vectors are programmed here too. Polling-first: interrupts are counted
 * by the suites, not relied on for progress.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include "pci.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_DEV_NET		0x1041

#define VIRTIO_S_ACK		0x01
#define VIRTIO_S_DRIVER		0x02
#define VIRTIO_S_DRIVER_OK	0x04
#define VIRTIO_S_FEATURES_OK	0x08
#define VIRTIO_S_NEEDS_RESET	0x40
#define VIRTIO_S_FAILED		0x80

#define VIRTIO_F_VERSION_1	32
#define VIRTIO_NO_VECTOR	0xffff

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY	1

#define VQ_SIZE_MAX		256

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[VQ_SIZE_MAX];
	uint16_t used_event;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[VQ_SIZE_MAX];
	uint16_t avail_event;
};

/* One queue: the rings (identity mapped: addresses are physical). */
struct vq {
	uint16_t index;
	uint16_t size;
	uint16_t avail_idx;	/* next avail slot we fill */
	uint16_t used_last;	/* next used entry we read */
	uint64_t notify;	/* MMIO address of its doorbell */
	unsigned int kicks;
	struct vring_desc desc[VQ_SIZE_MAX] __attribute__((aligned(16)));
	struct vring_avail avail __attribute__((aligned(2)));
	struct vring_used used __attribute__((aligned(4096)));
};

struct virtio_dev {
	struct pci_dev *pci;
	uint64_t common;	/* MMIO addresses of the structures */
	uint64_t notify;
	uint32_t notify_mult;
	uint64_t isr;
	uint64_t devcfg;
	uint32_t devcfg_len;
	uint8_t msix_cap;
	uint16_t msix_size;
	uint64_t msix_table;
};

/*
 * Finds the capabilities and maps the BARs; returns 0 or a negative step
 * number (what was missing is in *why).
 */
int virtio_open(struct virtio_dev *v, struct pci_dev *d, const char **why);
void virtio_reset(struct virtio_dev *v);
uint8_t virtio_status(struct virtio_dev *v);
void virtio_set_status(struct virtio_dev *v, uint8_t bits);	/* ORs in */
uint64_t virtio_device_features(struct virtio_dev *v);
/* Writes the driver features and sets FEATURES_OK; false if refused. */
bool virtio_set_features(struct virtio_dev *v, uint64_t features);
uint8_t virtio_cfg8(struct virtio_dev *v, uint32_t off);
uint16_t virtio_cfg16(struct virtio_dev *v, uint32_t off);
uint8_t virtio_cfg_generation(struct virtio_dev *v);

/*
 * MSI-X: every entry to vector base + i on this CPU, unmasked, enabled.
 * Returns the table size or -1.
 */
int virtio_msix_enable(struct virtio_dev *v, uint8_t base);
/* The config vector as the device took it (NO_VECTOR: refused). */
uint16_t virtio_set_config_vector(struct virtio_dev *v, uint16_t vec);

/*
 * Sets queue q up with at most max entries and MSI-X vector vec; returns
 * its size, or 0 (no such queue), -1 (vector refused).
 */
int virtio_queue_setup(struct virtio_dev *v, struct vq *vq, uint16_t q,
		       uint16_t max, uint16_t vec);

/* Split ring, one descriptor per buffer (desc i is slot i). */
void vq_add(struct vq *vq, uint16_t id, uint64_t addr, uint32_t len,
	    bool writable);
/* Doorbell, unless the device said it polls (VRING_USED_F_NO_NOTIFY). */
void vq_kick(struct vq *vq);
/* The next used buffer: true with its id and length. */
bool vq_used(struct vq *vq, uint16_t *id, uint32_t *len);
/* Buffers the device has not given back yet. */
static inline uint16_t vq_inflight(struct vq *vq)
{
	return vq->avail_idx - vq->used_last;
}

/* tsc.c: TSC ticks per second, measured once against the PIT. */
uint64_t tsc_hz(void);

#endif
