// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vfio-user codec (vfio/vfio_user_msg.c): every message built and parsed
 * back, and every check on peer input tripped: short and long payloads,
 * argsz, counts, descriptor counts, offsets, capability chains, JSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "vfio/vfio_user_msg.h"

static uint8_t buf[8192];
static struct errbuf eb;

static void put32_at(size_t off, uint32_t v)
{
	memcpy(buf + off, &v, 4);
}

static void put64_at(size_t off, uint64_t v)
{
	memcpy(buf + off, &v, 8);
}

/* The call failed with err and said something containing what. */
#define assert_fails(call, err, what) do {				\
	errbuf_clear(&eb);						\
	assert_int_equal((call), (err));				\
	if (!strstr(eb.msg, (what)))					\
		fail_msg("message '%s' lacks '%s'", eb.msg, (what));	\
} while (0)

/* ---- header ---------------------------------------------------------------- */

static void test_hdr(void **state)
{
	struct vfio_user_hdr h = {
		.id = 0xbeef, .cmd = VFIO_USER_REGION_READ, .size = 48,
		.flags = VFIO_USER_F_TYPE_REPLY, .error = 0,
	}, g;

	(void)state;
	vfio_user_hdr_put(buf, &h);
	assert_int_equal(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), 0);
	assert_memory_equal(&g, &h, sizeof(h));

	assert_fails(vfio_user_hdr_get(buf, 15, 4096, &g, &eb), -EPROTO, "shorter");
	h.flags = 0x40;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "unknown bits");
	h.flags = 2;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "neither command nor reply");
	h.flags = VFIO_USER_F_TYPE_COMMAND | VFIO_USER_F_ERROR;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "command message has the error");
	h.flags = VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_NO_REPLY;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "no-reply");
	h.flags = VFIO_USER_F_TYPE_REPLY;
	h.size = 15;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "outside 16..4096");
	h.size = 4097;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "outside");
	h.size = 20;
	h.flags = VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR;
	vfio_user_hdr_put(buf, &h);
	assert_fails(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), -EPROTO, "error reply carries 4");
	h.size = 16;
	h.error = EINVAL;
	vfio_user_hdr_put(buf, &h);
	assert_int_equal(vfio_user_hdr_get(buf, 16, 4096, &g, &eb), 0);
	assert_int_equal(g.error, EINVAL);
}

static void test_cmd_names(void **state)
{
	(void)state;
	assert_string_equal(vfio_user_cmd_name(VFIO_USER_VERSION), "VERSION");
	assert_string_equal(vfio_user_cmd_name(VFIO_USER_DEVICE_RESET), "DEVICE_RESET");
	assert_string_equal(vfio_user_cmd_name(0), "unknown command");
	assert_string_equal(vfio_user_cmd_name(14), "unknown command");
	assert_string_equal(vfio_user_cmd_name(0xffff), "unknown command");
}

/* ---- VERSION ------------------------------------------------------------------- */

/* A VERSION payload 0.0 with this JSON (NUL included). */
static size_t version_json(const char *json)
{
	size_t n = strlen(json) + 1;

	memset(buf, 0, 4);
	memcpy(buf + 4, json, n);
	return 4 + n;
}

