// SPDX-License-Identifier: GPL-2.0-only
/*
 * UNIX stream sockets, for every client and server iopass has (vhost-user,
 * vfio-user, the switch's and a VM's control sockets). Each call works on a
 * blocking or a non-blocking socket alike: it never blocks past its
 * deadline, because a peer that stops reading or writing must cost the
 * caller a timeout, never a hung VMM.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "iopass/util.h"

union fd_ctl {
	char buf[CMSG_SPACE(sizeof(int) * USOCK_FDS_MAX)];
	struct cmsghdr align;
};

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Until fd is ready for events: 0, -ETIMEDOUT, -errno. */
static int usock_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int usock_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		err = errno;
		if (err == EINTR)
			continue;
		/* A full backlog: the listener is busy, not gone. */
		if (err != EAGAIN || now_ms() >= deadline)
			break;
		usleep(10 * 1000);
	}
	close(fd);
	return err == EAGAIN ? -ETIMEDOUT : -err;
}

int usock_listen(const char *path, mode_t mode, int backlog, int flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	/*
	 * The socket file is born with the mode the umask leaves: under umask
	 * 000 anyone could connect until a chmod. So the umask that gives
	 * mode from the start, and chmod as well (a umask can only take bits
	 * away, and another thread may have changed it meanwhile).
	 */
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = -errno;
	umask(old);
	if (!err && (chmod(path, mode) || listen(fd, backlog))) {
		err = -errno;
		unlink(path);
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int usock_peer_uid(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -errno;
	*uid = cred.uid;
	return 0;
}

bool usock_peer_trusted(int fd, uid_t *uid)
{
	*uid = (uid_t)-1;
	if (usock_peer_uid(fd, uid))
		return false;
	return *uid == 0 || *uid == geteuid();
}

int usock_send(int fd, const void *buf, size_t len, const int *fds,
	       unsigned int nfds, int64_t deadline)
{
	union fd_ctl ctl;
	size_t done = 0;
	ssize_t n;
	int ret;

	if (nfds > USOCK_FDS_MAX)
		return -EINVAL;
	while (done < len) {
		struct iovec iov = {
			.iov_base = (uint8_t *)buf + done,
			.iov_len = len - done,
		};
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		/* The descriptors ride with the first byte only. */
		if (!done && nfds) {
			struct cmsghdr *c;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ret = usock_wait(fd, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* Takes one recvmsg's descriptors; false when they did not all fit. */
static bool usock_take_fds(struct msghdr *mh, int *fds, unsigned int *nfds,
			   unsigned int maxfds)
{
	bool ok = !(mh->msg_flags & MSG_CTRUNC);
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		unsigned int i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (nfds && *nfds < maxfds) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				ok = false;
			}
		}
	}
	return ok;
}

int usock_recv(int fd, void *buf, size_t len, int *fds, unsigned int *nfds,
	       unsigned int maxfds, int64_t deadline)
{
	union fd_ctl ctl;
	size_t done = 0;
	int ret;

	while (done < len) {
		struct iovec iov = {
			.iov_base = (uint8_t *)buf + done,
			.iov_len = len - done,
		};
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n;

		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = usock_wait(fd, POLLIN, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (!usock_take_fds(&mh, fds, nfds, maxfds))
			return -EMSGSIZE;
		if (n == 0)
			return -ECONNRESET;
		done += n;
	}
	return 0;
}
