// SPDX-License-Identifier: GPL-2.0-only
/*
 * One VM instance: what `iopass vm run` does between parsing and printing,
 * for every front end. create takes the VM's name, console, NICs and
 * devices and builds it, in an order where the cheap refusals come first
 * and every step has its undo in orch_vm_destroy(); run, stop and destroy
 * are the rest of its life.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "iopass/state.h"
#include "iopass/vfio.h"

#include "orch_impl.h"

struct orch_vm {
	struct orch_ctx ctx;
	char name[ORCH_VM_NAME_MAX + 1];	/* "" when anonymous */
	int lock_fd;				/* holds the name */
	int console_fd;
	long long started;
	char *kernel;
	uint64_t mem;
	unsigned int cpus;
	struct vm *vm;				/* NULL: no VMM */
	int stop_fd;				/* no VMM: run waits on it */
	atomic_bool running, stopping;
	bool return_borrowed;
	int numa_want, numa_node;		/* --numa; where it went (-1) */
	/* --device specs as given, then what each was taken as (a BDF). */
	char *device[ORCH_DEVICES_MAX];
	char taken[ORCH_DEVICES_MAX][PCI_ADDR_STRLEN];
	char pool[ORCH_DEVICES_MAX][POOL_NAME_MAX];
	unsigned int ndevices;
	struct orch_nic nic[ORCH_NICS_MAX];
	unsigned int nnics;
	struct orch_leases leases;
	struct vfio_set *set;
	struct orch_control *control;
};

void orch_vm_config_init(struct orch_vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	vm_config_init(&cfg->vm);
	cfg->numa = -1;
}

/* "pool:NAME[,opts]": the pool's name in name (NULL when not a pool). */
static const char *pool_spec(const char *spec, char *name, size_t len)
{
	size_t n;

	if (strncmp(spec, "pool:", 5))
		return NULL;
	n = strcspn(spec + 5, ",");
	snprintf(name, len, "%.*s", (int)n, spec + 5);
	return spec + 5 + n;	/* the options, "" or ",..." */
}

/* Each spec well formed, and no device twice, before anything is opened. */
static int device_check(const char *const *given, unsigned int n,
			const char *spec, struct errbuf *eb)
{
	struct vfio_spec sp;
	char pool[POOL_NAME_MAX], probe[128];
	const char *opts = pool_spec(spec, pool, sizeof(pool));
	int ret;

	if (opts) {
		/* A pool member is picked at start: check the options now. */
		if (!pool[0])
			return errbuf_set(eb, -EINVAL, "--device %s: the pool name is missing (pool:NAME; 'iopass pool list' shows the pools)",
					  spec);
		snprintf(probe, sizeof(probe), "0000:00:00.0%s", opts);
		if (vfio_spec_parse(probe, &sp, eb))
			return errbuf_set(eb, -EINVAL, "--device %s: %s", spec, eb->msg);
	} else {
		ret = vfio_spec_parse(spec, &sp, eb);
		if (ret)
			return ret;
	}
	ret = vfio_spec_twice(given, n, spec, eb);
	if (ret)
		return ret;
	if (n == ORCH_DEVICES_MAX)
		return errbuf_set(eb, -E2BIG, "more than %d --device options",
				  ORCH_DEVICES_MAX);
	return 0;
}

int orch_vm_config_add_device(struct orch_vm_config *cfg, const char *spec,
			      struct errbuf *eb)
{
	int ret = device_check(cfg->device, cfg->ndevices, spec, eb);

	if (!ret)
		cfg->device[cfg->ndevices++] = spec;
	return ret;
}

int orch_vm_config_add_nic(struct orch_vm_config *cfg, const char *spec,
			   struct errbuf *eb)
{
	struct orch_nic nic;
	int ret;

