/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The freestanding test guest: what every file shares. No libc: the few
 * string functions gcc may call are in string.c, formatting in printf.c.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __noreturn	__attribute__((noreturn))
/*
 * Not zeroed at boot (entry.S zeroes .bss before the first line is out):
 * for data that is written before it is read.
 */
#define __noinit	__attribute__((section(".noinit")))

/* Port and MMIO access. */
static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	return *(volatile uint64_t *)addr;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

/* lfence keeps rdtsc from being hoisted above the work it times. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)));
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* string.c */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
/* Parses decimal or 0x hex; returns the characters consumed, 0 on none. */
size_t parse_u64(const char *s, size_t len, uint64_t *val);
/* Hex digits only, no prefix. */
size_t parse_hex(const char *s, size_t len, uint64_t *val);

/* serial.c: COM1 */
void serial_init(void);
void serial_write(const char *s, size_t len);

/* printf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void pr(const char *fmt, ...) __printf(1, 2);

/* mm.c: identity-mapped page tables, 2 MiB pages mapped on demand. */
enum mm_type { MM_RAM, MM_MMIO };
int mm_map(uint64_t pa, uint64_t len, enum mm_type type);
extern char __image_start[], __image_end[];

/* trap.c: IDT, exceptions, interrupt handlers. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};
typedef void (*irq_handler_t)(struct trap_frame *f);
void trap_init(void);
void irq_set_handler(uint8_t vector, irq_handler_t fn);
/* Interrupts that arrived on a vector nobody handles. */
extern volatile unsigned int irq_unexpected;

/* apic.c: xAPIC and MSI. */
struct pci_dev;
int lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
int msi_enable(struct pci_dev *d, uint8_t vector);
void msi_disable(struct pci_dev *d);
/*
 * Programs MSI-X table entry `entry` to vector (fixed, physical, this CPU),
 * unmasked, and enables MSI-X; the table's BAR must be enabled (pci_enable).
 * Returns 0, -1 without the capability, -2 when entry is beyond the table,
 * -3 when the table's BAR is not an assigned memory BAR.
 */
int msix_enable(struct pci_dev *d, unsigned int entry, uint8_t vector);
void msix_disable(struct pci_dev *d);
/*
 * Halts until an interrupt or `us` microseconds pass (a LAPIC one-shot; the
 * LAPIC must be up): a guest that waits should leave its CPU to others (a
 * nested host's vCPUs are few). Interrupts are as they were on return.
 */
void cpu_idle_us(uint32_t us);
/* Enables interrupts until *count reaches target or cycles pass. */
bool irq_wait(volatile unsigned int *count, unsigned int target,
	      uint64_t cycles);

/* cmdline.c: "key=value key=value" from hvm_start_info. */
void cmdline_set(const char *s, size_t len);
/* Finds key; its value (not NUL-terminated) goes to *val and *len. */
bool cmdline_get(const char *key, const char **val, size_t *len);

/* boot memory map (E820 types), copied out of hvm_start_info. */
#define E820_RAM	1
struct memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
extern struct memmap_entry memmap[];
extern unsigned int memmap_count;

/*
 * test.c: the result lines. A test is begun, any number of checks fail it
 * (the first detail goes on its TEST line, later ones on "# " lines), and
 * it ends with exactly one "TEST <name> ok|FAIL <detail>" line.
 */
void test_begin(const char *name);
bool test_check(bool cond, const char *fmt, ...) __printf(2, 3);
#define test_fail(...) test_check(false, __VA_ARGS__)
void test_end(void);
/* A one-line test: begin, fail with detail, end. */
void test_result_fail(const char *name, const char *fmt, ...) __printf(2, 3);
/* Names failures outside a test (an exception): "boot", then each suite. */
void test_context(const char *name);
/* Prints the DONE line and reports the status on the exit port. */
__noreturn void test_finish(void);

/*
 * A suite: one file, one entry in the table in suites.c. Runs its tests,
 * printing TEST lines through test.c.
 */
struct suite {
	const char *name;
	bool by_default;	/* run when the command line has no suites= */
	void (*run)(void);
};

/* suites.c: runs the suites= list, or every by_default suite. */
void suites_run(void);
/* bench.c: runs bench= if given; false if there was none. */
bool bench_run(void);

#endif
