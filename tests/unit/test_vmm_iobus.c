// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O dispatch (vmm/iobus.c) without KVM: registration rules, lookup at
 * range edges, tables retired while a vCPU is inside a lookup,
 * vm_parse_size and vm_exit_status.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/vm_impl.h"

struct hit {
	uint64_t addr;
	uint32_t len;
	bool is_write;
	int calls;
};

static void record(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		   uint32_t len, bool is_write, void *opaque)
{
	struct hit *h = opaque;

	(void)vcpu;
	h->addr = addr;
	h->len = len;
	h->is_write = is_write;
	h->calls++;
	if (!is_write)
		memset(data, 0x5a, len);
}

struct env {
	struct vm vm;
	struct vcpu vcpus[2];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	pthread_mutex_init(&e->vm.lock, NULL);
	e->vm.ncpus = 2;
	e->vm.vcpus = e->vcpus;
	for (int i = 0; i < 2; i++)
		e->vcpus[i].vm = &e->vm;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	iobus_exit(&e->vm);
	pthread_mutex_destroy(&e->vm.lock);
	free(e);
	return 0;
}

static void test_register_rules(void **state)
{
	struct env *e = *state;
	struct vm *vm = &e->vm;
	struct hit h = { 0 };

	assert_int_equal(vm_register_pio(vm, 0x3f8, 8, record, &h), 0);
	assert_int_equal(vm_register_pio(vm, 0x3f8, 8, record, &h), -EEXIST);
	assert_int_equal(vm_register_pio(vm, 0x3f0, 9, record, &h), -EEXIST);
	assert_int_equal(vm_register_pio(vm, 0x3ff, 1, record, &h), -EEXIST);
	assert_int_equal(vm_register_pio(vm, 0x3f0, 8, record, &h), 0);
	assert_int_equal(vm_register_pio(vm, 0x400, 1, record, &h), 0);
	assert_int_equal(vm_register_pio(vm, 0xfff0, 0x20, record, &h),
			 -EINVAL);
	assert_int_equal(vm_register_pio(vm, 0x500, 0, record, &h), -EINVAL);
	assert_int_equal(vm_register_pio(vm, 0x500, 1, NULL, &h), -EINVAL);
	assert_int_equal(vm_register_mmio(vm, UINT64_MAX - 4, 16, record, &h),
			 -EINVAL);
	assert_int_equal(vm_unregister_pio(vm, 0x3f9), -ENOENT);
	assert_int_equal(vm_unregister_pio(vm, 0x3f8), 0);
	assert_int_equal(vm_unregister_pio(vm, 0x3f8), -ENOENT);
	assert_int_equal(vm_register_pio(vm, 0x3f8, 8, record, &h), 0);
}

static void test_dispatch_edges(void **state)
{
	struct env *e = *state;
	struct vm *vm = &e->vm;
	struct vcpu *v = &e->vcpus[0];
	struct hit a = { 0 }, b = { 0 };
	uint8_t data[8];

	assert_int_equal(vm_register_mmio(vm, 0xc0000000, 0x1000, record, &a),
			 0);
	assert_int_equal(vm_register_mmio(vm, 0xc0001000, 0x1000, record, &b),
			 0);
	assert_true(iobus_mmio(v, 0xc0000000, data, 4, false));
	assert_int_equal(a.addr, 0);
	assert_int_equal(data[0], 0x5a);
	assert_true(iobus_mmio(v, 0xc0000ffc, data, 4, true));
	assert_int_equal(a.addr, 0xffc);
	assert_true(a.is_write);
	assert_true(iobus_mmio(v, 0xc0001000, data, 8, false));
	assert_int_equal(b.addr, 0);
	assert_int_equal(b.calls, 1);
	/* Straddling the end of a range, before the first, after the last. */
	assert_false(iobus_mmio(v, 0xc0001ffc, data, 8, false));
	assert_false(iobus_mmio(v, 0xbfffffff, data, 1, false));
	assert_false(iobus_mmio(v, 0xc0002000, data, 1, false));
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 1);
	/* PIO and MMIO are separate spaces. */
	assert_false(iobus_pio(v, 0x0, data, 1, false));
}

