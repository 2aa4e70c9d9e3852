// SPDX-License-Identifier: GPL-2.0-only
/* iopass sriov enable | disable | show */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/state.h"
#include "iopass/sriov.h"

#include "commands.h"

static void sriov_usage(FILE *f)
{
	fprintf(f,
"usage: iopass sriov enable PF COUNT [--autoprobe] [--timeout SECONDS] [--dry-run]\n"
"       iopass sriov disable PF [--timeout SECONDS] [--dry-run]\n"
"       iopass sriov show [PF] [--json]\n"
"\n"
"Create or remove the SR-IOV virtual functions of a physical function (PF,\n"
"a PCI address or its network interface). The kernel only changes a VF count\n"
"through 0, so a new count first removes every VF: refused while any VF of\n"
"the PF is leased ('iopass leases'). New VFs are not probed by host drivers\n"
"(sriov_drivers_autoprobe=0) unless --autoprobe, so the host does not grab\n"
"them; disable puts the PF's autoprobe setting back as enable found it.\n"
"Creating VFs can take long; the wait is bounded (default 30 s).\n"
"\n"
"Exit status: 0 done, 1 the kernel or driver failed, 2 bad arguments or refused.\n");
}

static int show(int argc, char **argv, bool json)
{
	const char *sysfs = sysfs_default_root();
	json_object *arr = json ? json_object_new_array() : NULL;
	struct pci_func *funcs;
	struct pci_addr only;
	struct errbuf eb;
	size_t n, shown = 0;

	if (argc > 1) {
		cli_error("'sriov show' takes at most one PF, not '%s' too",
			  str_escape(argv[1], eb.msg, sizeof(eb.msg)));
		return EXIT_USAGE;
	}
	if (argc == 1 && cli_resolve_pci(argv[0], &only))
		return EXIT_USAGE;
	if (pci_func_scan(sysfs, &funcs, &n, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		struct sriov_pf pf;

		if (funcs[i].sriov_total < 0 ||
		    (argc == 1 && pci_addr_cmp(&funcs[i].addr, &only)))
			continue;
		if (sriov_pf_read(sysfs, state_default_dir(), &funcs[i].addr, &pf, &eb)) {
			cli_error("%s", eb.msg);
			continue;
		}
		shown++;
		if (json) {
			json_object_array_add(arr, sriov_pf_json(&pf));
		} else {
			printf("%s %04x:%04x  VFs %d/%d  autoprobe %s  leased %d  driver %s\n",
			       pf.f.bdf, pf.f.vendor, pf.f.device, pf.f.sriov_num,
			       pf.f.sriov_total, pf.autoprobe ? "on" : "off", pf.leased,
			       pf.f.driver[0] ? pf.f.driver : "-");
		}
	}
	free(funcs);
	if (argc == 1 && !shown) {
		json_object_put(arr);
		cli_error("%s is not an SR-IOV physical function ('iopass sriov show' lists "
			  "them)", argv[0]);
		return EXIT_USAGE;
	}
	if (json)
		cli_print_json(arr);
	else if (!shown)
		printf("no SR-IOV physical functions\n");
	return EXIT_OK;
}

int cmd_sriov(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "autoprobe", no_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool autoprobe = false, dry = false, json = false, enable;
	unsigned long long timeout_s = 30, count = 0;
	struct sriov_plan plan;
	struct pci_addr addr;
	struct sriov_pf pf;
	char esc[STR_ESC_MAX];
	struct errbuf eb;
	bool applying;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': autoprobe = true; break;
		case 'n': dry = true; break;
		case 'j': json = true; break;
		case 't':
			if (num_parse(optarg, 1, 3600, &timeout_s)) {
				cli_error("--timeout takes seconds from 1 to 3600, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': sriov_usage(stdout); return EXIT_OK;
		default:
			cli_error("bad arguments to 'sriov'; see 'iopass sriov --help'");
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		sriov_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "show"))
		return show(argc - 1, argv + 1, json);
	enable = !strcmp(argv[0], "enable");
	if ((!enable && strcmp(argv[0], "disable")) || argc != (enable ? 3 : 2)) {
		cli_error("expected 'sriov enable PF COUNT', 'sriov disable PF' or 'sriov show'");
		return EXIT_USAGE;
	}
	if (cli_resolve_pci(argv[1], &addr))
		return EXIT_USAGE;
	if (enable && num_parse(argv[2], 0, 65535, &count)) {
		cli_error("'%s' is not a VF count (a number from 0 to 65535)",
			  str_escape(argv[2], esc, sizeof(esc)));
		return EXIT_USAGE;
	}
	ret = sriov_vfs_change(&(struct sriov_change){ .sysfs = sysfs_default_root(),
		.state = state_default_dir(), .pf = &addr, .want = (int)count,
		.enable = enable, .autoprobe = autoprobe, .dry_run = dry,
		.timeout_ms = (int)timeout_s * 1000 }, &pf, &plan, &applying, &eb);
	if (ret && !applying) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	for (int i = 0; i < plan.n; i++)
		printf("%s%s %s %d\n", dry ? "would " : "", pf.f.bdf,
		       sriov_step_name(plan.ops[i].step), plan.ops[i].arg);
	if (!plan.n)
		printf("%s already has %llu VFs\n", pf.f.bdf, count);
	if (ret)
		cli_error("%s", eb.msg);
	return ret ? EXIT_FAIL : EXIT_OK;
}
