// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel VFIO transport: a device fd from the DMA domain and the
 * VFIO_DEVICE_* ioctls on it. Regions are reached with pread/pwrite at the
 * region's offset in the fd (and mmap where the region allows it).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_impl.h"

struct vfio_kernel {
	struct vfio_transport t;
	struct iommu_domain *dom;
	struct pci_addr addr;
	int fd;
	/* Region offsets in fd, learnt from region_info. */
	uint64_t offset[VFIO_PCI_NUM_REGIONS];
	bool known[VFIO_PCI_NUM_REGIONS];
};

static struct vfio_kernel *to_kernel(struct vfio_transport *t)
{
	return (struct vfio_kernel *)t;
}

static int vk_device_info(struct vfio_transport *t, uint32_t *flags,
			  uint32_t *nregions, uint32_t *nirqs)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(to_kernel(t)->fd, VFIO_DEVICE_GET_INFO, &info))
		return -errno;
	*flags = info.flags;
	*nregions = info.num_regions;
	*nirqs = info.num_irqs;
	return 0;
}

int vfio_region_info_parse(const void *buf, size_t len, struct vfio_region *r,
			   uint64_t *fd_offset)
{
	const struct vfio_region_info *info = buf;
	const struct vfio_region_info_cap_sparse_mmap *sp = NULL;
	size_t room;
	uint32_t nr;

	if (len < sizeof(*info) || info->argsz > len)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->index = info->index;
	r->flags = info->flags & (VFIO_REGION_INFO_FLAG_READ |
				  VFIO_REGION_INFO_FLAG_WRITE |
				  VFIO_REGION_INFO_FLAG_MMAP);
	r->size = info->size;
	r->mmap_fd = -1;
	*fd_offset = info->offset;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	r->mmap_offset = info->offset;
	if ((info->flags & VFIO_REGION_INFO_FLAG_CAPS) &&
	    info->argsz > sizeof(*info))
		sp = vfio_info_cap_find(buf, info->argsz, info->cap_offset,
					    VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	if (!sp)
		return 0;
	room = info->argsz - ((const char *)sp - (const char *)buf);
	if (room < sizeof(*sp))
		return -EINVAL;
	/* memcpy: the kernel aligns caps to 8, a bad reply may not. */
	memcpy(&nr, (const char *)sp + offsetof(typeof(*sp), nr_areas),
	       sizeof(nr));
	if (nr > (room - sizeof(*sp)) / sizeof(sp->areas[0]))
		return -EINVAL;
	for (uint32_t i = 0; i < nr; i++) {
		struct vfio_region_sparse_mmap_area a;
		uint64_t off, size;

		memcpy(&a, (const char *)sp + offsetof(typeof(*sp), areas) +
		       i * sizeof(a), sizeof(a));
		off = a.offset;
		size = a.size;
		/* Empty or out-of-region areas are dropped, not trusted. */
		if (!size || off >= r->size || size > r->size - off)
			continue;
		if (r->nareas == VFIO_SPARSE_MAX)
			break;	/* the rest stays trapped: slower, still right */
		r->areas[r->nareas].off = off;
		r->areas[r->nareas].size = size;
		r->nareas++;
	}
	/* Sparse with no usable area: nothing may be mmap'd. */
	if (!r->nareas)
		r->flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
	return 0;
}

static int vk_region_info(struct vfio_transport *t, uint32_t index,
			  struct vfio_region *r)
{
	struct vfio_kernel *k = to_kernel(t);
	struct vfio_region_info *info;
	size_t argsz = sizeof(*info);
	uint64_t off;
	int ret;

	for (int tries = 0; tries < 3; tries++) {
		info = calloc(1, argsz);
		if (!info)
			return -ENOMEM;
		info->argsz = argsz;
		info->index = index;
		if (ioctl(k->fd, VFIO_DEVICE_GET_REGION_INFO, info)) {
			ret = -errno;
			free(info);
			return ret;
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = NULL;
	}
	if (!info)
		return -EIO;
	ret = vfio_region_info_parse(info, argsz, r, &off);
	free(info);
	if (ret)
		return ret;
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP)
		r->mmap_fd = k->fd;
	if (index < VFIO_PCI_NUM_REGIONS) {
		k->offset[index] = off;
		k->known[index] = true;
	}
	return 0;
}

static int vk_region_off(struct vfio_kernel *k, uint32_t index,
			 uint64_t *off)
{
	struct vfio_region r;
	int ret;

	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if (!k->known[index]) {
		ret = vk_region_info(&k->t, index, &r);
		if (ret)
			return ret;
	}
	*off = k->offset[index];
	return 0;
}

/* pread/pwrite at the region's offset in the device fd; never short. */
static int vk_region_rw(struct vfio_transport *t, uint32_t index,
			uint64_t off, void *buf, size_t len, bool is_write)
{
	struct vfio_kernel *k = to_kernel(t);
	uint64_t base;
	ssize_t n;
	int ret;

	ret = vk_region_off(k, index, &base);
	if (ret)
		return ret;
	n = is_write ? pwrite(k->fd, buf, len, base + off)
		     : pread(k->fd, buf, len, base + off);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int vk_region_read(struct vfio_transport *t, uint32_t index,
			  uint64_t off, void *buf, size_t len)
{
	return vk_region_rw(t, index, off, buf, len, false);
}

static int vk_region_write(struct vfio_transport *t, uint32_t index,
			   uint64_t off, const void *buf, size_t len)
{
	/* pwrite does not write through buf: the cast drops nothing real. */
	return vk_region_rw(t, index, off, (void *)buf, len, true);
}

static int vk_irq_info(struct vfio_transport *t, uint32_t index,
		       struct vfio_irq *irq)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(to_kernel(t)->fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return -errno;
	irq->index = index;
	irq->count = info.count;
	irq->flags = info.flags;
	return 0;
}

static int vk_set_irqs(struct vfio_transport *t, uint32_t index,
		       uint32_t start, uint32_t count, uint32_t flags,
		       const int32_t *fds)
{
	size_t data = (flags & VFIO_IRQ_SET_DATA_EVENTFD) && fds ?
		      count * sizeof(int32_t) : 0;
	struct vfio_irq_set *set;
	int ret = 0;

	set = calloc(1, sizeof(*set) + data);
	if (!set)
		return -ENOMEM;
	set->argsz = sizeof(*set) + data;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data)
		memcpy(set->data, fds, data);
	if (ioctl(to_kernel(t)->fd, VFIO_DEVICE_SET_IRQS, set))
		ret = -errno;
	free(set);
	return ret;
}

static int vk_reset(struct vfio_transport *t)
{
	return ioctl(to_kernel(t)->fd, VFIO_DEVICE_RESET) ? -errno : 0;
}

static void vk_close(struct vfio_transport *t)
{
	struct vfio_kernel *k = to_kernel(t);

	iommu_domain_device_close(k->dom, &k->addr, k->fd);
	free(k);
}

static const struct vfio_transport_ops vfio_kernel_ops;

int vfio_kernel_fd(struct vfio_transport *t)
{
	return t->ops == &vfio_kernel_ops ? to_kernel(t)->fd : -1;
}

static const struct vfio_transport_ops vfio_kernel_ops = {
	.name = "vfio",
	.device_info = vk_device_info,
	.region_info = vk_region_info,
	.region_read = vk_region_read,
	.region_write = vk_region_write,
	.irq_info = vk_irq_info,
	.set_irqs = vk_set_irqs,
	.reset = vk_reset,
	.close = vk_close,
};

int vfio_kernel_open(struct iommu_domain *dom, const struct pci_addr *addr,
		     const char *vf_token, struct vfio_transport **out,
		     struct errbuf *eb)
{
	struct vfio_kernel *k;
	int ret;

	k = calloc(1, sizeof(*k));
	if (!k)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	ret = iommu_domain_device_open(dom, addr, vf_token, &k->fd, eb);
	if (ret) {
		free(k);
		return ret;
	}
	k->t.ops = &vfio_kernel_ops;
	pci_addr_format(addr, k->t.name);
	k->dom = dom;
	k->addr = *addr;
	*out = &k->t;
	return 0;
}
