// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-user message codec: see vfio_user_msg.h. Everything here is a pure
 * function of its arguments (json-c's tokener is the only library call), so
 * it can be fed arbitrary bytes by a fuzzer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/vfio.h>

#include "vfio_user_msg.h"

static const char *const cmd_names[] = {
	[VFIO_USER_VERSION] = "VERSION",
	[VFIO_USER_DMA_MAP] = "DMA_MAP",
	[VFIO_USER_DMA_UNMAP] = "DMA_UNMAP",
	[VFIO_USER_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
	[VFIO_USER_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
	[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
	[VFIO_USER_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
	[VFIO_USER_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
	[VFIO_USER_REGION_READ] = "REGION_READ",
	[VFIO_USER_REGION_WRITE] = "REGION_WRITE",
	[VFIO_USER_DMA_READ] = "DMA_READ",
	[VFIO_USER_DMA_WRITE] = "DMA_WRITE",
	[VFIO_USER_DEVICE_RESET] = "DEVICE_RESET",
	[VFIO_USER_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
	[VFIO_USER_DEVICE_FEATURE] = "DEVICE_FEATURE",
	[VFIO_USER_MIG_DATA_READ] = "MIG_DATA_READ",
	[VFIO_USER_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
};

const char *vfio_user_cmd_name(uint16_t cmd)
{
	if (cmd < ARRAY_SIZE(cmd_names) && cmd_names[cmd])
		return cmd_names[cmd];
	return "unknown command";
}

int vfio_user_check_fixed(size_t len, size_t want, unsigned int nfds,
			  unsigned int want_fds, const char *what, int err,
			  struct errbuf *eb)
{
	if (nfds != want_fds)
		return errbuf_set(eb, err, "%s came with %u file descriptors, expected %u",
				  what, nfds, want_fds);
	if (len != want)
		return errbuf_set(eb, err, "%s payload is %zu bytes, expected %zu",
				  what, len, want);
	return 0;
}

/* ---- header ----------------------------------------------------------------- */

void vfio_user_hdr_put(void *buf, const struct vfio_user_hdr *h)
{
	uint8_t *p = buf;

	vfio_user_put16(p, h->id);
	vfio_user_put16(p + 2, h->cmd);
	vfio_user_put32(p + 4, h->size);
	vfio_user_put32(p + 8, h->flags);
	vfio_user_put32(p + 12, h->error);
}

int vfio_user_hdr_get(const void *buf, size_t len, size_t max_size,
		      struct vfio_user_hdr *h, struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t type;

	if (len < VFIO_USER_HDR_SIZE)
		return errbuf_set(eb, -EPROTO, "message header is %zu bytes, shorter than %d",
				  len, VFIO_USER_HDR_SIZE);
	h->id = vfio_user_get16(p);
	h->cmd = vfio_user_get16(p + 2);
	h->size = vfio_user_get32(p + 4);
	h->flags = vfio_user_get32(p + 8);
	h->error = vfio_user_get32(p + 12);

	if (h->flags & ~(VFIO_USER_F_TYPE_MASK | VFIO_USER_F_NO_REPLY |
			 VFIO_USER_F_ERROR))
		return errbuf_set(eb, -EPROTO, "message flags 0x%08x have unknown bits",
				  h->flags);
	type = h->flags & VFIO_USER_F_TYPE_MASK;
	if (type != VFIO_USER_F_TYPE_COMMAND && type != VFIO_USER_F_TYPE_REPLY)
		return errbuf_set(eb, -EPROTO, "message type %u is neither command nor reply",
				  type);
	if (type == VFIO_USER_F_TYPE_COMMAND && (h->flags & VFIO_USER_F_ERROR))
		return errbuf_set(eb, -EPROTO, "a command message has the error flag");
	if (type == VFIO_USER_F_TYPE_REPLY && (h->flags & VFIO_USER_F_NO_REPLY))
		return errbuf_set(eb, -EPROTO, "a reply message has the no-reply flag");
	if (h->size < VFIO_USER_HDR_SIZE || h->size > max_size)
		return errbuf_set(eb, -EPROTO, "message size %" PRIu32 " is outside %d..%zu",
				  h->size, VFIO_USER_HDR_SIZE, max_size);
	if ((h->flags & VFIO_USER_F_ERROR) && h->size != VFIO_USER_HDR_SIZE)
		return errbuf_set(eb, -EPROTO, "an error reply carries %" PRIu32 " bytes of payload",
				  h->size - VFIO_USER_HDR_SIZE);
	return 0;
}

/* ---- VERSION ---------------------------------------------------------------- */

void vfio_user_caps_default(struct vfio_user_caps *c)
{
	c->max_msg_fds = VFIO_USER_DEF_MAX_MSG_FDS;
	c->max_data_xfer_size = VFIO_USER_DEF_MAX_XFER;
	c->max_dma_maps = VFIO_USER_DEF_MAX_DMA_MAPS;
	c->pgsizes = VFIO_USER_DEF_PGSIZES;
}

int vfio_user_version_put(void *buf, size_t cap,
			  const struct vfio_user_version *v)
{
	uint8_t *p = buf;
	int n;

	if (cap < 4)
		return -ENOSPC;
	vfio_user_put16(p, v->major);
	vfio_user_put16(p + 2, v->minor);
	n = snprintf((char *)p + 4, cap - 4,
		     "{\"capabilities\":{\"max_msg_fds\":%" PRIu32
		     ",\"max_data_xfer_size\":%" PRIu32
		     ",\"max_dma_maps\":%" PRIu32 ",\"pgsizes\":%" PRIu64 "}}",
		     v->caps.max_msg_fds, v->caps.max_data_xfer_size,
		     v->caps.max_dma_maps, v->caps.pgsizes);
	if (n < 0 || (size_t)n + 1 > cap - 4)
		return -ENOSPC;
	return 4 + n + 1;	/* the NUL is part of the payload */
}

/* A non-negative JSON integer member in [min, max], or absent. */
static int caps_uint(struct json_object *caps, const char *key, uint64_t min,
		     uint64_t max, uint64_t *val, struct errbuf *eb)
{
	struct json_object *o;
	uint64_t v;

	if (!json_object_object_get_ex(caps, key, &o))
		return 0;
	if (!json_object_is_type(o, json_type_int))
		return errbuf_set(eb, -EPROTO, "VERSION capability %s is not an integer",
				  key);
	/* json-c keeps big positive numbers unsigned, negatives signed. */
	if (json_object_get_int64(o) < 0 && json_object_get_uint64(o) == 0)
		return errbuf_set(eb, -EPROTO, "VERSION capability %s is negative", key);
	v = json_object_get_uint64(o);
	if (v < min || v > max)
		return errbuf_set(eb, -EPROTO, "VERSION capability %s %" PRIu64
				  " is outside %" PRIu64 "..%" PRIu64, key, v, min, max);
	*val = v;
	return 0;
}

static int version_caps_parse(struct json_object *root,
			      struct vfio_user_caps *c, struct errbuf *eb)
{
	struct json_object *caps, *o;
	uint64_t v;
	int ret;

	if (!json_object_is_type(root, json_type_object))
		return errbuf_set(eb, -EPROTO, "VERSION data is JSON but not an object");
	if (!json_object_object_get_ex(root, "capabilities", &caps))
		return 0;
	if (!json_object_is_type(caps, json_type_object))
		return errbuf_set(eb, -EPROTO, "VERSION \"capabilities\" is not an object");

	v = c->max_msg_fds;
	ret = caps_uint(caps, "max_msg_fds", 0, 65535, &v, eb);
	if (ret)
		return ret;
	c->max_msg_fds = v;
	v = c->max_data_xfer_size;
	ret = caps_uint(caps, "max_data_xfer_size", 1, 1u << 30, &v, eb);
	if (ret)
		return ret;
	c->max_data_xfer_size = v;
	v = c->max_dma_maps;
	ret = caps_uint(caps, "max_dma_maps", 1, UINT32_MAX, &v, eb);
	if (ret)
		return ret;
	c->max_dma_maps = v;
	ret = caps_uint(caps, "pgsizes", 1, UINT64_MAX, &c->pgsizes, eb);
	if (ret)
		return ret;
	if (c->pgsizes & (VFIO_USER_PAGE_SIZE - 1))
		return errbuf_set(eb, -EPROTO, "VERSION pgsizes 0x%" PRIx64
				  " has page sizes below 4 KiB", c->pgsizes);
	/* Present only with the right type; we use neither. */
	if (json_object_object_get_ex(caps, "twin_socket", &o) &&
	    !json_object_is_type(o, json_type_object))
		return errbuf_set(eb, -EPROTO, "VERSION capability twin_socket is not an object");
	if (json_object_object_get_ex(caps, "write_multiple", &o) &&
	    !json_object_is_type(o, json_type_boolean))
		return errbuf_set(eb, -EPROTO, "VERSION capability write_multiple is not a boolean");
	return 0;
}

int vfio_user_version_get(const void *buf, size_t len, unsigned int nfds,
			  struct vfio_user_version *v, struct errbuf *eb)
{
	const uint8_t *p = buf;
	struct json_tokener *tok;
	struct json_object *root;
	const char *json;
	size_t jlen, end;
	int ret;

	if (nfds)
		return vfio_user_check_fixed(0, 0, nfds, 0, "VERSION", -EPROTO, eb);
	if (len < 4)
		return errbuf_set(eb, -EPROTO, "VERSION payload is %zu bytes, shorter than 4",
				  len);
	v->major = vfio_user_get16(p);
	v->minor = vfio_user_get16(p + 2);
	vfio_user_caps_default(&v->caps);
	if (len == 4)
		return 0;

	json = (const char *)p + 4;
	jlen = len - 4;
	if (jlen > VFIO_USER_VERSION_JSON_MAX)
		return errbuf_set(eb, -EPROTO, "VERSION data is %zu bytes, more than %d",
				  jlen, VFIO_USER_VERSION_JSON_MAX);
	if (memchr(json, '\0', jlen) != json + jlen - 1)
		return errbuf_set(eb, -EPROTO, "VERSION data is not one NUL-terminated string");
	if (jlen == 1)
		return 0;	/* an empty string: no capabilities */

	tok = json_tokener_new_ex(8);
	if (!tok)
		return errbuf_set(eb, -ENOMEM, "out of memory parsing VERSION data");
	root = json_tokener_parse_ex(tok, json, jlen - 1);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		errbuf_set(eb, -EPROTO, "VERSION data is not valid JSON (%s)",
			   json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(root);
		json_tokener_free(tok);
		return -EPROTO;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < jlen - 1; end++) {
		if (!strchr(" \t\r\n", json[end])) {
			json_object_put(root);
			return errbuf_set(eb, -EPROTO, "VERSION data has bytes after its JSON object");
		}
	}
	ret = version_caps_parse(root, &v->caps, eb);
	json_object_put(root);
	return ret;
}

/* ---- DMA_MAP / DMA_UNMAP ---------------------------------------------------- */

int vfio_user_dma_map_put(void *buf, size_t cap,
			  const struct vfio_user_dma_map *m)
{
	uint8_t *p = buf;

	if (cap < VFIO_USER_DMA_MAP_SIZE)
		return -ENOSPC;
	vfio_user_put32(p, VFIO_USER_DMA_MAP_SIZE);
	vfio_user_put32(p + 4, m->flags);
	vfio_user_put64(p + 8, m->offset);
	vfio_user_put64(p + 16, m->addr);
	vfio_user_put64(p + 24, m->size);
	return VFIO_USER_DMA_MAP_SIZE;
}

int vfio_user_dma_map_get(const void *buf, size_t len, unsigned int nfds,
			  struct vfio_user_dma_map *m, struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t argsz;
	int ret;

	if (nfds > 1)
		return errbuf_set(eb, -EINVAL, "DMA_MAP came with %u file descriptors, expected at most 1",
				  nfds);
	ret = vfio_user_check_fixed(len, VFIO_USER_DMA_MAP_SIZE, nfds, nfds,
				    "DMA_MAP", -EINVAL, eb);
	if (ret)
		return ret;
	argsz = vfio_user_get32(p);
	m->flags = vfio_user_get32(p + 4);
	m->offset = vfio_user_get64(p + 8);
	m->addr = vfio_user_get64(p + 16);
	m->size = vfio_user_get64(p + 24);
	if (argsz != VFIO_USER_DMA_MAP_SIZE)
		return errbuf_set(eb, -EINVAL, "DMA_MAP argsz %" PRIu32 ", expected %d",
				  argsz, VFIO_USER_DMA_MAP_SIZE);
	if (m->flags & ~(VFIO_USER_DMA_READ_OK | VFIO_USER_DMA_WRITE_OK))
		return errbuf_set(eb, -EINVAL, "DMA_MAP flags 0x%x have unknown bits",
				  m->flags);
	if (!m->size)
		return errbuf_set(eb, -EINVAL, "DMA_MAP of size 0");
	if (m->addr + m->size < m->addr || m->offset + m->size < m->offset)
		return errbuf_set(eb, -EINVAL, "DMA_MAP 0x%" PRIx64 "+0x%" PRIx64
				  " (offset 0x%" PRIx64 ") wraps around",
				  m->addr, m->size, m->offset);
	if (!nfds && m->offset)
		return errbuf_set(eb, -EINVAL, "DMA_MAP without a file descriptor has offset 0x%" PRIx64,
				  m->offset);
	return 0;
}

int vfio_user_dma_unmap_put(void *buf, size_t cap,
			    const struct vfio_user_dma_unmap *u)
{
	uint8_t *p = buf;

	if (cap < VFIO_USER_DMA_UNMAP_SIZE)
		return -ENOSPC;
	vfio_user_put32(p, u->argsz);
	vfio_user_put32(p + 4, u->flags);
	vfio_user_put64(p + 8, u->addr);
	vfio_user_put64(p + 16, u->size);
	return VFIO_USER_DMA_UNMAP_SIZE;
}

static void dma_unmap_decode(const uint8_t *p, struct vfio_user_dma_unmap *u)
{
	u->argsz = vfio_user_get32(p);
	u->flags = vfio_user_get32(p + 4);
	u->addr = vfio_user_get64(p + 8);
	u->size = vfio_user_get64(p + 16);
}

int vfio_user_dma_unmap_get(const void *buf, size_t len, unsigned int nfds,
			    struct vfio_user_dma_unmap *u, struct errbuf *eb)
{
	if (vfio_user_check_fixed(len, VFIO_USER_DMA_UNMAP_SIZE, nfds, 0,
				  "DMA_UNMAP", -EINVAL, eb))
		return -EINVAL;
	dma_unmap_decode(buf, u);
	if (u->argsz < VFIO_USER_DMA_UNMAP_SIZE)
		return errbuf_set(eb, -EINVAL, "DMA_UNMAP argsz %" PRIu32 " is below %d",
				  u->argsz, VFIO_USER_DMA_UNMAP_SIZE);
	if (u->flags)
		return errbuf_set(eb, -EINVAL, "DMA_UNMAP flags 0x%x: none are defined",
				  u->flags);
	if (!u->size || u->addr + u->size < u->addr)
		return errbuf_set(eb, -EINVAL, "DMA_UNMAP 0x%" PRIx64 "+0x%" PRIx64
				  " is empty or wraps around", u->addr, u->size);
	return 0;
}

int vfio_user_dma_unmap_reply_check(const void *buf, size_t len,
				    unsigned int nfds,
				    const struct vfio_user_dma_unmap *req,
				    struct errbuf *eb)
{
	struct vfio_user_dma_unmap u;
	int ret;

	ret = vfio_user_check_fixed(len, len ? VFIO_USER_DMA_UNMAP_SIZE : 0,
				    nfds, 0, "DMA_UNMAP reply", -EPROTO, eb);
	if (ret || !len)
		return ret;
	dma_unmap_decode(buf, &u);
	if (u.addr != req->addr || u.size != req->size || u.flags != req->flags)
		return errbuf_set(eb, -EPROTO, "DMA_UNMAP reply names 0x%" PRIx64 "+0x%" PRIx64
				  ", not the range unmapped", u.addr, u.size);
	return 0;
}

/* ---- DEVICE_GET_INFO ---------------------------------------------------------- */

int vfio_user_device_info_req_put(void *buf, size_t cap)
{
	struct vfio_user_device_info zero = { 0 };

	return vfio_user_device_info_put(buf, cap, &zero);
}

int vfio_user_device_info_req_get(const void *buf, size_t len,
				  unsigned int nfds, uint32_t *argsz,
				  struct errbuf *eb)
{
	const uint8_t *p = buf;

	if (vfio_user_check_fixed(len, VFIO_USER_DEVICE_INFO_SIZE, nfds, 0,
				  "DEVICE_GET_INFO", -EINVAL, eb))
		return -EINVAL;
	*argsz = vfio_user_get32(p);
	if (*argsz < VFIO_USER_DEVICE_INFO_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_INFO argsz %" PRIu32 " is below %d",
				  *argsz, VFIO_USER_DEVICE_INFO_SIZE);
	if (vfio_user_get32(p + 4) || vfio_user_get32(p + 8) || vfio_user_get32(p + 12))
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_INFO request has non-zero fields");
	return 0;
}

int vfio_user_device_info_put(void *buf, size_t cap,
			      const struct vfio_user_device_info *d)
{
	uint8_t *p = buf;

	if (cap < VFIO_USER_DEVICE_INFO_SIZE)
		return -ENOSPC;
	vfio_user_put32(p, VFIO_USER_DEVICE_INFO_SIZE);
	vfio_user_put32(p + 4, d->flags);
	vfio_user_put32(p + 8, d->num_regions);
	vfio_user_put32(p + 12, d->num_irqs);
	return VFIO_USER_DEVICE_INFO_SIZE;
}

int vfio_user_device_info_get(const void *buf, size_t len, unsigned int nfds,
			      struct vfio_user_device_info *d,
			      struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t argsz;
	int ret;

	ret = vfio_user_check_fixed(len, VFIO_USER_DEVICE_INFO_SIZE, nfds, 0,
				    "DEVICE_GET_INFO reply", -EPROTO, eb);
	if (ret)
		return ret;
	argsz = vfio_user_get32(p);
	d->flags = vfio_user_get32(p + 4);
	d->num_regions = vfio_user_get32(p + 8);
	d->num_irqs = vfio_user_get32(p + 12);
	if (argsz < VFIO_USER_DEVICE_INFO_SIZE)
		return errbuf_set(eb, -EPROTO, "DEVICE_GET_INFO reply argsz %" PRIu32 " is below %d",
				  argsz, VFIO_USER_DEVICE_INFO_SIZE);
	if (d->num_regions > VFIO_USER_REGIONS_MAX)
		return errbuf_set(eb, -EPROTO, "device has %" PRIu32 " regions, more than %d",
				  d->num_regions, VFIO_USER_REGIONS_MAX);
	if (d->num_irqs > VFIO_USER_IRQS_MAX)
		return errbuf_set(eb, -EPROTO, "device has %" PRIu32 " irq indexes, more than %d",
				  d->num_irqs, VFIO_USER_IRQS_MAX);
	return 0;
}

/* ---- DEVICE_GET_IRQ_INFO ------------------------------------------------------ */

static void irq_info_encode(uint8_t *p, uint32_t flags, uint32_t index,
			    uint32_t count)
{
	vfio_user_put32(p, VFIO_USER_IRQ_INFO_SIZE);
	vfio_user_put32(p + 4, flags);
	vfio_user_put32(p + 8, index);
	vfio_user_put32(p + 12, count);
}

int vfio_user_irq_info_req_put(void *buf, size_t cap, uint32_t index)
{
	if (cap < VFIO_USER_IRQ_INFO_SIZE)
		return -ENOSPC;
	irq_info_encode(buf, 0, index, 0);
	return VFIO_USER_IRQ_INFO_SIZE;
}

int vfio_user_irq_info_req_get(const void *buf, size_t len, unsigned int nfds,
			       uint32_t *index, struct errbuf *eb)
{
	const uint8_t *p = buf;

	if (vfio_user_check_fixed(len, VFIO_USER_IRQ_INFO_SIZE, nfds, 0,
				  "DEVICE_GET_IRQ_INFO", -EINVAL, eb))
		return -EINVAL;
	if (vfio_user_get32(p) < VFIO_USER_IRQ_INFO_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_IRQ_INFO argsz %" PRIu32 " is below %d",
				  vfio_user_get32(p), VFIO_USER_IRQ_INFO_SIZE);
	*index = vfio_user_get32(p + 8);
	if (vfio_user_get32(p + 4) || vfio_user_get32(p + 12))
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_IRQ_INFO request has non-zero fields");
	return 0;
}

int vfio_user_irq_info_put(void *buf, size_t cap, const struct vfio_irq *irq)
{
	if (cap < VFIO_USER_IRQ_INFO_SIZE)
		return -ENOSPC;
	irq_info_encode(buf, irq->flags, irq->index, irq->count);
	return VFIO_USER_IRQ_INFO_SIZE;
}

int vfio_user_irq_info_get(const void *buf, size_t len, unsigned int nfds,
			   uint32_t index, struct vfio_irq *irq,
			   struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t known;
	int ret;

	ret = vfio_user_check_fixed(len, VFIO_USER_IRQ_INFO_SIZE, nfds, 0,
				    "DEVICE_GET_IRQ_INFO reply", -EPROTO, eb);
	if (ret)
		return ret;
	irq->flags = vfio_user_get32(p + 4);
	irq->index = vfio_user_get32(p + 8);
	irq->count = vfio_user_get32(p + 12);
	if (vfio_user_get32(p) < VFIO_USER_IRQ_INFO_SIZE)
		return errbuf_set(eb, -EPROTO, "DEVICE_GET_IRQ_INFO reply argsz %" PRIu32 " is below %d",
				  vfio_user_get32(p), VFIO_USER_IRQ_INFO_SIZE);
	if (irq->index != index)
		return errbuf_set(eb, -EPROTO, "DEVICE_GET_IRQ_INFO reply is for index %" PRIu32
				  ", asked for %" PRIu32, irq->index, index);
	known = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		VFIO_IRQ_INFO_AUTOMASKED | VFIO_IRQ_INFO_NORESIZE;
	if (irq->flags & ~known)
		return errbuf_set(eb, -EPROTO, "irq index %" PRIu32 " flags 0x%" PRIx32 " have unknown bits",
				  index, irq->flags);
	if (irq->count > VFIO_USER_IRQ_COUNT_MAX)
		return errbuf_set(eb, -EPROTO, "irq index %" PRIu32 " has %" PRIu32 " interrupts, more than %d",
				  index, irq->count, VFIO_USER_IRQ_COUNT_MAX);
	return 0;
}

/* ---- DEVICE_SET_IRQS ---------------------------------------------------------- */

int vfio_user_irq_set_put(void *buf, size_t cap,
			  const struct vfio_user_irq_set *s)
{
	size_t n = VFIO_USER_IRQ_SET_SIZE;
	uint8_t *p = buf;

	if (s->flags & VFIO_IRQ_SET_DATA_BOOL)
		n += s->count;
	if (cap < n)
		return -ENOSPC;
	vfio_user_put32(p, n);
	vfio_user_put32(p + 4, s->flags);
	vfio_user_put32(p + 8, s->index);
	vfio_user_put32(p + 12, s->start);
	vfio_user_put32(p + 16, s->count);
	if (s->flags & VFIO_IRQ_SET_DATA_BOOL)
		memcpy(p + VFIO_USER_IRQ_SET_SIZE, s->bools, s->count);
	return n;
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

int vfio_user_irq_set_get(const void *buf, size_t len, unsigned int nfds,
			  struct vfio_user_irq_set *s, struct errbuf *eb)
{
	const uint32_t data_mask = VFIO_IRQ_SET_DATA_TYPE_MASK;
	const uint32_t action_mask = VFIO_IRQ_SET_ACTION_TYPE_MASK;
	const uint8_t *p = buf;
	uint32_t argsz, data;
	size_t want;

	if (len < VFIO_USER_IRQ_SET_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS payload is %zu bytes, shorter than %d",
				  len, VFIO_USER_IRQ_SET_SIZE);
	argsz = vfio_user_get32(p);
	s->flags = vfio_user_get32(p + 4);
	s->index = vfio_user_get32(p + 8);
	s->start = vfio_user_get32(p + 12);
	s->count = vfio_user_get32(p + 16);
	s->bools = NULL;
	if (argsz != len)
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS argsz %" PRIu32 " but %zu bytes sent",
				  argsz, len);
	data = s->flags & data_mask;
	if ((s->flags & ~(data_mask | action_mask)) || !one_bit(data) ||
	    !one_bit(s->flags & action_mask))
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS flags 0x%" PRIx32
				  " are not one data type and one action", s->flags);
	if (s->count > VFIO_USER_IRQ_COUNT_MAX ||
	    s->start > VFIO_USER_IRQ_COUNT_MAX - s->count)
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS %" PRIu32 "+%" PRIu32 " is out of range",
				  s->start, s->count);
	if (!s->count && (data != VFIO_IRQ_SET_DATA_NONE || s->start))
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS count 0 is only for disabling all (DATA_NONE, start 0)");
	want = VFIO_USER_IRQ_SET_SIZE;
	if (data == VFIO_IRQ_SET_DATA_BOOL)
		want += s->count;
	if (len != want)
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS payload is %zu bytes, expected %zu",
				  len, want);
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (nfds && nfds != s->count)
			return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS count %" PRIu32 " came with %u eventfds",
					  s->count, nfds);
	} else if (nfds) {
		return errbuf_set(eb, -EINVAL, "DEVICE_SET_IRQS without DATA_EVENTFD came with %u file descriptors",
				  nfds);
	}
	if (data == VFIO_IRQ_SET_DATA_BOOL)
		s->bools = p + VFIO_USER_IRQ_SET_SIZE;
	return 0;
}

/* ---- REGION_READ / REGION_WRITE ------------------------------------------------ */

int vfio_user_region_rw_put(void *buf, size_t cap,
			    const struct vfio_user_region_rw *rw,
			    bool with_data)
{
	size_t n = VFIO_USER_REGION_RW_SIZE + (with_data ? rw->count : 0);
	uint8_t *p = buf;

	if (cap < n)
		return -ENOSPC;
	vfio_user_put64(p, rw->offset);
	vfio_user_put32(p + 8, rw->region);
	vfio_user_put32(p + 12, rw->count);
	if (with_data)
		memcpy(p + VFIO_USER_REGION_RW_SIZE, rw->data, rw->count);
	return n;
}

int vfio_user_region_rw_get(const void *buf, size_t len, unsigned int nfds,
			    uint32_t max_count, bool with_data,
			    struct vfio_user_region_rw *rw, struct errbuf *eb)
{
	const char *what = with_data ? "REGION_WRITE" : "REGION_READ";
	const uint8_t *p = buf;
	size_t want;

	if (nfds)
		return vfio_user_check_fixed(0, 0, nfds, 0, what, -EINVAL, eb);
	if (len < VFIO_USER_REGION_RW_SIZE)
		return errbuf_set(eb, -EINVAL, "%s payload is %zu bytes, shorter than %d",
				  what, len, VFIO_USER_REGION_RW_SIZE);
	rw->offset = vfio_user_get64(p);
	rw->region = vfio_user_get32(p + 8);
	rw->count = vfio_user_get32(p + 12);
	rw->data = NULL;
	if (!rw->count || rw->count > max_count)
		return errbuf_set(eb, -EINVAL, "%s count %" PRIu32 " is outside 1..%" PRIu32,
				  what, rw->count, max_count);
	if (rw->offset + rw->count < rw->offset)
		return errbuf_set(eb, -EINVAL, "%s 0x%" PRIx64 "+%" PRIu32 " wraps around",
				  what, rw->offset, rw->count);
	want = VFIO_USER_REGION_RW_SIZE + (with_data ? rw->count : 0);
	if (len != want)
		return errbuf_set(eb, -EINVAL, "%s payload is %zu bytes, expected %zu",
				  what, len, want);
	if (with_data)
		rw->data = p + VFIO_USER_REGION_RW_SIZE;
	return 0;
}

int vfio_user_region_rw_reply_get(const void *buf, size_t len,
				  unsigned int nfds,
				  const struct vfio_user_region_rw *req,
				  bool with_data, const void **data,
				  struct errbuf *eb)
{
	const char *what = with_data ? "REGION_READ reply" : "REGION_WRITE reply";
	const uint8_t *p = buf;
	size_t want;
	int ret;

	want = VFIO_USER_REGION_RW_SIZE + (with_data ? req->count : 0);
	ret = vfio_user_check_fixed(len, want, nfds, 0, what, -EPROTO, eb);
	if (ret)
		return ret;
	if (vfio_user_get64(p) != req->offset || vfio_user_get32(p + 8) != req->region ||
	    vfio_user_get32(p + 12) != req->count)
		return errbuf_set(eb, -EPROTO, "%s is for region %" PRIu32 " 0x%" PRIx64 "+%" PRIu32
				  ", asked for region %" PRIu32 " 0x%" PRIx64 "+%" PRIu32,
				  what, vfio_user_get32(p + 8), vfio_user_get64(p), vfio_user_get32(p + 12),
				  req->region, req->offset, req->count);
	if (data)
		*data = with_data ? p + VFIO_USER_REGION_RW_SIZE : NULL;
	return 0;
}

/* ---- empty payloads ------------------------------------------------------------ */

int vfio_user_empty_get(const void *buf, size_t len, unsigned int nfds,
			const char *what, struct errbuf *eb)
{
	(void)buf;
	return vfio_user_check_fixed(len, 0, nfds, 0, what, -EPROTO, eb);
}
