// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue, device side. The rings live in guest memory that the
 * guest keeps writing while we read: every field is read once into a local
 * (no double fetch) and checked before use. A chain is bounded by the table
 * it lives in: more descriptors than the table has entries is a loop.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtqueue.h"

int virtqueue_init(struct virtqueue *vq, uint32_t size, uint64_t desc,
		   uint64_t avail, uint64_t used, bool event_idx,
		   vq_xlate_fn xlate, void *opaque)
{
	void *d, *a, *u;

	memset(vq, 0, sizeof(*vq));
	if (!size || size > VQ_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	d = xlate(opaque, desc, vring_desc_bytes(size));
	a = xlate(opaque, avail, vring_avail_bytes(size, true));
	u = xlate(opaque, used, vring_used_bytes(size, true));
	if (!d || !a || !u)
		return -EFAULT;
	vq->size = size;
	vq->event_idx = event_idx;
	vq->desc = d;
	vq->avail = a;
	vq->used = u;
	vq->xlate = xlate;
	vq->xlate_opaque = opaque;
	/* A queue starts at index 0 on both rings (the driver zeroed them). */
	return 0;
}

static uint16_t avail_idx(struct virtqueue *vq)
{
	return le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
}

int virtqueue_pending(struct virtqueue *vq)
{
	uint16_t n = avail_idx(vq) - vq->last_avail;

	return n > vq->size ? -EIO : n;
}

/* An indirect table need not be aligned: copy bytes, once. */
static void desc_read(const uint8_t *table, uint32_t i, struct vring_desc *d)
{
	struct vring_desc raw;

	memcpy(&raw, table + i * sizeof(raw), sizeof(raw));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* no re-reads */
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/* A buffer the device may touch: all of it in RAM. */
static int chain_add(struct virtqueue *vq, struct vq_chain *c,
		     const struct vring_desc *d)
{
	void *p;

	if (d->flags & VRING_DESC_F_WRITE) {
		c->nin++;
	} else {
		if (c->nin)	/* readable after writable (2.6.4.2) */
			return -EINVAL;
		c->nout++;
	}
	if (c->nout + c->nin > VQ_MAX_CHAIN)
		return -E2BIG;
	if (d->len) {
		p = vq->xlate(vq->xlate_opaque, d->addr, d->len);
		if (!p)
			return -EFAULT;
	} else {
		p = NULL;
	}
	c->iov[c->nout + c->nin - 1] = (struct iovec){ p, d->len };
	return 0;
}

static int chain_walk(struct virtqueue *vq, uint16_t head,
		      struct vq_chain *c)
{
	const uint8_t *table = (const uint8_t *)vq->desc;
	uint32_t n = vq->size, i = head, seen = 0;
	bool indirect = false;
	struct vring_desc d;
	int ret;

	c->head = head;
	c->nout = c->nin = 0;
	if (head >= n)
		return -EINVAL;
	for (;;) {
		if (++seen > n)
			return -ELOOP;
		desc_read(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* One level, and never chained on (2.6.5.3.1). */
			if (indirect || (d.flags & VRING_DESC_F_NEXT))
				return -EINVAL;
			if (!d.len || d.len % sizeof(struct vring_desc) ||
			    d.len / sizeof(struct vring_desc) > VQ_MAX_SIZE)
				return -EINVAL;
			table = vq->xlate(vq->xlate_opaque, d.addr, d.len);
			if (!table)
				return -EFAULT;
			n = d.len / sizeof(struct vring_desc);
			i = 0;
			seen = 0;
			indirect = true;
			continue;
		}
		ret = chain_add(vq, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n)
			return -EINVAL;
	}
}

int virtqueue_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t head;
	int n, ret;

	n = virtqueue_pending(vq);
	if (n <= 0)
		return n;
	head = le16toh(((volatile uint16_t *)vq->avail->ring)
			       [vq->last_avail & (vq->size - 1)]);
	ret = chain_walk(vq, head, c);
	if (ret)
		return ret;
	vq->last_avail++;
	if (vq->event_idx)
		virtqueue_set_avail_event(vq);
	return 1;
}

int virtqueue_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	volatile struct vring_used_elem *e;

	if (head >= vq->size)
		return -EINVAL;
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	e->id = htole32(head);
	e->len = htole32(len);
	vq->used_idx++;
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx),
			 __ATOMIC_RELEASE);
	return 0;
}

void virtqueue_set_avail_event(struct virtqueue *vq)
{
	volatile uint16_t *ev = (volatile uint16_t *)&vq->used->ring[vq->size];

	*ev = htole16(vq->last_avail);
}

bool virtqueue_need_notify(struct virtqueue *vq, uint16_t old)
{
	uint16_t event;

	/* The used index store must be visible before the flags are read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(le16toh(((volatile struct vring_avail *)vq->avail)
					 ->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	event = le16toh(((volatile uint16_t *)vq->avail->ring)[vq->size]);
	return vring_need_event(event, vq->used_idx, old);
}
