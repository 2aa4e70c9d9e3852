/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The inside of struct vm, shared by the VMM core files (vm.c, vcpu.c,
 * memory.c, iobus.c, boot_*.c, mptable.c, serial.c, reset.c, cpuid.c).
 * Device models outside the core use vm.h only.
 */
#ifndef IOPASS_VMM_VM_IMPL_H
#define IOPASS_VMM_VM_IMPL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "iopass/vmm.h"
#include "vm.h"

/* One trapped range; tables of them are sorted by base and never overlap. */
struct io_range {
	uint64_t base;
	uint64_t len;
	io_fn fn;
	void *opaque;
};

struct io_table {
	size_t n;
	struct io_range r[];
};

/*
 * A table replaced while vCPUs may still be reading it: freed once every
 * vCPU that was inside a dispatch at retirement time has left it.
 */
struct io_retired {
	struct io_table *table;
	unsigned long *seq;	/* per-vCPU io_seq snapshot */
	struct io_retired *next;
};

struct io_space {
	struct io_table *_Atomic table;
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	/* Odd while the vCPU is inside an I/O dispatch (see iobus.c). */
	_Atomic unsigned long io_seq;
};

enum boot_mode {
	BOOT_PVH,		/* 32-bit flat protected mode, EBX = start_info */
	BOOT_LINUX64,		/* long mode, identity paging, RSI = boot_params */
};

struct boot_entry {
	enum boot_mode mode;
	uint64_t rip;
	uint64_t arg;		/* EBX (PVH) or RSI (Linux) */
};

#define VM_USER_SLOTS_FIRST	2	/* 0: low RAM, 1: high RAM */
#define VM_MAX_SLOTS		64

struct serial;
struct vm_reset;
struct acpi_pm;
struct pci_bus;
struct irq_router;

struct vm {
	int kvm_fd;
	int fd;
	unsigned int ncpus;
	struct vcpu *vcpus;
	struct kvm_cpuid2 *cpuid;	/* supported by KVM, before fixups */
	bool tsc_deadline;		/* KVM_CAP_TSC_DEADLINE_TIMER */

	/* Guest RAM: one memfd, mapped once; split in two KVM slots. */
	int mem_fd;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t low_size;		/* at GPA 0 */
	uint64_t high_size;		/* at MEM_HIGH_BASE */
	bool hugepages;
	/* vm_numa_place(): the vCPU threads run on numa_cpus. */
	bool numa;
	cpu_set_t numa_cpus;

	pthread_mutex_t lock;		/* slots, I/O registration */
	uint64_t slots_used;		/* bitmap of KVM slot ids */
	struct io_space pio;
	struct io_space mmio;
	struct io_retired *retired;

	struct boot_entry entry;
	/* What the guest touches first: mapped before it runs (vm.c). */
	struct {
		uint64_t gpa;
		uint64_t size;
	} prefault[8];
	unsigned int nprefault;
	int console_in_fd;
	struct serial *serial;
	struct vm_reset *reset;
	struct acpi_pm *acpi_pm;	/* vmm/acpi.h */
	uint64_t rsdp;			/* the ACPI tables' root */
	struct pci_bus *pci_bus;	/* vmm/pci.h */
	struct irq_router *irq_router;	/* vmm/irq.h */

	/* Stopping: the first stop wins; the others are ignored. */
	atomic_int stopping;
	struct vm_exit exit;
	char stop_msg[256];
	int stop_efd;			/* eventfd: wakes vm_run's loop */
};

/* memory.c */
int memory_init(struct vm *vm, uint64_t size, bool hugepages, bool private_ram,
		struct errbuf *eb);
void memory_exit(struct vm *vm);
/* Any byte of a RAM slot (the BIOS area included): for the VMM's loaders. */
void *memory_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* E820 as both the boot_params table and PVH's memmap use it. */
struct e820_ent {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};
#define E820_TYPE_RAM		1
#define E820_TYPE_RESERVED	2
#define E820_MAX_ENTS		8
int memory_e820(struct vm *vm, struct e820_ent *ents, int max);

