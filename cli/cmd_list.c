// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/iommu.h"
#include "iopass/sriov.h"

#include "commands.h"


static void list_usage(FILE *f)
{
	fprintf(f,
"usage: iopass list [--class CLASS] [--vfs] [--json]\n"
"\n"
"List every PCI function of this host: address, vendor:device, class,\n"
"bound driver, IOMMU group, NUMA node, SR-IOV VFs (current/total) and, for\n"
"a virtual function, its physical function; --json also the kernel's reset\n"
"methods (reset_method: \"flr\", \"pm bus\", ...; null when the function has\n"
"none, so nothing resets it between guests). Without an IOMMU the group\n"
"shows as 'none' and no device can be assigned to a VM.\n"
"\n"
"  --class CLASS  only functions of this PCI base class: storage, net,\n"
"                 display, multimedia, memory, bridge, comm, system,\n"
"                 serial-bus, accel, other\n"
"  --vfs          only SR-IOV physical functions and their virtual functions\n"
"  --json         a JSON array of objects, one per function\n"
"\n"
"Environment: IOPASS_SYSFS_ROOT reads another sysfs tree (tests).\n"
"Exit status: 0 listed, 1 sysfs unreadable, 2 bad arguments.\n");
}

static void print_row(const struct pci_func *f, int group, const struct pci_names *nm)
{
	char row[512];

	pci_func_row(f, group, nm, row, sizeof(row));
	puts(row);
}

static bool keep(const struct pci_func *f, int class_base, bool vfs_only)
{
	if (class_base >= 0 && (f->class >> 16) != (unsigned int)class_base)
		return false;
	if (vfs_only && !f->is_vf && f->sriov_total < 0)
		return false;
	return true;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "class", required_argument, NULL, 'c' },
		{ "vfs", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysfs = sysfs_default_root();
	bool json = false, vfs_only = false;
	struct pci_namedb *db;
	struct pci_func *funcs;
	json_object *arr = NULL;
	struct errbuf eb;
	int class_base = -1, opt;
	size_t n;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'v':
			vfs_only = true;
			break;
		case 'c':
			class_base = pool_class_from_name(optarg);
			if (class_base < 0) {
				cli_error("unknown class '%s'; see 'iopass list --help' for the class names",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			list_usage(stdout);
			return EXIT_OK;
		default:
			cli_error("bad arguments to 'list'; see 'iopass list --help'");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' to 'list'; see 'iopass list --help'",
			  argv[optind]);
		return EXIT_USAGE;
	}

	if (pci_func_scan(sysfs, &funcs, &n, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_FAIL;
	}
	db = pci_namedb_open();
	if (json)
		arr = json_object_new_array();
	else
		print_row(NULL, -1, NULL);
	for (size_t i = 0; i < n; i++) {
		struct pci_names nm;
		int group;

		if (!keep(&funcs[i], class_base, vfs_only))
			continue;
		group = iommu_group_of(sysfs, &funcs[i].addr);
		pci_namedb_lookup(db, &funcs[i], &nm);
		if (json)
			json_object_array_add(arr, pci_func_list_json(&funcs[i], group, &nm));
		else
			print_row(&funcs[i], group, &nm);
	}
	if (json)
		cli_print_json(arr);
	pci_namedb_close(db);
	free(funcs);
	return EXIT_OK;
}
