// SPDX-License-Identifier: GPL-2.0-only
/* MSI-X table and PBA emulation: masking, pending bits, odd accesses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/vmm.h"

struct seen {
	int updates, delivers;
	uint32_t vec;
	bool masked;
	uint64_t addr;
	uint32_t data;
};

static void on_update(void *opaque, uint32_t vec, bool masked, uint64_t addr,
		      uint32_t data)
{
	struct seen *s = opaque;

	s->updates++;
	s->vec = vec;
	s->masked = masked;
	s->addr = addr;
	s->data = data;
}

static void on_deliver(void *opaque, uint32_t vec, uint64_t addr,
		       uint32_t data)
{
	struct seen *s = opaque;

	s->delivers++;
	s->vec = vec;
	s->addr = addr;
	s->data = data;
}

static const struct msix_ops ops = {
	.vector_update = on_update,
	.vector_deliver = on_deliver,
};

static void w32(struct msix *m, uint64_t off, uint32_t v)
{
	msix_table_access(m, off, (uint8_t *)&v, 4, true);
}

static uint32_t r32(struct msix *m, uint64_t off)
{
	uint32_t v;

	msix_table_access(m, off, (uint8_t *)&v, 4, false);
	return v;
}

static uint64_t pba(struct msix *m, uint64_t off)
{
	uint64_t v;

	msix_pba_access(m, off, (uint8_t *)&v, 8, false);
	return v;
}

/* Vector v: address, data, then unmask. */
static void program(struct msix *m, uint32_t v, uint64_t addr, uint32_t data)
{
	w32(m, v * 16, (uint32_t)addr);
	w32(m, v * 16 + 4, addr >> 32);
	w32(m, v * 16 + 8, data);
	w32(m, v * 16 + 12, 0);
}

static void test_reset_state(void **state)
{
	struct seen s = { 0 };
	struct msix *m;

	(void)state;
	assert_int_equal(msix_create(0, &ops, &s, &m), -EINVAL);
	assert_int_equal(msix_create(MSIX_MAX_VECTORS + 1, &ops, &s, &m),
			 -EINVAL);
	assert_int_equal(msix_create(3, &ops, &s, &m), 0);
	for (uint32_t v = 0; v < 3; v++) {
		assert_int_equal(r32(m, v * 16 + 12), 1);	/* masked */
		assert_true(msix_vector_masked(m, v));
	}
	assert_int_equal(pba(m, 0), 0);
	assert_int_equal(s.updates, 0);
	msix_destroy(m);
}

static void test_fire_masked_then_unmask(void **state)
{
	struct seen s = { 0 };
	struct msix *m;

	(void)state;
	assert_int_equal(msix_create(4, &ops, &s, &m), 0);
	program(m, 2, 0xfee00000, 0x4041);
	/* MSI-X still disabled: the vector is masked, fire is pending. */
	assert_int_equal(s.updates, 0);
	assert_int_equal(msix_fire(m, 2), 0);
	assert_true(msix_vector_pending(m, 2));
	assert_int_equal(pba(m, 0), 1 << 2);
	assert_int_equal(s.delivers, 0);

	/* Enabling MSI-X unmasks it: update, then the pending delivery. */
	msix_set_control(m, true, false);
	assert_int_equal(s.updates, 1);
	assert_false(s.masked);
	assert_int_equal(s.delivers, 1);
	assert_int_equal(s.vec, 2);
	assert_int_equal(s.addr, 0xfee00000);
	assert_int_equal(s.data, 0x4041);
	assert_int_equal(pba(m, 0), 0);

	/* Unmasked: straight through. */
	assert_int_equal(msix_fire(m, 2), 1);
	assert_int_equal(s.delivers, 2);
	assert_int_equal(msix_fire(m, 4), -EINVAL);

	/* Per-vector mask. */
	w32(m, 2 * 16 + 12, 1);
	assert_true(s.masked);
	assert_int_equal(msix_fire(m, 2), 0);
	assert_int_equal(msix_fire(m, 2), 0);	/* still one pending bit */
	assert_int_equal(pba(m, 0), 1 << 2);
	w32(m, 2 * 16 + 12, 0);
	assert_int_equal(s.delivers, 3);	/* once */
	assert_int_equal(pba(m, 0), 0);

	/* Function mask. */
	msix_set_control(m, true, true);
	assert_true(msix_vector_masked(m, 2));
	assert_int_equal(msix_fire(m, 2), 0);
	msix_set_control(m, true, false);
	assert_int_equal(s.delivers, 4);
	msix_destroy(m);
}