static void test_version_roundtrip(void **state)
{
	struct vfio_user_version v = {
		.major = 0, .minor = 3,
		.caps = { .max_msg_fds = 8, .max_data_xfer_size = 65536,
			  .max_dma_maps = 100, .pgsizes = 0x201000 },
	}, g;
	int n;

	(void)state;
	n = vfio_user_version_put(buf, sizeof(buf), &v);
	assert_true(n > 4);
	assert_int_equal(buf[n - 1], '\0');
	assert_int_equal(vfio_user_version_get(buf, n, 0, &g, &eb), 0);
	assert_int_equal(g.major, 0);
	assert_int_equal(g.minor, 3);
	assert_int_equal(g.caps.max_msg_fds, 8);
	assert_int_equal(g.caps.max_data_xfer_size, 65536);
	assert_int_equal(g.caps.max_dma_maps, 100);
	assert_int_equal(g.caps.pgsizes, 0x201000);
	assert_int_equal(vfio_user_version_put(buf, 20, &v), -ENOSPC);
	assert_int_equal(vfio_user_version_put(buf, 3, &v), -ENOSPC);

	/* No data, an empty string, no capabilities: the defaults. */
	memset(buf, 0, 4);
	assert_int_equal(vfio_user_version_get(buf, 4, 0, &g, &eb), 0);
	assert_int_equal(g.caps.max_msg_fds, 1);
	assert_int_equal(g.caps.max_data_xfer_size, 1 << 20);
	assert_int_equal(g.caps.pgsizes, 4096);
	assert_int_equal(vfio_user_version_get(buf, version_json(""), 0, &g, &eb), 0);
	assert_int_equal(vfio_user_version_get(buf, version_json("{}"), 0, &g, &eb), 0);
	assert_int_equal(g.caps.max_dma_maps, 65535);
	/* Unknown members, trailing blanks, big page-size masks. */
	n = version_json("{\"capabilities\":{\"max_msg_fds\":4,\"migration\":{\"pgsize\":4096},"
			 "\"pgsizes\":18446744073709547520,\"write_multiple\":true},\"x\":[1]} \n");
	assert_int_equal(vfio_user_version_get(buf, n, 0, &g, &eb), 0);
	assert_int_equal(g.caps.max_msg_fds, 4);
	assert_int_equal(g.caps.pgsizes, 0xfffffffffffff000ull);
}

static void test_version_bad(void **state)
{
	struct vfio_user_version g;
	size_t n;
	char deep[64];

	(void)state;
	assert_fails(vfio_user_version_get(buf, 3, 0, &g, &eb), -EPROTO, "shorter than 4");
	n = version_json("{}");
	assert_fails(vfio_user_version_get(buf, n, 1, &g, &eb), -EPROTO, "file descriptors");
	assert_fails(vfio_user_version_get(buf, n - 1, 0, &g, &eb), -EPROTO, "NUL-terminated");
	n = version_json("{}");
	buf[n] = 'x';
	buf[n + 1] = '\0';
	assert_fails(vfio_user_version_get(buf, n + 2, 0, &g, &eb), -EPROTO, "NUL-terminated");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":"), 0, &g, &eb),
		     -EPROTO, "not valid JSON");
	assert_fails(vfio_user_version_get(buf, version_json("[1,2]"), 0, &g, &eb),
		     -EPROTO, "not an object");
	assert_fails(vfio_user_version_get(buf, version_json("{} {}"), 0, &g, &eb),
		     -EPROTO, "after its JSON");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":3}"), 0, &g, &eb),
		     -EPROTO, "\"capabilities\" is not an object");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"max_msg_fds\":\"8\"}}"),
					   0, &g, &eb), -EPROTO, "max_msg_fds is not an integer");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"max_msg_fds\":-1}}"),
					   0, &g, &eb), -EPROTO, "max_msg_fds is negative");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"max_msg_fds\":70000}}"),
					   0, &g, &eb), -EPROTO, "outside 0..65535");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"max_data_xfer_size\":0}}"),
					   0, &g, &eb), -EPROTO, "max_data_xfer_size 0");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"max_dma_maps\":1.5}}"),
					   0, &g, &eb), -EPROTO, "not an integer");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"pgsizes\":512}}"),
					   0, &g, &eb), -EPROTO, "below 4 KiB");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"twin_socket\":true}}"),
					   0, &g, &eb), -EPROTO, "twin_socket");
	assert_fails(vfio_user_version_get(buf, version_json("{\"capabilities\":{\"write_multiple\":1}}"),
					   0, &g, &eb), -EPROTO, "write_multiple");
	/* Nesting deeper than the tokener allows. */
	memset(deep, '[', 20);
	strcpy(deep + 20, "1");
	memset(deep + 21, ']', 20);
	deep[41] = '\0';
	assert_fails(vfio_user_version_get(buf, version_json(deep), 0, &g, &eb),
		     -EPROTO, "not valid JSON");
	/* Too long. */
	memset(buf, 0, 4);
	memset(buf + 4, ' ', 5000);
	buf[4 + 4999] = '\0';
	assert_fails(vfio_user_version_get(buf, 4 + 5000, 0, &g, &eb), -EPROTO, "more than 4096");
}

