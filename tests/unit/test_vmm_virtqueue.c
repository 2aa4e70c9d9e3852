// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues against a fake guest RAM buffer: chains, bounds, loops,
 * indirect tables, used ring and notification suppression.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/virtqueue.h"

#define RAM_BASE	0x100000ULL
#define RAM_SIZE	0x100000ULL
#define QSZ		8
#define DESC		(RAM_BASE + 0x0000)
#define AVAIL		(RAM_BASE + 0x1000)
#define USED		(RAM_BASE + 0x2000)
#define BUF		(RAM_BASE + 0x10000)

struct ram {
	uint8_t *mem;
	struct virtqueue vq;
	struct vq_chain chain;
	uint16_t avail_idx;
};

static void *xlate(void *opaque, uint64_t gpa, uint64_t len)
{
	struct ram *r = opaque;

	if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_SIZE ||
	    len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return r->mem + (gpa - RAM_BASE);
}

static void *gpa(struct ram *r, uint64_t a)
{
	return r->mem + (a - RAM_BASE);
}

static struct vring_desc *desc(struct ram *r, uint64_t table, unsigned i)
{
	return (struct vring_desc *)gpa(r, table) + i;
}

static void set_desc(struct ram *r, uint64_t table, unsigned i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = desc(r, table, i);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static void make_avail(struct ram *r, uint16_t head)
{
	struct vring_avail *a = gpa(r, AVAIL);

	a->ring[r->avail_idx % QSZ] = head;
	r->avail_idx++;
	__atomic_store_n(&a->idx, r->avail_idx, __ATOMIC_RELEASE);
}

static int setup(void **state)
{
	struct ram *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->mem = calloc(1, RAM_SIZE);
	assert_non_null(r->mem);
	assert_int_equal(virtqueue_init(&r->vq, QSZ, DESC, AVAIL, USED, false,
					 xlate, r), 0);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct ram *r = *state;

	free(r->mem);
	free(r);
	return 0;
}

static void test_layout_and_init(void **state)
{
	struct ram *r = *state;
	struct virtqueue vq;

	assert_int_equal(vring_desc_bytes(256), 4096);
	assert_int_equal(vring_avail_bytes(256, false), 516);
	assert_int_equal(vring_avail_bytes(256, true), 518);
	assert_int_equal(vring_used_bytes(256, true), 2054);
	assert_int_equal(virtqueue_init(&vq, 0, DESC, AVAIL, USED, false,
					 xlate, r), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 6, DESC, AVAIL, USED, false,
					 xlate, r), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 65536, DESC, AVAIL, USED, false,
					 xlate, r), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, QSZ, DESC + 8, AVAIL, USED, false,
					 xlate, r), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, QSZ, DESC, AVAIL + 1, USED, false,
					 xlate, r), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, QSZ, DESC, AVAIL, USED + 2, false,
					 xlate, r), -EINVAL);
	/* Rings must be wholly in RAM, the event fields included. */
	assert_int_equal(virtqueue_init(&vq, QSZ, 0x1000, AVAIL, USED, false,
					 xlate, r), -EFAULT);
	assert_int_equal(virtqueue_init(&vq, QSZ, DESC, AVAIL,
					 RAM_BASE + RAM_SIZE - 4 - 8 * QSZ,
					 false, xlate, r), -EFAULT);
	assert_int_equal(virtqueue_init(&vq, 32768, DESC, AVAIL,
					 RAM_BASE + 0xc0000, false, xlate, r),
			 -EFAULT);
	assert_int_equal(virtqueue_pop(&r->vq, &r->chain), 0);	/* empty */
}

