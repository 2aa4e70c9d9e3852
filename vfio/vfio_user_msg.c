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

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

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

/* A message that arrived with descriptors it should not carry. */
static int check_nfds(unsigned int nfds, unsigned int want, const char *what,
		      struct errbuf *eb)
{
	if (nfds != want)
		return errbuf_set(eb, -EPROTO, "%s came with %u file descriptors, expected %u",
				  what, nfds, want);
	return 0;
}

static int check_len(size_t len, size_t want, const char *what,
		     struct errbuf *eb)
{
	if (len != want)
		return errbuf_set(eb, -EPROTO, "%s payload is %zu bytes, expected %zu",
				  what, len, want);
	return 0;
}

/* ---- header ----------------------------------------------------------------- */

void vfio_user_hdr_put(void *buf, const struct vfio_user_hdr *h)
{
	uint8_t *p = buf;

	put16(p, h->id);
	put16(p + 2, h->cmd);
	put32(p + 4, h->size);
	put32(p + 8, h->flags);
	put32(p + 12, h->error);
}

int vfio_user_hdr_get(const void *buf, size_t len, size_t max_size,
		      struct vfio_user_hdr *h, struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t type;

	if (len < VFIO_USER_HDR_SIZE)
		return errbuf_set(eb, -EPROTO, "message header is %zu bytes, shorter than %d",
				  len, VFIO_USER_HDR_SIZE);
	h->id = get16(p);
	h->cmd = get16(p + 2);
	h->size = get32(p + 4);
	h->flags = get32(p + 8);
	h->error = get32(p + 12);

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
	put16(p, v->major);
	put16(p + 2, v->minor);
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

	ret = check_nfds(nfds, 0, "VERSION", eb);
	if (ret)
		return ret;
	if (len < 4)
		return errbuf_set(eb, -EPROTO, "VERSION payload is %zu bytes, shorter than 4",
				  len);
	v->major = get16(p);
	v->minor = get16(p + 2);
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
	put32(p, VFIO_USER_DMA_MAP_SIZE);
	put32(p + 4, m->flags);
	put64(p + 8, m->offset);
	put64(p + 16, m->addr);
	put64(p + 24, m->size);
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
	ret = check_len(len, VFIO_USER_DMA_MAP_SIZE, "DMA_MAP", eb);
	if (ret)
		return -EINVAL;
	argsz = get32(p);
	m->flags = get32(p + 4);
	m->offset = get64(p + 8);
	m->addr = get64(p + 16);
	m->size = get64(p + 24);
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
	put32(p, u->argsz);
	put32(p + 4, u->flags);
	put64(p + 8, u->addr);
	put64(p + 16, u->size);
	return VFIO_USER_DMA_UNMAP_SIZE;
}

static void dma_unmap_decode(const uint8_t *p, struct vfio_user_dma_unmap *u)
{
	u->argsz = get32(p);
	u->flags = get32(p + 4);
	u->addr = get64(p + 8);
	u->size = get64(p + 16);
}

int vfio_user_dma_unmap_get(const void *buf, size_t len, unsigned int nfds,
			    struct vfio_user_dma_unmap *u, struct errbuf *eb)
{
	if (check_nfds(nfds, 0, "DMA_UNMAP", eb) ||
	    check_len(len, VFIO_USER_DMA_UNMAP_SIZE, "DMA_UNMAP", eb))
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

	ret = check_nfds(nfds, 0, "DMA_UNMAP reply", eb);
	if (ret)
		return ret;
	if (!len)
		return 0;
	ret = check_len(len, VFIO_USER_DMA_UNMAP_SIZE, "DMA_UNMAP reply", eb);
	if (ret)
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

	if (check_nfds(nfds, 0, "DEVICE_GET_INFO", eb) ||
	    check_len(len, VFIO_USER_DEVICE_INFO_SIZE, "DEVICE_GET_INFO", eb))
		return -EINVAL;
	*argsz = get32(p);
	if (*argsz < VFIO_USER_DEVICE_INFO_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_INFO argsz %" PRIu32 " is below %d",
				  *argsz, VFIO_USER_DEVICE_INFO_SIZE);
	if (get32(p + 4) || get32(p + 8) || get32(p + 12))
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_INFO request has non-zero fields");
	return 0;
}

