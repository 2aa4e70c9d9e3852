// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass switch: start and stop iopass-switch, add and remove its guest
 * ports, list its pools and counters. Everything but `start` is one request
 * on the switch's control socket (include/iopass/vhost.h, docs/switch.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/state.h"
#include "iopass/util.h"
#include "iopass/vhost.h"

#include "commands.h"

#define CALL_TIMEOUT_MS	10000
#define MAX_ARGS	128

static void switch_usage(FILE *f)
{
	fprintf(f,
"usage: iopass switch start [--foreground] [--uplink DEV] [--lcores LIST] [--no-huge]\n"
"                           [--mem MB] [--classifier auto|software|hardware]\n"
"                           [--max-pools N] [--lossless] [--port SPEC]...\n"
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
"  --lcores LIST      EAL lcores (default 0,1): the first serves the control\n"
"                     socket, each other one forwards\n"
"  --no-huge          4 KiB pages (memfd) even when hugepages are free;\n"
"                     hugepages are used when --mem fits in the free ones\n"
"                     of /dev/hugepages (and only those)\n"
"  --mem MB           DPDK memory (default 512)\n"
"  --classifier K     auto (hardware VMDq when the uplink has it), software,\n"
"                     or hardware (refuse to start without it)\n"
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

static json_object *kv_to_json(const struct switch_kv *kv, unsigned int n)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; i < n; i++) {
		const char *v = kv[i].val;
		char *end;
		long long num = strtoll(v, &end, 10);

		/* Counters and ids are numbers; MACs, names and paths strings. */
		if (*v && !*end && (v[0] != '0' || !v[1]))
			json_object_object_add(o, kv[i].key, json_object_new_int64(num));
		else
			json_object_object_add(o, kv[i].key, json_object_new_string(v));
	}
	return o;
}

/*
 * Renders the records of a reply. JSON: an object with "switch" and
 * "uplink" objects and "ports" and "pools" arrays (only those present), or
 * with `only`, the array of that type.
 */
