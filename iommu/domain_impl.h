/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu/ internal: the DMA domain shared by domain.c (checks, ranges, the
 * map list) and its backends (type1.c, iommufd.c).
 */
#ifndef IOPASS_IOMMU_DOMAIN_IMPL_H
#define IOPASS_IOMMU_DOMAIN_IMPL_H

#include <limits.h>

#include "iopass/iommu.h"

/* iommufd needs <linux/iommufd.h> and the VFIO cdev ioctls (Linux 6.6). */
#ifdef IOPASS_HAVE_IOMMUFD
#include <linux/vfio.h>
#ifdef VFIO_DEVICE_BIND_IOMMUFD
#define IOPASS_IOMMUFD_BACKEND 1
#endif
#endif

struct iommu_mapping {
	uint64_t iova;
	uint64_t size;
};

struct iommu_dev {
	struct pci_addr addr;
	int group;
	int fd;
};

struct iommu_domain {
	const struct iommu_domain_ops *ops;
	char sysfs[PATH_MAX];
	char dev[PATH_MAX];
	void *priv;			/* the backend's */

	/*
	 * What the IOMMU translates (set by the backend when it learns it)
	 * minus every attached group's reserved regions.
	 */
	bool have_hw_ranges;
	struct iova_range *ranges;
	size_t nranges;
	uint64_t pgsizes;
	int *groups;			/* whose reserved regions are out */
	size_t ngroups;

	struct iommu_mapping *maps;	/* one per iommu_domain_map() */
	size_t nmaps;
	struct iommu_map_stats stats;

	struct iommu_dev *devs;
	size_t ndevs;
};

/* A backend's report of what the IOMMU can translate (copied). */
int iommu_domain_set_hw(struct iommu_domain *d, const struct iova_range *r,
			size_t n, uint64_t pgsizes);

extern const struct iommu_domain_ops iommu_type1_ops;
#ifdef IOPASS_IOMMUFD_BACKEND
extern const struct iommu_domain_ops iommu_iommufd_ops;
#endif

/*
 * type1: parses a VFIO_IOMMU_GET_INFO reply (struct vfio_iommu_type1_info
 * and its capability chain) of len bytes. Without an IOVA-range capability
 * (kernels before 5.4) the whole 64-bit space is reported. Pure: unit-tested.
 */
int iommu_type1_info_parse(const void *buf, size_t len,
			   struct iova_range **ranges, size_t *n,
			   uint64_t *pgsizes);

#endif
