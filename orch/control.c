// SPDX-License-Identifier: GPL-2.0-only
/*
 * A running VM's control socket, <state>/vms/NAME.sock: one JSON request
 * per connection, one JSON answer (docs/vm.md). Small on purpose: what ops
 * tooling and fleet agents need from outside is what the VM is (status:
 * its devices and NICs with their paths) and to stop it; whether a VM
 * lives is its lock's to say, not this socket's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/state.h"
#include "orch_impl.h"

#define CONTROL_LINE_MAX	4096
#define CONTROL_IO_TIMEOUT_MS	1000
#define CONTROL_REPLY_MAX	(1 << 20)

struct orch_control {
	int listen_fd;
	int quit_pipe[2];
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	void (*stop)(void *opaque);
	char *(*describe)(void *opaque);
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

static void control_write(int fd, const char *s)
{
	int64_t deadline = now_ms() + CONTROL_IO_TIMEOUT_MS;

	if (!usock_send(fd, s, strlen(s), NULL, 0, deadline))
		usock_send(fd, "\n", 1, NULL, 0, deadline);
}

static void control_error(int fd, int err, const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "errno", json_object_new_int(-err));
	json_object_object_add(o, "error", json_object_new_string(msg));
	control_write(fd, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* A request word: 1 to len - 1 lower-case letters, nothing else. */
static bool control_word(const char *s, size_t n, char *word, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	if (!n || n >= len)
		return false;
	memcpy(word, s, n);
	word[n] = '\0';
	return true;
}

bool orch_control_request(const char *line, char *word, size_t len)
{
	json_object *o, *r;
	bool ok = false;

	if (line[0] != '{')
		return control_word(line, strlen(line), word, len);
	o = json_tokener_parse(line);
	/* By its length: "stop\u0000x" is not "stop". */
	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, "request", &r) &&
	    json_object_is_type(r, json_type_string))
		ok = control_word(json_object_get_string(r),
				  (size_t)json_object_get_string_len(r), word, len);
	json_object_put(o);
	return ok;
}

static void control_serve(struct orch_control *c, int fd)
{
	char line[CONTROL_LINE_MAX], word[32], *vm, *reply;

	if (!control_read_line(fd, line, sizeof(line)))
		return;
	if (!orch_control_request(line, word, sizeof(word))) {
		control_error(fd, -EINVAL, "not a request: send {\"request\": \"status\"} or {\"request\": \"stop\"}");
		return;
	}
	if (!strcmp(word, "stop")) {
		c->stop(c->opaque);
		control_write(fd, "{\"ok\":true}");
	} else if (!strcmp(word, "status")) {
		vm = c->describe(c->opaque);
		if (!vm || asprintf(&reply, "{\"ok\":true,\"vm\":%s}", vm) < 0) {
			free(vm);
			control_error(fd, -ENOMEM, "out of memory");
			return;
		}
		control_write(fd, reply);
		free(reply);
		free(vm);
	} else {
		/* word is letters only: safe to echo */
		snprintf(line, sizeof(line), "unknown request '%s'; say status or stop", word);
		control_error(fd, -EINVAL, line);
	}
}

/*
 * Whatever the socket's mode (a parent directory's, a chmod by hand), only
 * root and the VMM's own user may stop or inspect it: the others are told.
 */
static bool control_peer(int fd)
{
	char msg[160];
	uid_t uid;

	if (usock_peer_trusted(fd, &uid))
		return true;
	snprintf(msg, sizeof(msg), "uid %d may not control this VM: only root and uid %u may",
		 (int)uid, (unsigned int)geteuid());
	control_error(fd, -EACCES, msg);
	return false;
}

static void *control_thread(void *arg)
{
	struct orch_control *c = arg;

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
		if (control_peer(fd))
			control_serve(c, fd);
		close(fd);
	}
	return NULL;
}

