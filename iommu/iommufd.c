// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iommufd backend: one IOAS on /dev/iommu; each device is opened
 * through its VFIO cdev (/dev/vfio/devices/vfioN), bound to the iommufd
 * and attached to the IOAS. Built only when the kernel headers have both
 * <linux/iommufd.h> and the VFIO cdev ioctls (Linux 6.6); the testbed's
 * 6.1 kernel has neither, so this file is compile-checked, not run there.
 * The IOAS reports its usable ranges itself (reserved regions already out)
 * and an alignment instead of a page-size bitmap: every power of two from
 * the alignment up is offered, and the kernel picks the IOMMU pages.
 */
#include "domain_impl.h"

#ifdef IOPASS_IOMMUFD_BACKEND

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

struct ifd {
	int fd;
	uint32_t ioas;
};

static int ifd_open(struct iommu_domain *d, struct errbuf *eb)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char path[PATH_MAX + 16];
	struct ifd *f;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/iommu", d->dev);
	f->fd = open(path, O_RDWR | O_CLOEXEC);
	if (f->fd < 0) {
		ret = errbuf_set(eb, errno == ENOENT ? -ENODEV : -errno,
				 "cannot open %s: %s (modprobe iommufd, or use "
				 "the type1 backend)", path, strerror(errno));
		goto err_free;
	}
	if (ioctl(f->fd, IOMMU_IOAS_ALLOC, &alloc)) {
		ret = errbuf_set(eb, -errno, "IOMMU_IOAS_ALLOC: %s",
				 strerror(errno));
		goto err_close;
	}
	f->ioas = alloc.out_ioas_id;
	d->priv = f;
	return 0;

err_close:
	close(f->fd);
err_free:
	free(f);
	return ret;
}

static int ifd_read_ranges(struct iommu_domain *d, struct ifd *f,
			   struct errbuf *eb)
{
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q), .ioas_id = f->ioas,
	};
	struct iommu_iova_range *kr = NULL;
	struct iova_range *r;
	size_t n;
	int ret;

	/* First call learns the count (EMSGSIZE), second fills them. */
	if (ioctl(f->fd, IOMMU_IOAS_IOVA_RANGES, &q) && errno != EMSGSIZE)
		return errbuf_set(eb, -errno, "IOMMU_IOAS_IOVA_RANGES: %s",
				  strerror(errno));
	n = q.num_iovas;
	kr = calloc(n ? n : 1, sizeof(*kr));
	r = calloc(n ? n : 1, sizeof(*r));
	if (!kr || !r) {
		ret = errbuf_set(eb, -ENOMEM, "out of memory");
		goto out;
	}
	q.allowed_iovas = (uintptr_t)kr;
	if (ioctl(f->fd, IOMMU_IOAS_IOVA_RANGES, &q)) {
		ret = errbuf_set(eb, -errno, "IOMMU_IOAS_IOVA_RANGES: %s",
				 strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		r[i] = (struct iova_range){ kr[i].start, kr[i].last };
	iova_ranges_normalize(r, &n);
	ret = iommu_domain_set_hw(d, r, n, q.out_iova_alignment ?
				  -(uint64_t)q.out_iova_alignment : ~0xfffULL);
	if (ret)
		errbuf_set(eb, ret, "out of memory");
out:
	free(kr);
	free(r);
	return ret;
}

/* sysfs .../vfio-dev/vfioN names the device's cdev. */
static void cdev_name(const char *sysfs, const char *rel, char *buf,
		      size_t len)
{
	char dir[PATH_MAX + 160];
	struct dirent *de;
	DIR *dd;

	buf[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/%s", sysfs, rel);
	dd = opendir(dir);
	if (!dd)
		return;
	while ((de = readdir(dd)))
		if (!strncmp(de->d_name, "vfio", 4))
			snprintf(buf, len, "%s", de->d_name);
	closedir(dd);
}

static int ifd_device_open(struct iommu_domain *d, const struct pci_addr *addr,
			   int group, const char *vf_token, int *devfd,
			   struct errbuf *eb)
{
	struct ifd *f = d->priv;
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = f->fd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach), .pt_id = f->ioas,
	};
	char bdf[PCI_ADDR_STRLEN], rel[128], cdev[64], path[PATH_MAX + 96];
	int fd, ret;

	(void)group;
	pci_addr_format(addr, bdf);
	if (vf_token)
		return errbuf_set(eb, -EOPNOTSUPP, "%s: a VF token with the "
				  "iommufd backend is not supported yet; use "
				  "the type1 backend", bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/vfio-dev", bdf);
	cdev_name(d->sysfs, rel, cdev, sizeof(cdev));
	if (!cdev[0])
		return errbuf_set(eb, -ENODEV, "%s has no VFIO cdev (%s): the "
				  "kernel lacks CONFIG_VFIO_DEVICE_CDEV; use the "
				  "type1 backend", bdf, rel);
	snprintf(path, sizeof(path), "%s/vfio/devices/%s", d->dev, cdev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(eb, -errno, "cannot open %s for %s: %s%s",
				  path, bdf, strerror(errno), errno == EBUSY ?
				  " (in use by another VM)" : "");
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		ret = errbuf_set(eb, -errno, "VFIO_DEVICE_BIND_IOMMUFD %s: %s",
				 bdf, strerror(errno));
		goto err_close;
	}
	if (ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		ret = errbuf_set(eb, -errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT "
				 "%s: %s", bdf, strerror(errno));
		goto err_close;
	}
	/* Every attach may narrow the IOAS's ranges. */
	ret = ifd_read_ranges(d, f, eb);
	if (ret)
		goto err_close;
	*devfd = fd;
	return 0;

err_close:
	close(fd);
	return ret;
}

static void ifd_device_close(struct iommu_domain *d,
			     const struct pci_addr *addr, int devfd)
{
	(void)d;
	(void)addr;
	close(devfd);	/* unbinds from the iommufd */
}

static int ifd_map(struct iommu_domain *d, uint64_t iova, uint64_t size,
		   void *hva, bool writable)
{
	struct ifd *f = d->priv;
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 (writable ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = f->ioas,
		.user_va = (uintptr_t)hva,
		.length = size,
		.iova = iova,
	};

	return ioctl(f->fd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

static int ifd_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct ifd *f = d->priv;
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = f->ioas,
		.iova = iova, .length = size,
	};

	return ioctl(f->fd, IOMMU_IOAS_UNMAP, &unmap) ? -errno : 0;
}

static void ifd_close(struct iommu_domain *d)
{
	struct ifd *f = d->priv;
	struct iommu_destroy destroy = { .size = sizeof(destroy) };

	if (!f)
		return;
	destroy.id = f->ioas;
	ioctl(f->fd, IOMMU_DESTROY, &destroy);
	close(f->fd);
	free(f);
	d->priv = NULL;
}

const struct iommu_domain_ops iommu_iommufd_ops = {
	.name = "iommufd",
	.open = ifd_open,
	.device_open = ifd_device_open,
	.device_close = ifd_device_close,
	.map = ifd_map,
	.unmap = ifd_unmap,
	.close = ifd_close,
};

#endif /* IOPASS_IOMMUFD_BACKEND */
