// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user frontend: the message codec byte for byte, reply checks
 * against every way a backend can be wrong, and the connection over a
 * socketpair whose other end this test plays (replies queued before the
 * request, requests and their descriptors read back after). Also the
 * --nic parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/vmm.h"
#include "vmm/vhost_user.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void hdr(uint8_t *b, uint32_t req, uint32_t flags, uint32_t size)
{
	memcpy(b, &req, 4);
	memcpy(b + 4, &flags, 4);
	memcpy(b + 8, &size, 4);
}

/* ---- codec ---- */

static void test_encode_u64(void **state)
{
	struct vhost_user_msg m;
	uint8_t b[VHOST_USER_MSG_MAX];

	(void)state;
	vhost_user_msg_u64(&m, VHOST_USER_SET_FEATURES, 0x140000000ULL, false);
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), 20);
	assert_int_equal(rd32(b), VHOST_USER_SET_FEATURES);
	assert_int_equal(rd32(b + 4), 1);
	assert_int_equal(rd32(b + 8), 8);
	assert_true(rd64(b + 12) == 0x140000000ULL);

	vhost_user_msg_u64(&m, VHOST_USER_SET_VRING_KICK, 1, true);
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), 20);
	assert_int_equal(rd32(b + 4), 1 | VHOST_USER_FLAG_NEED_REPLY);

	vhost_user_msg_init(&m, VHOST_USER_GET_FEATURES, false);
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), 12);
	assert_int_equal(rd32(b + 8), 0);
}

static void test_encode_state_addr(void **state)
{
	struct vhost_user_vring_addr a = {
		.index = 1, .flags = 0, .desc = 0x1000, .used = 0x3000,
		.avail = 0x2000, .log = 0,
	};
	struct vhost_user_msg m;
	uint8_t b[VHOST_USER_MSG_MAX];

	(void)state;
	vhost_user_msg_state(&m, VHOST_USER_SET_VRING_BASE, 1, 77, false);
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), 20);
	assert_int_equal(rd32(b + 12), 1);
	assert_int_equal(rd32(b + 16), 77);

	vhost_user_msg_addr(&m, &a, false);
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), 12 + 40);
	assert_int_equal(rd32(b + 8), 40);
	/* index, flags, desc, used, avail, log: the spec's order. */
	assert_int_equal(rd32(b + 12), 1);
	assert_true(rd64(b + 20) == 0x1000);
	assert_true(rd64(b + 28) == 0x3000);
	assert_true(rd64(b + 36) == 0x2000);
	assert_true(rd64(b + 44) == 0);
}

static void test_encode_mem(void **state)
{
	struct vhost_user_region r[VHOST_USER_MAX_REGIONS + 1] = {
		{ 0, 0xb0000000, 0x7f0000000000, 0 },
		{ 0x100000000, 0x10000000, 0x7f00b0000000, 0xb0000000 },
	};
	struct vhost_user_msg m;
	uint8_t b[VHOST_USER_MSG_MAX];

	(void)state;
	assert_int_equal(vhost_user_msg_mem(&m, r, 2, true), 0);
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), 12 + 8 + 64);
	assert_int_equal(rd32(b + 8), 8 + 64);
	assert_int_equal(rd32(b + 12), 2);
	assert_true(rd64(b + 20 + 32) == 0x100000000);
	assert_true(rd64(b + 20 + 32 + 16) == 0x7f00b0000000);
	assert_true(rd64(b + 20 + 32 + 24) == 0xb0000000);
	assert_int_equal(vhost_user_msg_mem(&m, r, 9, false), -E2BIG);
	/* A size that does not match the payload, or a short buffer. */
	vhost_user_msg_mem(&m, r, 2, false);
	m.size = 8;
	assert_int_equal(vhost_user_encode(&m, b, sizeof(b)), -EINVAL);
	vhost_user_msg_mem(&m, r, 2, false);
	assert_int_equal(vhost_user_encode(&m, b, 40), -EINVAL);
}

static void test_reply_size(void **state)
{
	(void)state;
	assert_int_equal(vhost_user_reply_size(VHOST_USER_GET_FEATURES, 0), 8);
	assert_int_equal(vhost_user_reply_size(VHOST_USER_GET_VRING_BASE, 0),
			 8);
	assert_int_equal(vhost_user_reply_size(VHOST_USER_SET_OWNER, 0), 0);
	assert_int_equal(vhost_user_reply_size(VHOST_USER_SET_MEM_TABLE,
			 VHOST_USER_FLAG_NEED_REPLY), 8);
}

