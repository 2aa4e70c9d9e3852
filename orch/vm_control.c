// SPDX-License-Identifier: GPL-2.0-only
/*
 * A running VM's control socket, <state>/vms/NAME.sock: one request line per
 * connection, one answer. Small on purpose: stop and status are all that ops
 * tooling needs from outside, and the lock (not this socket) says whether a
 * VM lives.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "iopass/orch.h"

#define CONTROL_LINE_MAX	256
#define CONTROL_IO_TIMEOUT_MS	1000

struct vm_control {
	int listen_fd;
	int quit_pipe[2];
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	void (*stop)(void *opaque);
	int (*status)(void *opaque, char *buf, size_t len);
	void *opaque;
};

static int control_addr(const char *state, const char *name,
			struct sockaddr_un *sa, struct errbuf *eb)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/vms/%s.sock",
		     state, name);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return errbuf_set(eb, -ENAMETOOLONG,
			"the control socket path %s/vms/%s.sock is longer than a UNIX socket allows (%zu bytes); use a shorter IOPASS_STATE_DIR",
			state, name, sizeof(sa->sun_path) - 1);
	return 0;
}

/* Reads up to a newline; false on timeout, EOF or overflow. */
static bool control_read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, CONTROL_IO_TIMEOUT_MS) <= 0)
			return false;
		r = read(fd, buf + got, len - 1 - got);
		if (r <= 0)
			break;
		got += r;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return got > 0;
}

static void control_write_all(int fd, const char *s)
{
	usock_send(fd, s, strlen(s), NULL, 0, now_ms() + CONTROL_IO_TIMEOUT_MS);
}

static void control_serve(struct vm_control *c, int fd)
{
	char req[CONTROL_LINE_MAX], reply[4096];

	if (!control_read_line(fd, req, sizeof(req)))
		return;
	if (!strcmp(req, "stop")) {
		c->stop(c->opaque);
		control_write_all(fd, "ok\n");
	} else if (!strcmp(req, "status")) {
		if (c->status(c->opaque, reply, sizeof(reply) - 1) < 0)
			snprintf(reply, sizeof(reply), "{ \"error\": \"no status\" }");
		strcat(reply, "\n");
		control_write_all(fd, reply);
	} else {
		control_write_all(fd, "error unknown request; say stop or status\n");
	}
}

static void *control_thread(void *arg)
{
	struct vm_control *c = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = c->listen_fd, .events = POLLIN },
			{ .fd = c->quit_pipe[0], .events = POLLIN },
		};
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		control_serve(c, fd);
		close(fd);
	}
	return NULL;
}

int vm_control_start(const char *state, const char *name,
		     void (*stop)(void *opaque),
		     int (*status)(void *opaque, char *buf, size_t len),
		     void *opaque, struct vm_control **out, struct errbuf *eb)
{
	struct sockaddr_un sa;
	struct vm_control *c;
	int ret;

	ret = control_addr(state, name, &sa, eb);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	c->stop = stop;
	c->status = status;
	c->opaque = opaque;
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	c->quit_pipe[0] = c->quit_pipe[1] = -1;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0) {
		ret = errbuf_set(eb, -errno, "socket: %s", strerror(errno));
		goto err_free;
	}
	/* The caller holds the name's lock: a socket left here is stale. */
	unlink(sa.sun_path);
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(c->listen_fd, 8)) {
		ret = errbuf_set(eb, -errno, "cannot listen on %s: %s",
				 sa.sun_path, strerror(errno));
		goto err_close;
	}
	if (pipe2(c->quit_pipe, O_CLOEXEC)) {
		ret = errbuf_set(eb, -errno, "pipe: %s", strerror(errno));
		goto err_unlink;
	}
	ret = -pthread_create(&c->thread, NULL, control_thread, c);
	if (ret) {
		errbuf_set(eb, ret, "cannot start the control thread: %s",
			   strerror(-ret));
		goto err_pipe;
	}
	*out = c;
	return 0;

err_pipe:
	close(c->quit_pipe[0]);
	close(c->quit_pipe[1]);
err_unlink:
	unlink(sa.sun_path);
err_close:
	close(c->listen_fd);
err_free:
	free(c);
	return ret;
}

void vm_control_stop(struct vm_control *c)
{
	if (!c)
		return;
	if (write(c->quit_pipe[1], "q", 1) != 1)
		pthread_cancel(c->thread);
	pthread_join(c->thread, NULL);
	unlink(c->path);
	close(c->listen_fd);
	close(c->quit_pipe[0]);
	close(c->quit_pipe[1]);
	free(c);
}

int vm_control_send(const char *state, const char *name, const char *cmd,
		    char *reply, size_t len, int timeout_ms,
		    struct errbuf *eb)
{
	struct sockaddr_un sa;
	struct pollfd p;
	size_t got = 0;
	int fd, ret;

	ret = control_addr(state, name, &sa, eb);
	if (ret)
		return ret;
	fd = usock_connect(sa.sun_path, timeout_ms);
	if (fd < 0) {
		ret = fd;
		return errbuf_set(eb, ret,
			"cannot reach VM '%s' at %s: %s; 'iopass vm list' shows the running VMs",
			name, sa.sun_path, strerror(-ret));
	}
	control_write_all(fd, cmd);
	control_write_all(fd, "\n");
	shutdown(fd, SHUT_WR);
	while (got + 1 < len) {
		ssize_t r;

		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, timeout_ms) <= 0) {
			close(fd);
			return errbuf_set(eb, -ETIMEDOUT,
				"VM '%s' did not answer '%s' within %d ms", name,
				cmd, timeout_ms);
		}
		r = read(fd, reply + got, len - 1 - got);
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (!strncmp(reply, "error ", 6))
		return errbuf_set(eb, -EINVAL, "VM '%s': %s", name, reply + 6);
	return 0;
}