/* iobus.c */
void iobus_exit(struct vm *vm);
/* Returns false when nothing claims the address (the caller fakes it). */
bool iobus_pio(struct vcpu *vcpu, uint16_t port, uint8_t *data, uint32_t len,
	       bool is_write);
bool iobus_mmio(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		uint32_t len, bool is_write);

/* cpuid.c */
int cpuid_init(struct vm *vm, struct errbuf *eb);
int cpuid_setup_vcpu(struct vcpu *vcpu, struct errbuf *eb);

/* vcpu.c */
int vcpu_create(struct vm *vm, unsigned int id, struct errbuf *eb);
void vcpu_destroy(struct vcpu *vcpu);
int vcpu_setup_boot(struct vcpu *vcpu, const struct boot_entry *entry,
		    struct errbuf *eb);
void *vcpu_thread(void *arg);
void vcpu_kick(struct vcpu *vcpu);
int vcpu_signal_init(struct errbuf *eb);

/* vm.c: asks for [gpa, gpa + size) to be mapped in KVM before boot. */
void vm_add_prefault(struct vm *vm, uint64_t gpa, uint64_t size);

/* vm.c: records why the VM stops (first caller wins) and kicks vCPUs. */
void vm_stop(struct vm *vm, enum vm_exit_reason reason, uint32_t status,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Guest physical layout of what the loaders write in low RAM. */
#define BOOT_GDT_ADDR		0x0500
#define BOOT_PVH_INFO_ADDR	0x6000	/* start_info + memmap + modules */
#define BOOT_ZERO_PAGE_ADDR	0x7000	/* Linux boot_params */
#define BOOT_STACK_TOP		0x8ff0
#define BOOT_PML4_ADDR		0x9000	/* PML4, PDPT, 4 PDs: 0x9000..0xf000 */
#define BOOT_CMDLINE_ADDR	0x20000
#define BOOT_CMDLINE_MAX	0x10000
#define BOOT_DATA_END		(BOOT_CMDLINE_ADDR + BOOT_CMDLINE_MAX)
#define ACPI_AREA_BASE		0xe0000	/* ACPI tables, RSDP first */
#define ACPI_AREA_END		0xf0000
#define BIOS_AREA_BASE		0xf0000	/* MP table */
#define BIOS_AREA_END		0x100000
#define LOW_MEM_END		0xa0000	/* 640 KiB */
/* KVM's TSS and identity-map page (used by VMX for real mode): not RAM. */
#define KVM_IDENT_MAP_ADDR	0xfeffc000ULL
#define KVM_TSS_ADDR		0xfeffd000ULL

/* boot_elf.c, boot_linux.c: return -ENOEXEC when the file is not theirs. */
int boot_pvh_load(struct vm *vm, const void *img, size_t size,
		  const char *cmdline, struct errbuf *eb);
int boot_linux_load(struct vm *vm, const void *img, size_t size,
		    const void *initrd, size_t initrd_size,
		    const char *cmdline, struct errbuf *eb);

/*
 * boot_elf.c: an ELF's PT_LOAD segments into RAM (struct pvh_elf: boot.h),
 * from img, or read from fd (the same bytes: a cached kernel) when >= 0.
 */
struct pvh_elf;
int elf_load_segments(struct vm *vm, const void *img, int fd,
		      const struct pvh_elf *elf, struct errbuf *eb);

/* mptable.c */
int mptable_write(struct vm *vm, struct errbuf *eb);
/* What makes the bytes of an MP or ACPI table sum to 0. */
static inline uint8_t table_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

/* serial.c */
int serial_init(struct vm *vm, int out_fd, struct errbuf *eb);
void serial_exit(struct vm *vm);
void serial_input(struct serial *s, const uint8_t *buf, size_t len);
void serial_flush(struct serial *s);

/*
 * reset.c: i8042, CF9 reset, exit port 0xf4, POST port 0x80, and a reset
 * vector (0xffff0) that resets through 0xcf9. After memory_init().
 */
int reset_init(struct vm *vm, struct errbuf *eb);
void reset_exit(struct vm *vm);
/* opaque: vm->reset. */
void reset_cf9_io(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		  uint32_t len, bool is_write, void *opaque);

#endif