static int check_hdr(uint32_t req_type, uint32_t rreq, uint32_t flags,
		     uint32_t size, struct errbuf *eb)
{
	struct vhost_user_msg req, reply;
	uint8_t b[12];

	vhost_user_msg_init(&req, req_type, false);
	hdr(b, rreq, flags, size);
	return vhost_user_reply_hdr(b, &req, &reply, eb);
}

static void test_reply_hdr(void **state)
{
	struct errbuf eb;

	(void)state;
	assert_int_equal(check_hdr(VHOST_USER_GET_FEATURES,
				   VHOST_USER_GET_FEATURES, 5, 8, &eb), 0);
	assert_int_equal(check_hdr(VHOST_USER_GET_FEATURES,
				   VHOST_USER_GET_PROTOCOL_FEATURES, 5, 8, &eb),
			 -EPROTO);
	assert_string_equal(eb.msg, "answered GET_FEATURES with "
			    "GET_PROTOCOL_FEATURES");
	assert_int_equal(check_hdr(VHOST_USER_GET_FEATURES, 1, 6, 8, &eb),
			 -EPROTO);
	assert_non_null(strstr(eb.msg, "protocol version 2"));
	assert_int_equal(check_hdr(VHOST_USER_GET_FEATURES, 1, 1, 8, &eb),
			 -EPROTO);
	assert_non_null(strstr(eb.msg, "without the reply flag"));
	assert_int_equal(check_hdr(VHOST_USER_GET_FEATURES, 1, 5, 4096, &eb),
			 -EPROTO);
	assert_non_null(strstr(eb.msg, "4096 payload bytes (want 8)"));
	/* Another protocol altogether. */
	{
		struct vhost_user_msg req, reply;
		uint8_t b[12] = "SSH-2.0-Ope";

		vhost_user_msg_init(&req, VHOST_USER_GET_FEATURES, false);
		assert_int_equal(vhost_user_reply_hdr(b, &req, &reply, &eb),
				 -EPROTO);
		assert_non_null(strstr(eb.msg, "\"SSH-2.0-...\""));
	}
}

static void test_reply_payload(void **state)
{
	struct vhost_user_msg req, reply = { 0 };
	uint8_t p[8];
	struct errbuf eb;
	uint32_t v;

	(void)state;
	vhost_user_msg_state(&req, VHOST_USER_GET_VRING_BASE, 1, 0, false);
	v = 1;
	memcpy(p, &v, 4);
	v = 300;
	memcpy(p + 4, &v, 4);
	assert_int_equal(vhost_user_reply_payload(p, &req, &reply, &eb), 0);
	assert_int_equal(reply.payload.state.num, 300);
	v = 0;
	memcpy(p, &v, 4);
	assert_int_equal(vhost_user_reply_payload(p, &req, &reply, &eb),
			 -EPROTO);
	assert_non_null(strstr(eb.msg, "of ring 1 with ring 0"));
	v = 1;
	memcpy(p, &v, 4);
	v = 0x10000;
	memcpy(p + 4, &v, 4);
	assert_int_equal(vhost_user_reply_payload(p, &req, &reply, &eb),
			 -EPROTO);
}

static void test_request_name(void **state)
{
	char b[24];

	(void)state;
	assert_string_equal(vhost_user_request_name(5, b, sizeof(b)),
			    "SET_MEM_TABLE");
	assert_string_equal(vhost_user_request_name(99, b, sizeof(b)),
			    "request 99");
	assert_string_equal(vhost_user_request_name(40, b, sizeof(b)),
			    "request 40");
}

/* ---- the connection, against this test as the backend ---- */

struct pair {
	struct vhost_user vu;
	int peer;
};

static int pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	vhost_user_init(&p->vu, "/test/vu.sock");
	p->vu.fd = sv[0];
	p->vu.timeout_ms = 200;
	p->peer = sv[1];
	*state = p;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;

	vhost_user_close(&p->vu);
	close(p->peer);
	free(p);
	return 0;
}

