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

static json_object *func_to_json(const struct pci_func *f, int group,
				 const struct pci_names *nm)
{
	json_object *o = pci_func_json(f);

	json_object_object_add(o, "class_name", json_object_new_string(nm->class));
	json_object_object_add(o, "vendor_name", json_object_new_string(nm->vendor));
	json_object_object_add(o, "device_name", json_object_new_string(nm->device));
	json_object_object_add(o, "iommu_group", group < 0 ? NULL :
			       json_object_new_int(group));
	json_object_object_add(o, "reset_method", f->reset_method[0] ?
			       json_object_new_string(f->reset_method) : NULL);
	return o;
}

static void print_text_row(const struct pci_func *f, int group,
			   const struct pci_names *nm)
{
	char grp[16] = "none", numa[16] = "-", vfs[32] = "-", pf[16] = "-";

	if (group >= 0)
		snprintf(grp, sizeof(grp), "%d", group);
	if (f->numa_node >= 0)
		snprintf(numa, sizeof(numa), "%d", f->numa_node);
	if (f->sriov_total >= 0)
		snprintf(vfs, sizeof(vfs), "%d/%d", f->sriov_num, f->sriov_total);
	if (f->is_vf)
		pci_addr_format(&f->pf, pf);
	printf("%-12s %04x:%04x %06x %-12s %-5s %-4s %-6s %-12s %s: %s\n",
	       f->bdf, f->vendor, f->device, f->class,
	       f->driver[0] ? f->driver : "-", grp, numa, vfs, pf, nm->vendor,
	       nm->device);
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
		printf("%-12s %-9s %-6s %-12s %-5s %-4s %-6s %-12s %s\n", "BDF",
		       "VEN:DEV", "CLASS", "DRIVER", "GROUP", "NUMA", "VFS",
		       "PF", "NAME");
	for (size_t i = 0; i < n; i++) {
		struct pci_names nm;
		int group;

		if (!keep(&funcs[i], class_base, vfs_only))
			continue;
		group = iommu_group_of(sysfs, &funcs[i].addr);
		pci_namedb_lookup(db, &funcs[i], &nm);
		if (json)
			json_object_array_add(arr, func_to_json(&funcs[i], group, &nm));
		else
			print_text_row(&funcs[i], group, &nm);
	}
	if (json) {
		cli_print_json(arr);
	}
	pci_namedb_close(db);
	free(funcs);
	return EXIT_OK;
}
