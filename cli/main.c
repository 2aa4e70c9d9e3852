// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/orch.h"

#include "commands.h"

static const struct command commands[] = {
	{ "list", "list PCI functions with IOMMU groups, drivers and SR-IOV", cmd_list },
	{ "groups", "list IOMMU groups and whether each can be assigned", cmd_groups },
	{ "bind", "bind a PCI function to vfio-pci (or another driver), safely", cmd_bind },
	{ "unbind", "detach a PCI function from its driver, safely", cmd_unbind },
	{ "restore", "give a PCI function back to its original driver", cmd_restore },
	{ "sriov", "create and remove SR-IOV VFs (enable, disable, show)", cmd_sriov },
	{ "assign", "lease a device from a pool (or by address) to an owner", cmd_assign },
	{ "release", "give a leased device back as it was found", cmd_release },
	{ "leases", "list the leases", cmd_leases },
	{ "gc", "release the leases of owners that died", cmd_gc },
	{ "vm", "run a virtual machine (iopass vm run --help)", cmd_vm },
	{ "pool", "list device pools from the pool configuration", cmd_pool },
	{ "vf", "show, set and restore SR-IOV VF settings (MAC, VLAN, spoof check...)", cmd_vf },
	{ "switch", "run iopass-switch, the vhost-user backend: ports, pools, stats", cmd_switch },
	{ "host", "check this host for passthrough; apply its declared devices", cmd_host },
	{ "metrics", "host-side state in the Prometheus text format", cmd_metrics },
};

void cli_error(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	str_vline(msg, sizeof(msg), fmt, ap);	/* refused input stays on one line */
	va_end(ap);
	fprintf(stderr, "iopass: %s\n", msg);
}

static void cli_event(void *opaque, enum orch_event kind, const char *msg)
{
	(void)opaque;
	switch (kind) {
	case ORCH_EVENT_STEP:
		fprintf(stderr, "  %s\n", msg);
		break;
	case ORCH_EVENT_SWITCH_STARTED:
		fprintf(stderr, "%s\n", msg);
		break;
	default:
		fprintf(stderr, "iopass: %s\n", msg);
	}
}

struct orch_ctx *cli_orch(void)
{
	static struct orch_ctx ctx;
	static bool done;

	if (!done) {
		orch_ctx_init(&ctx);
		ctx.event = cli_event;
		done = true;
	}
	return &ctx;
}

void cli_print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: iopass COMMAND [ARGS]\n\n"
		   "Give virtual machines direct access to real devices.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'iopass COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	/*
	 * A peer that hangs up (a switch or VM shedding clients, a closed
	 * pipe on stdout) is an error to report, never a silent death by
	 * SIGPIPE: every write then fails with EPIPE instead.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s'; 'iopass --help' lists the commands",
		  argv[1]);
	return EXIT_USAGE;
}
