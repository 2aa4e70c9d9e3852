/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI through configuration mechanism #1 (ports 0xcf8/0xcfc): the first 256
 * bytes of config space of buses 0..255, which is all the suites need.
 */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include "guest.h"

#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_CLASS_REVISION	0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SECONDARY_BUS	0x19
#define PCI_CAPABILITY_LIST	0x34

#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_MSIX		0x11

#define PCI_MAX_DEVS		128
#define PCI_MAX_CAPS		48	/* (256 - 64) / 4: more is a loop */

struct pci_bar {
	uint64_t base;
	uint64_t size;		/* 0: not implemented */
	bool io;
	bool mem64;		/* this BAR and the next one */
	bool prefetch;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class;		/* class << 16 | subclass << 8 | prog-if */
	uint8_t hdr_type;	/* without the multi-function bit */
	unsigned int nbars;
	struct pci_bar bar[6];
};

#define BDF_FMT			"%02x:%02x.%x"
#define BDF_ARGS(d)		(d)->bus, (d)->dev, (d)->fn

uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct pci_dev *d, uint8_t off);
uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);

/*
 * Finds every function on bus 0 and behind bridges, sizing their BARs
 * (once, with decoding briefly off). Returns the number found.
 */
unsigned int pci_scan(struct pci_dev **devs);
struct pci_dev *pci_find(uint16_t vendor, uint16_t device);

/*
 * Walks the capability list into offs/ids (up to PCI_MAX_CAPS). Returns
 * the count, or -1 on a loop or a pointer into the header.
 */
int pci_caps(const struct pci_dev *d, uint8_t *offs, uint8_t *ids);
/* Offset of the first capability with this id, 0 if none. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id);

/* Turns on the command bits given (and maps the memory BARs). */
void pci_enable(struct pci_dev *d, uint16_t cmd_bits);

#endif
