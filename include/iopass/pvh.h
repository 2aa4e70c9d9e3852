/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PVH boot contract (xen/include/public/arch-x86/hvm/start_info.h):
 * what the VMM's loader writes and what a PVH guest, such as the
 * freestanding test guest, reads. Types only: the guest includes this
 * without a libc.
 */
#ifndef IOPASS_PVH_H
#define IOPASS_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC		0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version >= 1 */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* E820 type */
	uint32_t reserved;
};

#endif
