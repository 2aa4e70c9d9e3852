// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs: creation, the boot register state (PVH 32-bit or Linux 64-bit),
 * and the KVM_RUN loop, one thread per vCPU.
 *
 * A vCPU is stopped by setting kvm_run.immediate_exit and sending it
 * SIGRTMIN: KVM_RUN then returns EINTR whether the signal lands before or
 * during the ioctl.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm_impl.h"

#define X86_CR0_PE	(1u << 0)
#define X86_CR0_ET	(1u << 4)
#define X86_CR0_PG	(1u << 31)
#define X86_CR4_PAE	(1u << 5)
#define EFER_LME	(1u << 8)
#define EFER_LMA	(1u << 10)

#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_MODE_NMI	0x4
#define APIC_MODE_EXTINT 0x7

#define GDT_CODE	2	/* selector 0x10: __BOOT_CS */
#define GDT_DATA	3	/* selector 0x18: __BOOT_DS */
#define GDT_TSS		4
#define GDT_ENTRIES	5

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_signal_init(struct errbuf *eb)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };

	/* No SA_RESTART: the signal must break KVM_RUN with EINTR. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN, &sa, NULL) < 0)
		return errbuf_set(eb, -errno, "sigaction: %s", strerror(errno));
	return 0;
}

static int vcpu_setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	uint32_t *lvt0 = (uint32_t *)&lapic.regs[APIC_LVT0];
	uint32_t *lvt1 = (uint32_t *)&lapic.regs[APIC_LVT1];

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	/* Virtual-wire mode: the PIC through LINT0, NMIs through LINT1. */
	*lvt0 = (*lvt0 & ~0x700u) | (APIC_MODE_EXTINT << 8);
	*lvt1 = (*lvt1 & ~0x700u) | (APIC_MODE_NMI << 8);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

int vcpu_create(struct vm *vm, unsigned int id, struct errbuf *eb)
{
	struct vcpu *vcpu = &vm->vcpus[id];
	int ret, mmap_size;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return errbuf_set(eb, -errno, "KVM_CREATE_VCPU %u: %s", id,
				  strerror(errno));
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run)) {
		ret = errbuf_set(eb, mmap_size < 0 ? -errno : -EINVAL,
				 "KVM_GET_VCPU_MMAP_SIZE failed");
		goto err_close;
	}
	vcpu->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		ret = errbuf_set(eb, -errno, "mmap kvm_run: %s",
				 strerror(errno));
		goto err_close;
	}
	vcpu->run_size = mmap_size;
	ret = cpuid_setup_vcpu(vcpu, eb);
	if (ret)
		goto err_unmap;
	ret = vcpu_setup_lapic(vcpu);
	if (ret) {
		errbuf_set(eb, ret, "vCPU %u local APIC setup: %s", id,
			   strerror(-ret));
		goto err_unmap;
	}
	return 0;

err_unmap:
	munmap(vcpu->run, vcpu->run_size);
	vcpu->run = NULL;
err_close:
	close(vcpu->fd);
	vcpu->fd = -1;
	return ret;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

static uint64_t gdt_entry(const struct kvm_segment *s)
{
	uint64_t base = s->base, limit = s->limit;

	if (s->g)
		limit >>= 12;
	return (limit & 0xffff) | ((base & 0xffffff) << 16) |
	       ((uint64_t)s->type << 40) | ((uint64_t)s->s << 44) |
	       ((uint64_t)s->dpl << 45) | ((uint64_t)s->present << 47) |
	       (((limit >> 16) & 0xf) << 48) | ((uint64_t)s->avl << 52) |
	       ((uint64_t)s->l << 53) | ((uint64_t)s->db << 54) |
	       ((uint64_t)s->g << 55) | (((base >> 24) & 0xff) << 56);
}

static struct kvm_segment flat_segment(unsigned int index, uint8_t type,
				       bool long_mode)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = index * 8,
		.type = type,
		.present = 1,
		.s = 1,
		.g = 1,
		.l = long_mode && (type & 8),
		.db = !(long_mode && (type & 8)),
	};
}

