// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-user client: a PCI device emulated by another process, reached over a
 * UNIX stream socket (QEMU docs/interop/vfio-user.rst). One request is in
 * flight at a time (a mutex: vCPU threads trap BAR accesses concurrently),
 * every reply is matched by id and command, and every wait has a deadline,
 * so a hung or dead server is an error, never a hang. The server is not
 * trusted: every reply goes through the codec's checks, and a reply that
 * fails them poisons the connection (the stream can no longer be framed).
 *
 * We always share guest memory by fd (DMA_MAP with the memfd), so we never
 * negotiate twin sockets and never serve DMA_READ/DMA_WRITE: a server that
 * sends a command anyway gets an error reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_user_sock.h"

/* Largest REGION_READ/WRITE we send or accept (a trapped access is <= 8). */
#define VU_XFER_MAX		(64u << 10)
#define VU_BUF_SIZE		(VFIO_USER_HDR_SIZE + VFIO_USER_REGION_RW_SIZE + VU_XFER_MAX)
#define VU_TIMEOUT_MS		10000
#define VU_REGION_ARGSZ		512	/* room for a sparse-mmap cap of 8 areas */

struct vfio_user {
	struct vfio_transport t;
	struct vfio_dma dma;		/* t.dma */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int sock;
	pthread_mutex_t lock;
	uint16_t next_id;
	int broken;		/* -errno once the stream is unusable */
	int timeout_ms;
	struct vfio_user_caps peer;
	uint32_t xfer_max;
	struct vfio_user_device_info info;
	bool region_known[VFIO_USER_REGIONS_MAX];
	struct vfio_region regions[VFIO_USER_REGIONS_MAX];
	struct vfio_irq irqs[VFIO_USER_IRQS_MAX];
	uint8_t buf[VU_BUF_SIZE];
};

/* A reply: payload in vu->buf after the header, descriptors received. */
struct vu_reply {
	const uint8_t *payload;
	size_t len;
	int fds[VFIO_USER_FDS_MAX];
	unsigned int nfds;
};

static struct vfio_user *to_vu(struct vfio_transport *t)
{
	return (struct vfio_user *)t;
}

static int vu_broken(struct vfio_user *vu, int err, struct errbuf *eb,
		     const char *what)
{
	vu->broken = err;
	switch (err) {
	case -ETIMEDOUT:
		return errbuf_set(eb, err, "vfio-user server at %s did not answer %s within %d ms",
				  vu->path, what, vu->timeout_ms);
	case -ECONNRESET:
	case -EPIPE:
		return errbuf_set(eb, err, "vfio-user server at %s closed the connection during %s",
				  vu->path, what);
	case -EMSGSIZE:
		vu->broken = -EPROTO;
		return errbuf_set(eb, -EPROTO, "vfio-user server at %s sent more than %d file descriptors with %s",
				  vu->path, VFIO_USER_FDS_MAX, what);
	default:
		return errbuf_set(eb, err, "vfio-user server at %s: %s failed: %s",
				  vu->path, what, strerror(-err));
	}
}

/* Peer data that fails the codec's checks: the stream is no longer trusted. */
static int vu_nonsense(struct vfio_user *vu, struct errbuf *eb,
		       const char *what)
{
	char why[sizeof(eb->msg)];

	vu->broken = -EPROTO;
	snprintf(why, sizeof(why), "%s", eb ? eb->msg : "");
	return errbuf_set(eb, -EPROTO, "vfio-user server at %s speaks nonsense in the %s reply: %s; is it a vfio-user server?",
			  vu->path, what, why);
}

