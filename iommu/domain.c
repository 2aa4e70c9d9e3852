// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA domain: what every backend shares. The checks that turn a
 * kernel's bare errno into an operator's answer (no IOMMU, no such device,
 * not on vfio-pci, group not viable), the usable IOVA ranges (the
 * backend's minus each group's reserved_regions), and the list of what was
 * mapped so that close() leaves nothing pinned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_impl.h"

int iommu_domain_set_hw(struct iommu_domain *d, const struct iova_range *r,
			size_t n, uint64_t pgsizes)
{
	struct iova_range *copy = calloc(n ? n : 1, sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, r, n * sizeof(*r));
	free(d->ranges);
	d->ranges = copy;
	d->nranges = n;
	d->pgsizes = pgsizes;
	d->have_hw_ranges = true;
	/* Groups attached before are subtracted again by the caller. */
	d->ngroups = 0;
	return 0;
}

#ifdef IOPASS_IOMMUFD_BACKEND
static bool path_exists(const char *dir, const char *rel)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return !stat(path, &st);
}
#endif

static const struct iommu_domain_ops *backend_ops(enum iommu_backend b,
						  const char *dev)
{
	switch (b) {
	case IOMMU_BACKEND_TYPE1:
		return &iommu_type1_ops;
	case IOMMU_BACKEND_IOMMUFD:
#ifdef IOPASS_IOMMUFD_BACKEND
		return &iommu_iommufd_ops;
#else
		return NULL;
#endif
	case IOMMU_BACKEND_AUTO:
	default:
#ifdef IOPASS_IOMMUFD_BACKEND
		if (path_exists(dev, "iommu"))
			return &iommu_iommufd_ops;
#endif
		(void)dev;
		return &iommu_type1_ops;
	}
}

int iommu_domain_open(enum iommu_backend backend, const char *sysfs,
		      const char *dev, struct iommu_domain **out,
		      struct errbuf *eb)
{
	struct iommu_domain *d;
	int ret;

