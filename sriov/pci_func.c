// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/sriov.h"

static int read_id(const char *sysfs, const char *bdf, const char *attr,
		   uint64_t max, uint64_t *val)
{
	char rel[128];
	int ret;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/%s", bdf, attr);
	ret = sysfs_read_u64(sysfs, rel, 16, val);
	if (!ret && *val > max)
		ret = -ERANGE;
	return ret;
}

static int read_int_attr(const char *sysfs, const char *bdf, const char *attr,
			 int def)
{
	char rel[128];
	int64_t v;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/%s", bdf, attr);
	if (sysfs_read_s64(sysfs, rel, &v) || v < -1 || v > 0xffff)
		return def;
	return (int)v;
}

/* A VF's index is the N of the PF's virtfnN link that points back at it. */
static int find_vf_index(const char *sysfs, const struct pci_func *f)
{
	char pf[PCI_ADDR_STRLEN], rel[128], target[64];

	pci_addr_format(&f->pf, pf);
	for (int i = 0; i < 0x10000; i++) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/virtfn%d", pf, i);
		if (sysfs_link_base(sysfs, rel, target, sizeof(target)))
			return -1;
		if (!strcmp(target, f->bdf))
			return i;
	}
	return -1;
}

int pci_func_read(const char *sysfs, const struct pci_addr *addr,
		  struct pci_func *f, struct errbuf *eb)
{
	static const char *const ids[] = { "vendor", "device", "class" };
	uint64_t val[3], sv = 0, sd = 0;
	char rel[128], link[64];
	int ret;

	memset(f, 0, sizeof(*f));
	f->addr = *addr;
	pci_addr_format(addr, f->bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", f->bdf);
	if (!sysfs_exists(sysfs, rel))
		return errbuf_set(eb, -ENODEV,
				  "no PCI function %s on this host ('iopass list' shows them)",
				  f->bdf);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		ret = read_id(sysfs, f->bdf, ids[i], i == 2 ? 0xffffff : 0xffff,
			      &val[i]);
		if (ret)
			return errbuf_set(eb, ret,
					  "cannot read %s/%s/%s: %s", sysfs, rel,
					  ids[i], strerror(-ret));
	}
	f->vendor = (uint16_t)val[0];
	f->device = (uint16_t)val[1];
	f->class = (uint32_t)val[2];
	if (!read_id(sysfs, f->bdf, "subsystem_vendor", 0xffff, &sv))
		f->subsys_vendor = (uint16_t)sv;
	if (!read_id(sysfs, f->bdf, "subsystem_device", 0xffff, &sd))
		f->subsys_device = (uint16_t)sd;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", f->bdf);
	if (sysfs_link_base(sysfs, rel, f->driver, sizeof(f->driver)))
		f->driver[0] = '\0';
	f->numa_node = read_int_attr(sysfs, f->bdf, "numa_node", -1);
	pci_func_reset_method(sysfs, f->bdf, f->reset_method, sizeof(f->reset_method));
	f->sriov_total = read_int_attr(sysfs, f->bdf, "sriov_totalvfs", -1);
	f->sriov_num = f->sriov_total >= 0 ?
		read_int_attr(sysfs, f->bdf, "sriov_numvfs", 0) : 0;

	f->vf_index = -1;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/physfn", f->bdf);
	if (!sysfs_link_base(sysfs, rel, link, sizeof(link)) &&
	    !pci_addr_parse(link, &f->pf)) {
		f->is_vf = true;
		f->vf_index = find_vf_index(sysfs, f);
	}
	return 0;
}

static int func_cmp(const void *a, const void *b)
{
	const struct pci_func *fa = a, *fb = b;

	return pci_addr_cmp(&fa->addr, &fb->addr);
}

int pci_func_scan(const char *sysfs, struct pci_func **funcs, size_t *n,
		  struct errbuf *eb)
{
	struct pci_func *list = NULL, *grown;
	size_t count = 0, cap = 0;
	struct pci_addr addr;
	struct dirent *de;
	char path[4096];
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", sysfs);
	d = opendir(path);
	if (!d) {
		ret = -errno;
		return errbuf_set(eb, ret,
				  "cannot read %s: %s (is sysfs mounted?)", path,
				  strerror(-ret));
	}
	while ((de = readdir(d))) {
		if (pci_addr_parse(de->d_name, &addr))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 32;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				ret = errbuf_set(eb, -ENOMEM, "out of memory");
				goto err_free;
			}
			list = grown;
		}
		ret = pci_func_read(sysfs, &addr, &list[count], eb);
		if (ret)
			goto err_free;
		count++;
	}
	closedir(d);
	if (count)
		qsort(list, count, sizeof(*list), func_cmp);
	*funcs = list;
	*n = count;
	return 0;

err_free:
	closedir(d);
	free(list);
	return ret;
}

int pci_func_resolve(const char *sysfs, const char *arg, struct pci_addr *addr,
		     struct errbuf *eb)
{
	char rel[128], target[64];

	if (!pci_addr_parse(arg, addr))
		return 0;
	/* A network interface name: its PCI function through sysfs. */
	if (strlen(arg) < 16 && !strchr(arg, '/')) {
		snprintf(rel, sizeof(rel), "class/net/%s/device", arg);
		if (!sysfs_link_base(sysfs, rel, target, sizeof(target)) &&
		    !pci_addr_parse(target, addr))
			return 0;
	}
	return errbuf_set(eb, -EINVAL, "'%s' is neither a PCI address (DDDD:BB:DD.F such as "
			  "0000:01:00.0) nor a network interface of a PCI device", arg);
}
