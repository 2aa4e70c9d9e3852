// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vhost-user "backend" that misbehaves on purpose, for the bad-input
 * tests of `iopass vm run --nic`:
 *
 *   vhost_fake MODE SOCKET -- COMMAND...
 *
 * listens on SOCKET, runs COMMAND (the socket is already listening, so no
 * race), serves every connection the way MODE says, and exits with
 * COMMAND's status once it ends.
 *
 *   garbage   answers GET_FEATURES with an HTTP error line
 *   nover1    speaks vhost-user but offers no VIRTIO_F_VERSION_1
 *   silent    reads requests and never answers
 *   hangup    closes every connection once asked for its features
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define HDR		12
#define GET_FEATURES	1
#define FLAG_REPLY	0x5	/* version 1 | reply */

static int read_msg(int fd, uint32_t *req, uint32_t *flags)
{
	uint8_t buf[HDR + 256];
	uint32_t size;
	ssize_t n = recv(fd, buf, HDR, MSG_WAITALL);

	if (n != HDR)
		return -1;
	memcpy(req, buf, 4);
	memcpy(flags, buf + 4, 4);
	memcpy(&size, buf + 8, 4);
	if (size > sizeof(buf) - HDR ||
	    (size && recv(fd, buf + HDR, size, MSG_WAITALL) != (ssize_t)size))
		return -1;
	return 0;
}

static void reply_u64(int fd, uint32_t req, uint64_t val)
{
	uint8_t buf[HDR + 8];
	uint32_t flags = FLAG_REPLY, size = 8;

	memcpy(buf, &req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	memcpy(buf + 12, &val, 8);
	if (write(fd, buf, sizeof(buf)) < 0)
		perror("vhost_fake: write");
}

static void serve(int fd, const char *mode)
{
	static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	uint32_t req, flags;

	/* Not at once: closed before the client's SET_OWNER (no reply) is
	 * written, the client fails on that write, not on GET_FEATURES's
	 * reply, and which one is the scheduler's choice. */
	if (!strcmp(mode, "hangup")) {
		while (!read_msg(fd, &req, &flags) && req != GET_FEATURES)
			;
		return;
	}
	while (!read_msg(fd, &req, &flags)) {
		if (!strcmp(mode, "garbage")) {
			char drain[256];

			/* SET_OWNER wants no reply: answer the first that does. */
			if (req != GET_FEATURES)
				continue;
			if (write(fd, http, sizeof(http) - 1) < 0)
				perror("vhost_fake: write");
			/* Open until the client gives up, so it reads the answer. */
			while (read(fd, drain, sizeof(drain)) > 0)
				;
			return;
		}
		if (!strcmp(mode, "silent"))
			continue;
		/* nover1: MRG_RXBUF only, no protocol features. */
		if (req == GET_FEATURES)
			reply_u64(fd, req, 1ull << 15);
		else if (flags & 0x8)
			reply_u64(fd, req, 0);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, status = 0;
	pid_t child;

	if (argc < 5 || strcmp(argv[3], "--") ||
	    strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: vhost_fake garbage|nover1|silent|hangup "
			"SOCKET -- COMMAND...\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[2]);
	unlink(argv[2]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 4)) {
		perror("vhost_fake: socket");
		return 2;
	}
	child = fork();
	if (child == 0) {
		execvp(argv[4], argv + 4);
		perror("vhost_fake: exec");
		_exit(127);
	}
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (waitpid(child, &status, WNOHANG) == child)
			break;
		if (poll(&p, 1, 100) == 1) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				serve(fd, argv[1]);
				close(fd);
			}
		}
	}
	close(lfd);
	unlink(argv[2]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
