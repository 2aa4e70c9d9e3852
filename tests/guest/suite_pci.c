// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci: what a guest's PCI core would trip over. Every function found is
 * listed; every BAR is sized and must be assigned, aligned, clear of RAM
 * and of every other BAR; every capability list must end; the iopass test
 * device must look exactly as testdev.h says; pci.expect= devices must be
 * there.
 */
#include "pci.h"
#include "iopass/testdev.h"

#define E820_ACPI	3
#define E820_NVS	4

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void list_devices(struct pci_dev *devs, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct pci_dev *d = &devs[i];

		pr("# pci " BDF_FMT " %04x:%04x class %06x\n", BDF_ARGS(d),
		   d->vendor, d->device, d->class);
		for (j = 0; j < d->nbars; j++) {
			struct pci_bar *b = &d->bar[j];

			if (!b->size)
				continue;
			pr("#   bar%u %s%s 0x%lx size 0x%lx\n", j,
			   b->io ? "io" : b->mem64 ? "mem64" : "mem32",
			   b->prefetch ? " pref" : "", b->base, b->size);
		}
	}
}

static void test_bar_placement(struct pci_dev *d, unsigned int i)
{
	struct pci_bar *b = &d->bar[i];
	unsigned int k;

	if (!test_check(b->base, BDF_FMT " BAR%u unassigned", BDF_ARGS(d), i))
		return;
	test_check(!(b->base & (b->size - 1)),
		   BDF_FMT " BAR%u 0x%lx not aligned to its size 0x%lx",
		   BDF_ARGS(d), i, b->base, b->size);
	if (b->io) {
		test_check(b->base + b->size <= 0x10000,
			   BDF_FMT " BAR%u I/O 0x%lx beyond 64 KiB",
			   BDF_ARGS(d), i, b->base);
		return;
	}
	for (k = 0; k < memmap_count; k++) {
		struct memmap_entry *e = &memmap[k];

		if (e->type != E820_RAM && e->type != E820_ACPI &&
		    e->type != E820_NVS)
			continue;
		test_check(!ranges_overlap(b->base, b->size, e->addr, e->size),
			   BDF_FMT " BAR%u 0x%lx+0x%lx overlaps RAM 0x%lx+0x%lx",
			   BDF_ARGS(d), i, b->base, b->size, e->addr, e->size);
	}
}

static void test_bars(struct pci_dev *devs, unsigned int n)
{
	unsigned int i, j, k, l;

	test_begin("pci.bars");
	for (i = 0; i < n; i++) {
		struct pci_dev *d = &devs[i];

		for (j = 0; j < d->nbars; j++) {
			if (!d->bar[j].size)
				continue;
			test_bar_placement(d, j);
			/* Against every later BAR of the same kind. */
			for (k = i; k < n; k++) {
				for (l = k == i ? j + 1 : 0; l < devs[k].nbars;
				     l++) {
					struct pci_bar *a = &d->bar[j];
					struct pci_bar *b = &devs[k].bar[l];

					if (!b->size || !a->base || !b->base ||
					    a->io != b->io)
						continue;
					test_check(!ranges_overlap(a->base,
						a->size, b->base, b->size),
						BDF_FMT " BAR%u overlaps "
						BDF_FMT " BAR%u at 0x%lx",
						BDF_ARGS(d), j,
						BDF_ARGS(&devs[k]), l, b->base);
				}
			}
		}
	}
	test_end();
}

static void test_caps(struct pci_dev *devs, unsigned int n)
{
	uint8_t offs[PCI_MAX_CAPS], ids[PCI_MAX_CAPS];
	unsigned int i;

	test_begin("pci.caps");
	for (i = 0; i < n; i++)
		test_check(pci_caps(&devs[i], offs, ids) >= 0,
			   BDF_FMT " capability list loops or points into "
			   "the header", BDF_ARGS(&devs[i]));
	test_end();
}

static void test_bar_shape(struct pci_dev *d, unsigned int i, bool io,
			   bool mem64, bool prefetch, uint64_t size)
{
	struct pci_bar *b = &d->bar[i];

	test_check(b->size == size && b->io == io && b->mem64 == mem64 &&
		   b->prefetch == prefetch,
		   "BAR%u is %s%s size 0x%lx, want %s%s size 0x%lx", i,
		   b->io ? "io" : b->mem64 ? "mem64" : "mem32",
		   b->prefetch ? " pref" : "", b->size,
		   io ? "io" : mem64 ? "mem64" : "mem32",
		   prefetch ? " pref" : "", size);
}

