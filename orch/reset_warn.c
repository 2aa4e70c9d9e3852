// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm run, once its devices are attached and before the guest runs: a
 * --device without a reset method is named, with what would help, as a
 * warning of its own rather than a word among the device's attach details
 * (a run refused for another reason says only why it was refused). The
 * VFIO side does what it can: a bus reset when the VM has every function
 * on the bus (vfio/vfio_bus_reset.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/sriov.h"
#include "iopass/vfio.h"
#include "orch_impl.h"

static bool given(const char *const *taken, unsigned int n, const struct pci_addr *a)
{
	for (unsigned int i = 0; i < n; i++) {
		struct pci_addr b;

		if (taken[i][0] && !pci_addr_parse(taken[i], &b) && !pci_addr_cmp(&b, a))
			return true;
	}
	return false;
}

void orch_reset_preflight(const struct orch_ctx *ctx, const char *const *taken,
			  unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		char method[64], missing[256] = "";
		struct pci_addr a, *sib = NULL;
		size_t ns = 0, k = 0;

		/* vfio-user devices have no BDF here; the server resets them. */
		if (!taken[i][0] || pci_addr_parse(taken[i], &a))
			continue;
		pci_func_reset_method(ctx->sysfs, taken[i], method, sizeof(method));
		if (method[0])
			continue;
		if (pci_func_on_root_bus(ctx->sysfs, taken[i])) {
			orch_event(ctx, ORCH_EVENT_WARN, "warning: --device %s has no reset "
				   "method (no FLR or PM reset) and sits on a root bus, where "
				   "no bridge can reset it: a guest's state stays in it for the "
				   "next guest. What would help: a device with FLR ('lspci -vv' "
				   "shows FLReset+), or a slot behind a PCIe root port or bridge",
				   taken[i]);
			continue;
		}
		if (pci_bus_siblings(ctx->sysfs, &a, &sib, &ns, NULL))
			continue;
		for (size_t s = 0; s < ns; s++) {
			char o[PCI_ADDR_STRLEN];

			if (given(taken, n, &sib[s]))
				continue;
			pci_addr_format(&sib[s], o);
			k += (size_t)snprintf(missing + k, k < sizeof(missing) ?
					      sizeof(missing) - k : 0, " --device %s", o);
		}
		free(sib);
		if (!missing[0])
			orch_event(ctx, ORCH_EVENT_INFO, "--device %s has no reset method of "
				   "its own: the VM has every function on its bus, so a bus "
				   "reset resets it at start and exit", taken[i]);
		else
			orch_event(ctx, ORCH_EVENT_WARN, "warning: --device %s has no reset "
				   "method: a guest's state stays in it for the next guest. What "
				   "would help: give the VM every function on its bus, then a bus "
				   "reset resets them (add%s); or a device with FLR ('lspci -vv' "
				   "shows FLReset+)", taken[i], missing);
	}
}
