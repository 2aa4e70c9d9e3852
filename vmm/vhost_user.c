// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user frontend connection: one unix stream socket to a backend,
 * requests sent with their file descriptors (SCM_RIGHTS), replies awaited
 * with a deadline and checked by the codec (vhost_user_msg.c). A backend
 * that misbehaves in any way costs it the connection, never the VMM.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhost_user.h"

void vhost_user_init(struct vhost_user *vu, const char *path)
{
	memset(vu, 0, sizeof(*vu));
	vu->fd = -1;
	vu->listen_fd = -1;
	snprintf(vu->path, sizeof(vu->path), "%s", path);
	vu->timeout_ms = VHOST_USER_TIMEOUT_MS;
}

bool vhost_user_connected(const struct vhost_user *vu)
{
	return vu->fd >= 0;
}

void vhost_user_close(struct vhost_user *vu)
{
	if (vu->fd >= 0)
		close(vu->fd);
	vu->fd = -1;
}

/* Socket errors as one message; the connection is closed. */
static int conn_fail(struct vhost_user *vu, int err, const char *what,
		     struct errbuf *eb)
{
	vhost_user_close(vu);
	switch (err) {
	case -ETIMEDOUT:
		return errbuf_set(eb, err, "vhost-user backend %s did not "
				  "answer %s within %d ms", vu->path, what,
				  vu->timeout_ms);
	case -ECONNRESET:
	case -EPIPE:
		return errbuf_set(eb, err, "vhost-user backend %s closed the "
				  "connection during %s", vu->path, what);
	case -EMSGSIZE:
		return errbuf_set(eb, -EPROTO, "vhost-user backend %s sent "
				  "file descriptors with its answer to %s",
				  vu->path, what);
	default:
		return errbuf_set(eb, err, "vhost-user backend %s: %s: %s",
				  vu->path, what, strerror(-err));
	}
}

/* The codec refused a reply: whoever is there does not speak vhost-user. */
static int proto_fail(struct vhost_user *vu, const struct errbuf *why,
		      struct errbuf *eb)
{
	vhost_user_close(vu);
	return errbuf_set(eb, -EPROTO, "vhost-user backend %s %s: is it a "
			  "vhost-user backend?", vu->path, why->msg);
}

int vhost_user_call(struct vhost_user *vu, struct vhost_user_msg *msg,
		    const int *fds, int nfds, struct vhost_user_msg *reply,
		    struct errbuf *eb)
{
	uint8_t buf[VHOST_USER_MSG_MAX];
	struct vhost_user_msg tmp;
	struct errbuf why;
	char nb[24];
	const char *name = vhost_user_request_name(msg->request, nb,
						   sizeof(nb));
	int64_t deadline;
	int len, ret;

	if (vu->fd < 0)
		return errbuf_set(eb, -ENOTCONN, "vhost-user backend %s is "
				  "not connected", vu->path);
	if (nfds < 0 || nfds > VHOST_USER_MAX_FDS)
		return errbuf_set(eb, -EINVAL, "%s: %d descriptors", name,
				  nfds);
	len = vhost_user_encode(msg, buf, sizeof(buf));
	if (len < 0)
		return errbuf_set(eb, len, "%s: malformed request", name);
	deadline = now_ms() + vu->timeout_ms;
	ret = usock_send(vu->fd, buf, len, fds, nfds, deadline);
	if (ret)
		return conn_fail(vu, ret, name, eb);
	if (!vhost_user_reply_size(msg->request, msg->flags))
		return 0;
	if (!reply)
		reply = &tmp;
	/* No descriptors are expected with a reply: any is -EMSGSIZE. */
	ret = usock_recv(vu->fd, buf, VHOST_USER_HDR_SIZE, NULL, NULL, 0,
			 deadline);
	if (ret)
		return conn_fail(vu, ret, name, eb);
	ret = vhost_user_reply_hdr(buf, msg, reply, &why);
	if (ret)
		return proto_fail(vu, &why, eb);
	ret = usock_recv(vu->fd, buf, reply->size, NULL, NULL, 0, deadline);
	if (ret)
		return conn_fail(vu, ret, name, eb);
	ret = vhost_user_reply_payload(buf, msg, reply, &why);
	if (ret)
		return proto_fail(vu, &why, eb);
	if ((msg->flags & VHOST_USER_FLAG_NEED_REPLY) &&
	    vhost_user_reply_size(msg->request, 0) == 0 && reply->payload.u64)
		return errbuf_set(eb, -EREMOTEIO, "vhost-user backend %s "
				  "refused %s (status %llu)", vu->path, name,
				  (unsigned long long)reply->payload.u64);
	return 0;
}

static bool need_ack(const struct vhost_user *vu)
{
	return vu->protocol_features & (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK);
}

static bool has_protocol(const struct vhost_user *vu)
{
	return vu->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES);
}

