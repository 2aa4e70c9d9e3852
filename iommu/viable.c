// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/iommu.h"

#include "dirlist.h"

#define PCI_CLASS_BRIDGE_PCI	0x0604

static bool member_ok(const struct iommu_group_member *m)
{
	return !m->driver[0] || !strcmp(m->driver, "vfio-pci") ||
	       (m->class >> 8) == PCI_CLASS_BRIDGE_PCI;
}

static void fill_member(const char *sysfs, struct iommu_group_member *m)
{
	char rel[128];
	uint64_t class = 0;

	pci_addr_format(&m->addr, m->bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", m->bdf);
	if (sysfs_link_base(sysfs, rel, m->driver, sizeof(m->driver)))
		m->driver[0] = '\0';
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/class", m->bdf);
	if (!sysfs_read_u64(sysfs, rel, 16, &class))
		m->class = (uint32_t)class;
	m->ok = member_ok(m);
}

int iommu_group_check(const char *sysfs, int group, struct iommu_group_info *info,
		      struct errbuf *eb)
{
	struct pci_addr *devs;
	size_t n, len = 0;
	char list[768] = "";
	int ret;

	memset(info, 0, sizeof(*info));
	info->id = group;
	ret = iommu_group_devices(sysfs, group, &devs, &n);
	if (ret)
		return errbuf_set(eb, ret, "IOMMU group %d does not exist on this host",
				  group);
	info->members = calloc(n ? n : 1, sizeof(*info->members));
	if (!info->members) {
		free(devs);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	info->n = n;
	info->viable = true;
	for (size_t i = 0; i < n; i++) {
		struct iommu_group_member *m = &info->members[i];

		m->addr = devs[i];
		fill_member(sysfs, m);
		if (m->ok)
			continue;
		info->viable = false;
		if (len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s (driver %s)", len ? ", " : "",
						m->bdf, m->driver);
	}
	free(devs);
	if (info->viable)
		return 0;
	return errbuf_set(eb, -EBUSY,
			  "IOMMU group %d is not viable: %s still on a host driver; "
			  "a group is assigned whole: bind every member to vfio-pci "
			  "('iopass bind BDF') or unbind it first",
			  group, list);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static bool group_id_parse(const char *name, void *elem)
{
	char *end;
	long v;

	if (name[0] < '0' || name[0] > '9')
		return false;
	v = strtol(name, &end, 10);
	if (*end || v < 0 || v > 0x7fffffff)
		return false;
	*(int *)elem = (int)v;
	return true;
}

int iommu_group_list(const char *sysfs, int **ids, size_t *n)
{
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups", sysfs);
	ret = dirlist_collect(path, sizeof(**ids), group_id_parse, int_cmp,
			      (void **)ids, n);
	return ret == -ENOENT ? 0 : ret;	/* no IOMMU: no groups */
}

json_object *iommu_group_json(const struct iommu_group_info *g)
{
	json_object *o = json_object_new_object(), *devs = json_object_new_array();
	char cls[16];

	json_object_object_add(o, "group", json_object_new_int(g->id));
	json_object_object_add(o, "viable", json_object_new_boolean(g->viable));
	for (size_t i = 0; i < g->n; i++) {
		const struct iommu_group_member *m = &g->members[i];
		json_object *d = json_object_new_object();

		snprintf(cls, sizeof(cls), "%06x", m->class);
		json_object_object_add(d, "bdf", json_object_new_string(m->bdf));
		json_object_object_add(d, "driver", m->driver[0] ?
				       json_object_new_string(m->driver) : NULL);
		json_object_object_add(d, "class", json_object_new_string(cls));
		json_object_object_add(d, "ok", json_object_new_boolean(m->ok));
		json_object_array_add(devs, d);
	}
	json_object_object_add(o, "devices", devs);
	return o;
}
