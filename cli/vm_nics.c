// SPDX-License-Identifier: GPL-2.0-only
/* vm run --nic: each NIC through orch/ (placement: orch/nic_place.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "vm_nics.h"
#include "vm_run.h"

int vm_nics_parse(struct vm_nics *nics, const char *arg)
{
	struct errbuf eb = { "" };

	if (nics->n == ORCH_NICS_MAX) {
		cli_error("vm run: more than %d --nic options", ORCH_NICS_MAX);
		return EXIT_USAGE;
	}
	if (orch_nic_init(&nics->nic[nics->n], arg, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	nics->n++;
	return 0;
}

int vm_nics_place(struct vm_nics *nics, struct orch_leases *leases,
		  struct vm_devices *devs)
{
	struct errbuf eb = { "" };

	for (int i = 0; i < nics->n; i++) {
		struct orch_nic *nic = &nics->nic[i];
		int ret;

		if (!nic->spec.is_pool)
			continue;
		ret = orch_nic_place(cli_orch(), nic, i, leases, &eb);
		if (ret) {
			cli_error("%s", eb.msg);
			return ret == -EEXIST || ret == -ENOSPC || ret == -ENODEV ?
			       EXIT_USAGE : cli_exit_code(ret);
		}
		/* Already leased and on vfio-pci: assigned as a --device. */
		if (nic->path == ORCH_NIC_VF) {
			ret = vm_add_device(devs, nic->bdf);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Backend events of a running VM's NICs (the NIC's own thread). */
static void vm_nic_log(void *opaque, const char *msg)
{
	(void)opaque;
	cli_error("%s", msg);
}

int vm_nics_add(struct vm *vm, struct vm_nics *nics)
{
	struct errbuf eb = { "" };

	for (int i = 0; i < nics->n; i++) {
		struct orch_nic *nic = &nics->nic[i];

		if (nic->path != ORCH_NIC_VHOST_USER && nic->path != ORCH_NIC_VMDQ)
			continue;
		nic->cfg.log = vm_nic_log;
		if (vmm_nic_add(vm, &nic->cfg, &eb)) {
			cli_error("%s", eb.msg);
			return EXIT_USAGE;
		}
	}
	return 0;
}

void vm_nics_release(struct vm_nics *nics)
{
	for (int i = nics->n - 1; i >= 0; i--)
		orch_nic_release(cli_orch(), &nics->nic[i]);
}

json_object *vm_nics_json(const struct vm_nics *nics)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < nics->n; i++) {
		const struct orch_nic *nic = &nics->nic[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "spec", json_object_new_string(nic->arg));
		json_object_object_add(o, "path",
			json_object_new_string(orch_nic_path_name(nic->path)));
		if (nic->spec.is_pool)
			json_object_object_add(o, "why",
				json_object_new_string(nic->why));
		if (nic->path == ORCH_NIC_VF)
			json_object_object_add(o, "bdf",
				json_object_new_string(nic->bdf));
		if (nic->port[0])
			json_object_object_add(o, "port",
				json_object_new_string(nic->port));
		if (nic->cfg.socket[0])
			json_object_object_add(o, "socket",
				json_object_new_string(nic->cfg.socket));
		json_object_array_add(arr, o);
	}
	return arr;
}
