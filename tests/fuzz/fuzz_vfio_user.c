// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vfio-user message codec (vfio/vfio_user_msg*.c) on a hostile peer's
 * messages, both ways: a command is parsed as the test server parses what
 * a client sends (tests/vfio-user/server.c), a reply as the client parses
 * what a server answers (vfio/vfio_user.c), with the header first as the
 * socket layer checks it.
 *
 * Input: u8 nfds (descriptors that came with the message), the request the
 * client had sent (u32 a: region/irq index or max count, u32 b: region,
 * u64 c: offset; the reply's count is b's high half), u16 cap (room given
 * to the re-encoding), then the message: 16-byte header and payload.
 *
 * Invariants, beyond "no crash, no read outside the message":
 *  - a refusal is -EPROTO/-EINVAL with a message saying why;
 *  - what is accepted is sane: sparse areas inside the region and page
 *    aligned, counts within bounds, data pointers inside the payload;
 *  - what is accepted encodes back to what was parsed (byte for byte for
 *    the fixed formats), and an encoder given too little room says so
 *    (-ENOSPC) without writing past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "vfio/vfio_user_msg.h"
#include "fuzz_input.h"

#define MSG_MAX		(VFIO_USER_HDR_SIZE + VFIO_USER_REGION_RW_SIZE + (64u << 10))

struct req {
	unsigned int nfds;
	uint32_t a, b;
	uint64_t c;
	uint16_t cap;
};

static void refused(int ret, const struct errbuf *eb)
{
	FUZZ_CHECK(ret == -EPROTO || ret == -EINVAL);
	FUZZ_CHECK(eb->msg[0] && memchr(eb->msg, '\0', sizeof(eb->msg)));
}

static bool inside(const uint8_t *p, size_t len, const void *q, size_t n)
{
	const uint8_t *b = q;

	return b >= p && b <= p + len && n <= (size_t)(p + len - b);
}

/*
 * Runs an encoder into a heap buffer of exactly cap bytes (so that a write
 * past it is caught); the result is -ENOSPC or a length within cap.
 */
#define ENCODE(out, cap, call)						\
	do {								\
		uint8_t *out = malloc((cap) ? (cap) : 1);		\
		int n_;							\
									\
		FUZZ_CHECK(out);					\
		n_ = (call);						\
		FUZZ_CHECK(n_ == -ENOSPC ||				\
			   (n_ >= 0 && (size_t)n_ <= (cap)));		\
		free(out);						\
	} while (0)

/* Encodes into a big buffer and compares with the payload. */
static uint8_t enc[MSG_MAX];

static void same_bytes(int n, const uint8_t *p, size_t len)
{
	FUZZ_CHECK(n >= 0 && (size_t)n == len && !memcmp(enc, p, len));
}

static void version(const uint8_t *p, size_t len, const struct req *rq)
{
	struct vfio_user_version v, w;
	struct errbuf eb = { { 0 } };
	int ret = vfio_user_version_get(p, len, rq->nfds, &v, &eb), n;

	if (ret) {
		if (ret != -ENOMEM)
			refused(ret, &eb);
		return;
	}
	FUZZ_CHECK(v.caps.max_msg_fds <= 65535 && v.caps.max_data_xfer_size &&
		   v.caps.max_data_xfer_size <= (1u << 30) &&
		   v.caps.max_dma_maps && v.caps.pgsizes &&
		   !(v.caps.pgsizes & (VFIO_USER_PAGE_SIZE - 1)));
	n = vfio_user_version_put(enc, sizeof(enc), &v);
	FUZZ_CHECK(n > 4);
	FUZZ_CHECK(vfio_user_version_get(enc, n, 0, &w, &eb) == 0);
	FUZZ_CHECK(v.major == w.major && v.minor == w.minor &&
		   v.caps.max_msg_fds == w.caps.max_msg_fds &&
		   v.caps.max_data_xfer_size == w.caps.max_data_xfer_size &&
		   v.caps.max_dma_maps == w.caps.max_dma_maps &&
		   v.caps.pgsizes == w.caps.pgsizes);
	ENCODE(o, rq->cap, vfio_user_version_put(o, rq->cap, &v));
}

