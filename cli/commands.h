/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IOPASS_CLI_COMMANDS_H
#define IOPASS_CLI_COMMANDS_H

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

/* "iopass: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
