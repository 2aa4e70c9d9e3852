// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/iommu.h"

#include "commands.h"

static void groups_usage(FILE *f)
{
	fprintf(f,
"usage: iopass groups [--json]\n"
"\n"
"List every IOMMU group with its PCI functions and their drivers, and whether\n"
"the group is viable for assignment to a VM. A group is assigned whole: it is\n"
"viable only when every member is bound to vfio-pci, has no driver, or is a\n"
"PCI bridge. A member that blocks assignment is marked; 'iopass bind BDF'\n"
"moves it to vfio-pci.\n"
"\n"
"  --json   a JSON array: {group, viable, devices: [{bdf, driver, class, ok}]}\n"
"\n"
"Exit status: 0 listed (also when there is no IOMMU: nothing to list, and a\n"
"note on stderr), 1 sysfs unreadable, 2 bad arguments.\n");
}

static void print_group(const struct iommu_group_info *g)
{
	printf("group %d: %s\n", g->id, g->viable ? "viable" : "NOT viable");
	for (size_t i = 0; i < g->n; i++) {
		const struct iommu_group_member *m = &g->members[i];

		printf("  %s  class %06x  %-14s%s\n", m->bdf, m->class,
		       m->driver[0] ? m->driver : "(no driver)",
		       m->ok ? "" : "  <- on a host driver: blocks assignment");
	}
}

int cmd_groups(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysfs = sysfs_default_root();
	json_object *arr = NULL;
	bool json = false;
	size_t n;
	int *ids, opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'j') {
			json = true;
		} else if (opt == 'h') {
			groups_usage(stdout);
			return EXIT_OK;
		} else {
			cli_error("bad arguments to 'groups'; see 'iopass groups --help'");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' to 'groups'", argv[optind]);
		return EXIT_USAGE;
	}
	ret = iommu_group_list(sysfs, &ids, &n);
	if (ret) {
		cli_error("cannot read %s/kernel/iommu_groups: %s", sysfs,
			  strerror(-ret));
		return EXIT_FAIL;
	}
	if (!n && !json)
		fprintf(stderr, "iopass: no IOMMU groups: this host has no enabled IOMMU "
			"(enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on "
			"or amd_iommu=on)\n");
	if (json)
		arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct iommu_group_info g;

		ret = iommu_group_check(sysfs, ids[i], &g, NULL);
		if (ret && ret != -EBUSY) {
			free(g.members);
			continue;	/* the group went away while we listed */
		}
		if (json)
			json_object_array_add(arr, iommu_group_json(&g));
		else
			print_group(&g);
		free(g.members);
	}
	if (json)
		cli_print_json(arr);
	free(ids);
	return EXIT_OK;
}
