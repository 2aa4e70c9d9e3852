// SPDX-License-Identifier: GPL-2.0-only
/*
 * Identity-mapped page tables. entry.S maps the first 4 MiB write-back;
 * the rest (the boot info, RAM, the LAPIC, BARs anywhere including the 64-bit window
 * at 512 GiB) is mapped here on demand with 2 MiB pages. MMIO is mapped
 * uncached (PCD|PWT) so that every access reaches the device: without it a
 * VMM that honours guest memory types would let reads hit in the cache.
 */
#include "guest.h"

#define PTE_P		0x001ULL
#define PTE_W		0x002ULL
#define PTE_PWT		0x008ULL
#define PTE_PCD		0x010ULL
#define PTE_PS		0x080ULL
#define PTE_ADDR	0x000ffffffffff000ULL
#define PAGE_2M		0x200000ULL

/* Enough for ~60 GiB of RAM above the first GiB plus BARs. */
#define POOL_PAGES	72

extern uint64_t boot_pml4[512];

/* Each page is zeroed when handed out. */
static uint64_t pool[POOL_PAGES][512] __noinit __attribute__((aligned(4096)));
static unsigned int pool_used;

static uint64_t *table_next(uint64_t *table, unsigned int idx)
{
	uint64_t *next;

	if (table[idx] & PTE_P)
		return (uint64_t *)(table[idx] & PTE_ADDR);
	if (pool_used == POOL_PAGES)
		return NULL;
	next = pool[pool_used++];
	memset(next, 0, 4096);
	table[idx] = (uint64_t)next | PTE_P | PTE_W;
	return next;
}

int mm_map(uint64_t pa, uint64_t len, enum mm_type type)
{
	uint64_t flags = PTE_P | PTE_W | PTE_PS;
	uint64_t end = ALIGN_UP(pa + len, PAGE_2M);
	uint64_t va;

	if (type == MM_MMIO)
		flags |= PTE_PCD | PTE_PWT;
	for (va = ALIGN_DOWN(pa, PAGE_2M); va < end; va += PAGE_2M) {
		uint64_t *pdpt, *pd, pte;

		pdpt = table_next(boot_pml4, (va >> 39) & 511);
		pd = pdpt ? table_next(pdpt, (va >> 30) & 511) : NULL;
		if (!pd)
			return -1;
		pte = va | flags;
		if (pd[(va >> 21) & 511] == pte)
			continue;
		/* Remapping (RAM -> MMIO in the first GiB): drop the old TLB entry. */
		pd[(va >> 21) & 511] = pte;
		asm volatile("invlpg (%0)" : : "r"(va) : "memory");
	}
	return 0;
}
