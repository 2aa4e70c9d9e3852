// SPDX-License-Identifier: GPL-2.0-only
/* iopass bind | unbind | restore: moving one PCI function between drivers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/state.h"
#include "iopass/sriov.h"

#include "commands.h"

enum bind_cmd { CMD_BIND, CMD_UNBIND, CMD_RESTORE };

static const char *const usages[] = {
	[CMD_BIND] =
"usage: iopass bind BDF [--driver DRIVER] [--force] [--dry-run] [--json]\n"
"\n"
"Bind the PCI function BDF to DRIVER (default vfio-pci, loaded if needed)\n"
"through driver_override, unbind and drivers_probe. The original driver is\n"
"recorded the first time iopass moves a function, so 'iopass restore BDF'\n"
"can give it back. If the function does not land on DRIVER it is rolled back\n"
"to the driver it had.\n"
"\n"
"Refused unless --force: a function whose network interface is up with\n"
"addresses or routes, whose block devices are mounted, swapped on or held by\n"
"LVM/RAID, or whose IOMMU group siblings are in use.\n",
	[CMD_UNBIND] =
"usage: iopass unbind BDF [--force] [--dry-run] [--json]\n"
"\n"
"Detach the PCI function BDF from its driver, leaving it without one. The\n"
"same safety checks as 'iopass bind'; 'iopass restore BDF' undoes it.\n",
	[CMD_RESTORE] =
"usage: iopass restore BDF [--dry-run] [--json]\n"
"\n"
"Give the PCI function BDF back to the driver it had before iopass first\n"
"moved it (or leave it without a driver if it had none), clear its\n"
"driver_override and forget the record.\n",
};

static const char common_opts[] =
"\n"
"  --dry-run   print what would be done; change nothing\n"
"  --json      print the result as a JSON object\n"
"\n"
"Environment: IOPASS_STATE_DIR (default /run/iopass) holds the records.\n"
"Exit status: 0 done, 1 the kernel refused or the device did not move (it is\n"
"left where it was), 2 bad arguments or refused for safety.\n";

static void print_step(void *opaque, const char *what)
{
	json_object *steps = opaque;

	if (steps)
		json_object_array_add(steps, json_object_new_string(what));
	else
		printf("%s\n", what);
}

static int run(enum bind_cmd which, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bind_ctx ctx = {
		.sysfs = sysfs_default_root(),
		.procfs = procfs_default_root(),
		.state = state_default_dir(),
		.step = print_step,
	};
	const char *driver = "vfio-pci", *name = argv[0];
	json_object *steps = NULL;
	struct pci_addr addr;
	struct errbuf eb;
	bool json = false;
	int opt, ret;

	if (cli_repeated(argc, argv, (const char *const[]){ "driver", NULL }))
		return EXIT_USAGE;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (which != CMD_BIND)
				goto bad;
			driver = optarg;
			break;
		case 'f':
			if (which == CMD_RESTORE)
				goto bad;
			ctx.flags |= BIND_FORCE;
			break;
		case 'n':
			ctx.flags |= BIND_DRY_RUN;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usages[which], stdout);
			fputs(common_opts, stdout);
			return EXIT_OK;
		default:
			goto bad;
		}
	}
	if (optind + 1 != argc) {
		cli_error("'%s' takes exactly one PCI address (BDF such as 0000:01:00.0); see 'iopass %s --help'",
			  name, name);
		return EXIT_USAGE;
	}
	if (pci_addr_parse(argv[optind], &addr)) {
		cli_error("'%s' is not a PCI address: expected DDDD:BB:DD.F such as 0000:01:00.0",
			  argv[optind]);
		return EXIT_USAGE;
	}
	if (!str_name_valid(driver, 63)) {
		cli_error("'%s' is not a driver name (letters, digits, '_', '-'): check --driver", driver);
		return EXIT_USAGE;
	}
	if (json) {
		steps = json_object_new_array();
		ctx.opaque = steps;
	}
	if (which == CMD_BIND)
		ret = pci_driver_bind(&ctx, &addr, driver, &eb);
	else if (which == CMD_UNBIND)
		ret = pci_driver_unbind(&ctx, &addr, &eb);
	else
		ret = pci_driver_restore(&ctx, &addr, &eb);
	if (json)
		cli_print_json(bind_result_json(&addr, ctx.flags & BIND_DRY_RUN, steps,
						ret ? eb.msg : NULL));
	if (!ret)
		return EXIT_OK;
	cli_error("%s", eb.msg);
	return cli_exit_code(ret);

bad:
	cli_error("bad arguments to '%s'; see 'iopass %s --help'", name, name);
	return EXIT_USAGE;
}

int cmd_bind(int argc, char **argv)
{
	return run(CMD_BIND, argc, argv);
}

int cmd_unbind(int argc, char **argv)
{
	return run(CMD_UNBIND, argc, argv);
}

int cmd_restore(int argc, char **argv)
{
	return run(CMD_RESTORE, argc, argv);
}
