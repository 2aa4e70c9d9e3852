/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IOPASS_CLI_COMMANDS_H
#define IOPASS_CLI_COMMANDS_H

#include <stdbool.h>

/*
 * Exit codes every command keeps: 0 done, 1 the operation (or the guest's
 * tests) failed, 2 bad input or an environment that cannot work (the message
 * says what to change).
 */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
};

int cmd_list(int argc, char **argv);
int cmd_pool(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_sriov(int argc, char **argv);
int cmd_assign(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_leases(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_vm_list(int argc, char **argv);
int cmd_vm_stop(int argc, char **argv);
int cmd_vf(int argc, char **argv);
int cmd_switch(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_host_apply(int argc, char **argv);
int cmd_metrics(int argc, char **argv);

struct pci_addr;
/* A BDF or a PCI network interface's name; prints the error itself. */
int cli_resolve_pci(const char *arg, struct pci_addr *addr);

/* An option of names (NULL-terminated) given twice: says so, true. */
bool cli_repeated(int argc, char **argv, const char *const names[]);

/*
 * The exit code for a library error: what the caller can fix (bad input,
 * refused for safety, no such device, nothing free, an unwritable state
 * directory) is EXIT_USAGE, the rest EXIT_FAIL.
 */
int cli_exit_code(int err);

struct orch_ctx;
/*
 * The orch/ context of this command: the environment's paths, and what
 * happens along the way printed on stderr ("iopass: MSG", lease steps
 * indented).
 */
struct orch_ctx *cli_orch(void);

struct orch_switch_opts;
/*
 * `iopass switch start`'s options (argv[0] is the subcommand) into o: for
 * the command, and for the switch a VM starts ($IOPASS_SWITCH_START_ARGS).
 * Errors are printed with what in front; 1 after --help, 0, or -EINVAL.
 */
int cli_switch_opts(int argc, char **argv, const char *what,
		    struct orch_switch_opts *o, bool *foreground, const char **ctl);

struct json_object;
/* o on stdout, pretty, then freed. */
void cli_print_json(struct json_object *o);

/* "iopass: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