/* ---- DMA_MAP / DMA_UNMAP ----------------------------------------------------------- */

static void test_dma_map(void **state)
{
	struct vfio_user_dma_map m = {
		.flags = VFIO_USER_DMA_READ_OK | VFIO_USER_DMA_WRITE_OK,
		.offset = 0x2000, .addr = 0x100000, .size = 0x200000,
	}, g;

	(void)state;
	assert_int_equal(vfio_user_dma_map_put(buf, sizeof(buf), &m), 32);
	assert_int_equal(vfio_user_dma_map_get(buf, 32, 1, &g, &eb), 0);
	assert_int_equal(g.flags, m.flags);
	assert_int_equal(g.offset, m.offset);
	assert_int_equal(g.addr, m.addr);
	assert_int_equal(g.size, m.size);
	assert_int_equal(vfio_user_dma_map_put(buf, 31, &m), -ENOSPC);

	assert_fails(vfio_user_dma_map_get(buf, 32, 2, &g, &eb), -EINVAL, "at most 1");
	assert_fails(vfio_user_dma_map_get(buf, 24, 1, &g, &eb), -EINVAL, "expected 32");
	assert_fails(vfio_user_dma_map_get(buf, 32, 0, &g, &eb), -EINVAL, "without a file descriptor");
	put32_at(0, 40);
	assert_fails(vfio_user_dma_map_get(buf, 32, 1, &g, &eb), -EINVAL, "argsz 40");
	put32_at(0, 32);
	put32_at(4, 4);
	assert_fails(vfio_user_dma_map_get(buf, 32, 1, &g, &eb), -EINVAL, "unknown bits");
	put32_at(4, 0);
	put64_at(24, 0);
	assert_fails(vfio_user_dma_map_get(buf, 32, 1, &g, &eb), -EINVAL, "size 0");
	put64_at(24, 0x1000);
	put64_at(16, ~0ull - 0x10);
	assert_fails(vfio_user_dma_map_get(buf, 32, 1, &g, &eb), -EINVAL, "wraps");
	put64_at(16, 0);
	put64_at(8, ~0ull);
	assert_fails(vfio_user_dma_map_get(buf, 32, 1, &g, &eb), -EINVAL, "wraps");
}

static void test_dma_unmap(void **state)
{
	struct vfio_user_dma_unmap u = {
		.argsz = 24, .addr = 0x100000, .size = 0x1000,
	}, g;

	(void)state;
	assert_int_equal(vfio_user_dma_unmap_put(buf, sizeof(buf), &u), 24);
	assert_int_equal(vfio_user_dma_unmap_get(buf, 24, 0, &g, &eb), 0);
	assert_memory_equal(&g, &u, sizeof(u));
	assert_int_equal(vfio_user_dma_unmap_reply_check(buf, 24, 0, &u, &eb), 0);
	assert_int_equal(vfio_user_dma_unmap_reply_check(buf, 0, 0, &u, &eb), 0);
	assert_fails(vfio_user_dma_unmap_reply_check(buf, 16, 0, &u, &eb), -EPROTO, "expected 24");
	assert_fails(vfio_user_dma_unmap_reply_check(buf, 24, 1, &u, &eb), -EPROTO, "descriptors");
	put64_at(8, 0x200000);
	assert_fails(vfio_user_dma_unmap_reply_check(buf, 24, 0, &u, &eb), -EPROTO, "not the range");
	assert_int_equal(vfio_user_dma_unmap_put(buf, 23, &u), -ENOSPC);

	vfio_user_dma_unmap_put(buf, sizeof(buf), &u);
	assert_fails(vfio_user_dma_unmap_get(buf, 24, 1, &g, &eb), -EINVAL, "descriptors");
	assert_fails(vfio_user_dma_unmap_get(buf, 32, 0, &g, &eb), -EINVAL, "expected 24");
	put32_at(0, 8);
	assert_fails(vfio_user_dma_unmap_get(buf, 24, 0, &g, &eb), -EINVAL, "argsz 8");
	put32_at(0, 24);
	put32_at(4, 1);
	assert_fails(vfio_user_dma_unmap_get(buf, 24, 0, &g, &eb), -EINVAL, "none are defined");
	put32_at(4, 0);
	put64_at(16, 0);
	assert_fails(vfio_user_dma_unmap_get(buf, 24, 0, &g, &eb), -EINVAL, "empty");
}

