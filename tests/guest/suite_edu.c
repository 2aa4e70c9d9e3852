// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu: QEMU's DMA teaching device, driven the way a guest driver drives an
 * assigned device: its registers through BAR0, its interrupts as MSI on our
 * LAPIC, and its DMA engine copying between guest RAM and the device. Under
 * iopass with --device the DMA goes through the host IOMMU (IOVA = guest
 * physical address), so a copy that comes back intact proves the guest's RAM
 * is mapped where the guest thinks it is.
 *
 * edu.oob=ADDR adds the isolation check: ADDR lies outside guest RAM (run
 * the VM with less RAM than edu's 256 MiB reach); a DMA there must leave
 * every page of guest RAM as it was and bring nothing back, and must finish
 * or time out without hanging the guest. Whether the IOMMU faulted is for
 * the host to see (dmesg), not the guest.
 */
#include "edu.h"

#define PAGE		4096ul
/*
 * edu runs a copy 100 ms (virtual clock) after the start: these bounds are
 * a few seconds at any plausible TSC rate, well below a harness timeout.
 */
#define DMA_TIMEOUT	10000000000ull	/* cycles */
#define FACT_TIMEOUT	2000000000ull
#define IRQ_TIMEOUT	2000000000ull
#define IRQ_QUIET	20000000ull
/* The isolation copy: whole words, as much of a page as edu moves. */
#define OOB_LEN		ALIGN_DOWN(EDU_XFER_END, 8)

/* Low DMA buffers, inside the image (the first MiBs of RAM). */
static uint8_t low_buf[2][EDU_BUF_SIZE + 64] __noinit
	__attribute__((aligned(4096)));
static struct edu edu;
/* The handler's device (one edu per guest). */
static struct edu *irq_edu;

static inline void barrier(void)
{
	asm volatile("" : : : "memory");
}

int edu_open(struct edu *e)
{
	e->pci = pci_find(EDU_VENDOR, EDU_DEVICE);
	if (!e->pci || !e->pci->bar[0].base || e->pci->bar[0].io)
		return -1;
	e->bar0 = e->pci->bar[0].base;
	e->irqs = 0;
	e->status_seen = 0;
	/* edu's DMA and its MSI are both bus-master writes. */
	pci_enable(e->pci, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return 0;
}

static void edu_irq_handler(struct trap_frame *f)
{
	struct edu *e = irq_edu;
	uint32_t st = edu_read(e, EDU_REG_IRQ_STATUS);

	(void)f;
	e->status_seen |= st;
	e->irqs++;
	/* edu keeps the status until acked, MSI or not (edu.rst). */
	edu_write(e, EDU_REG_IRQ_ACK, st);
	lapic_eoi();
}

int edu_irq_enable(struct edu *e)
{
	int err = lapic_init();

	if (err)
		return err;
	irq_edu = e;
	irq_set_handler(EDU_VECTOR, edu_irq_handler);
	return msi_enable(e->pci, EDU_VECTOR) ? -4 : 0;
}

/* Starts one copy and waits for START to clear. false: it never did. */
static bool edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t len,
		    uint32_t cmd, uint64_t *cycles)
{
	uint64_t t0;

	edu_write(e, EDU_REG_DMA_SRC, src);
	edu_write(e, EDU_REG_DMA_DST, dst);
	edu_write(e, EDU_REG_DMA_COUNT, len);
	barrier();
	t0 = rdtsc();
	edu_write(e, EDU_REG_DMA_CMD, cmd | EDU_DMA_START);
	while (edu_read(e, EDU_REG_DMA_CMD) & EDU_DMA_START) {
		if (rdtsc() - t0 > DMA_TIMEOUT)
			return false;
		cpu_relax();
	}
	if (cycles)
		*cycles = rdtsc() - t0;
	barrier();
	return true;
}

/* A byte pattern that differs per seed and position. */
static void fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i, x = seed * 2654435761u + 1;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = x >> 16;
	}
}

/* The highest RAM page range [top - len, top) below limit, or 0. */
static uint64_t ram_high(uint64_t limit, uint64_t len)
{
	uint64_t best = 0, img_end = (uint64_t)__image_end;
	unsigned int i;

	for (i = 0; i < memmap_count; i++) {
		uint64_t s = memmap[i].addr, end = s + memmap[i].size;

		if (memmap[i].type != E820_RAM)
			continue;
		if (end > limit)
			end = limit;
		end = ALIGN_DOWN(end, PAGE);
		if (s < img_end)
			s = img_end;
		if (end >= s + len && end - len > best)
			best = end - len;
	}
	return best;
}

