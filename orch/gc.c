// SPDX-License-Identifier: GPL-2.0-only
/*
 * One gc for what dead VMMs held. The order matters: a dead VM's record
 * goes only once its devices are back (so `iopass vm list` shows it dead
 * until then), and its switch ports last.
 */
#include <stdlib.h>
#include <string.h>

#include "iopass/lease.h"

#include "orch_impl.h"

/* Broken lease records are listed, and removed when asked. */
static int gc_broken(const struct orch_ctx *ctx, bool dry_run, bool remove,
		     struct orch_gc_result *res, struct errbuf *eb)
{
	struct lease_ctx lc = orch_lease_ctx(ctx, dry_run ? BIND_DRY_RUN : 0);
	int ret, first = 0;

	ret = lease_list_broken(ctx->state, &res->broken, &res->nbroken, eb);
	for (size_t i = 0; !ret && remove && i < res->nbroken; i++) {
		struct errbuf one;

		ret = lease_drop_broken(&lc, res->broken[i].bdf, &one);
		res->broken[i].removed = !ret;
		if (ret && !first)
			first = errbuf_set(eb, ret, "%s", one.msg);
		ret = 0;
	}
	return ret ? ret : first;
}

int orch_gc(const struct orch_ctx *ctx, bool dry_run, bool broken,
	    struct orch_gc_result *res, struct errbuf *eb)
{
	struct lease_ctx lc = orch_lease_ctx(ctx, dry_run ? BIND_DRY_RUN : 0);
	int ret, n;

	memset(res, 0, sizeof(*res));
	ret = lease_gc(&lc, &res->leases, eb);
	n = gc_broken(ctx, dry_run, broken, res, ret ? NULL : eb);
	if (n && !ret)
		ret = n;
	n = orch_registry_gc(ctx->state, dry_run, &res->vms, &res->nvms);
	if (n < 0 && !ret)
		ret = errbuf_set(eb, n, "collecting the records of dead VMs under %s/vms failed",
				 ctx->state);
	n = orch_nic_gc(ctx, dry_run, &res->ports, &res->nports);
	if (n < 0 && !ret)
		ret = errbuf_set(eb, n, "collecting the switch ports of dead VMs under %s/"
				 ORCH_PORTS_DIR " failed", ctx->state);
	return ret;
}

void orch_gc_result_free(struct orch_gc_result *res)
{
	for (size_t i = 0; i < res->nvms; i++)
		free(res->vms[i]);
	for (size_t i = 0; i < res->nports; i++)
		free(res->ports[i]);
	free(res->vms);
	free(res->ports);
	free(res->broken);
	memset(res, 0, sizeof(*res));
}
