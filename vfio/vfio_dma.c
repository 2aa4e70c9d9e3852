// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA mappings of guest RAM (vfio.h): the kernel VFIO implementation, an
 * IOMMU domain shared by the VM's kernel devices, and mapping all of a
 * VM's RAM through either implementation.
 */
#include <errno.h>
#include <stddef.h>

#include "vfio_impl.h"

static struct vfio_dma_domain *to_domain(struct vfio_dma *d)
{
	return (struct vfio_dma_domain *)((char *)d -
					  offsetof(struct vfio_dma_domain, dma));
}

/* The VMM's own mapping of the region; the kernel pins it. */
static int domain_map(struct vfio_dma *d, const struct vm_ram_region *r,
		      bool writable, struct errbuf *eb)
{
	if (!writable)
		return errbuf_set(eb, -EOPNOTSUPP, "read-only DMA mappings "
				  "are not supported through an IOMMU domain");
	return iommu_domain_map(to_domain(d)->dom, r->gpa, r->size, r->hva, eb);
}

static int domain_unmap(struct vfio_dma *d, uint64_t iova, uint64_t size)
{
	return iommu_domain_unmap(to_domain(d)->dom, iova, size);
}

static const struct vfio_dma_ops domain_ops = {
	.map = domain_map,
	.unmap = domain_unmap,
};

void vfio_dma_domain_init(struct vfio_dma_domain *d, struct iommu_domain *dom)
{
	d->dma.ops = &domain_ops;
	d->dom = dom;
}

int vfio_dma_map_ram(struct vfio_dma *d, struct vm *vm, struct errbuf *eb)
{
	struct vm_ram_region r[VM_RAM_REGIONS_MAX];
	int n = vm_ram_regions(vm, r, VM_RAM_REGIONS_MAX), ret;

	for (int i = 0; i < n; i++) {
		ret = d->ops->map(d, &r[i], true, eb);
		if (ret) {
			while (i-- > 0)
				d->ops->unmap(d, r[i].gpa, r[i].size);
			return ret;
		}
	}
	return 0;
}
