// SPDX-License-Identifier: GPL-2.0-only
/* iopass host apply FILE: the host's devices as one file declares them. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "iopass/host.h"

#include "commands.h"

static void apply_usage(FILE *f)
{
	fprintf(f,
"usage: iopass host apply FILE [--dry-run] [--pools-file PATH]\n"
"\n"
"Make this host's devices as FILE declares them (docs/host.md): SR-IOV VF\n"
"counts per PF ([sriov PF]: vfs, autoprobe, link = up), VF settings and\n"
"drivers ([vf PF#N]: the 'iopass vf set' settings, driver), driver bindings\n"
"by address or vendor:device ([bind BDF|VVVV:DDDD]: driver, force), and the\n"
"pools ([pool NAME], as in pools.conf, written to the pools file).\n"
"\n"
"The plan is printed first, then each step as it is done: VF counts, then\n"
"the rest planned again against the VFs the kernel created. The host is then\n"
"read again and must be as declared. On any failure every step done is\n"
"undone. A second run finds nothing to do and says so. A function held by a\n"
"lease, a running VM or an open VFIO group is never touched: the whole run\n"
"is refused before anything changes. iopass-host.service runs this at boot.\n"
"\n"
"  --dry-run          print the plan, change nothing\n"
"  --pools-file PATH  where the [pool] sections go (default: $IOPASS_POOLS_CONF,\n"
"                     else /etc/iopass/pools.conf)\n"
"\n"
"Exit status: 0 the host is as declared (changed or not), 1 applying failed\n"
"(rolled back), 2 a bad file, or refused (a held device, a VF that cannot\n"
"exist): nothing changed.\n");
}

struct apply_out {
	const struct host_conf *conf;
	size_t planned;
};

static void print_plan(void *opaque, const struct host_plan *plan)
{
	struct apply_out *o = opaque;
	const struct host_conf *conf = o->conf;

	o->planned = plan->n;
	if (!plan->n)
		return;
	printf("plan for %s (%zu step%s):\n", conf->file, plan->n, plan->n == 1 ? "" : "s");
	for (size_t i = 0; i < plan->n; i++) {
		if (plan->steps[i].line)
			printf("  %2zu. %s  (line %u)\n", i + 1, plan->steps[i].what,
			       plan->steps[i].line);
		else
			printf("  %2zu. %s\n", i + 1, plan->steps[i].what);
	}
	fflush(stdout);
}

static void print_step(void *opaque, const char *verb, const struct host_step *s,
		       const char *detail)
{
	(void)opaque;
	printf("%s: %s%s%s\n", verb, s->what, detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
}

int cmd_host_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "pools-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct host_apply_ctx ctx = { .planned = print_plan, .report = print_step };
	struct host_conf conf;
	struct apply_out out = { &conf, 0 };
	struct host_env env;
	struct errbuf eb;
	size_t changed;
	int opt, ret;

	host_env_default(&env);
	while ((opt = getopt_long(argc, argv, "hn", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			ctx.dry_run = true;
			break;
		case 'p':
			env.pools = optarg;
			break;
		case 'h':
			apply_usage(stdout);
			return EXIT_OK;
		default:
			cli_error("bad arguments to 'host apply'; see 'iopass host apply --help'");
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("host apply needs one FILE (docs/host.md); see 'iopass host apply --help'");
		return EXIT_USAGE;
	}
	if (host_conf_load(argv[optind], &conf, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	ctx.env = &env;
	ctx.opaque = &out;
	ret = host_apply(&ctx, &conf, &changed, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		host_conf_free(&conf);
		return cli_exit_code(ret);
	}
	if (ctx.dry_run && out.planned)
		printf("dry run: nothing changed\n");
	else if (!changed)
		printf("nothing to do: the host is as %s declares\n", conf.file);
	else
		printf("applied %zu step%s: the host is as %s declares\n", changed,
		       changed == 1 ? "" : "s", conf.file);
	host_conf_free(&conf);
	return EXIT_OK;
}