static void queue_reply(struct pair *p, uint32_t req, uint64_t val)
{
	uint8_t b[20];

	hdr(b, req, 5, 8);
	memcpy(b + 12, &val, 8);
	assert_int_equal(write(p->peer, b, sizeof(b)), sizeof(b));
}

/* One request as the backend receives it, with its descriptors. */
struct got {
	uint32_t req, flags, size;
	uint8_t payload[VHOST_USER_MSG_MAX];
	int fds[8];
	int nfds;
};

static void peer_read(struct pair *p, struct got *g)
{
	char ctl[CMSG_SPACE(sizeof(int) * 8)];
	uint8_t h[12];
	struct iovec iov = { h, 12 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;

	memset(g, 0, sizeof(*g));
	assert_int_equal(recvmsg(p->peer, &mh, MSG_WAITALL), 12);
	g->req = rd32(h);
	g->flags = rd32(h + 4);
	g->size = rd32(h + 8);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		g->nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(g->fds, CMSG_DATA(c), g->nfds * sizeof(int));
	}
	if (g->size)
		assert_int_equal(recv(p->peer, g->payload, g->size,
				      MSG_WAITALL), g->size);
}

static void expect_req(struct pair *p, uint32_t req, uint32_t size,
		       int nfds, struct got *g)
{
	peer_read(p, g);
	assert_int_equal(g->req, req);
	assert_int_equal(g->size, size);
	assert_int_equal(g->nfds, nfds);
	for (int i = 0; i < g->nfds; i++)
		close(g->fds[i]);
}

static void test_handshake(void **state)
{
	struct pair *p = *state;
	struct errbuf eb;
	struct got g;
	int fd = p->vu.fd;

	/* Offers VERSION_1 and protocol features; MQ and REPLY_ACK. */
	queue_reply(p, VHOST_USER_GET_FEATURES, 1ULL << 32 | 1ULL << 30);
	queue_reply(p, VHOST_USER_GET_PROTOCOL_FEATURES, 0x9);
	p->vu.fd = -1;
	assert_int_equal(vhost_user_attach(&p->vu, fd,
		1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK, &eb), 0);
	assert_true(p->vu.features == (1ULL << 32 | 1ULL << 30));
	assert_true(p->vu.protocol_features == 0x8);
	expect_req(p, VHOST_USER_SET_OWNER, 0, 0, &g);
	expect_req(p, VHOST_USER_GET_FEATURES, 0, 0, &g);
	expect_req(p, VHOST_USER_GET_PROTOCOL_FEATURES, 0, 0, &g);
	expect_req(p, VHOST_USER_SET_PROTOCOL_FEATURES, 8, 0, &g);
	/* MQ is never asked for. */
	assert_true(rd64(g.payload) == 0x8);
	/* SET_FEATURES acks protocol features on its own. */
	queue_reply(p, VHOST_USER_SET_FEATURES, 0);
	assert_int_equal(vhost_user_set_features(&p->vu, 1ULL << 32, &eb), 0);
	expect_req(p, VHOST_USER_SET_FEATURES, 8, 0, &g);
	assert_true(g.flags & VHOST_USER_FLAG_NEED_REPLY);
	assert_true(rd64(g.payload) == (1ULL << 32 | 1ULL << 30));
}

static void test_no_protocol_features(void **state)
{
	struct pair *p = *state;
	struct vhost_user_vring r = {
		.index = 0, .num = 256, .desc = 0x1000, .avail = 0x2000,
		.used = 0x3000, .kick_fd = eventfd(0, EFD_CLOEXEC),
		.call_fd = eventfd(0, EFD_CLOEXEC),
	};
	struct errbuf eb;
	struct got g;
	int fd = p->vu.fd;
	char c;

	queue_reply(p, VHOST_USER_GET_FEATURES, 1ULL << 32);
	p->vu.fd = -1;
	assert_int_equal(vhost_user_attach(&p->vu, fd, ~0ULL, &eb), 0);
	assert_true(p->vu.protocol_features == 0);
	expect_req(p, VHOST_USER_SET_OWNER, 0, 0, &g);
	expect_req(p, VHOST_USER_GET_FEATURES, 0, 0, &g);
	/* No acks, and no SET_VRING_ENABLE: the kick starts the ring. */
	assert_int_equal(vhost_user_vring_start(&p->vu, &r, &eb), 0);
	expect_req(p, VHOST_USER_SET_VRING_NUM, 8, 0, &g);
	assert_int_equal(g.flags, 1);
	expect_req(p, VHOST_USER_SET_VRING_BASE, 8, 0, &g);
	expect_req(p, VHOST_USER_SET_VRING_ADDR, 40, 0, &g);
	expect_req(p, VHOST_USER_SET_VRING_KICK, 8, 1, &g);
	expect_req(p, VHOST_USER_SET_VRING_CALL, 8, 1, &g);
	/* Nothing more was sent. */
	assert_int_equal(recv(p->peer, &c, 1, MSG_DONTWAIT), -1);
	close(r.kick_fd);
	close(r.call_fd);
}

