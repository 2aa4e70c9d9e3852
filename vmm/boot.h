/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm/ internal: kernel image parsing, kept apart from loading so that unit
 * tests and fuzzers can feed it any bytes without a VM.
 */
#ifndef IOPASS_VMM_BOOT_H
#define IOPASS_VMM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

/* A PVH ELF (XEN_ELFNOTE_PHYS32_ENTRY), 32- or 64-bit. */
#define PVH_MAX_SEGS		16
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct pvh_seg {
	uint64_t paddr;
	uint64_t offset;	/* in the file */
	uint64_t filesz;
	uint64_t memsz;
};

struct pvh_elf {
	uint32_t entry;
	unsigned int nsegs;
	struct pvh_seg segs[PVH_MAX_SEGS];
};

/*
 * -ENOEXEC: not an ELF at all. -EINVAL: an ELF that is corrupt, not x86,
 * has no PVH entry note, or whose segments overlap or leave the file.
 */
int pvh_elf_parse(const void *img, size_t size, struct pvh_elf *out,
		  struct errbuf *eb);

/* A Linux bzImage, 64-bit boot protocol. */
#define BZ_MIN_VERSION		0x020c		/* 2.12: xloadflags */
#define BZ_LOAD_ADDR_LOW	0x100000	/* relocatable kernels */

struct bzimage {
	uint16_t version;
	size_t setup_size;	/* boot sector + setup, bytes */
	size_t hdr_end;		/* end of the setup header in the file */
	size_t kernel_offset;	/* protected-mode kernel in the file */
	size_t kernel_size;
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable;
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;	/* bytes, without the NUL */
	uint64_t pref_address;
	uint32_t init_size;	/* memory the kernel needs from its load address */
	/* The compressed vmlinux, in the protected-mode kernel. */
	uint32_t payload_offset;
	uint32_t payload_length;
};

/*
 * A plain ELF kernel (the vmlinux inside a bzImage): its segments and, in
 * entry, its ELF entry point (startup_64, physical). Same checks as
 * pvh_elf_parse() but no PVH note needed.
 */
int vmlinux_elf_parse(const void *img, size_t size, struct pvh_elf *out,
		      struct errbuf *eb);

/* -ENOEXEC: no "HdrS"; -EINVAL: a bzImage this loader cannot boot. */
int bzimage_parse(const void *img, size_t size, struct bzimage *bz,
		  struct errbuf *eb);

/*
 * The command line Linux gets: the user's plus "console=ttyS0" unless it
 * already says console=. -E2BIG if it does not fit in len bytes (NUL
 * included). (No pci= default: the MCFG gives Linux the ECAM, and with it
 * the extended config space of PCIe devices.)
 */
int bzimage_cmdline(const char *user, char *buf, size_t len);

/* kernel_unpack.c: the vmlinux inside a bzImage, inflated by the VMM. */
struct kernel_blob {
	const uint8_t *data;
	size_t size;
	bool mapped;		/* from the cache: munmap, not free */
	int fd;			/* the cache file (-1: none): data's bytes */
};

/*
 * -ENOTSUP: not ours to unpack (no payload, a compression we do not
 * have, IOPASS_KERNEL_UNPACK=guest): boot the bzImage as it is. Other
 * errors: the payload is corrupt (eb set).
 */
int bzimage_unpack(const void *img, size_t size, const struct bzimage *bz,
		   struct kernel_blob *k, struct errbuf *eb);
void kernel_blob_free(struct kernel_blob *k);

#endif
