// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulated PCI bus (vmm/pci.c, pci_bar.c, pci_cap.c) as a guest drives
 * it: any sequence of 0xcf8 latch writes, 0xcfc-0xcff and ECAM reads and
 * writes of any size at any offset, direct config accesses, BAR accesses
 * dispatched the way the VM's MMIO/PIO bus would (to wherever the guest
 * placed the BARs), and function resets, against a bus (no VM) holding the
 * host bridge, the test device and a virtio-pci device.
 *
 * Invariants: what a guest cannot change does not change (ids, class,
 * header type, the capability list); a read of n bytes never carries more
 * than n bytes; an absent function reads all ones; a BAR only ever decodes
 * at an address it can hold (non-zero, size aligned, not a sizing pattern,
 * inside its address space); every device callback sees offsets inside its
 * own ranges.
 *
 * The bus and its devices are made once (the test device fills 2 MiB of
 * BAR memory); each input starts from a function reset of every device and
 * the BARs placed again through config writes, as firmware would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/testdev.h"
#include "vmm/pci.h"
#include "vmm/testdev.h"
#include "vmm/virtio_pci.h"
#include "fuzz_input.h"

#define RAM_BASE	0x100000ULL
#define RAM_SIZE	0x10000ULL
#define DEVCFG_SIZE	12
#define NSLOTS		3	/* bridge, testdev, virtio */

static struct pci_bus *bus;
static struct virtio_pci *vp;
static struct fuzz_ram ram = { .base = RAM_BASE, .size = RAM_SIZE };
static uint8_t devcfg[DEVCFG_SIZE];

/* Per slot, as registered: what must never change, and the firmware BARs. */
static struct {
	uint8_t ro[0x40];
	uint8_t caps[48][2];	/* id, next of each capability in the list */
	int ncaps;
	uint32_t bars[PCI_NUM_BARS];
	uint16_t cmd;
} orig[NSLOTS];

static void dev_cfg(void *opaque, uint32_t off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	(void)opaque;
	FUZZ_CHECK(off < DEVCFG_SIZE && len <= DEVCFG_SIZE - off);
	if (is_write)
		memcpy(devcfg + off, data, len);
	else
		memcpy(data, devcfg + off, len);
}

static int dev_start(void *opaque, struct virtio_pci *v)
{
	(void)opaque;
	(void)v;
	return 0;
}

static const struct virtio_pci_ops vp_ops = {
	.cfg_access = dev_cfg,
	.start = dev_start,
};

/* Read-only header bytes: ids, revision/class, header type, subsystem, cap ptr. */
static bool ro_byte(uint32_t off)
{
	return off < 4 || (off >= 8 && off < 12) || off == 0x0e ||
	       (off >= 0x2c && off < 0x30) || off == 0x34;
}

static int cap_walk(struct pci_device *d, uint8_t caps[48][2])
{
	uint32_t ptr = d->cfg[0x34];
	int n = 0;

	while (ptr && n < 48) {
		FUZZ_CHECK(ptr >= 0x40 && ptr < 0x100 && !(ptr & 3));
		caps[n][0] = d->cfg[ptr];
		caps[n][1] = d->cfg[ptr + 1];
		ptr = d->cfg[ptr + 1];
		n++;
	}
	FUZZ_CHECK(!ptr);	/* the list ends */
	return n;
}

static void setup(void)
{
	struct virtio_pci_config c = {
		.name = "virtio-fuzz",
		.device_type = 1,
		.class_code = 0x020000,
		.features = 1ULL << 5,
		.num_queues = 2,
		.queue_max_size = 16,
		.devcfg_size = DEVCFG_SIZE,
		.ops = &vp_ops,
		.xlate = fuzz_ram_xlate,
		.xlate_opaque = &ram,
	};
	struct errbuf eb;

	ram.mem = calloc(1, RAM_SIZE);
	FUZZ_CHECK(ram.mem);
	FUZZ_CHECK(pci_bus_create(NULL, &bus, &eb) == 0);
	FUZZ_CHECK(testdev_create(bus, NULL, &eb) == 0);
	FUZZ_CHECK(virtio_pci_create(bus, &c, &vp, &eb) == 0);
	for (int s = 0; s < NSLOTS; s++) {
		struct pci_device *d = bus->devs[s];

		FUZZ_CHECK(d);
		for (uint32_t o = 0; o < 0x40; o++)
			orig[s].ro[o] = d->cfg[o];
		orig[s].ncaps = cap_walk(d, orig[s].caps);
		for (int b = 0; b < PCI_NUM_BARS; b++)
			orig[s].bars[b] = pci_cfg_get(d, 0x10 + 4 * b, 4);
		orig[s].cmd = pci_cfg_get(d, 0x04, 2);
	}
}

/* Every input starts here: reset functions, BARs placed as by firmware. */
static void start(void)
{
	uint8_t caps[48][2];

	bus->cf8 = 0;
	for (int s = 0; s < NSLOTS; s++) {
		pci_device_reset(bus->devs[s]);
		for (int b = 0; b < PCI_NUM_BARS; b++)
			pci_bus_cfg_write(bus, s << 3, 0x10 + 4 * b, 4,
					  orig[s].bars[b]);
		pci_bus_cfg_write(bus, s << 3, 0x04, 2, orig[s].cmd);
		FUZZ_CHECK(cap_walk(bus->devs[s], caps) == orig[s].ncaps);
	}
}