static void test_mem_table_fds_and_ack(void **state)
{
	struct pair *p = *state;
	struct vhost_user_region r[2] = {
		{ 0, 0x1000, 0x10000, 0 }, { 0x100000000, 0x1000, 0x20000, 0x1000 },
	};
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	struct errbuf eb;
	struct got g;

	p->vu.protocol_features = 1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK;
	queue_reply(p, VHOST_USER_SET_MEM_TABLE, 0);
	assert_int_equal(vhost_user_set_mem_table(&p->vu, r, fds, 2, &eb), 0);
	expect_req(p, VHOST_USER_SET_MEM_TABLE, 8 + 64, 2, &g);
	assert_true(g.flags & VHOST_USER_FLAG_NEED_REPLY);
	/* A refusal keeps the connection: the backend is sane, just unwilling. */
	queue_reply(p, VHOST_USER_SET_MEM_TABLE, 1);
	assert_int_equal(vhost_user_set_mem_table(&p->vu, r, fds, 2, &eb),
			 -EREMOTEIO);
	assert_non_null(strstr(eb.msg, "refused SET_MEM_TABLE"));
	assert_true(vhost_user_connected(&p->vu));
	expect_req(p, VHOST_USER_SET_MEM_TABLE, 8 + 64, 2, &g);
	close(fds[0]);
	close(fds[1]);
}

static void test_reply_with_fds(void **state)
{
	struct pair *p = *state;
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	uint8_t b[20];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int efd = eventfd(0, EFD_CLOEXEC);
	uint64_t f = 1ULL << 32;
	struct vhost_user_msg m;
	struct errbuf eb;

	hdr(b, VHOST_USER_GET_FEATURES, 5, 8);
	memcpy(b + 12, &f, 8);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &efd, sizeof(int));
	assert_int_equal(sendmsg(p->peer, &mh, 0), sizeof(b));
	close(efd);
	vhost_user_msg_init(&m, VHOST_USER_GET_FEATURES, false);
	assert_int_equal(vhost_user_call(&p->vu, &m, NULL, 0, NULL, &eb),
			 -EPROTO);
	assert_non_null(strstr(eb.msg, "sent file descriptors"));
	assert_false(vhost_user_connected(&p->vu));
}

static void test_timeout_and_hangup(void **state)
{
	struct pair *p = *state;
	struct vhost_user_msg m;
	struct errbuf eb;
	uint32_t base;

	vhost_user_msg_init(&m, VHOST_USER_GET_FEATURES, false);
	assert_int_equal(vhost_user_call(&p->vu, &m, NULL, 0, NULL, &eb),
			 -ETIMEDOUT);
	assert_non_null(strstr(eb.msg, "did not answer GET_FEATURES within "
			       "200 ms"));
	assert_false(vhost_user_connected(&p->vu));
	assert_int_equal(vhost_user_call(&p->vu, &m, NULL, 0, NULL, &eb),
			 -ENOTCONN);

	/* A half reply, then the backend is gone. */
	{
		int sv[2];
		uint8_t b[6];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		memset(b, 0, sizeof(b));
		assert_int_equal(write(sv[1], b, sizeof(b)), sizeof(b));
		shutdown(sv[1], SHUT_WR);
		p->vu.fd = sv[0];
		assert_int_equal(vhost_user_vring_stop(&p->vu, 0, &base, &eb),
				 -ECONNRESET);
		assert_non_null(strstr(eb.msg, "closed the connection during "
				       "GET_VRING_BASE"));
		close(sv[1]);
	}
}

