// SPDX-License-Identifier: GPL-2.0-only
/*
 * Leases taken for a VM (pool members and borrowed devices), released when
 * it stops however it stops: at the end of `vm run`, or by `iopass gc` after
 * the VMM died, since each lease is held by the VMM's flock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopass/lease.h"
#include "iopass/sriov.h"
#include "commands.h"
#include "vm_leases.h"

void vm_leases_init(struct vm_leases *d, const char *vm_name)
{
	memset(d, 0, sizeof(*d));
	if (vm_name)
		snprintf(d->owner, sizeof(d->owner), "vm:%s", vm_name);
	else
		snprintf(d->owner, sizeof(d->owner), "vm:pid%d", (int)getpid());
}

/* The fields of over replace the pool's. */
static void vm_vf_override(struct pool_vf_settings *vf,
			   const struct pool_vf_settings *over)
{
	if (over->mask & VF_FIELD_MAC) {
		memcpy(vf->want.mac, over->want.mac, sizeof(vf->want.mac));
		vf->mac_auto = false;
	}
	if (over->mask & VF_FIELD_VLAN)
		vf->want.vlan = over->want.vlan;
	vf->mask |= over->mask;
}

int vm_leases_lease(struct vm_leases *d, const char *pool, const char *bdf,
		    const struct pool_vf_settings *over, char *busy_why,
		    size_t why_len, char out[PCI_ADDR_STRLEN])
{
	struct pool_vf_settings vf = { 0 };
	const char *pool_name = NULL;
	struct pci_addr *cands;
	struct vm_lease *grown;
	struct lease_ctx ctx;
	struct errbuf eb;
	struct lease l;
	int ret, hold_fd = -1, released;
	size_t n;

	ret = cli_lease_candidates(pool ? pool : bdf, NULL, &cands, &n,
				   &pool_name, &vf);
	if (ret)
		return ret;
	if (over)
		vm_vf_override(&vf, over);
	grown = realloc(d->leases, (d->n + 1) * sizeof(*grown));
	if (!grown) {
		free(cands);
		free((char *)pool_name);
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	d->leases = grown;
	ctx = cli_lease_ctx(0);
	/* Leases of VMMs that died are given back before anything is taken. */
	if (!d->gc_done)
		lease_gc(&ctx, &released, &eb);
	d->gc_done = true;
	ret = lease_acquire(&ctx, cands, n, d->owner, pool_name,
			    pool_name ? &vf : NULL, "vfio-pci", &hold_fd, &l,
			    &eb);
	free(cands);
	free((char *)pool_name);
	if (ret) {
		if (ret == -EBUSY && busy_why) {
			snprintf(busy_why, why_len, "%s", eb.msg);
			return -EBUSY;
		}
		cli_error("%s", eb.msg);
		return cli_exit_code(ret);
	}
	memset(&d->leases[d->n], 0, sizeof(d->leases[d->n]));
	snprintf(d->leases[d->n].bdf, sizeof(d->leases[d->n].bdf), "%s", l.bdf);
	snprintf(d->leases[d->n].pool, sizeof(d->leases[d->n].pool), "%s",
		 pool ? pool : "");
	d->leases[d->n].hold_fd = hold_fd;
	d->n++;
	snprintf(out, PCI_ADDR_STRLEN, "%s", l.bdf);
	return 0;
}

int vm_leases_release(struct vm_leases *d)
{
	struct lease_ctx ctx = cli_lease_ctx(0);
	int ret = 0;

	/* Newest first: the reverse of how they were taken. */
	while (d->n) {
		struct vm_lease *l = &d->leases[--d->n];
		struct errbuf eb;

		if (lease_release(&ctx, l->bdf, &eb)) {
			/* The lock stays held until exit: gc will retry. */
			cli_error("releasing %s failed: %s; 'iopass gc' retries once this VMM is gone",
				  l->bdf, eb.msg);
			ret = EXIT_FAIL;
			continue;
		}
		close(l->hold_fd);
	}
	free(d->leases);
	d->leases = NULL;
	return ret;
}
