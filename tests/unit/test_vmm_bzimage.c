// SPDX-License-Identifier: GPL-2.0-only
/*
 * bzImage setup header parsing (vmm/boot_linux.c) on synthetic images, on
 * the host's own /boot/vmlinuz-* when there is one, and the default
 * command line additions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <elf.h>
#include <lzma.h>
#include <zlib.h>

#include "vmm/boot.h"

#define IMG_SIZE	(64 * 1024)

static void put(uint8_t *img, size_t off, uint32_t v, size_t len)
{
	memcpy(img + off, &v, len);
}

/* A minimal, valid 64-bit bzImage header: boot protocol 2.15. */
static uint8_t *make_image(void)
{
	uint8_t *img = calloc(1, IMG_SIZE);

	assert_non_null(img);
	img[0x1f1] = 27;			/* setup_sects */
	put(img, 0x1fe, 0xaa55, 2);
	img[0x201] = 0x6a;			/* header ends at 0x26c */
	put(img, 0x202, 0x53726448, 4);	/* "HdrS" */
	put(img, 0x206, 0x020f, 2);
	img[0x211] = 0x01;			/* LOADED_HIGH */
	put(img, 0x22c, 0x7fffffff, 4);	/* initrd_addr_max */
	put(img, 0x230, 0x200000, 4);		/* kernel_alignment */
	img[0x234] = 1;				/* relocatable */
	put(img, 0x236, 0x1, 2);		/* XLF_KERNEL_64 */
	put(img, 0x238, 2047, 4);		/* cmdline_size */
	put(img, 0x258, 0x1000000, 4);		/* pref_address */
	put(img, 0x260, 0x800000, 4);		/* init_size */
	return img;
}

static void test_valid(void **state)
{
	uint8_t *img = make_image();
	struct errbuf eb = { "" };
	struct bzimage bz;

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, &eb), 0);
	assert_int_equal(bz.version, 0x020f);
	assert_int_equal(bz.setup_size, 28 * 512);
	assert_int_equal(bz.kernel_offset, 28 * 512);
	assert_int_equal(bz.kernel_size, IMG_SIZE - 28 * 512);
	assert_int_equal(bz.hdr_end, 0x26c);
	assert_true(bz.relocatable);
	assert_int_equal(bz.kernel_alignment, 0x200000);
	assert_int_equal(bz.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bz.cmdline_size, 2047);
	assert_int_equal(bz.pref_address, 0x1000000);
	assert_int_equal(bz.init_size, 0x800000);
	free(img);
}

static void test_setup_sects_zero_means_four(void **state)
{
	uint8_t *img = make_image();
	struct bzimage bz;

	(void)state;
	img[0x1f1] = 0;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, NULL), 0);
	assert_int_equal(bz.setup_size, 5 * 512);
	free(img);
}

static void test_not_bzimage(void **state)
{
	uint8_t *img = make_image();
	struct bzimage bz;

	(void)state;
	put(img, 0x202, 0x12345678, 4);
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, NULL), -ENOEXEC);
	put(img, 0x202, 0x53726448, 4);
	put(img, 0x1fe, 0, 2);
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, NULL), -ENOEXEC);
	/* Too short to hold a header at all. */
	assert_int_equal(bzimage_parse(img, 0x200, &bz, NULL), -ENOEXEC);
	free(img);
}

static void test_rejects(void **state)
{
	struct errbuf eb = { "" };
	struct bzimage bz;
	uint8_t *img;

	(void)state;
	img = make_image();
	put(img, 0x206, 0x020b, 2);
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "2.11 is too old"));
	free(img);

	img = make_image();
	put(img, 0x236, 0, 2);
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "XLF_KERNEL_64"));
	free(img);

	img = make_image();
	img[0x211] = 0;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "zImage"));
	free(img);

	/* Setup larger than the file. */
	img = make_image();
	img[0x1f1] = 200;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "truncated"));
	free(img);

	img = make_image();
	put(img, 0x230, 0x300000, 4);
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "kernel_alignment"));
	free(img);
}

/* Every prefix of a valid image: an error or success, never a crash. */
static void test_truncations(void **state)
{
	uint8_t *img = make_image();

	(void)state;
	for (size_t len = 0; len <= 0x3000 + 512; len += 7) {
		uint8_t *copy = malloc(len ? len : 1);
		struct bzimage bz;
		int ret;

		memcpy(copy, img, len);
		ret = bzimage_parse(copy, len, &bz, NULL);
		assert_true(ret == 0 || ret == -EINVAL || ret == -ENOEXEC);
		if (!ret)
			assert_true(bz.kernel_offset + bz.kernel_size == len);
		free(copy);
	}
	free(img);
}