static void test_simple_chain(void **state)
{
	struct ram *r = *state;
	struct vq_chain *c = &r->chain;

	set_desc(r, DESC, 3, BUF, 100, VRING_DESC_F_NEXT, 5);
	set_desc(r, DESC, 5, BUF + 0x100, 0, VRING_DESC_F_NEXT, 1);
	set_desc(r, DESC, 1, BUF + 0x200, 200, VRING_DESC_F_WRITE, 0);
	make_avail(r, 3);
	assert_int_equal(virtqueue_pending(&r->vq), 1);
	assert_int_equal(virtqueue_pop(&r->vq, c), 1);
	assert_int_equal(c->head, 3);
	assert_int_equal(c->nout, 2);
	assert_int_equal(c->nin, 1);
	assert_ptr_equal(c->iov[0].iov_base, gpa(r, BUF));
	assert_int_equal(c->iov[0].iov_len, 100);
	assert_int_equal(c->iov[1].iov_len, 0);
	assert_ptr_equal(c->iov[2].iov_base, gpa(r, BUF + 0x200));
	assert_int_equal(virtqueue_pop(&r->vq, c), 0);

	assert_int_equal(virtqueue_push(&r->vq, 3, 42), 0);
	assert_int_equal(((struct vring_used *)gpa(r, USED))->idx, 1);
	assert_int_equal(((struct vring_used *)gpa(r, USED))->ring[0].id, 3);
	assert_int_equal(((struct vring_used *)gpa(r, USED))->ring[0].len, 42);
	assert_int_equal(virtqueue_push(&r->vq, QSZ, 0), -EINVAL);
}

static void test_bad_chains(void **state)
{
	struct ram *r = *state;
	struct vq_chain *c = &r->chain;

	/* Buffer outside RAM, or running off its end. */
	set_desc(r, DESC, 0, 0x1000, 16, 0, 0);
	make_avail(r, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EFAULT);
	set_desc(r, DESC, 0, RAM_BASE + RAM_SIZE - 8, 16, 0, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EFAULT);
	set_desc(r, DESC, 0, ~0ULL - 4, 16, 0, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EFAULT);
	/* next past the table. */
	set_desc(r, DESC, 0, BUF, 16, VRING_DESC_F_NEXT, QSZ);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	/* Loops: to itself, and a longer cycle. */
	set_desc(r, DESC, 0, BUF, 16, VRING_DESC_F_NEXT, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -ELOOP);
	for (unsigned i = 0; i < QSZ; i++)
		set_desc(r, DESC, i, BUF, 16, VRING_DESC_F_NEXT,
			 (i + 1) % QSZ);
	assert_int_equal(virtqueue_pop(&r->vq, c), -ELOOP);
	/* Readable after writable. */
	set_desc(r, DESC, 0, BUF, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 1);
	set_desc(r, DESC, 1, BUF, 16, 0, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	/* Head past the table. */
	((struct vring_avail *)gpa(r, AVAIL))->ring[0] = QSZ + 3;
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	/* The driver claims more than the ring holds. */
	((struct vring_avail *)gpa(r, AVAIL))->idx = QSZ + 1;
	assert_int_equal(virtqueue_pending(&r->vq), -EIO);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EIO);
}

