/* SPDX-License-Identifier: GPL-2.0-only */
/* The parts of `iopass vm run` (cmd_vm.c, vm_conf.c). */
#ifndef IOPASS_CLI_VM_RUN_H
#define IOPASS_CLI_VM_RUN_H

#include <stdbool.h>
#include <stddef.h>

struct option;

/* What `vm run` takes besides the VM's own configuration. */
struct vm_run_opts {
	const char *console;
	const char *name;
	bool daemon;
};

/*
 * vm_conf.c. vm_conf_merge: argv with --config FILE's words first (*nargv
 * is argv itself without --config; free it when it is not).
 */
int vm_conf_merge(const struct option *vm_options, size_t nopts, int argc,
		  char **argv, int *nargc, char ***nargv, char ***conf,
		  int *nconf);

#endif