	if (cfg->nnics == ORCH_NICS_MAX)
		return errbuf_set(eb, -E2BIG, "more than %d --nic options",
				  ORCH_NICS_MAX);
	ret = orch_nic_init(&nic, spec, eb);
	if (!ret)
		cfg->nic[cfg->nnics++] = spec;
	return ret;
}

/* ---- what the VM is ----------------------------------------------------- */

static json_object *vm_details(const struct orch_vm *v)
{
	json_object *o = json_object_new_object(), *devs, *nics;
	struct vfio_pci_desc d;
	char guest[16];

	json_object_object_add(o, "kernel", v->kernel ?
			       json_object_new_string(v->kernel) : NULL);
	json_object_object_add(o, "mem", json_object_new_int64((int64_t)v->mem));
	json_object_object_add(o, "cpus", json_object_new_int((int)v->cpus));
	json_object_object_add(o, "numa_node", v->numa_node < 0 ? NULL :
			       json_object_new_int(v->numa_node));
	devs = json_object_new_array();
	for (unsigned int i = 0; i < v->ndevices; i++) {
		json_object *dev = json_object_new_object();
		struct vfio_pci *vp = v->set ? vfio_set_device(v->set, i) : NULL;

		json_object_object_add(dev, "spec", json_object_new_string(v->device[i]));
		if (!strncmp(v->device[i], "vfio-user:", 10)) {
			struct vfio_spec sp;

			if (!vfio_spec_parse(v->device[i], &sp, NULL))
				json_object_object_add(dev, "socket",
						       json_object_new_string(sp.user_path));
		} else if (v->taken[i][0]) {
			json_object_object_add(dev, "bdf", json_object_new_string(v->taken[i]));
		}
		if (v->pool[i][0])
			json_object_object_add(dev, "pool", json_object_new_string(v->pool[i]));
		if (vp) {
			vfio_pci_describe(vp, &d);
			snprintf(guest, sizeof(guest), "%02x:%02x.%x", d.guest.bus,
				 d.guest.dev, d.guest.fn);
			json_object_object_add(dev, "guest", json_object_new_string(guest));
		}
		json_object_array_add(devs, dev);
	}
	json_object_object_add(o, "devices", devs);
	nics = json_object_new_array();
	for (unsigned int i = 0; i < v->nnics; i++)
		json_object_array_add(nics, orch_nic_json(&v->nic[i]));
	json_object_object_add(o, "nics", nics);
	return o;
}

char *orch_vm_describe(const struct orch_vm *v)
{
	json_object *o = json_object_new_object(), *d = vm_details(v);
	char *text;

	json_object_object_add(o, "name", v->name[0] ?
			       json_object_new_string(v->name) : NULL);
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "started", json_object_new_int64(v->started));
	json_object_object_add(o, "state", json_object_new_string(
		v->stopping ? "stopping" : v->running ? "running" : "created"));
	json_object_object_foreach(d, key, val)
		json_object_object_add(o, key, json_object_get(val));
	json_object_put(d);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

int orch_vm_console_fd(const struct orch_vm *v)
{
	return v->console_fd;
}

/*
 * Claims the name (no lock yet), or rewrites the record once the NICs'
 * paths are known: the registry takes the members of the details object.
 */
static int vm_register(struct orch_vm *v, struct errbuf *eb)
{
	json_object *o;
	const char *json;
	char *members;
	size_t len;
	int fd;

	if (!v->name[0])
		return 0;
	o = vm_details(v);
	json = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(json);
	members = strndup(json + 1, len - 2);	/* without its braces */
	json_object_put(o);
	if (!members)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	if (v->lock_fd >= 0)
		fd = orch_registry_update(v->ctx.state, v->name, members, eb);
	else
		fd = orch_registry_add(v->ctx.state, v->name, members, eb);
	free(members);
	if (fd < 0)
		return fd;
	if (v->lock_fd < 0)
		v->lock_fd = fd;
	return 0;
}

/* ---- building it -------------------------------------------------------- */

