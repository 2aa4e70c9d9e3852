// SPDX-License-Identifier: GPL-2.0-only
/* Turning what an operator types into a PCI address. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iopass/util.h"

#include "commands.h"

int cli_resolve_pci(const char *arg, struct pci_addr *addr)
{
	char rel[128], target[64];

	if (!pci_addr_parse(arg, addr))
		return 0;
	/* A network interface name: its PCI function through sysfs. */
	if (strlen(arg) < 16 && !strchr(arg, '/')) {
		snprintf(rel, sizeof(rel), "class/net/%s/device", arg);
		if (!sysfs_link_base(sysfs_default_root(), rel, target, sizeof(target)) &&
		    !pci_addr_parse(target, addr))
			return 0;
	}
	cli_error("'%s' is neither a PCI address (DDDD:BB:DD.F such as 0000:01:00.0) "
		  "nor a network interface of a PCI device", arg);
	return -EINVAL;
}

int cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EINVAL: case -EBUSY: case -ENODEV: case -ENOENT: case -EROFS: case -EEXIST:
	case -EACCES: case -EPERM: case -ENOSPC: case -EDQUOT: case -ENOTDIR:
		return EXIT_USAGE;
	default:
		return EXIT_FAIL;
	}
}