static int render(char **lines, size_t n, bool json, const char *only)
{
	json_object *root = json_object_new_object();
	json_object *ports = json_object_new_array(), *pools = json_object_new_array();
	unsigned int hdr_port = 0, hdr_pool = 0;

	for (size_t i = 0; i < n; i++) {
		struct switch_kv kv[SWITCH_MAX_KV];
		const char *type;
		unsigned int nkv;

		if (switch_kv_split(lines[i], &type, kv, SWITCH_MAX_KV, &nkv))
			continue;
#define G(k) (switch_kv_get(kv, nkv, k) ? switch_kv_get(kv, nkv, k) : "-")
		if (!strcmp(type, "port")) {
			json_object_array_add(ports, kv_to_json(kv, nkv));
			if (json)
				continue;
			if (!hdr_port++)
				printf("%-12s %-5s %-6s %-17s %4s %4s %12s %12s %10s %10s  %s\n",
				       "PORT", "STATE", "MODE", "MAC", "VLAN", "POOL", "RX-PKTS",
				       "TX-PKTS", "RX-DROPS", "TX-DROPS", "SOCKET");
			printf("%-12s %-5s %-6s %-17s %4s %4s %12s %12s %10s %10s  %s\n",
			       G("name"), G("state"), G("mode"), G("mac"), G("vlan"), G("pool"),
			       G("rx_packets"), G("tx_packets"), G("rx_drops"), G("tx_drops"),
			       *G("path") ? G("path") : "-");
		} else if (!strcmp(type, "pool")) {
			json_object_array_add(pools, kv_to_json(kv, nkv));
			if (json)
				continue;
			if (!hdr_pool++)
				printf("%s%-4s %-17s %4s %-12s %-8s %5s %12s %14s %10s\n",
				       hdr_port ? "\n" : "", "POOL", "MAC", "VLAN", "PORT",
				       "BACKEND", "QUEUE", "PACKETS", "BYTES", "DROPS");
			printf("%-4s %-17s %4s %-12s %-8s %5s %12s %14s %10s\n", G("id"), G("mac"),
			       G("vlan"), G("port"), G("backend"), G("queue"), G("packets"),
			       G("bytes"), G("drops"));
		} else if (!strcmp(type, "switch")) {
			json_object_object_add(root, "switch", kv_to_json(kv, nkv));
			if (!json)
				printf("switch: %s worker lcore(s), %s classifier, %s port(s), "
				       "up to %s pools, lossless %s\n", G("workers"),
				       G("classifier"), G("ports"), G("max_pools"),
				       G("lossless"));
		} else if (!strcmp(type, "uplink")) {
			json_object_object_add(root, "uplink", kv_to_json(kv, nkv));
			if (!json)
				printf("uplink %s: rx %s pkts %s bytes (%s dropped, %s to unknown "
				       "MACs), tx %s pkts %s bytes (%s dropped)\n\n", G("name"),
				       G("rx_packets"), G("rx_bytes"), G("rx_drops"),
				       G("rx_unknown"), G("tx_packets"), G("tx_bytes"),
				       G("tx_drops"));
		}
#undef G
	}
	if (json) {
		json_object *out = root;

		if (only)
			out = !strcmp(only, "port") ? ports : pools;
		else {
			json_object_object_add(root, "ports", json_object_get(ports));
			json_object_object_add(root, "pools", json_object_get(pools));
		}
		printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(root);
	json_object_put(ports);
	json_object_put(pools);
	return EXIT_OK;
}

static int call(const char *ctl, const char *req, char ***lines, size_t *n)
{
	struct errbuf eb = { "" };
	int err = switch_call(ctl, req, CALL_TIMEOUT_MS, lines, n, &eb);

	if (err) {
		cli_error("switch: %s", eb.msg);
		/* No switch there is something the user fixes. */
		return err == -ECONNREFUSED || err == -EEXIST || err == -EADDRINUSE ||
		       err == -ENOTSUP ? EXIT_USAGE : cli_exit_code(err);
	}
	return EXIT_OK;
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
	if (!quiet)
		render(lines, n, json, only);
	switch_lines_free(lines, n);
	return EXIT_OK;
}

/* ------------------------------------------------------------- start */

struct start_opts {
	bool foreground, no_huge, lossless;
	const char *uplink, *lcores, *classifier, *max_pools, *prefix, *log, *metrics;
	unsigned int mem_mb, wait_s;
	const char *ports[64];
	unsigned int nports;
};

#define HUGE_DIR "/dev/hugepages"

/*
 * Hugepages when the system's hugetlbfs (/dev/hugepages) is mounted and has
 * room for all of --mem. Only that mount: the EAL would otherwise take
 * pages from any hugetlbfs it finds, a test's private one included.
 */
static bool hugepages_fit(unsigned int mem_mb)
{
	FILE *f = fopen("/proc/mounts", "r");
	unsigned long free_pages = 0, size_kb = 0;
	char line[512], mnt[256], type[64];
	bool mounted = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s %63s", mnt, type) == 2 &&
		    !strcmp(mnt, HUGE_DIR) && !strcmp(type, "hugetlbfs"))
			mounted = true;
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!mounted || !f) {
		if (f)
			fclose(f);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return free_pages * size_kb >= (unsigned long)mem_mb * 1024;
}

static int switch_binary(char *buf, size_t len)
{
	const char *env = getenv("IOPASS_SWITCH_BIN");
	char self[PATH_MAX];
	ssize_t r;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r < 0)
		return -errno;
	self[r] = '\0';
	snprintf(buf, len, "%s/iopass-switch", dirname(self));
	return access(buf, X_OK) ? -ENOENT : 0;
}

static void print_log_tail(const char *log)
{
	char cmd[PATH_MAX + 32];

	/* The switch's own words say best why it did not start. */
	snprintf(cmd, sizeof(cmd), "tail -n 5 '%s' >&2", log);
	if (system(cmd))
		return;
}