/* A stage whose every failure is the request's or the host's to fix. */
static int fixable(int err)
{
	return orch_err_fixable(err) ? err : -EINVAL;
}

/* --console, or the daemon's log under the state directory. */
static int vm_open_console(struct orch_vm *v, const struct orch_vm_config *cfg,
			   struct errbuf *eb)
{
	const char *file = cfg->console;
	char rel[128];
	int ret;

	if (!file && cfg->console_log && v->name[0]) {
		ret = state_mkdir(v->ctx.state, "vms", eb);
		if (ret)
			return ret;
		/* Never through a symlink: root would write the guest's
		 * console over whatever it points at. 0600: a guest's
		 * console is its owner's to read. */
		snprintf(rel, sizeof(rel), "vms/%s.log", v->name);
		v->console_fd = state_open(v->ctx.state, rel, O_WRONLY | O_CREAT | O_TRUNC,
					   0600, eb);
		return v->console_fd < 0 ? fixable(v->console_fd) : 0;
	}
	if (!file)
		return 0;
	v->console_fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (v->console_fd < 0)
		return errbuf_set(eb, fixable(-errno), "cannot open --console %s: %s",
				  file, strerror(errno));
	return 0;
}

/* Each NIC placed; a VF becomes one of the VM's devices. */
static int vm_place_nics(struct orch_vm *v, struct errbuf *eb)
{
	for (unsigned int i = 0; i < v->nnics; i++) {
		struct orch_nic *nic = &v->nic[i];
		int ret = orch_nic_place(&v->ctx, nic, (int)i, &v->leases, eb);

		if (ret)
			return ret;
		if (nic->path != ORCH_NIC_VF)
			continue;
		/* Already leased and on vfio-pci: assigned as a --device. */
		ret = device_check((const char *const *)v->device, v->ndevices,
				   nic->bdf, eb);
		if (!ret && !(v->device[v->ndevices] = strdup(nic->bdf)))
			ret = errbuf_set(eb, -ENOMEM, "out of memory");
		if (ret)
			return ret;
		memcpy(v->taken[v->ndevices], nic->bdf, sizeof(nic->bdf));
		memcpy(v->pool[v->ndevices], nic->spec.pool, sizeof(nic->spec.pool));
		v->ndevices++;
	}
	return 0;
}

/*
 * What vfio_set_add() gets for device i: a pool's member leased for this VM
 * (bound to vfio-pci, VF settings applied), a function on a host driver
 * borrowed with return_borrowed (leased by address), or the spec as given.
 */
static int vm_take_device(struct orch_vm *v, unsigned int i, char *out,
			  size_t len, struct errbuf *eb)
{
	const char *spec = v->device[i];
	char pool[POOL_NAME_MAX], bdf[PCI_ADDR_STRLEN], driver[64] = "", rel[64];
	const char *opts = pool_spec(spec, pool, sizeof(pool));
	struct vfio_spec sp;
	int ret;

	if (opts) {
		ret = orch_lease_take(&v->ctx, &v->leases, pool, NULL, NULL, bdf, eb);
		if (ret)
			return ret;
		orch_event(&v->ctx, ORCH_EVENT_INFO, "--device %s: leased %s from pool '%s'",
			   spec, bdf, pool);
		snprintf(v->taken[i], sizeof(v->taken[i]), "%s", bdf);
		snprintf(v->pool[i], sizeof(v->pool[i]), "%s", pool);
		snprintf(out, len, "%s%s", bdf, opts);
		return 0;
	}
	snprintf(out, len, "%s", spec);
	if (vfio_spec_parse(spec, &sp, NULL) || sp.user)
		return 0;
	pci_addr_format(&sp.addr, v->taken[i]);
	if (!v->return_borrowed)
		return 0;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", v->taken[i]);
	sysfs_link_base(v->ctx.sysfs, rel, driver, sizeof(driver));
	if (!strcmp(driver, "vfio-pci"))
		return 0;
	/* Safety checks, the group, the original driver: as iopass assign. */
	ret = orch_lease_take(&v->ctx, &v->leases, NULL, v->taken[i], NULL, bdf, eb);
	if (ret)
		return ret;
	orch_event(&v->ctx, ORCH_EVENT_INFO,
		   "--device %s: borrowed from %s until the VM ends (--return)",
		   spec, driver[0] ? driver : "no driver");
	return 0;
}

