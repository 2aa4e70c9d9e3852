/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user message codec (QEMU docs/interop/vfio-user.rst, protocol 0.x).
 *
 * Pure functions over byte buffers: no sockets, no allocation, no global
 * state, so that the client, the test server and a fuzzer share them. Every
 * *_get() treats its input as hostile: lengths, counts, argsz, fd counts and
 * offsets are checked before use, and a failure returns -EPROTO (or -EINVAL
 * for a request a server must refuse) with the reason in the errbuf.
 *
 * Data is in host byte order, as the specification says; multi-byte fields
 * are read and written with memcpy, so buffers need no alignment.
 *
 * Conventions: *_put() writes a payload (without the 16-byte header) to buf
 * and returns its length, or -ENOSPC when cap is too small. *_get() parses a
 * payload of len bytes that arrived with nfds file descriptors.
 */
#ifndef IOPASS_VFIO_USER_MSG_H
#define IOPASS_VFIO_USER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iopass/util.h"
#include "iopass/vfio.h"

#define VFIO_USER_MAJOR			0
#define VFIO_USER_MINOR			0

enum vfio_user_command {
	VFIO_USER_VERSION = 1,
	VFIO_USER_DMA_MAP = 2,
	VFIO_USER_DMA_UNMAP = 3,
	VFIO_USER_DEVICE_GET_INFO = 4,
	VFIO_USER_DEVICE_GET_REGION_INFO = 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS = 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO = 7,
	VFIO_USER_DEVICE_SET_IRQS = 8,
	VFIO_USER_REGION_READ = 9,
	VFIO_USER_REGION_WRITE = 10,
	VFIO_USER_DMA_READ = 11,
	VFIO_USER_DMA_WRITE = 12,
	VFIO_USER_DEVICE_RESET = 13,
	VFIO_USER_REGION_WRITE_MULTI = 15,
	VFIO_USER_DEVICE_FEATURE = 16,
	VFIO_USER_MIG_DATA_READ = 17,
	VFIO_USER_MIG_DATA_WRITE = 18,
};

#define VFIO_USER_HDR_SIZE		16
#define VFIO_USER_F_TYPE_MASK		0xfu
#define VFIO_USER_F_TYPE_COMMAND	0x0u
#define VFIO_USER_F_TYPE_REPLY		0x1u
#define VFIO_USER_F_NO_REPLY		0x10u
#define VFIO_USER_F_ERROR		0x20u

/* Our own bounds on what a peer may make us hold. */
#define VFIO_USER_FDS_MAX		16	/* fds in one message */
#define VFIO_USER_REGIONS_MAX		32	/* VFIO_PCI_NUM_REGIONS is 9 */
#define VFIO_USER_IRQS_MAX		16	/* VFIO_PCI_NUM_IRQS is 5 */
#define VFIO_USER_IRQ_COUNT_MAX		2048	/* MSI-X vectors */
#define VFIO_USER_VERSION_JSON_MAX	4096
#define VFIO_USER_REGION_INFO_MAX	4096	/* region info + caps */
#define VFIO_USER_PAGE_SIZE		4096u

/* Defaults the specification gives for capabilities left out. */
#define VFIO_USER_DEF_MAX_MSG_FDS	1
#define VFIO_USER_DEF_MAX_XFER		(1u << 20)
#define VFIO_USER_DEF_MAX_DMA_MAPS	65535
#define VFIO_USER_DEF_PGSIZES		4096ull

struct vfio_user_hdr {
	uint16_t id;
	uint16_t cmd;
	uint32_t size;		/* whole message, header included */
	uint32_t flags;
	uint32_t error;		/* errno, with VFIO_USER_F_ERROR in a reply */
};

/* Host-order fields at any alignment (the payload offsets are the spec's). */
static inline uint16_t vfio_user_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t vfio_user_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t vfio_user_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void vfio_user_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void vfio_user_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void vfio_user_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * A fixed-size payload: exactly want bytes and want_fds descriptors, or err
 * (-EPROTO for a reply, -EINVAL for a request a server refuses).
 */
