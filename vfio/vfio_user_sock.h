/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user framing on a non-blocking UNIX stream socket: whole messages
 * with their SCM_RIGHTS descriptors, every wait bounded by a deadline
 * (now_ms()). Messages go out with usock_send() (util.h). Shared by the
 * client (vfio_user.c) and the test server (tests/vfio-user/).
 */
#ifndef IOPASS_VFIO_USER_SOCK_H
#define IOPASS_VFIO_USER_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "vfio_user_msg.h"

/*
 * Receives one message into buf (cap bytes at most, header included): the
 * header is checked with vfio_user_hdr_get(). Descriptors that came with it
 * are in fds/nfds (the caller owns them, on error too: they are closed).
 * 0; -EBADMSG with the reason in eb (a bad header); -EMSGSIZE (more than
 * VFIO_USER_FDS_MAX descriptors); -ECONNRESET (peer closed); -ETIMEDOUT;
 * -errno.
 */
int vfio_user_sock_recv_msg(int sock, void *buf, size_t cap,
			    struct vfio_user_hdr *h, int *fds,
			    unsigned int *nfds, int64_t deadline,
			    struct errbuf *eb);

void vfio_user_close_fds(int *fds, unsigned int n);

#endif
