/* SPDX-License-Identifier: GPL-2.0-only */
/* The parts of `iopass vm run` (cmd_vm.c, vm_assign.c, vm_daemon.c). */
#ifndef IOPASS_CLI_VM_RUN_H
#define IOPASS_CLI_VM_RUN_H

#include <stdbool.h>
#include <stddef.h>

struct option;
struct vm;
struct vfio_set;
struct vm_leases;

#define VM_DEVICES_MAX	16

/* What `vm run` takes besides the VM's own configuration. */
struct vm_run_opts {
	const char *console;
	const char *name;
	bool daemon;
};

/* --device specs, checked (well formed, none twice) but not yet opened. */
struct vm_devices {
	const char *spec[VM_DEVICES_MAX];	/* BDF, vfio-user:, pool: */
	int n;
	bool return_borrowed;	/* --return */
};

/* vm_assign.c: both print their errors and return an exit code. */
int vm_add_device(struct vm_devices *devs, const char *spec);
/* vm_reset.c: says before the guest runs which --device has no reset, and what would help. */
void vm_reset_preflight(const struct vm_devices *devs);
/* Leases taken (pool members, borrowed functions) go into leases. */
int vm_attach_devices(struct vm *vm, const struct vm_devices *devs,
		      struct vm_leases *leases, struct vfio_set **set);

/*
 * vm_daemon.c. vm_conf_merge: argv with --config FILE's words first (*nargv
 * is argv itself without --config; free it when it is not).
 */
int vm_conf_merge(const struct option *vm_options, size_t nopts, int argc,
		  char **argv, int *nargc, char ***nargv, char ***conf,
		  int *nconf);
/* -1 in the child that goes on, else the parent's exit code. */
int vm_daemonize(const char *name, int *pipe_wr);
void vm_daemon_ready(int *pipe_wr, int log_fd);
/* --console, or the daemon's log under the state directory; -1: none. */
int vm_open_console(const struct vm_run_opts *opts, int *fd);
void vm_ctl_stop(void *opaque);
int vm_ctl_status(void *opaque, char *buf, size_t len);

#endif
