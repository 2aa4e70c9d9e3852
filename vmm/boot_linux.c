// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux x86-64 boot protocol (Documentation/arch/x86/boot.rst), 64-bit
 * entry: the protected-mode kernel of a bzImage is copied to its load
 * address, the initrd to the top of low RAM, and the BSP enters at
 * load address + 0x200 in long mode with the first 4 GiB identity mapped,
 * __BOOT_CS/__BOOT_DS in the GDT and RSI pointing at boot_params (the
 * "zero page", carrying the setup header, the command line and E820).
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "vm_impl.h"

#define BZ_HDR_OFFSET		0x1f1
#define BZ_BOOT_FLAG		0xaa55
#define BZ_HDR_MAGIC		0x53726448	/* "HdrS" */
#define BZ_ENTRY64_OFFSET	0x200

#define PTE_P			0x001
#define PTE_W			0x002
#define PTE_PS			0x080
#define PAGE_SIZE		4096ULL

static uint32_t rd(const uint8_t *img, size_t off, size_t len)
{
	uint32_t v = 0;

	memcpy(&v, img + off, len);
	return v;
}

int bzimage_parse(const void *image, size_t size, struct bzimage *bz,
		  struct errbuf *eb)
{
	const uint8_t *img = image;
	unsigned int setup_sects;

	memset(bz, 0, sizeof(*bz));
	if (size < 0x264 || rd(img, 0x1fe, 2) != BZ_BOOT_FLAG ||
	    rd(img, 0x202, 4) != BZ_HDR_MAGIC)
		return -ENOEXEC;
	bz->version = rd(img, 0x206, 2);
	if (bz->version < BZ_MIN_VERSION)
		return errbuf_set(eb, -EINVAL,
				  "bzImage boot protocol %u.%02u is too old: the 64-bit entry needs 2.12 (Linux 3.8 or later)",
				  bz->version >> 8, bz->version & 0xff);
	bz->loadflags = img[0x211];
	bz->xloadflags = rd(img, 0x236, 2);
	if (!(bz->xloadflags & XLF_KERNEL_64))
		return errbuf_set(eb, -EINVAL,
				  "bzImage has no 64-bit entry point (XLF_KERNEL_64): a 32-bit kernel?");
	if (!(bz->loadflags & LOADED_HIGH))
		return errbuf_set(eb, -EINVAL,
				  "bzImage is a zImage (not loaded high)");
	setup_sects = img[0x1f1] ? img[0x1f1] : 4;
	bz->setup_size = (setup_sects + 1) * 512;
	bz->hdr_end = 0x202 + img[0x201];
	if (bz->setup_size >= size || bz->hdr_end > bz->setup_size)
		return errbuf_set(eb, -EINVAL,
				  "bzImage is truncated (setup %zu bytes, file %zu)",
				  bz->setup_size, size);
	bz->kernel_offset = bz->setup_size;
	bz->kernel_size = size - bz->setup_size;
	if (bz->kernel_size <= BZ_ENTRY64_OFFSET)
		return errbuf_set(eb, -EINVAL,
				  "bzImage is truncated (a %zu-byte kernel has no 64-bit entry at 0x%x)",
				  bz->kernel_size, BZ_ENTRY64_OFFSET);
	bz->relocatable = img[0x234];
	bz->kernel_alignment = rd(img, 0x230, 4);
	bz->initrd_addr_max = rd(img, 0x22c, 4);
	bz->cmdline_size = rd(img, 0x238, 4);
	bz->pref_address = (uint64_t)rd(img, 0x258, 4) |
			   (uint64_t)rd(img, 0x25c, 4) << 32;
	bz->init_size = rd(img, 0x260, 4);
	bz->payload_offset = rd(img, 0x248, 4);
	bz->payload_length = rd(img, 0x24c, 4);
	if (bz->relocatable && (bz->kernel_alignment < PAGE_SIZE ||
	    (bz->kernel_alignment & (bz->kernel_alignment - 1))))
		return errbuf_set(eb, -EINVAL,
				  "bzImage kernel_alignment 0x%x is not a power of two",
				  bz->kernel_alignment);
	if (bz->init_size < bz->kernel_size)
		bz->init_size = bz->kernel_size;
	return 0;
}

static bool cmdline_has(const char *s, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = s; (p = strstr(p, key)); p += klen)
		if (p == s || p[-1] == ' ')
			return true;
	return false;
}

int bzimage_cmdline(const char *user, char *buf, size_t len)
{
	int n;

	user = user ? user : "";
	n = snprintf(buf, len, "%s%s", user,
		     cmdline_has(user, "console=") ? "" : " console=ttyS0");
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	/* No leading blank when the user gave nothing. */
	if (buf[0] == ' ')
		memmove(buf, buf + 1, n);
	return 0;
}

