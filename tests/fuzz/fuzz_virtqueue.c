// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue descriptor walking (vmm/virtqueue.c) over a guest RAM
 * buffer whose bytes come from the input: ring addresses anywhere
 * (inside RAM, across its end, far outside), chains, indirect tables,
 * loops, and the guest rewriting ring memory between pops. The RAM buffer
 * is a heap block of exactly its size (an ASan redzone on each side), and
 * each chain handed out is checked: every buffer lies wholly inside RAM,
 * the chain is no longer than VQ_MAX_CHAIN, readable parts come first.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/virtqueue.h"
#include "fuzz_input.h"

#define RAM_BASE	0x10000ULL
#define RAM_SIZE	0x8000ULL

/* Addresses mostly inside RAM, sometimes just outside or anywhere. */
static uint64_t pick_gpa(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);

	if (how < 0xe0)
		return RAM_BASE + fuzz_u16(in) % RAM_SIZE;
	if (how < 0xf0)
		return RAM_BASE + RAM_SIZE - fuzz_u8(in);
	return fuzz_u64(in);
}

static volatile uint8_t sink;

static void check_chain(struct fuzz_ram *r, const struct virtqueue *vq,
			const struct vq_chain *c)
{
	FUZZ_CHECK(c->head < vq->size);
	FUZZ_CHECK(c->nout + c->nin >= 1 && c->nout + c->nin <= VQ_MAX_CHAIN);
	for (unsigned int i = 0; i < c->nout + c->nin; i++) {
		const struct iovec *v = &c->iov[i];
		const uint8_t *p = v->iov_base;

		if (!v->iov_len)
			continue;
		FUZZ_CHECK(fuzz_ram_has(r, p, v->iov_len));
		/* Touch it as the device would: ASan sees any stray byte. */
		if (i >= c->nout) {
			memset(v->iov_base, 0x5a, v->iov_len);
		} else {
			sink += p[0];
			sink += p[v->iov_len - 1];
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain chain;
	struct fuzz_in in = { data, size };
	struct fuzz_ram r = { .base = RAM_BASE, .size = RAM_SIZE };
	struct virtqueue vq;
	uint8_t flags = fuzz_u8(&in);
	uint32_t qsize = 1u << (fuzz_u8(&in) % 16);
	uint64_t desc, avail, used;
	unsigned int steps = 0;
	bool broken = false;
	int ret;

	r.mem = malloc(RAM_SIZE);
	FUZZ_CHECK(r.mem);
	/* The rest of the input is RAM (the rings, tables, buffers). */
	desc = pick_gpa(&in) & ~15ULL;
	avail = pick_gpa(&in) & ~1ULL;
	used = pick_gpa(&in) & ~3ULL;
	if (flags & 0x80)	/* misaligned rings must be refused */
		desc |= flags & 15;
	memset(r.mem, 0, RAM_SIZE);
	fuzz_bytes(&in, r.mem, fuzz_u16(&in) % (RAM_SIZE + 1));

	ret = virtqueue_init(&vq, qsize, desc, avail, used, flags & 1,
			     fuzz_ram_xlate, &r);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -EFAULT);
		FUZZ_CHECK(ret == -EINVAL ||
			   !fuzz_ram_xlate(&r, desc, 16ULL * qsize) ||
			   !fuzz_ram_xlate(&r, avail, 6 + 2ULL * qsize) ||
			   !fuzz_ram_xlate(&r, used, 6 + 8ULL * qsize));
		goto out;
	}
	while (fuzz_more(&in) && steps++ < 256) {
		uint8_t op = fuzz_u8(&in);
		uint16_t old;

		switch (op % 4) {
		case 0:	/* the device takes a chain */
			if (broken)
				break;
			ret = virtqueue_pop(&vq, &chain);
			if (ret == 1)
				check_chain(&r, &vq, &chain);
			else if (ret < 0)	/* the device asks for a reset */
				broken = true;
			else
				FUZZ_CHECK(ret == 0);
			break;
		case 1:	/* ... and gives one back */
			old = vq.used_idx;
			ret = virtqueue_push(&vq, fuzz_u16(&in), fuzz_u32(&in));
			FUZZ_CHECK(ret == 0 || ret == -EINVAL);
			virtqueue_need_notify(&vq, old);
			break;
		case 2: {	/* the guest writes into RAM meanwhile */
			uint16_t off = fuzz_u16(&in) % RAM_SIZE;
			uint8_t n = fuzz_u8(&in) % 32;

			fuzz_bytes(&in, r.mem + off,
				   n < RAM_SIZE - off ? n : RAM_SIZE - off);
			break;
		}
		case 3:
			ret = virtqueue_pending(&vq);
			FUZZ_CHECK(ret == -EIO || (ret >= 0 && ret <= vq.size));
			virtqueue_set_avail_event(&vq);
			break;
		}
	}
out:
	free(r.mem);
	return 0;
}
