// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPUID: what KVM supports on this host, with the topology rewritten per
 * vCPU. The guest sees one package of ncpus cores, one thread each, APIC
 * id = vCPU index. Works for Intel (leaves 4, 0xB, 0x1F) and AMD
 * (0x80000008, 0x8000001E).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm_impl.h"

#define CPUID_MAX_ENTRIES	256

#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_1_EDX_HTT		(1u << 28)

int cpuid_init(struct vm *vm, struct errbuf *eb)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	c->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		int ret = -errno;

		free(c);
		return errbuf_set(eb, ret, "KVM_GET_SUPPORTED_CPUID: %s",
				  strerror(-ret));
	}
	vm->cpuid = c;
	vm->tsc_deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
				 KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	return 0;
}

/* Bits needed to number n things (n >= 1). */
static unsigned int order_base_2(unsigned int n)
{
	unsigned int b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

static void cpuid_topology(struct kvm_cpuid_entry2 *e, unsigned int apic_id,
			   unsigned int ncpus)
{
	unsigned int core_bits = order_base_2(ncpus);

	switch (e->index) {
	case 0:			/* SMT level: one thread per core */
		e->eax = 0;
		e->ebx = 1;
		e->ecx = (1u << 8) | 0;
		break;
	case 1:			/* core level: ncpus cores per package */
		e->eax = core_bits;
		e->ebx = ncpus;
		e->ecx = (2u << 8) | 1;
		break;
	default:		/* no more levels */
		e->eax = 0;
		e->ebx = 0;
		e->ecx = e->index;
		break;
	}
	e->edx = apic_id;
}

static void cpuid_fixup(struct kvm_cpuid_entry2 *e, unsigned int apic_id,
			unsigned int ncpus, bool tsc_deadline)
{
	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0xffff) | (ncpus << 16) | (apic_id << 24);
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
		/*
		 * KVM emulates the TSC-deadline timer but leaves the bit out
		 * of KVM_GET_SUPPORTED_CPUID. With it Linux needs no LAPIC
		 * timer calibration (100 ms of polling jiffies at boot).
		 */
		if (tsc_deadline)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		if (ncpus > 1)
			e->edx |= CPUID_1_EDX_HTT;
		else
			e->edx &= ~CPUID_1_EDX_HTT;
		break;
	case 4:			/* Intel deterministic cache parameters */
		/* EAX[31:26]: cores per package - 1; [25:14]: sharing - 1 */
		e->eax &= 0x3fff;
		e->eax |= (ncpus - 1) << 26;
		if (((e->eax >> 5) & 7) == 3)	/* L3 shared by all */
			e->eax |= (ncpus - 1) << 14;
		break;
	case 6:			/* power management: none for a guest */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0xb:
	case 0x1f:
		cpuid_topology(e, apic_id, ncpus);
		break;
	case 0x80000008:	/* AMD: NC and ApicIdCoreIdSize */
		e->ecx = (order_base_2(ncpus) << 12) | (ncpus - 1);
		break;
	case 0x8000001e:	/* AMD: extended APIC id, one thread per core */
		e->eax = apic_id;
		e->ebx = apic_id & 0xff;
		e->ecx = 0;
		break;
	}
}

int cpuid_setup_vcpu(struct vcpu *vcpu, struct errbuf *eb)
{
	const struct kvm_cpuid2 *src = vcpu->vm->cpuid;
	size_t sz = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int ret = 0;

	if (!c)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	memcpy(c, src, sz);
	for (unsigned int i = 0; i < c->nent; i++)
		cpuid_fixup(&c->entries[i], vcpu->id, vcpu->vm->ncpus,
			    vcpu->vm->tsc_deadline);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		ret = errbuf_set(eb, -errno, "KVM_SET_CPUID2 (vCPU %u): %s",
				 vcpu->id, strerror(errno));
	free(c);
	return ret;
}