static void linux_write_page_tables(struct vm *vm)
{
	uint64_t *pml4 = memory_hva(vm, BOOT_PML4_ADDR, 6 * PAGE_SIZE);
	uint64_t *pdpt = pml4 + 512, *pd = pdpt + 512;

	/* Identity map 4 GiB with 2 MiB pages: PML4[0] -> PDPT[0-3] -> PDs. */
	memset(pml4, 0, 2 * PAGE_SIZE);
	pml4[0] = (BOOT_PML4_ADDR + PAGE_SIZE) | PTE_P | PTE_W;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PML4_ADDR + (2 + i) * PAGE_SIZE) | PTE_P |
			  PTE_W;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_W | PTE_PS;
}

/* [start, start + len) inside [0, limit), without overflow. */
static bool fits_below(uint64_t start, uint64_t len, uint64_t limit)
{
	return start <= limit && len <= limit - start;
}

/*
 * Where the kernel goes, and the first byte past what it will use. Every
 * header field is the image's word: pref_address is any 64-bit value, so
 * the arithmetic is checked before it is trusted (a wrapped sum once let
 * load point outside guest RAM).
 */
static int linux_place_kernel(struct vm *vm, const struct bzimage *bz,
			      uint64_t *load, uint64_t *end,
			      struct errbuf *eb)
{
	uint64_t align = bz->relocatable ? bz->kernel_alignment : 1;
	uint64_t start;

	/* Prefer the address it was linked for: no self-relocation. */
	*load = bz->pref_address;
	if (bz->relocatable &&
	    (*load < BZ_LOAD_ADDR_LOW ||
	     !fits_below(*load, bz->init_size, vm->low_size)))
		*load = BZ_LOAD_ADDR_LOW;
	if (*load < BZ_LOAD_ADDR_LOW || *load >= vm->low_size) {
		*end = 0;
		return errbuf_set(eb, -E2BIG,
				  "this bzImage must load at 0x%" PRIx64 " (it is not relocatable), outside guest RAM (%" PRIu64 " MiB below 4 GiB); use a larger --mem or a relocatable kernel",
				  *load, vm->low_size >> 20);
	}
	/*
	 * A relocatable kernel decompresses at the next aligned address. load
	 * is below 4 GiB and align at most 2^31: no overflow from here on.
	 */
	start = (*load + align - 1) & ~(align - 1);
	*end = start + bz->init_size;
	if (*end > vm->low_size)
		return errbuf_set(eb, -E2BIG,
				  "the kernel needs RAM up to 0x%" PRIx64 " (has %" PRIu64 " MiB below 4 GiB); use a larger --mem",
				  *end, vm->low_size >> 20);
	return 0;
}

static int linux_place_initrd(struct vm *vm, const struct bzimage *bz,
			      uint64_t kernel_end, size_t initrd_size,
			      uint64_t *addr, struct errbuf *eb)
{
	uint64_t top = vm->low_size;

	if (bz->initrd_addr_max && (uint64_t)bz->initrd_addr_max + 1 < top)
		top = (uint64_t)bz->initrd_addr_max + 1;
	if (initrd_size > top) {
		*addr = 0;
	} else {
		*addr = (top - initrd_size) & ~(PAGE_SIZE - 1);
	}
	if (*addr < kernel_end)
		return errbuf_set(eb, -E2BIG,
				  "the initrd (%zu MiB) and the kernel do not both fit below 0x%" PRIx64 "; use a larger --mem",
				  initrd_size >> 20, top);
	return 0;
}

static int linux_write_zero_page(struct vm *vm, const uint8_t *img,
				 const struct bzimage *bz, uint64_t load,
				 uint64_t initrd_addr, size_t initrd_size,
				 const char *cmdline, struct errbuf *eb)
{
	struct boot_params *bp = memory_hva(vm, BOOT_ZERO_PAGE_ADDR,
					    sizeof(*bp));
	size_t hdr_max = offsetof(struct boot_params, hdr) +
			 sizeof(struct setup_header);
	size_t clen = strlen(cmdline);
	struct e820_ent e820[E820_MAX_ENTS];
	int n = memory_e820(vm, e820, E820_MAX_ENTS);

	if (!bp || n < 0)
		return errbuf_set(eb, -ENOMEM, "no room for boot_params");
	if (clen > bz->cmdline_size || clen >= BOOT_CMDLINE_MAX)
		return errbuf_set(eb, -E2BIG,
				  "the kernel command line is %zu bytes; this kernel takes at most %u",
				  clen, bz->cmdline_size);
	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + BZ_HDR_OFFSET, img + BZ_HDR_OFFSET,
	       (bz->hdr_end < hdr_max ? bz->hdr_end : hdr_max) - BZ_HDR_OFFSET);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.code32_start = load;
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE_ADDR;
	bp->hdr.ramdisk_image = initrd_addr;
	bp->hdr.ramdisk_size = initrd_size;
	/* Boot protocol 2.14 and up; older kernels find it by scanning. */
	bp->acpi_rsdp_addr = vm->rsdp;
	memcpy(memory_hva(vm, BOOT_CMDLINE_ADDR, clen + 1), cmdline,
	       clen + 1);
	for (int i = 0; i < n; i++) {
		bp->e820_table[i].addr = e820[i].addr;
		bp->e820_table[i].size = e820[i].size;
		bp->e820_table[i].type = e820[i].type;
	}
	bp->e820_entries = n;
	return 0;
}