static void test_many_ranges(void **state)
{
	struct env *e = *state;
	struct vm *vm = &e->vm;
	struct hit h[64] = { 0 };
	uint8_t data[4];

	/* Registered out of order; looked up by binary search. */
	for (int i = 0; i < 64; i++) {
		int j = (i * 37) % 64;

		assert_int_equal(vm_register_pio(vm, 0x1000 + j * 0x10, 8,
						 record, &h[j]), 0);
	}
	for (int j = 0; j < 64; j++) {
		assert_true(iobus_pio(&e->vcpus[1], 0x1000 + j * 0x10 + 7,
				      data, 1, true));
		assert_int_equal(h[j].calls, 1);
		assert_int_equal(h[j].addr, 7);
		assert_false(iobus_pio(&e->vcpus[1], 0x1000 + j * 0x10 + 8,
				       data, 1, true));
	}
}

/* A vCPU caught inside a lookup keeps the old table alive. */
static void test_retire(void **state)
{
	struct env *e = *state;
	struct vm *vm = &e->vm;
	struct hit h = { 0 };

	assert_int_equal(vm_register_pio(vm, 0x10, 1, record, &h), 0);
	assert_null(vm->retired);
	atomic_store(&e->vcpus[1].io_seq, 1);	/* inside */
	assert_int_equal(vm_register_pio(vm, 0x20, 1, record, &h), 0);
	assert_non_null(vm->retired);
	atomic_store(&e->vcpus[1].io_seq, 2);	/* left */
	assert_int_equal(vm_register_pio(vm, 0x30, 1, record, &h), 0);
	/* The first retired table was reaped; the one just retired too. */
	assert_null(vm->retired);
}

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(vm_parse_size("256M", &v), 0);
	assert_int_equal(v, 256ULL << 20);
	assert_int_equal(vm_parse_size("2G", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(vm_parse_size("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(vm_parse_size("64k", &v), 0);
	assert_int_equal(v, 64ULL << 10);
	assert_int_equal(vm_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(vm_parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(vm_parse_size("", &v), -EINVAL);
	assert_int_equal(vm_parse_size("M", &v), -EINVAL);
	assert_int_equal(vm_parse_size("-1G", &v), -EINVAL);
	assert_int_equal(vm_parse_size("12Q", &v), -EINVAL);
	assert_int_equal(vm_parse_size("1G extra", &v), -EINVAL);
	assert_int_equal(vm_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(vm_parse_size("17179869184G", &v), -ERANGE);
}

/* What `iopass vm run` exits with (its --help lists them). */
static void test_exit_status(void **state)
{
	static const struct {
		enum vm_exit_reason reason;
		uint32_t status;
		int want;
	} cases[] = {
		{ VM_EXIT_STATUS, 0, 0 },
		{ VM_EXIT_STATUS, 7, 7 },
		{ VM_EXIT_STATUS, 255, 255 },
		{ VM_EXIT_STATUS, 256, 1 },
		{ VM_EXIT_STATUS, 0xffffffff, 1 },
		{ VM_EXIT_POWEROFF, 0, 0 },
		{ VM_EXIT_RESET, 0, 0 },
		{ VM_EXIT_SIGNAL, SIGINT, 130 },
		{ VM_EXIT_SIGNAL, SIGTERM, 143 },
		{ VM_EXIT_SIGNAL, 0, 143 },	/* vm_request_stop() */
		{ VM_EXIT_SHUTDOWN, 0, -1 },
		{ VM_EXIT_ERROR, 0, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_exit ex = { cases[i].reason, cases[i].status };

		assert_int_equal(vm_exit_status(&ex), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_rules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_edges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_ranges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retire, setup, teardown),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
