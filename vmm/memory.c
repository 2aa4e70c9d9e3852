// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest RAM: one memfd (or MFD_HUGETLB memfd) mapped MAP_SHARED, so that a
 * vhost-user backend or a vfio-user server can map the same pages; or,
 * for a VM that shares its RAM with no other process (private_ram),
 * anonymous memory with transparent huge pages: a shmem memfd gets 4 KiB
 * pages unless the host enabled shmem THP (off by default), and every one
 * of those is a stage-2 fault when the guest first touches it; 2 MiB pages
 * took a Linux guest to init twice as fast under nested KVM (13.4 s
 * against 6.6 s, tests/bench/linux-boot's guest). VFIO pins either kind.
 * Pages are touched lazily: fresh memory reads as zeroes and nothing here
 * writes to it. The RAM is split in two KVM slots around the 32-bit PCI
 * hole: [0, MEM_32BIT_END) and [4 GiB, ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm_impl.h"

#define HUGEPAGE_SIZE	(2ULL << 20)

/* kB value of one /proc/meminfo field, or -1. */
static long long meminfo_kb(const char *field)
{
	char line[256];
	long long val = -1;
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			val = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static int memory_check_host(uint64_t size, bool hugepages,
			     struct errbuf *eb)
{
	long long avail;

	if (hugepages) {
		long long free_pages = meminfo_kb("HugePages_Free");
		long long page_kb = meminfo_kb("Hugepagesize");

		if (free_pages < 0 || page_kb <= 0)
			return 0;	/* let the mapping decide */
		avail = free_pages * page_kb;
		if ((uint64_t)avail * 1024 < size)
			return errbuf_set(eb, -ENOMEM,
				"--mem %" PRIu64 " MiB needs more huge pages than the pool has free (%lld MiB); add pages (echo N > /proc/sys/vm/nr_hugepages) or use a smaller --mem",
				size >> 20, avail >> 10);
		return 0;
	}
	avail = meminfo_kb("MemAvailable");
	if (avail >= 0 && (uint64_t)avail * 1024 < size)
		return errbuf_set(eb, -ENOMEM,
			"--mem %" PRIu64 " MiB is more than this host has available (%lld MiB); use a smaller --mem",
			size >> 20, avail >> 10);
	return 0;
}

static int memory_set_slot(struct vm *vm, unsigned int slot, uint64_t gpa,
			   uint64_t size, void *hva, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

/*
 * Private RAM: THP asked for (taken when the host's THP mode is always or
 * madvise), and kept out of fork()'s children, which would otherwise share
 * it copy-on-write with the guest and its DMA. Both advisory.
 */
static int memory_map_private(struct vm *vm, uint64_t size, struct errbuf *eb)
{
	vm->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		int ret = -errno;

		vm->ram = NULL;
		return errbuf_set(eb, ret, "cannot map %" PRIu64 " MiB of guest memory (%s); use a smaller --mem",
				  size >> 20, strerror(-ret));
	}
	madvise(vm->ram, size, MADV_HUGEPAGE);
	madvise(vm->ram, size, MADV_DONTFORK);
	return 0;
}

int memory_init(struct vm *vm, uint64_t size, bool hugepages,
		bool private_ram, struct errbuf *eb)
{
	unsigned int mfd_flags = MFD_CLOEXEC;
	uint64_t align = hugepages ? HUGEPAGE_SIZE : 4096;
	int ret;

	if (size < VM_MEM_MIN || size % align)
		return errbuf_set(eb, -EINVAL,
			"--mem must be at least %llu MiB and a multiple of %" PRIu64 " KiB%s",
			VM_MEM_MIN >> 20, align >> 10,
			hugepages ? " with --hugepages" : "");
	/* High RAM must end below the 64-bit PCI window. */
	if (size > PCI_MMIO64_BASE - MEM_HIGH_BASE + MEM_32BIT_END)
		return errbuf_set(eb, -E2BIG,
			"--mem %" PRIu64 " GiB is more than the VMM's memory map holds (%llu GiB); use a smaller --mem",
			size >> 30,
			(PCI_MMIO64_BASE - MEM_HIGH_BASE + MEM_32BIT_END) >> 30);
	ret = memory_check_host(size, hugepages, eb);
	if (ret)
		return ret;

	if (private_ram && !hugepages) {
		ret = memory_map_private(vm, size, eb);
		if (ret)
			return ret;
		goto mapped;
	}
	if (hugepages)
		mfd_flags |= MFD_HUGETLB;
	else
		mfd_flags |= MFD_ALLOW_SEALING;
	vm->mem_fd = memfd_create("iopass-guest-ram", mfd_flags);
	if (vm->mem_fd < 0) {
		ret = -errno;
		if (hugepages)
			return errbuf_set(eb, ret,
				"cannot create hugetlb memory (%s); the kernel needs CONFIG_HUGETLBFS, or drop --hugepages",
				strerror(-ret));
		return errbuf_set(eb, ret, "memfd_create: %s", strerror(-ret));
	}
	if (ftruncate(vm->mem_fd, (off_t)size) < 0) {
		ret = -errno;
		errbuf_set(eb, ret, "cannot size guest memory to %" PRIu64
			   " MiB: %s; use a smaller --mem", size >> 20,
			   strerror(-ret));
		goto err_close;
	}
	/* Whoever maps this later cannot shrink it under the guest. */
	if (!hugepages &&
	    fcntl(vm->mem_fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		ret = -errno;
		errbuf_set(eb, ret, "sealing guest memory: %s", strerror(-ret));
		goto err_close;
	}
	/* hugetlb reserves the pages here: a short pool fails now, not later. */
	vm->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | (hugepages ? 0 : MAP_NORESERVE),
		       vm->mem_fd, 0);
	if (vm->ram == MAP_FAILED) {
		ret = -errno;
		vm->ram = NULL;
		errbuf_set(eb, ret, "cannot map %" PRIu64 " MiB of guest memory%s (%s); use a smaller --mem",
			   size >> 20, hugepages ? " from huge pages" : "",
			   strerror(-ret));
		goto err_close;
	}
mapped:
	vm->ram_size = size;
	vm->hugepages = hugepages;
	vm->low_size = size < MEM_32BIT_END ? size : MEM_32BIT_END;
	vm->high_size = size - vm->low_size;

	ret = memory_set_slot(vm, 0, 0, vm->low_size, vm->ram, 0);
	if (!ret && vm->high_size)
		ret = memory_set_slot(vm, 1, MEM_HIGH_BASE, vm->high_size,
				      vm->ram + vm->low_size, 0);
	if (ret) {
		errbuf_set(eb, ret, "KVM_SET_USER_MEMORY_REGION (RAM): %s",
			   strerror(-ret));
		goto err_unmap;
	}
	vm->slots_used = vm->high_size ? 3 : 1;
	return 0;

err_unmap:
	munmap(vm->ram, size);
	vm->ram = NULL;
err_close:
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	vm->mem_fd = -1;
	return ret;
}

void memory_exit(struct vm *vm)
{
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	vm->ram = NULL;
	vm->mem_fd = -1;
}

/* [gpa, gpa + len) inside [base, base + size), without overflow. */
static bool range_inside(uint64_t gpa, uint64_t len, uint64_t base,
			 uint64_t size)
{
	return gpa >= base && gpa - base <= size && len <= size - (gpa - base);
}

void *memory_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (range_inside(gpa, len, 0, vm->low_size))
		return vm->ram + gpa;
	if (vm->high_size && range_inside(gpa, len, MEM_HIGH_BASE,
					  vm->high_size))
		return vm->ram + vm->low_size + (gpa - MEM_HIGH_BASE);
	return NULL;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	/* The legacy hole (VGA, option ROMs, BIOS) is not RAM to the guest. */
	if (gpa < BIOS_AREA_END && gpa + len > LOW_MEM_END)
		return NULL;
	return memory_hva(vm, gpa, len);
}

int memory_e820(struct vm *vm, struct e820_ent *ents, int max)
{
	struct e820_ent e[E820_MAX_ENTS];
	int n = 0;

	e[n++] = (struct e820_ent){ 0, LOW_MEM_END, E820_TYPE_RAM };
	/* The ACPI tables and the MP table. */
	e[n++] = (struct e820_ent){ ACPI_AREA_BASE,
				    BIOS_AREA_END - ACPI_AREA_BASE,
				    E820_TYPE_RESERVED };
	if (vm->low_size > BIOS_AREA_END)
		e[n++] = (struct e820_ent){ BIOS_AREA_END,
					    vm->low_size - BIOS_AREA_END,
					    E820_TYPE_RAM };
	e[n++] = (struct e820_ent){ PCI_ECAM_BASE, PCI_ECAM_SIZE,
				    E820_TYPE_RESERVED };
	e[n++] = (struct e820_ent){ KVM_IDENT_MAP_ADDR, 0x4000,
				    E820_TYPE_RESERVED };
	if (vm->high_size)
		e[n++] = (struct e820_ent){ MEM_HIGH_BASE, vm->high_size,
					    E820_TYPE_RAM };
	if (n > max)
		return -ENOSPC;
	memcpy(ents, e, n * sizeof(e[0]));
	return n;
}

int vm_map_user_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva,
		       bool readonly)
{
	int slot, ret;

	if (!size || size % 4096 || gpa % 4096 || (uintptr_t)hva % 4096)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	for (slot = VM_USER_SLOTS_FIRST; slot < VM_MAX_SLOTS; slot++)
		if (!(vm->slots_used & (1ULL << slot)))
			break;
	if (slot == VM_MAX_SLOTS) {
		ret = -ENOSPC;
		goto out;
	}
	ret = memory_set_slot(vm, slot, gpa, size, hva,
			      readonly ? KVM_MEM_READONLY : 0);
	if (ret)
		goto out;
	vm->slots_used |= 1ULL << slot;
	ret = slot;
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int vm_unmap_user_memory(struct vm *vm, int slot)
{
	int ret;

	if (slot < VM_USER_SLOTS_FIRST || slot >= VM_MAX_SLOTS)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (!(vm->slots_used & (1ULL << slot))) {
		ret = -ENOENT;
		goto out;
	}
	/* Size 0 deletes the slot. */
	ret = memory_set_slot(vm, slot, 0, 0, NULL, 0);
	if (!ret)
		vm->slots_used &= ~(1ULL << slot);
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int vm_ram_regions(struct vm *vm, struct vm_ram_region *r, int max)
{
	int n = 0;

	if (n < max)
		r[n++] = (struct vm_ram_region){ 0, vm->low_size, vm->ram,
						 vm->mem_fd, 0 };
	if (vm->high_size && n < max)
		r[n++] = (struct vm_ram_region){ MEM_HIGH_BASE, vm->high_size,
						 vm->ram + vm->low_size,
						 vm->mem_fd, vm->low_size };
	return n;
}

bool vm_ram_hugepages(struct vm *vm)
{
	return vm->hugepages;
}
