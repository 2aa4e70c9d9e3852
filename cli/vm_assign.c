// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm run --device: checking the specs before anything is opened, then
 * giving the VM its devices through one vfio_set (vfio/).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iopass/vfio.h"
#include "iopass/vmm.h"
#include "commands.h"
#include "vm_run.h"

/* Each spec well formed, and no device twice, before anything is opened. */
int vm_add_device(struct vm_devices *devs, const char *spec)
{
	struct vfio_spec sp, other;
	struct errbuf eb = { "" };

	if (vfio_spec_parse(spec, &sp, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	for (int i = 0; i < devs->n; i++) {
		vfio_spec_parse(devs->spec[i], &other, NULL);
		if (sp.user != other.user ||
		    (sp.user ? strcmp(sp.user_path, other.user_path) :
			       pci_addr_cmp(&sp.addr, &other.addr)))
			continue;
		cli_error("--device %s is given twice (as '%s' and '%s'): a "
			  "device can be assigned to a VM once", spec,
			  devs->spec[i], spec);
		return EXIT_USAGE;
	}
	if (devs->n == VM_DEVICES_MAX) {
		cli_error("more than %d --device options", VM_DEVICES_MAX);
		return EXIT_USAGE;
	}
	devs->spec[devs->n++] = spec;
	return 0;
}

/* What a failed --device means for the exit status. */
static int vm_device_exit_code(int err)
{
	switch (err) {
	case -ENOMEM:		/* RLIMIT_MEMLOCK */
	case -ERANGE:		/* RAM outside the IOVA ranges */
	case -ECONNREFUSED:	/* no vfio-user server */
	case -EPROTO:		/* not a vfio-user server we can speak to */
	case -EOPNOTSUPP:
		return EXIT_USAGE;
	default:
		return cli_exit_code(err);
	}
}

/*
 * The VM's devices. SIGINT/SIGTERM stay blocked from here to the end of
 * the run (vm_run takes them through a signalfd), so a signal during
 * set-up stops the VM at once instead of killing iopass with devices open:
 * every path goes through vfio_set_destroy().
 */
int vm_attach_devices(struct vm *vm, const struct vm_devices *devs,
			     struct vfio_set **set)
{
	struct errbuf eb = { "" };
	int ret;

	*set = NULL;
	if (!devs->n)
		return 0;
	ret = vfio_set_create(vm, set, &eb);
	for (int i = 0; !ret && i < devs->n; i++) {
		struct vfio_pci_desc d;

		ret = vfio_set_add(*set, devs->spec[i], &eb);
		if (ret)
			break;
		vfio_pci_describe(vfio_set_device(*set, i), &d);
		fprintf(stderr, "iopass: --device %s is the guest's %02x:%02x.%x "
			"(%s; MSI-X %u, MSI %u, INTx %s, through %s; ROM %s; "
			"reset %s)\n", devs->spec[i], d.guest.bus, d.guest.dev,
			d.guest.fn, vfio_set_domain(*set) ?
			iommu_domain_backend(vfio_set_domain(*set)) :
			"vfio-user", d.msix_vectors, d.msi_vectors,
			d.intx ? "yes" : "no",
			d.relay ? "a relay thread" : "KVM irqfds",
			d.rom ? "read-only" : "none",
			d.reset ? "at start and exit" :
			"not possible (the device has no reset method)");
	}
	if (ret) {
		cli_error("%s", eb.msg[0] ? eb.msg : strerror(-ret));
		vfio_set_destroy(*set);
		*set = NULL;
		return vm_device_exit_code(ret);
	}
	return 0;
}
