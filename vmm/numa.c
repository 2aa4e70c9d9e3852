// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VM on one NUMA node: its guest RAM preferred there (mbind) and its vCPU
 * threads on the node's CPUs, so that what an assigned device DMAs and the
 * vCPUs that drive it stay on the device's node instead of crossing the
 * interconnect. Preferred, not bound: a node short of memory spills to the
 * others rather than failing the guest. Pages already touched (the kernel
 * the loader wrote) move; this must come before VFIO pins the RAM.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mempolicy.h>

#include "vm_impl.h"

#define NODES_MAX	1024

int vm_numa_place(struct vm *vm, unsigned int node, const cpu_set_t *cpus,
		  struct errbuf *eb)
{
	unsigned long mask[NODES_MAX / (8 * sizeof(unsigned long))] = { 0 };
	const unsigned int bits = 8 * sizeof(unsigned long);

	if (node >= NODES_MAX)
		return errbuf_set(eb, -EINVAL, "NUMA node %u: iopass handles nodes 0-%d",
				  node, NODES_MAX - 1);
	mask[node / bits] = 1UL << (node % bits);
	/* maxnode counts one past the last bit the kernel reads. */
	if (syscall(SYS_mbind, vm->ram, vm->ram_size, MPOL_PREFERRED, mask,
		    (unsigned long)NODES_MAX + 1, MPOL_MF_MOVE))
		return errbuf_set(eb, -errno, "cannot place guest RAM on NUMA node %u: %s "
				  "(is the node online? /sys/devices/system/node)", node,
				  strerror(errno));
	vm->numa_cpus = *cpus;
	vm->numa = CPU_COUNT(cpus) > 0;	/* a node of memory only: RAM alone */
	return 0;
}