static void test_cmdline(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(bzimage_cmdline(NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "console=ttyS0");
	assert_int_equal(bzimage_cmdline("quiet", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "quiet console=ttyS0");
	assert_int_equal(bzimage_cmdline("console=hvc0 pci=nomsi", buf,
					 sizeof(buf)), 0);
	assert_string_equal(buf, "console=hvc0 pci=nomsi");
	/* "xconsole=" is not "console=". */
	assert_int_equal(bzimage_cmdline("xconsole=1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "xconsole=1 console=ttyS0");
	assert_int_equal(bzimage_cmdline("quiet", buf, 10), -E2BIG);
	assert_int_equal(bzimage_cmdline("quiet", buf, 20), 0);
}


/* A minimal vmlinux: one PT_LOAD of 256 bytes at 16 MiB, entered there. */
static size_t make_vmlinux(uint8_t *buf)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_entry = 0x1000000,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
	};
	Elf64_Phdr ph = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = sizeof(eh) + sizeof(ph), .p_paddr = 0x1000000,
		.p_vaddr = 0xffffffff81000000ULL, .p_filesz = 256,
		.p_memsz = 0x3000, .p_align = 0x200000,
	};

	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	memset(buf + ph.p_offset, 0xf4, 256);
	return ph.p_offset + 256;
}

/* A bzImage (make_image) whose payload at 0x200 is the given bytes. */
static uint8_t *image_with_payload(const uint8_t *pay, size_t len,
				   size_t *size)
{
	uint8_t *img = make_image();
	size_t setup = 28 * 512;

	assert_true(setup + 0x200 + len + 4 <= IMG_SIZE);
	put(img, 0x248, 0x200, 4);
	put(img, 0x24c, (uint32_t)len, 4);
	memcpy(img + setup + 0x200, pay, len);
	*size = IMG_SIZE;
	return img;
}

static size_t gzip_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z = { 0 };

	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return z.total_out;
}

static void check_unpacked(const struct kernel_blob *k, size_t elf_len)
{
	struct errbuf eb = { "" };
	struct pvh_elf e;

	assert_int_equal(k->size, elf_len);
	assert_int_equal(vmlinux_elf_parse(k->data, k->size, &e, &eb), 0);
	assert_int_equal(e.entry, 0x1000000);
	assert_int_equal(e.nsegs, 1);
	assert_int_equal(e.segs[0].memsz, 0x3000);
	/* No PVH note: not bootable as PVH. */
	assert_int_equal(pvh_elf_parse(k->data, k->size, &e, &eb), -EINVAL);
}

/* The VMM inflates gzip and xz payloads, and caches what it inflated. */
static void test_unpack(void **state)
{
	uint8_t elf[1024], packed[2048], *img;
	char dir[] = "/tmp/iopass-kcache.XXXXXX";
	struct errbuf eb = { "" };
	struct kernel_blob k;
	struct bzimage bz;
	size_t elf_len = make_vmlinux(elf), len, size, xz_len = 0;
	struct dirent *de;
	DIR *d;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("IOPASS_KERNEL_CACHE", dir, 1);
	unsetenv("IOPASS_KERNEL_UNPACK");

	len = gzip_buf(elf, elf_len, packed, sizeof(packed));
	img = image_with_payload(packed, len, &size);
	assert_int_equal(bzimage_parse(img, size, &bz, &eb), 0);
	assert_int_equal(bz.payload_length, len);
	assert_int_equal(bzimage_unpack(img, size, &bz, &k, &eb), 0);
	assert_false(k.mapped);		/* inflated now */
	check_unpacked(&k, elf_len);
	kernel_blob_free(&k);
	/* The second time from the cache. */
	assert_int_equal(bzimage_unpack(img, size, &bz, &k, &eb), 0);
	assert_true(k.mapped);
	check_unpacked(&k, elf_len);
	kernel_blob_free(&k);
	free(img);

	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, elf,
						 elf_len, packed, &xz_len,
						 sizeof(packed)), LZMA_OK);
	img = image_with_payload(packed, xz_len, &size);
	assert_int_equal(bzimage_parse(img, size, &bz, &eb), 0);
	assert_int_equal(bzimage_unpack(img, size, &bz, &k, &eb), 0);
	check_unpacked(&k, elf_len);
	kernel_blob_free(&k);

	/* The guest's decompressor instead, when asked. */
	setenv("IOPASS_KERNEL_UNPACK", "guest", 1);
	assert_int_equal(bzimage_unpack(img, size, &bz, &k, &eb), -ENOTSUP);
	unsetenv("IOPASS_KERNEL_UNPACK");
	/* A corrupt payload is an error that says so, not a guess. */
	img[28 * 512 + 0x200 + xz_len / 2] ^= 0xff;
	assert_int_equal(bzimage_unpack(img, size, &bz, &k, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "compressed kernel is corrupt"));
	/* A format we do not inflate is left to the guest. */
	memset(img + 28 * 512 + 0x200, 0x28, 4);	/* not xz, not gzip */
	assert_int_equal(bzimage_unpack(img, size, &bz, &k, &eb), -ENOTSUP);
	free(img);

	/* Two kernels in the cache, nothing half written. */
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		assert_non_null(strstr(de->d_name, "vmlinux-"));
		assert_null(strstr(de->d_name, ".tmp"));
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 2);
	rmdir(dir);
	unsetenv("IOPASS_KERNEL_CACHE");
}

/* The distribution kernel, when this machine has one. */
static void test_host_kernel(void **state)
{
	struct dirent *de;
	DIR *d = opendir("/boot");
	int found = 0;

	(void)state;
	if (!d)
		skip();
	while ((de = readdir(d))) {
		char path[512];
		struct errbuf eb = { "" };
		struct bzimage bz;
		struct stat st;
		void *img;
		int fd;

		if (strncmp(de->d_name, "vmlinuz-", 8))
			continue;
		snprintf(path, sizeof(path), "/boot/%s", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) || !st.st_size) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		assert_true(img != MAP_FAILED);
		assert_int_equal(bzimage_parse(img, st.st_size, &bz, &eb), 0);
		assert_true(bz.version >= BZ_MIN_VERSION);
		assert_true(bz.init_size >= bz.kernel_size);
		assert_true(bz.cmdline_size >= 255);
		munmap(img, st.st_size);
		found++;
	}
	closedir(d);
	if (!found)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_setup_sects_zero_means_four),
		cmocka_unit_test(test_not_bzimage),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_host_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
