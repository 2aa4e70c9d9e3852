// SPDX-License-Identifier: GPL-2.0-only
/* iopass host check | apply */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/host.h"
#include "iopass/vmm.h"

#include "commands.h"

static void host_usage(FILE *f)
{
	fprintf(f,
"usage: iopass host check [--json] [--mem SIZE]\n"
"       iopass host apply FILE [--dry-run] [--pools-file PATH]\n"
"\n"
"check   is this host ready to give devices to VMs, and what to change where\n"
"        it is not. Each finding is ok, warn or fail, with what was seen and\n"
"        the fix (the kernel parameter, the module, the sysctl, the limits\n"
"        line). It checks hardware virtualization, KVM and nesting, the\n"
"        IOMMU (firmware table, kernel, passthrough for host devices),\n"
"        interrupt remapping, the VFIO modules and /dev/vfio/vfio,\n"
"        hugepages and hugetlbfs, RLIMIT_MEMLOCK for pinning --mem SIZE of\n"
"        guest RAM (default 1G), NUMA locality, iopass's state directory,\n"
"        IOMMU groups that hold more than one device, SR-IOV physical\n"
"        functions, and assignable devices without a reset method.\n"
"apply   makes the host as FILE declares it (docs/host.md): VF counts, VF\n"
"        settings, driver bindings, pools. 'iopass host apply --help'.\n"
"\n"
"Environment: IOPASS_SYSFS_ROOT, IOPASS_PROCFS_ROOT, IOPASS_DEV_ROOT read\n"
"other trees (tests).\n"
"Exit status (check): 0 no finding failed (warnings allowed), 1 a finding\n"
"failed, 2 bad arguments.\n");
}

static void print_text(const struct host_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct host_finding *f = &rep->f[i];

		printf("%-5s %-22s %s\n", f->level == HOST_OK ? "ok" :
		       f->level == HOST_WARN ? "WARN" : "FAIL", f->check, f->title);
		printf("      seen: %s\n", f->seen);
		if (f->fix[0])
			printf("      fix:  %s\n", f->fix);
	}
	printf("host check: %zu ok, %zu warn, %zu fail\n", rep->count[HOST_OK],
	       rep->count[HOST_WARN], rep->count[HOST_FAIL]);
}

static int host_check_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "mem", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct host_check_opts copts = { .vm_mem = 1ULL << 30 };
	struct host_report rep;
	struct host_env env;
	struct errbuf eb;
	bool json = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'm':
			if (vm_parse_size(optarg, &copts.vm_mem) || !copts.vm_mem) {
				cli_error("--mem: '%s' is not a size (e.g. 512M, 4G)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			host_usage(stdout);
			return EXIT_OK;
		default:
			cli_error("bad arguments to 'host check'; see 'iopass host --help'");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' to 'host check'; see 'iopass host --help'",
			  argv[optind]);
		return EXIT_USAGE;
	}
	host_env_default(&env);
	if (host_check(&env, &copts, &rep, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_FAIL;
	}
	if (json)
		cli_print_json(host_report_json(&rep));
	else
		print_text(&rep);
	opt = rep.count[HOST_FAIL] ? EXIT_FAIL : EXIT_OK;
	host_report_free(&rep);
	return opt;
}

int cmd_host(int argc, char **argv)
{
	if (argc < 2) {
		host_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		host_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return host_check_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "apply"))
		return cmd_host_apply(argc - 1, argv + 1);
	cli_error("unknown 'host' command '%s'; 'iopass host --help' lists them", argv[1]);
	return EXIT_USAGE;
}
