// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user messages, the frontend's half: requests built and serialised,
 * replies parsed and checked. Pure (no I/O, no allocation): the fuzz target
 * and the unit tests drive it with bytes.
 *
 * What the backend may answer is decided here, not by the backend: a reply
 * must name the request it answers, carry version 1 and the reply flag, and
 * be exactly the size that request's reply has. Anything else is -EPROTO.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vhost_user.h"

static const char *const request_names[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = "GET_FEATURES",
	[VHOST_USER_SET_FEATURES] = "SET_FEATURES",
	[VHOST_USER_SET_OWNER] = "SET_OWNER",
	[VHOST_USER_RESET_OWNER] = "RESET_OWNER",
	[VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
	[VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
	[VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
	[VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
	[VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
	[VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
};

const char *vhost_user_request_name(uint32_t request, char *buf, size_t len)
{
	if (request < VHOST_USER_REQUEST_MAX && request_names[request])
		return request_names[request];
	snprintf(buf, len, "request %u", request);
	return buf;
}

enum payload_kind { PL_NONE, PL_U64, PL_STATE, PL_ADDR, PL_MEM };

/* The payload each request we send carries. */
static enum payload_kind request_kind(uint32_t request)
{
	switch (request) {
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
		return PL_U64;
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return PL_STATE;
	case VHOST_USER_SET_VRING_ADDR:
		return PL_ADDR;
	case VHOST_USER_SET_MEM_TABLE:
		return PL_MEM;
	default:
		return PL_NONE;
	}
}

static uint32_t request_size(uint32_t request)
{
	static const uint32_t size[] = {
		[PL_NONE] = 0,
		[PL_U64] = sizeof(uint64_t),
		[PL_STATE] = sizeof(struct vhost_user_vring_state),
		[PL_ADDR] = sizeof(struct vhost_user_vring_addr),
		[PL_MEM] = 8,	/* no regions */
	};

	return size[request_kind(request)];
}

void vhost_user_msg_init(struct vhost_user_msg *msg, uint32_t request,
			 bool need_reply)
{
	memset(msg, 0, sizeof(*msg));
	msg->request = request;
	msg->flags = VHOST_USER_VERSION |
		     (need_reply ? VHOST_USER_FLAG_NEED_REPLY : 0);
	msg->size = request_size(request);
}

void vhost_user_msg_u64(struct vhost_user_msg *msg, uint32_t request,
			uint64_t val, bool need_reply)
{
	vhost_user_msg_init(msg, request, need_reply);
	msg->payload.u64 = val;
}

void vhost_user_msg_state(struct vhost_user_msg *msg, uint32_t request,
			  uint32_t index, uint32_t num, bool need_reply)
{
	vhost_user_msg_init(msg, request, need_reply);
	msg->payload.state.index = index;
	msg->payload.state.num = num;
}

void vhost_user_msg_addr(struct vhost_user_msg *msg,
			 const struct vhost_user_vring_addr *addr,
			 bool need_reply)
{
	vhost_user_msg_init(msg, VHOST_USER_SET_VRING_ADDR, need_reply);
	msg->payload.addr = *addr;
}

int vhost_user_msg_mem(struct vhost_user_msg *msg,
		       const struct vhost_user_region *r, uint32_t n,
		       bool need_reply)
{
	if (n > VHOST_USER_MAX_REGIONS)
		return -E2BIG;
	vhost_user_msg_init(msg, VHOST_USER_SET_MEM_TABLE, need_reply);
	msg->payload.mem.nregions = n;
	if (n)
		memcpy(msg->payload.mem.regions, r, n * sizeof(*r));
	/* Only the regions in use travel (as QEMU sends them). */
	msg->size += n * sizeof(*r);
	return 0;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
	return p + 8;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static bool payload_size_ok(const struct vhost_user_msg *msg)
{
	if (request_kind(msg->request) == PL_MEM)
		return msg->payload.mem.nregions <= VHOST_USER_MAX_REGIONS &&
		       msg->size == request_size(msg->request) +
				    msg->payload.mem.nregions *
				    sizeof(struct vhost_user_region);
	return msg->size == request_size(msg->request);
}

int vhost_user_encode(const struct vhost_user_msg *msg, uint8_t *buf,
		      size_t len)
{
	const struct vhost_user_vring_addr *a = &msg->payload.addr;
	uint8_t *p = buf + VHOST_USER_HDR_SIZE;

	if (!payload_size_ok(msg) || len < VHOST_USER_HDR_SIZE + msg->size)
		return -EINVAL;
	put32(buf, msg->request);
	put32(buf + 4, msg->flags);
	put32(buf + 8, msg->size);
	switch (request_kind(msg->request)) {
	case PL_MEM:
		p = put32(p, msg->payload.mem.nregions);
		p = put32(p, 0);
		for (uint32_t i = 0; i < msg->payload.mem.nregions; i++) {
			const struct vhost_user_region *r =
				&msg->payload.mem.regions[i];

			p = put64(p, r->gpa);
			p = put64(p, r->size);
			p = put64(p, r->uaddr);
			p = put64(p, r->mmap_offset);
		}
		break;
	case PL_ADDR:
		p = put32(p, a->index);
		p = put32(p, a->flags);
		p = put64(p, a->desc);
		p = put64(p, a->used);
		p = put64(p, a->avail);
		p = put64(p, a->log);
		break;
	case PL_STATE:
		p = put32(p, msg->payload.state.index);
		p = put32(p, msg->payload.state.num);
		break;
	case PL_U64:
		p = put64(p, msg->payload.u64);
		break;
	case PL_NONE:
		break;
	}
	return p - buf;
}

uint32_t vhost_user_reply_size(uint32_t request, uint32_t flags)
{
	switch (request) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_QUEUE_NUM:
		return sizeof(uint64_t);
	case VHOST_USER_GET_VRING_BASE:
		return sizeof(struct vhost_user_vring_state);
	default:
		return flags & VHOST_USER_FLAG_NEED_REPLY ? sizeof(uint64_t)
							  : 0;
	}
}

int vhost_user_reply_hdr(const uint8_t *hdr, const struct vhost_user_msg *req,
			 struct vhost_user_msg *reply, struct errbuf *eb)
{
	uint32_t want = vhost_user_reply_size(req->request, req->flags);
	char b1[24], b2[24];
	const char *name = vhost_user_request_name(req->request, b1,
						   sizeof(b1));

	memset(reply, 0, sizeof(*reply));
	reply->request = get32(hdr);
	reply->flags = get32(hdr + 4);
	reply->size = get32(hdr + 8);
	if (reply->request != req->request &&
	    (reply->request >= VHOST_USER_REQUEST_MAX ||
	     !request_names[reply->request])) {
		char text[9];

		/* Likely another protocol: show what it said. */
		for (int i = 0; i < 8; i++)
			text[i] = hdr[i] >= 0x20 && hdr[i] < 0x7f ? hdr[i] : '.';
		text[8] = '\0';
		return errbuf_set(eb, -EPROTO, "answered %s with \"%s...\", "
				  "not a vhost-user reply", name, text);
	}
	if (reply->request != req->request)
		return errbuf_set(eb, -EPROTO, "answered %s with %s", name,
				  vhost_user_request_name(reply->request, b2,
							  sizeof(b2)));
	if ((reply->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return errbuf_set(eb, -EPROTO,
				  "answered %s with protocol version %u (want 1)",
				  name, reply->flags & VHOST_USER_VERSION_MASK);
	if (!(reply->flags & VHOST_USER_FLAG_REPLY))
		return errbuf_set(eb, -EPROTO,
				  "answered %s without the reply flag", name);
	if (reply->size != want)
		return errbuf_set(eb, -EPROTO,
				  "answered %s with %u payload bytes (want %u)",
				  name, reply->size, want);
	return 0;
}

int vhost_user_reply_payload(const uint8_t *payload,
			     const struct vhost_user_msg *req,
			     struct vhost_user_msg *reply, struct errbuf *eb)
{
	if (req->request == VHOST_USER_GET_VRING_BASE) {
		reply->payload.state.index = get32(payload);
		reply->payload.state.num = get32(payload + 4);
		if (reply->payload.state.index != req->payload.state.index)
			return errbuf_set(eb, -EPROTO,
					  "answered GET_VRING_BASE of ring %u "
					  "with ring %u",
					  req->payload.state.index,
					  reply->payload.state.index);
		/* Split rings: a free-running 16-bit index. */
		if (reply->payload.state.num > 0xffff)
			return errbuf_set(eb, -EPROTO,
					  "answered GET_VRING_BASE with index "
					  "%u (more than 16 bits)",
					  reply->payload.state.num);
		return 0;
	}
	if (reply->size == sizeof(uint64_t))
		reply->payload.u64 = get64(payload);
	return 0;
}
