// SPDX-License-Identifier: GPL-2.0-only
/* iopass pool: device pools from the pool configuration (docs/pools.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/lease.h"
#include "iopass/sriov.h"
#include "iopass/state.h"

#include "commands.h"

static void pool_usage(FILE *f)
{
	fprintf(f,
"usage: iopass pool list [--config FILE] [--json] [POOL...]\n"
"\n"
"List the device pools of the pool configuration: each pool's selectors,\n"
"the VF settings a lease applies, and the host functions that are members\n"
"now, with their status (free, or leased by OWNER). With POOL names, only\n"
"those pools.\n"
"\n"
"  --config FILE  read FILE instead of $IOPASS_POOLS_CONF or\n"
"                 /etc/iopass/pools.conf\n"
"  --json         a JSON array of objects, one per pool\n"
"\n"
"The configuration (full description: docs/pools.md):\n"
"\n"
"  # a comment; '#' after a blank also starts one\n"
"  [pool nvme-vfs]            # every key below is optional\n"
"  vendor = 1b36, 8086        # hex ids; any of the list\n"
"  device = 0010\n"
"  pf = 0000:01:00.0#0-3,6    # VFs of a PF (address or interface name),\n"
"  pf = ens1                  #   optionally only these VF indexes\n"
"  address = 0000:03:00.0     # whole functions by address\n"
"  driver = vfio-pci, none    # the driver bound now ('none': no driver)\n"
"  class = storage            # names as in 'iopass list --class'\n"
"  vfs-only = yes             # only VFs, never whole functions\n"
"  mac = auto                 # VF settings applied when leased: mac,\n"
"  vlan = 100                 #   vlan, qos, vlan-proto, spoofchk, trust,\n"
"  spoofchk = on              #   state, max-tx-rate, min-tx-rate\n"
"\n"
"A function is a member when it matches every key given and, within a key,\n"
"any of its values. Bridges and PFs with VFs enabled are never members.\n"
"\n"
"Environment: IOPASS_POOLS_CONF names the configuration; IOPASS_SYSFS_ROOT\n"
"reads another sysfs tree (tests).\n"
"Exit status: 0 listed, 1 sysfs unreadable, 2 bad arguments or a missing\n"
"or invalid configuration (the message gives FILE:LINE:COLUMN).\n");
}

static void print_pool_text(const char *path, const struct pool *p,
			    const struct pci_func *funcs, const size_t *m,
			    size_t nm)
{
	char buf[2048];

	printf("pool %s (%s:%u)\n", p->name, path, p->line);
	pool_selectors_format(p, buf, sizeof(buf));
	printf("  select:%s\n", buf);
	pool_vf_format(&p->vf, buf, sizeof(buf));
	printf("  vf settings:%s\n", buf);
	if (!nm) {
		printf("  no members: no PCI function of this host matches\n");
		return;
	}
	printf("  %-12s %-9s %-12s %s\n", "BDF", "VEN:DEV", "DRIVER", "STATUS");
	for (size_t i = 0; i < nm; i++) {
		const struct pci_func *f = &funcs[m[i]];
		char owner[64];
		const char *st = pool_member_status(state_default_dir(), f->bdf, owner, sizeof(owner));

		printf("  %-12s %04x:%04x %-12s %s%s\n", f->bdf, f->vendor, f->device,
		       f->driver[0] ? f->driver : "-", owner[0] ? "leased by " : st,
		       owner[0] ? owner : st[0] == 'b' ? " lease record: see 'iopass leases'" : "");
	}
}

static bool wanted(const struct pool *p, char **names, int n)
{
	if (!n)
		return true;
	for (int i = 0; i < n; i++)
		if (!strcmp(p->name, names[i]))
			return true;
	return false;
}

static int load_config(const char *opt_path, struct pool_conf *conf,
		       const char **path)
{
	const char *env = getenv("IOPASS_POOLS_CONF");
	struct errbuf eb;
	int ret;

	*path = opt_path ? opt_path : pool_conf_default_path();
	ret = pool_conf_load(*path, conf, &eb);
	if (ret == -ENOENT && !opt_path) {
		cli_error("no pool configuration: %s%s does not exist. Create it "
			  "(format and examples: docs/pools.md, or 'iopass pool --help'), "
			  "or name another file with --config FILE or $IOPASS_POOLS_CONF",
			  env && *env ? "$IOPASS_POOLS_CONF=" : "", *path);
		return EXIT_USAGE;
	}
	if (ret) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int pool_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysfs = sysfs_default_root(), *opt_path = NULL, *path;
	struct pci_func *funcs = NULL;
	json_object *arr = NULL;
	struct pool_conf conf;
	int opt, ret, shown = 0;
	struct errbuf eb;
	bool json = false;
	size_t n;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'c':
			opt_path = optarg;
			break;
		case 'h':
			pool_usage(stdout);
			return EXIT_OK;
		default:
			cli_error("bad arguments to 'pool list'; see 'iopass pool --help'");
			return EXIT_USAGE;
		}
	}
	ret = load_config(opt_path, &conf, &path);
	if (ret)
		return ret;
	for (int i = optind; i < argc; i++) {
		if (!pool_conf_find(&conf, argv[i])) {
			cli_error("no pool '%s' in %s; 'iopass pool list' shows them all",
				  argv[i], path);
			ret = EXIT_USAGE;
			goto out_conf;
		}
	}
	if (pci_func_scan(sysfs, &funcs, &n, &eb)) {
		cli_error("%s", eb.msg);
		ret = EXIT_FAIL;
		goto out_conf;
	}
	if (json)
		arr = json_object_new_array();
	else if (!conf.npools)
		printf("no pools in %s (docs/pools.md describes the format)\n", path);
	for (size_t i = 0; i < conf.npools; i++) {
		const struct pool *p = &conf.pools[i];
		size_t *m, nm;

		if (!wanted(p, argv + optind, argc - optind))
			continue;
		if (pool_match(sysfs, p, funcs, n, &m, &nm, &eb)) {
			cli_error("%s", eb.msg);
			ret = EXIT_FAIL;
			goto out_json;
		}
		if (json) {
			json_object_array_add(arr, pool_members_json(state_default_dir(), p,
							       funcs, m, nm));
		} else {
			printf("%s", shown++ ? "\n" : "");
			print_pool_text(path, p, funcs, m, nm);
		}
		free(m);
	}
	if (json) {
		cli_print_json(arr);
		arr = NULL;
	}
out_json:
	json_object_put(arr);
	free(funcs);
out_conf:
	pool_conf_free(&conf);
	return ret;
}

int cmd_pool(int argc, char **argv)
{
	if (argc < 2) {
		pool_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		pool_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "list"))
		return pool_list(argc - 1, argv + 1);
	cli_error("unknown 'pool' command '%s'; 'iopass pool --help' describes them",
		  argv[1]);
	return EXIT_USAGE;
}