/* ---- DEVICE_GET_INFO --------------------------------------------------------------- */

static void test_device_info(void **state)
{
	struct vfio_user_device_info d = {
		.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		.num_regions = 9, .num_irqs = 5,
	}, g;
	uint32_t argsz;

	(void)state;
	assert_int_equal(vfio_user_device_info_req_put(buf, sizeof(buf)), 16);
	assert_int_equal(vfio_user_device_info_req_get(buf, 16, 0, &argsz, &eb), 0);
	assert_int_equal(argsz, 16);
	assert_fails(vfio_user_device_info_req_get(buf, 12, 0, &argsz, &eb), -EINVAL, "expected 16");
	assert_fails(vfio_user_device_info_req_get(buf, 16, 1, &argsz, &eb), -EINVAL, "descriptors");
	put32_at(8, 1);
	assert_fails(vfio_user_device_info_req_get(buf, 16, 0, &argsz, &eb), -EINVAL, "non-zero");
	put32_at(0, 4);
	assert_fails(vfio_user_device_info_req_get(buf, 16, 0, &argsz, &eb), -EINVAL, "argsz 4");

	assert_int_equal(vfio_user_device_info_put(buf, sizeof(buf), &d), 16);
	assert_int_equal(vfio_user_device_info_get(buf, 16, 0, &g, &eb), 0);
	assert_memory_equal(&g, &d, sizeof(d));
	assert_int_equal(vfio_user_device_info_put(buf, 15, &d), -ENOSPC);
	assert_fails(vfio_user_device_info_get(buf, 16, 2, &g, &eb), -EPROTO, "2 file descriptors");
	assert_fails(vfio_user_device_info_get(buf, 20, 0, &g, &eb), -EPROTO, "expected 16");
	put32_at(8, 33);
	assert_fails(vfio_user_device_info_get(buf, 16, 0, &g, &eb), -EPROTO, "33 regions");
	put32_at(8, 9);
	put32_at(12, 17);
	assert_fails(vfio_user_device_info_get(buf, 16, 0, &g, &eb), -EPROTO, "17 irq indexes");
	put32_at(12, 5);
	put32_at(0, 8);
	assert_fails(vfio_user_device_info_get(buf, 16, 0, &g, &eb), -EPROTO, "argsz 8");
}

/* ---- DEVICE_GET_REGION_INFO -------------------------------------------------------- */

static const struct vfio_region bar0 = {
	.index = 0,
	.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		 VFIO_REGION_INFO_FLAG_MMAP,
	.size = 0x100000, .mmap_fd = -1, .mmap_offset = 0x10000,
	.nareas = 2,
	.areas = { { 0x1000, 0x3000 }, { 0x80000, 0x80000 } },
};

static void test_region_info_req(void **state)
{
	uint32_t index, argsz;

	(void)state;
	assert_int_equal(vfio_user_region_info_req_put(buf, sizeof(buf), 7, 512), 32);
	assert_int_equal(vfio_user_region_info_req_get(buf, 32, 0, &index, &argsz, &eb), 0);
	assert_int_equal(index, 7);
	assert_int_equal(argsz, 512);
	assert_int_equal(vfio_user_region_info_req_put(buf, 31, 7, 512), -ENOSPC);
	assert_fails(vfio_user_region_info_req_get(buf, 32, 1, &index, &argsz, &eb), -EINVAL, "descriptors");
	assert_fails(vfio_user_region_info_req_get(buf, 16, 0, &index, &argsz, &eb), -EINVAL, "expected 32");
	put64_at(16, 5);
	assert_fails(vfio_user_region_info_req_get(buf, 32, 0, &index, &argsz, &eb), -EINVAL, "non-zero");
	put64_at(16, 0);
	put32_at(0, 16);
	assert_fails(vfio_user_region_info_req_get(buf, 32, 0, &index, &argsz, &eb), -EINVAL, "argsz 16");
}

