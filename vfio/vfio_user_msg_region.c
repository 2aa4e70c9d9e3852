// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-user codec: DEVICE_GET_REGION_INFO and its capability chain (the
 * sparse-mmap areas), the part of a reply where a peer's offsets point
 * inside the message itself and so get the most checking.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/vfio.h>

#include "vfio_user_msg.h"

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
	vfio_user_put32(p, argsz);
	vfio_user_put32(p + 8, index);
	return VFIO_USER_REGION_INFO_SIZE;
}

int vfio_user_region_info_req_get(const void *buf, size_t len,
				  unsigned int nfds, uint32_t *index,
				  uint32_t *argsz, struct errbuf *eb)
{
	const uint8_t *p = buf;

	if (vfio_user_check_fixed(len, VFIO_USER_REGION_INFO_SIZE, nfds, 0,
				  "DEVICE_GET_REGION_INFO", -EINVAL, eb))
		return -EINVAL;
	*argsz = vfio_user_get32(p);
	*index = vfio_user_get32(p + 8);
	if (*argsz < VFIO_USER_REGION_INFO_SIZE)
		return errbuf_set(eb, -EINVAL, "DEVICE_GET_REGION_INFO argsz %" PRIu32 " is below %d",
				  *argsz, VFIO_USER_REGION_INFO_SIZE);
	if (vfio_user_get32(p + 4) || vfio_user_get32(p + 12) || vfio_user_get64(p + 16) || vfio_user_get64(p + 24))
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
	vfio_user_put32(p, full);
	vfio_user_put32(p + 4, flags);
	vfio_user_put32(p + 8, r->index);
	vfio_user_put64(p + 16, r->size);
	vfio_user_put64(p + 24, r->mmap_offset);
	if (full == VFIO_USER_REGION_INFO_SIZE || full > argsz_max)
		return VFIO_USER_REGION_INFO_SIZE;	/* argsz says the rest */
	if (cap < full)
		return -ENOSPC;

	vfio_user_put32(p + 12, VFIO_USER_REGION_INFO_SIZE);	/* cap_offset */
	p += VFIO_USER_REGION_INFO_SIZE;
	vfio_user_put16(p, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	vfio_user_put16(p + 2, 1);
	vfio_user_put32(p + 4, 0);
	vfio_user_put32(p + 8, r->nareas);
	vfio_user_put32(p + 12, 0);
	for (i = 0; i < r->nareas; i++) {
		vfio_user_put64(p + SPARSE_HDR_SIZE + i * SPARSE_AREA_SIZE, r->areas[i].off);
		vfio_user_put64(p + SPARSE_HDR_SIZE + i * SPARSE_AREA_SIZE + 8,
		      r->areas[i].size);
	}
	return full;
}

/* The sparse-mmap capability in [off, end) of the reply. */
static int region_sparse_get(const uint8_t *p, uint32_t off, uint32_t end,
			     struct vfio_region *r, struct errbuf *eb)
{
	uint32_t n, i;

	if (vfio_user_get16(p + off + 2) != 1)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap capability version %u, expected 1",
				  r->index, vfio_user_get16(p + off + 2));
	if (end - off < SPARSE_HDR_SIZE)
		return errbuf_set(eb, -EPROTO, "region %" PRIu32 " sparse-mmap capability is truncated",
				  r->index);
	n = vfio_user_get32(p + off + 8);
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
		uint64_t aoff = vfio_user_get64(a), asize = vfio_user_get64(a + 8);

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
		next = vfio_user_get32(p + off + 4);
		if (next && next < off + CAP_HDR_SIZE)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " capability chain goes back (%" PRIu32
					  " -> %" PRIu32 ")", r->index, off, next);
		end = next ? next : len;
		if (end > len)
			return errbuf_set(eb, -EPROTO, "region %" PRIu32 " capability at %" PRIu32
					  " runs past the reply", r->index, off);
		if (vfio_user_get16(p + off) != VFIO_REGION_INFO_CAP_SPARSE_MMAP)
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
	argsz = vfio_user_get32(p);
	r->flags = vfio_user_get32(p + 4);
	r->index = vfio_user_get32(p + 8);
	cap_off = vfio_user_get32(p + 12);
	r->size = vfio_user_get64(p + 16);
	r->mmap_offset = vfio_user_get64(p + 24);
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