/* A command from the server (DMA_READ/WRITE, ...): we offer none. */
static int vu_refuse_command(struct vfio_user *vu,
			     const struct vfio_user_hdr *h, int64_t deadline)
{
	struct vfio_user_hdr r = {
		.id = h->id, .cmd = h->cmd, .size = VFIO_USER_HDR_SIZE,
		.flags = VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR,
		.error = ENOTSUP,
	};
	uint8_t msg[VFIO_USER_HDR_SIZE];

	if (h->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	vfio_user_hdr_put(msg, &r);
	return usock_send(vu->sock, msg, sizeof(msg), NULL, 0, deadline);
}

/*
 * One request and its reply, under vu->lock. On success the reply's
 * payload is in vu->buf and its descriptors in rep (the caller closes or
 * keeps them). An error reply is -errno with the server's errno.
 */
static int vu_call(struct vfio_user *vu, uint16_t cmd, int plen,
		   const int *fds, unsigned int nfds, struct vu_reply *rep,
		   struct errbuf *eb)
{
	const char *what = vfio_user_cmd_name(cmd);
	struct vfio_user_hdr h = {
		.id = vu->next_id++, .cmd = cmd,
		.size = VFIO_USER_HDR_SIZE + plen,
		.flags = VFIO_USER_F_TYPE_COMMAND,
	};
	int64_t deadline = now_ms() + vu->timeout_ms;
	struct vfio_user_hdr r;
	int ret;

	rep->nfds = 0;
	if (plen < 0)	/* the payload did not fit: a bug of ours */
		return errbuf_set(eb, plen, "vfio-user %s message does not fit", what);
	if (vu->broken)
		return errbuf_set(eb, -EIO, "vfio-user connection to %s is down (%s); restart the VM",
				  vu->path, strerror(-vu->broken));
	vfio_user_hdr_put(vu->buf, &h);
	ret = usock_send(vu->sock, vu->buf, h.size, fds, nfds, deadline);
	if (ret)
		return vu_broken(vu, ret, eb, what);

	for (;;) {
		ret = vfio_user_sock_recv_msg(vu->sock, vu->buf, sizeof(vu->buf),
					      &r, rep->fds, &rep->nfds,
					      deadline, eb);
		if (ret == -EBADMSG)
			return vu_nonsense(vu, eb, what);
		if (ret)
			return vu_broken(vu, ret, eb, what);
		if ((r.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY)
			break;
		vfio_user_close_fds(rep->fds, rep->nfds);
		rep->nfds = 0;
		ret = vu_refuse_command(vu, &r, deadline);
		if (ret)
			return vu_broken(vu, ret, eb, what);
	}

	if (r.id != h.id || r.cmd != h.cmd) {
		vfio_user_close_fds(rep->fds, rep->nfds);
		rep->nfds = 0;
		errbuf_set(eb, -EPROTO, "reply id %u command %u (%s) to request id %u",
			   r.id, r.cmd, vfio_user_cmd_name(r.cmd), h.id);
		return vu_nonsense(vu, eb, what);
	}
	if (r.flags & VFIO_USER_F_ERROR) {
		int err = (r.error > 0 && r.error < 4096) ? (int)r.error : EIO;

		vfio_user_close_fds(rep->fds, rep->nfds);
		rep->nfds = 0;
		return errbuf_set(eb, -err, "vfio-user server at %s refused %s: %s",
				  vu->path, what, strerror(err));
	}
	rep->payload = vu->buf + VFIO_USER_HDR_SIZE;
	rep->len = r.size - VFIO_USER_HDR_SIZE;
	return 0;
}

/* A payload check failed: close what came, poison the stream. */
static int vu_reject(struct vfio_user *vu, struct vu_reply *rep,
		     struct errbuf *eb, uint16_t cmd)
{
	vfio_user_close_fds(rep->fds, rep->nfds);
	rep->nfds = 0;
	return vu_nonsense(vu, eb, vfio_user_cmd_name(cmd));
}

static uint8_t *vu_payload(struct vfio_user *vu)
{
	return vu->buf + VFIO_USER_HDR_SIZE;
}

/* ---- the ops -------------------------------------------------------------- */

static int vu_device_info(struct vfio_transport *t, uint32_t *flags,
			  uint32_t *nregions, uint32_t *nirqs)
{
	struct vfio_user *vu = to_vu(t);

	/* Fetched and checked at connect; it does not change. */
	*flags = vu->info.flags;
	*nregions = vu->info.num_regions;
	*nirqs = vu->info.num_irqs;
	return 0;
}

static int vu_region_fetch(struct vfio_user *vu, uint32_t index,
			   struct errbuf *eb)
{
	uint32_t argsz = VU_REGION_ARGSZ, needed;
	struct vfio_region r;
	struct vu_reply rep;
	int ret, tries;

	for (tries = 0; tries < 2; tries++) {
		ret = vfio_user_region_info_req_put(vu_payload(vu),
						    VU_BUF_SIZE - VFIO_USER_HDR_SIZE,
						    index, argsz);
		ret = vu_call(vu, VFIO_USER_DEVICE_GET_REGION_INFO, ret, NULL, 0,
			      &rep, eb);
		if (ret)
			return ret;
		if (vfio_user_region_info_get(rep.payload, rep.len, rep.nfds,
					      index, &r, &needed, eb))
			return vu_reject(vu, &rep, eb,
					 VFIO_USER_DEVICE_GET_REGION_INFO);
		if (needed <= rep.len)
			break;
		/* The capabilities did not fit: once more, with room. */
		vfio_user_close_fds(rep.fds, rep.nfds);
		rep.nfds = 0;
		argsz = needed;
	}
	if (tries == 2) {
		errbuf_set(eb, -EPROTO, "region %u info grows on every request", index);
		return vu_nonsense(vu, eb, "DEVICE_GET_REGION_INFO");
	}
	r.mmap_fd = rep.nfds ? rep.fds[0] : -1;
	vu->regions[index] = r;
	vu->region_known[index] = true;
	return 0;
}

static int vu_region_get(struct vfio_user *vu, uint32_t index,
			 struct vfio_region **r)
{
	int ret;

	if (index >= vu->info.num_regions)
		return -EINVAL;
	if (!vu->region_known[index]) {
		ret = vu_region_fetch(vu, index, NULL);
		if (ret)
			return ret;
	}
	*r = &vu->regions[index];
	return 0;
}

/*
 * Cached: a region's layout does not change, and its mmap fd stays ours
 * (closed with the transport) however often the caller asks.
 */
static int vu_region_info(struct vfio_transport *t, uint32_t index,
			  struct vfio_region *out)
{
	struct vfio_user *vu = to_vu(t);
	struct vfio_region *r;
	int ret;

	pthread_mutex_lock(&vu->lock);
	ret = vu_region_get(vu, index, &r);
	if (!ret)
		*out = *r;
	pthread_mutex_unlock(&vu->lock);
	return ret;
}

static int vu_region_rw(struct vfio_transport *t, uint32_t index, uint64_t off,
			void *buf, size_t len, bool write)
{
	uint16_t cmd = write ? VFIO_USER_REGION_WRITE : VFIO_USER_REGION_READ;
	struct vfio_user *vu = to_vu(t);
	struct vfio_region *r;
	struct vu_reply rep;
	size_t done = 0;
	int ret;

	pthread_mutex_lock(&vu->lock);
	ret = vu_region_get(vu, index, &r);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!(r->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE :
			  VFIO_REGION_INFO_FLAG_READ)) ||
	    off > r->size || len > r->size - off)
		goto out;

	while (done < len) {
		struct vfio_user_region_rw rw = {
			.offset = off + done,
			.region = index,
			.count = len - done < vu->xfer_max ? len - done : vu->xfer_max,
			.data = (uint8_t *)buf + done,
		};
		const void *data;

		ret = vfio_user_region_rw_put(vu_payload(vu),
					      VU_BUF_SIZE - VFIO_USER_HDR_SIZE,
					      &rw, write);
		ret = vu_call(vu, cmd, ret, NULL, 0, &rep, NULL);
		if (ret)
			goto out;
		if (vfio_user_region_rw_reply_get(rep.payload, rep.len, rep.nfds,
						  &rw, !write, &data, NULL)) {
			ret = vu_reject(vu, &rep, NULL, cmd);
			goto out;
		}
		if (!write)
			memcpy((uint8_t *)buf + done, data, rw.count);
		done += rw.count;
	}
	ret = 0;
out:
	pthread_mutex_unlock(&vu->lock);
	return ret;
}

