// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass vm list / vm stop: the VMs started with --name (or --daemon),
 * through their control sockets and records (orch/vms.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopass/orch.h"
#include "commands.h"

static void vm_list_usage(FILE *f)
{
	fprintf(f,
"usage: iopass vm list [--json]\n"
"\n"
"List the VMs started with --name or --daemon: name, VMM pid, state and\n"
"uptime. A VM whose VMM died without cleaning up shows as 'dead' until\n"
"'iopass gc' collects it (and releases its devices).\n");
}

int cmd_vm_list(int argc, char **argv)
{
	struct orch_vm_entry *e;
	struct errbuf eb;
	bool json = false;
	size_t n;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			vm_list_usage(stdout);
			return EXIT_OK;
		} else {
			cli_error("vm list: unexpected argument '%s'; see 'iopass vm list --help'",
				  argv[i]);
			return EXIT_USAGE;
		}
	}
	ret = orch_vms_list(cli_orch(), &e, &n, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		return cli_exit_code(ret);
	}
	if (json) {
		cli_print_json(orch_vms_json(e, n));
	} else {
		printf("%-24s %8s %-8s %-8s %s\n", "NAME", "PID", "STATE",
		       "UPTIME", "DEVICES AND NICS");
		for (size_t i = 0; i < n; i++) {
			char up[32], what[512];

			orch_vm_entry_text(&e[i], up, sizeof(up), what, sizeof(what));
			printf("%-24s %8d %-8s %-8s %s\n", e[i].name, (int)e[i].pid,
			       e[i].alive ? "running" : "dead", up, what);
		}
	}
	orch_vms_free(e, n);
	return EXIT_OK;
}

static void vm_stop_usage(FILE *f)
{
	fprintf(f,
"usage: iopass vm stop NAME [--timeout SECONDS]\n"
"\n"
"Ask the VM NAME to stop, through its control socket, and wait until its\n"
"VMM has released every device and exited (default: 30 seconds). The guest\n"
"is stopped the way SIGTERM stops it.\n");
}

int cmd_vm_stop(int argc, char **argv)
{
	const char *name = NULL;
	struct errbuf eb;
	int timeout = 30, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			vm_stop_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			unsigned long long t;

			if (num_parse(argv[++i], 1, 3600, &t)) {
				cli_error("vm stop: --timeout '%s' is not a number of seconds from 1 to 3600",
					  argv[i]);
				return EXIT_USAGE;
			}
			timeout = (int)t;
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			cli_error("vm stop: unexpected argument '%s'; see 'iopass vm stop --help'",
				  argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!name) {
		cli_error("vm stop: which VM? give its NAME ('iopass vm list' shows them)");
		return EXIT_USAGE;
	}
	ret = orch_vm_stop_named(cli_orch(), name, timeout, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		return ret == -ENOENT || ret == -ESRCH ? EXIT_USAGE : EXIT_FAIL;
	}
	printf("stopped VM '%s'\n", name);
	return EXIT_OK;
}