static void test_region_info_roundtrip(void **state)
{
	struct vfio_region r, cfg = {
		.index = 7, .size = 256,
		.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
	};
	struct vfio_region many = bar0;
	uint32_t needed;
	int n;

	(void)state;
	n = vfio_user_region_info_put(buf, sizeof(buf), 512, &bar0);
	assert_int_equal(n, 32 + 16 + 2 * 16);
	assert_int_equal(vfio_user_region_info_get(buf, n, 1, 0, &r, &needed, &eb), 0);
	assert_int_equal(needed, n);
	assert_int_equal(r.flags, bar0.flags | VFIO_REGION_INFO_FLAG_CAPS);
	assert_int_equal(r.size, bar0.size);
	assert_int_equal(r.mmap_offset, bar0.mmap_offset);
	assert_int_equal(r.mmap_fd, -1);
	assert_int_equal(r.nareas, 2);
	assert_memory_equal(r.areas, bar0.areas, 2 * sizeof(r.areas[0]));

	/* No room for the capability: argsz says how much is needed. */
	n = vfio_user_region_info_put(buf, sizeof(buf), 32, &bar0);
	assert_int_equal(n, 32);
	assert_int_equal(vfio_user_region_info_get(buf, n, 1, 0, &r, &needed, &eb), 0);
	assert_int_equal(needed, 80);
	assert_int_equal(vfio_user_region_info_put(buf, 40, 512, &bar0), -ENOSPC);

	n = vfio_user_region_info_put(buf, sizeof(buf), 512, &cfg);
	assert_int_equal(n, 32);
	assert_int_equal(vfio_user_region_info_get(buf, n, 0, 7, &r, &needed, &eb), 0);
	assert_int_equal(r.size, 256);
	assert_int_equal(r.nareas, 0);

	many.nareas = VFIO_SPARSE_MAX + 1;
	assert_int_equal(vfio_user_region_info_put(buf, sizeof(buf), 512, &many), -EINVAL);
}

/* The bar0 reply, then one field changed at off; parse must fail so. */
static void region_bad(size_t off, size_t width, uint64_t val, size_t len,
		       unsigned int nfds, const char *what)
{
	struct vfio_region r;
	uint32_t needed;
	int n = vfio_user_region_info_put(buf, sizeof(buf), 512, &bar0);

	if (width == 4)
		put32_at(off, val);
	else if (width == 8)
		put64_at(off, val);
	assert_fails(vfio_user_region_info_get(buf, len ? len : (size_t)n, nfds, 0,
					       &r, &needed, &eb), -EPROTO, what);
}

