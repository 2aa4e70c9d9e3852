// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bus resets for devices that have no reset of their own (no FLR, no PM
 * reset, and a bus shared with other functions, so that the kernel offers
 * no "bus" method either). A secondary bus reset resets every function on
 * the bus, so VFIO only does it (VFIO_DEVICE_PCI_HOT_RESET) for a user who
 * owns every affected function: here, when the VM was given all of them.
 * QEMU's vfio does the same on a guest's bus reset; iopass does it at start,
 * so that no state of the device's last user reaches the guest, and at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "vfio_impl.h"

struct affected {
	struct pci_addr addr;
	int group;
};

/* What a hot reset of the device behind fd resets: -ENOTTY etc. when none. */
static int hot_reset_info(int fd, struct affected **out, size_t *n)
{
	struct vfio_pci_hot_reset_info *info;
	uint32_t count = 8;

	*out = NULL;
	*n = 0;
	for (;;) {
		size_t sz = sizeof(*info) + count * sizeof(info->devices[0]);

		info = calloc(1, sz);
		if (!info)
			return -ENOMEM;
		info->argsz = (uint32_t)sz;
		if (!ioctl(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info))
			break;
		if (errno != ENOSPC || info->count <= count) {
			int err = -errno;

			free(info);
			return err;
		}
		count = info->count;
		free(info);
	}
	*out = calloc(info->count ? info->count : 1, sizeof(**out));
	if (!*out) {
		free(info);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < info->count; i++) {
		const struct vfio_pci_dependent_device *d = &info->devices[i];

		(*out)[i].addr = (struct pci_addr){ d->segment, d->bus, d->devfn >> 3,
						    d->devfn & 7 };
		(*out)[i].group = (int)d->group_id;
	}
	*n = info->count;
	free(info);
	return 0;
}

static struct vfio_pci *find(struct vfio_pci **devs, size_t n, const struct pci_addr *a)
{
	for (size_t i = 0; i < n; i++) {
		struct pci_addr b;

		if (vfio_kernel_fd(devs[i]->t) >= 0 && !pci_addr_parse(devs[i]->t->name, &b) &&
		    !pci_addr_cmp(a, &b))
			return devs[i];
	}
	return NULL;
}

/* The reset itself, with the fd of every affected group. */
static int hot_reset(int fd, const struct affected *aff, size_t naff,
		     struct iommu_domain *dom)
{
	struct vfio_pci_hot_reset *r;
	size_t ngroups = 0;
	int ret = 0;

	r = calloc(1, sizeof(*r) + naff * sizeof(r->group_fds[0]));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < naff; i++) {
		bool seen = false;
		int gfd;

		for (size_t k = 0; k < i; k++)
			seen |= aff[k].group == aff[i].group;
		if (seen)
			continue;
		gfd = iommu_domain_group_fd(dom, aff[i].group);
		if (gfd < 0) {
			free(r);
			return gfd;
		}
		r->group_fds[ngroups++] = gfd;
	}
	r->argsz = (uint32_t)(sizeof(*r) + ngroups * sizeof(r->group_fds[0]));
	r->count = (uint32_t)ngroups;
	if (ioctl(fd, VFIO_DEVICE_PCI_HOT_RESET, r))
		ret = -errno;
	free(r);
	return ret;
}

static void list_addrs(const struct affected *aff, size_t n, const struct pci_addr *skip,
		       bool only_missing, struct vfio_pci **devs, size_t ndevs,
		       char *buf, size_t len)
{
	size_t k = strlen(buf);

	for (size_t i = 0; i < n && k < len; i++) {
		char bdf[PCI_ADDR_STRLEN];

		if (!pci_addr_cmp(&aff[i].addr, skip) ||
		    (only_missing && find(devs, ndevs, &aff[i].addr)))
			continue;
		pci_addr_format(&aff[i].addr, bdf);
		k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? ", " : "", bdf);
	}
}

int vfio_bus_reset_plan(struct vfio_pci **devs, size_t n, struct iommu_domain *dom,
			struct errbuf *eb)
{
	for (size_t i = 0; i < n; i++) {
		struct vfio_pci *vp = devs[i];
		int fd = vfio_kernel_fd(vp->t), ret;
		struct affected *aff;
		struct pci_addr self;
		size_t naff, missing = 0;
		char others[160] = "";

		if (fd < 0 || (vp->dev_flags & VFIO_DEVICE_FLAGS_RESET) || vp->bus_reset ||
		    pci_addr_parse(vp->t->name, &self))
			continue;
		ret = hot_reset_info(fd, &aff, &naff);
		if (ret) {
			snprintf(vp->reset_note, sizeof(vp->reset_note),
				 "not possible: no reset method, and no bus reset (%s: on a "
				 "root bus, or a bus the kernel cannot reset)", strerror(-ret));
			continue;
		}
		for (size_t k = 0; k < naff; k++)
			missing += !find(devs, n, &aff[k].addr);
		if (missing) {
			list_addrs(aff, naff, &self, true, devs, n, others, sizeof(others));
			snprintf(vp->reset_note, sizeof(vp->reset_note),
				 "not possible yet: no reset method; a bus reset needs the VM "
				 "to have every function on its bus (add --device %s)", others);
			free(aff);
			continue;
		}
		/* The VM owns the whole bus: reset it now, before the guest runs. */
		ret = hot_reset(fd, aff, naff, dom);
		if (ret) {
			errbuf_set(eb, -ENODEV, "%s: bus reset failed (%s): it may still hold "
				   "its last user's state, so it is not given to the guest",
				   vp->t->name, strerror(-ret));
			free(aff);
			return -ENODEV;
		}
		for (size_t k = 0; k < naff; k++) {
			struct vfio_pci *o = find(devs, n, &aff[k].addr);
			char with[160] = "";

			list_addrs(aff, naff, &aff[k].addr, false, devs, n, with, sizeof(with));
			o->bus_reset = true;
			snprintf(o->reset_note, sizeof(o->reset_note),
				 "by a bus reset at start and exit%s%s", with[0] ? ", with " : "",
				 with);
		}
		free(aff);
	}
	return 0;
}

int vfio_bus_reset_exit(struct vfio_pci **devs, size_t n, struct iommu_domain *dom,
			struct errbuf *eb)
{
	bool *done = calloc(n ? n : 1, sizeof(*done));
	int first = 0;

	if (!done)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct affected *aff;
		size_t naff;
		int fd = vfio_kernel_fd(devs[i]->t), ret;

		if (!devs[i]->bus_reset || done[i] || fd < 0)
			continue;
		ret = hot_reset_info(fd, &aff, &naff);
		if (!ret) {
			ret = hot_reset(fd, aff, naff, dom);
			for (size_t k = 0; k < naff; k++)
				for (size_t j = 0; j < n; j++) {
					struct pci_addr b;

					if (!pci_addr_parse(devs[j]->t->name, &b) &&
					    !pci_addr_cmp(&b, &aff[k].addr))
						done[j] = true;
				}
			free(aff);
		}
		if (ret && !first) {
			first = ret;
			errbuf_set(eb, ret, "%s: bus reset at exit failed (%s): it may still "
				   "hold the guest's data; reset it on the host (echo 1 > "
				   "/sys/bus/pci/devices/BDF/reset of its bridge's bus, or "
				   "unbind and bind it to vfio-pci again) before anyone else "
				   "uses it", devs[i]->t->name, strerror(-ret));
		}
	}
	free(done);
	return first;
}
