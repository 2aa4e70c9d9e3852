// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass switch: start and stop iopass-switch, add and remove its guest
 * ports, list its pools and counters. Everything but `start` is one request
 * on the switch's control socket (include/iopass/vhost.h, docs/switch.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/orch.h"
#include "iopass/util.h"
#include "iopass/vhost.h"

#include "commands.h"

#define CALL_TIMEOUT_MS	10000

static void switch_usage(FILE *f)
{
	fprintf(f,
"usage: iopass switch start [--foreground] [--uplink DEV] [--lcores LIST] [--no-huge]\n"
"                           [--mem MB] [--classifier auto|software|hardware]\n"
"                           [--max-pools N] [--hw-pools N] [--lossless] [--port SPEC]...\n"
"                           [--metrics ADDR:PORT]\n"
"                           [--file-prefix P]\n"
"                           [--log FILE] [--wait SECONDS] [-- EAL-OPTIONS]\n"
"       iopass switch stop\n"
"       iopass switch port add NAME --mac MAC [--vlan N] [--socket PATH]\n"
"                              [--client | --sink]\n"
"       iopass switch port del NAME\n"
"       iopass switch port list [--json]\n"
"       iopass switch pool list [--json]\n"
"       iopass switch stats [--json]\n"
"\n"
"iopass-switch is the DPDK poll-mode vhost-user backend: one uplink (any\n"
"DPDK ethdev) and guest ports, each a vhost-user socket whose guest owns one\n"
"pool (MAC+VLAN). Frames from the uplink go to the pool of their MAC and\n"
"VLAN; broadcast and multicast to every pool of the VLAN; frames from a guest\n"
"to another guest's pool, or to the uplink (unknown MACs, broadcast).\n"
"\n"
"start:\n"
"  --uplink DEV       a PCI address (0000:01:00.0, bound to vfio-pci) or a\n"
"                     DPDK virtual device (net_tap0,iface=up0, net_ring0, ...);\n"
"                     without one, only guest-to-guest forwarding\n"
"  --lcores LIST      EAL lcores (default 0,1, or two CPUs of a PCI uplink's\n"
"                     NUMA node): the first serves the control\n"
"                     socket, each other one forwards\n"
"  --no-huge          4 KiB pages (memfd) even when hugepages are free;\n"
"                     hugepages are used when --mem fits in the free ones\n"
"                     of /dev/hugepages (and only those)\n"
"  --mem MB           DPDK memory (default 512)\n"
"  --classifier K     auto (hardware VMDq when the uplink has it), software,\n"
"                     or hardware (refuse to start without it). With VMDq the\n"
"                     NIC's last pool is the default one: pools past its count\n"
"                     are sorted in software from there\n"
"  --max-pools N      pools (ports) in all (default 256)\n"
"  --hw-pools N       at most N of them in the NIC's VMDq pools\n"
"  --lossless         a guest whose RX ring is full makes its senders wait\n"
"                     (up to 100 ms) instead of losing their unicast frames\n"
"  --metrics A:P      serve Prometheus metrics at http://A:P/metrics (per\n"
"                     port, pool, uplink and hardware queue; docs/switch.md)\n"
"  --port SPEC        a port at start: \"NAME mac=MAC [vlan=N] [path=P]\n"
"                     [mode=server|client|sink]\"\n"
"  --foreground       run in this terminal; otherwise the switch runs in the\n"
"                     background, logs to --log FILE (default\n"
"                     STATE/switch.log) and start returns once it answers\n"
"\n"
"port add: NAME's socket is --socket PATH or STATE/vhost/NAME.sock; the switch\n"
"listens on it (the VMM connects) unless --client (the switch connects to\n"
"the VMM's socket and reconnects when the VMM restarts). --sink: no socket,\n"
"frames to the port are counted and freed (benchmarks).\n"
"\n"
"Every command but start takes --ctl PATH (default STATE/switch.sock).\n"
"STATE is $IOPASS_STATE_DIR or /run/iopass. Exit status: 0 done, 1 failed,\n"
"2 bad input or no switch running.\n");
}

/* --------------------------------------------------------- rendering */

