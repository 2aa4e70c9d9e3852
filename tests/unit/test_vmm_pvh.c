// SPDX-License-Identifier: GPL-2.0-only
/*
 * PVH ELF parsing (vmm/boot_elf.c) on synthetic 64- and 32-bit images:
 * the entry note, segment bookkeeping and every rejection.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/boot.h"

#define IMG_SIZE	0x3000
#define SEG_OFF		0x1000
#define NOTE_OFF	0x800
#define LOAD_ADDR	0x100000
#define ENTRY		0x100040

struct img {
	uint8_t b[IMG_SIZE];
};

static void put_note(uint8_t *p, uint32_t descsz, uint64_t entry)
{
	Elf32_Nhdr nh = { .n_namesz = 4, .n_descsz = descsz,
			  .n_type = XEN_ELFNOTE_PHYS32_ENTRY };

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), "Xen", 4);
	memcpy(p + sizeof(nh) + 4, &entry, descsz <= 8 ? descsz : 8);
}

/* ELF64: PT_LOAD (0x1000 file bytes, 0x4000 in memory), PT_NOTE. */
static struct img *make64(void)
{
	struct img *im = calloc(1, sizeof(*im));
	Elf64_Ehdr *eh = (void *)im->b;
	Elf64_Phdr *ph = (void *)(im->b + sizeof(*eh));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = SEG_OFF,
			      .p_paddr = LOAD_ADDR, .p_filesz = 0x1000,
			      .p_memsz = 0x4000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFF,
			      .p_filesz = 24 };
	put_note(im->b + NOTE_OFF, 8, ENTRY);
	return im;
}

static Elf64_Phdr *phdrs(struct img *im)
{
	return (void *)(im->b + sizeof(Elf64_Ehdr));
}

static int parse(struct img *im, size_t size, struct pvh_elf *e,
		 struct errbuf *eb)
{
	return pvh_elf_parse(im->b, size, e, eb);
}

static void test_valid64(void **state)
{
	struct img *im = make64();
	struct errbuf eb = { "" };
	struct pvh_elf e;

	(void)state;
	assert_int_equal(parse(im, IMG_SIZE, &e, &eb), 0);
	assert_int_equal(e.entry, ENTRY);
	assert_int_equal(e.nsegs, 1);
	assert_int_equal(e.segs[0].paddr, LOAD_ADDR);
	assert_int_equal(e.segs[0].offset, SEG_OFF);
	assert_int_equal(e.segs[0].filesz, 0x1000);
	assert_int_equal(e.segs[0].memsz, 0x4000);
	free(im);
}

static void test_valid32(void **state)
{
	struct img *im = calloc(1, sizeof(*im));
	Elf32_Ehdr *eh = (void *)im->b;
	Elf32_Phdr *ph = (void *)(im->b + sizeof(*eh));
	struct pvh_elf e;

	(void)state;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFF,
			      .p_filesz = 20 };
	ph[1] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = SEG_OFF,
			      .p_paddr = LOAD_ADDR, .p_filesz = 0x100,
			      .p_memsz = 0x100 };
	put_note(im->b + NOTE_OFF, 4, ENTRY);
	assert_int_equal(parse(im, IMG_SIZE, &e, NULL), 0);
	assert_int_equal(e.entry, ENTRY);
	assert_int_equal(e.nsegs, 1);
	free(im);
}

static void test_not_elf(void **state)
{
	struct img *im = make64();
	struct pvh_elf e;

	(void)state;
	im->b[1] = 'X';
	assert_int_equal(parse(im, IMG_SIZE, &e, NULL), -ENOEXEC);
	assert_int_equal(parse(im, 0, &e, NULL), -ENOEXEC);
	free(im);
}

/* One mutation, one expected message. */
static void expect_reject(struct img *im, const char *msg)
{
	struct errbuf eb = { "" };
	struct pvh_elf e;

	assert_int_equal(parse(im, IMG_SIZE, &e, &eb), -EINVAL);
	if (!strstr(eb.msg, msg))
		fail_msg("'%s' does not say '%s'", eb.msg, msg);
	free(im);
}

static void test_rejects(void **state)
{
	struct img *im;

	(void)state;
	im = make64();
	((Elf64_Ehdr *)im->b)->e_machine = EM_AARCH64;
	expect_reject(im, "not x86");

	im = make64();
	((Elf64_Ehdr *)im->b)->e_type = ET_DYN;
	expect_reject(im, "not an executable");

	im = make64();
	((Elf64_Ehdr *)im->b)->e_phoff = IMG_SIZE - 8;
	expect_reject(im, "program headers are malformed");

	im = make64();
	((Elf64_Ehdr *)im->b)->e_phentsize = 12;
	expect_reject(im, "program headers are malformed");

	im = make64();
	phdrs(im)[0].p_filesz = IMG_SIZE;	/* runs off the file */
	expect_reject(im, "malformed");

	im = make64();
	phdrs(im)[0].p_filesz = 0x5000;		/* filesz > memsz */
	phdrs(im)[0].p_offset = 0;
	expect_reject(im, "malformed");

	im = make64();
	phdrs(im)[0].p_paddr = UINT64_MAX - 0x10;	/* wraps */
	expect_reject(im, "malformed");

	im = make64();
	phdrs(im)[1].p_type = PT_NULL;
	expect_reject(im, "no PVH entry note");

	im = make64();
	put_note(im->b + NOTE_OFF, 2, ENTRY);
	expect_reject(im, "2-byte value");

	im = make64();
	put_note(im->b + NOTE_OFF, 8, 0x100000000ULL);
	expect_reject(im, "above 4 GiB");

	im = make64();
	put_note(im->b + NOTE_OFF, 8, 0x200000);
	expect_reject(im, "outside the loaded segments");

	im = make64();
	phdrs(im)[1].p_filesz = 0x100;	/* note claims more than fits */
	((Elf32_Nhdr *)(im->b + NOTE_OFF))->n_descsz = 0x1000;
	expect_reject(im, "runs past its segment");

	im = make64();
	phdrs(im)[1].p_offset = IMG_SIZE - 4;
	expect_reject(im, "note segment leaves the file");
}

static void test_overlap(void **state)
{
	struct img *im = make64();
	Elf64_Ehdr *eh = (void *)im->b;
	Elf64_Phdr *ph = phdrs(im);

	(void)state;
	eh->e_phnum = 3;
	ph[2] = ph[0];
	ph[2].p_paddr = LOAD_ADDR + 0x3000;	/* inside the first's memsz */
	expect_reject(im, "overlap");
}

/* Every prefix of a valid image: an error or success, never a crash. */
static void test_truncations(void **state)
{
	struct img *im = make64();

	(void)state;
	for (size_t len = 0; len <= IMG_SIZE; len += 3) {
		uint8_t *copy = malloc(len ? len : 1);
		struct pvh_elf e;
		int ret;

		memcpy(copy, im->b, len);
		ret = pvh_elf_parse(copy, len, &e, NULL);
		assert_true(ret == 0 || ret == -EINVAL || ret == -ENOEXEC);
		assert_int_equal(ret == 0, len >= SEG_OFF + 0x1000);
		free(copy);
	}
	free(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid64),
		cmocka_unit_test(test_valid32),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