int vcpu_setup_boot(struct vcpu *vcpu, const struct boot_entry *entry,
		    struct errbuf *eb)
{
	bool lm = entry->mode == BOOT_LINUX64;
	struct kvm_segment code = flat_segment(GDT_CODE, 0xb, lm);
	struct kvm_segment data = flat_segment(GDT_DATA, 0x3, lm);
	struct kvm_segment tss = {
		.selector = GDT_TSS * 8, .limit = 0x67, .type = 0xb,
		.present = 1,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 2, .rip = entry->rip };
	uint64_t *gdt = memory_hva(vcpu->vm, BOOT_GDT_ADDR,
				   GDT_ENTRIES * 8);

	if (!gdt)
		return errbuf_set(eb, -ENOMEM, "no RAM for the boot GDT");
	memset(gdt, 0, GDT_ENTRIES * 8);
	gdt[GDT_CODE] = gdt_entry(&code);
	gdt[GDT_DATA] = gdt_entry(&data);
	gdt[GDT_TSS] = gdt_entry(&tss);

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return errbuf_set(eb, -errno, "KVM_GET_SREGS: %s",
				  strerror(errno));
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = tss;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (lm) {
		sregs.cr0 |= X86_CR0_PG;
		sregs.cr3 = BOOT_PML4_ADDR;
		sregs.cr4 = X86_CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsi = entry->arg;
		regs.rsp = regs.rbp = BOOT_STACK_TOP;
	} else {
		regs.rbx = entry->arg;
	}
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return errbuf_set(eb, -errno, "KVM_SET_SREGS: %s",
				  strerror(errno));
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return errbuf_set(eb, -errno, "KVM_SET_REGS: %s",
				  strerror(errno));
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->run)
		__atomic_store_n(&vcpu->run->immediate_exit, 1,
				 __ATOMIC_SEQ_CST);
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, SIGRTMIN);
}

static void vcpu_handle_pio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* count > 1: a string instruction (REP INS/OUTS). */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		/* Nothing there: reads float high, writes vanish. */
		if (!iobus_pio(vcpu, run->io.port, data, run->io.size,
			       is_write) && !is_write)
			memset(data, 0xff, run->io.size);
	}
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return;
	if (!iobus_mmio(vcpu, run->mmio.phys_addr, run->mmio.data,
			run->mmio.len, run->mmio.is_write) &&
	    !run->mmio.is_write)
		memset(run->mmio.data, 0xff, run->mmio.len);
}

static void vcpu_handle_system_event(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_RESET:
		vm_stop(vcpu->vm, VM_EXIT_RESET, 0, "guest reset");
		break;
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_stop(vcpu->vm, VM_EXIT_POWEROFF, 0, "guest powered off");
		break;
	default:
		vm_stop(vcpu->vm, VM_EXIT_ERROR, 0,
			"vCPU %u: system event %u (guest crash)", vcpu->id,
			run->system_event.type);
		break;
	}
}

/* Returns false when the loop must end. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_pio(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT:	/* only without an in-kernel LAPIC */
		return true;
	case KVM_EXIT_SHUTDOWN:
		vm_stop(vm, VM_EXIT_SHUTDOWN, 0,
			"guest triple fault on vCPU %u", vcpu->id);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_handle_system_event(vcpu);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vm_stop(vm, VM_EXIT_ERROR, 0,
			"vCPU %u: VM entry failed (hardware reason 0x%llx)",
			vcpu->id, (unsigned long long)
			run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_stop(vm, VM_EXIT_ERROR, 0,
			"vCPU %u: KVM internal error (suberror %u)", vcpu->id,
			run->internal.suberror);
		return false;
	default:
		vm_stop(vm, VM_EXIT_ERROR, 0,
			"vCPU %u: unexpected KVM exit reason %u", vcpu->id,
			run->exit_reason);
		return false;
	}
}

void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	char name[16];
	sigset_t set;

	/* "vcpu0" in ps -L, top -H and /proc/PID/task/TID/comm. */
	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!atomic_load_explicit(&vm->stopping, memory_order_relaxed)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_stop(vm, VM_EXIT_ERROR, 0, "vCPU %u: KVM_RUN: %s",
				vcpu->id, strerror(errno));
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	return NULL;
}
