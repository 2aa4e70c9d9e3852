// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm run, once its devices are attached and before the guest runs: a
 * --device without a reset method is named, with what would help, as a
 * warning of its own rather than a word among the device's attach details.
 * (A run refused for another reason says only why it was refused.) The VFIO
 * side does what it can: a bus reset when the VM has every function on the
 * bus, vfio/vfio_bus_reset.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/sriov.h"
#include "iopass/vfio.h"
#include "commands.h"
#include "vm_run.h"

static bool given(const struct vm_devices *devs, const struct pci_addr *a)
{
	for (int i = 0; i < devs->n; i++) {
		struct vfio_spec sp;

		if (!vfio_spec_parse(devs->spec[i], &sp, NULL) && !sp.user &&
		    !pci_addr_cmp(&sp.addr, a))
			return true;
	}
	return false;
}

void vm_reset_preflight(const struct vm_devices *devs)
{
	const char *sysfs = sysfs_default_root();

	for (int i = 0; i < devs->n; i++) {
		char bdf[PCI_ADDR_STRLEN], method[64], missing[256] = "";
		struct pci_addr *sib = NULL;
		struct vfio_spec sp;
		size_t n = 0, k = 0;

		/* pool: members are picked later; the attach line says it then. */
		if (vfio_spec_parse(devs->spec[i], &sp, NULL) || sp.user)
			continue;
		pci_addr_format(&sp.addr, bdf);
		pci_func_reset_method(sysfs, bdf, method, sizeof(method));
		if (method[0])
			continue;
		if (pci_func_on_root_bus(sysfs, bdf)) {
			fprintf(stderr, "iopass: warning: --device %s has no reset method (no "
				"FLR or PM reset) and sits on a root bus, where no bridge can "
				"reset it: a guest's state stays in it for the next guest. What "
				"would help: a device with FLR ('lspci -vv' shows FLReset+), or "
				"a slot behind a PCIe root port or bridge\n", bdf);
			continue;
		}
		if (pci_bus_siblings(sysfs, &sp.addr, &sib, &n, NULL))
			continue;
		for (size_t s = 0; s < n; s++) {
			char o[PCI_ADDR_STRLEN];

			if (given(devs, &sib[s]))
				continue;
			pci_addr_format(&sib[s], o);
			k += (size_t)snprintf(missing + k, k < sizeof(missing) ?
					      sizeof(missing) - k : 0, " --device %s", o);
		}
		free(sib);
		if (!missing[0])
			fprintf(stderr, "iopass: --device %s has no reset method of its own: "
				"the VM has every function on its bus, so a bus reset resets it "
				"at start and exit\n", bdf);
		else
			fprintf(stderr, "iopass: warning: --device %s has no reset method: a "
				"guest's state stays in it for the next guest. What would help: "
				"give the VM every function on its bus, then a bus reset resets "
				"them (add%s); or a device with FLR ('lspci -vv' shows FLReset+)\n",
				bdf, missing);
	}
}
