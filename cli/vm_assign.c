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
#include "vm_leases.h"
#include "vm_run.h"

/* "pool:NAME[,opts]": the pool's name in name (NULL when not a pool). */
static const char *vm_pool_spec(const char *spec, char *name, size_t len)
{
	size_t n;

	if (strncmp(spec, "pool:", 5))
		return NULL;
	n = strcspn(spec + 5, ",");
	snprintf(name, len, "%.*s", (int)n, spec + 5);
	return spec + 5 + n;	/* the options, "" or ",..." */
}

/* Each spec well formed, and no device twice, before anything is opened. */
int vm_add_device(struct vm_devices *devs, const char *spec)
{
	struct vfio_spec sp, other;
	struct errbuf eb = { "" };
	char pool[64], probe[128];
	const char *opts = vm_pool_spec(spec, pool, sizeof(pool));

	if (opts) {
		/* A pool member is picked at start: check the options now. */
		if (!pool[0]) {
			cli_error("--device %s: the pool name is missing (pool:NAME; 'iopass pool list' shows the pools)",
				  spec);
			return EXIT_USAGE;
		}
		snprintf(probe, sizeof(probe), "0000:00:00.0%s", opts);
		if (vfio_spec_parse(probe, &sp, &eb)) {
			cli_error("--device %s: %s", spec, eb.msg);
			return EXIT_USAGE;
		}
	} else if (vfio_spec_parse(spec, &sp, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	for (int i = 0; !opts && i < devs->n; i++) {
		if (vfio_spec_parse(devs->spec[i], &other, NULL))
			continue;	/* a pool spec */
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
/*
 * The spec vfio_set_add() gets: a pool's member leased for this VM (bound to
 * vfio-pci, VF settings applied), a function on a host driver borrowed with
 * --return (leased by address), or the spec as given.
 */
static int vm_device_take(const struct vm_devices *devs, const char *spec,
			  struct vm_leases *leases, char *out, size_t len)
{
	char pool[64], bdf[PCI_ADDR_STRLEN], driver[64] = "", rel[64];
	const char *opts = vm_pool_spec(spec, pool, sizeof(pool));
	struct vfio_spec sp;
	int ret;

	if (opts) {
		ret = vm_leases_lease(leases, pool, NULL, NULL, NULL, 0, bdf);
		if (ret)
			return ret;
		fprintf(stderr, "iopass: --device %s: leased %s from pool '%s'\n",
			spec, bdf, pool);
		snprintf(out, len, "%s%s", bdf, opts);
		return 0;
	}
	snprintf(out, len, "%s", spec);
	if (!devs->return_borrowed || vfio_spec_parse(spec, &sp, NULL) || sp.user)
		return 0;
	pci_addr_format(&sp.addr, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
	sysfs_link_base(sysfs_default_root(), rel, driver, sizeof(driver));
	if (!strcmp(driver, "vfio-pci"))
		return 0;
	/* Safety checks, the group, the original driver: as iopass assign. */
	ret = vm_leases_lease(leases, NULL, bdf, NULL, NULL, 0, bdf);
	if (!ret)
		fprintf(stderr, "iopass: --device %s: borrowed from %s until the VM ends (--return)\n",
			spec, driver[0] ? driver : "no driver");
	return ret;
}

int vm_attach_devices(struct vm *vm, const struct vm_devices *devs,
		      struct vm_leases *leases, struct vfio_set **set)
{
	struct errbuf eb = { "" };
	int ret;

	*set = NULL;
	if (!devs->n)
		return 0;
	ret = vfio_set_create(vm, set, &eb);
	for (int i = 0; !ret && i < devs->n; i++) {
		char spec[PCI_ADDR_STRLEN + 128];

		ret = vm_device_take(devs, devs->spec[i], leases, spec,
				     sizeof(spec));
		if (ret) {
			vfio_set_destroy(*set);
			*set = NULL;
			return ret;
		}
		ret = vfio_set_add(*set, spec, &eb);
		if (ret)
			break;
	}
	/*
	 * Before the guest runs: which device no reset reaches, and what would
	 * help; then each device, described once all are in (a bus reset needs
	 * the whole bus).
	 */
	if (!ret)
		vm_reset_preflight(devs);
	for (int i = 0; !ret && i < devs->n; i++) {
		struct vfio_pci_desc d;

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
			d.reset ? "at start and exit" : d.reset_note[0] ? d.reset_note :
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
