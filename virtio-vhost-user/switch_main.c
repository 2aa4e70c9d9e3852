// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass-switch: a DPDK program. EAL options first, then ours:
 *
 *   iopass-switch [EAL options] -- [--ctl PATH] [--classifier auto|software|hardware]
 *                 [--max-pools N] [--hw-pools N] [--lossless] [--metrics ADDR:PORT]
 *                 [--port "NAME mac=MAC [vlan=N] [path=P] [mode=M]"]...
 *
 * The uplink is the first ethdev the EAL probed (--vdev, --allow); without
 * one the switch only forwards between guests. Every worker lcore forwards;
 * the main lcore serves the control socket. `iopass switch start` builds
 * this command line (docs/switch.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "iopass/state.h"
#include "switch.h"

#define MAX_INIT_PORTS	SW_MAX_PORTS

struct sw sw;

void sw_log(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "iopass-switch[%d] %lld.%03ld: ", getpid(), (long long)ts.tv_sec,
		ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&sw.stop, true);
}

static void usage(void)
{
	fprintf(stderr,
"usage: iopass-switch [EAL options] -- [--ctl PATH] [--classifier auto|software|hardware]\n"
"                     [--max-pools N] [--hw-pools N] [--lossless] [--metrics ADDR:PORT]\n"
"                     [--port \"NAME mac=MAC [vlan=N] [path=P] [mode=M]\"]...\n"
"Usually started by 'iopass switch start' (see docs/switch.md).\n");
}

struct opts {
	const char *metrics;	/* ADDR:PORT for /metrics */
	enum vmdq_want want;
	unsigned int max_pools;
	unsigned int hw_pools;		/* at most this many NIC pools (0: all) */
	unsigned int nports;
	struct switch_port_spec ports[MAX_INIT_PORTS];
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "classifier", required_argument, NULL, 'k' },
		{ "max-pools", required_argument, NULL, 'm' },
		{ "hw-pools", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "lossless", no_argument, NULL, 'L' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf eb;
	char line[SWITCH_LINE_MAX];
	int c;

	o->want = VMDQ_WANT_AUTO;
	o->max_pools = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		struct switch_req req;
		char *end;

		switch (c) {
		case 'c':
			snprintf(sw.ctl, sizeof(sw.ctl), "%s", optarg);
			break;
		case 'k':
			if (!strcmp(optarg, "auto"))
				o->want = VMDQ_WANT_AUTO;
			else if (!strcmp(optarg, "software"))
				o->want = VMDQ_WANT_SOFTWARE;
			else if (!strcmp(optarg, "hardware"))
				o->want = VMDQ_WANT_HARDWARE;
			else
				return fprintf(stderr, "iopass-switch: --classifier is auto, "
					       "software or hardware\n"), -EINVAL;
			break;
		case 'm':
			o->max_pools = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !o->max_pools || o->max_pools > VMDQ_MAX_POOLS)
				return fprintf(stderr, "iopass-switch: --max-pools is 1 to %u\n",
					       VMDQ_MAX_POOLS), -EINVAL;
			break;
		case 'H':
			o->hw_pools = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !o->hw_pools || o->hw_pools > VMDQ_MAX_HW_POOLS - 1)
				return fprintf(stderr, "iopass-switch: --hw-pools is 1 to %u\n",
					       VMDQ_MAX_HW_POOLS - 1), -EINVAL;
			break;
		case 'L':
			sw.lossless = true;
			break;
		case 'M':
			o->metrics = optarg;
			break;
		case 'p':
			snprintf(line, sizeof(line), "port add %s", optarg);
			if (o->nports == MAX_INIT_PORTS)
				return fprintf(stderr, "iopass-switch: at most %d --port; add more "
					       "over the control socket\n", MAX_INIT_PORTS), -EINVAL;
			if (switch_req_parse(line, &req, &eb))
				return fprintf(stderr, "iopass-switch: --port: %s\n", eb.msg), -EINVAL;
			o->ports[o->nports++] = req.port;
			break;
		default:
			usage();
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iopass-switch: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int workers_create(struct errbuf *eb)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct sw_worker *w;

		if (sw.nworkers == SW_MAX_WORKERS)
			break;
		w = rte_zmalloc_socket("sw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (!w)
			return errbuf_set(eb, -ENOMEM, "no memory for worker %u (give the EAL "
					  "more with -m)", sw.nworkers);
		w->idx = sw.nworkers;
		w->lcore = lcore;
		sw.workers[sw.nworkers++] = w;
	}
	if (!sw.nworkers)
		return errbuf_set(eb, -EINVAL, "no worker lcore: give the EAL two lcores or "
				  "more (-l 0,1): the main one serves the control socket, the "
				  "others forward");
	return 0;
}