int vfio_user_device_info_put(void *buf, size_t cap,
			      const struct vfio_user_device_info *d)
{
	uint8_t *p = buf;

	if (cap < VFIO_USER_DEVICE_INFO_SIZE)
		return -ENOSPC;
	put32(p, VFIO_USER_DEVICE_INFO_SIZE);
	put32(p + 4, d->flags);
	put32(p + 8, d->num_regions);
	put32(p + 12, d->num_irqs);
	return VFIO_USER_DEVICE_INFO_SIZE;
}

int vfio_user_device_info_get(const void *buf, size_t len, unsigned int nfds,
			      struct vfio_user_device_info *d,
			      struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t argsz;
	int ret;

	ret = check_nfds(nfds, 0, "DEVICE_GET_INFO reply", eb);
	if (!ret)
		ret = check_len(len, VFIO_USER_DEVICE_INFO_SIZE,
				"DEVICE_GET_INFO reply", eb);
	if (ret)
		return ret;
	argsz = get32(p);
	d->flags = get32(p + 4);
	d->num_regions = get32(p + 8);
	d->num_irqs = get32(p + 12);
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

/* ---- DEVICE_GET_REGION_INFO --------------------------------------------------- */

#define CAP_HDR_SIZE		8
#define SPARSE_HDR_SIZE		(CAP_HDR_SIZE + 8)
#define SPARSE_AREA_SIZE	16

int vfio_user_region_info_req_put(void *buf, size_t cap, uint32_t index,
				  uint32_t argsz)
{
	uint8_t *p = buf;

	if (cap < VFIO_USER_REGION_INFO_SIZE)
		return -ENOSPC;
	memset(p, 0, VFIO_USER_REGION_INFO_SIZE);
	put32(p, argsz);
	put32(p + 8, index);
	return VFIO_USER_REGION_INFO_SIZE;
}

int vfio_user_region_info_req_get(const void *buf, size_t len,
				  unsigned int nfds, uint32_t *index,
				  uint32_t *argsz, struct errbuf *eb)
{
	const uint8_t *p = buf;

	if (check_nfds(nfds, 0, "DEVICE_GET_REGION_INFO", eb) ||
	    check_len(len, VFIO_USER_REGION_INFO_SIZE,
		      "DEVICE_GET_REGION_INFO", eb))
		return -EINVAL;
	*argsz = get32(p);
	*index = get32(p + 8);
	if (*argsz < VFIO_USER_REGION_INFO_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_REGION_INFO argsz %" PRIu32 " is below %d",
				  *argsz, VFIO_USER_REGION_INFO_SIZE);
	if (get32(p + 4) || get32(p + 12) || get64(p + 16) || get64(p + 24))
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_REGION_INFO request has non-zero fields");
	return 0;
}

int vfio_user_region_info_put(void *buf, size_t cap, uint32_t argsz_max,
			      const struct vfio_region *r)
{
	uint32_t full = VFIO_USER_REGION_INFO_SIZE, flags = r->flags;
	uint8_t *p = buf;
	unsigned int i;

	if (r->nareas > VFIO_SPARSE_MAX)
		return -EINVAL;
	if (r->nareas) {
		full += SPARSE_HDR_SIZE + r->nareas * SPARSE_AREA_SIZE;
		flags |= VFIO_REGION_INFO_FLAG_CAPS;
	}
	if (cap < VFIO_USER_REGION_INFO_SIZE)
		return -ENOSPC;
	memset(p, 0, VFIO_USER_REGION_INFO_SIZE);
	put32(p, full);
	put32(p + 4, flags);
	put32(p + 8, r->index);
	put64(p + 16, r->size);
	put64(p + 24, r->mmap_offset);
	if (full == VFIO_USER_REGION_INFO_SIZE || full > argsz_max)
		return VFIO_USER_REGION_INFO_SIZE;	/* argsz says the rest */
	if (cap < full)
		return -ENOSPC;

	put32(p + 12, VFIO_USER_REGION_INFO_SIZE);	/* cap_offset */
	p += VFIO_USER_REGION_INFO_SIZE;
	put16(p, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	put16(p + 2, 1);
	put32(p + 4, 0);
	put32(p + 8, r->nareas);
	put32(p + 12, 0);
	for (i = 0; i < r->nareas; i++) {
		put64(p + SPARSE_HDR_SIZE + i * SPARSE_AREA_SIZE, r->areas[i].off);
		put64(p + SPARSE_HDR_SIZE + i * SPARSE_AREA_SIZE + 8,
		      r->areas[i].size);
	}
	return full;
}

/* The sparse-mmap capability in [off, end) of the reply. */
static int region_sparse_get(const uint8_t *p, uint32_t off, uint32_t end,
			     struct vfio_region *r, struct errbuf *eb)
{
	uint32_t n, i;

	if (get16(p + off + 2) != 1)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap capability version %u, expected 1",
				  r->index, get16(p + off + 2));
	if (end - off < SPARSE_HDR_SIZE)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap capability is truncated",
				  r->index);
	n = get32(p + off + 8);
	if (n > VFIO_SPARSE_MAX)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " has %" PRIu32
				  " sparse-mmap areas, more than %d",
				  r->index, n, VFIO_SPARSE_MAX);
	if ((uint64_t)n * SPARSE_AREA_SIZE > end - off - SPARSE_HDR_SIZE)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap capability claims %" PRIu32
				  " areas but holds fewer", r->index, n);
	r->nareas = 0;
	for (i = 0; i < n; i++) {
		const uint8_t *a = p + off + SPARSE_HDR_SIZE + i * SPARSE_AREA_SIZE;
		uint64_t aoff = get64(a), asize = get64(a + 8);

		if (!asize)
			continue;
		if (aoff > r->size || asize > r->size - aoff)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap area 0x%" PRIx64
					  "+0x%" PRIx64 " is outside the region (size 0x%" PRIx64 ")",
					  r->index, aoff, asize, r->size);
		if ((aoff | asize) & (VFIO_USER_PAGE_SIZE - 1))
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap area 0x%" PRIx64
					  "+0x%" PRIx64 " is not page aligned",
					  r->index, aoff, asize);
		r->areas[r->nareas].off = aoff;
		r->areas[r->nareas].size = asize;
		r->nareas++;
	}
	return 0;
}

