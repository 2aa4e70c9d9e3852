// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a vhost-user backend sends back, as any bytes (vmm/vhost_user*.c).
 * Input: byte 0 picks the request the bytes answer, byte 1 a ring index,
 * the rest is the backend's byte stream. It is fed twice: to the pure codec
 * (vhost_user_reply_hdr/payload), and through a socketpair to a whole
 * frontend handshake (vhost_user_attach) and a ring stop (GET_VRING_BASE).
 * A reply that is accepted is the size its request's reply has and names
 * that request; anything else is -EPROTO (or a closed connection) with a
 * one-line reason; the frontend never crashes or reads past what came.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/vhost_user.h"
#include "fuzz_input.h"

#define STREAM_MAX	4096	/* stays inside a socketpair's buffer */

static void check_msg(int ret, const struct errbuf *eb)
{
	FUZZ_CHECK(ret <= 0);
	if (ret)
		FUZZ_CHECK(eb->msg[0] && !strchr(eb->msg, '\n'));
}

static void codec(uint8_t which, uint8_t ring, const uint8_t *s, size_t n)
{
	static const uint32_t reqs[] = {
		VHOST_USER_GET_FEATURES, VHOST_USER_GET_PROTOCOL_FEATURES,
		VHOST_USER_GET_VRING_BASE, VHOST_USER_SET_MEM_TABLE,
		VHOST_USER_GET_QUEUE_NUM,
	};
	uint8_t hdr[VHOST_USER_HDR_SIZE] = { 0 }, payload[8] = { 0 };
	struct vhost_user_msg req, reply;
	struct errbuf eb = { "" };
	uint32_t r = reqs[which % ARRAY_SIZE(reqs)];
	int ret;

	if (r == VHOST_USER_SET_MEM_TABLE)
		vhost_user_msg_mem(&req, NULL, 0, true);
	else
		vhost_user_msg_state(&req, r, ring, 0, false);
	if (r != VHOST_USER_GET_VRING_BASE && r != VHOST_USER_SET_MEM_TABLE)
		vhost_user_msg_init(&req, r, false);
	memcpy(hdr, s, n < sizeof(hdr) ? n : sizeof(hdr));
	ret = vhost_user_reply_hdr(hdr, &req, &reply, &eb);
	check_msg(ret, &eb);
	if (ret) {
		FUZZ_CHECK(ret == -EPROTO);
		return;
	}
	FUZZ_CHECK(reply.request == r);
	FUZZ_CHECK(reply.size == vhost_user_reply_size(r, req.flags));
	FUZZ_CHECK(reply.size <= sizeof(payload));
	if (n > sizeof(hdr))
		memcpy(payload, s + sizeof(hdr),
		       n - sizeof(hdr) < reply.size ? n - sizeof(hdr)
						    : reply.size);
	ret = vhost_user_reply_payload(payload, &req, &reply, &eb);
	check_msg(ret, &eb);
	if (!ret && r == VHOST_USER_GET_VRING_BASE)
		FUZZ_CHECK(reply.payload.state.index == ring &&
			   reply.payload.state.num <= 0xffff);
}

static void connection(uint8_t ring, const uint8_t *s, size_t n)
{
	struct vhost_user vu;
	struct errbuf eb = { "" };
	uint32_t base = 0x12345678;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	if (n > STREAM_MAX)
		n = STREAM_MAX;
	/* The whole answer, then end of file: nothing ever waits. */
	if (n && write(sv[1], s, n) != (ssize_t)n)
		goto out;
	shutdown(sv[1], SHUT_WR);
	vhost_user_init(&vu, "/fuzz/vu.sock");
	vu.timeout_ms = 50;
	ret = vhost_user_attach(&vu, sv[0], ~0ULL, &eb);
	check_msg(ret, &eb);
	if (ret) {
		FUZZ_CHECK(ret == -EREMOTEIO || !vhost_user_connected(&vu));
	} else {
		/* Only what the backend offered is ever negotiated. */
		FUZZ_CHECK(!vu.protocol_features ||
			   (vu.features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)));
		ret = vhost_user_vring_stop(&vu, ring, &base, &eb);
		check_msg(ret, &eb);
		if (!ret)
			FUZZ_CHECK(base <= 0xffff);
		else
			FUZZ_CHECK(base == 0x12345678);
	}
	vhost_user_close(&vu);
out:
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t which = fuzz_u8(&in), ring = fuzz_u8(&in);

	codec(which, ring, in.p, in.n);
	connection(ring, in.p, in.n);
	return 0;
}