/* Guest RAM and vCPUs on the NUMA node of --numa or of the devices. */
static int vm_place_numa(struct orch_vm *v, struct errbuf *eb)
{
	const char *bdfs[ORCH_DEVICES_MAX];
	struct orch_numa n;
	int ret;

	for (unsigned int i = 0; i < v->ndevices; i++)
		bdfs[i] = v->taken[i];
	ret = orch_numa_pick(v->ctx.sysfs, v->numa_want, bdfs, v->ndevices, &n, eb);
	if (ret)
		return ret;
	if (n.span)
		orch_event(&v->ctx, ORCH_EVENT_WARN, "warning: the devices span NUMA nodes (%s): DMA of "
			   "those off node %d crosses nodes; give the VM devices of one node",
			   n.devices, n.node);
	if (n.node < 0)
		return 0;
	ret = vm_numa_place(v->vm, (unsigned int)n.node, &n.cpus, eb);
	if (ret)
		return fixable(ret);
	v->numa_node = n.node;
	orch_event(&v->ctx, ORCH_EVENT_INFO, "NUMA node %d: guest RAM and %u vCPU%s (%s)",
		   n.node, v->cpus, v->cpus == 1 ? "" : "s", n.why);
	return 0;
}

/*
 * The VM's devices, through one vfio_set; without a VMM only taken. Each
 * attached device says where the guest sees it and how it is wired.
 */
static int vm_attach_devices(struct orch_vm *v, struct errbuf *eb)
{
	char spec[ORCH_DEVICES_MAX][PCI_ADDR_STRLEN + 128];
	int ret = 0;

	for (unsigned int i = 0; !ret && i < v->ndevices; i++)
		ret = vm_take_device(v, i, spec[i], sizeof(spec[i]), eb);
	/* Where the devices are known, before VFIO pins the RAM. */
	if (!ret && v->vm)
		ret = vm_place_numa(v, eb);
	if (!ret && v->vm && v->ndevices)
		ret = vfio_set_create(v->vm, &v->set, eb);
	for (unsigned int i = 0; !ret && v->set && i < v->ndevices; i++)
		ret = vfio_set_add(v->set, spec[i], eb);
	if (ret || !v->set)
		return ret;
	/*
	 * Before the guest runs: which device no reset reaches, and what would
	 * help; then each device, described once all are in (a bus reset needs
	 * the whole bus).
	 */
	{
		const char *taken[ORCH_DEVICES_MAX];

		for (unsigned int i = 0; i < v->ndevices; i++)
			taken[i] = v->taken[i];
		orch_reset_preflight(&v->ctx, taken, v->ndevices);
	}
	for (unsigned int i = 0; i < v->ndevices; i++) {
		struct vfio_pci_desc d;

		vfio_pci_describe(vfio_set_device(v->set, i), &d);
		orch_event(&v->ctx, ORCH_EVENT_INFO,
			   "--device %s is the guest's %02x:%02x.%x (%s; MSI-X %u, MSI %u, "
			   "INTx %s, through %s; ROM %s; reset %s)", v->device[i],
			   d.guest.bus, d.guest.dev, d.guest.fn, vfio_set_domain(v->set) ?
			   iommu_domain_backend(vfio_set_domain(v->set)) : "vfio-user",
			   d.msix_vectors, d.msi_vectors, d.intx ? "yes" : "no",
			   d.relay ? "a relay thread" : "KVM irqfds",
			   d.rom ? "read-only" : "none",
			   d.reset ? "at start and exit" : d.reset_note[0] ? d.reset_note :
			   "not possible (the device has no reset method)");
	}
	return 0;
}