int orch_control_start(const char *state, const char *name,
		       void (*stop)(void *opaque),
		       char *(*describe)(void *opaque), void *opaque,
		       struct orch_control **out, struct errbuf *eb)
{
	struct sockaddr_un sa;
	struct orch_control *c;
	int ret;

	ret = control_addr(state, name, &sa, eb);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	c->stop = stop;
	c->describe = describe;
	c->opaque = opaque;
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	c->quit_pipe[0] = c->quit_pipe[1] = -1;
	ret = state_check(state, "vms", eb);
	if (ret)
		goto err_free;
	/* The caller holds the name's lock: a socket left here is stale. */
	unlink(sa.sun_path);
	/* 0600: only root and the VMM's own user may connect (and then
	 * control_peer() asks the kernel who it is). */
	c->listen_fd = usock_listen(sa.sun_path, 0600, 8, 0);
	if (c->listen_fd < 0) {
		ret = errbuf_set(eb, c->listen_fd, "cannot listen on %s: %s",
				 sa.sun_path, strerror(-c->listen_fd));
		goto err_free;
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
	close(c->listen_fd);
err_free:
	free(c);
	return ret;
}

void orch_control_stop(struct orch_control *c)
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

/* The whole answer, until the server closes (*out malloc'd). */
static int control_read_all(int fd, const char *name, const char *request,
			    int timeout_ms, char **out, struct errbuf *eb)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t got = 0, cap = 4096;
	char *buf = malloc(cap), *grown;
	int ret;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (!buf)
			return errbuf_set(eb, -ENOMEM, "out of memory");
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			ret = errbuf_set(eb, -ETIMEDOUT, "VM '%s' did not answer '%s' within %d ms",
					 name, request, timeout_ms);
			break;
		}
		if (got + 1 == cap) {
			grown = cap < CONTROL_REPLY_MAX ? realloc(buf, cap * 2) : NULL;
			if (!grown) {
				ret = errbuf_set(eb, -EMSGSIZE, "VM '%s' answered more than %d bytes",
						 name, CONTROL_REPLY_MAX);
				break;
			}
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf[got] = '\0';
			*out = buf;
			return 0;
		}
		got += r;
	}
	free(buf);
	return ret;
}

int orch_control_call(const char *state, const char *name, const char *request,
		      char **reply, int timeout_ms, struct errbuf *eb)
{
	json_object *req, *ans = NULL, *v;
	struct sockaddr_un sa;
	char *text = NULL;
	int fd, ret;

	*reply = NULL;
	ret = control_addr(state, name, &sa, eb);
	if (ret)
		return ret;
	fd = usock_connect(sa.sun_path, timeout_ms);
	if (fd < 0)
		return errbuf_set(eb, fd,
			"cannot reach VM '%s' at %s: %s; 'iopass vm list' shows the running VMs",
			name, sa.sun_path, strerror(-fd));
	req = json_object_new_object();
	json_object_object_add(req, "request", json_object_new_string(request));
	control_write(fd, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(req);
	shutdown(fd, SHUT_WR);
	ret = control_read_all(fd, name, request, timeout_ms, &text, eb);
	close(fd);
	if (ret)
		return ret;
	ans = json_tokener_parse(text);
	if (!ans || !json_object_is_type(ans, json_type_object) ||
	    !json_object_object_get_ex(ans, "ok", &v)) {
		ret = errbuf_set(eb, -EPROTO, "VM '%s' answered '%.60s', not the control protocol",
				 name, text);
	} else if (!json_object_get_boolean(v)) {
		json_object *e, *msg;
		int err = json_object_object_get_ex(ans, "errno", &e) ?
			  json_object_get_int(e) : EINVAL;

		json_object_object_get_ex(ans, "error", &msg);
		ret = errbuf_set(eb, -(err > 0 && err < 4096 ? err : EINVAL), "VM '%s': %s",
				 name, msg ? json_object_get_string(msg) : "refused");
	} else {
		*reply = text;
		text = NULL;
	}
	json_object_put(ans);
	free(text);
	return ret;
}
