// SPDX-License-Identifier: GPL-2.0-only
/*
 * exits: round trips through the VMM's device model on each path an access
 * can take: trapped MMIO (BAR0), trapped PIO (BAR4), and BAR2, which the
 * VMM maps as a KVM memory slot so accesses never exit at all.
 */
#include "pci.h"
#include "iopass/testdev.h"

static const uint32_t values[] = {
	0, 0xffffffff, 0x12345678, 0xa5a5a5a5, 0x5a5a5a5a, 0x80000000, 1,
};

static void mmio_write8(uint64_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

static void mmio_write16(uint64_t addr, uint16_t v)
{
	*(volatile uint16_t *)addr = v;
}

/* Register value after a 1- or 2-byte write at byte off: only those bytes. */
static uint32_t merge(uint32_t old, uint32_t v, unsigned int off,
		      unsigned int len)
{
	uint32_t mask = (len == 1 ? 0xffu : 0xffffu) << (off * 8);

	return (old & ~mask) | ((v << (off * 8)) & mask);
}

static void test_bar0(uint64_t bar0)
{
	uint64_t scratch = bar0 + TESTDEV_REG_SCRATCH;
	uint64_t invert = bar0 + TESTDEV_REG_INVERT;
	uint32_t v, x;
	unsigned int i;

	test_begin("exits.mmio_id");
	v = mmio_read32(bar0 + TESTDEV_REG_ID);
	test_check(v == TESTDEV_ID_VALUE, "ID 0x%08x, want 0x%08x", v,
		   TESTDEV_ID_VALUE);
	test_end();

	test_begin("exits.mmio_scratch");
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		mmio_write32(scratch, values[i]);
		v = mmio_read32(scratch);
		test_check(v == values[i], "wrote 0x%08x read 0x%08x",
			   values[i], v);
	}
	/* Narrow writes change only their bytes (testdev.h). */
	mmio_write32(scratch, 0x11223344);
	mmio_write16(scratch + 2, 0xaabb);
	mmio_write8(scratch + 1, 0xcc);
	v = mmio_read32(scratch);
	x = merge(merge(0x11223344, 0xaabb, 2, 2), 0xcc, 1, 1);
	test_check(v == x, "after 16/8-bit writes read 0x%08x, want 0x%08x",
		   v, x);
	test_end();

	test_begin("exits.mmio_invert");
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		mmio_write32(invert, values[i]);
		v = mmio_read32(invert);
		test_check(v == ~values[i], "wrote 0x%08x read 0x%08x",
			   values[i], v);
	}
	mmio_write32(invert, 0x11223344);
	mmio_write8(invert + 3, 0x55);
	v = mmio_read32(invert);
	x = ~merge(0x11223344, 0x55, 3, 1);
	test_check(v == x, "after an 8-bit write read 0x%08x, want 0x%08x",
		   v, x);
	test_end();
}

/* Every width and byte lane: a VMM that mishandles access sizes breaks. */
static void test_bar4(uint16_t port)
{
	uint16_t echo = port + TESTDEV_PIO_ECHO;
	unsigned int i, off;
	uint32_t v, x;

	test_begin("exits.pio_echo");
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		outl(echo, values[i]);
		v = inl(echo);
		test_check(v == values[i], "outl 0x%08x inl 0x%08x",
			   values[i], v);
	}
	for (off = 0; off < 4; off++) {
		x = 0x11223344;
		outl(echo, x);
		if (!(off & 1)) {
			outw(echo + off, 0xa000 | off);
			x = merge(x, 0xa000 | off, off, 2);
			v = inw(echo + off);
			test_check(v == (0xa000 | off),
				   "outw 0x%04x to +%u, inw 0x%04x",
				   0xa000 | off, off, v);
		}
		outb(echo + off, 0xb0 | off);
		x = merge(x, 0xb0 | off, off, 1);
		v = inb(echo + off);
		test_check(v == (0xb0 | off), "outb 0x%02x to +%u, inb 0x%02x",
			   0xb0 | off, off, v);
		v = inl(echo);
		test_check(v == x, "narrow writes at +%u: inl 0x%08x, want "
			   "0x%08x", off, v, x);
	}
	test_end();
}

static uint32_t bar2_written(uint64_t off)
{
	return (uint32_t)(off * 0x9e3779b1u) ^ 0x5a5a5a5au;
}

/* Every 64 KiB, plus the edges where an off-by-one in a slot shows. */
static uint64_t bar2_offset(unsigned int i)
{
	static const uint64_t edges[] = {
		4, 8, 0xffc, 0x1000, 0x1ffffc, 0x1ffff8,
	};

	if (i < ARRAY_SIZE(edges))
		return edges[i];
	i -= ARRAY_SIZE(edges);
	return i * 0x10000ull < TESTDEV_BAR2_SIZE ? i * 0x10000ull : ~0ull;
}

static void test_bar2(uint64_t bar2)
{
	uint64_t o;
	unsigned int i;
	uint32_t v;

	test_begin("exits.bar2_pattern");
	for (i = 0; (o = bar2_offset(i)) != ~0ull; i++) {
		v = mmio_read32(bar2 + o);
		test_check(v == (uint32_t)(o ^ TESTDEV_BAR2_SEED),
			   "offset 0x%lx holds 0x%08x, want 0x%08x", o, v,
			   (uint32_t)(o ^ TESTDEV_BAR2_SEED));
	}
	test_end();

	test_begin("exits.bar2_rw");
	for (i = 0; (o = bar2_offset(i)) != ~0ull; i++)
		mmio_write32(bar2 + o, bar2_written(o));
	for (i = 0; (o = bar2_offset(i)) != ~0ull; i++) {
		v = mmio_read32(bar2 + o);
		test_check(v == bar2_written(o),
			   "offset 0x%lx wrote 0x%08x read 0x%08x", o,
			   bar2_written(o), v);
	}
	test_end();
}

static void exits_run(void)
{
	struct pci_dev *d = pci_find(TESTDEV_VENDOR, TESTDEV_DEVICE);

	if (!d) {
		test_result_fail("exits", "no testdev");
		return;
	}
	if (!d->bar[0].base || !d->bar[2].base || !d->bar[4].base ||
	    !d->bar[4].io) {
		test_result_fail("exits", "testdev BARs unassigned");
		return;
	}
	pci_enable(d, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	test_bar0(d->bar[0].base);
	test_bar4(d->bar[4].base);
	test_bar2(d->bar[2].base);
}

const struct suite suite_exits = {
	.name = "exits",
	.by_default = true,
	.run = exits_run,
};