static void test_indirect(void **state)
{
	struct ram *r = *state;
	struct vq_chain *c = &r->chain;
	uint64_t table = RAM_BASE + 0x8003;	/* unaligned is allowed */
	uint8_t *t = gpa(r, table);
	struct vring_desc d[3] = {
		{ BUF, 10, VRING_DESC_F_NEXT, 2 },
		{ BUF + 0x300, 30, VRING_DESC_F_WRITE, 0 },
		{ BUF + 0x100, 20, VRING_DESC_F_NEXT, 1 },
	};

	memcpy(t, d, sizeof(d));
	set_desc(r, DESC, 2, table, sizeof(d), VRING_DESC_F_INDIRECT, 0);
	make_avail(r, 2);
	assert_int_equal(virtqueue_pop(&r->vq, c), 1);
	assert_int_equal(c->head, 2);
	assert_int_equal(c->nout, 2);
	assert_int_equal(c->nin, 1);
	assert_int_equal(c->iov[0].iov_len, 10);
	assert_int_equal(c->iov[1].iov_len, 20);
	assert_int_equal(c->iov[2].iov_len, 30);

	/* A direct descriptor, then the indirect table as the last one. */
	set_desc(r, DESC, 4, BUF, 5, VRING_DESC_F_NEXT, 2);
	make_avail(r, 4);
	assert_int_equal(virtqueue_pop(&r->vq, c), 1);
	assert_int_equal(c->nout + c->nin, 4);

	/* Broken tables. */
	set_desc(r, DESC, 2, table, sizeof(d) - 1, VRING_DESC_F_INDIRECT, 0);
	make_avail(r, 2);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	set_desc(r, DESC, 2, table, 0, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	set_desc(r, DESC, 2, table, sizeof(d),
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	set_desc(r, DESC, 2, RAM_BASE + RAM_SIZE - 16, 32,
		 VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EFAULT);
	/* Nested indirect. */
	d[1].flags = VRING_DESC_F_INDIRECT;
	memcpy(t, d, sizeof(d));
	set_desc(r, DESC, 2, table, sizeof(d), VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
	/* A loop inside the table. */
	d[1] = (struct vring_desc){ BUF, 1, VRING_DESC_F_NEXT, 0 };
	memcpy(t, d, sizeof(d));
	assert_int_equal(virtqueue_pop(&r->vq, c), -ELOOP);
	/* next past the table's end. */
	d[1].next = 3;
	memcpy(t, d, sizeof(d));
	assert_int_equal(virtqueue_pop(&r->vq, c), -EINVAL);
}

static void test_chain_too_long(void **state)
{
	struct ram *r = *state;
	uint64_t table = RAM_BASE + 0x20000;
	uint32_t n = VQ_MAX_CHAIN + 1;

	for (uint32_t i = 0; i < n; i++)
		set_desc(r, table, i, BUF, 1,
			 i + 1 < n ? VRING_DESC_F_NEXT : 0, i + 1);
	set_desc(r, DESC, 0, table, n * 16, VRING_DESC_F_INDIRECT, 0);
	make_avail(r, 0);
	assert_int_equal(virtqueue_pop(&r->vq, &r->chain), -E2BIG);
	/* Exactly the limit is fine. */
	desc(r, table, n - 2)->flags = 0;
	assert_int_equal(virtqueue_pop(&r->vq, &r->chain), 1);
	assert_int_equal(r->chain.nout, VQ_MAX_CHAIN);
}

static void test_notify_suppression(void **state)
{
	struct ram *r = *state;
	struct vring_avail *a = gpa(r, AVAIL);
	struct virtqueue vq;
	uint16_t *used_event = &a->ring[QSZ];
	uint16_t *avail_event =
		(uint16_t *)&((struct vring_used *)gpa(r, USED))->ring[QSZ];

	/* Without event_idx: the NO_INTERRUPT flag. */
	virtqueue_push(&r->vq, 0, 0);
	assert_true(virtqueue_need_notify(&r->vq, 0));
	a->flags = VRING_AVAIL_F_NO_INTERRUPT;
	assert_false(virtqueue_need_notify(&r->vq, 0));
	a->flags = 0;

	/* With it: notify when used_event falls in (old, new]. */
	assert_int_equal(virtqueue_init(&vq, QSZ, DESC, AVAIL, USED, true,
					 xlate, r), 0);
	assert_int_equal(vq.used_idx, 0);
	*used_event = 1;			/* "tell me once 1 is used" */
	virtqueue_push(&vq, 0, 0);		/* used idx 1: entry 0 */
	assert_false(virtqueue_need_notify(&vq, 0));
	virtqueue_push(&vq, 0, 0);		/* used idx 2: entry 1 */
	assert_true(virtqueue_need_notify(&vq, 1));
	/* Popping publishes avail_event. */
	set_desc(r, DESC, 0, BUF, 4, 0, 0);
	r->avail_idx = vq.last_avail;
	make_avail(r, 0);
	assert_int_equal(virtqueue_pop(&vq, &r->chain), 1);
	assert_int_equal(*avail_event, vq.last_avail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_and_init, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_simple_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_chains, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_too_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_notify_suppression, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