static int start_daemon(char **argv, const char *ctl, const struct start_opts *o)
{
	char **lines;
	size_t n;
	struct errbuf eb;
	pid_t pid;
	int fd, status;

	/* Else the running one would answer the pings below. */
	if (!switch_call(ctl, "ping", 1000, &lines, &n, &eb)) {
		switch_lines_free(lines, n);
		cli_error("switch start: a switch already runs at %s; 'iopass switch stop' "
			  "it first or give another --ctl", ctl);
		return EXIT_USAGE;
	}
	fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error("switch start: cannot open the log %s: %s", o->log, strerror(errno));
		return EXIT_USAGE;
	}
	pid = fork();
	if (pid < 0) {
		cli_error("switch start: fork: %s", strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	if (!pid) {
		int nul = open("/dev/null", O_RDONLY);

		setsid();
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		fprintf(stderr, "iopass: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	for (unsigned int t = 0; t < o->wait_s * 10; t++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			cli_error("switch start: iopass-switch exited (%s %d) before it answered; "
				  "its log %s ends with:", WIFEXITED(status) ? "status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), o->log);
			print_log_tail(o->log);
			return EXIT_FAIL;
		}
		if (!switch_call(ctl, "ping", 1000, &lines, &n, &eb)) {
			switch_lines_free(lines, n);
			printf("switch started: pid %d, control %s, log %s\n", pid, ctl, o->log);
			return EXIT_OK;
		}
		usleep(100 * 1000);
	}
	kill(pid, SIGTERM);
	cli_error("switch start: iopass-switch (pid %d) did not answer on %s within %u s; "
		  "stopped it. See %s", pid, ctl, o->wait_s, o->log);
	return EXIT_FAIL;
}

static int parse_start(int argc, char **argv, struct start_opts *o, const char **ctl)
{
	static const struct option lo[] = {
		{ "foreground", no_argument, NULL, 'f' }, { "no-huge", no_argument, NULL, 'n' },
		{ "lossless", no_argument, NULL, 'S' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "lcores", required_argument, NULL, 'l' },
		{ "classifier", required_argument, NULL, 'k' },
		{ "max-pools", required_argument, NULL, 'P' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "file-prefix", required_argument, NULL, 'x' },
		{ "log", required_argument, NULL, 'L' }, { "mem", required_argument, NULL, 'm' },
		{ "wait", required_argument, NULL, 'w' }, { "port", required_argument, NULL, 'p' },
		{ "ctl", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case 'f': o->foreground = true; break;
		case 'n': o->no_huge = true; break;
		case 'S': o->lossless = true; break;
		case 'u': o->uplink = optarg; break;
		case 'l': o->lcores = optarg; break;
		case 'k': o->classifier = optarg; break;
		case 'P': o->max_pools = optarg; break;
		case 'M': o->metrics = optarg; break;
		case 'x': o->prefix = optarg; break;
		case 'L': o->log = optarg; break;
		case 'c': *ctl = optarg; break;
		case 'm':
		case 'w': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 1u << 20) {
				cli_error("switch start: --%s takes a positive number", c == 'm' ?
					  "mem" : "wait");
				return -EINVAL;
			}
			*(c == 'm' ? &o->mem_mb : &o->wait_s) = (unsigned int)v;
			break;
		}
		case 'p':
			if (o->nports == ARRAY_SIZE(o->ports)) {
				cli_error("switch start: too many --port; add more later");
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
	return 0;
}

static int cmd_start(int argc, char **argv, const char *ctl)
{
	struct start_opts o = { .lcores = "0,1", .mem_mb = 512, .wait_s = 60 };
	char bin[PATH_MAX], mem[16], prefix[64], log[PATH_MAX], ctlbuf[SWITCH_PATH_MAX];
	char *args[MAX_ARGS];
	struct errbuf eb;
	struct pci_addr pa;
	int na = 0, r;

	r = parse_start(argc, argv, &o, &ctl);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (ctl[0] != '/') {
		if (!getcwd(log, sizeof(log)) ||
		    (size_t)snprintf(ctlbuf, sizeof(ctlbuf), "%.*s/%s", 64, log, ctl) >=
		    sizeof(ctlbuf) || strlen(log) > 64) {
			cli_error("switch start: give --ctl as an absolute path");
			return EXIT_USAGE;
		}
		ctl = ctlbuf;
	}
	if (switch_binary(bin, sizeof(bin))) {
		cli_error("switch start: iopass-switch not found beside iopass; build it "
			  "(cmake --build BUILD) or set IOPASS_SWITCH_BIN");
		return EXIT_USAGE;
	}
	if (!strncmp(ctl, state_default_dir(), strlen(state_default_dir())) &&
	    state_mkdir(state_default_dir(), NULL, &eb)) {
		cli_error("switch start: %s", eb.msg);
		return EXIT_USAGE;
	}
	snprintf(mem, sizeof(mem), "%u", o.mem_mb);
	snprintf(prefix, sizeof(prefix), "%s", o.prefix ? o.prefix : "");
	if (!o.prefix)	/* distinct per switch: DPDK programs may run side by side */
		snprintf(prefix, sizeof(prefix), "iopass-switch-%d", getpid());
	args[na++] = bin;
	args[na++] = "-l";
	args[na++] = (char *)o.lcores;
	args[na++] = "--file-prefix";
	args[na++] = prefix;
	args[na++] = "-m";
	args[na++] = mem;
	if (o.no_huge || !hugepages_fit(o.mem_mb)) {
		args[na++] = "--no-huge";
		args[na++] = "--single-file-segments";
	} else {
		args[na++] = "--huge-dir";
		args[na++] = HUGE_DIR;
	}
	if (o.uplink && !pci_addr_parse(o.uplink, &pa)) {
		args[na++] = "-a";
		args[na++] = (char *)o.uplink;
	} else {
		/* Never probe the host's own NICs unless asked to. */
		args[na++] = "--no-pci";
		if (o.uplink) {
			args[na++] = "--vdev";
			args[na++] = (char *)o.uplink;
		}
	}
	for (; optind < argc && na < MAX_ARGS - 20 - 2 * (int)o.nports; optind++)
		args[na++] = argv[optind];	/* EAL options after -- */
	args[na++] = "--";
	args[na++] = "--ctl";
	args[na++] = (char *)ctl;
	if (o.classifier) {
		args[na++] = "--classifier";
		args[na++] = (char *)o.classifier;
	}
	if (o.lossless)
		args[na++] = "--lossless";
	if (o.max_pools) {
		args[na++] = "--max-pools";
		args[na++] = (char *)o.max_pools;
	}
	if (o.metrics) {
		args[na++] = "--metrics";
		args[na++] = (char *)o.metrics;
	}
	for (unsigned int i = 0; i < o.nports; i++) {
		args[na++] = "--port";
		args[na++] = (char *)o.ports[i];
	}
	args[na] = NULL;
	if (o.foreground) {
		execv(bin, args);
		cli_error("switch start: cannot run %s: %s", bin, strerror(errno));
		return EXIT_FAIL;
	}
	if (!o.log) {
		snprintf(log, sizeof(log), "%s/switch.log", state_default_dir());
		o.log = log;
	}
	return start_daemon(args, ctl, &o);
}

/* -------------------------------------------------------------- rest */

static int cmd_stop(const char *ctl)
{
	struct stat st;
	int rc = simple(ctl, "stop", false, NULL, true);

	if (rc)
		return rc;
	/* The switch removes its socket last, once every port is closed. */
	for (int t = 0; t < 150; t++) {
		if (stat(ctl, &st))
			return EXIT_OK;
		usleep(100 * 1000);
	}
	cli_error("switch stop: the switch at %s did not finish within 15 s", ctl);
	return EXIT_FAIL;
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
	struct switch_req req;
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
	/* One value, one word: a blank or a newline would smuggle in another
	 * key or another request. */
	if (strpbrk(mac, " \t\r\n") || strpbrk(vlan, " \t\r\n") ||
	    (path && strpbrk(path, " \t\r\n"))) {
		cli_error("switch port add: --mac, --vlan and --socket take one word each "
			  "(no blanks or newlines)");
		return EXIT_USAGE;
	}
	if (!switch_name_valid(argv[optind])) {
		cli_error("switch port add: '%s' is not a port name (1-%d of letters, digits, "
			  "'_', '.', '-')", argv[optind], SWITCH_NAME_MAX - 1);
		return EXIT_USAGE;
	}
	snprintf(line, sizeof(line), "port add %s mac=%s vlan=%s mode=%s%s%s", argv[optind],
		 mac, vlan, mode, path ? " path=" : "", path ? path : "");
	/* Checked here too so that bad input never reaches a running switch. */
	if (switch_req_parse(line, &req, &eb)) {
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
		if (!switch_name_valid(argv[2])) {
			cli_error("switch port del: '%s' is not a port name", argv[2]);
			return EXIT_USAGE;
		}
		snprintf(line, sizeof(line), "port del %s", argv[2]);
		return simple(ctl, line, json, NULL, true);
	}
	cli_error("switch: unknown or incomplete subcommand '%s'; 'iopass switch --help' "
		  "lists them", sub);
	return EXIT_USAGE;
}
