// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm run's life around the VM: options from a VM description file
 * (--config) and running in the background (--daemon).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iopass/orch.h"
#include "iopass/state.h"
#include "iopass/vmm.h"
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

/*
 * --daemon: the child sets the VM up with its stderr on a pipe that the
 * parent relays, so set-up messages and errors show in the foreground. Once
 * the VM runs, the child writes DAEMON_READY as its last byte and points
 * stderr at its log. The parent exits 0 when the stream ends with that
 * byte; otherwise the child failed, and its exit status is the parent's.
 */
#define DAEMON_READY	'\001'

int vm_daemonize(const char *name, int *pipe_wr)
{
	bool ready = false;
	int p[2], status;
	char buf[512];
	pid_t pid;
	ssize_t r;

	fflush(NULL);
	if (pipe2(p, O_CLOEXEC)) {
		cli_error("pipe: %s", strerror(errno));
		return EXIT_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		cli_error("fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		close(p[0]);
		setsid();
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		dup2(p[1], STDERR_FILENO);
		*pipe_wr = p[1];
		return -1;	/* the child goes on */
	}
	close(p[1]);
	while ((r = read(p[0], buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		ready = buf[r - 1] == DAEMON_READY;
		fwrite(buf, 1, ready ? r - 1 : r, stderr);
	}
	close(p[0]);
	if (!ready) {
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			return WEXITSTATUS(status) ? WEXITSTATUS(status) : EXIT_FAIL;
		return EXIT_FAIL;
	}
	printf("started VM '%s' (VMM pid %d); 'iopass vm stop %s' stops it\n",
	       name, (int)pid, name);
	return EXIT_OK;
}

/* The VM set up: the daemon's stderr moves from the parent's pipe to a log. */
void vm_daemon_ready(int *pipe_wr, int log_fd)
{
	char c = DAEMON_READY;

	if (*pipe_wr < 0)
		return;
	fflush(stderr);
	if (write(STDERR_FILENO, &c, 1) != 1)
		return;	/* the parent is gone: nobody to tell */
	dup2(log_fd >= 0 ? log_fd : STDOUT_FILENO, STDERR_FILENO);
	close(*pipe_wr);
	*pipe_wr = -1;
}