static bool in_ram(uint64_t addr, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < memmap_count; i++)
		if (memmap[i].type == E820_RAM && addr < memmap[i].addr +
		    memmap[i].size && memmap[i].addr < addr + len)
			return true;
	return false;
}

static void test_id(struct edu *e)
{
	static const uint32_t vals[] = {
		0, 0xffffffff, 0x12345678, 0xa5a5a5a5, 0x00edc0de,
	};
	uint32_t id = edu_read(e, EDU_REG_ID), v;
	unsigned int i;

	test_begin("edu.id");
	pr("# edu " BDF_FMT " BAR0 0x%lx id 0x%08x (version %u.%u)\n",
	   BDF_ARGS(e->pci), e->bar0, id, id >> 24, (id >> 16) & 0xff);
	test_check((id & EDU_ID_MAGIC) == EDU_ID_VALUE,
		   "identification 0x%08x, want 0xRRrr00ed", id);
	test_check(e->pci->bar[0].size == EDU_BAR0_SIZE,
		   "BAR0 size 0x%lx, want 0x%x", e->pci->bar[0].size,
		   EDU_BAR0_SIZE);
	test_end();

	test_begin("edu.live");
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		edu_write(e, EDU_REG_LIVE, vals[i]);
		v = edu_read(e, EDU_REG_LIVE);
		test_check(v == ~vals[i], "wrote 0x%08x, read 0x%08x, want "
			   "0x%08x", vals[i], v, ~vals[i]);
	}
	test_end();
}

/* Computes n! on the device, polling the busy bit. */
static bool edu_fact(struct edu *e, uint32_t n, uint32_t *out)
{
	uint64_t t0 = rdtsc();

	edu_write(e, EDU_REG_FACT, n);
	while (edu_read(e, EDU_REG_STATUS) & EDU_STATUS_BUSY) {
		if (rdtsc() - t0 > FACT_TIMEOUT)
			return false;
		cpu_relax();
	}
	*out = edu_read(e, EDU_REG_FACT);
	return true;
}

static void test_fact(struct edu *e)
{
	uint32_t n, want = 1, got;

	test_begin("edu.factorial");
	edu_write(e, EDU_REG_STATUS, 0);
	/* 0! .. 12!: 13! no longer fits the 32-bit register. */
	for (n = 0; n <= 12; n++) {
		if (n)
			want *= n;
		if (!test_check(edu_fact(e, n, &got), "%u! never finished",
				n))
			break;
		test_check(got == want, "%u! = %u, want %u", n, got, want);
	}
	test_end();
}

/* Waits for one more interrupt; checks it carried exactly bits. */
static void expect_irq(struct edu *e, unsigned int before, uint32_t bits,
		       const char *what)
{
	if (!test_check(irq_wait(&e->irqs, before + 1, IRQ_TIMEOUT),
			"no interrupt for %s", what))
		return;
	irq_wait(&e->irqs, before + 2, IRQ_QUIET);
	test_check(e->irqs == before + 1, "%u interrupts for %s",
		   e->irqs - before, what);
	test_check(e->status_seen == bits, "%s: handler saw status 0x%x, "
		   "want 0x%x", what, e->status_seen, bits);
	test_check(!edu_read(e, EDU_REG_IRQ_STATUS),
		   "%s: status 0x%x left after the ack", what,
		   edu_read(e, EDU_REG_IRQ_STATUS));
}

static bool test_irq(struct edu *e)
{
	static const uint32_t raises[] = { 0x1, 0x80000000, 0x12345678 };
	unsigned int i, unexpected0 = irq_unexpected;
	uint32_t got;
	int err;

	test_begin("edu.msi");
	err = edu_irq_enable(e);
	test_check(err != -4, "no MSI capability");
	test_check(err >= 0 || err == -4, "LAPIC unusable (%d)", err);
	test_end();
	if (err)
		return false;

	/* Raise puts the value in the status; the handler acks it. */
	test_begin("edu.irq_raise");
	for (i = 0; i < ARRAY_SIZE(raises); i++) {
		unsigned int before = e->irqs;

		e->status_seen = 0;
		edu_write(e, EDU_REG_IRQ_RAISE, raises[i]);
		expect_irq(e, before, raises[i], "a raise");
	}
	test_check(irq_unexpected == unexpected0,
		   "%u interrupts on other vectors",
		   irq_unexpected - unexpected0);
	test_end();

	test_begin("edu.irq_factorial");
	e->status_seen = 0;
	i = e->irqs;
	edu_write(e, EDU_REG_STATUS, EDU_STATUS_IRQFACT);
	if (test_check(edu_fact(e, 10, &got), "10! never finished")) {
		test_check(got == 3628800, "10! = %u", got);
		expect_irq(e, i, EDU_IRQ_FACT, "factorial done");
	}
	edu_write(e, EDU_REG_STATUS, 0);
	test_end();
	return true;
}