int vfio_user_check_fixed(size_t len, size_t want, unsigned int nfds,
			  unsigned int want_fds, const char *what, int err,
			  struct errbuf *eb);

const char *vfio_user_cmd_name(uint16_t cmd);

void vfio_user_hdr_put(void *buf, const struct vfio_user_hdr *h);
/*
 * Parses the first VFIO_USER_HDR_SIZE bytes of buf: known flag bits only,
 * type command or reply, error bit only in a reply, size from the header
 * size up to max_size.
 */
int vfio_user_hdr_get(const void *buf, size_t len, size_t max_size,
		      struct vfio_user_hdr *h, struct errbuf *eb);

/* ---- VFIO_USER_VERSION (same format both ways) ---------------------------- */

struct vfio_user_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
};

struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	struct vfio_user_caps caps;
};

/* The specification's defaults, for capabilities a peer leaves out. */
void vfio_user_caps_default(struct vfio_user_caps *c);
int vfio_user_version_put(void *buf, size_t cap,
			  const struct vfio_user_version *v);
/*
 * The JSON must be NUL-terminated in the payload, an object, with
 * "capabilities" an object whose known members have the right types and
 * sane values (unknown members are ignored: later minor versions add them).
 */
int vfio_user_version_get(const void *buf, size_t len, unsigned int nfds,
			  struct vfio_user_version *v, struct errbuf *eb);

/* ---- VFIO_USER_DMA_MAP / DMA_UNMAP ------------------------------------------ */

#define VFIO_USER_DMA_READ_OK		(1u << 0)
#define VFIO_USER_DMA_WRITE_OK		(1u << 1)
#define VFIO_USER_DMA_MAP_SIZE		32
#define VFIO_USER_DMA_UNMAP_SIZE	24

struct vfio_user_dma_map {
	uint32_t flags;		/* VFIO_USER_DMA_READ_OK/WRITE_OK */
	uint64_t offset;	/* in the fd */
	uint64_t addr;		/* IOVA */
	uint64_t size;
};

int vfio_user_dma_map_put(void *buf, size_t cap,
			  const struct vfio_user_dma_map *m);
/* nfds must be 0 (not mappable) or 1. */
int vfio_user_dma_map_get(const void *buf, size_t len, unsigned int nfds,
			  struct vfio_user_dma_map *m, struct errbuf *eb);

struct vfio_user_dma_unmap {
	uint32_t argsz;
	uint32_t flags;		/* none defined */
	uint64_t addr;
	uint64_t size;
};

int vfio_user_dma_unmap_put(void *buf, size_t cap,
			    const struct vfio_user_dma_unmap *u);
int vfio_user_dma_unmap_get(const void *buf, size_t len, unsigned int nfds,
			    struct vfio_user_dma_unmap *u, struct errbuf *eb);
/* The reply: empty, or the request echoed (checked against req). */
int vfio_user_dma_unmap_reply_check(const void *buf, size_t len,
				    unsigned int nfds,
				    const struct vfio_user_dma_unmap *req,
				    struct errbuf *eb);

/* ---- VFIO_USER_DEVICE_GET_INFO ---------------------------------------------- */

#define VFIO_USER_DEVICE_INFO_SIZE	16

struct vfio_user_device_info {
	uint32_t flags;		/* VFIO_DEVICE_FLAGS_* */
	uint32_t num_regions;
	uint32_t num_irqs;
};

int vfio_user_device_info_req_put(void *buf, size_t cap);
int vfio_user_device_info_req_get(const void *buf, size_t len,
				  unsigned int nfds, uint32_t *argsz,
				  struct errbuf *eb);
int vfio_user_device_info_put(void *buf, size_t cap,
			      const struct vfio_user_device_info *d);
int vfio_user_device_info_get(const void *buf, size_t len, unsigned int nfds,
			      struct vfio_user_device_info *d,
			      struct errbuf *eb);

/* ---- VFIO_USER_DEVICE_GET_REGION_INFO --------------------------------------- */

#define VFIO_USER_REGION_INFO_SIZE	32

