// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI config mechanism #1, bus enumeration and BAR sizing. Done once and
 * cached: sizing turns a function's decoding off for a moment, which a
 * suite that is using the device would not want repeated under it.
 */
#include "pci.h"

#define PCI_CONFIG_ADDR		0xcf8
#define PCI_CONFIG_DATA		0xcfc

static struct pci_dev devs[PCI_MAX_DEVS] __noinit;
static unsigned int ndevs;
static bool scanned;
static uint8_t bus_seen[256 / 8];

static void cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(PCI_CONFIG_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 |
	     (off & 0xfc));
}

static uint32_t cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	cfg_addr(bus, dev, fn, off);
	return inl(PCI_CONFIG_DATA);
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
	return cfg_read32(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t off)
{
	cfg_addr(d->bus, d->dev, d->fn, off);
	return inw(PCI_CONFIG_DATA + (off & 2));
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
	cfg_addr(d->bus, d->dev, d->fn, off);
	return inb(PCI_CONFIG_DATA + (off & 3));
}

void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
	cfg_addr(d->bus, d->dev, d->fn, off);
	outl(PCI_CONFIG_DATA, v);
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
	cfg_addr(d->bus, d->dev, d->fn, off);
	outw(PCI_CONFIG_DATA + (off & 2), v);
}

static uint32_t bar_probe(struct pci_dev *d, uint8_t off, uint32_t *orig)
{
	uint32_t v;

	*orig = pci_read32(d, off);
	pci_write32(d, off, 0xffffffff);
	v = pci_read32(d, off);
	pci_write32(d, off, *orig);
	return v;
}

/* Decoding is off while a BAR briefly reads back as all ones. */
static void bars_size(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	unsigned int i;

	pci_write16(d, PCI_COMMAND,
		    cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (i = 0; i < d->nbars; i++) {
		struct pci_bar *b = &d->bar[i];
		uint8_t off = PCI_BAR0 + i * 4;
		uint32_t orig, sz, orig_hi, sz_hi;
		uint64_t mask;

		sz = bar_probe(d, off, &orig);
		if (orig & 1) {
			b->io = true;
			b->base = orig & ~3u;
			mask = sz & ~3u;
			/* The upper 16 bits of an I/O BAR may read as zero. */
			if (mask && !(mask >> 16))
				mask |= 0xffff0000;
		} else {
			b->prefetch = orig & 8;
			b->base = orig & ~0xfu;
			mask = sz & ~0xfu;
			if (((orig >> 1) & 3) == 2 && i + 1 < d->nbars) {
				b->mem64 = true;
				sz_hi = bar_probe(d, off + 4, &orig_hi);
				b->base |= (uint64_t)orig_hi << 32;
				mask |= (uint64_t)sz_hi << 32;
			}
		}
		/* Lowest writable address bit = size, even if high bits stick. */
		b->size = mask & -mask;
		if (b->mem64)
			i++;
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(uint8_t bus)
{
	unsigned int dev, fn, nfn;

	if (bus_seen[bus / 8] & (1 << bus % 8))
		return;
	bus_seen[bus / 8] |= 1 << bus % 8;
	for (dev = 0; dev < 32; dev++) {
		for (fn = 0, nfn = 1; fn < nfn; fn++) {
			uint32_t id = cfg_read32(bus, dev, fn, 0);
			struct pci_dev *d;
			uint8_t hdr;

			if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
				continue;
			hdr = cfg_read32(bus, dev, fn, 0x0c) >> 16;
			if (fn == 0 && (hdr & 0x80))
				nfn = 8;
			if (ndevs == PCI_MAX_DEVS)
				return;
			d = &devs[ndevs++];
			*d = (struct pci_dev){
				.bus = bus, .dev = dev, .fn = fn,
				.vendor = id, .device = id >> 16,
				.hdr_type = hdr & 0x7f,
			};
			d->class = pci_read32(d, PCI_CLASS_REVISION) >> 8;
			d->nbars = d->hdr_type == 0 ? 6 :
				   d->hdr_type == 1 ? 2 : 0;
			bars_size(d);
			/* A bridge firmware or the VMM numbered: go behind it. */
			if (d->hdr_type == 1) {
				uint8_t sec = pci_read8(d, PCI_SECONDARY_BUS);

				if (sec > bus)
					scan_bus(sec);
			}
		}
	}
}

unsigned int pci_scan(struct pci_dev **list)
{
	if (!scanned) {
		scan_bus(0);
		scanned = true;
	}
	*list = devs;
	return ndevs;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device)
{
	struct pci_dev *list;
	unsigned int i, n = pci_scan(&list);

	for (i = 0; i < n; i++)
		if (list[i].vendor == vendor && list[i].device == device)
			return &list[i];
	return NULL;
}

int pci_caps(const struct pci_dev *d, uint8_t *offs, uint8_t *ids)
{
	uint8_t seen[256 / 8] = { 0 };
	uint8_t p;
	int n = 0;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	p = pci_read8(d, PCI_CAPABILITY_LIST) & 0xfc;
	while (p) {
		uint16_t w;

		if (p < 0x40 || n == PCI_MAX_CAPS || (seen[p / 8] & (1 << p % 8)))
			return -1;
		seen[p / 8] |= 1 << p % 8;
		w = pci_read16(d, p);
		offs[n] = p;
		ids[n++] = w & 0xff;
		p = (w >> 8) & 0xfc;
	}
	return n;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id)
{
	uint8_t offs[PCI_MAX_CAPS], ids[PCI_MAX_CAPS];
	int i, n = pci_caps(d, offs, ids);

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return offs[i];
	return 0;
}

void pci_enable(struct pci_dev *d, uint16_t cmd_bits)
{
	unsigned int i;

	for (i = 0; i < d->nbars; i++)
		if (d->bar[i].size && d->bar[i].base && !d->bar[i].io)
			mm_map(d->bar[i].base, d->bar[i].size, MM_MMIO);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | cmd_bits);
}