static int vu_region_read(struct vfio_transport *t, uint32_t index,
			  uint64_t off, void *buf, size_t len)
{
	return vu_region_rw(t, index, off, buf, len, false);
}

static int vu_region_write(struct vfio_transport *t, uint32_t index,
			   uint64_t off, const void *buf, size_t len)
{
	return vu_region_rw(t, index, off, (void *)buf, len, true);
}

static int vu_irq_fetch(struct vfio_user *vu, uint32_t index,
			struct errbuf *eb)
{
	struct vu_reply rep;
	int ret;

	ret = vfio_user_irq_info_req_put(vu_payload(vu),
					 VU_BUF_SIZE - VFIO_USER_HDR_SIZE, index);
	ret = vu_call(vu, VFIO_USER_DEVICE_GET_IRQ_INFO, ret, NULL, 0, &rep, eb);
	if (!ret && vfio_user_irq_info_get(rep.payload, rep.len, rep.nfds,
					   index, &vu->irqs[index], eb))
		ret = vu_reject(vu, &rep, eb, VFIO_USER_DEVICE_GET_IRQ_INFO);
	return ret;
}

/* Fetched and checked at connect, like the regions. */
static int vu_irq_info(struct vfio_transport *t, uint32_t index,
		       struct vfio_irq *irq)
{
	struct vfio_user *vu = to_vu(t);

