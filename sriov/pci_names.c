// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "iopass/sriov.h"

struct pci_namedb {
	struct pci_access *pacc;
};

/*
 * A missing pci.ids is only a warning to libpci: it must cost us the names,
 * never the command or a message. (A corrupt one is a fatal libpci error,
 * which exits with its own message: the host needs its pci.ids fixed.)
 */
static void namedb_quiet(char *msg, ...)
{
	(void)msg;
}

struct pci_namedb *pci_namedb_open(void)
{
	struct pci_namedb *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->pacc = pci_alloc();
	if (!db->pacc) {
		free(db);
		return NULL;
	}
	db->pacc->warning = namedb_quiet;
	db->pacc->debug = namedb_quiet;
	return db;
}

static void lookup(struct pci_namedb *db, char *buf, size_t len, int flags,
		   unsigned int a, unsigned int b, const char *fallback_fmt)
{
	char *name = NULL;

	if (db)
		name = pci_lookup_name(db->pacc, buf, (int)len,
				       flags | PCI_LOOKUP_NO_NUMBERS, a, b);
	if (name) {
		if (name != buf)
			snprintf(buf, len, "%s", name);
		return;
	}
	snprintf(buf, len, fallback_fmt, a, b);
}

void pci_namedb_lookup(struct pci_namedb *db, const struct pci_func *f,
		       struct pci_names *names)
{
	lookup(db, names->vendor, sizeof(names->vendor), PCI_LOOKUP_VENDOR,
	       f->vendor, 0, "vendor %04x");
	lookup(db, names->device, sizeof(names->device), PCI_LOOKUP_DEVICE,
	       f->vendor, f->device, "device %04x:%04x");
	lookup(db, names->class, sizeof(names->class), PCI_LOOKUP_CLASS,
	       f->class >> 8, 0, "class %04x");
}

void pci_namedb_close(struct pci_namedb *db)
{
	if (!db)
		return;
	pci_cleanup(db->pacc);
	free(db);
}

void pci_func_row(const struct pci_func *f, int group, const struct pci_names *nm,
		  char *buf, size_t len)
{
	char grp[16] = "none", numa[16] = "-", vfs[32] = "-", pf[16] = "-", id[16];

	if (!f) {
		snprintf(buf, len, "%-12s %-9s %-6s %-12s %-5s %-4s %-6s %-12s %s", "BDF",
			 "VEN:DEV", "CLASS", "DRIVER", "GROUP", "NUMA", "VFS", "PF", "NAME");
		return;
	}
	if (group >= 0)
		snprintf(grp, sizeof(grp), "%d", group);
	if (f->numa_node >= 0)
		snprintf(numa, sizeof(numa), "%d", f->numa_node);
	if (f->sriov_total >= 0)
		snprintf(vfs, sizeof(vfs), "%d/%d", f->sriov_num, f->sriov_total);
	if (f->is_vf)
		pci_addr_format(&f->pf, pf);
	snprintf(id, sizeof(id), "%04x:%04x", f->vendor, f->device);
	snprintf(buf, len, "%-12s %-9s %06x %-12s %-5s %-4s %-6s %-12s %s: %s", f->bdf, id,
		 f->class, f->driver[0] ? f->driver : "-", grp, numa, vfs, pf, nm->vendor,
		 nm->device);
}
