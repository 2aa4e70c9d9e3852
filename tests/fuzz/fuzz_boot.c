// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel loaders (vmm/boot_elf.c PVH ELF, vmm/boot_linux.c bzImage)
 * on any image, loading into a guest RAM buffer without KVM: a struct vm
 * with only its RAM fields set, as the loaders see it. The buffer is a heap
 * block of exactly the RAM size, so a write outside guest RAM is an ASan
 * report. One buffer per RAM size lives across inputs (allocating and
 * poisoning 64 MiB per input would be most of the time spent); the loaders
 * only write guest RAM, so what an earlier input left there changes
 * nothing. After a load that succeeds, the entry point and every range the
 * VM would prefault lie inside what was loaded / inside RAM.
 *
 * A bzImage whose payload is xz or gzip goes through the VMM's own
 * inflater (vmm/kernel_unpack.c) and ELF loader; the kernel cache is off.
 *
 * Input: flags (RAM size, loader, initrd), command line length and bytes,
 * initrd size, then the image.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/boot.h"
#include "vmm/vm_impl.h"
#include "fuzz_input.h"

#define INITRD_MAX	(64 << 10)

static const uint64_t ram_sizes[] = {
	2ULL << 20, 4ULL << 20, 16ULL << 20, 64ULL << 20,
};

static void check_parse_pvh(const uint8_t *img, size_t size)
{
	struct errbuf eb = { "" };
	struct pvh_elf e;
	bool entry_ok = false;
	int ret = pvh_elf_parse(img, size, &e, &eb);

	if (ret) {
		FUZZ_CHECK(ret == -ENOEXEC || (ret == -EINVAL && eb.msg[0]));
		return;
	}
	FUZZ_CHECK(e.nsegs >= 1 && e.nsegs <= PVH_MAX_SEGS);
	for (unsigned int i = 0; i < e.nsegs; i++) {
		const struct pvh_seg *s = &e.segs[i];

		FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset);
		FUZZ_CHECK(s->filesz <= s->memsz);
		FUZZ_CHECK(s->paddr + s->memsz >= s->paddr);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(s->paddr >= e.segs[j].paddr + e.segs[j].memsz ||
				   e.segs[j].paddr >= s->paddr + s->memsz);
		if (e.entry >= s->paddr && e.entry - s->paddr < s->filesz)
			entry_ok = true;
	}
	FUZZ_CHECK(entry_ok);
}

static void check_parse_bz(const uint8_t *img, size_t size)
{
	struct errbuf eb = { "" };
	struct bzimage bz;
	int ret = bzimage_parse(img, size, &bz, &eb);

	if (ret) {
		FUZZ_CHECK(ret == -ENOEXEC || (ret == -EINVAL && eb.msg[0]));
		return;
	}
	FUZZ_CHECK(bz.hdr_end <= bz.setup_size && bz.setup_size < size);
	FUZZ_CHECK(bz.kernel_offset + bz.kernel_size == size);
	FUZZ_CHECK(bz.init_size >= bz.kernel_size);
	FUZZ_CHECK(bz.version >= BZ_MIN_VERSION);
}

/* Everything the VM would map before boot is guest RAM. */
static void check_prefault(const struct vm *vm)
{
	FUZZ_CHECK(vm->nprefault <= ARRAY_SIZE(vm->prefault));
	for (unsigned int i = 0; i < vm->nprefault; i++)
		FUZZ_CHECK(vm->prefault[i].gpa < vm->low_size &&
			   vm->prefault[i].size <= vm->low_size - vm->prefault[i].gpa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t initrd[INITRD_MAX];
	static uint8_t *rams[ARRAY_SIZE(ram_sizes)];
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_u8(&in);
	char cmdline[512];
	size_t clen = fuzz_u16(&in) % sizeof(cmdline), initrd_size;
	struct errbuf eb = { "" };
	struct vm *vm;
	int ret;

	/* Never write a cache of what the fuzzer made up. */
	setenv("IOPASS_KERNEL_CACHE", "off", 1);
	clen = fuzz_bytes(&in, cmdline, clen);
	cmdline[clen] = '\0';
	initrd_size = fuzz_u32(&in) % (INITRD_MAX + 1);

	check_parse_pvh(in.p, in.n);
	check_parse_bz(in.p, in.n);

	vm = calloc(1, sizeof(*vm));
	FUZZ_CHECK(vm);
	vm->ram_size = vm->low_size = ram_sizes[flags & 3];
	if (!rams[flags & 3])
		rams[flags & 3] = malloc(vm->ram_size);
	vm->ram = rams[flags & 3];
	FUZZ_CHECK(vm->ram);
	vm->mem_fd = -1;

	if (flags & 4) {
		ret = boot_linux_load(vm, in.p, in.n,
				      flags & 8 ? initrd : NULL, initrd_size,
				      clen ? cmdline : NULL, &eb);
	} else {
		/* What vm_create does: PVH first, then a bzImage. */
		ret = boot_pvh_load(vm, in.p, in.n, clen ? cmdline : NULL, &eb);
		if (ret == -ENOEXEC)
			ret = boot_linux_load(vm, in.p, in.n,
					      flags & 8 ? initrd : NULL,
					      initrd_size,
					      clen ? cmdline : NULL, &eb);
	}
	if (ret) {
		FUZZ_CHECK(ret < 0);
		FUZZ_CHECK(ret == -ENOEXEC || (eb.msg[0] && !strchr(eb.msg, '\n')));
	} else {
		check_prefault(vm);
		if (vm->entry.mode == BOOT_PVH) {
			FUZZ_CHECK(vm->entry.rip >= BOOT_DATA_END &&
				   vm->entry.rip < vm->low_size);
		} else {
			/* The bzImage's 64-bit entry, or the vmlinux's. */
			FUZZ_CHECK(vm->entry.mode == BOOT_LINUX64);
			FUZZ_CHECK(vm->entry.rip >= BOOT_DATA_END &&
				   vm->entry.rip < vm->low_size);
		}
	}
	free(vm);
	return 0;
}