static void test_region_info_bad(void **state)
{
	struct vfio_region r;
	uint32_t needed;
	int n;

	(void)state;
	region_bad(0, 0, 0, 31, 1, "shorter than 32");
	region_bad(8, 4, 3, 0, 1, "asked for 0");
	region_bad(4, 4, 0x1f, 0, 1, "unknown bits");
	region_bad(0, 0, 0, 0, 0, "0 file descriptors, expected 1");
	region_bad(4, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_CAPS,
		   0, 1, "1 file descriptors, expected 0");
	region_bad(0, 4, 40, 0, 1, "below its 80-byte payload");
	region_bad(0, 4, 8000, 0, 1, "more than 4096");
	region_bad(24, 8, 0x10800, 0, 1, "mmap offset 0x10800 is not page aligned");
	/* The capability chain. */
	region_bad(12, 4, 200, 0, 1, "outside the 80-byte reply");
	region_bad(12, 4, 16, 0, 1, "outside");
	region_bad(12, 4, 34, 0, 1, "outside");
	region_bad(36, 4, 32, 0, 1, "goes back");
	region_bad(36, 4, 120, 0, 1, "runs past");
	region_bad(34, 4, 2, 0, 1, "version 2");
	region_bad(40, 4, 9, 0, 1, "9 sparse-mmap areas, more than 8");
	region_bad(40, 4, 3, 0, 1, "claims 3 areas");
	region_bad(48, 8, 0xff000, 0, 1, "outside the region");
	region_bad(56, 8, ~0ull, 0, 1, "outside the region");
	region_bad(48, 8, 0x1800, 0, 1, "not page aligned");
	region_bad(4, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
		   0, 1, "capability offset but no caps flag");

	/* Sparse areas without the mmap flag. */
	n = vfio_user_region_info_put(buf, sizeof(buf), 512, &bar0);
	put32_at(4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_CAPS);
	assert_fails(vfio_user_region_info_get(buf, n, 0, 0, &r, &needed, &eb),
		     -EPROTO, "no mmap flag");

	/* An unknown capability first, then two sparse ones. */
	n = vfio_user_region_info_put(buf, sizeof(buf), 512, &bar0);
	memmove(buf + 40, buf + 32, 48);
	memset(buf + 32, 0, 8);
	buf[32] = 9;			/* id 9, version 0 */
	put32_at(36, 40);		/* next: the sparse cap */
	put32_at(0, n + 8);
	assert_int_equal(vfio_user_region_info_get(buf, n + 8, 1, 0, &r, &needed, &eb), 0);
	assert_int_equal(r.nareas, 2);
	memcpy(buf + n + 8, buf + 40, 48);
	put32_at(44, n + 8);		/* the first sparse cap links a second */
	put32_at(0, n + 8 + 48);
	assert_fails(vfio_user_region_info_get(buf, n + 56, 1, 0, &r, &needed, &eb),
		     -EPROTO, "two sparse-mmap");

	/* Zero-sized areas are dropped. */
	n = vfio_user_region_info_put(buf, sizeof(buf), 512, &bar0);
	put64_at(56, 0);
	assert_int_equal(vfio_user_region_info_get(buf, n, 1, 0, &r, &needed, &eb), 0);
	assert_int_equal(r.nareas, 1);
	assert_int_equal(r.areas[0].off, 0x80000);
}

/* ---- DEVICE_GET_IRQ_INFO ------------------------------------------------------------ */

static void test_irq_info(void **state)
{
	struct vfio_irq irq = {
		.index = VFIO_PCI_MSIX_IRQ_INDEX, .count = 64,
		.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE,
	}, g;
	uint32_t index;

	(void)state;
	assert_int_equal(vfio_user_irq_info_req_put(buf, sizeof(buf), 2), 16);
	assert_int_equal(vfio_user_irq_info_req_get(buf, 16, 0, &index, &eb), 0);
	assert_int_equal(index, 2);
	assert_int_equal(vfio_user_irq_info_req_put(buf, 15, 2), -ENOSPC);
	assert_fails(vfio_user_irq_info_req_get(buf, 16, 1, &index, &eb), -EINVAL, "descriptors");
	assert_fails(vfio_user_irq_info_req_get(buf, 17, 0, &index, &eb), -EINVAL, "expected 16");
	put32_at(12, 1);
	assert_fails(vfio_user_irq_info_req_get(buf, 16, 0, &index, &eb), -EINVAL, "non-zero");
	put32_at(0, 0);
	assert_fails(vfio_user_irq_info_req_get(buf, 16, 0, &index, &eb), -EINVAL, "argsz 0");

	assert_int_equal(vfio_user_irq_info_put(buf, sizeof(buf), &irq), 16);
	assert_int_equal(vfio_user_irq_info_get(buf, 16, 0, 2, &g, &eb), 0);
	assert_memory_equal(&g, &irq, sizeof(irq));
	assert_fails(vfio_user_irq_info_get(buf, 16, 0, 1, &g, &eb), -EPROTO, "asked for 1");
	assert_fails(vfio_user_irq_info_get(buf, 12, 0, 2, &g, &eb), -EPROTO, "expected 16");
	assert_fails(vfio_user_irq_info_get(buf, 16, 3, 2, &g, &eb), -EPROTO, "3 file descriptors");
	put32_at(4, 0x10);
	assert_fails(vfio_user_irq_info_get(buf, 16, 0, 2, &g, &eb), -EPROTO, "unknown bits");
	put32_at(4, 1);
	put32_at(12, 5000);
	assert_fails(vfio_user_irq_info_get(buf, 16, 0, 2, &g, &eb), -EPROTO, "5000 interrupts");
	put32_at(12, 1);
	put32_at(0, 12);
	assert_fails(vfio_user_irq_info_get(buf, 16, 0, 2, &g, &eb), -EPROTO, "argsz 12");
}