/*
 * One round trip: src (guest RAM) -> device buffer at off -> dst (guest
 * RAM), then compare; the bytes after dst must be untouched.
 */
static void dma_round(struct edu *e, uint64_t src, uint64_t dst,
		      uint32_t len, uint32_t off, uint32_t seed)
{
	uint8_t *s = (uint8_t *)src, *d = (uint8_t *)dst;
	uint32_t i;

	if (!len || off + len > EDU_XFER_END) {
		test_fail("bad test: 0x%x+%u outside the device buffer", off,
			  len);
		return;
	}
	fill(s, len, seed);
	memset(d, 0, len + 64);
	barrier();
	if (!test_check(edu_dma(e, src, EDU_BUF + off, len, 0, NULL),
			"RAM 0x%lx -> device: %u bytes never finished", src,
			len) ||
	    !test_check(edu_dma(e, EDU_BUF + off, dst, len, EDU_DMA_TO_RAM,
				NULL),
			"device -> RAM 0x%lx: %u bytes never finished", dst,
			len))
		return;
	for (i = 0; i < len && s[i] == d[i]; i++)
		;
	test_check(i == len, "%u bytes 0x%lx -> 0x%lx: byte %u is 0x%02x, "
		   "want 0x%02x", len, src, dst, i, d[i], s[i]);
	for (i = len; i < len + 64 && !d[i]; i++)
		;
	test_check(i == len + 64, "%u bytes to 0x%lx: byte %u beyond the "
		   "end written", len, dst, i);
}

static void test_dma(struct edu *e, uint64_t high)
{
	static const uint32_t sizes[] = { 1, 3, 64, 511, 2048, 4000, 4095 };
	uint64_t low0 = (uint64_t)low_buf[0], low1 = (uint64_t)low_buf[1];
	unsigned int i;

	test_begin("edu.dma_low");
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		dma_round(e, low0, low1, sizes[i],
			  (EDU_XFER_END - sizes[i]) / 2, i);
	test_end();

	/* The top of what edu reaches: the far end of the IOMMU mapping. */
	test_begin("edu.dma_high");
	if (test_check(high, "no RAM page below 256 MiB outside the image")) {
		pr("# edu.dma_high: 0x%lx..0x%lx\n", high, high + 4 * PAGE);
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			dma_round(e, i & 1 ? high : low0,
				  i & 1 ? low1 : high + 2 * PAGE, sizes[i],
				  i & 1 ? 0 : EDU_XFER_END - sizes[i], 16 + i);
		/* High to high: both ends far from the image. */
		dma_round(e, high, high + 2 * PAGE, EDU_XFER_END, 0, 99);
	}
	test_end();
}

static void test_dma_irq(struct edu *e)
{
	unsigned int before = e->irqs;
	uint64_t src = (uint64_t)low_buf[0];

	test_begin("edu.dma_irq");
	fill(low_buf[0], 256, 7);
	e->status_seen = 0;
	if (test_check(edu_dma(e, src, EDU_BUF, 256, EDU_DMA_IRQ, NULL),
		       "DMA never finished"))
		expect_irq(e, before, EDU_IRQ_DMA, "DMA done");
	test_end();
}

/*
 * Every page of guest RAM outside the image: the first word or the middle
 * one equal to marker (a page-aligned DMA of OOB_LEN bytes of marker words
 * that landed anywhere in RAM would leave both). True with the first hit
 * in *hit (page 0 is RAM too); *pages says how many were looked at.
 */
