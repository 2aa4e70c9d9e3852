// SPDX-License-Identifier: GPL-2.0-only
/* iopass assign | release | leases | gc */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "iopass/lease.h"
#include "iopass/orch.h"
#include "iopass/state.h"
#include "iopass/sriov.h"

#include "commands.h"

static void assign_usage(FILE *f)
{
	fprintf(f,
"usage: iopass assign POOL|BDF --owner NAME [--driver DRIVER] [--config FILE]\n"
"                     [--force] [--dry-run] [--json] [-- COMMAND [ARGS...]]\n"
"\n"
"Lease a PCI function to NAME: the first member of POOL (see 'iopass pool\n"
"list') that is neither leased nor in use by the host, or the function at BDF.\n"
"It is bound to DRIVER (default vfio-pci), its IOMMU group is checked, and the\n"
"lease is recorded under the state directory. Two iopass processes racing for\n"
"the last free device: exactly one gets it.\n"
"\n"
"Without COMMAND the lease lasts until 'iopass release'. With '-- COMMAND' the\n"
"lease is held by this process and by COMMAND while COMMAND runs (IOPASS_BDF\n"
"in its environment names the device) and released when it ends; if both\n"
"are killed, 'iopass gc' releases it (never while COMMAND still runs).\n"
"\n"
"Prints the leased address (JSON with --json).\n"
"Exit status: 0 leased (or COMMAND's status), 1 failed (nothing is left\n"
"half-done), 2 bad arguments, unknown pool or no free device.\n");
}