/* ---- DEVICE_SET_IRQS ------------------------------------------------------------------ */

static void test_irq_set(void **state)
{
	static const uint8_t bools[3] = { 1, 0, 1 };
	struct vfio_user_irq_set s = {
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = 2, .start = 4, .count = 3,
	}, g;
	int n;

	(void)state;
	n = vfio_user_irq_set_put(buf, sizeof(buf), &s);
	assert_int_equal(n, 20);
	assert_int_equal(vfio_user_irq_set_get(buf, n, 3, &g, &eb), 0);
	assert_int_equal(g.flags, s.flags);
	assert_int_equal(g.start, 4);
	assert_int_equal(g.count, 3);
	assert_null(g.bools);
	/* No descriptors: de-assign. */
	assert_int_equal(vfio_user_irq_set_get(buf, n, 0, &g, &eb), 0);
	assert_fails(vfio_user_irq_set_get(buf, n, 2, &g, &eb), -EINVAL, "came with 2 eventfds");

	s.flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK;
	s.bools = bools;
	n = vfio_user_irq_set_put(buf, sizeof(buf), &s);
	assert_int_equal(n, 23);
	assert_int_equal(vfio_user_irq_set_get(buf, n, 0, &g, &eb), 0);
	assert_memory_equal(g.bools, bools, 3);
	assert_int_equal(vfio_user_irq_set_put(buf, 22, &s), -ENOSPC);
	assert_fails(vfio_user_irq_set_get(buf, n, 1, &g, &eb), -EINVAL, "without DATA_EVENTFD");
	put32_at(0, 20);
	assert_fails(vfio_user_irq_set_get(buf, 20, 0, &g, &eb), -EINVAL, "expected 23");
	assert_fails(vfio_user_irq_set_get(buf, 19, 0, &g, &eb), -EINVAL, "shorter than 20");
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "argsz 20 but 23");

	s = (struct vfio_user_irq_set){ .flags = VFIO_IRQ_SET_DATA_NONE |
					VFIO_IRQ_SET_ACTION_TRIGGER };
	n = vfio_user_irq_set_put(buf, sizeof(buf), &s);
	assert_int_equal(vfio_user_irq_set_get(buf, n, 0, &g, &eb), 0);	/* disable all */
	put32_at(12, 1);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "count 0");
	put32_at(12, 0);
	put32_at(4, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "count 0");
	put32_at(4, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
		 VFIO_IRQ_SET_ACTION_TRIGGER);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "one data type");
	put32_at(4, VFIO_IRQ_SET_DATA_NONE);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "one action");
	put32_at(4, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER | 0x100);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "one data type");
	put32_at(4, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER);
	put32_at(12, 0xffffffff);
	put32_at(16, 2);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "out of range");
	put32_at(12, 0);
	put32_at(16, 4096);
	assert_fails(vfio_user_irq_set_get(buf, n, 0, &g, &eb), -EINVAL, "out of range");
}

/* ---- REGION_READ / REGION_WRITE ------------------------------------------------------- */

