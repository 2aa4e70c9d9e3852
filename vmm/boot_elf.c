// SPDX-License-Identifier: GPL-2.0-only
/*
 * PVH boot: an ELF kernel (32- or 64-bit) with a XEN_ELFNOTE_PHYS32_ENTRY
 * note. Its PT_LOAD segments are copied to their physical addresses, a
 * struct hvm_start_info with the command line and an E820 memory map goes
 * in low RAM, and the BSP starts in flat 32-bit protected mode at the note's
 * entry with EBX pointing at the start_info. Every header field is checked:
 * the image may come from anywhere.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iopass/pvh.h"

#include "boot.h"
#include "vm_impl.h"

#define PVH_MAX_PHDRS		64

/* [off, off + len) inside a file of size bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

/* One phdr, whichever the class, widened to 64 bits. */
static void elf_phdr(const uint8_t *img, bool is64, uint64_t off,
		     Elf64_Phdr *ph)
{
	if (is64) {
		memcpy(ph, img + off, sizeof(*ph));
	} else {
		Elf32_Phdr p;

		memcpy(&p, img + off, sizeof(p));
		*ph = (Elf64_Phdr){
			.p_type = p.p_type, .p_offset = p.p_offset,
			.p_paddr = p.p_paddr, .p_filesz = p.p_filesz,
			.p_memsz = p.p_memsz,
		};
	}
}

/* Walks one PT_NOTE; 1 and *entry set when the PVH note is there. */
static int elf_find_pvh_note(const uint8_t *img, const Elf64_Phdr *ph,
			     uint32_t *entry, struct errbuf *eb)
{
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	while (end - off >= sizeof(Elf32_Nhdr)) {
		Elf32_Nhdr nh;
		uint64_t name, desc, next;

		memcpy(&nh, img + off, sizeof(nh));
		name = off + sizeof(nh);
		desc = name + (((uint64_t)nh.n_namesz + 3) & ~3ULL);
		next = desc + (((uint64_t)nh.n_descsz + 3) & ~3ULL);
		if (desc + nh.n_descsz > end)
			return errbuf_set(eb, -EINVAL,
					  "ELF note at offset 0x%" PRIx64 " runs past its segment",
					  off);
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    nh.n_namesz == 4 && !memcmp(img + name, "Xen", 4)) {
			uint64_t v = 0;

			if (nh.n_descsz != 4 && nh.n_descsz != 8)
				return errbuf_set(eb, -EINVAL,
						  "PVH entry note has a %u-byte value (4 or 8 expected)",
						  nh.n_descsz);
			memcpy(&v, img + desc, nh.n_descsz);
			if (v >> 32)
				return errbuf_set(eb, -EINVAL,
						  "PVH entry 0x%" PRIx64 " is above 4 GiB",
						  v);
			*entry = (uint32_t)v;
			return 1;
		}
		off = next < end ? next : end;
	}
	return 0;
}

