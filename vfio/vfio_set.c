// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every assigned device of one VM. Kernel devices share one DMA domain,
 * opened with the first of them, with all guest RAM mapped at IOVA = GPA
 * once (after RLIMIT_MEMLOCK was checked, so that pinning cannot fail
 * halfway for want of it). vfio-user devices map the RAM through their
 * transport's own DMA mapping instead (the server maps the memfd): one
 * interface, vfio_dma, for both. Whatever an add fails on is undone
 * before it returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_impl.h"

#define USER_PREFIX	"vfio-user:"

struct vfio_set {
	struct vm *vm;
	struct iommu_domain *dom;
	struct vfio_dma_domain dom_dma;	/* DMA through dom */
	bool ram_mapped;	/* in dom */
	struct vfio_pci **devs;
	char **specs;		/* as given, for the device-twice check */
	size_t n;
};

static bool is_uuid(const char *s)
{
	static const char form[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == '-' ? s[i] != '-' : hex_digit(s[i]) < 0)
			return false;
	return true;
}

static int parse_opt(const char *spec, const char *opt, size_t len,
		     struct vfio_spec *out, struct errbuf *eb)
{
	if (len == 9 && !strncmp(opt, "irq=relay", 9)) {
		out->irq_relay = true;
	} else if (len == 9 && !strncmp(opt, "irq=irqfd", 9)) {
		out->irq_relay = false;
	} else if (len > 9 && !strncmp(opt, "vf_token=", 9) && !out->user &&
		   len - 9 < sizeof(out->vf_token)) {
		memcpy(out->vf_token, opt + 9, len - 9);
		out->vf_token[len - 9] = '\0';
		if (!is_uuid(out->vf_token))
			return errbuf_set(eb, -EINVAL, "--device '%s': "
					  "vf_token= wants a UUID "
					  "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
					  spec);
	} else {
		return errbuf_set(eb, -EINVAL, "--device '%s': unknown option "
				  "'%.*s' (irq=irqfd, irq=relay%s)", spec,
				  (int)len, opt,
				  out->user ? "" : ", vf_token=UUID");
	}
	return 0;
}

int vfio_spec_parse(const char *spec, struct vfio_spec *out,
		    struct errbuf *eb)
{
	const char *opts, *p;
	size_t head;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!strncmp(spec, USER_PREFIX, strlen(USER_PREFIX))) {
		const char *path = spec + strlen(USER_PREFIX);

		/* Only a trailing ",irq=..." is an option: paths may hold ','. */
		opts = strstr(path, ",irq=");
		while (opts && strstr(opts + 1, ",irq="))
			opts = strstr(opts + 1, ",irq=");
		head = opts ? (size_t)(opts - path) : strlen(path);
		if (!head || head >= sizeof(out->user_path))
			return errbuf_set(eb, -EINVAL, "--device '%s': give the "
					  "vfio-user server's socket as "
					  "vfio-user:PATH", spec);
		out->user = true;
		memcpy(out->user_path, path, head);
		out->user_path[head] = '\0';
	} else {
		char bdf[PCI_ADDR_STRLEN + 8];

		opts = strchr(spec, ',');
		head = opts ? (size_t)(opts - spec) : strlen(spec);
		if (head >= sizeof(bdf) || !head)
			goto err_bdf;
		memcpy(bdf, spec, head);
		bdf[head] = '\0';
		if (pci_addr_parse(bdf, &out->addr))
			goto err_bdf;
	}
	for (p = opts; p && *p; ) {
		const char *next = strchr(p + 1, ',');
		size_t len = next ? (size_t)(next - p - 1) : strlen(p + 1);

		ret = parse_opt(spec, p + 1, len, out, eb);
		if (ret)
			return ret;
		p = next;
	}
	return 0;

err_bdf:
	return errbuf_set(eb, -EINVAL, "--device '%s' is neither a PCI address "
			  "(DDDD:BB:DD.F, as 'iopass list' shows) nor "
			  "vfio-user:PATH", spec);
}

int vfio_spec_twice(const char *const *given, size_t n, const char *spec,
		    struct errbuf *eb)
{
	struct vfio_spec sp, other;

	if (vfio_spec_parse(spec, &sp, NULL))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (vfio_spec_parse(given[i], &other, NULL) || sp.user != other.user ||
		    (sp.user ? strcmp(sp.user_path, other.user_path) :
			       pci_addr_cmp(&sp.addr, &other.addr)))
			continue;
		return errbuf_set(eb, -EBUSY, "--device %s is given twice (as '%s' and "
				  "'%s'): a device can be assigned to a VM once", spec,
				  given[i], spec);
	}
	return 0;
}

int vfio_set_create(struct vm *vm, struct vfio_set **out, struct errbuf *eb)
{
	struct vfio_set *s = calloc(1, sizeof(*s));

	if (!s)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	s->vm = vm;
	*out = s;
	return 0;
}

static uint64_t ram_total(struct vm *vm, struct vm_ram_region *r, int *n)
{
	uint64_t total = 0;

	*n = vm_ram_regions(vm, r, VM_RAM_REGIONS_MAX);
	for (int i = 0; i < *n; i++)
		total += r[i].size;
	return total;
}

