// SPDX-License-Identifier: GPL-2.0-only
/* iopass metrics: host-side state for node_exporter's textfile collector. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/host.h"
#include "iopass/state.h"

#include "commands.h"

static void metrics_usage(FILE *f)
{
	fprintf(f,
"usage: iopass metrics [--output FILE]\n"
"\n"
"Print what iopass knows about this host in the Prometheus text format, for\n"
"node_exporter's textfile collector (--collector.textfile.directory): leases\n"
"per pool, owner and holder (iopass_lease_info, iopass_leases,\n"
"iopass_leases_orphaned), named VMs (iopass_vms, iopass_vm_*), SR-IOV VFs per\n"
"PF, driver and lease (iopass_sriov_*), pools (iopass_pool_*) and host check's\n"
"findings (iopass_host_check: 0 ok, 1 warn, 2 fail). docs/host.md lists each\n"
"metric and its labels. iopass-switch serves its own counters: iopass switch\n"
"start --metrics ADDR:PORT (docs/switch.md).\n"
"\n"
"  --output FILE  write FILE atomically (a temporary file renamed over it),\n"
"                 as the textfile collector needs, instead of stdout\n"
"\n"
"Exit status: 0 printed, 1 sysfs unreadable or FILE unwritable, 2 bad arguments.\n");
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct prom p = { 0 };
	struct host_env env;
	struct errbuf eb;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			metrics_usage(stdout);
			return EXIT_OK;
		default:
			cli_error("bad arguments to 'metrics'; see 'iopass metrics --help'");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' to 'metrics'; see 'iopass metrics --help'",
			  argv[optind]);
		return EXIT_USAGE;
	}
	host_env_default(&env);
	if (host_metrics(&env, &p, &eb)) {
		cli_error("%s", eb.msg);
		prom_free(&p);
		return EXIT_FAIL;
	}
	if (output)
		ret = file_write_atomic(output, p.buf, p.len, &eb) ? EXIT_FAIL : EXIT_OK;
	else
		ret = fwrite(p.buf, 1, p.len, stdout) == p.len ? EXIT_OK : EXIT_FAIL;
	if (ret && output)
		cli_error("%s", eb.msg);
	prom_free(&p);
	return ret;
}
