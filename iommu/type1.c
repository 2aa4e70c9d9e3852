// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO type1 backend: one container (/dev/vfio/vfio) holding the group
 * of every assigned device. The first group sets the IOMMU model
 * (VFIO_TYPE1v2_IOMMU when offered: it unmaps exactly what was mapped and
 * reports IOVA ranges) and the container then reports what it translates.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "domain_impl.h"

struct type1_group {
	int id;
	int fd;
	int ndevs;
};

struct type1 {
	int container;
	int model;		/* VFIO_TYPE1v2_IOMMU / VFIO_TYPE1_IOMMU */
	bool model_set;
	struct type1_group *groups;
	size_t ngroups;
};

/* Capability chains hold offsets from the start of the reply; bounded. */
const void *vfio_info_cap_find(const void *buf, size_t len, uint32_t off,
			       uint16_t id)
{
	for (int n = 0; off && n < 64; n++) {
		const struct vfio_info_cap_header *h;

		if (len < sizeof(*h) || off < sizeof(*h) ||
		    off > len - sizeof(*h) || (off & 3))
			return NULL;
		h = (const void *)((const char *)buf + off);
		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

int iommu_type1_info_parse(const void *buf, size_t len,
			   struct iova_range **ranges, size_t *n,
			   uint64_t *pgsizes)
{
	const struct vfio_iommu_type1_info *info = buf;
	const struct vfio_iommu_type1_info_cap_iova_range *cap = NULL;
	struct iova_range *r;
	size_t count = 1;

	if (len < sizeof(*info) || info->argsz > len)
		return -EINVAL;
	*pgsizes = info->flags & VFIO_IOMMU_INFO_PGSIZES ? info->iova_pgsizes
							 : 4096;
	if (!*pgsizes)
		return -EINVAL;
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->argsz > sizeof(*info))
		cap = vfio_info_cap_find(buf, info->argsz, info->cap_offset,
					     VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	if (cap) {
		size_t room = info->argsz - ((const char *)cap -
					     (const char *)buf);
		uint32_t nr;

		if (room < sizeof(*cap))
			return -EINVAL;
		/* memcpy: the kernel aligns caps to 8, a bad reply may not. */
		memcpy(&nr, (const char *)cap +
		       offsetof(typeof(*cap), nr_iovas), sizeof(nr));
		if (nr > (room - sizeof(*cap)) / sizeof(cap->iova_ranges[0]))
			return -EINVAL;
		count = nr;
	}
	r = calloc(count ? count : 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (!cap) {
		r[0] = (struct iova_range){ 0, UINT64_MAX };
	} else {
		for (size_t i = 0; i < count; i++) {
			struct vfio_iova_range kr;

			memcpy(&kr, (const char *)cap +
			       offsetof(typeof(*cap), iova_ranges) +
			       i * sizeof(kr), sizeof(kr));
			r[i].start = kr.start;
			r[i].last = kr.end;
			if (r[i].last < r[i].start) {
				free(r);
				return -EINVAL;
			}
		}
	}
	iova_ranges_normalize(r, &count);
	*ranges = r;
	*n = count;
	return 0;
}

static int type1_open(struct iommu_domain *d, struct errbuf *eb)
{
	struct type1 *t;
	char path[PATH_MAX + 16];
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/vfio/vfio", d->dev);
	t->container = open(path, O_RDWR | O_CLOEXEC);
	if (t->container < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			errbuf_set(eb, -ENODEV, "%s does not exist: load the "
				   "VFIO modules (modprobe vfio-pci "
				   "vfio_iommu_type1)", path);
		else
			errbuf_set(eb, ret, "cannot open %s: %s (run as root)",
				   path, strerror(-ret));
		if (ret == -ENOENT)
			ret = -ENODEV;
		goto err_free;
	}
	if (ioctl(t->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		ret = errbuf_set(eb, -ENODEV, "%s speaks an unknown VFIO API "
				 "version", path);
		goto err_close;
	}
	if (ioctl(t->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
		t->model = VFIO_TYPE1v2_IOMMU;
	else if (ioctl(t->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0)
		t->model = VFIO_TYPE1_IOMMU;
	else {
		ret = errbuf_set(eb, -ENODEV, "VFIO has no type1 IOMMU "
				 "backend: modprobe vfio_iommu_type1");
		goto err_close;
	}
	d->priv = t;
	return 0;

err_close:
	close(t->container);
err_free:
	free(t);
	return ret;
}

static int type1_read_info(struct iommu_domain *d, struct type1 *t,
			   struct errbuf *eb)
{
	struct vfio_iommu_type1_info *info;
	struct iova_range *r;
	uint64_t pgsizes;
	size_t n, argsz = sizeof(*info);
	int ret;

	for (int tries = 0; tries < 3; tries++) {
		info = calloc(1, argsz);
		if (!info)
			return errbuf_set(eb, -ENOMEM, "out of memory");
		info->argsz = argsz;
		if (ioctl(t->container, VFIO_IOMMU_GET_INFO, info)) {
			ret = -errno;
			free(info);
			return errbuf_set(eb, ret, "VFIO_IOMMU_GET_INFO: %s",
					  strerror(-ret));
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;	/* the capability chain needs more */
		free(info);
		info = NULL;
	}
	if (!info)
		return errbuf_set(eb, -EIO, "VFIO_IOMMU_GET_INFO keeps growing");
	ret = iommu_type1_info_parse(info, argsz, &r, &n, &pgsizes);
	free(info);
	if (ret)
		return errbuf_set(eb, ret, "VFIO_IOMMU_GET_INFO: malformed reply");
	ret = iommu_domain_set_hw(d, r, n, pgsizes);
	free(r);
	return ret ? errbuf_set(eb, ret, "out of memory") : 0;
}

static struct type1_group *group_find(struct type1 *t, int id)
{
	for (size_t i = 0; i < t->ngroups; i++)
		if (t->groups[i].id == id)
			return &t->groups[i];
	return NULL;
}

static int group_open_error(struct iommu_domain *d, int group, int err,
			    const char *path, const char *bdf,
			    struct errbuf *eb)
{
	char comm[64];
	int pid;

	if (err == -EBUSY) {
		if (!iommu_group_holder(procfs_default_root(), group, getpid(),
					&pid, comm, sizeof(comm)))
			return errbuf_set(eb, -EBUSY, "%s is in use by another "
					  "VM: %s is held by pid %d (%s)", bdf,
					  path, pid, comm);
		return errbuf_set(eb, -EBUSY, "%s is in use by another VM "
				  "(%s is already open in another process)",
				  bdf, path);
	}
	if (err == -ENOENT)
		return errbuf_set(eb, -ENOENT, "%s does not exist: is %s bound "
				  "to vfio-pci? ('iopass bind %s')", path, bdf,
				  bdf);
	(void)d;
	return errbuf_set(eb, err, "cannot open %s for %s: %s%s", path, bdf,
			  strerror(-err), err == -EACCES || err == -EPERM ?
			  " (run as root or give the user access to it)" : "");
}

static int type1_group_attach(struct iommu_domain *d, struct type1 *t,
			      int id, const char *bdf, struct errbuf *eb)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct type1_group *grown, *g;
	char path[PATH_MAX + 32];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/vfio/%d", d->dev, id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return group_open_error(d, id, -errno, path, bdf, eb);
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st)) {
		ret = errbuf_set(eb, -errno, "VFIO_GROUP_GET_STATUS on %s: %s",
				 path, strerror(errno));
		goto err_close;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = errbuf_set(eb, -EBUSY, "IOMMU group %d is not viable "
				 "(the kernel says a member is on a host "
				 "driver): 'iopass groups' shows it", id);
		goto err_close;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &t->container)) {
		ret = errbuf_set(eb, -errno, "VFIO_GROUP_SET_CONTAINER for "
				 "group %d: %s", id, strerror(errno));
		goto err_close;
	}
	if (!t->model_set) {
		if (ioctl(t->container, VFIO_SET_IOMMU, t->model)) {
			ret = errbuf_set(eb, -errno, "VFIO_SET_IOMMU: %s",
					 strerror(errno));
			goto err_unset;
		}
		t->model_set = true;
		ret = type1_read_info(d, t, eb);
		if (ret)
			goto err_unset;
	}
	grown = realloc(t->groups, (t->ngroups + 1) * sizeof(*grown));
	if (!grown) {
		ret = errbuf_set(eb, -ENOMEM, "out of memory");
		goto err_unset;
	}
	t->groups = grown;
	g = &grown[t->ngroups++];
	*g = (struct type1_group){ .id = id, .fd = fd };
	return 0;

err_unset:
	/* The last group out of a container also unsets its IOMMU. */
	ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
	if (!t->ngroups)
		t->model_set = false;
err_close:
	close(fd);
	return ret;
}

static void type1_group_put(struct type1 *t, struct type1_group *g)
{
	if (--g->ndevs > 0)
		return;
	ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER);
	close(g->fd);
	*g = t->groups[--t->ngroups];
	if (!t->ngroups)
		t->model_set = false;
}

static int type1_device_open(struct iommu_domain *d,
			     const struct pci_addr *addr, int group,
			     const char *vf_token, int *devfd,
			     struct errbuf *eb)
{
	struct type1 *t = d->priv;
	struct type1_group *g;
	char bdf[PCI_ADDR_STRLEN], name[PCI_ADDR_STRLEN + 64];
	int fd, ret;

	pci_addr_format(addr, bdf);
	g = group_find(t, group);
	if (!g) {
		ret = type1_group_attach(d, t, group, bdf, eb);
		if (ret)
			return ret;
		g = group_find(t, group);
	}
	g->ndevs++;
	if (vf_token)
		snprintf(name, sizeof(name), "%s vf_token=%s", bdf, vf_token);
	else
		snprintf(name, sizeof(name), "%s", bdf);
	fd = ioctl(g->fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EACCES)
			errbuf_set(eb, ret, "%s refused: it is a VF whose PF is "
				   "bound to vfio-pci, and its owner's VF token "
				   "is needed (--device %s,vf_token=UUID)%s",
				   bdf, bdf, vf_token ? "; the token given is "
				   "wrong" : "");
		else if (ret == -EBUSY)
			errbuf_set(eb, ret, "%s is in use (VFIO device already "
				   "open)", bdf);
		else
			errbuf_set(eb, ret, "VFIO_GROUP_GET_DEVICE_FD %s: %s",
				   bdf, strerror(-ret));
		type1_group_put(t, g);
		return ret;
	}
	*devfd = fd;
	return 0;
}

static void type1_device_close(struct iommu_domain *d,
			       const struct pci_addr *addr, int devfd)
{
	struct type1 *t = d->priv;
	int group = -1;

	close(devfd);
	for (size_t i = 0; i < d->ndevs; i++)
		if (!pci_addr_cmp(&d->devs[i].addr, addr))
			group = d->devs[i].group;
	if (group >= 0 && group_find(t, group))
		type1_group_put(t, group_find(t, group));
}

static int type1_map(struct iommu_domain *d, uint64_t iova, uint64_t size,
		     void *hva, bool writable)
{
	struct type1 *t = d->priv;
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ |
			 (writable ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)hva,
		.iova = iova,
		.size = size,
	};

	return ioctl(t->container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

static int type1_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct type1 *t = d->priv;
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(t->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return unmap.size == size ? 0 : -EIO;
}

static void type1_close(struct iommu_domain *d)
{
	struct type1 *t = d->priv;

	if (!t)
		return;
	for (size_t i = 0; i < t->ngroups; i++) {
		ioctl(t->groups[i].fd, VFIO_GROUP_UNSET_CONTAINER);
		close(t->groups[i].fd);
	}
	free(t->groups);
	close(t->container);
	free(t);
	d->priv = NULL;
}

static int type1_group_fd(struct iommu_domain *d, int group)
{
	struct type1_group *g = group_find(d->priv, group);

	return g ? g->fd : -ENOENT;
}

const struct iommu_domain_ops iommu_type1_ops = {
	.name = "vfio-type1",
	.open = type1_open,
	.device_open = type1_device_open,
	.device_close = type1_device_close,
	.map = type1_map,
	.unmap = type1_unmap,
	.close = type1_close,
	.group_fd = type1_group_fd,
};
