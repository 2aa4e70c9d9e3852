/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu/: DMA remapping. IOMMU groups from sysfs (this file's first part);
 * the DMA domain with its VFIO type1 and iommufd backends comes with device
 * passthrough.
 */
#ifndef IOPASS_IOMMU_H
#define IOPASS_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

/* True when the kernel has an IOMMU with groups (/sys/kernel/iommu_groups). */
bool iommu_present(const char *sysfs);

/* The device's group number, or -ENOENT when it has none (no IOMMU). */
int iommu_group_of(const char *sysfs, const struct pci_addr *addr);

/*
 * Every PCI function in a group, sorted by address. *devs is malloc'd (free
 * it); non-PCI members (rare) are skipped.
 */
int iommu_group_devices(const char *sysfs, int group, struct pci_addr **devs,
			size_t *n);

/*
 * Group viability: a group can be handed to a VM only whole, and only when
 * every member is bound to vfio-pci, has no driver, or is a PCI bridge (the
 * kernel's own rule for VFIO). iommu_group_check() fills info and returns 0
 * when viable; -EBUSY with a message naming every offending device and its
 * driver when not; -ENOENT when the group does not exist.
 */
struct iommu_group_member {
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	char driver[64];	/* "" when none */
	uint32_t class;
	bool ok;		/* vfio-pci, no driver, or a bridge */
};

struct iommu_group_info {
	int id;
	bool viable;
	size_t n;
	struct iommu_group_member *members;	/* free() */
};

int iommu_group_check(const char *sysfs, int group, struct iommu_group_info *info,
		      struct errbuf *eb);

/* Every group number on this host, sorted. *ids is malloc'd. */
int iommu_group_list(const char *sysfs, int **ids, size_t *n);

#endif
