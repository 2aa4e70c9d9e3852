// SPDX-License-Identifier: GPL-2.0-only
/*
 * PIO and MMIO dispatch. Each address space is an immutable sorted table
 * of ranges published through an atomic pointer: vCPUs look up a range
 * with a binary search and no lock. Registration (rare: device setup, BAR
 * moves) copies the table under vm->lock, publishes the copy and retires
 * the old one.
 *
 * A retired table is freed once no vCPU can still hold it: every vCPU bumps
 * its io_seq on entering and on leaving a lookup (odd = inside). A table is
 * freeable when each vCPU's snapshot, taken after publication, was even or
 * has since changed. Nobody waits: a registration made from a handler, with
 * device locks held, cannot deadlock against a vCPU in another handler.
 * The handler itself runs outside the lookup, on a copy of the range.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm_impl.h"

static bool retired_done(struct vm *vm, const struct io_retired *r)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		unsigned long now = atomic_load(&vm->vcpus[i].io_seq);

		if ((r->seq[i] & 1) && now == r->seq[i])
			return false;
	}
	return true;
}

static void retired_free(struct io_retired *r)
{
	free(r->table);
	free(r->seq);
	free(r);
}

/* Under vm->lock. */
static void retired_reap(struct vm *vm)
{
	struct io_retired **pp = &vm->retired;

	while (*pp) {
		struct io_retired *r = *pp;

		if (retired_done(vm, r)) {
			*pp = r->next;
			retired_free(r);
		} else {
			pp = &r->next;
		}
	}
}

/* Under vm->lock. Publishes t in place of the current table. */
static int iobus_publish(struct vm *vm, struct io_space *sp,
			 struct io_table *t)
{
	struct io_table *old;
	struct io_retired *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->seq = calloc(vm->ncpus ? vm->ncpus : 1, sizeof(*r->seq));
	if (!r->seq) {
		free(r);
		return -ENOMEM;
	}
	old = atomic_exchange(&sp->table, t);
	if (!old) {
		free(r->seq);
		free(r);
		return 0;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++)
		r->seq[i] = atomic_load(&vm->vcpus[i].io_seq);
	r->table = old;
	r->next = vm->retired;
	vm->retired = r;
	retired_reap(vm);
	return 0;
}

static int iobus_register(struct vm *vm, struct io_space *sp, uint64_t base,
			  uint64_t len, io_fn fn, void *opaque)
{
	struct io_table *old, *t;
	size_t i, n;
	int ret;

	if (!len || !fn || base + len - 1 < base)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	old = atomic_load(&sp->table);
	n = old ? old->n : 0;
	for (i = 0; i < n && old->r[i].base < base; i++)
		;
	/* Overlap with the neighbours on either side. */
	if ((i > 0 && old->r[i - 1].base + old->r[i - 1].len > base) ||
	    (i < n && base + len > old->r[i].base)) {
		ret = -EEXIST;
		goto out;
	}
	t = malloc(sizeof(*t) + (n + 1) * sizeof(t->r[0]));
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	t->n = n + 1;
	if (i)
		memcpy(t->r, old->r, i * sizeof(t->r[0]));
	t->r[i] = (struct io_range){ base, len, fn, opaque };
	if (n > i)
		memcpy(t->r + i + 1, old->r + i, (n - i) * sizeof(t->r[0]));
	ret = iobus_publish(vm, sp, t);
	if (ret)
		free(t);
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static int iobus_unregister(struct vm *vm, struct io_space *sp,
			    uint64_t base)
{
	struct io_table *old, *t;
	size_t i, n;
	int ret;

	pthread_mutex_lock(&vm->lock);
	old = atomic_load(&sp->table);
	n = old ? old->n : 0;
	for (i = 0; i < n && old->r[i].base != base; i++)
		;
	if (i == n) {
		ret = -ENOENT;
		goto out;
	}
	t = malloc(sizeof(*t) + (n - 1) * sizeof(t->r[0]));
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	t->n = n - 1;
	memcpy(t->r, old->r, i * sizeof(t->r[0]));
	memcpy(t->r + i, old->r + i + 1, (n - i - 1) * sizeof(t->r[0]));
	ret = iobus_publish(vm, sp, t);
	if (ret)
		free(t);
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t len, io_fn fn,
		    void *opaque)
{
	if ((uint32_t)base + len > 0x10000)
		return -EINVAL;
	return iobus_register(vm, &vm->pio, base, len, fn, opaque);
}

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len, io_fn fn,
		     void *opaque)
{
	return iobus_register(vm, &vm->mmio, base, len, fn, opaque);
}

int vm_unregister_pio(struct vm *vm, uint16_t base)
{
	return iobus_unregister(vm, &vm->pio, base);
}

int vm_unregister_mmio(struct vm *vm, uint64_t base)
{
	return iobus_unregister(vm, &vm->mmio, base);
}

static bool iobus_dispatch(struct vcpu *vcpu, struct io_space *sp,
			   uint64_t addr, uint8_t *data, uint32_t len,
			   bool is_write)
{
	const struct io_table *t;
	struct io_range hit = { 0 };
	size_t lo = 0, hi;

	if (vcpu)
		atomic_fetch_add(&vcpu->io_seq, 1);
	t = atomic_load(&sp->table);
	/* The last range whose base is <= addr. */
	for (hi = t ? t->n : 0; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr - t->r[lo - 1].base < t->r[lo - 1].len &&
	    len <= t->r[lo - 1].len - (addr - t->r[lo - 1].base))
		hit = t->r[lo - 1];
	if (vcpu)
		atomic_fetch_add(&vcpu->io_seq, 1);
	if (!hit.fn)
		return false;
	hit.fn(vcpu, addr - hit.base, data, len, is_write, hit.opaque);
	return true;
}

bool iobus_pio(struct vcpu *vcpu, uint16_t port, uint8_t *data, uint32_t len,
	       bool is_write)
{
	return iobus_dispatch(vcpu, &vcpu->vm->pio, port, data, len, is_write);
}

bool iobus_mmio(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		uint32_t len, bool is_write)
{
	return iobus_dispatch(vcpu, &vcpu->vm->mmio, addr, data, len,
			      is_write);
}

/* No vCPU runs any more. */
void iobus_exit(struct vm *vm)
{
	while (vm->retired) {
		struct io_retired *r = vm->retired;

		vm->retired = r->next;
		retired_free(r);
	}
	free(atomic_exchange(&vm->pio.table, NULL));
	free(atomic_exchange(&vm->mmio.table, NULL));
}