	if (index >= vu->info.num_irqs)
		return -EINVAL;
	*irq = vu->irqs[index];
	return 0;
}

/* A request whose reply has no payload. */
static int vu_call_empty(struct vfio_user *vu, uint16_t cmd, int plen,
			 const int *fds, unsigned int nfds)
{
	struct vu_reply rep;
	int ret;

	ret = vu_call(vu, cmd, plen, fds, nfds, &rep, NULL);
	if (!ret && vfio_user_empty_get(rep.payload, rep.len, rep.nfds,
					vfio_user_cmd_name(cmd), NULL))
		ret = vu_reject(vu, &rep, NULL, cmd);
	return ret;
}

static int vu_set_irqs_one(struct vfio_user *vu, uint32_t index,
			   uint32_t start, uint32_t count, uint32_t flags,
			   const int32_t *fds, unsigned int nfds)
{
	struct vfio_user_irq_set s = {
		.flags = flags, .index = index, .start = start, .count = count,
	};
	int ret;

	ret = vfio_user_irq_set_put(vu_payload(vu),
				    VU_BUF_SIZE - VFIO_USER_HDR_SIZE, &s);
	return vu_call_empty(vu, VFIO_USER_DEVICE_SET_IRQS, ret, fds, nfds);
}

/*
 * Kernel VFIO takes -1 in an eventfd array to detach one vector; vfio-user
 * carries descriptors as SCM_RIGHTS, where -1 cannot travel. So the array
 * goes as runs: descriptors in messages of at most the server's
 * max_msg_fds, and each run of -1 as a DATA_EVENTFD message without fds
 * (which de-assigns those vectors).
 */
