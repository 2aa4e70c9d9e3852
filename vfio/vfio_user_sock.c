// SPDX-License-Identifier: GPL-2.0-only
/* vfio-user framing: see vfio_user_sock.h. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vfio_user_sock.h"

union fd_ctl {
	char buf[CMSG_SPACE(sizeof(int) * VFIO_USER_FDS_MAX)];
	struct cmsghdr align;
};

int64_t vfio_user_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vfio_user_close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static int sock_wait(int sock, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = sock, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - vfio_user_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int vfio_user_sock_send(int sock, const void *msg, size_t len, const int *fds,
			unsigned int nfds, int64_t deadline)
{
	union fd_ctl ctl;
	size_t done = 0;
	ssize_t n;
	int ret;

	if (nfds > VFIO_USER_FDS_MAX)
		return -EINVAL;
	while (done < len) {
		struct iovec iov = {
			.iov_base = (uint8_t *)msg + done,
			.iov_len = len - done,
		};
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

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
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ret = sock_wait(sock, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* Takes the descriptors of one recvmsg; false when there were too many. */
static bool take_fds(struct msghdr *mh, int *fds, unsigned int *nfds)
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
			if (*nfds < VFIO_USER_FDS_MAX) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				ok = false;
			}
		}
	}
	return ok;
}

static int sock_recv(int sock, uint8_t *buf, size_t len, int *fds,
		     unsigned int *nfds, int64_t deadline)
{
	union fd_ctl ctl;
	size_t done = 0;
	int ret;

	while (done < len) {
		struct iovec iov = { .iov_base = buf + done, .iov_len = len - done };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n;

		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = sock_wait(sock, POLLIN, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (!take_fds(&mh, fds, nfds))
			return -EMSGSIZE;
		if (n == 0)
			return -ECONNRESET;
		done += n;
	}
	return 0;
}

int vfio_user_sock_recv_msg(int sock, void *buf, size_t cap,
			    struct vfio_user_hdr *h, int *fds,
			    unsigned int *nfds, int64_t deadline,
			    struct errbuf *eb)
{
	uint8_t *p = buf;
	int ret;

	*nfds = 0;
	ret = sock_recv(sock, p, VFIO_USER_HDR_SIZE, fds, nfds, deadline);
	if (!ret && vfio_user_hdr_get(p, VFIO_USER_HDR_SIZE, cap, h, eb))
		ret = -EBADMSG;
	if (!ret)
		ret = sock_recv(sock, p + VFIO_USER_HDR_SIZE,
				h->size - VFIO_USER_HDR_SIZE, fds, nfds,
				deadline);
	if (ret)
		vfio_user_close_fds(fds, *nfds);
	if (ret)
		*nfds = 0;
	return ret;
}