static void test_check_idle(void **state)
{
	struct pair *p = *state;

	assert_int_equal(vhost_user_check_idle(&p->vu), 0);
	assert_true(vhost_user_connected(&p->vu));
	queue_reply(p, VHOST_USER_GET_FEATURES, 0);
	assert_int_equal(vhost_user_check_idle(&p->vu), -EPROTO);
	assert_false(vhost_user_connected(&p->vu));
	assert_int_equal(vhost_user_check_idle(&p->vu), -ENOTCONN);
}

static void test_check_idle_hangup(void **state)
{
	struct pair *p = *state;

	close(p->peer);
	p->peer = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(vhost_user_check_idle(&p->vu), -ECONNRESET);
}

static void test_vring_stop(void **state)
{
	struct pair *p = *state;
	uint8_t b[20];
	uint32_t v[2] = { 1, 4242 }, base = 0;
	struct errbuf eb;
	struct got g;

	p->vu.features = 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;
	hdr(b, VHOST_USER_GET_VRING_BASE, 5, 8);
	memcpy(b + 12, v, 8);
	assert_int_equal(write(p->peer, b, sizeof(b)), sizeof(b));
	assert_int_equal(vhost_user_vring_stop(&p->vu, 1, &base, &eb), 0);
	assert_int_equal(base, 4242);
	expect_req(p, VHOST_USER_SET_VRING_ENABLE, 8, 0, &g);
	assert_int_equal(rd32(g.payload), 1);
	assert_int_equal(rd32(g.payload + 4), 0);
	expect_req(p, VHOST_USER_GET_VRING_BASE, 8, 0, &g);
}

/* Server mode: the backend connects to a socket the frontend made. */
static void test_listen_accept(void **state)
{
	char dir[] = "/tmp/iopass-vu-test.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vhost_user vu;
	struct errbuf eb;
	uint8_t b[20];
	uint64_t f = 1ULL << 32;
	int fd, be;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vu.sock", dir);
	strcpy(sa.sun_path, path);

	/* A file that is not a socket is never removed. */
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	vhost_user_init(&vu, path);
	assert_int_equal(vhost_user_listen(&vu, &eb), -EEXIST);
	assert_non_null(strstr(eb.msg, "not a socket"));
	unlink(path);

	/* A stale socket (its owner died) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(vhost_user_listen(&vu, &eb), 0);
	/* ... but a live one is not. */
	{
		struct vhost_user other;

		vhost_user_init(&other, path);
		assert_int_equal(vhost_user_listen(&other, &eb), -EEXIST);
		assert_non_null(strstr(eb.msg, "a socket in use"));
	}
	assert_int_equal(vhost_user_accept(&vu, 50, 0, &eb), -ETIMEDOUT);
	assert_non_null(strstr(eb.msg, "client mode"));

	be = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(be, (struct sockaddr *)&sa, sizeof(sa)), 0);
	hdr(b, VHOST_USER_GET_FEATURES, 5, 8);
	memcpy(b + 12, &f, 8);
	assert_int_equal(write(be, b, sizeof(b)), sizeof(b));
	assert_int_equal(vhost_user_accept(&vu, 1000, 0, &eb), 0);
	assert_true(vu.features == f);
	assert_true(vhost_user_connected(&vu));
	vhost_user_close(&vu);
	close(be);
	vhost_user_unlisten(&vu);
	assert_int_equal(access(path, F_OK), -1);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_u64),
		cmocka_unit_test(test_encode_state_addr),
		cmocka_unit_test(test_encode_mem),
		cmocka_unit_test(test_reply_size),
		cmocka_unit_test(test_reply_hdr),
		cmocka_unit_test(test_reply_payload),
		cmocka_unit_test(test_request_name),
		cmocka_unit_test_setup_teardown(test_handshake, pair_setup,
						pair_teardown),
		cmocka_unit_test_setup_teardown(test_no_protocol_features,
						pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_mem_table_fds_and_ack,
						pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_reply_with_fds, pair_setup,
						pair_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_hangup,
						pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_check_idle, pair_setup,
						pair_teardown),
		cmocka_unit_test_setup_teardown(test_check_idle_hangup,
						pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_vring_stop, pair_setup,
						pair_teardown),
		cmocka_unit_test(test_listen_accept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