static void test_reprogram_while_unmasked(void **state)
{
	struct seen s = { 0 };
	struct msix *m;
	int updates;

	(void)state;
	assert_int_equal(msix_create(2, &ops, &s, &m), 0);
	msix_set_control(m, true, false);
	program(m, 1, 0xfee00000, 0x30);
	updates = s.updates;
	assert_false(s.masked);
	w32(m, 16 + 8, 0x31);			/* new data: the route moves */
	assert_int_equal(s.updates, updates + 1);
	assert_int_equal(s.data, 0x31);
	w32(m, 16 + 8, 0x31);			/* same: nothing to tell */
	assert_int_equal(s.updates, updates + 1);
	/* Reserved control bits read as zero. */
	w32(m, 16 + 12, 0xfffffffe);
	assert_int_equal(r32(m, 16 + 12), 0);
	msix_destroy(m);
}

static void test_odd_accesses(void **state)
{
	struct seen s = { 0 };
	struct msix *m;
	uint8_t buf[16];
	uint64_t q = 0x12345678fee00000ULL;

	(void)state;
	assert_int_equal(msix_create(3, &ops, &s, &m), 0);
	/* Only aligned dwords and qwords write. */
	memset(buf, 0xab, sizeof(buf));
	msix_table_access(m, 1, buf, 4, true);
	msix_table_access(m, 0, buf, 2, true);
	msix_table_access(m, 4, buf, 8, true);
	msix_table_access(m, 0, buf, 3, true);
	assert_int_equal(r32(m, 0), 0);
	assert_int_equal(r32(m, 4), 0);
	msix_table_access(m, 16, (uint8_t *)&q, 8, true);
	assert_int_equal(r32(m, 16), 0xfee00000);
	assert_int_equal(r32(m, 20), 0x12345678);
	/* Reads at any offset and width; past the table, zero. */
	msix_table_access(m, 17, buf, 2, false);
	assert_int_equal(buf[0], 0x00);
	assert_int_equal(buf[1], 0xe0);
	msix_table_access(m, 3 * 16 - 2, buf, 8, false);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[2], 0);
	for (uint64_t off = 0; off < 4 * 16 + 16; off++) {
		for (uint32_t len = 0; len <= 8; len++) {
			msix_table_access(m, off, buf, len, false);
			msix_table_access(m, off, buf, len, true);
			msix_pba_access(m, off, buf, len, false);
			msix_pba_access(m, off, buf, len, true);
		}
	}
	msix_table_access(m, ~0ULL - 2, buf, 8, false);
	msix_table_access(m, ~0ULL - 2, buf, 8, true);
	msix_pba_access(m, ~0ULL - 2, buf, 8, false);
	/* The PBA ignores writes. */
	msix_fire(m, 0);
	q = 0;
	msix_pba_access(m, 0, (uint8_t *)&q, 8, true);
	assert_true(msix_vector_pending(m, 0));
	msix_destroy(m);
}

static void test_reset(void **state)
{
	struct seen s = { 0 };
	struct msix *m;

	(void)state;
	assert_int_equal(msix_create(2, &ops, &s, &m), 0);
	msix_set_control(m, true, false);
	program(m, 0, 0xfee00000, 0x50);
	w32(m, 12, 1);
	msix_fire(m, 0);
	msix_reset(m);
	assert_false(msix_vector_pending(m, 0));
	assert_true(msix_vector_masked(m, 0));
	assert_int_equal(r32(m, 0), 0);
	assert_int_equal(r32(m, 12), 1);
	msix_destroy(m);
}

static void test_many_vectors_pba(void **state)
{
	struct seen s = { 0 };
	struct msix *m;

	(void)state;
	assert_int_equal(msix_create(130, &ops, &s, &m), 0);
	assert_int_equal(MSIX_PBA_SIZE(130), 24);
	msix_fire(m, 129);
	msix_fire(m, 64);
	assert_int_equal(pba(m, 8), 1);
	assert_int_equal(pba(m, 16), 2);
	msix_set_control(m, true, false);
	program(m, 129, 0xfee00000, 1);
	assert_int_equal(s.delivers, 1);
	assert_int_equal(pba(m, 16), 0);
	assert_int_equal(pba(m, 8), 1);		/* 64 still masked */
	msix_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_fire_masked_then_unmask),
		cmocka_unit_test(test_reprogram_while_unmasked),
		cmocka_unit_test(test_odd_accesses),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_many_vectors_pba),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
