/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sriov/: the host's PCI functions as the kernel shows them in sysfs —
 * discovery (this part), SR-IOV PF/VF creation, VF settings over rtnetlink,
 * driver binding, pools and leases.
 */
#ifndef IOPASS_SRIOV_H
#define IOPASS_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

struct pci_func {
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	uint16_t vendor;
	uint16_t device;
	uint16_t subsys_vendor;
	uint16_t subsys_device;
	uint32_t class;		/* base class, subclass, prog-if */
	char driver[64];	/* "" when no driver is bound */
	int numa_node;		/* -1 when unknown */
	int sriov_total;	/* -1 when not an SR-IOV PF */
	int sriov_num;
	bool is_vf;
	struct pci_addr pf;	/* valid when is_vf */
	int vf_index;		/* index under its PF, -1 when unknown */
};

/*
 * Every PCI function under sysfs/bus/pci/devices, sorted by address.
 * *funcs is malloc'd: free() it. A function whose identity files cannot be
 * read is an error (the tree is not a PCI sysfs); optional attributes that
 * are missing get their "unknown" values.
 */
int pci_func_scan(const char *sysfs, struct pci_func **funcs, size_t *n,
		  struct errbuf *eb);

/* One function by address: -ENODEV when there is none. */
int pci_func_read(const char *sysfs, const struct pci_addr *addr,
		  struct pci_func *f, struct errbuf *eb);

/*
 * Human names from the pci.ids database (libpci). Each buffer gets a name
 * or, when the database does not know it, the hex ID.
 */
struct pci_names {
	char vendor[128];
	char device[192];
	char class[96];
};

struct pci_namedb;
struct pci_namedb *pci_namedb_open(void);
void pci_namedb_lookup(struct pci_namedb *db, const struct pci_func *f,
		       struct pci_names *names);
void pci_namedb_close(struct pci_namedb *db);

#endif
