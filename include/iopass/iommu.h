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

#endif