/*
 * The vmlinux the VMM inflated (kernel_unpack.c): its segments where they
 * were linked to run, entered at startup_64 with the same zero page, page
 * tables and GDT the bzImage's 64-bit entry gets.
 */
static int linux_load_vmlinux(struct vm *vm, const uint8_t *img,
			      const struct bzimage *bz,
			      const struct kernel_blob *k,
			      const void *initrd, size_t initrd_size,
			      const char *cl, struct errbuf *eb)
{
	uint64_t end = 0, initrd_addr = 0;
	struct pvh_elf elf;
	int ret;

	ret = vmlinux_elf_parse(k->data, k->size, &elf, eb);
	if (ret) {
		char why[sizeof(eb->msg)];

		snprintf(why, sizeof(why), "%s", eb->msg);
		return errbuf_set(eb, -EINVAL,
				  "the kernel inside the bzImage is not a loadable ELF (%s); boot it with IOPASS_KERNEL_UNPACK=guest",
				  why);
	}
	for (unsigned int i = 0; i < elf.nsegs; i++)
		if (elf.segs[i].paddr + elf.segs[i].memsz > end)
			end = elf.segs[i].paddr + elf.segs[i].memsz;
	if (end > vm->low_size)
		return errbuf_set(eb, -E2BIG,
				  "the kernel needs RAM up to 0x%" PRIx64 " (has %" PRIu64 " MiB below 4 GiB); use a larger --mem",
				  end, vm->low_size >> 20);
	ret = elf_load_segments(vm, k->data, k->fd, &elf, eb);
	if (ret)
		return ret;
	if (initrd) {
		ret = linux_place_initrd(vm, bz, end, initrd_size,
					 &initrd_addr, eb);
		if (ret)
			return ret;
		memcpy(memory_hva(vm, initrd_addr, initrd_size), initrd,
		       initrd_size);
	}
	ret = linux_write_zero_page(vm, img, bz, elf.segs[0].paddr,
				    initrd_addr, initrd_size, cl, eb);
	if (ret)
		return ret;
	linux_write_page_tables(vm);
	vm_add_prefault(vm, 0, BOOT_DATA_END);
	vm->entry = (struct boot_entry){
		.mode = BOOT_LINUX64,
		.rip = elf.entry,
		.arg = BOOT_ZERO_PAGE_ADDR,
	};
	return 0;
}

int boot_linux_load(struct vm *vm, const void *img, size_t size,
		    const void *initrd, size_t initrd_size,
		    const char *cmdline, struct errbuf *eb)
{
	char cl[BOOT_CMDLINE_MAX];
	struct bzimage bz;
	struct kernel_blob k;
	uint64_t load, end, initrd_addr = 0;
	int ret;

	ret = bzimage_parse(img, size, &bz, eb);
	if (ret)
		return ret;
	if (bzimage_cmdline(cmdline, cl, sizeof(cl)))
		return errbuf_set(eb, -E2BIG, "--cmdline is too long");
	ret = bzimage_unpack(img, size, &bz, &k, eb);
	if (!ret) {
		ret = linux_load_vmlinux(vm, img, &bz, &k, initrd, initrd_size,
					 cl, eb);
		kernel_blob_free(&k);
		return ret;
	}
	if (ret != -ENOTSUP)
		return ret;
	/* The guest runs the bzImage's own decompressor. */
	ret = linux_place_kernel(vm, &bz, &load, &end, eb);
	if (ret)
		return ret;
	if (initrd) {
		ret = linux_place_initrd(vm, &bz, end, initrd_size,
					 &initrd_addr, eb);
		if (ret)
			return ret;
		memcpy(memory_hva(vm, initrd_addr, initrd_size), initrd,
		       initrd_size);
	}
	memcpy(memory_hva(vm, load, bz.kernel_size),
	       (const uint8_t *)img + bz.kernel_offset, bz.kernel_size);
	ret = linux_write_zero_page(vm, img, &bz, load, initrd_addr,
				    initrd_size, cl, eb);
	if (ret)
		return ret;
	linux_write_page_tables(vm);
	vm_add_prefault(vm, 0, BOOT_DATA_END);
	vm_add_prefault(vm, load, bz.kernel_size);
	vm->entry = (struct boot_entry){
		.mode = BOOT_LINUX64,
		.rip = load + BZ_ENTRY64_OFFSET,
		.arg = BOOT_ZERO_PAGE_ADDR,
	};
	return 0;
}