static void region_info(const uint8_t *p, size_t len, const struct req *rq)
{
	struct vfio_region r, s;
	struct errbuf eb = { { 0 } };
	uint32_t needed, again;
	int ret, n;

	ret = vfio_user_region_info_get(p, len, rq->nfds, rq->a, &r, &needed,
					&eb);
	if (ret) {
		refused(ret, &eb);
		return;
	}
	FUZZ_CHECK(r.index == rq->a && r.mmap_fd == -1);
	FUZZ_CHECK(needed >= len && needed <= VFIO_USER_REGION_INFO_MAX);
	FUZZ_CHECK(r.nareas <= VFIO_SPARSE_MAX);
	for (unsigned int i = 0; i < r.nareas; i++) {
		FUZZ_CHECK(r.areas[i].size && r.areas[i].off <= r.size &&
			   r.areas[i].size <= r.size - r.areas[i].off);
		FUZZ_CHECK(!((r.areas[i].off | r.areas[i].size) &
			     (VFIO_USER_PAGE_SIZE - 1)));
	}
	if (r.nareas)
		FUZZ_CHECK(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	if (needed > len)
		return;		/* the caller asks again with more room */
	n = vfio_user_region_info_put(enc, sizeof(enc), VFIO_USER_REGION_INFO_MAX,
				      &r);
	FUZZ_CHECK(n >= VFIO_USER_REGION_INFO_SIZE);
	FUZZ_CHECK(vfio_user_region_info_get(enc, n, rq->nfds, rq->a, &s, &again,
					     &eb) == 0);
	FUZZ_CHECK(again == (uint32_t)n);
	FUZZ_CHECK(s.size == r.size && s.mmap_offset == r.mmap_offset &&
		   s.nareas == r.nareas &&
		   (s.flags & ~VFIO_REGION_INFO_FLAG_CAPS) ==
		   (r.flags & ~VFIO_REGION_INFO_FLAG_CAPS));
	FUZZ_CHECK(!memcmp(s.areas, r.areas, r.nareas * sizeof(r.areas[0])));
	ENCODE(o, rq->cap, vfio_user_region_info_put(o, rq->cap, rq->b, &r));
}

static void region_rw_req(const uint8_t *p, size_t len, const struct req *rq,
			  bool write)
{
	struct vfio_user_region_rw rw;
	struct errbuf eb = { { 0 } };
	uint32_t max = rq->a % (MSG_MAX + 1);
	int ret = vfio_user_region_rw_get(p, len, rq->nfds, max, write, &rw,
					  &eb);

	if (ret) {
		refused(ret, &eb);
		return;
	}
	FUZZ_CHECK(rw.count && rw.count <= max &&
		   rw.offset + rw.count > rw.offset);
	FUZZ_CHECK(!write || inside(p, len, rw.data, rw.count));
	same_bytes(vfio_user_region_rw_put(enc, sizeof(enc), &rw, write), p,
		   len);
	ENCODE(o, rq->cap, vfio_user_region_rw_put(o, rq->cap, &rw, write));
}

static void region_rw_reply(const uint8_t *p, size_t len,
			    const struct req *rq, bool read)
{
	struct vfio_user_region_rw req = {
		.offset = rq->c, .region = rq->b & 0xffff,
		.count = (rq->b >> 16) + 1,
	};
	struct errbuf eb = { { 0 } };
	const void *data = p;
	int ret = vfio_user_region_rw_reply_get(p, len, rq->nfds, &req, read,
						&data, &eb);

	if (ret) {
		refused(ret, &eb);
		return;
	}
	if (read)
		FUZZ_CHECK(inside(p, len, data, req.count));
	else
		FUZZ_CHECK(!data);
}

static void irq_set(const uint8_t *p, size_t len, const struct req *rq)
{
	struct vfio_user_irq_set s;
	struct errbuf eb = { { 0 } };
	int ret = vfio_user_irq_set_get(p, len, rq->nfds, &s, &eb);

	if (ret) {
		refused(ret, &eb);
		return;
	}
	FUZZ_CHECK(s.count <= VFIO_USER_IRQ_COUNT_MAX &&
		   s.start <= VFIO_USER_IRQ_COUNT_MAX - s.count);
	if (s.flags & VFIO_IRQ_SET_DATA_BOOL)
		FUZZ_CHECK(inside(p, len, s.bools, s.count));
	else
		FUZZ_CHECK(!s.bools);
	if ((s.flags & VFIO_IRQ_SET_DATA_EVENTFD) && rq->nfds)
		FUZZ_CHECK(rq->nfds == s.count);
	same_bytes(vfio_user_irq_set_put(enc, sizeof(enc), &s), p, len);
	ENCODE(o, rq->cap, vfio_user_irq_set_put(o, rq->cap, &s));
}

/* A command, as the server parses it. */
static void command(uint16_t cmd, const uint8_t *p, size_t len,
		    const struct req *rq)
{
	struct errbuf eb = { { 0 } };
	struct vfio_user_dma_map m;
	struct vfio_user_dma_unmap u;
	uint32_t index, argsz;
	int ret = 0;

	switch (cmd) {
	case VFIO_USER_VERSION:
		version(p, len, rq);
		return;
	case VFIO_USER_DMA_MAP:
		ret = vfio_user_dma_map_get(p, len, rq->nfds, &m, &eb);
		if (ret)
			break;
		FUZZ_CHECK(m.size && m.addr + m.size > m.addr &&
			   (rq->nfds || !m.offset));
		same_bytes(vfio_user_dma_map_put(enc, sizeof(enc), &m), p, len);
		ENCODE(o, rq->cap, vfio_user_dma_map_put(o, rq->cap, &m));
		return;
	case VFIO_USER_DMA_UNMAP:
		ret = vfio_user_dma_unmap_get(p, len, rq->nfds, &u, &eb);
		if (ret)
			break;
		FUZZ_CHECK(u.size && u.addr + u.size > u.addr && !u.flags);
		same_bytes(vfio_user_dma_unmap_put(enc, sizeof(enc), &u), p, len);
		/* The server echoes the request: the client takes it. */
		FUZZ_CHECK(vfio_user_dma_unmap_reply_check(enc, len, 0, &u,
							   &eb) == 0);
		return;
	case VFIO_USER_DEVICE_GET_INFO:
		ret = vfio_user_device_info_req_get(p, len, rq->nfds, &argsz,
						    &eb);
		if (!ret)
			FUZZ_CHECK(argsz >= VFIO_USER_DEVICE_INFO_SIZE);
		break;
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		ret = vfio_user_region_info_req_get(p, len, rq->nfds, &index,
						    &argsz, &eb);
		if (ret)
			break;
		same_bytes(vfio_user_region_info_req_put(enc, sizeof(enc), index,
							 argsz), p, len);
		return;
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
		ret = vfio_user_irq_info_req_get(p, len, rq->nfds, &index, &eb);
		break;
	case VFIO_USER_DEVICE_SET_IRQS:
		irq_set(p, len, rq);
		return;
	case VFIO_USER_REGION_READ:
	case VFIO_USER_REGION_WRITE:
		region_rw_req(p, len, rq, cmd == VFIO_USER_REGION_WRITE);
		return;
	case VFIO_USER_DEVICE_RESET:
		ret = vfio_user_empty_get(p, len, rq->nfds, "DEVICE_RESET", &eb);
		if (ret)
			FUZZ_CHECK(ret == -EPROTO && eb.msg[0]);
		return;
	default:
		FUZZ_CHECK(vfio_user_cmd_name(cmd));
		return;
	}
	if (ret)
		refused(ret, &eb);
}

/* A reply to a command of ours, as the client parses it. */
static void reply(uint16_t cmd, const uint8_t *p, size_t len,
		  const struct req *rq)
{
	struct errbuf eb = { { 0 } };
	struct vfio_user_device_info d, e;
	struct vfio_user_dma_unmap u = { .argsz = VFIO_USER_DMA_UNMAP_SIZE,
					 .addr = rq->c, .size = rq->b };
	struct vfio_irq irq, irq2;
	int ret = 0;

	switch (cmd) {
	case VFIO_USER_VERSION:
		version(p, len, rq);
		return;
	case VFIO_USER_DMA_UNMAP:
		ret = vfio_user_dma_unmap_reply_check(p, len, rq->nfds, &u, &eb);
		break;
	case VFIO_USER_DEVICE_GET_INFO:
		ret = vfio_user_device_info_get(p, len, rq->nfds, &d, &eb);
		if (ret)
			break;
		FUZZ_CHECK(d.num_regions <= VFIO_USER_REGIONS_MAX &&
			   d.num_irqs <= VFIO_USER_IRQS_MAX);
		FUZZ_CHECK(vfio_user_device_info_put(enc, sizeof(enc), &d) ==
			   VFIO_USER_DEVICE_INFO_SIZE);
		FUZZ_CHECK(vfio_user_device_info_get(enc, VFIO_USER_DEVICE_INFO_SIZE,
						     0, &e, &eb) == 0);
		FUZZ_CHECK(!memcmp(&d, &e, sizeof(d)));
		return;
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		region_info(p, len, rq);
		return;
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
		ret = vfio_user_irq_info_get(p, len, rq->nfds, rq->a, &irq, &eb);
		if (ret)
			break;
		FUZZ_CHECK(irq.index == rq->a &&
			   irq.count <= VFIO_USER_IRQ_COUNT_MAX);
		FUZZ_CHECK(vfio_user_irq_info_put(enc, sizeof(enc), &irq) ==
			   VFIO_USER_IRQ_INFO_SIZE);
		FUZZ_CHECK(vfio_user_irq_info_get(enc, VFIO_USER_IRQ_INFO_SIZE, 0,
						  rq->a, &irq2, &eb) == 0);
		FUZZ_CHECK(!memcmp(&irq, &irq2, sizeof(irq)));
		return;
	case VFIO_USER_REGION_READ:
	case VFIO_USER_REGION_WRITE:
		region_rw_reply(p, len, rq, cmd == VFIO_USER_REGION_READ);
		return;
	case VFIO_USER_DMA_MAP:
	case VFIO_USER_DEVICE_SET_IRQS:
	case VFIO_USER_DEVICE_RESET:
		ret = vfio_user_empty_get(p, len, rq->nfds,
					  vfio_user_cmd_name(cmd), &eb);
		if (ret)
			FUZZ_CHECK(ret == -EPROTO);
		break;
	default:
		return;
	}
	if (ret)
		refused(ret, &eb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vfio_user_hdr h;
	struct errbuf eb = { { 0 } };
	struct req rq;
	uint8_t hb[VFIO_USER_HDR_SIZE], *p;
	size_t len;
	int ret;

	rq.nfds = fuzz_u8(&in) % (VFIO_USER_FDS_MAX + 1);
	rq.a = fuzz_u32(&in);
	rq.b = fuzz_u32(&in);
	rq.c = fuzz_u64(&in);
	rq.cap = fuzz_u16(&in);
	ret = vfio_user_hdr_get(in.p, in.n, MSG_MAX, &h, &eb);
	if (ret) {
		refused(ret, &eb);
		return 0;
	}
	FUZZ_CHECK(h.size >= VFIO_USER_HDR_SIZE && h.size <= MSG_MAX);
	vfio_user_hdr_put(hb, &h);
	FUZZ_CHECK(!memcmp(hb, in.p, VFIO_USER_HDR_SIZE));
	/* The socket layer hands on h.size bytes; a short input, what is left. */
	len = in.n - VFIO_USER_HDR_SIZE;
	if (len > h.size - VFIO_USER_HDR_SIZE)
		len = h.size - VFIO_USER_HDR_SIZE;
	/* Exactly len bytes on the heap: a read past the payload is caught. */
	p = malloc(len ? len : 1);
	FUZZ_CHECK(p);
	memcpy(p, in.p + VFIO_USER_HDR_SIZE, len);
	if ((h.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_COMMAND)
		command(h.cmd, p, len, &rq);
	else if (!(h.flags & VFIO_USER_F_ERROR))
		reply(h.cmd, p, len, &rq);
	free(p);
	return 0;
}