static bool ram_find_marker(uint64_t marker, uint64_t *hit, uint64_t *pages)
{
	uint64_t img_start = (uint64_t)__image_start;
	uint64_t img_end = (uint64_t)__image_end;
	unsigned int i;
	uint64_t p;

	*pages = 0;
	for (i = 0; i < memmap_count; i++) {
		uint64_t s = ALIGN_UP(memmap[i].addr, PAGE);
		uint64_t end = ALIGN_DOWN(memmap[i].addr + memmap[i].size,
					  PAGE);

		if (memmap[i].type != E820_RAM || s >= end ||
		    mm_map(s, end - s, MM_RAM))
			continue;
		for (p = s; p < end; p += PAGE) {
			if (p >= img_start && p < img_end)
				continue;
			(*pages)++;
			if (*(volatile uint64_t *)p == marker ||
			    *(volatile uint64_t *)(p + PAGE / 2) == marker) {
				*hit = p;
				return true;
			}
		}
	}
	return false;
}

static void test_oob(struct edu *e, uint64_t high)
{
	uint64_t oob, marker, cycles = 0, hit = 0, pages, *w = (void *)high;
	uint64_t *back = (void *)(high + 2 * PAGE);
	unsigned int i, zero = 0, same = 0, other = 0;
	bool done, found;
	const char *v;
	size_t len;

	if (!cmdline_get("edu.oob", &v, &len))
		return;
	test_begin("edu.oob");
	if (!test_check(parse_u64(v, len, &oob) == len && !(oob & (PAGE - 1)),
			"bad edu.oob= (want a page-aligned address)") ||
	    !test_check(!in_ram(oob, PAGE), "edu.oob=0x%lx is guest RAM: "
			"give the VM less memory", oob) ||
	    !test_check(oob + PAGE <= EDU_DMA_LIMIT, "edu.oob=0x%lx is "
			"beyond edu's 28-bit reach", oob) ||
	    !test_check(high, "no RAM page for the marker")) {
		test_end();
		return;
	}
	/* A page of one random word into the device, and out of RAM again. */
	marker = rdtsc() * 0x9e3779b97f4a7c15ull | 1;
	for (i = 0; i < OOB_LEN / 8; i++)
		w[i] = marker;
	if (!test_check(edu_dma(e, high, EDU_BUF, OOB_LEN, 0, NULL),
			"loading the device buffer never finished")) {
		test_end();
		return;
	}
	memset(w, 0, PAGE);

	done = edu_dma(e, EDU_BUF, oob, OOB_LEN, EDU_DMA_TO_RAM, &cycles);
	found = ram_find_marker(marker, &hit, &pages);
	pr("# edu.oob: device -> 0x%lx (outside RAM): %s%s; %lu pages of "
	   "guest RAM checked, %s\n", oob, done ? "finished" : "timed out",
	   done ? "" : " (the guest goes on)", pages,
	   found ? "marker found" : "none holds the marker");
	test_check(!found, "DMA to 0x%lx landed in guest RAM at 0x%lx", oob,
		   hit);

	/* And the other way: what comes back from there must not be data. */
	memset(back, 0, PAGE);
	done = edu_dma(e, oob, EDU_BUF, OOB_LEN, 0, NULL) &&
	       edu_dma(e, EDU_BUF, (uint64_t)back, OOB_LEN, EDU_DMA_TO_RAM,
		       NULL);
	for (i = 0; i < OOB_LEN / 8; i++) {
		if (!back[i])
			zero++;
		else if (back[i] == marker)
			same++;
		else
			other++;
	}
	pr("# edu.oob: 0x%lx -> device: %s; the buffer then held %u zero, "
	   "%u unchanged and %u other words\n", oob,
	   done ? "finished" : "timed out", zero, same, other);
	test_check(!other, "%u words of data read from 0x%lx, outside the "
		   "guest", other, oob);
	test_end();
}

static void edu_run(void)
{
	struct edu *e = &edu;
	uint64_t high;

	if (edu_open(e)) {
		test_result_fail("edu", e->pci ? "edu BAR0 unassigned" :
				 "no edu device 1234:11e8");
		return;
	}
	high = ram_high(EDU_DMA_LIMIT, 4 * PAGE);
	if (high)
		mm_map(high, 4 * PAGE, MM_RAM);
	test_id(e);
	test_fact(e);
	test_dma(e, high);
	if (test_irq(e))
		test_dma_irq(e);
	test_oob(e, high);
	msi_disable(e->pci);
}

const struct suite suite_edu = {
	.name = "edu",
	.by_default = false,
	.run = edu_run,
};