/* The records of a reply: JSON (`only` picks one type's array), or text tables. */
static int render(char **lines, size_t n, bool json, const char *only)
{
	char *text;

	if (json) {
		cli_print_json(switch_records_json(lines, n, only));
		return EXIT_OK;
	}
	text = switch_records_text(lines, n);
	if (!text) {
		cli_error("switch: out of memory");
		return EXIT_FAIL;
	}
	fputs(text, stdout);
	free(text);
	return EXIT_OK;
}

static int switch_exit_code(int err, const char *msg)
{
	cli_error("switch: %s", msg);
	/* No switch there is something the user fixes. */
	return err == -ECONNREFUSED || err == -EEXIST || err == -EADDRINUSE ||
	       err == -ENOTSUP ? EXIT_USAGE : cli_exit_code(err);
}

static int call(const char *ctl, const char *req, char ***lines, size_t *n)
{
	struct errbuf eb = { "" };
	int err = switch_call(ctl, req, CALL_TIMEOUT_MS, lines, n, &eb);

	return err ? switch_exit_code(err, eb.msg) : EXIT_OK;
}

/* One request, its records rendered. */
static int simple(const char *ctl, const char *req, bool json, const char *only,
		  bool quiet)
{
	char **lines;
	size_t n;
	int rc = call(ctl, req, &lines, &n);

	if (rc)
		return rc;
	rc = quiet ? EXIT_OK : render(lines, n, json, only);
	switch_lines_free(lines, n);
	return rc;
}

/* ------------------------------------------------------------- start */

int cli_switch_opts(int argc, char **argv, const char *what,
		    struct orch_switch_opts *o, bool *foreground, const char **ctl)
{
	static const struct option lo[] = {
		{ "foreground", no_argument, NULL, 'f' }, { "no-huge", no_argument, NULL, 'n' },
		{ "lossless", no_argument, NULL, 'S' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "lcores", required_argument, NULL, 'l' },
		{ "classifier", required_argument, NULL, 'k' },
		{ "max-pools", required_argument, NULL, 'P' },
		{ "hw-pools", required_argument, NULL, 'H' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "file-prefix", required_argument, NULL, 'x' },
		{ "log", required_argument, NULL, 'L' }, { "mem", required_argument, NULL, 'm' },
		{ "wait", required_argument, NULL, 'w' }, { "port", required_argument, NULL, 'p' },
		{ "ctl", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case 'f': *foreground = true; break;
		case 'n': o->no_huge = true; break;
		case 'S': o->lossless = true; break;
		case 'u': o->uplink = optarg; break;
		case 'l': o->lcores = optarg; break;
		case 'k': o->classifier = optarg; break;
		case 'P': o->max_pools = optarg; break;
		case 'H': o->hw_pools = optarg; break;
		case 'M': o->metrics = optarg; break;
		case 'x': o->prefix = optarg; break;
		case 'L': o->log = optarg; break;
		case 'c': *ctl = optarg; break;
		case 'm':
		case 'w': {
			unsigned long long v;

			if (num_parse(optarg, 1, 1u << 20, &v)) {
				cli_error("%s: --%s takes a positive number", what,
					  c == 'm' ? "mem" : "wait");
				return -EINVAL;
			}
			*(c == 'm' ? &o->mem_mb : &o->wait_s) = (unsigned int)v;
			break;
		}
		case 'p':
			if (o->nports == ARRAY_SIZE(o->ports)) {
				cli_error("%s: too many --port; add more later", what);
				return -EINVAL;
			}
			o->ports[o->nports++] = optarg;
			break;
		case 'h':
			switch_usage(stdout);
			return 1;
		default:
			return -EINVAL;
		}
	}
	/* EAL options after -- */
	o->eal = argv + optind;
	o->neal = (unsigned int)(argc - optind);
	return 0;
}

