/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-user, the frontend side (QEMU docs/interop/vhost-user.rst): the VMM
 * hands a device's rings and guest RAM to a backend process over a unix
 * socket, and the backend moves the data.
 *
 * Two layers. The message codec (vhost_user_msg.c) is pure: it builds
 * requests into a buffer and checks replies from bytes, so a fuzzer can feed
 * it anything. The connection (vhost_user.c) owns the socket: it sends a
 * request with its file descriptors, waits (bounded) for the reply, and
 * checks it with the codec. The backend is not trusted: a reply of the
 * wrong type, size, version or index, or carrying descriptors, ends the
 * connection with -EPROTO and a message naming what was wrong.
 */
#ifndef IOPASS_VMM_VHOST_USER_H
#define IOPASS_VMM_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_REQUEST_MAX = 64,	/* names and checks stop here */
};

/* Header flags: version in bits 0-1, then reply and need_reply. */
#define VHOST_USER_VERSION		0x1u
#define VHOST_USER_VERSION_MASK		0x3u
#define VHOST_USER_FLAG_REPLY		(1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY	(1u << 3)

/* A virtio feature bit that says GET/SET_PROTOCOL_FEATURES exist. */
#define VHOST_USER_F_PROTOCOL_FEATURES	30

#define VHOST_USER_PROTOCOL_F_MQ	0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK	3
#define VHOST_USER_PROTOCOL_F_CONFIG	9

/* SET_VRING_KICK/CALL payload: ring index, or this bit for "no fd". */
#define VHOST_USER_VRING_IDX_MASK	0xffu
#define VHOST_USER_VRING_NOFD		(1u << 8)

#define VHOST_USER_MAX_REGIONS		8
#define VHOST_USER_MAX_FDS		VHOST_USER_MAX_REGIONS
#define VHOST_USER_HDR_SIZE		12

struct vhost_user_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vhost_user_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;		/* all three in the frontend's address space */
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vhost_user_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;		/* the frontend's mapping of it */
	uint64_t mmap_offset;	/* of gpa in the region's fd */
};

struct vhost_user_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_region regions[VHOST_USER_MAX_REGIONS];
};

/* Every message is at most this: header plus the largest payload. */
#define VHOST_USER_MSG_MAX	(VHOST_USER_HDR_SIZE + \
				 sizeof(struct vhost_user_mem))

/* A message as the codec sees it (host order; the wire is little-endian). */
struct vhost_user_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;		/* payload bytes */
	union {
		uint64_t u64;
		struct vhost_user_vring_state state;
		struct vhost_user_vring_addr addr;
		struct vhost_user_mem mem;
	} payload;
};

/* "SET_MEM_TABLE", or "request 42" for a number without a name. */
const char *vhost_user_request_name(uint32_t request, char *buf, size_t len);

/*
 * Request builders: fill msg with version 1 flags and the payload size the
 * request takes. need_reply adds NEED_REPLY (REPLY_ACK negotiated).
 */
void vhost_user_msg_init(struct vhost_user_msg *msg, uint32_t request,
			 bool need_reply);
void vhost_user_msg_u64(struct vhost_user_msg *msg, uint32_t request,
			uint64_t val, bool need_reply);
void vhost_user_msg_state(struct vhost_user_msg *msg, uint32_t request,
			  uint32_t index, uint32_t num, bool need_reply);
void vhost_user_msg_addr(struct vhost_user_msg *msg,
			 const struct vhost_user_vring_addr *addr,
			 bool need_reply);
/* -E2BIG for more than VHOST_USER_MAX_REGIONS. */
int vhost_user_msg_mem(struct vhost_user_msg *msg,
		       const struct vhost_user_region *r, uint32_t n,
		       bool need_reply);

/*
 * Serialises msg into buf (at least VHOST_USER_MSG_MAX bytes); returns the
 * byte count, or -EINVAL when msg->size does not fit its payload.
 */
int vhost_user_encode(const struct vhost_user_msg *msg, uint8_t *buf,
		      size_t len);

/*
 * The reply the backend owes to a request (of these flags): its payload
 * size, or 0 when the request has no reply.
 */
uint32_t vhost_user_reply_size(uint32_t request, uint32_t flags);

/*
 * Parses a reply header (VHOST_USER_HDR_SIZE bytes) to what was sent: the
 * right request, version 1, the reply flag, the expected payload size.
 * -EPROTO with the reason in eb otherwise.
 */