static int call_u64(struct vhost_user *vu, uint32_t request, uint64_t val,
		    struct errbuf *eb)
{
	struct vhost_user_msg m;

	vhost_user_msg_u64(&m, request, val, need_ack(vu));
	return vhost_user_call(vu, &m, NULL, 0, NULL, eb);
}

static int call_state(struct vhost_user *vu, uint32_t request,
		      uint32_t index, uint32_t num, struct errbuf *eb)
{
	struct vhost_user_msg m;

	vhost_user_msg_state(&m, request, index, num, need_ack(vu));
	return vhost_user_call(vu, &m, NULL, 0, NULL, eb);
}

static int get_u64(struct vhost_user *vu, uint32_t request, uint64_t *val,
		   struct errbuf *eb)
{
	struct vhost_user_msg m, r;
	int ret;

	vhost_user_msg_init(&m, request, false);
	ret = vhost_user_call(vu, &m, NULL, 0, &r, eb);
	if (!ret)
		*val = r.payload.u64;
	return ret;
}

int vhost_user_attach(struct vhost_user *vu, int fd, uint64_t want_protocol,
		      struct errbuf *eb)
{
	struct vhost_user_msg m;
	uint64_t pf;
	int ret;

	vhost_user_close(vu);
	vu->fd = fd;
	vu->features = vu->protocol_features = 0;
	vhost_user_msg_init(&m, VHOST_USER_SET_OWNER, false);
	ret = vhost_user_call(vu, &m, NULL, 0, NULL, eb);
	if (!ret)
		ret = get_u64(vu, VHOST_USER_GET_FEATURES, &vu->features, eb);
	if (ret || !has_protocol(vu))
		return ret;
	ret = get_u64(vu, VHOST_USER_GET_PROTOCOL_FEATURES, &pf, eb);
	if (ret)
		return ret;
	/* Acked before it is in force: SET_PROTOCOL_FEATURES is not acked. */
	ret = call_u64(vu, VHOST_USER_SET_PROTOCOL_FEATURES, pf & want_protocol,
		       eb);
	if (!ret)
		vu->protocol_features = pf & want_protocol;
	return ret;
}

static int sock_addr(struct vhost_user *vu, struct sockaddr_un *sa,
		     struct errbuf *eb)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(vu->path) >= sizeof(sa->sun_path) - 1 || !vu->path[0])
		return errbuf_set(eb, -ENAMETOOLONG, "vhost-user socket path "
				  "'%s' is empty or longer than %zu bytes",
				  vu->path, sizeof(sa->sun_path) - 2);
	strcpy(sa->sun_path, vu->path);
	return 0;
}

int vhost_user_connect(struct vhost_user *vu, uint64_t want_protocol,
		       struct errbuf *eb)
{
	struct sockaddr_un sa;
	int fd, err;

	vhost_user_close(vu);
	err = sock_addr(vu, &sa, eb);
	if (err)
		return err;
	fd = usock_connect(vu->path, vu->timeout_ms);
	if (fd < 0) {
		err = fd;
		if (err == -ENOENT)
			return errbuf_set(eb, err, "vhost-user socket %s does "
					  "not exist: start the backend "
					  "(iopass-switch, testpmd) first or "
					  "check the path", vu->path);
		if (err == -ECONNREFUSED)
			return errbuf_set(eb, err, "nothing listens on "
					  "vhost-user socket %s: is the "
					  "backend running?", vu->path);
		return errbuf_set(eb, err, "cannot connect to vhost-user "
				  "socket %s: %s", vu->path, strerror(-err));
	}
	return vhost_user_attach(vu, fd, want_protocol, eb);
}

/* A socket file whose owner is gone (nobody accepts): safe to replace. */
static bool stale_socket(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool stale;

	if (fd < 0)
		return false;
	stale = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) &&
		errno == ECONNREFUSED;
	close(fd);
	return stale;
}

int vhost_user_listen(struct vhost_user *vu, struct errbuf *eb)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, err;

	err = sock_addr(vu, &sa, eb);
	if (err)
		return err;
	if (!lstat(vu->path, &st)) {
		if (!S_ISSOCK(st.st_mode) || !stale_socket(&sa))
			return errbuf_set(eb, -EEXIST, "%s exists and is %s: "
					  "choose another vhost-user socket "
					  "path", vu->path,
					  S_ISSOCK(st.st_mode) ?
					  "a socket in use" : "not a socket");
		unlink(vu->path);
	}
	/* 0600: a backend of another user must not take the guest's RAM. */
	fd = usock_listen(vu->path, 0600, 1, SOCK_NONBLOCK);
	if (fd < 0)
		return errbuf_set(eb, fd, "cannot listen on vhost-user socket "
				  "%s: %s", vu->path, strerror(-fd));
	vu->listen_fd = fd;
	return 0;
}