/* Backend events of a running VM's NICs (the NIC's own thread). */
static void vm_nic_log(void *opaque, const char *msg)
{
	orch_event(opaque, ORCH_EVENT_WARN, "%s", msg);
}

static int vm_add_nics(struct orch_vm *v, struct errbuf *eb)
{
	for (unsigned int i = 0; v->vm && i < v->nnics; i++) {
		struct orch_nic *nic = &v->nic[i];
		int ret;

		if (nic->path != ORCH_NIC_VHOST_USER && nic->path != ORCH_NIC_VMDQ)
			continue;
		nic->cfg.log = vm_nic_log;
		nic->cfg.log_opaque = &v->ctx;
		ret = vmm_nic_add(v->vm, &nic->cfg, eb);
		if (ret)
			return fixable(ret);
	}
	return 0;
}

static void vm_control_stop_cb(void *opaque)
{
	orch_vm_stop(opaque);
}

static char *vm_control_describe_cb(void *opaque)
{
	return orch_vm_describe(opaque);
}

/* Copies of what the VM keeps of its configuration; all of it checked. */
static int vm_take_config(struct orch_vm *v, const struct orch_vm_config *cfg,
			  struct errbuf *eb)
{
	int ret;

	if (cfg->name) {
		if (!orch_vm_name_valid(cfg->name))
			return errbuf_set(eb, -EINVAL,
				"'%s' is not a VM name: use 1-%d letters, digits, '-', '_' or '.'",
				cfg->name, ORCH_VM_NAME_MAX);
		snprintf(v->name, sizeof(v->name), "%s", cfg->name);
	}
	if (cfg->vm.kernel && !(v->kernel = strdup(cfg->vm.kernel)))
		return errbuf_set(eb, -ENOMEM, "out of memory");
	v->mem = cfg->vm.mem_size;
	v->cpus = cfg->vm.cpus;
	v->return_borrowed = cfg->return_borrowed;
	v->numa_want = cfg->numa;
	v->numa_node = -1;
	if (cfg->ndevices > ORCH_DEVICES_MAX || cfg->nnics > ORCH_NICS_MAX)
		return errbuf_set(eb, -E2BIG, "more than %d devices or %d NICs",
				  ORCH_DEVICES_MAX, ORCH_NICS_MAX);
	for (unsigned int i = 0; i < cfg->ndevices; i++) {
		ret = device_check((const char *const *)v->device, v->ndevices,
				   cfg->device[i], eb);
		if (ret)
			return ret;
		v->device[v->ndevices] = strdup(cfg->device[i]);
		if (!v->device[v->ndevices])
			return errbuf_set(eb, -ENOMEM, "out of memory");
		v->ndevices++;
	}
	for (unsigned int i = 0; i < cfg->nnics; i++) {
		ret = orch_nic_init(&v->nic[i], cfg->nic[i], eb);
		if (ret)
			return ret;
		v->nnics++;
	}
	return 0;
}

int orch_vm_create(const struct orch_ctx *ctx, const struct orch_vm_config *cfg,
		   struct orch_vm **out, struct errbuf *eb)
{
	struct orch_vm *v = calloc(1, sizeof(*v));
	struct vm_config vmcfg = cfg->vm;
	struct errbuf ignored;
	int ret;

