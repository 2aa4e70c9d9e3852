// SPDX-License-Identifier: GPL-2.0-only
/*
 * A PF around a change of its VF count: what it has (VFs, autoprobe, how
 * many VFs are leased) and the autoprobe setting the first enable found,
 * kept under the state directory (sriov/<bdf>.autoprobe) so that disable
 * can put the host's own setting back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

int sriov_pf_lock(const char *state, const char *bdf, struct errbuf *eb)
{
	char rel[64];
	int ret;

	ret = state_mkdir(state, "sriov", eb);
	if (ret)
		return ret;
	snprintf(rel, sizeof(rel), "sriov/%s.lock", bdf);
	return state_lock(state, rel, true, eb);
}

int sriov_vfs_change(const struct sriov_change *c, struct sriov_pf *pf,
		     struct sriov_plan *plan, bool *applying, struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN];
	bool autoprobe = c->autoprobe;
	int lock = -1, ret;

	*applying = false;
	plan->n = 0;
	pci_addr_format(c->pf, bdf);
	/*
	 * Read, plan and apply under the PF's lock: two of them interleaved
	 * (an enable between another's read and its write) left a count and
	 * an autoprobe setting no single command asked for. A dry run only
	 * reads.
	 */
	if (!c->dry_run) {
		lock = sriov_pf_lock(c->state, bdf, eb);
		if (lock < 0)
			return lock;
	}
	ret = sriov_pf_read(c->sysfs, c->state, c->pf, pf, eb);
	if (ret)
		goto out;
	/* disable puts back the autoprobe setting that enable found. */
	if (c->want == 0 && !c->enable)
		autoprobe = sriov_autoprobe_saved(c->state, bdf, pf->autoprobe);
	ret = sriov_plan(pf->f.sriov_num, pf->f.sriov_total, pf->autoprobe, c->want,
			 autoprobe, pf->leased, plan, eb);
	if (ret) {
		char msg[sizeof(eb->msg) - 32];

		snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, eb ? eb->msg : "");
		errbuf_set(eb, ret, "%s: %s", bdf, msg);
		goto out;
	}
	if (c->dry_run)
		goto out;
	if (c->enable) {
		ret = sriov_autoprobe_save(c->state, bdf, pf->autoprobe, plan, eb);
		if (ret)
			goto out;
	}
	*applying = true;
	ret = sriov_apply(c->sysfs, c->pf, plan, c->timeout_ms, eb);
	if (!ret && !c->enable)
		sriov_autoprobe_forget(c->state, bdf);
out:
	if (lock >= 0)
		close(lock);
	return ret;
}
