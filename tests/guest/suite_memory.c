// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory: every usable RAM page from the memory map, outside our own image
 * (code, page tables, stack), holds what was written to it. One word per
 * 4 KiB page everywhere, an address-derived value written in one pass and
 * read back in another, so two guest pages backed by the same host page (a
 * memory slot set up twice, or at the wrong address) show as a mismatch.
 * Then every word of a few MiB (memory.dense=MiB, default 2) with two
 * complementary patterns, so every bit is seen to hold both 0 and 1.
 *
 * Loops are kept short: under an emulating /dev/kvm every guest instruction
 * costs microseconds, and rep stos/scas run several times faster there.
 */
#include "guest.h"

#define PAGE		4096ull
#define MAX_RANGES	66
#define DENSE_MIB	2

struct range {
	uint64_t start, end;
};

static struct range ranges[MAX_RANGES] __noinit;
static unsigned int nranges;

static void range_add(uint64_t start, uint64_t end)
{
	start = ALIGN_UP(start, PAGE);
	end = ALIGN_DOWN(end, PAGE);
	if (start < end && nranges < MAX_RANGES)
		ranges[nranges++] = (struct range){ start, end };
}

static void ranges_build(void)
{
	uint64_t img_start = (uint64_t)__image_start;
	uint64_t img_end = (uint64_t)__image_end;
	unsigned int i;

	for (i = 0; i < memmap_count; i++) {
		uint64_t s = memmap[i].addr, e = s + memmap[i].size;

		if (memmap[i].type != E820_RAM)
			continue;
		if (s < img_end && img_start < e) {
			range_add(s, img_start);
			range_add(img_end, e);
		} else {
			range_add(s, e);
		}
	}
}

/* Multiplying by an odd constant is a bijection: no two pages alike. */
static uint64_t pattern(uint64_t addr)
{
	return addr * 0x9e3779b97f4a7c15ull;
}

static void test_sparse(void)
{
	uint64_t bytes = 0, bad = 0, p;
	unsigned int i;

	test_begin("memory.sparse");
	for (i = 0; i < nranges; i++) {
		struct range *r = &ranges[i];

		if (!test_check(!mm_map(r->start, r->end - r->start, MM_RAM),
				"out of page tables mapping 0x%lx", r->start)) {
			nranges = i;
			break;
		}
		for (p = r->start; p < r->end; p += PAGE)
			*(volatile uint64_t *)p = pattern(p);
	}
	for (i = 0; i < nranges; i++) {
		struct range *r = &ranges[i];

		for (p = r->start; p < r->end; p += PAGE) {
			uint64_t v = *(volatile uint64_t *)p;

			/* Details of the first few; aliasing breaks thousands. */
			if (v != pattern(p) && bad++ < 4)
				test_fail("0x%lx holds 0x%lx, want 0x%lx", p, v,
					  pattern(p));
		}
		bytes += r->end - r->start;
	}
	pr("# memory.sparse: %lu bytes (%lu MiB) in %u ranges, one word per "
	   "4 KiB page\n", bytes, bytes >> 20, nranges);
	test_check(bad <= 4, "%lu pages wrong in all", bad);
	test_check(bytes, "no usable RAM in the memory map");
	test_end();
}

/* Returns the address of the first word not equal to v, or 0. */
static uint64_t fill_check(uint64_t start, uint64_t words, uint64_t v)
{
	void *d = (void *)start;
	uint64_t n = words;

	asm volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
	d = (void *)start;
	n = words;
	asm volatile("repe scasq" : "+D"(d), "+c"(n) : "a"(v) : "memory", "cc");
	/* scas stops one word past a mismatch; the last word needs a look. */
	if (n || *(volatile uint64_t *)(start + words * 8 - 8) != v)
		return (uint64_t)d - 8;
	return 0;
}

static void test_dense(void)
{
	static const uint64_t pats[] = {
		0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull,
	};
	uint64_t mib = DENSE_MIB, len, bad;
	struct range *big = NULL;
	const char *v;
	unsigned int i;
	size_t n;

	if (cmdline_get("memory.dense", &v, &n))
		parse_u64(v, n, &mib);
	for (i = 0; i < nranges; i++)
		if (!big || ranges[i].end - ranges[i].start >
			    big->end - big->start)
			big = &ranges[i];
	if (!big || !mib)
		return;
	len = big->end - big->start;
	if (len > mib << 20)
		len = mib << 20;

	test_begin("memory.dense");
	for (i = 0; i < ARRAY_SIZE(pats); i++) {
		bad = fill_check(big->start, len / 8, pats[i]);
		if (!test_check(!bad, "0x%lx holds 0x%lx, want 0x%lx", bad,
				bad ? *(volatile uint64_t *)bad : 0, pats[i]))
			break;
	}
	pr("# memory.dense: %lu bytes at 0x%lx, every word\n", len,
	   big->start);
	test_end();
}

static void memory_run(void)
{
	nranges = 0;
	ranges_build();
	test_sparse();
	test_dense();
}

const struct suite suite_memory = {
	.name = "memory",
	.by_default = true,
	.run = memory_run,
};