static int elf_check_ehdr(const uint8_t *img, size_t size, bool *is64,
			  uint64_t *phoff, unsigned int *phnum,
			  uint64_t *entry, struct errbuf *eb)
{
	Elf64_Ehdr eh;
	size_t phsize;

	if (size < SELFMAG || memcmp(img, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (size < EI_NIDENT)
		return errbuf_set(eb, -EINVAL, "ELF header is truncated");
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return errbuf_set(eb, -EINVAL, "ELF class %u is unknown",
				  img[EI_CLASS]);
	*is64 = img[EI_CLASS] == ELFCLASS64;
	if (size < (*is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return errbuf_set(eb, -EINVAL, "ELF header is truncated");
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != EV_CURRENT)
		return errbuf_set(eb, -EINVAL,
				  "not a little-endian version-1 ELF");
	if (*is64) {
		memcpy(&eh, img, sizeof(eh));
		phsize = sizeof(Elf64_Phdr);
	} else {
		Elf32_Ehdr e;

		memcpy(&e, img, sizeof(e));
		eh.e_type = e.e_type;
		eh.e_machine = e.e_machine;
		eh.e_entry = e.e_entry;
		eh.e_phoff = e.e_phoff;
		eh.e_phentsize = e.e_phentsize;
		eh.e_phnum = e.e_phnum;
		phsize = sizeof(Elf32_Phdr);
	}
	if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)
		return errbuf_set(eb, -EINVAL,
				  "ELF machine %u is not x86", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return errbuf_set(eb, -EINVAL,
				  "ELF type %u is not an executable", eh.e_type);
	if (eh.e_phentsize != phsize || !eh.e_phnum ||
	    eh.e_phnum > PVH_MAX_PHDRS ||
	    !in_file(eh.e_phoff, (uint64_t)eh.e_phnum * phsize, size))
		return errbuf_set(eb, -EINVAL,
				  "ELF program headers are malformed (offset 0x%" PRIx64 ", %u of %u bytes)",
				  (uint64_t)eh.e_phoff, eh.e_phnum,
				  eh.e_phentsize);
	*phoff = eh.e_phoff;
	*phnum = eh.e_phnum;
	*entry = eh.e_entry;
	return 0;
}

static int elf_add_load(struct pvh_elf *out, const Elf64_Phdr *ph,
			size_t size, struct errbuf *eb)
{
	struct pvh_seg *s;

	if (!ph->p_memsz)
		return 0;
	if (!in_file(ph->p_offset, ph->p_filesz, size) ||
	    ph->p_filesz > ph->p_memsz ||
	    ph->p_paddr + ph->p_memsz < ph->p_paddr)
		return errbuf_set(eb, -EINVAL,
				  "ELF segment at 0x%" PRIx64 " is malformed (file 0x%" PRIx64 "+0x%" PRIx64 ", memory 0x%" PRIx64 ")",
				  (uint64_t)ph->p_paddr, (uint64_t)ph->p_offset,
				  (uint64_t)ph->p_filesz, (uint64_t)ph->p_memsz);
	for (unsigned int i = 0; i < out->nsegs; i++) {
		s = &out->segs[i];
		if (ph->p_paddr < s->paddr + s->memsz &&
		    s->paddr < ph->p_paddr + ph->p_memsz)
			return errbuf_set(eb, -EINVAL,
					  "ELF segments at 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
					  s->paddr, (uint64_t)ph->p_paddr);
	}
	if (out->nsegs == PVH_MAX_SEGS)
		return errbuf_set(eb, -EINVAL, "more than %d ELF segments",
				  PVH_MAX_SEGS);
	out->segs[out->nsegs++] = (struct pvh_seg){
		ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz,
	};
	return 0;
}

/* pvh: the entry is the PVH note's (required); else the ELF's own. */
static int elf_parse(const void *image, size_t size, struct pvh_elf *out,
		     bool pvh, struct errbuf *eb)
{
	const uint8_t *img = image;
	const char *what = pvh ? "PVH entry" : "ELF entry";
	unsigned int phnum = 0;
	uint64_t phoff = 0, entry = 0;
	bool is64 = false, found = false, entry_ok = false;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = elf_check_ehdr(img, size, &is64, &phoff, &phnum, &entry, eb);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < phnum; i++) {
		Elf64_Phdr ph;

		elf_phdr(img, is64, phoff + (uint64_t)i *
			 (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)), &ph);
		if (ph.p_type == PT_LOAD) {
			ret = elf_add_load(out, &ph, size, eb);
		} else if (ph.p_type == PT_NOTE && pvh && !found) {
			if (!in_file(ph.p_offset, ph.p_filesz, size))
				return errbuf_set(eb, -EINVAL,
						  "ELF note segment leaves the file");
			ret = elf_find_pvh_note(img, &ph, &out->entry, eb);
			found = ret == 1;
			ret = ret < 0 ? ret : 0;
		}
		if (ret)
			return ret;
	}
	if (pvh && !found)
		return errbuf_set(eb, -EINVAL,
				  "ELF has no PVH entry note (Xen, type 18): not a PVH kernel");
	if (!pvh) {
		/* startup_64's physical address: below 4 GiB like the rest. */
		if (entry >> 32)
			return errbuf_set(eb, -EINVAL,
					  "ELF entry 0x%" PRIx64 " is above 4 GiB",
					  entry);
		out->entry = (uint32_t)entry;
	}
	if (!out->nsegs)
		return errbuf_set(eb, -EINVAL, "ELF has nothing to load");
	for (unsigned int i = 0; i < out->nsegs; i++)
		if (out->entry >= out->segs[i].paddr &&
		    out->entry - out->segs[i].paddr < out->segs[i].filesz)
			entry_ok = true;
	if (!entry_ok)
		return errbuf_set(eb, -EINVAL,
				  "%s 0x%x is outside the loaded segments",
				  what, out->entry);
	return 0;
}

int pvh_elf_parse(const void *image, size_t size, struct pvh_elf *out,
		  struct errbuf *eb)
{
	return elf_parse(image, size, out, true, eb);
}

int vmlinux_elf_parse(const void *image, size_t size, struct pvh_elf *out,
		      struct errbuf *eb)
{
	return elf_parse(image, size, out, false, eb);
}

static int pvh_write_start_info(struct vm *vm, const char *cmdline,
				struct errbuf *eb)
{
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct e820_ent e820[E820_MAX_ENTS];
	size_t clen = cmdline ? strlen(cmdline) : 0;
	int n = memory_e820(vm, e820, E820_MAX_ENTS);

	if (clen >= BOOT_CMDLINE_MAX)
		return errbuf_set(eb, -E2BIG,
				  "--cmdline is %zu bytes; the limit is %d",
				  clen, BOOT_CMDLINE_MAX - 1);
	si = memory_hva(vm, BOOT_PVH_INFO_ADDR, sizeof(*si) +
			E820_MAX_ENTS * sizeof(*mm));
	if (n < 0 || !si)
		return errbuf_set(eb, -ENOMEM, "no room for the PVH start info");
	mm = (void *)(si + 1);
	for (int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_table_entry){
			e820[i].addr, e820[i].size, e820[i].type, 0,
		};
	*si = (struct hvm_start_info){
		.magic = HVM_START_MAGIC,
		.version = 1,
		.memmap_paddr = BOOT_PVH_INFO_ADDR + sizeof(*si),
		.memmap_entries = n,
		.rsdp_paddr = vm->rsdp,
	};
	if (clen) {
		memcpy(memory_hva(vm, BOOT_CMDLINE_ADDR, clen + 1), cmdline,
		       clen + 1);
		si->cmdline_paddr = BOOT_CMDLINE_ADDR;
	}
	return 0;
}

/*
 * Allocates guest RAM pages in one call rather than by a fault per page:
 * each fault is a trap, tens of microseconds when nested, and a page KVM
 * finds present is mapped faster when the guest first touches it. Best
 * effort: older kernels lack MADV_POPULATE_WRITE (5.14).
 */
static void populate(void *p, uint64_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t start = (uintptr_t)p & ~4095UL;

	madvise((void *)start, len + ((uintptr_t)p - start),
		MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

/* Through the page cache: the file is not mapped, so not faulted in. */
static int read_at(int fd, uint64_t off, uint8_t *dst, uint64_t len)
{
	while (len) {
		ssize_t r = pread(fd, dst, len, off);

		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		dst += r;
		off += r;
		len -= r;
	}
	return 0;
}

int elf_load_segments(struct vm *vm, const void *img, int fd,
		      const struct pvh_elf *elf, struct errbuf *eb)
{
	for (unsigned int i = 0; i < elf->nsegs; i++) {
		const struct pvh_seg *s = &elf->segs[i];
		uint8_t *dst = vm_gpa_to_hva(vm, s->paddr, s->memsz);
		int ret;

		if (!dst || s->paddr < BOOT_DATA_END)
			return errbuf_set(eb, -EINVAL,
					  "ELF segment 0x%" PRIx64 "-0x%" PRIx64 " is not in guest RAM above 0x%x (RAM: %" PRIu64 " MiB); check --kernel or use a larger --mem",
					  s->paddr, s->paddr + s->memsz - 1,
					  BOOT_DATA_END, vm->ram_size >> 20);
		/* The rest (.bss) is already zero: guest RAM starts zeroed. */
		populate(dst, s->memsz);
		if (fd < 0) {
			memcpy(dst, (const uint8_t *)img + s->offset,
			       s->filesz);
		} else {
			ret = read_at(fd, s->offset, dst, s->filesz);
			if (ret)
				return errbuf_set(eb, ret,
						  "reading the kernel: %s",
						  strerror(-ret));
		}
		vm_add_prefault(vm, s->paddr, s->memsz);
	}
	return 0;
}

int boot_pvh_load(struct vm *vm, const void *img, size_t size,
		  const char *cmdline, struct errbuf *eb)
{
	struct pvh_elf elf;
	int ret;

	ret = pvh_elf_parse(img, size, &elf, eb);
	if (ret)
		return ret;
	ret = elf_load_segments(vm, img, -1, &elf, eb);
	if (ret)
		return ret;
	ret = pvh_write_start_info(vm, cmdline, eb);
	if (ret)
		return ret;
	vm_add_prefault(vm, 0, BOOT_DATA_END);
	vm->entry = (struct boot_entry){
		.mode = BOOT_PVH,
		.rip = elf.entry,
		.arg = BOOT_PVH_INFO_ADDR,
	};
	return 0;
}