int vhost_user_reply_hdr(const uint8_t *hdr, const struct vhost_user_msg *req,
			 struct vhost_user_msg *reply, struct errbuf *eb);
/*
 * The payload bytes of a reply whose header passed: decoded into reply and
 * checked (GET_VRING_BASE: the ring asked for, a 16-bit index).
 */
int vhost_user_reply_payload(const uint8_t *payload,
			     const struct vhost_user_msg *req,
			     struct vhost_user_msg *reply, struct errbuf *eb);

/* ====================================================================
 * The connection (vhost_user.c)
 * ==================================================================== */

/* How long a backend may take to answer one request. */
#define VHOST_USER_TIMEOUT_MS		5000

struct vhost_user {
	int fd;			/* -1: not connected */
	int listen_fd;		/* server mode: the socket we own, else -1 */
	char path[108];		/* sun_path */
	int timeout_ms;
	uint64_t features;		/* offered by the backend */
	uint64_t protocol_features;	/* negotiated (0 without them) */
};

void vhost_user_init(struct vhost_user *vu, const char *path);

/*
 * Connects to the backend's socket and does the first exchange: SET_OWNER,
 * GET_FEATURES, and, when offered, GET/SET_PROTOCOL_FEATURES (keeping only
 * the ones in want_protocol). -ENOENT / -ECONNREFUSED: nothing listens.
 */
int vhost_user_connect(struct vhost_user *vu, uint64_t want_protocol,
		       struct errbuf *eb);
/*
 * Server mode: the frontend owns the socket and the backend connects
 * (iopass-switch client-mode ports, DPDK vhost with the CLIENT flag, which
 * reconnect when the VMM restarts). A stale socket file nobody listens on
 * is replaced; anything else at the path is refused (-EEXIST).
 */
int vhost_user_listen(struct vhost_user *vu, struct errbuf *eb);
/*
 * Waits up to timeout_ms (0: only what is queued) for a backend to
 * connect, then does the first exchange with it. -ETIMEDOUT: nobody came.
 */
int vhost_user_accept(struct vhost_user *vu, int timeout_ms,
		      uint64_t want_protocol, struct errbuf *eb);
/* Closes the listening socket and removes its file. */
void vhost_user_unlisten(struct vhost_user *vu);
/*
 * Same exchange on a socket that is already connected (server mode: the
 * backend connected to us). Takes fd.
 */
int vhost_user_attach(struct vhost_user *vu, int fd, uint64_t want_protocol,
		      struct errbuf *eb);
void vhost_user_close(struct vhost_user *vu);
/*
 * Between requests (the socket polled readable): 0 when nothing is there
 * after all, else the connection is closed: -ECONNRESET the backend hung
 * up, -EPROTO it sent a message nobody asked for (a backend never speaks
 * first on this channel).
 */
int vhost_user_check_idle(struct vhost_user *vu);
bool vhost_user_connected(const struct vhost_user *vu);

/*
 * One request with fds (nfds <= VHOST_USER_MAX_FDS) and, when the request
 * has one, its checked reply. A broken connection (-EPIPE, -ECONNRESET,
 * end of file) or a bad reply (-EPROTO) or a timeout (-ETIMEDOUT) closes
 * the socket: the caller reconnects. A backend that answers a REPLY_ACK with
 * failure gives -EREMOTEIO and keeps the connection.
 */
int vhost_user_call(struct vhost_user *vu, struct vhost_user_msg *msg,
		    const int *fds, int nfds, struct vhost_user_msg *reply,
		    struct errbuf *eb);

/* The requests a device start and stop make. */
int vhost_user_set_features(struct vhost_user *vu, uint64_t features,
			    struct errbuf *eb);
int vhost_user_set_mem_table(struct vhost_user *vu,
			     const struct vhost_user_region *r,
			     const int *fds, uint32_t n, struct errbuf *eb);

/* A ring as the backend needs it. */
struct vhost_user_vring {
	uint32_t index;
	uint32_t num;		/* entries */
	uint32_t base;		/* next avail index to process */
	uint64_t desc, avail, used;	/* frontend addresses */
	int kick_fd;
	int call_fd;
};

/* NUM, BASE, ADDR, KICK, CALL, then ENABLE when protocol features exist. */
int vhost_user_vring_start(struct vhost_user *vu,
			   const struct vhost_user_vring *r,
			   struct errbuf *eb);
/* Disables (protocol features) and stops the ring; *base: where it stopped. */
int vhost_user_vring_stop(struct vhost_user *vu, uint32_t index,
			  uint32_t *base, struct errbuf *eb);

#endif