/* Walks the capability chain: in bounds, strictly forward, so it ends. */
static int region_caps_get(const uint8_t *p, uint32_t len, uint32_t cap_off,
			   struct vfio_region *r, struct errbuf *eb)
{
	bool sparse = false;
	uint32_t off, next, end;
	int ret;

	for (off = cap_off; off; off = next) {
		if (off < VFIO_USER_REGION_INFO_SIZE || off > len ||
		    len - off < CAP_HDR_SIZE || (off & 3))
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " capability at offset %" PRIu32
					  " is outside the %" PRIu32 "-byte reply",
					  r->index, off, len);
		next = get32(p + off + 4);
		if (next && next < off + CAP_HDR_SIZE)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " capability chain goes back (%" PRIu32
					  " -> %" PRIu32 ")", r->index, off, next);
		end = next ? next : len;
		if (end > len)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " capability at %" PRIu32
					  " runs past the reply", r->index, off);
		if (get16(p + off) != VFIO_REGION_INFO_CAP_SPARSE_MMAP)
			continue;	/* a type or other capability: not ours */
		if (sparse)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " has two sparse-mmap capabilities",
					  r->index);
		if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " has sparse-mmap areas but no mmap flag",
					  r->index);
		ret = region_sparse_get(p, off, end, r, eb);
		if (ret)
			return ret;
		sparse = true;
	}
	return 0;
}

int vfio_user_region_info_get(const void *buf, size_t len, unsigned int nfds,
			      uint32_t index, struct vfio_region *r,
			      uint32_t *needed, struct errbuf *eb)
{
	const uint8_t *p = buf;
	uint32_t argsz, cap_off, known;
	unsigned int want_fds;

	memset(r, 0, sizeof(*r));
	r->mmap_fd = -1;
	if (len < VFIO_USER_REGION_INFO_SIZE)
		return errbuf_set(eb, -EPROTO, "DEVICE_GET_REGION_INFO reply is %zu bytes, shorter than %d",
				  len, VFIO_USER_REGION_INFO_SIZE);
	argsz = get32(p);
	r->flags = get32(p + 4);
	r->index = get32(p + 8);
	cap_off = get32(p + 12);
	r->size = get64(p + 16);
	r->mmap_offset = get64(p + 24);
	*needed = argsz;

	if (r->index != index)
		return errbuf_set(eb, -EPROTO, "DEVICE_GET_REGION_INFO reply is for region %" PRIu32
				  ", asked for %" PRIu32, r->index, index);
	known = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
	if (r->flags & ~known)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " flags 0x%" PRIx32 " have unknown bits",
				  index, r->flags);
	want_fds = (r->flags & VFIO_REGION_INFO_FLAG_MMAP) ? 1 : 0;
	if (nfds != want_fds)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " info came with %u file descriptors, expected %u",
				  index, nfds, want_fds);
	if (argsz < VFIO_USER_REGION_INFO_SIZE || argsz < len)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " info argsz %" PRIu32
				  " is below its %zu-byte payload", index, argsz, len);
	if (argsz > VFIO_USER_REGION_INFO_MAX)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " info needs %" PRIu32
				  " bytes, more than %d", index, argsz,
				  VFIO_USER_REGION_INFO_MAX);
	if ((r->flags & VFIO_REGION_INFO_FLAG_MMAP) &&
	    (r->mmap_offset & (VFIO_USER_PAGE_SIZE - 1)))
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " mmap offset 0x%" PRIx64 " is not page aligned",
				  index, r->mmap_offset);
	if (argsz > len)
		return 0;	/* truncated: the caller asks again */
	if (!(r->flags & VFIO_REGION_INFO_FLAG_CAPS)) {
		if (cap_off)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " has a capability offset but no caps flag",
					  index);
		return 0;
	}
	return region_caps_get(p, len, cap_off, r, eb);
}