/* The first kernel device: domain, memlock, then the device, then RAM. */
static int kernel_open(struct vfio_set *s, const struct vfio_spec *sp,
		       struct vfio_transport **t, struct errbuf *eb)
{
	struct vm_ram_region r[VM_RAM_REGIONS_MAX];
	char bdf[PCI_ADDR_STRLEN], rel[64];
	bool fresh = !s->dom;
	int n, ret;

	pci_addr_format(&sp->addr, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	if (!sysfs_exists(sysfs_default_root(), rel))
		return errbuf_set(eb, -ENOENT, "no PCI device %s on this host: "
				  "'iopass list' shows the devices", bdf);
	if (fresh) {
		ret = iommu_memlock_check_self(ram_total(s->vm, r, &n), eb);
		if (ret)
			return ret;
		ret = iommu_domain_open(IOMMU_BACKEND_AUTO,
					sysfs_default_root(), "/dev", &s->dom,
					eb);
		if (ret)
			return ret;
	}
	ret = vfio_kernel_open(s->dom, &sp->addr,
			       sp->vf_token[0] ? sp->vf_token : NULL, t, eb);
	if (ret)
		goto err_dom;
	if (!s->ram_mapped) {
		vfio_dma_domain_init(&s->dom_dma, s->dom);
		ret = vfio_dma_map_ram(&s->dom_dma.dma, s->vm, eb);
		if (ret)
			goto err_t;
		s->ram_mapped = true;
	}
	return 0;

err_t:
	(*t)->ops->close(*t);
err_dom:
	if (fresh) {
		iommu_domain_close(s->dom);
		s->dom = NULL;
	}
	return ret;
}

static int user_open(struct vfio_set *s, const struct vfio_spec *sp,
		     struct vfio_transport **t, struct errbuf *eb)
{
	int ret;

	ret = vfio_user_connect(sp->user_path, t, eb);
	if (ret)
		return ret;
	ret = vfio_dma_map_ram((*t)->dma, s->vm, eb);
	if (ret)
		(*t)->ops->close(*t);
	return ret;
}

int vfio_set_add(struct vfio_set *s, const char *spec, struct errbuf *eb)
{
	struct vfio_pci_opts opts = { 0 };
	struct vfio_transport *t;
	struct vfio_spec sp;
	struct vfio_pci **devs, *vp;
	char **specs, *copy;
	bool had_dom = s->dom;
	int ret;

	ret = vfio_spec_parse(spec, &sp, eb);
	if (!ret)
		ret = vfio_spec_twice((const char *const *)s->specs, s->n, spec, eb);
	if (ret)
		return ret;
	devs = realloc(s->devs, (s->n + 1) * sizeof(*devs));
	if (devs)
		s->devs = devs;
	specs = realloc(s->specs, (s->n + 1) * sizeof(*specs));
	if (specs)
		s->specs = specs;
	copy = strdup(spec);
	if (!devs || !specs || !copy) {
		free(copy);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}

	ret = sp.user ? user_open(s, &sp, &t, eb) : kernel_open(s, &sp, &t, eb);
	if (ret) {
		free(copy);
		return ret;
	}
	opts.irq_relay = sp.irq_relay;
	ret = vfio_pci_attach_opts(s->vm, t, &opts, &vp, eb);	/* owns t */
	if (ret) {
		/* The domain this add opened goes too: nothing stays pinned. */
		if (!had_dom && s->dom) {
			iommu_domain_close(s->dom);
			s->dom = NULL;
			s->ram_mapped = false;
		}
		free(copy);
		return ret;
	}
	s->devs[s->n] = vp;
	s->specs[s->n] = copy;
	s->n++;
	if (sp.user)
		return 0;
	/* A device without a reset: a bus reset once the VM has its whole bus. */
	ret = vfio_bus_reset_plan(s->devs, s->n, s->dom, eb);
	if (ret) {
		vfio_pci_detach(s->devs[--s->n]);
		if (!had_dom) {
			iommu_domain_close(s->dom);
			s->dom = NULL;
			s->ram_mapped = false;
		}
	}
	return ret;
}

struct vfio_pci *vfio_set_device(struct vfio_set *s, size_t i)
{
	return i < s->n ? s->devs[i] : NULL;
}

struct iommu_domain *vfio_set_domain(struct vfio_set *s)
{
	return s->dom;
}

int vfio_set_destroy_checked(struct vfio_set *s, struct errbuf *eb)
{
	struct errbuf first = { "" }, one = { "" };
	int ret = 0, failed = 0;

	if (!s)
		return 0;
	/* Bus resets first, while every function of the bus is still ours. */
	if (s->dom) {
		ret = vfio_bus_reset_exit(s->devs, s->n, s->dom, &first);
		failed = ret != 0;
	}
	/* Every device goes, whatever one of them fails on. */
	while (s->n > 0) {
		int r = vfio_pci_detach_checked(s->devs[--s->n], &one);

		free(s->specs[s->n]);

		if (r && !failed++) {
			ret = r;
			first = one;
		}
	}
	if (failed)
		errbuf_set(eb, ret, "%s%s", first.msg, failed > 1 ?
			   " (another device failed its reset too)" : "");
	iommu_domain_close(s->dom);	/* unmaps (unpins) guest RAM */
	free(s->devs);
	free(s->specs);
	free(s);
	return ret;
}

void vfio_set_destroy(struct vfio_set *s)
{
	vfio_set_destroy_checked(s, NULL);
}