	if (!iommu_present(sysfs))
		return errbuf_set(eb, -ENODEV, "no IOMMU on this host (%s/kernel/"
				  "iommu_groups is empty): enable VT-d or AMD-Vi "
				  "in the firmware, boot with intel_iommu=on "
				  "(Intel) or amd_iommu=on (AMD), then "
				  "modprobe vfio-pci", sysfs);
	d = calloc(1, sizeof(*d));
	if (!d)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	d->ops = backend_ops(backend, dev);
	if (!d->ops) {
		free(d);
		return errbuf_set(eb, -EOPNOTSUPP, "this iopass was built "
				  "without iommufd (the kernel headers had no "
				  "<linux/iommufd.h>): use the type1 backend");
	}
	snprintf(d->sysfs, sizeof(d->sysfs), "%s", sysfs);
	snprintf(d->dev, sizeof(d->dev), "%s", dev);
	ret = d->ops->open(d, eb);
	if (ret) {
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

const char *iommu_domain_backend(struct iommu_domain *d)
{
	return d->ops->name;
}

int iommu_domain_group_fd(struct iommu_domain *d, int group)
{
	return d->ops->group_fd ? d->ops->group_fd(d, group) : -EOPNOTSUPP;
}

/* Takes the group's reserved regions out of the usable ranges, once. */
static int domain_reserve_group(struct iommu_domain *d, int group,
				struct errbuf *eb)
{
	struct iova_range *resv, *saved;
	size_t nresv, nsaved = d->nranges;
	char rel[64], text[4096];
	int *grown, ret;

	for (size_t i = 0; i < d->ngroups; i++)
		if (d->groups[i] == group)
			return 0;
	snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/reserved_regions",
		 group);
	/* No file (older kernels): nothing is known to be reserved. */
	if (sysfs_read_str(d->sysfs, rel, text, sizeof(text)))
		text[0] = '\0';
	ret = iommu_reserved_parse(text, &resv, &nresv);
	if (ret)
		return errbuf_set(eb, ret, "%s/%s: cannot parse it", d->sysfs,
				  rel);
	saved = malloc((nsaved ? nsaved : 1) * sizeof(*saved));
	grown = realloc(d->groups, (d->ngroups + 1) * sizeof(*grown));
	if (!saved || !grown) {
		free(saved);
		free(resv);
		if (grown)
			d->groups = grown;
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	d->groups = grown;
	memcpy(saved, d->ranges, nsaved * sizeof(*saved));
	ret = iova_ranges_subtract(&d->ranges, &d->nranges, resv, nresv);
	free(resv);
	if (ret) {
		free(saved);
		return errbuf_set(eb, ret, "out of memory");
	}
	/* What is mapped already must stay usable for the new group too. */
	for (size_t i = 0; i < d->nmaps; i++) {
		if (iova_ranges_contain(d->ranges, d->nranges, d->maps[i].iova,
					d->maps[i].size))
			continue;
		ret = errbuf_set(eb, -EINVAL, "IOMMU group %d reserves IOVA "
				 "inside guest RAM already mapped at %#llx: "
				 "assign it to another VM", group,
				 (unsigned long long)d->maps[i].iova);
		free(d->ranges);
		d->ranges = saved;
		d->nranges = nsaved;
		return ret;
	}
	free(saved);
	d->groups[d->ngroups++] = group;
	return 0;
}

/* The checks before the backend touches anything. */
static int device_precheck(struct iommu_domain *d, const struct pci_addr *addr,
			   int *group, struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN], rel[128], drv[64];
	struct iommu_group_info info;
	int ret;

	pci_addr_format(addr, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	if (!sysfs_exists(d->sysfs, rel))
		return errbuf_set(eb, -ENOENT, "no PCI device %s on this host: "
				  "'iopass list' shows the devices", bdf);
	*group = iommu_group_of(d->sysfs, addr);
	if (*group < 0)
		return errbuf_set(eb, -ENODEV, "%s is in no IOMMU group: the "
				  "IOMMU does not cover it (check intel_iommu=on "
				  "/ amd_iommu and the firmware's VT-d/AMD-Vi "
				  "setting)", bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
	if (sysfs_link_base(d->sysfs, rel, drv, sizeof(drv)))
		drv[0] = '\0';
	if (strcmp(drv, "vfio-pci"))
		return errbuf_set(eb, -EINVAL, "%s is %s%s, not vfio-pci: "
				  "'iopass bind %s' binds it", bdf,
				  drv[0] ? "bound to " : "not bound to any driver",
				  drv, bdf);
	for (size_t i = 0; i < d->ndevs; i++)
		if (!pci_addr_cmp(&d->devs[i].addr, addr))
			return errbuf_set(eb, -EBUSY, "%s is assigned twice to "
					  "the same VM: give each --device "
					  "once", bdf);
	ret = iommu_group_check(d->sysfs, *group, &info, eb);
	free(info.members);
	return ret;
}

int iommu_domain_device_open(struct iommu_domain *d,
			     const struct pci_addr *addr, const char *vf_token,
			     int *devfd, struct errbuf *eb)
{
	struct iommu_dev *grown;
	int group = -1, fd, ret;

	ret = device_precheck(d, addr, &group, eb);
	if (ret)
		return ret;
	grown = realloc(d->devs, (d->ndevs + 1) * sizeof(*grown));
	if (!grown)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	d->devs = grown;
	ret = d->ops->device_open(d, addr, group, vf_token, &fd, eb);
	if (ret)
		return ret;
	d->devs[d->ndevs++] = (struct iommu_dev){ *addr, group, fd };
	ret = domain_reserve_group(d, group, eb);
	if (ret) {
		iommu_domain_device_close(d, addr, fd);
		return ret;
	}
	*devfd = fd;
	return 0;
}

void iommu_domain_device_close(struct iommu_domain *d,
			       const struct pci_addr *addr, int devfd)
{
	for (size_t i = 0; i < d->ndevs; i++) {
		if (pci_addr_cmp(&d->devs[i].addr, addr) ||
		    d->devs[i].fd != devfd)
			continue;
		/* The backend still sees the device (its group) here. */
		d->ops->device_close(d, addr, devfd);
		d->devs[i] = d->devs[--d->ndevs];
		return;
	}
}

struct map_ctx {
	struct iommu_domain *d;
	uint64_t iova0;
	char *hva0;
	uint64_t done;		/* bytes mapped so far */
};

static int map_chunk(uint64_t iova, uint64_t size, void *arg)
{
	struct map_ctx *c = arg;
	int ret;

	ret = c->d->ops->map(c->d, iova, size, c->hva0 + (iova - c->iova0),
			     true);
	if (ret)
		return ret;
	c->d->stats.calls++;
	c->done += size;
	return 0;
}

int iommu_domain_map(struct iommu_domain *d, uint64_t iova, uint64_t size,
		     void *hva, struct errbuf *eb)
{
	struct map_ctx c = { d, iova, hva, 0 };
	struct iommu_mapping *grown;
	uint64_t min;
	int ret;

	if (!d->have_hw_ranges)
		return errbuf_set(eb, -EINVAL, "DMA map before any device is "
				  "attached (the IOMMU is not set up yet)");
	if (!iova_ranges_contain(d->ranges, d->nranges, iova, size))
		return errbuf_set(eb, -ERANGE, "guest RAM at %#llx-%#llx is "
				  "outside the IOVA ranges this IOMMU can map "
				  "(or inside a reserved region): use less "
				  "--mem", (unsigned long long)iova,
				  (unsigned long long)(iova + size - 1));
	min = d->pgsizes & -d->pgsizes;
	if ((iova | size | (uintptr_t)hva) & (min - 1))
		return errbuf_set(eb, -EINVAL, "DMA map %#llx+%#llx is not "
				  "aligned to the IOMMU page size %#llx",
				  (unsigned long long)iova,
				  (unsigned long long)size,
				  (unsigned long long)min);
	grown = realloc(d->maps, (d->nmaps + 1) * sizeof(*grown));
	if (!grown)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	d->maps = grown;
	ret = iommu_chunk_plan(iova, size, d->pgsizes, map_chunk, &c);
	if (ret < 0) {
		if (c.done)
			d->ops->unmap(d, iova, c.done);
		if (ret == -ENOMEM)
			return errbuf_set(eb, ret, "pinning guest RAM for DMA "
					  "failed (ENOMEM): the locked-memory "
					  "limit (ulimit -l) or host memory ran "
					  "out");
		return errbuf_set(eb, ret, "DMA map of %#llx+%#llx failed: %s",
				  (unsigned long long)iova,
				  (unsigned long long)size, strerror(-ret));
	}
	d->maps[d->nmaps++] = (struct iommu_mapping){ iova, size };
	d->stats.bytes += size;
	return 0;
}

int iommu_domain_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	for (size_t i = 0; i < d->nmaps; i++) {
		int ret;

		if (d->maps[i].iova != iova || d->maps[i].size != size)
			continue;
		ret = d->ops->unmap(d, iova, size);
		if (ret)
			return ret;
		d->stats.bytes -= size;
		d->maps[i] = d->maps[--d->nmaps];
		return 0;
	}
	return -ENOENT;
}

const struct iova_range *iommu_domain_ranges(struct iommu_domain *d,
					     size_t *n)
{
	*n = d->nranges;
	return d->ranges;
}

uint64_t iommu_domain_pgsizes(struct iommu_domain *d)
{
	return d->pgsizes;
}

void iommu_domain_stats(struct iommu_domain *d, struct iommu_map_stats *st)
{
	*st = d->stats;
}

void iommu_domain_close(struct iommu_domain *d)
{
	if (!d)
		return;
	while (d->nmaps)
		if (iommu_domain_unmap(d, d->maps[0].iova, d->maps[0].size))
			d->maps[0] = d->maps[--d->nmaps];	/* closing drops it */
	while (d->ndevs)
		iommu_domain_device_close(d, &d->devs[0].addr, d->devs[0].fd);
	d->ops->close(d);
	free(d->maps);
	free(d->devs);
	free(d->groups);
	free(d->ranges);
	free(d);
}