/* ---- DEVICE_GET_IRQ_INFO ------------------------------------------------------ */

static void irq_info_encode(uint8_t *p, uint32_t flags, uint32_t index,
			    uint32_t count)
{
	put32(p, VFIO_USER_IRQ_INFO_SIZE);
	put32(p + 4, flags);
	put32(p + 8, index);
	put32(p + 12, count);
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

	if (check_nfds(nfds, 0, "DEVICE_GET_IRQ_INFO", eb) ||
	    check_len(len, VFIO_USER_IRQ_INFO_SIZE, "DEVICE_GET_IRQ_INFO", eb))
		return -EINVAL;
	if (get32(p) < VFIO_USER_IRQ_INFO_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_IRQ_INFO argsz %" PRIu32 " is below %d",
				  get32(p), VFIO_USER_IRQ_INFO_SIZE);
	*index = get32(p + 8);
	if (get32(p + 4) || get32(p + 12))
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

	ret = check_nfds(nfds, 0, "DEVICE_GET_IRQ_INFO reply", eb);
	if (!ret)
		ret = check_len(len, VFIO_USER_IRQ_INFO_SIZE,
				"DEVICE_GET_IRQ_INFO reply", eb);
	if (ret)
		return ret;
	irq->flags = get32(p + 4);
	irq->index = get32(p + 8);
	irq->count = get32(p + 12);
	if (get32(p) < VFIO_USER_IRQ_INFO_SIZE)
		return errbuf_set(eb, -EPROTO, "DEVICE_GET_IRQ_INFO reply argsz %" PRIu32 " is below %d",
				  get32(p), VFIO_USER_IRQ_INFO_SIZE);
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
	put32(p, n);
	put32(p + 4, s->flags);
	put32(p + 8, s->index);
	put32(p + 12, s->start);
	put32(p + 16, s->count);
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
	argsz = get32(p);
	s->flags = get32(p + 4);
	s->index = get32(p + 8);
	s->start = get32(p + 12);
	s->count = get32(p + 16);
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
	put64(p, rw->offset);
	put32(p + 8, rw->region);
	put32(p + 12, rw->count);
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

	if (check_nfds(nfds, 0, what, eb))
		return -EINVAL;
	if (len < VFIO_USER_REGION_RW_SIZE)
		return errbuf_set(eb, -EINVAL, "%s payload is %zu bytes, shorter than %d",
				  what, len, VFIO_USER_REGION_RW_SIZE);
	rw->offset = get64(p);
	rw->region = get32(p + 8);
	rw->count = get32(p + 12);
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

	ret = check_nfds(nfds, 0, what, eb);
	if (ret)
		return ret;
	want = VFIO_USER_REGION_RW_SIZE + (with_data ? req->count : 0);
	ret = check_len(len, want, what, eb);
	if (ret)
		return ret;
	if (get64(p) != req->offset || get32(p + 8) != req->region ||
	    get32(p + 12) != req->count)
		return errbuf_set(eb, -EPROTO, "%s is for region %" PRIu32 " 0x%" PRIx64 "+%" PRIu32
				  ", asked for region %" PRIu32 " 0x%" PRIx64 "+%" PRIu32,
				  what, get32(p + 8), get64(p), get32(p + 12),
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
	if (check_nfds(nfds, 0, what, eb))
		return -EPROTO;
	return check_len(len, 0, what, eb);
}
