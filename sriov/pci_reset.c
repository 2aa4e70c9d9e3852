// SPDX-License-Identifier: GPL-2.0-only
/*
 * How a PCI function can be reset, as sysfs tells: the kernel's methods
 * (reset_method, 5.15+: "flr", "pm", "bus", ...; older kernels only have a
 * "reset" file when some method exists), and what a bus reset would take:
 * a bridge above the function (none on a root bus) and every other
 * function on its bus, since a bus reset resets them all.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/sriov.h"

void pci_func_reset_method(const char *sysfs, const char *bdf, char *buf, size_t len)
{
	char rel[128];

	buf[0] = '\0';
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/reset_method", bdf);
	if (!sysfs_read_str(sysfs, rel, buf, len))
		return;
	buf[0] = '\0';
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/reset", bdf);
	if (sysfs_exists(sysfs, rel))
		snprintf(buf, len, "reset");
}

bool pci_func_on_root_bus(const char *sysfs, const char *bdf)
{
	char path[PATH_MAX], real[PATH_MAX], *slash, *parent;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", sysfs, bdf);
	if (!realpath(path, real))
		return true;
	slash = strrchr(real, '/');
	if (!slash)
		return true;
	*slash = '\0';
	parent = strrchr(real, '/');
	/* devices/pci0000:00/BDF: the parent is the host bridge's root. */
	return !parent || !strncmp(parent + 1, "pci", 3);
}

int pci_bus_siblings(const char *sysfs, const struct pci_addr *addr,
		     struct pci_addr **out, size_t *n, struct errbuf *eb)
{
	struct pci_func *f;
	size_t nf, k = 0;
	int ret;

	*out = NULL;
	*n = 0;
	ret = pci_func_scan(sysfs, &f, &nf, eb);
	if (ret)
		return ret;
	*out = calloc(nf ? nf : 1, sizeof(**out));
	if (!*out) {
		free(f);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < nf; i++)
		if (f[i].addr.domain == addr->domain && f[i].addr.bus == addr->bus &&
		    pci_addr_cmp(&f[i].addr, addr))
			(*out)[k++] = f[i].addr;
	*n = k;
	free(f);
	return 0;
}