static void test_testdev(void)
{
	struct pci_dev *d = pci_find(TESTDEV_VENDOR, TESTDEV_DEVICE);
	uint8_t offs[PCI_MAX_CAPS], ids[PCI_MAX_CAPS];
	int n;

	if (!d) {
		pr("# pci: no testdev %04x:%04x\n", TESTDEV_VENDOR,
		   TESTDEV_DEVICE);
		return;
	}
	test_begin("pci.testdev");
	test_check(d->class == TESTDEV_CLASS, "class %06x, want %06x",
		   d->class, TESTDEV_CLASS);
	test_check(d->hdr_type == 0, "header type %u", d->hdr_type);
	test_bar_shape(d, 0, false, false, false, TESTDEV_BAR0_SIZE);
	test_bar_shape(d, 2, false, true, true, TESTDEV_BAR2_SIZE);
	test_bar_shape(d, 4, true, false, false, TESTDEV_BAR4_SIZE);
	n = pci_caps(d, offs, ids);
	if (test_check(n == 2, "%d capabilities, want 2", n)) {
		test_check(offs[0] == TESTDEV_CAP_VNDR &&
			   ids[0] == PCI_CAP_ID_VNDR,
			   "first capability 0x%02x at 0x%02x, want "
			   "vendor-specific at 0x%02x", ids[0], offs[0],
			   TESTDEV_CAP_VNDR);
		test_check(offs[1] == TESTDEV_CAP_MSI &&
			   ids[1] == PCI_CAP_ID_MSI,
			   "second capability 0x%02x at 0x%02x, want MSI at "
			   "0x%02x", ids[1], offs[1], TESTDEV_CAP_MSI);
	}
	test_end();
}

/* pci.expect=VVVV:DDDD,VVVV:DDDD */
static void test_expect(void)
{
	const char *v, *end;
	size_t len, n;

	if (!cmdline_get("pci.expect", &v, &len))
		return;
	test_begin("pci.expect");
	for (end = v + len; v < end; v += n + 1) {
		uint64_t ven = 0, dev = 0;
		size_t a, b = 0;

		for (n = 0; v + n < end && v[n] != ','; n++)
			;
		a = parse_hex(v, n, &ven);
		if (a < n && v[a] == ':')
			b = parse_hex(v + a + 1, n - a - 1, &dev);
		if (!test_check(a && a <= 4 && b && b <= 4 && a + 1 + b == n,
				"bad pci.expect= entry (want VVVV:DDDD)"))
			continue;
		test_check(pci_find(ven, dev), "%04lx:%04lx not found", ven,
			   dev);
	}
	test_end();
}

/*
 * pci.peek=VVVV:DDDD+OFF: prints the 32-bit register at BAR0 + OFF (hex) of
 * that device, as this guest finds it at start ("PEEK ..."). The host side
 * wrote a value there before the VM: whether it survived says whether the
 * device was reset before the guest got it.
 */
static void peek(void)
{
	uint64_t ven = 0, dev = 0, off = 0;
	struct pci_dev *d;
	const char *v;
	size_t len, a, b, c = 0;

	if (!cmdline_get("pci.peek", &v, &len))
		return;
	test_begin("pci.peek");
	a = parse_hex(v, len, &ven);
	b = a < len && v[a] == ':' ? parse_hex(v + a + 1, len - a - 1, &dev) : 0;
	if (b && a + 1 + b < len && v[a + 1 + b] == '+')
		c = parse_hex(v + a + 2 + b, len - a - 2 - b, &off);
	if (test_check(a && b && c && !(off & 3), "bad pci.peek= (want VVVV:DDDD+OFF)")) {
		d = pci_find(ven, dev);
		if (test_check(d && d->bar[0].base && !d->bar[0].io && off + 4 <= d->bar[0].size,
			       "%04lx:%04lx: no memory BAR0 holding 0x%lx", ven, dev, off)) {
			pci_enable(d, PCI_COMMAND_MEMORY);
			pr("PEEK %04lx:%04lx bar0+0x%lx 0x%08x\n", ven, dev, off,
			   mmio_read32(d->bar[0].base + off));
		}
	}
	test_end();
}

static void pci_run(void)
{
	struct pci_dev *devs;
	unsigned int n = pci_scan(&devs);

	list_devices(devs, n);
	test_begin("pci.enum");
	test_check(n && devs[0].bus == 0, "no function on bus 0");
	test_end();
	test_bars(devs, n);
	test_caps(devs, n);
	test_testdev();
	test_expect();
	peek();
}

const struct suite suite_pci = {
	.name = "pci",
	.by_default = true,
	.run = pci_run,
};