static int setup(struct opts *o, struct errbuf *eb)
{
	uint16_t port, nports = 0;
	int err;

	err = workers_create(eb);
	if (err)
		return err;
	RTE_ETH_FOREACH_DEV(port) {
		if (!nports++)
			sw.uplink = port;
	}
	if (nports > 1)
		sw_log("%u ethdevs: port %u is the uplink, the others are left alone",
		       nports, sw.uplink);
	if (nports) {
		err = sw_uplink_setup(sw.uplink, o->want, o->max_pools ? o->max_pools :
				      VMDQ_MAX_POOLS, o->hw_pools, eb);
		if (err)
			return err;
	} else {
		err = sw_mbufs_default(eb);
		if (err)
			return err;
		if (o->want == VMDQ_WANT_HARDWARE)
			return errbuf_set(eb, -EINVAL, "--classifier hardware needs an uplink "
					  "NIC (--allow or --vdev)");
		err = vmdq_set_init(&sw.set, &vmdq_software_ops, NULL, NULL,
				    o->max_pools ? o->max_pools : VMDQ_MAX_POOLS, 0, eb);
		if (err)
			return err;
		sw_log("no uplink: forwarding between guests only");
	}
	return sw_cfg_publish(eb);
}

int main(int argc, char **argv)
{
	static struct opts o;
	struct errbuf eb = { "" };
	unsigned int lcore;
	int n, err;

	setvbuf(stderr, NULL, _IOLBF, 0);
	/*
	 * Every file the switch makes (its control socket, the vhost-user
	 * sockets rte_vhost binds, their directory) is its user's alone,
	 * whatever umask the caller had: a vhost-user peer maps guest RAM.
	 */
	umask(077);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "iopass-switch: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	if (parse_opts(argc - n, argv + n, &o))
		goto err_eal;
	if (!sw.ctl[0])
		switch_default_ctl(sw.ctl, sizeof(sw.ctl));
	if (sw.ctl[0] != '/') {
		fprintf(stderr, "iopass-switch: --ctl %s: give an absolute path\n", sw.ctl);
		goto err_eal;
	}
	/* Port sockets without a path= live beside the control socket. */
	snprintf(sw.vhost_dir, sizeof(sw.vhost_dir), "%.*s/vhost",
		 (int)(strrchr(sw.ctl, '/') - sw.ctl), sw.ctl);

	err = setup(&o, &eb);
	if (!err && o.metrics)
		err = sw_metrics_listen(o.metrics, &eb);
	if (err) {
		fprintf(stderr, "iopass-switch: %s\n", eb.msg);
		goto err_teardown;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	sw.hold_tsc = rte_get_tsc_hz() * SW_HOLD_MS / 1000;
	atomic_store(&sw.running, true);
	for (unsigned int i = 0; i < sw.nworkers; i++)
		rte_eal_remote_launch(sw_worker_main, sw.workers[i], sw.workers[i]->lcore);
	for (unsigned int i = 0; i < o.nports; i++) {
		err = sw_port_add(&o.ports[i], &eb);
		if (err) {
			fprintf(stderr, "iopass-switch: --port %s: %s\n", o.ports[i].name, eb.msg);
			atomic_store(&sw.stop, true);
			break;
		}
	}
	if (!atomic_load(&sw.stop)) {
		err = sw_ctl_serve(&eb);
		if (err)
			fprintf(stderr, "iopass-switch: %s\n", eb.msg);
	}
	atomic_store(&sw.stop, true);
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_wait_lcore(lcore);
	atomic_store(&sw.running, false);
	sw_metrics_close();
	sw_port_del_all();
	sw_uplink_close();
	rte_eal_cleanup();
	if (!err)
		unlink(sw.ctl);
	sw_log("stopped");
	return err ? 1 : 0;

err_teardown:
	sw_uplink_close();
err_eal:
	rte_eal_cleanup();
	return 2;
}