int cmd_assign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "driver", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *owner = NULL, *driver = "vfio-pci", *config = NULL;
	unsigned int flags = 0;
	struct lease l;
	struct errbuf eb;
	bool json = false;
	int opt, ret, hold_fd = -1;
	char **cmd = NULL;

	/* Everything after "--" is the command that holds the lease. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cmd = argv + i + 1;
			argv[i] = NULL;
			argc = i;
			break;
		}
	}
	if (cmd && !cmd[0]) {
		cli_error("'--' must be followed by the command that holds the lease");
		return EXIT_USAGE;
	}
	if (cli_repeated(argc, argv, (const char *const[]){ "owner", "driver", "config", NULL }))
		return EXIT_USAGE;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': owner = optarg; break;
		case 'd': driver = optarg; break;
		case 'c': config = optarg; break;
		case 'f': flags |= BIND_FORCE; break;
		case 'n': flags |= BIND_DRY_RUN; break;
		case 'j': json = true; break;
		case 'h': assign_usage(stdout); return EXIT_OK;
		default:
			cli_error("bad arguments to 'assign'; see 'iopass assign --help'");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || !owner) {
		cli_error("'assign' needs a pool or a PCI address and --owner NAME");
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		cli_error("unexpected argument '%s' (a command to run goes after '--')",
			  argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (config)
		cli_orch()->pools = config;
	ret = orch_lease_assign(cli_orch(), argv[optind], owner, driver, flags,
				cmd ? &hold_fd : NULL, &l, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		return cli_exit_code(ret);
	}
	if (json)
		printf("{\"bdf\":\"%s\",\"owner\":\"%s\",\"dry_run\":%s}\n", l.bdf, l.owner,
		       flags & BIND_DRY_RUN ? "true" : "false");
	else
		printf("%s%s\n", flags & BIND_DRY_RUN ? "would lease " : "", l.bdf);
	fflush(stdout);
	if (!cmd || (flags & BIND_DRY_RUN))
		return EXIT_OK;
	/* The lease outlives a Ctrl-C of the command only until it is released. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	ret = orch_lease_run(cli_orch(), &l, hold_fd, cmd, &eb);
	if (ret < 0)
		cli_error("%s", eb.msg);
	return ret < 0 ? EXIT_FAIL : ret;
}

int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *owner = NULL;
	unsigned int flags = 0;
	struct lease_ctx ctx;
	char **released;
	struct errbuf eb;
	int opt, ret;
	size_t n;

	if (cli_repeated(argc, argv, (const char *const[]){ "owner", NULL }))
		return EXIT_USAGE;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': owner = optarg; break;
		case 'f': flags |= BIND_FORCE; break;
		case 'n': flags |= BIND_DRY_RUN; break;
		case 'h':
			printf("usage: iopass release BDF|--owner NAME [--force] [--dry-run]\n\n"
			       "Reset the leased device, give it back to the driver it had, and\n"
			       "drop the lease (every lease of NAME with --owner). A lease held by\n"
			       "a running process is refused unless --force. --force also removes\n"
			       "a broken lease record (the device stays where it is).\n"
			       "Exit status: 0 released, 1 failed (the lease is kept), 2 bad\n"
			       "arguments or not leased.\n");
			return EXIT_OK;
		default:
			cli_error("bad arguments to 'release'; see 'iopass release --help'");
			return EXIT_USAGE;
		}
	}
	if ((owner != NULL) == (optind < argc) || optind + 1 < argc) {
		cli_error("'release' takes one PCI address or --owner NAME");
		return EXIT_USAGE;
	}
	ctx = orch_lease_ctx(cli_orch(), flags);
	if (!owner) {
		struct pci_addr a;
		char bdf[PCI_ADDR_STRLEN];

		if (cli_resolve_pci(argv[optind], &a))
			return EXIT_USAGE;
		pci_addr_format(&a, bdf);
		ret = lease_release(&ctx, bdf, &eb);
		if (ret) {
			cli_error("%s", eb.msg);
			return cli_exit_code(ret);
		}
		return EXIT_OK;
	}
	ret = orch_leases_release_owner(cli_orch(), owner, flags, &released, &n, &eb);
	for (size_t i = 0; i < n; i++) {
		printf("released %s\n", released[i]);
		free(released[i]);
	}
	free(released);
	if (ret == -ENOENT)
		cli_error("%s", eb.msg);
	return !ret ? EXIT_OK : ret == -ENOENT ? EXIT_USAGE : EXIT_FAIL;
}

int cmd_leases(int argc, char **argv)
{
	const char *state = state_default_dir();
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	struct lease_broken *broken = NULL;
	json_object *arr;
	struct lease *list;
	struct errbuf eb;
	size_t n, nb = 0;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: iopass leases [--json]\n\nEvery lease: device, owner, pool, "
		       "holder (a pid, or persistent), whether the holder is gone\n"
		       "(GONE: 'iopass gc' releases those; CMD: the iopass that took it is\n"
		       "gone but the command it ran still holds it), since when, and the\n"
		       "original driver. Then every BROKEN record (it blocks its device):\n"
		       "its path and what is wrong.\n");
		return EXIT_OK;
	}
	if (argc > 2 || (argc == 2 && !json)) {
		cli_error("'leases' takes only --json");
		return EXIT_USAGE;
	}
	if (lease_list(state, &list, &n, &eb) ||
	    lease_list_broken(state, &broken, &nb, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_FAIL;
	}
	arr = json ? json_object_new_array() : NULL;
	if (!json)
		printf("%-12s %-16s %-14s %-12s %-20s %s\n", "BDF", "OWNER", "POOL",
		       "HOLDER", "SINCE", "ORIGINAL DRIVER");
	for (size_t i = 0; i < n; i++) {
		const struct lease *l = &list[i];
		char holder[32], since[32];
		time_t t = (time_t)l->since;
		enum lease_holder h = lease_holder(state, l, holder, sizeof(holder));

		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", localtime(&t));
		if (json)
			json_object_array_add(arr, lease_json(l, NULL, h == LEASE_GONE));
		else
			printf("%-12s %-16s %-14s %-12s %-20s %s\n", l->bdf, l->owner,
			       l->pool[0] ? l->pool : "-", holder, since,
			       l->orig_driver[0] ? l->orig_driver : "(none)");
	}
	for (size_t i = 0; i < nb; i++) {
		if (json)
			json_object_array_add(arr, lease_json(NULL, &broken[i], false));
		else
			printf("BROKEN %s ('iopass release %s --force' or 'iopass gc --broken' "
			       "removes it)\n", broken[i].why, broken[i].bdf);
	}
	if (json)
		cli_print_json(arr);
	free(broken);
	free(list);
	return EXIT_OK;
}

int cmd_gc(int argc, char **argv)
{
	struct orch_gc_result res;
	bool dry = false, broken = false;
	struct errbuf eb;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "--broken")) {
			*(argv[i][2] == 'd' ? &dry : &broken) = true;
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: iopass gc [--dry-run] [--broken]\n\nRelease every lease whose holding "
			       "process is gone (a VMM that crashed or was\nkilled): reset the "
			       "device, restore its VF settings, give it back to its\noriginal "
			       "driver, drop the record. Then remove the records of VMs whose VMM died\n"
			       "(iopass vm list shows them as dead), and the iopass-switch ports their NICs\n"
			       "had. Broken lease records are listed; --broken removes them (unless\n"
			       "a live process holds their lock). --dry-run says what it would do.\n");
			return EXIT_OK;
		} else {
			cli_error("unexpected argument '%s' to 'gc'; see 'iopass gc --help'", argv[i]);
			return EXIT_USAGE;
		}
	}
	ret = orch_gc(cli_orch(), dry, broken, &res, &eb);
	printf("%s %d orphaned lease%s\n", dry ? "would release" : "released",
	       res.leases, res.leases == 1 ? "" : "s");
	for (size_t i = 0; i < res.nvms; i++)
		printf("%s the record of VM '%s' (its VMM died)\n",
		       dry ? "would remove" : "removed", res.vms[i]);
	for (size_t i = 0; i < res.nports; i++)
		printf("%s port %s of iopass-switch (its VM died)\n",
		       dry ? "would delete" : "deleted", res.ports[i]);
	for (size_t i = 0; i < res.nbroken; i++)
		printf("%s%s%s\n", !res.broken[i].removed ? "" : dry ? "would remove: " :
		       "removed: ", res.broken[i].why, broken ? "" : " ('iopass gc --broken' "
		       "removes it)");
	orch_gc_result_free(&res);
	if (ret) {
		cli_error("%s", eb.msg);
		return cli_exit_code(ret);
	}
	return EXIT_OK;
}
