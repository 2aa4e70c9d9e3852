/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The iopass test PCI device (contract: include/iopass/testdev.h). Call after
 * pci_bus_init(); the device is placed and decoding when this returns.
 */
#ifndef IOPASS_VMM_TESTDEV_H
#define IOPASS_VMM_TESTDEV_H

#include "iopass/util.h"

struct vm;
struct pci_bus;
struct testdev;

int testdev_init(struct vm *vm, struct errbuf *eb);

/*
 * The same on an explicit bus (unit tests and fuzzers pass a bus made with
 * pci_bus_create(NULL)). *out may be NULL.
 */
int testdev_create(struct pci_bus *bus, struct testdev **out,
		   struct errbuf *eb);
void testdev_destroy(struct testdev *td);

#endif