static int vu_set_irqs(struct vfio_transport *t, uint32_t index,
		       uint32_t start, uint32_t count, uint32_t flags,
		       const int32_t *fds)
{
	struct vfio_user *vu = to_vu(t);
	uint32_t i, n, maxfds;
	int ret = 0;

	if (index >= vu->info.num_irqs)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_BOOL)
		return -EINVAL;		/* the ops carry no bool array */
	pthread_mutex_lock(&vu->lock);
	if (!(flags & VFIO_IRQ_SET_DATA_EVENTFD) || !count) {
		ret = vu_set_irqs_one(vu, index, start, count, flags, NULL, 0);
		goto out;
	}
	maxfds = vu->peer.max_msg_fds < VFIO_USER_FDS_MAX ?
		 vu->peer.max_msg_fds : VFIO_USER_FDS_MAX;
	for (i = 0; i < count && !ret; i += n) {
		bool none = fds[i] < 0;

		for (n = 1; i + n < count && (fds[i + n] < 0) == none &&
		     (none || n < maxfds); n++)
			;
		ret = vu_set_irqs_one(vu, index, start + i, n, flags,
				      none ? NULL : &fds[i], none ? 0 : n);
	}
out:
	pthread_mutex_unlock(&vu->lock);
	return ret;
}

