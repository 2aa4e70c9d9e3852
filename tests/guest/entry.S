/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH entry: both QEMU (-kernel) and iopass's VMM find the 32-bit entry
 * point in the Xen ELF note below and jump to it in flat 32-bit protected
 * mode, paging off, with %ebx = physical address of struct hvm_start_info.
 * We identity-map the first 4 MiB with 2 MiB pages (everything else is
 * mapped on demand by mm.c), enter long mode and call
 * guest_main(start_info).
 */

#define XEN_ELFNOTE_PHYS32_ENTRY	18

#define CR0_PE		(1 << 0)
#define CR0_NW		(1 << 29)
#define CR0_CD		(1 << 30)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define SEL_CODE64	0x08
#define SEL_DATA	0x10

	/*
	 * QEMU reads the descriptor as a pointer-sized value (like Linux's
	 * _ASM_PTR), so it is 8 bytes here; the VMM reads the low 32 bits.
	 */
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f			/* namesz */
	.long 4f - 3f			/* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.quad pvh_start
4:	.balign 4
	.popsection

	.section .text.entry, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	movl	%ebx, %esi

	/*
	 * The loader need not zero .bss. Kept small (big tables live in
	 * .noinit) because every instruction before the first line counts.
	 */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	%esi, boot_info

	/* pml4[0] -> pdpt[0] -> pd[0..1]: the image; mm.c maps the rest. */
	movl	$boot_pdpt + (PTE_P | PTE_W), boot_pml4
	movl	$boot_pd + (PTE_P | PTE_W), boot_pdpt
	movl	$(PTE_P | PTE_W | PTE_PS), boot_pd
	movl	$(0x200000 | PTE_P | PTE_W | PTE_PS), boot_pd + 8

	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	/* A VMM may hand over CR0 with caching disabled: turn it back on. */
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	gdt_desc
	ljmp	$SEL_CODE64, $long_start

	.code64
long_start:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	boot_stack_top(%rip), %rsp
	movl	boot_info(%rip), %edi
	call	guest_main
2:	cli
	hlt
	jmp	2b

	/*
	 * Interrupt stubs, 16 bytes apart so trap.c computes their addresses:
	 * each pushes a dummy error code where the CPU pushes none, then the
	 * vector, and joins the common path.
	 */
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || \
	      vec == 21 || vec == 29 || vec == 30)
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* The CPU 16-byte aligned the frame; 22 quadwords keep it aligned. */
	movq	%rsp, %rdi
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .rodata
	.balign 16
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.section .data
	.balign 4
boot_info:
	.long	0

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4096

	.section .noinit, "aw", @nobits
	.balign 16
boot_stack:
	.skip	32768
boot_stack_top:
