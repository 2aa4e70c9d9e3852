// SPDX-License-Identifier: GPL-2.0-only
/* iopass metrics: host-side state for node_exporter's textfile collector. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopass/host.h"

#include "commands.h"

static void metrics_usage(FILE *f)
{
	fprintf(f,
"usage: iopass metrics [--output FILE]\n"
"\n"
"Print what iopass knows about this host in the Prometheus text format, for\n"
"node_exporter's textfile collector (--collector.textfile.directory):\n"
"\n"
"  iopass_lease_info{bdf,pool,owner,holder}   1 per lease (holder: process,\n"
"                                             gone, persistent)\n"
"  iopass_leases{pool,owner}                  leases per pool and owner\n"
"  iopass_leases_orphaned                     leases whose holder died\n"
"  iopass_vms{state}                          named VMs running / dead\n"
"  iopass_vm_up{vm}, iopass_vm_start_time_seconds{vm},\n"
"  iopass_vm_memory_bytes{vm}, iopass_vm_vcpus{vm},\n"
"  iopass_vm_devices{vm}, iopass_vm_nics{vm}  each named VM\n"
"  iopass_sriov_totalvfs{pf,pf_driver}, iopass_sriov_numvfs{pf,pf_driver}\n"
"  iopass_sriov_vfs{pf,driver,leased}         VFs per PF by driver and lease\n"
"  iopass_pool_members{pool}, iopass_pool_leased{pool}   from the pools file\n"
"  iopass_host_check{check}                   host check: 0 ok, 1 warn, 2 fail\n"
"\n"
"iopass-switch serves its own counters: iopass switch start --metrics\n"
"ADDR:PORT (docs/switch.md).\n"
"\n"
"  --output FILE  write FILE atomically (a temporary file renamed over it),\n"
"                 as the textfile collector needs, instead of stdout\n"
"\n"
"Exit status: 0 printed, 1 sysfs unreadable or FILE unwritable, 2 bad arguments.\n");
}

static int write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[4200];
	ssize_t n;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error("cannot write %s: %s", tmp, strerror(errno));
		return EXIT_FAIL;
	}
	n = write(fd, text, len);
	if (n != (ssize_t)len || fsync(fd) || close(fd) || rename(tmp, path)) {
		cli_error("writing %s failed: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		return EXIT_FAIL;
	}
	return EXIT_OK;
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
		ret = write_atomic(output, p.buf, p.len);
	else
		ret = fwrite(p.buf, 1, p.len, stdout) == p.len ? EXIT_OK : EXIT_FAIL;
	prom_free(&p);
	return ret;
}