static int cmd_start(int argc, char **argv, const char *ctl)
{
	struct orch_switch_opts o = { .wait_s = 60 };
	struct orch_ctx *ctx = cli_orch();
	struct orch_switch_info info;
	struct orch_switch_cmd cmd;
	bool foreground = false;
	struct errbuf eb;
	int r;

	r = cli_switch_opts(argc, argv, "switch start", &o, &foreground, &ctl);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	ctx->switch_ctl = ctl;
	if (foreground) {
		if (orch_switch_cmd(ctx, &o, &cmd, &eb)) {
			cli_error("switch start: %s", eb.msg);
			return EXIT_USAGE;
		}
		execv(cmd.argv[0], cmd.argv);
		cli_error("switch start: cannot run %s: %s", cmd.argv[0], strerror(errno));
		return EXIT_FAIL;
	}
	r = orch_switch_start(ctx, &o, &info, &eb);
	if (r) {
		cli_error("switch start: %s", eb.msg);
		/* Started and then failed, or could not fork: not the input. */
		return r == -ECHILD || r == -ETIMEDOUT || r == -EAGAIN || r == -ENOMEM ?
		       EXIT_FAIL : EXIT_USAGE;
	}
	printf("switch started: pid %d, control %s, log %s\n", info.pid, info.ctl, info.log);
	return EXIT_OK;
}

/* -------------------------------------------------------------- rest */

static int cmd_stop(const char *ctl)
{
	struct orch_ctx *ctx = cli_orch();
	struct errbuf eb;
	int r;

	ctx->switch_ctl = ctl;
	r = orch_switch_stop(ctx, &eb);
	return r ? switch_exit_code(r, eb.msg) : EXIT_OK;
}

static int cmd_port_add(int argc, char **argv, const char *ctl, bool json)
{
	static const struct option lo[] = {
		{ "mac", required_argument, NULL, 'm' }, { "vlan", required_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 's' }, { "client", no_argument, NULL, 'c' },
		{ "sink", no_argument, NULL, 'k' }, { NULL, 0, NULL, 0 },
	};
	const char *mac = NULL, *vlan = "0", *path = NULL, *mode = "server";
	char line[SWITCH_LINE_MAX];
	struct errbuf eb;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm': mac = optarg; break;
		case 'v': vlan = optarg; break;
		case 's': path = optarg; break;
		case 'c': mode = "client"; break;
		case 'k': mode = "sink"; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !mac) {
		cli_error("switch port add: give NAME and --mac MAC ('iopass switch --help')");
		return EXIT_USAGE;
	}
	if (switch_port_req(SWITCH_OP_PORT_ADD, argv[optind], mac, vlan, path, mode, line,
			    sizeof(line), &eb)) {
		cli_error("switch %s", eb.msg);
		return EXIT_USAGE;
	}
	return simple(ctl, line, json, "port", false);
}

int cmd_switch(int argc, char **argv)
{
	char defctl[SWITCH_PATH_MAX], line[SWITCH_LINE_MAX];
	const char *ctl, *sub, *obj = NULL;
	bool json = false;
	int i, n = 0;

	switch_default_ctl(defctl, sizeof(defctl));
	ctl = defctl;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		switch_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (!strcmp(sub, "start"))
		return cmd_start(argc - 1, argv + 1, ctl);
	/* Common options of the other subcommands: --ctl and --json. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			ctl = argv[++i];
		} else {
			argv[n++] = argv[i];
		}
	}
	argc = n;
	if (argc >= 2)
		obj = argv[1];
	if (!strcmp(sub, "stop") && argc == 1)
		return cmd_stop(ctl);
	if (!strcmp(sub, "stats") && argc == 1)
		return simple(ctl, "stats", json, NULL, false);
	if (!strcmp(sub, "pool") && argc == 2 && !strcmp(obj, "list"))
		return simple(ctl, "pool list", json, "pool", false);
	if (!strcmp(sub, "port") && argc == 2 && !strcmp(obj, "list"))
		return simple(ctl, "port list", json, "port", false);
	if (!strcmp(sub, "port") && argc >= 2 && !strcmp(obj, "add"))
		return cmd_port_add(argc - 1, argv + 1, ctl, json);
	if (!strcmp(sub, "port") && argc == 3 && !strcmp(obj, "del")) {
		struct errbuf eb;

		if (switch_port_req(SWITCH_OP_PORT_DEL, argv[2], NULL, NULL, NULL, NULL, line,
				    sizeof(line), &eb)) {
			cli_error("switch %s", eb.msg);
			return EXIT_USAGE;
		}
		return simple(ctl, line, json, NULL, true);
	}
	cli_error("switch: unknown or incomplete subcommand '%s'; 'iopass switch --help' "
		  "lists them", sub);
	return EXIT_USAGE;
}
