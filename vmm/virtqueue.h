/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues (virtio 1.1 2.6) from the device side: ring layout, and
 * descriptor chains walked with every guest-supplied index, length and
 * address checked. Guest memory is reached through a translation callback
 * (vm_gpa_to_hva for a VM; a plain buffer in unit tests and fuzzers).
 */
#ifndef IOPASS_VMM_VIRTQUEUE_H
#define IOPASS_VMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#define VQ_MAX_SIZE		32768
/* Longest chain (direct plus indirect) handed to a device: QEMU's bound. */
#define VQ_MAX_CHAIN		1024

/* NULL unless [gpa, gpa + len) is wholly guest RAM. */
typedef void *(*vq_xlate_fn)(void *opaque, uint64_t gpa, uint64_t len);

struct virtqueue {
	uint16_t size;
	bool event_idx;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;	/* next avail entry to take */
	uint16_t used_idx;	/* next used entry to fill */
	vq_xlate_fn xlate;
	void *xlate_opaque;
};

/* One buffer: device-readable iov[0..nout), then writable [nout..+nin). */
struct vq_chain {
	uint16_t head;
	unsigned int nout;
	unsigned int nin;
	struct iovec iov[VQ_MAX_CHAIN];
};

/* Bytes each part of a ring of n entries takes (event_idx: + the event). */
static inline uint64_t vring_desc_bytes(uint32_t n)
{
	return 16ULL * n;
}

static inline uint64_t vring_avail_bytes(uint32_t n, bool event_idx)
{
	return 4 + 2ULL * n + (event_idx ? 2 : 0);
}

static inline uint64_t vring_used_bytes(uint32_t n, bool event_idx)
{
	return 4 + 8ULL * n + (event_idx ? 2 : 0);
}

/*
 * size: a power of two up to VQ_MAX_SIZE. Addresses aligned as the spec
 * wants (desc 16, avail 2, used 4) and inside RAM, or -EINVAL / -EFAULT.
 * The event fields are part of the checked ranges whether or not event_idx
 * is negotiated.
 */
int virtqueue_init(struct virtqueue *vq, uint32_t size, uint64_t desc,
		   uint64_t avail, uint64_t used, bool event_idx,
		   vq_xlate_fn xlate, void *opaque);

/*
 * Takes the next available chain: 1 with *c filled, 0 when the ring is
 * empty, or -errno when the driver broke the rules (-EIO avail index ran
 * ahead, -EINVAL bad index or flags, -EFAULT address outside RAM, -ELOOP a
 * loop, -E2BIG longer than VQ_MAX_CHAIN). After an error the queue is not
 * usable: the device should ask for a reset (DEVICE_NEEDS_RESET).
 */
int virtqueue_pop(struct virtqueue *vq, struct vq_chain *c);

/* Returns head to the driver with len bytes written into its buffers. */
int virtqueue_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/* After pushes starting at used index old: should the driver be told? */
bool virtqueue_need_notify(struct virtqueue *vq, uint16_t old);

/* Publishes avail_event (event_idx) so the driver kicks for new entries. */
void virtqueue_set_avail_event(struct virtqueue *vq);

/* Entries the driver made available that the device has not taken. */
int virtqueue_pending(struct virtqueue *vq);

#endif
