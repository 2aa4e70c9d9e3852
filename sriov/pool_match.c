// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pool selectors against the host's PCI functions. AND across keys, OR
 * within one key's values; on top of that two rules no selector can undo,
 * because breaking them takes something away from the host or cannot work:
 * a bridge is never a member (vfio-pci cannot take one), and neither is a PF
 * with VFs enabled (assigning it would pull its VFs from under their users).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/sriov.h"

#define PCI_BASE_CLASS_BRIDGE	0x06

static bool pf_has_ifname(const char *sysfs, const struct pci_addr *pf,
			  const char *ifname)
{
	char bdf[PCI_ADDR_STRLEN], rel[128];
	int n;

	pci_addr_format(pf, bdf);
	n = snprintf(rel, sizeof(rel), "bus/pci/devices/%s/net/%s", bdf, ifname);
	return n > 0 && (size_t)n < sizeof(rel) && sysfs_exists(sysfs, rel);
}

static bool pf_selects(const char *sysfs, const struct pool_pf *sel,
		       const struct pci_func *f)
{
	if (!f->is_vf)
		return false;
	if (sel->by_ifname ? !pf_has_ifname(sysfs, &f->pf, sel->ifname) :
			     pci_addr_cmp(&sel->addr, &f->pf) != 0)
		return false;
	if (!sel->nranges)
		return true;
	/* A VF whose index sysfs does not show is in no range. */
	for (size_t i = 0; i < sel->nranges; i++)
		if (f->vf_index >= sel->ranges[i].first &&
		    f->vf_index <= sel->ranges[i].last)
			return true;
	return false;
}

static bool has_u16(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool has_addr(const struct pci_addr *v, size_t n,
		     const struct pci_addr *x)
{
	for (size_t i = 0; i < n; i++)
		if (!pci_addr_cmp(&v[i], x))
			return true;
	return false;
}

static bool has_driver(const struct pool *pool, const char *driver)
{
	for (size_t i = 0; i < pool->ndrivers; i++)
		if (!strcmp(pool->drivers[i], driver))
			return true;
	return false;
}

static bool has_class(const struct pool *pool, unsigned int base)
{
	for (size_t i = 0; i < pool->nclasses; i++)
		if (pool->classes[i] == base)
			return true;
	return false;
}

bool pool_match_func(const char *sysfs, const struct pool *pool,
		     const struct pci_func *f)
{
	unsigned int base = f->class >> 16;
	bool any_pf = false;

	if (base == PCI_BASE_CLASS_BRIDGE)
		return false;
	if (!f->is_vf && f->sriov_num > 0)
		return false;
	if (pool->vfs_only && !f->is_vf)
		return false;
	if (pool->nvendors && !has_u16(pool->vendors, pool->nvendors, f->vendor))
		return false;
	if (pool->ndevices && !has_u16(pool->devices, pool->ndevices, f->device))
		return false;
	if (pool->naddrs && !has_addr(pool->addrs, pool->naddrs, &f->addr))
		return false;
	if (pool->ndrivers && !has_driver(pool, f->driver))
		return false;
	if (pool->nclasses && !has_class(pool, base))
		return false;
	for (size_t i = 0; i < pool->npfs && !any_pf; i++)
		any_pf = pf_selects(sysfs, &pool->pfs[i], f);
	return !pool->npfs || any_pf;
}

static int member_cmp(const void *a, const void *b, void *funcs)
{
	const struct pci_func *f = funcs;

	return pci_addr_cmp(&f[*(const size_t *)a].addr,
			    &f[*(const size_t *)b].addr);
}

int pool_match(const char *sysfs, const struct pool *pool,
	       const struct pci_func *funcs, size_t n, size_t **members,
	       size_t *nmembers, struct errbuf *eb)
{
	size_t *idx = NULL, count = 0;

	for (size_t i = 0; i < n; i++) {
		if (!pool_match_func(sysfs, pool, &funcs[i]))
			continue;
		if (!idx) {
			idx = malloc(n * sizeof(*idx));
			if (!idx)
				return errbuf_set(eb, -ENOMEM, "out of memory");
		}
		idx[count++] = i;
	}
	/* pci_func_scan() sorts already; a caller's own list may not be. */
	if (count > 1)
		qsort_r(idx, count, sizeof(*idx), member_cmp, (void *)funcs);
	*members = idx;
	*nmembers = count;
	return 0;
}
