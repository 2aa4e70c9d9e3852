// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_main: called by entry.S in long mode with the physical address of
 * the PVH start info. Prints the banner first (launch-to-first-line is a
 * benchmark), copies what it needs out of the start info (the memory suite
 * overwrites all RAM outside the image), then runs the bench and suites.
 */
#include "iopass/pvh.h"

#include "guest.h"

#define MEMMAP_MAX		64

struct memmap_entry memmap[MEMMAP_MAX] __noinit;
unsigned int memmap_count;

static void boot_info_read(uint32_t pa)
{
	const struct hvm_start_info *si = (void *)(uint64_t)pa;
	unsigned int i;

	if (!pa || mm_map(pa, sizeof(*si), MM_RAM) ||
	    si->magic != HVM_START_MAGIC) {
		test_result_fail("boot", "no hvm_start_info at 0x%x", pa);
		test_finish();
	}
	if (si->cmdline_paddr && !mm_map(si->cmdline_paddr, 1024, MM_RAM)) {
		const char *s = (void *)si->cmdline_paddr;
		size_t len = 0;

		while (len < 1023 && s[len])
			len++;
		cmdline_set(s, len);
	}
	if (si->version >= 1 && si->memmap_paddr &&
	    !mm_map(si->memmap_paddr,
		    si->memmap_entries * sizeof(struct memmap_entry), MM_RAM)) {
		const struct memmap_entry *e = (void *)si->memmap_paddr;

		for (i = 0; i < si->memmap_entries; i++)
			if (e[i].size && memmap_count < MEMMAP_MAX)
				memmap[memmap_count++] = e[i];
	}
	for (i = 0; i < memmap_count; i++)
		pr("# memmap 0x%010lx-0x%010lx type %u\n", memmap[i].addr,
		   memmap[i].addr + memmap[i].size - 1, memmap[i].type);
}

void guest_main(uint32_t start_info);
void guest_main(uint32_t start_info)
{
	const char *v;
	size_t len;

	serial_init();
	pr("iopass testguest\n");
	trap_init();
	boot_info_read(start_info);
	if (!bench_run() || cmdline_get("suites", &v, &len))
		suites_run();
	/*
	 * hold: stay up, idle, until the VMM stops the VM (for tests of VMs
	 * in the background). A halted vCPU costs the host nothing.
	 */
	if (cmdline_get("hold", &v, &len)) {
		pr("HOLD\n");
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	test_finish();
}