int vfio_user_region_info_req_put(void *buf, size_t cap, uint32_t index,
				  uint32_t argsz);
int vfio_user_region_info_req_get(const void *buf, size_t len,
				  unsigned int nfds, uint32_t *index,
				  uint32_t *argsz, struct errbuf *eb);
/*
 * The reply for r (index, flags, size, mmap_offset, areas; mmap_fd is not
 * encoded: it travels as ancillary data). With nareas, a sparse-mmap
 * capability is added. argsz_max is the request's argsz: when the full
 * reply does not fit, only the fixed part is written, with argsz saying
 * how much is needed. Returns the payload length.
 */
int vfio_user_region_info_put(void *buf, size_t cap, uint32_t argsz_max,
			      const struct vfio_region *r);
/*
 * Parses the reply to a request for index. *needed gets the reply's argsz:
 * when it is larger than the payload, the capabilities did not fit and the
 * request must be repeated with a larger argsz (r is then only partly
 * filled). r->mmap_fd is set to -1: the caller attaches the fd.
 */
int vfio_user_region_info_get(const void *buf, size_t len, unsigned int nfds,
			      uint32_t index, struct vfio_region *r,
			      uint32_t *needed, struct errbuf *eb);

/* ---- VFIO_USER_DEVICE_GET_IRQ_INFO ------------------------------------------ */

#define VFIO_USER_IRQ_INFO_SIZE		16

int vfio_user_irq_info_req_put(void *buf, size_t cap, uint32_t index);
int vfio_user_irq_info_req_get(const void *buf, size_t len, unsigned int nfds,
			       uint32_t *index, struct errbuf *eb);
int vfio_user_irq_info_put(void *buf, size_t cap, const struct vfio_irq *irq);
int vfio_user_irq_info_get(const void *buf, size_t len, unsigned int nfds,
			   uint32_t index, struct vfio_irq *irq,
			   struct errbuf *eb);

/* ---- VFIO_USER_DEVICE_SET_IRQS ---------------------------------------------- */

#define VFIO_USER_IRQ_SET_SIZE		20

struct vfio_user_irq_set {
	uint32_t flags;		/* one VFIO_IRQ_SET_DATA_*, one _ACTION_* */
	uint32_t index;
	uint32_t start;
	uint32_t count;
	const uint8_t *bools;	/* DATA_BOOL: count bytes (points into buf) */
};

int vfio_user_irq_set_put(void *buf, size_t cap,
			  const struct vfio_user_irq_set *s);
/* DATA_EVENTFD: nfds is count, or 0 to de-assign. */
int vfio_user_irq_set_get(const void *buf, size_t len, unsigned int nfds,
			  struct vfio_user_irq_set *s, struct errbuf *eb);

/* ---- VFIO_USER_REGION_READ / REGION_WRITE ----------------------------------- */

#define VFIO_USER_REGION_RW_SIZE	16

struct vfio_user_region_rw {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	const void *data;	/* count bytes where the message carries data */
};

/*
 * Both requests and both replies. with_data: a write request or a read
 * reply (count bytes of data follow the fixed part).
 */
int vfio_user_region_rw_put(void *buf, size_t cap,
			    const struct vfio_user_region_rw *rw,
			    bool with_data);
/* A request: count from 1 to max_count; data when with_data. */
int vfio_user_region_rw_get(const void *buf, size_t len, unsigned int nfds,
			    uint32_t max_count, bool with_data,
			    struct vfio_user_region_rw *rw, struct errbuf *eb);
/* A reply to req: the same offset, region and count (and data if a read). */
int vfio_user_region_rw_reply_get(const void *buf, size_t len,
				  unsigned int nfds,
				  const struct vfio_user_region_rw *req,
				  bool with_data, const void **data,
				  struct errbuf *eb);

/* ---- replies without payload (DMA_MAP, SET_IRQS, DEVICE_RESET, errors) -------- */

int vfio_user_empty_get(const void *buf, size_t len, unsigned int nfds,
			const char *what, struct errbuf *eb);

#endif