	*out = NULL;
	if (!v)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	v->ctx = *ctx;
	v->lock_fd = v->console_fd = v->stop_fd = -1;
	v->started = (long long)time(NULL);
	orch_leases_init(&v->leases, cfg->name);
	ret = vm_take_config(v, cfg, eb);
	if (!ret)
		ret = vm_register(v, eb);
	if (!ret)
		ret = vm_open_console(v, cfg, eb);
	if (ret)
		goto err;
	if (v->console_fd >= 0)
		vmcfg.console_out_fd = v->console_fd;
	/*
	 * RAM that no backend maps (no NIC, no vfio-user device) can be
	 * private, with transparent huge pages: a faster boot (vmm/memory.c).
	 */
	vmcfg.private_ram = !cfg->nnics;
	for (unsigned int i = 0; i < cfg->ndevices; i++)
		if (!strncmp(cfg->device[i], "vfio-user:", 10))
			vmcfg.private_ram = false;
	if (cfg->vm.kernel) {
		ret = vm_create(&vmcfg, &v->vm, eb);
		if (ret) {
			if (!eb || !eb->msg[0])
				errbuf_set(eb, ret, "%s", strerror(-ret));
			ret = fixable(ret);
			goto err;
		}
	} else {
		v->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (v->stop_fd < 0) {
			ret = errbuf_set(eb, -errno, "eventfd: %s", strerror(errno));
			goto err;
		}
	}
	ret = vm_place_nics(v, eb);
	if (!ret)
		ret = vm_register(v, eb);
	if (!ret)
		ret = vm_attach_devices(v, eb);
	/* Again with each device's bdf: what `host apply` must not touch. */
	if (!ret)
		ret = vm_register(v, eb);
	if (!ret)
		ret = vm_add_nics(v, eb);
	if (!ret && v->name[0])
		ret = orch_control_start(v->ctx.state, v->name, vm_control_stop_cb,
					 vm_control_describe_cb, v, &v->control, eb);
	if (ret)
		goto err;
	*out = v;
	return 0;

err:
	orch_vm_destroy(v, &ignored);
	return ret;
}

/* ---- its life ----------------------------------------------------------- */

int orch_vm_run(struct orch_vm *v, struct vm_exit *exit, struct errbuf *eb)
{
	struct pollfd p = { .fd = v->stop_fd, .events = POLLIN };
	int ret;

	v->running = true;
	if (v->vm) {
		ret = vm_run(v->vm, exit, eb);
		v->running = false;
		return ret;
	}
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	v->running = false;
	*exit = (struct vm_exit){ .reason = VM_EXIT_STATUS, .status = 0 };
	return 0;
}

void orch_vm_stop(struct orch_vm *v)
{
	uint64_t one = 1;

	v->stopping = true;
	if (v->vm)
		vm_request_stop(v->vm);
	else if (write(v->stop_fd, &one, sizeof(one)) != sizeof(one))
		return;	/* the counter is full: it is signalled already */
}

int orch_vm_destroy(struct orch_vm *v, struct errbuf *eb)
{
	struct errbuf one = { "" };
	int ret = 0, r;

	if (!v)
		return 0;
	orch_control_stop(v->control);
	/* Devices reset and unpinned while the VM still exists. */
	r = vfio_set_destroy_checked(v->set, &one);
	if (r) {
		orch_event(&v->ctx, ORCH_EVENT_WARN, "%s", one.msg);
		ret = errbuf_set(eb, r, "%s", one.msg);
	}
	/* Then back to their pools or drivers, as they were found. */
	r = orch_leases_release(&v->ctx, &v->leases, &one);
	if (r && !ret)
		ret = errbuf_set(eb, r, "%s", one.msg);
	vm_destroy(v->vm);
	/* The NICs' frontends are gone: their switch ports can go. */
	for (unsigned int i = v->nnics; i-- > 0;)
		orch_nic_release(&v->ctx, &v->nic[i]);
	/* The name goes last: 'vm stop' waits for the lock, so for all this. */
	if (v->lock_fd >= 0)
		orch_registry_remove(v->ctx.state, v->name, v->lock_fd);
	if (v->console_fd >= 0)
		close(v->console_fd);
	if (v->stop_fd >= 0)
		close(v->stop_fd);
	for (unsigned int i = 0; i < v->ndevices; i++)
		free(v->device[i]);
	free(v->kernel);
	free(v);
	return ret;
}