static void test_region_rw(void **state)
{
	static const uint8_t data[4] = { 0xed, 0, 0, 1 };
	struct vfio_user_region_rw rw = {
		.offset = 0x98, .region = 0, .count = 4, .data = data,
	}, g;
	const void *d;
	int n;

	(void)state;
	/* A write request carries data, its reply not. */
	n = vfio_user_region_rw_put(buf, sizeof(buf), &rw, true);
	assert_int_equal(n, 20);
	assert_int_equal(vfio_user_region_rw_get(buf, n, 0, 4096, true, &g, &eb), 0);
	assert_int_equal(g.offset, 0x98);
	assert_int_equal(g.count, 4);
	assert_memory_equal(g.data, data, 4);
	assert_int_equal(vfio_user_region_rw_put(buf, 19, &rw, true), -ENOSPC);
	n = vfio_user_region_rw_put(buf, sizeof(buf), &rw, false);
	assert_int_equal(n, 16);
	assert_int_equal(vfio_user_region_rw_reply_get(buf, n, 0, &rw, false, &d, &eb), 0);
	assert_null(d);
	/* A read request does not; its reply does. */
	assert_int_equal(vfio_user_region_rw_get(buf, 16, 0, 4096, false, &g, &eb), 0);
	assert_null(g.data);
	n = vfio_user_region_rw_put(buf, sizeof(buf), &rw, true);
	assert_int_equal(vfio_user_region_rw_reply_get(buf, n, 0, &rw, true, &d, &eb), 0);
	assert_memory_equal(d, data, 4);

	assert_fails(vfio_user_region_rw_reply_get(buf, 16, 0, &rw, true, &d, &eb), -EPROTO, "expected 20");
	assert_fails(vfio_user_region_rw_reply_get(buf, n, 1, &rw, true, &d, &eb), -EPROTO, "descriptors");
	put64_at(0, 0x90);
	assert_fails(vfio_user_region_rw_reply_get(buf, n, 0, &rw, true, &d, &eb), -EPROTO, "asked for region 0 0x98+4");

	assert_fails(vfio_user_region_rw_get(buf, 12, 0, 4096, false, &g, &eb), -EINVAL, "shorter than 16");
	assert_fails(vfio_user_region_rw_get(buf, 16, 1, 4096, false, &g, &eb), -EINVAL, "descriptors");
	assert_fails(vfio_user_region_rw_get(buf, 20, 0, 4096, false, &g, &eb), -EINVAL, "expected 16");
	assert_fails(vfio_user_region_rw_get(buf, 19, 0, 4096, true, &g, &eb), -EINVAL, "expected 20");
	assert_fails(vfio_user_region_rw_get(buf, 20, 0, 2, true, &g, &eb), -EINVAL, "outside 1..2");
	put32_at(12, 0);
	assert_fails(vfio_user_region_rw_get(buf, 16, 0, 4096, false, &g, &eb), -EINVAL, "count 0");
	put32_at(12, 8);
	put64_at(0, ~0ull - 3);
	assert_fails(vfio_user_region_rw_get(buf, 16, 0, 4096, false, &g, &eb), -EINVAL, "wraps");
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(vfio_user_empty_get(buf, 0, 0, "DEVICE_RESET", &eb), 0);
	assert_fails(vfio_user_empty_get(buf, 4, 0, "DEVICE_RESET", &eb), -EPROTO,
		     "DEVICE_RESET payload is 4 bytes, expected 0");
	assert_fails(vfio_user_empty_get(buf, 0, 1, "DMA_MAP reply", &eb), -EPROTO,
		     "DMA_MAP reply came with 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_cmd_names),
		cmocka_unit_test(test_version_roundtrip),
		cmocka_unit_test(test_version_bad),
		cmocka_unit_test(test_dma_map),
		cmocka_unit_test(test_dma_unmap),
		cmocka_unit_test(test_device_info),
		cmocka_unit_test(test_region_info_req),
		cmocka_unit_test(test_region_info_roundtrip),
		cmocka_unit_test(test_region_info_bad),
		cmocka_unit_test(test_irq_info),
		cmocka_unit_test(test_irq_set),
		cmocka_unit_test(test_region_rw),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
