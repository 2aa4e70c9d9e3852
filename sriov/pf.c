// SPDX-License-Identifier: GPL-2.0-only
/*
 * A PF around a change of its VF count: what it has (VFs, autoprobe, how
 * many VFs are leased) and the autoprobe setting the first enable found,
 * kept under the state directory (sriov/<bdf>.autoprobe) so that disable
 * can put the host's own setting back.
 */
#include <stdio.h>
#include <stdlib.h>

#include "iopass/lease.h"
#include "iopass/sriov.h"
#include "iopass/state.h"

static int leased_vfs(const char *sysfs, const char *state, const char *bdf,
		      int numvfs)
{
	char rel[128], vf[64];
	struct lease l;
	int n = 0;

	for (int i = 0; i < numvfs; i++) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/virtfn%d", bdf, i);
		if (!sysfs_link_base(sysfs, rel, vf, sizeof(vf)) &&
		    !lease_read(state, vf, &l, NULL))
			n++;
	}
	return n;
}

int sriov_pf_read(const char *sysfs, const char *state,
		  const struct pci_addr *addr, struct sriov_pf *pf,
		  struct errbuf *eb)
{
	char rel[128];
	uint64_t v;
	int ret;

	ret = pci_func_read(sysfs, addr, &pf->f, eb);
	if (ret)
		return ret;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_drivers_autoprobe", pf->f.bdf);
	pf->autoprobe = sysfs_read_u64(sysfs, rel, 10, &v) ? 1 : (int)v;
	pf->leased = pf->f.sriov_total >= 0 ?
		leased_vfs(sysfs, state, pf->f.bdf, pf->f.sriov_num) : 0;
	return 0;
}

static void autoprobe_rec(const char *bdf, char *rel, size_t len)
{
	snprintf(rel, len, "sriov/%s.autoprobe", bdf);
}

int sriov_autoprobe_save(const char *state, const char *bdf, int current,
			 const struct sriov_plan *plan, struct errbuf *eb)
{
	char rel[64], *old = NULL;
	bool changes = false;
	int ret;

	for (int i = 0; i < plan->n; i++)
		changes |= plan->ops[i].step == SRIOV_SET_AUTOPROBE;
	autoprobe_rec(bdf, rel, sizeof(rel));
	/* The first enable's value is the host's own: never overwrite it. */
	if (!changes || !state_read(state, rel, &old, NULL)) {
		free(old);
		return 0;
	}
	ret = state_mkdir(state, "sriov", eb);
	if (!ret)
		ret = state_write(state, rel, current ? "1\n" : "0\n", eb);
	return ret;
}

bool sriov_autoprobe_saved(const char *state, const char *bdf, int current)
{
	char rel[64], *v = NULL;
	bool on = current > 0;

	autoprobe_rec(bdf, rel, sizeof(rel));
	if (!state_read(state, rel, &v, NULL))
		on = v[0] == '1';
	free(v);
	return on;
}

void sriov_autoprobe_forget(const char *state, const char *bdf)
{
	char rel[64];

	autoprobe_rec(bdf, rel, sizeof(rel));
	state_remove(state, rel);
}
