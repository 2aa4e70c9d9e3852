// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/iommu.h"

#include "dirlist.h"

bool iommu_present(const char *sysfs)
{
	char path[4096];
	struct dirent *de;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups", sysfs);
	d = opendir(path);
	if (!d)
		return false;
	while (!any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	closedir(d);
	return any;
}

int iommu_group_of(const char *sysfs, const struct pci_addr *addr)
{
	char bdf[PCI_ADDR_STRLEN], rel[128], name[32], *end;
	long group;
	int ret;

	pci_addr_format(addr, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/iommu_group", bdf);
	ret = sysfs_link_base(sysfs, rel, name, sizeof(name));
	if (ret)
		return -ENOENT;
	errno = 0;
	group = strtol(name, &end, 10);
	if (errno || *end || group < 0 || group > 0x7fffffff)
		return -EINVAL;
	return (int)group;
}

int dirlist_collect(const char *path, size_t elem_size, dirlist_parse_fn parse,
		    int (*cmp)(const void *, const void *), void **out,
		    size_t *n)
{
	size_t count = 0, cap = 0;
	char *list = NULL, *grown;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(list, cap * elem_size);
			if (!grown) {
				free(list);
				closedir(d);
				return -ENOMEM;
			}
			list = grown;
		}
		if (parse(de->d_name, list + count * elem_size))
			count++;
	}
	closedir(d);
	if (!count) {
		free(list);
		list = NULL;
	} else {
		qsort(list, count, elem_size, cmp);
	}
	*out = list;
	*n = count;
	return 0;
}

static bool addr_parse(const char *name, void *elem)
{
	return !pci_addr_parse(name, elem);
}

static int addr_qsort_cmp(const void *a, const void *b)
{
	return pci_addr_cmp(a, b);
}

int iommu_group_devices(const char *sysfs, int group, struct pci_addr **devs,
			size_t *n)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices", sysfs,
		 group);
	return dirlist_collect(path, sizeof(**devs), addr_parse,
			       addr_qsort_cmp, (void **)devs, n);
}