int vhost_user_accept(struct vhost_user *vu, int timeout_ms,
		      uint64_t want_protocol, struct errbuf *eb)
{
	struct pollfd p = { .fd = vu->listen_fd, .events = POLLIN };
	int64_t deadline = now_ms() + timeout_ms;
	int fd, r, ret;

	if (vu->listen_fd < 0)
		return errbuf_set(eb, -EINVAL, "vhost-user socket %s: not "
				  "listening", vu->path);
	for (;;) {
		int64_t left = deadline - now_ms();

		r = poll(&p, 1, left > 0 ? left : 0);
		if (r < 0 && errno == EINTR)
			continue;
		fd = r > 0 ? accept4(vu->listen_fd, NULL, NULL, SOCK_CLOEXEC)
			   : -1;
		if (fd < 0)
			break;
		ret = vhost_user_attach(vu, fd, want_protocol, eb);
		/* One that hung up at once (a probe, a dying backend): next. */
		if (ret != -EPIPE && ret != -ECONNRESET)
			return ret;
	}
	return errbuf_set(eb, -ETIMEDOUT, "no vhost-user backend connected "
			  "to %s within %d ms: start it in client mode on "
			  "this socket", vu->path, timeout_ms);
}

void vhost_user_unlisten(struct vhost_user *vu)
{
	if (vu->listen_fd < 0)
		return;
	close(vu->listen_fd);
	vu->listen_fd = -1;
	unlink(vu->path);
}

int vhost_user_set_features(struct vhost_user *vu, uint64_t features,
			    struct errbuf *eb)
{
	/* Protocol features, once offered, stay acked. */
	if (has_protocol(vu))
		features |= 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;
	return call_u64(vu, VHOST_USER_SET_FEATURES, features, eb);
}

int vhost_user_set_mem_table(struct vhost_user *vu,
			     const struct vhost_user_region *r,
			     const int *fds, uint32_t n, struct errbuf *eb)
{
	struct vhost_user_msg m;

	if (vhost_user_msg_mem(&m, r, n, need_ack(vu)))
		return errbuf_set(eb, -E2BIG, "%u memory regions: vhost-user "
				  "takes at most %d", n,
				  VHOST_USER_MAX_REGIONS);
	return vhost_user_call(vu, &m, fds, n, NULL, eb);
}

int vhost_user_vring_start(struct vhost_user *vu,
			   const struct vhost_user_vring *r,
			   struct errbuf *eb)
{
	struct vhost_user_vring_addr a = {
		.index = r->index,
		.desc = r->desc,
		.used = r->used,
		.avail = r->avail,
	};
	struct vhost_user_msg m;
	int ret;

	ret = call_state(vu, VHOST_USER_SET_VRING_NUM, r->index, r->num, eb);
	if (!ret)
		ret = call_state(vu, VHOST_USER_SET_VRING_BASE, r->index,
				 r->base, eb);
	if (!ret) {
		vhost_user_msg_addr(&m, &a, need_ack(vu));
		ret = vhost_user_call(vu, &m, NULL, 0, NULL, eb);
	}
	if (!ret) {
		vhost_user_msg_u64(&m, VHOST_USER_SET_VRING_KICK, r->index,
				   need_ack(vu));
		ret = vhost_user_call(vu, &m, &r->kick_fd, 1, NULL, eb);
	}
	if (!ret) {
		vhost_user_msg_u64(&m, VHOST_USER_SET_VRING_CALL, r->index,
				   need_ack(vu));
		ret = vhost_user_call(vu, &m, &r->call_fd, 1, NULL, eb);
	}
	/* Without protocol features the ring runs from its kick fd on. */
	if (!ret && has_protocol(vu))
		ret = call_state(vu, VHOST_USER_SET_VRING_ENABLE, r->index, 1,
				 eb);
	return ret;
}

int vhost_user_vring_stop(struct vhost_user *vu, uint32_t index,
			  uint32_t *base, struct errbuf *eb)
{
	struct vhost_user_msg m, r;
	int ret = 0;

	if (has_protocol(vu))
		ret = call_state(vu, VHOST_USER_SET_VRING_ENABLE, index, 0, eb);
	if (ret)
		return ret;
	vhost_user_msg_state(&m, VHOST_USER_GET_VRING_BASE, index, 0, false);
	ret = vhost_user_call(vu, &m, NULL, 0, &r, eb);
	if (!ret)
		*base = r.payload.state.num;
	return ret;
}

int vhost_user_check_idle(struct vhost_user *vu)
{
	uint8_t b;
	ssize_t n;

	if (vu->fd < 0)
		return -ENOTCONN;
	n = recv(vu->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	vhost_user_close(vu);
	return n > 0 ? -EPROTO : -ECONNRESET;
}
