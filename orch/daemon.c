// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VMM in the background (`iopass vm run --daemon`): the child sets the VM
 * up with its stderr on a pipe that the parent relays, so set-up messages
 * and errors show in the foreground. Once the VM runs, the child writes
 * DAEMON_READY as its last byte and points stderr at its log. The parent
 * knows the VM is up when the stream ends with that byte; otherwise the
 * child failed, and its exit status is the parent's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iopass/orch.h"

#define DAEMON_READY	'\001'

int orch_daemon_fork(int *pipe_wr, int *status, struct errbuf *eb)
{
	bool ready = false;
	char buf[512];
	int p[2], st;
	pid_t pid;
	ssize_t r;

	fflush(NULL);
	if (pipe2(p, O_CLOEXEC))
		return errbuf_set(eb, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return errbuf_set(eb, -errno, "fork: %s", strerror(errno));
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
		return 0;	/* the child goes on */
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
	if (ready)
		return pid;
	*status = 1;
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st))
		*status = WEXITSTATUS(st);
	return -ECHILD;
}

void orch_daemon_ready(int *pipe_wr, int log_fd)
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
