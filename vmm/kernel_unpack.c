// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bzImage's kernel, decompressed by the VMM instead of by the guest.
 *
 * A bzImage carries the real kernel, an ELF vmlinux, compressed (the
 * setup header's payload_offset/payload_length), and a small decompressor
 * that the guest runs first. Under nested virtualisation that decompressor
 * is most of a boot (measured in the testbed: ~40 of ~50 s for Debian's
 * XZ kernel), and it runs again on every boot. Here the VMM inflates the
 * payload (xz, gzip) on the host once and keeps the vmlinux in a cache;
 * boot_linux.c then loads its segments and enters it at its 64-bit entry,
 * as Firecracker boots a vmlinux.
 *
 * The cache: $IOPASS_KERNEL_CACHE, else /var/cache/iopass/kernels when it
 * can be written, else none (the payload is inflated on every boot). Files
 * are named by the payload's length and two hashes of it, written under a
 * temporary name and renamed, so concurrent VMMs never see half a file.
 * IOPASS_KERNEL_CACHE=off: no cache. IOPASS_KERNEL_UNPACK=guest: leave
 * the decompression to the guest (boot_linux.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "boot.h"

#define KERNEL_CACHE_DEFAULT	"/var/cache/iopass/kernels"
/* A vmlinux this big is not a kernel: stop inflating. */
#define UNPACK_MAX		(512ULL << 20)

static const uint8_t xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const uint8_t gzip_magic[] = { 0x1f, 0x8b };

/* Grows *buf (capacity *cap) so that it has room past len. */
static int grow(uint8_t **buf, size_t *cap, size_t len)
{
	size_t ncap = *cap ? *cap * 2 : 64ULL << 20;
	uint8_t *p;

	if (len < *cap)
		return 0;
	if (ncap > UNPACK_MAX)
		return -EFBIG;
	p = realloc(*buf, ncap);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = ncap;
	return 0;
}

static int unxz(const uint8_t *in, size_t in_len, uint8_t **out,
		size_t *out_len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	uint8_t *buf = NULL;
	size_t cap = 0;
	lzma_ret r;
	int ret = 0;

	/* The payload ends with the inflated size (4 bytes): one stream. */
	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = in_len;
	do {
		ret = grow(&buf, &cap, s.total_out);
		if (ret)
			break;
		s.next_out = buf + s.total_out;
		s.avail_out = cap - s.total_out;
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (!ret && r != LZMA_STREAM_END)
		ret = r == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
	*out_len = s.total_out;
	lzma_end(&s);
	if (ret)
		free(buf);
	else
		*out = buf;
	return ret;
}

static int gunzip(const uint8_t *in, size_t in_len, uint8_t **out,
		  size_t *out_len)
{
	z_stream s = { 0 };
	uint8_t *buf = NULL;
	size_t cap = 0;
	int r, ret = 0;

	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	s.next_in = (Bytef *)in;
	s.avail_in = in_len > UINT32_MAX ? UINT32_MAX : (uInt)in_len;
	do {
		ret = grow(&buf, &cap, s.total_out);
		if (ret)
			break;
		s.next_out = buf + s.total_out;
		s.avail_out = cap - s.total_out > UINT32_MAX ?
			      UINT32_MAX : (uInt)(cap - s.total_out);
		r = inflate(&s, Z_FINISH);
		/* Z_BUF_ERROR with room left: the input ran out (truncated). */
	} while (r == Z_OK || (r == Z_BUF_ERROR && !s.avail_out));
	if (!ret && r != Z_STREAM_END)
		ret = r == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	*out_len = s.total_out;
	inflateEnd(&s);
	if (ret)
		free(buf);
	else
		*out = buf;
	return ret;
}

/* FNV-1a over 8-byte words, then the tail: cheap, and with the CRC a key. */
static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static const char *cache_dir(void)
{
	const char *d = getenv("IOPASS_KERNEL_CACHE");

	if (d && !strcmp(d, "off"))
		return NULL;
	if (d && *d)
		return d;
	return access(KERNEL_CACHE_DEFAULT, W_OK) == 0 ? KERNEL_CACHE_DEFAULT
						       : NULL;
}

static int cache_path(char *buf, size_t len, const char *dir,
		      const uint8_t *pay, size_t n)
{
	int r = snprintf(buf, len, "%s/vmlinux-%zx-%08lx-%016" PRIx64, dir, n,
			 crc32(0, pay, n > UINT32_MAX ? UINT32_MAX : n),
			 fnv64(pay, n));

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

static int cache_load(const char *path, struct kernel_blob *k)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size < 64) {
		close(fd);
		return -EINVAL;
	}
	/* Mapped for the ELF headers; the segments are read from fd. */
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	k->data = p;
	k->size = st.st_size;
	k->mapped = true;
	k->fd = fd;
	return 0;
}

/* Best effort: a cache that cannot be written costs time, not the boot. */
static void cache_store(const char *dir, const char *path,
			const struct kernel_blob *k)
{
	char tmp[4096];
	size_t done = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	while (done < k->size) {
		ssize_t w = write(fd, k->data + done, k->size - done);

		if (w <= 0)
			break;
		done += w;
	}
	if (close(fd) < 0 || done != k->size || rename(tmp, path) < 0)
		unlink(tmp);
}

int bzimage_unpack(const void *image, size_t size, const struct bzimage *bz,
		   struct kernel_blob *k, struct errbuf *eb)
{
	const uint8_t *pay;
	const char *dir, *how = getenv("IOPASS_KERNEL_UNPACK");
	char path[4096];
	uint8_t *out = NULL;
	size_t out_len = 0;
	int ret;

	memset(k, 0, sizeof(*k));
	k->fd = -1;
	if (how && !strcmp(how, "guest"))
		return -ENOTSUP;
	if (!bz->payload_length || bz->kernel_offset > size ||
	    bz->kernel_size > size - bz->kernel_offset ||
	    bz->payload_offset > bz->kernel_size ||
	    bz->payload_length > bz->kernel_size - bz->payload_offset)
		return -ENOTSUP;
	pay = (const uint8_t *)image + bz->kernel_offset + bz->payload_offset;
	dir = cache_dir();
	if (dir && !cache_path(path, sizeof(path), dir, pay,
			       bz->payload_length) &&
	    !cache_load(path, k))
		return 0;

	if (bz->payload_length >= sizeof(xz_magic) &&
	    !memcmp(pay, xz_magic, sizeof(xz_magic)))
		ret = unxz(pay, bz->payload_length, &out, &out_len);
	else if (bz->payload_length >= sizeof(gzip_magic) &&
		 !memcmp(pay, gzip_magic, sizeof(gzip_magic)))
		ret = gunzip(pay, bz->payload_length, &out, &out_len);
	else
		return -ENOTSUP;	/* zstd, lz4...: the guest's job */
	if (ret == -ENOMEM)
		return errbuf_set(eb, ret,
				  "out of memory inflating the kernel");
	if (ret)
		return errbuf_set(eb, -EINVAL,
				  "the bzImage's compressed kernel is corrupt (%s); check --kernel",
				  ret == -EFBIG ? "inflates past 512 MiB" :
				  "the decompressor refused it");
	k->data = out;
	k->size = out_len;
	if (dir)
		cache_store(dir, path, k);
	return 0;
}

void kernel_blob_free(struct kernel_blob *k)
{
	if (k->mapped)
		munmap((void *)k->data, k->size);
	else
		free((void *)k->data);
	if (k->fd >= 0)
		close(k->fd);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}
