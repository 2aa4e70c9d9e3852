/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vm run --nic: a NIC given as vhost-user:PATH is used as given; one given
 * as pool:NAME gets the best datapath there is (orch_nic_place): a free VF
 * of the pool, leased and assigned like --device pool:NAME; else a
 * hardware VMDq pool of iopass-switch's uplink; else a software port on
 * iopass-switch, which is started when it does not run yet.
 */
#ifndef IOPASS_CLI_VM_NICS_H
#define IOPASS_CLI_VM_NICS_H

#include <json-c/json.h>

#include "iopass/orch.h"

struct vm;
struct vm_devices;

struct vm_nics {
	struct orch_nic nic[ORCH_NICS_MAX];
	int n;
};

/* One --nic SPEC, checked. Prints its error; 0 or an exit code. */
int vm_nics_parse(struct vm_nics *nics, const char *arg);
/*
 * Places each pool: NIC. A VF goes into devs (as a --device, already
 * leased into leases); a switch port is added (and the switch started).
 * Prints one line per NIC saying what it got and why; 0 or an exit code.
 */
int vm_nics_place(struct vm_nics *nics, struct orch_leases *leases,
		  struct vm_devices *devs);
/* The vhost-user NICs onto the VM's PCI bus (after the devices). */
int vm_nics_add(struct vm *vm, struct vm_nics *nics);
/* Deletes the switch ports this VM added (after vm_destroy). */
void vm_nics_release(struct vm_nics *nics);
/* [{ "spec", "path", "why", "bdf" | "port", "socket" }, ...] */
json_object *vm_nics_json(const struct vm_nics *nics);

#endif
