// SPDX-License-Identifier: GPL-2.0-only
/* Turning what an operator types into a PCI address. */
#include <errno.h>

#include "iopass/sriov.h"

#include "commands.h"

int cli_resolve_pci(const char *arg, struct pci_addr *addr)
{
	struct errbuf eb;
	int ret = pci_func_resolve(sysfs_default_root(), arg, addr, &eb);

	if (ret)
		cli_error("%s", eb.msg);
	return ret;
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

bool cli_repeated(int argc, char **argv, const char *const names[])
{
	const char *dup = opt_repeated(argc, argv, names);

	if (dup)
		cli_error("--%s is given more than once: give it once", dup);
	return dup;
}
