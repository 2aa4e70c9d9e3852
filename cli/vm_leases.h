/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `vm run --device` and `--nic pool:` take from the host before the VM
 * starts, and give back after: leases held by the VMM process (so a VMM
 * killed with SIGKILL leaves leases that `iopass gc` finds and releases).
 */
#ifndef IOPASS_CLI_VM_LEASES_H
#define IOPASS_CLI_VM_LEASES_H

#include <stdbool.h>
#include <stddef.h>

#include "iopass/util.h"

struct vm_lease {
	char bdf[PCI_ADDR_STRLEN];
	int hold_fd;
	char pool[64];
};

struct vm_leases {
	char owner[64];
	struct vm_lease *leases;
	size_t n;
	bool gc_done;		/* dead VMMs' leases given back once per run */
};

void vm_leases_init(struct vm_leases *d, const char *vm_name);
struct pool_vf_settings;

/*
 * Leases a device for the VM: the first free member of pool (pool != NULL)
 * or the function at bdf (borrowed from its host driver with --return),
 * bound to vfio-pci; *out names it. over: VF settings that replace the
 * pool's (a NIC's mac= and vlan=), or NULL. Prints the steps and errors;
 * returns 0 or an exit code. "Nothing free" is EXIT_USAGE with a message,
 * or, with busy_why, -EBUSY and the reason in busy_why (a NIC then tries
 * its next datapath).
 */
int vm_leases_lease(struct vm_leases *d, const char *pool, const char *bdf,
		    const struct pool_vf_settings *over, char *busy_why,
		    size_t why_len, char out[PCI_ADDR_STRLEN]);
/* Releases every lease (reset, VF settings back, original driver). */
int vm_leases_release(struct vm_leases *d);

#endif
