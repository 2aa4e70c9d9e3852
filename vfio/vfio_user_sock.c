// SPDX-License-Identifier: GPL-2.0-only
/* vfio-user framing: see vfio_user_sock.h. */
#include <errno.h>
#include <unistd.h>

#include "vfio_user_sock.h"

void vfio_user_close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int vfio_user_sock_recv_msg(int sock, void *buf, size_t cap,
			    struct vfio_user_hdr *h, int *fds,
			    unsigned int *nfds, int64_t deadline,
			    struct errbuf *eb)
{
	uint8_t *p = buf;
	int ret;

	*nfds = 0;
	ret = usock_recv(sock, p, VFIO_USER_HDR_SIZE, fds, nfds,
			 VFIO_USER_FDS_MAX, deadline);
	if (!ret && vfio_user_hdr_get(p, VFIO_USER_HDR_SIZE, cap, h, eb))
		ret = -EBADMSG;
	if (!ret)
		ret = usock_recv(sock, p + VFIO_USER_HDR_SIZE,
				 h->size - VFIO_USER_HDR_SIZE, fds, nfds,
				 VFIO_USER_FDS_MAX, deadline);
	if (ret)
		vfio_user_close_fds(fds, *nfds);
	if (ret)
		*nfds = 0;
	return ret;
}