static int vu_reset(struct vfio_transport *t)
{
	struct vfio_user *vu = to_vu(t);
	int ret;

	if (!(vu->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTTY;
	pthread_mutex_lock(&vu->lock);
	ret = vu_call_empty(vu, VFIO_USER_DEVICE_RESET, 0, NULL, 0);
	pthread_mutex_unlock(&vu->lock);
	return ret;
}

static struct vfio_user *dma_to_vu(struct vfio_dma *d)
{
	return (struct vfio_user *)((char *)d - offsetof(struct vfio_user, dma));
}

/* The server maps the memfd itself: it gets the descriptor and offset. */
static int vu_dma_map(struct vfio_dma *d, const struct vm_ram_region *r,
		      bool writable, struct errbuf *eb)
{
	struct vfio_user *vu = dma_to_vu(d);
	struct vfio_user_dma_map m = {
		.flags = VFIO_USER_DMA_READ_OK |
			 (writable ? VFIO_USER_DMA_WRITE_OK : 0),
		.offset = r->fd_offset, .addr = r->gpa, .size = r->size,
	};
	uint64_t pg = vu->peer.pgsizes & -vu->peer.pgsizes;	/* smallest */
	int ret;

	if (r->fd < 0 || !r->size || ((r->gpa | r->size | r->fd_offset) & (pg - 1)) ||
	    r->gpa + r->size < r->gpa)
		return errbuf_set(eb, -EINVAL, "%s: cannot share guest RAM %#llx+%#llx "
				  "with the server: not aligned to its page size %#llx",
				  vu->t.name, (unsigned long long)r->gpa,
				  (unsigned long long)r->size, (unsigned long long)pg);
	pthread_mutex_lock(&vu->lock);
	ret = vfio_user_dma_map_put(vu_payload(vu),
				    VU_BUF_SIZE - VFIO_USER_HDR_SIZE, &m);
	ret = vu_call_empty(vu, VFIO_USER_DMA_MAP, ret, &r->fd, 1);
	pthread_mutex_unlock(&vu->lock);
	if (ret)
		errbuf_set(eb, ret, "%s: cannot share guest RAM with the server: %s",
			   vu->t.name, strerror(-ret));
	return ret;
}

static int vu_dma_unmap(struct vfio_dma *d, uint64_t iova, uint64_t size)
{
	struct vfio_user *vu = dma_to_vu(d);
	struct vfio_user_dma_unmap u = {
		.argsz = VFIO_USER_DMA_UNMAP_SIZE, .addr = iova, .size = size,
	};
	struct vu_reply rep;
	int ret;

	pthread_mutex_lock(&vu->lock);
	ret = vfio_user_dma_unmap_put(vu_payload(vu),
				      VU_BUF_SIZE - VFIO_USER_HDR_SIZE, &u);
	ret = vu_call(vu, VFIO_USER_DMA_UNMAP, ret, NULL, 0, &rep, NULL);
	if (!ret && vfio_user_dma_unmap_reply_check(rep.payload, rep.len,
						    rep.nfds, &u, NULL))
		ret = vu_reject(vu, &rep, NULL, VFIO_USER_DMA_UNMAP);
	pthread_mutex_unlock(&vu->lock);
	return ret;
}

static const struct vfio_dma_ops vu_dma_ops = {
	.map = vu_dma_map,
	.unmap = vu_dma_unmap,
};

static void vu_close(struct vfio_transport *t)
{
	struct vfio_user *vu = to_vu(t);
	unsigned int i;

	if (!vu)
		return;
	for (i = 0; i < VFIO_USER_REGIONS_MAX; i++)
		if (vu->region_known[i] && vu->regions[i].mmap_fd >= 0)
			close(vu->regions[i].mmap_fd);
	if (vu->sock >= 0)
		close(vu->sock);
	pthread_mutex_destroy(&vu->lock);
	free(vu);
}

static const struct vfio_transport_ops vu_ops = {
	.name = "vfio-user",
	.device_info = vu_device_info,
	.region_info = vu_region_info,
	.region_read = vu_region_read,
	.region_write = vu_region_write,
	.irq_info = vu_irq_info,
	.set_irqs = vu_set_irqs,
	.reset = vu_reset,
	.close = vu_close,
};

/* ---- connecting ----------------------------------------------------------- */

static int vu_socket_connect(struct vfio_user *vu, struct errbuf *eb)
{
	int err;

	vu->sock = usock_connect(vu->path, vu->timeout_ms);
	if (vu->sock >= 0) {
		if (fcntl(vu->sock, F_SETFL, O_NONBLOCK))
			return errbuf_set(eb, -errno, "cannot make the socket non-blocking: %s",
					  strerror(errno));
		return 0;
	}
	err = -vu->sock;
	vu->sock = -1;
	switch (err) {
	case ENOENT:
		return errbuf_set(eb, -ENOENT, "no vfio-user server at %s; start it first",
				  vu->path);
	case ECONNREFUSED:
		return errbuf_set(eb, -ECONNREFUSED, "vfio-user server at %s refused the connection "
				  "(nothing listens there: a stale socket?); restart the server",
				  vu->path);
	case EACCES:
	case EPERM:
		return errbuf_set(eb, -EACCES, "cannot connect to vfio-user socket %s: permission denied",
				  vu->path);
	case ENOTDIR:
		return errbuf_set(eb, -ENOENT, "no vfio-user server at %s (a path component is not a directory)",
				  vu->path);
	default:
		return errbuf_set(eb, -err, "cannot connect to vfio-user socket %s: %s",
				  vu->path, strerror(err));
	}
}

static int vu_negotiate(struct vfio_user *vu, struct errbuf *eb)
{
	struct vfio_user_version v = {
		.major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR,
		.caps = {
			.max_msg_fds = VFIO_USER_FDS_MAX,
			.max_data_xfer_size = VU_XFER_MAX,
			.max_dma_maps = VFIO_USER_DEF_MAX_DMA_MAPS,
			.pgsizes = VFIO_USER_DEF_PGSIZES,
		},
	};
	struct vu_reply rep;
	int ret;

	ret = vfio_user_version_put(vu_payload(vu),
				    VU_BUF_SIZE - VFIO_USER_HDR_SIZE, &v);
	ret = vu_call(vu, VFIO_USER_VERSION, ret, NULL, 0, &rep, eb);
	if (ret)
		return ret;
	if (vfio_user_version_get(rep.payload, rep.len, rep.nfds, &v, eb))
		return vu_reject(vu, &rep, eb, VFIO_USER_VERSION);
	if (v.major != VFIO_USER_MAJOR || v.minor > VFIO_USER_MINOR)
		return errbuf_set(eb, -EPROTO, "vfio-user server at %s speaks protocol %u.%u; "
				  "iopass speaks %u.%u (same major, minor no higher); use a matching server",
				  vu->path, v.major, v.minor, VFIO_USER_MAJOR,
				  VFIO_USER_MINOR);
	if (!v.caps.max_msg_fds)
		return errbuf_set(eb, -EPROTO, "vfio-user server at %s takes no file descriptors; "
				  "iopass shares guest memory and eventfds by descriptor",
				  vu->path);
	vu->peer = v.caps;
	vu->xfer_max = v.caps.max_data_xfer_size < VU_XFER_MAX ?
		       v.caps.max_data_xfer_size : VU_XFER_MAX;
	return 0;
}

static int vu_get_device_info(struct vfio_user *vu, struct errbuf *eb)
{
	struct vu_reply rep;
	int ret;

	ret = vfio_user_device_info_req_put(vu_payload(vu),
					    VU_BUF_SIZE - VFIO_USER_HDR_SIZE);
	ret = vu_call(vu, VFIO_USER_DEVICE_GET_INFO, ret, NULL, 0, &rep, eb);
	if (ret)
		return ret;
	if (vfio_user_device_info_get(rep.payload, rep.len, rep.nfds,
				      &vu->info, eb))
		return vu_reject(vu, &rep, eb, VFIO_USER_DEVICE_GET_INFO);
	if (!(vu->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    vu->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		return errbuf_set(eb, -EPROTO, "vfio-user server at %s offers no PCI device "
				  "(flags 0x%x, %u regions); iopass assigns PCI devices only",
				  vu->path, vu->info.flags, vu->info.num_regions);
	return 0;
}

/*
 * Every region and irq index up front: a server that describes its device
 * wrongly is caught here, with the reason, rather than midway through an
 * attach whose ops carry no message.
 */
static int vu_describe(struct vfio_user *vu, struct errbuf *eb)
{
	uint32_t i;
	int ret;

	for (i = 0; i < vu->info.num_regions; i++) {
		ret = vu_region_fetch(vu, i, eb);
		if (ret)
			return ret;
	}
	for (i = 0; i < vu->info.num_irqs; i++) {
		ret = vu_irq_fetch(vu, i, eb);
		if (ret)
			return ret;
	}
	return 0;
}

int vfio_user_connect(const char *path, struct vfio_transport **out,
		      struct errbuf *eb)
{
	struct vfio_user *vu;
	const char *env;
	int ret;

	*out = NULL;
	if (!path || !*path)
		return errbuf_set(eb, -EINVAL, "vfio-user: no socket path given; use vfio-user:PATH");
	vu = calloc(1, sizeof(*vu));
	if (!vu)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	vu->sock = -1;
	vu->t.ops = &vu_ops;
	vu->dma.ops = &vu_dma_ops;
	vu->t.dma = &vu->dma;
	pthread_mutex_init(&vu->lock, NULL);
	if (strlen(path) >= sizeof(vu->path)) {
		ret = errbuf_set(eb, -ENAMETOOLONG, "vfio-user socket path %s is longer than %zu bytes; "
				 "use a shorter path", path, sizeof(vu->path) - 1);
		goto err;
	}
	strcpy(vu->path, path);
	snprintf(vu->t.name, sizeof(vu->t.name), "vfio-user:%s", path);
	/* Tests shorten the wait for a server that never answers. */
	env = getenv("IOPASS_VFIO_USER_TIMEOUT_MS");
	vu->timeout_ms = env && atoi(env) > 0 ? atoi(env) : VU_TIMEOUT_MS;

	ret = vu_socket_connect(vu, eb);
	if (ret)
		goto err;
	ret = vu_negotiate(vu, eb);
	if (ret)
		goto err;
	ret = vu_get_device_info(vu, eb);
	if (ret)
		goto err;
	ret = vu_describe(vu, eb);
	if (ret)
		goto err;
	*out = &vu->t;
	return 0;
err:
	vu_close(&vu->t);
	return ret;
}
