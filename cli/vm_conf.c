// SPDX-License-Identifier: GPL-2.0-only
/* vm run: options from a VM description file (--config). */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "iopass/orch.h"
#include "commands.h"
#include "vm_run.h"

/*
 * --config FILE: the file's words go first, then the command line's, so the
 * command line wins for single options and adds to repeatable ones.
 */
int vm_conf_merge(const struct option *vm_options, size_t nopts, int argc,
		  char **argv, int *nargc, char ***nargv, char ***conf,
		  int *nconf)
{
	struct orch_conf_key keys[nopts];
	const char *path = NULL;
	struct errbuf eb;
	size_t nkeys = 0;
	int i, ret;

	*conf = NULL;
	*nconf = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-C")) &&
		    i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
	}
	if (!path) {
		*nargc = argc;
		*nargv = argv;
		return 0;
	}
	for (i = 0; vm_options[i].name; i++) {
		if (!strcmp(vm_options[i].name, "config") ||
		    !strcmp(vm_options[i].name, "help"))
			continue;
		keys[nkeys].name = vm_options[i].name;
		keys[nkeys++].has_value = vm_options[i].has_arg != no_argument;
	}
	ret = orch_conf_argv(path, keys, nkeys, argc, argv, nargc, nargv, nconf,
			     conf, &eb);
	if (ret)
		cli_error("%s", eb.msg);
	return !ret ? 0 : ret == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}