static void check(void)
{
	for (int s = 0; s < NSLOTS; s++) {
		struct pci_device *d = bus->devs[s];
		uint8_t caps[48][2];

		for (uint32_t o = 0; o < 0x40; o++)
			if (ro_byte(o))
				FUZZ_CHECK(d->cfg[o] == orig[s].ro[o]);
		FUZZ_CHECK(cap_walk(d, caps) == orig[s].ncaps);
		FUZZ_CHECK(!memcmp(caps, orig[s].caps, orig[s].ncaps * 2));
		for (int b = 0; b < PCI_NUM_BARS; b++) {
			const struct pci_bar *bar = &d->bars[b];
			uint64_t a = bar->map_addr;

			if (!bar->mapped)
				continue;
			FUZZ_CHECK(bar->size && a && !(a & (bar->size - 1)));
			if (bar->flags & PCI_BAR_IO)
				FUZZ_CHECK(a + bar->size <= 0x10000);
			else
				FUZZ_CHECK(a < (1ULL << 52));
		}
	}
}

/* A guest access to a BAR where it decodes: what iobus would dispatch. */
static void bar_access(struct fuzz_in *in, uint8_t op)
{
	struct pci_device *d = bus->devs[fuzz_u8(in) % NSLOTS];
	struct pci_bar *b = &d->bars[fuzz_u8(in) % PCI_NUM_BARS];
	uint32_t len = 1u << (op >> 4 & 3);
	uint64_t off = fuzz_u32(in) % (b->size + 8);
	uint8_t *buf;

	if (!b->mapped || !b->fn || off >= b->size || len > b->size - off)
		return;
	buf = malloc(len);
	FUZZ_CHECK(buf);
	fuzz_bytes(in, buf, len);
	b->fn(d, b->idx, off, buf, len, op & 0x80);
	free(buf);
}

static void port_access(struct fuzz_in *in, uint8_t op)
{
	uint64_t addr = fuzz_u8(in) % 10;
	uint32_t len = fuzz_u8(in) % 10;
	uint8_t *buf = malloc(len ? len : 1);

	FUZZ_CHECK(buf);
	fuzz_bytes(in, buf, len);
	pci_bus_pio_access(bus, addr, buf, len, op & 0x80);
	free(buf);
}

static void ecam_access(struct fuzz_in *in, uint8_t op)
{
	uint64_t addr;
	uint32_t len = fuzz_u8(in) % 10;
	uint8_t *buf = malloc(len ? len : 1);

	FUZZ_CHECK(buf);
	if (op & 0x40)
		addr = fuzz_u32(in);	/* any bus/device/function */
	else
		addr = (uint64_t)(fuzz_u8(in) % 4) << 15 | fuzz_u16(in) % 0x1008;
	fuzz_bytes(in, buf, len);
	pci_bus_ecam_access(bus, addr, buf, len, op & 0x80);
	free(buf);
}

static void cfg_access(struct fuzz_in *in, uint8_t op)
{
	uint16_t bdf = op & 0x40 ? fuzz_u16(in) : (fuzz_u8(in) % 4) << 3;
	uint32_t off = op & 0x20 ? fuzz_u32(in) : fuzz_u16(in) % 0x1004;
	uint32_t len = fuzz_u8(in) % 6;
	uint32_t val;

	if (op & 0x80) {
		pci_bus_cfg_write(bus, bdf, off, len, fuzz_u32(in));
		return;
	}
	val = pci_bus_cfg_read(bus, bdf, off, len);
	if (len && len < 4)
		FUZZ_CHECK(!(val >> (8 * len)));
	if ((bdf >> 3) >= NSLOTS || (bdf & 0xff07))	/* nothing there */
		FUZZ_CHECK(len && len <= 4 ?
			   val == (len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1) :
			   val == 0xffffffffu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned int steps = 0;

	if (!bus)
		setup();
	start();
	while (fuzz_more(&in) && steps++ < 1024) {
		uint8_t op = fuzz_u8(&in);

		switch (op % 6) {
		case 0: {	/* the 0xcf8 latch, as a guest programs it */
			uint8_t b[4];
			uint32_t v = 0x80000000u | (fuzz_u8(&in) % 4) << 11 |
				     (fuzz_u8(&in) & 0xfc);

			if (op & 0x80)
				v = fuzz_u32(&in);
			memcpy(b, &v, 4);
			pci_bus_pio_access(bus, 0, b, 4, true);
			break;
		}
		case 1:
			port_access(&in, op);
			break;
		case 2:
			ecam_access(&in, op);
			break;
		case 3:
			cfg_access(&in, op);
			break;
		case 4:
			bar_access(&in, op);
			break;
		case 5:
			if ((op & 0xf0) == 0xf0)	/* function reset, rarely */
				pci_device_reset(bus->devs[fuzz_u8(&in) % NSLOTS]);
			break;
		}
	}
	check();
	return 0;
}
