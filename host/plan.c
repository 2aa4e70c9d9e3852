// SPDX-License-Identifier: GPL-2.0-only
/*
 * host apply's plan: the steps that take the host as observed to the host
 * as declared, in the order they must run, and the refusals (a held
 * function, a VF that cannot exist, two drivers for one function) before
 * anything changes. A pure function of the file and the observation, so
 * that it is unit-tested whole, and so that "nothing to do" after an apply
 * is the proof that the host is as declared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_impl.h"

/* The host as it will be once VF counts change: every function, planned VFs too. */
struct proj {
	char bdf[PCI_ADDR_STRLEN];	/* "" for a VF not created yet */
	uint16_t vendor, device;
	uint32_t class;
	char driver[64];
	bool driver_known;
	bool is_vf;
	char pf[PCI_ADDR_STRLEN];
	int vf_index;
	bool pf_with_vfs;
	const char *held;
	const struct vf_settings *cur;	/* a VF's settings; NULL: unknown */
	/* What the file says its driver is, and where. */
	const char *declared;
	unsigned int declared_line;
};

struct planner {
	const struct host_conf *conf;
	const struct host_obs *obs;
	struct host_plan *plan;
	struct errbuf *eb;
	struct proj *p;
	size_t np;
	/* Per obs PF: the VF count after the plan, and whether VFs are new. */
	int *count;
	bool *recreated;
	bool *going_up;
};

static int err_at(struct planner *pl, int err, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int err_at(struct planner *pl, int err, unsigned int line, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errbuf_set(pl->eb, err, "%s:%u: %s", pl->conf->file, line, msg);
}

static struct host_step *add_step(struct planner *pl, enum host_action a,
				  unsigned int line)
{
	struct host_plan *plan = pl->plan;
	struct host_step *s, *g = realloc(plan->steps, (plan->n + 1) * sizeof(*g));

	if (!g)
		return NULL;
	plan->steps = g;
	s = &g[plan->n++];
	memset(s, 0, sizeof(*s));
	s->action = a;
	s->line = line;
	s->vf = -1;
	return s;
}

static const struct pci_func *obs_func(const struct host_obs *obs, const char *bdf)
{
	for (size_t i = 0; i < obs->n; i++)
		if (!strcmp(obs->funcs[i].bdf, bdf))
			return &obs->funcs[i];
	return NULL;
}

/* The observed PF a reference names: its index in obs->pfs, or -ENODEV. */
static int find_pf(struct planner *pl, const struct host_pf_ref *ref, unsigned int line)
{
	char name[PCI_ADDR_STRLEN + 16];

	for (size_t i = 0; i < pl->obs->npfs; i++) {
		const struct host_obs_pf *pf = &pl->obs->pfs[i];
		char bdf[PCI_ADDR_STRLEN];

		pci_addr_format(&ref->addr, bdf);
		if (ref->by_ifname ? !strcmp(pf->ifname, ref->ifname) : !strcmp(pf->bdf, bdf))
			return (int)i;
	}
	host_pf_ref_format(ref, name, sizeof(name));
	return err_at(pl, -ENODEV, line, "no SR-IOV physical function %s on this host "
		      "('iopass list --vfs' shows them)", name);
}

static int plan_sriov(struct planner *pl)
{
	const struct host_obs *obs = pl->obs;

	for (size_t i = 0; i < pl->conf->nsriov; i++) {
		const struct host_sriov *s = &pl->conf->sriov[i];
		const struct host_obs_pf *pf;
		const struct pci_func *f;
		struct host_step *st;
		int k = find_pf(pl, &s->pf, s->line);

		if (k < 0)
			return k;
		pf = &obs->pfs[k];
		f = obs_func(obs, pf->bdf);
		for (size_t j = 0; j < i; j++)
			if (find_pf(pl, &pl->conf->sriov[j].pf, 0) == k)
				return err_at(pl, -EINVAL, s->line, "%s already has a [sriov] "
					      "section (line %u)", pf->bdf, pl->conf->sriov[j].line);
		if (s->vfs > f->sriov_total)
			return err_at(pl, -EINVAL, s->line, "%s supports 0 to %d VFs, not %d",
				      pf->bdf, f->sriov_total, s->vfs);
		pl->count[k] = s->vfs;
		if (s->vfs != f->sriov_num || s->autoprobe != (pf->autoprobe > 0)) {
			if (s->vfs != f->sriov_num) {
				if (obs->held[f - obs->funcs][0])
					return err_at(pl, -EBUSY, s->line, "refusing to change "
						      "the VFs of %s: it is %s", pf->bdf,
						      obs->held[f - obs->funcs]);
				/* The count goes through 0: every VF goes away. */
				for (size_t v = 0; v < obs->n; v++) {
					char pfb[PCI_ADDR_STRLEN];

					if (!obs->funcs[v].is_vf)
						continue;
					pci_addr_format(&obs->funcs[v].pf, pfb);
					if (strcmp(pfb, pf->bdf) || !obs->held[v][0])
						continue;
					return err_at(pl, -EBUSY, s->line, "refusing to change "
						      "the VF count of %s (%d -> %d): the count goes "
						      "through 0, and its VF %s is %s; release it "
						      "first, or keep vfs = %d", pf->bdf,
						      f->sriov_num, s->vfs, obs->funcs[v].bdf,
						      obs->held[v], f->sriov_num);
				}
				pl->recreated[k] = true;
			}
			st = add_step(pl, HOST_SET_VFS, s->line);
			if (!st)
				return -ENOMEM;
			snprintf(st->pf, sizeof(st->pf), "%s", pf->bdf);
			st->vfs = s->vfs;
			st->old_vfs = f->sriov_num;
			st->autoprobe = s->autoprobe;
			st->old_autoprobe = pf->autoprobe > 0;
			if (s->vfs != f->sriov_num)
				snprintf(st->what, sizeof(st->what),
					 "%s: VFs %d -> %d (host drivers %s probe them)", pf->bdf,
					 f->sriov_num, s->vfs, s->autoprobe ? "may" : "do not");
			else
				snprintf(st->what, sizeof(st->what), "%s: autoprobe %s -> %s",
					 pf->bdf, st->old_autoprobe ? "on" : "off",
					 s->autoprobe ? "on" : "off");
		}
		if (s->link_up && !pf->ifname[0])
			return err_at(pl, -EINVAL, s->line, "link = up: %s has no network "
				      "interface (driver %s)", pf->bdf,
				      f->driver[0] ? f->driver : "none");
		if (s->link_up && !pf->up) {
			st = add_step(pl, HOST_LINK_UP, s->line);
			if (!st)
				return -ENOMEM;
			snprintf(st->pf, sizeof(st->pf), "%s", pf->bdf);
			snprintf(st->ifname, sizeof(st->ifname), "%s", pf->ifname);
			snprintf(st->what, sizeof(st->what), "%s: set %s up", pf->bdf, pf->ifname);
			pl->going_up[k] = true;
		}
	}
	return 0;
}

static int project(struct planner *pl)
{
	const struct host_obs *obs = pl->obs;
	size_t cap = obs->n;

	for (size_t k = 0; k < obs->npfs; k++)
		if (pl->recreated[k])
			cap += (size_t)pl->count[k];
	pl->p = calloc(cap ? cap : 1, sizeof(*pl->p));
	if (!pl->p)
		return -ENOMEM;
	for (size_t i = 0; i < obs->n; i++) {
		const struct pci_func *f = &obs->funcs[i];
		struct proj *p;
		bool gone = false;
		int pfk = -1;

		if (f->is_vf) {
			char pfb[PCI_ADDR_STRLEN];

			pci_addr_format(&f->pf, pfb);
			for (size_t k = 0; k < obs->npfs; k++)
				if (!strcmp(obs->pfs[k].bdf, pfb)) {
					pfk = (int)k;
					gone = pl->recreated[k];
				}
		}
		if (gone)
			continue;
		p = &pl->p[pl->np++];
		snprintf(p->bdf, sizeof(p->bdf), "%s", f->bdf);
		p->vendor = f->vendor;
		p->device = f->device;
		p->class = f->class;
		snprintf(p->driver, sizeof(p->driver), "%s", f->driver);
		p->driver_known = true;
		p->is_vf = f->is_vf;
		if (f->is_vf)
			pci_addr_format(&f->pf, p->pf);
		p->vf_index = f->vf_index;
		p->held = obs->held[i];
		p->pf_with_vfs = f->sriov_num > 0;
		for (size_t k = 0; k < obs->npfs; k++)
			if (!strcmp(obs->pfs[k].bdf, f->bdf))
				p->pf_with_vfs = pl->count[k] > 0;
		if (pfk >= 0 && obs->pfs[pfk].have_nl)
			p->cur = vf_pf_find(&obs->pfs[pfk].nl, f->vf_index);
	}
	for (size_t k = 0; k < obs->npfs; k++) {
		const struct pci_func *pf = obs_func(obs, obs->pfs[k].bdf);

		if (!pl->recreated[k])
			continue;
		for (int v = 0; v < pl->count[k]; v++) {
			struct proj *p = &pl->p[pl->np++];

			p->vendor = pf->vendor;
			p->device = obs->pfs[k].vf_device;
			p->class = pf->class;
			p->is_vf = true;
			snprintf(p->pf, sizeof(p->pf), "%s", pf->bdf);
			p->vf_index = v;
			p->held = "";
		}
	}
	return 0;
}

static void describe_settings(const struct vf_settings *s, unsigned int mask,
			      char *buf, size_t len)
{
	char mac[18];

	buf[0] = '\0';
	if (mask & VF_FIELD_MAC) {
		mac_format(s->mac, mac);
		host_append(buf, len, ", mac %s", mac);
	}
	if (mask & VF_FIELD_VLAN)
		host_append(buf, len, ", vlan %u qos %u proto %s", s->vlan, s->qos,
			    vf_vlan_proto_name(s->vlan_proto));
	if (mask & VF_FIELD_SPOOFCHK)
		host_append(buf, len, ", spoofchk %s", s->spoofchk ? "on" : "off");
	if (mask & VF_FIELD_TRUST)
		host_append(buf, len, ", trust %s", s->trust ? "on" : "off");
	if (mask & VF_FIELD_LINK_STATE)
		host_append(buf, len, ", state %s", vf_link_state_name(s->link_state));
	if (mask & VF_FIELD_MIN_RATE)
		host_append(buf, len, ", min-rate %u", s->min_tx_rate);
	if (mask & VF_FIELD_MAX_RATE)
		host_append(buf, len, ", max-rate %u", s->max_tx_rate);
}

static void name_of(const struct proj *p, char *buf, size_t len)
{
	if (p->bdf[0])
		snprintf(buf, len, "%s", p->bdf);
	else
		snprintf(buf, len, "VF %d of %s (new)", p->vf_index, p->pf);
}

/* Records the file's driver for p; a different one declared before is an error. */
static int declare(struct planner *pl, struct proj *p, const char *driver,
		   unsigned int line, bool force)
{
	const char *want = !strcmp(driver, "none") ? "" : driver;
	char name[64];
	struct host_step *st;

	name_of(p, name, sizeof(name));
	if (p->declared) {
		if (strcmp(p->declared, driver))
			return err_at(pl, -EINVAL, line, "%s is declared twice: driver %s "
				      "here, driver %s at line %u", name, driver, p->declared,
				      p->declared_line);
		return 0;
	}
	p->declared = driver;
	p->declared_line = line;
	if (p->driver_known && !strcmp(p->driver, want))
		return 0;
	if (p->held[0])
		return err_at(pl, -EBUSY, line, "refusing to move %s to %s: it is %s",
			      name, want[0] ? want : "no driver", p->held);
	st = add_step(pl, HOST_BIND, line);
	if (!st)
		return -ENOMEM;
	snprintf(st->bdf, sizeof(st->bdf), "%s", p->bdf);
	if (p->is_vf && !p->bdf[0]) {
		snprintf(st->pf, sizeof(st->pf), "%s", p->pf);
		st->vf = p->vf_index;
	}
	snprintf(st->driver, sizeof(st->driver), "%s", want);
	snprintf(st->old_driver, sizeof(st->old_driver), "%s", p->driver);
	st->force = force;
	snprintf(st->what, sizeof(st->what), "%s: driver %s -> %s", name,
		 !p->driver_known ? "(whatever probes it)" :
		 p->driver[0] ? p->driver : "none", want[0] ? want : "none");
	return 0;
}

static bool in_ranges(const struct host_vf *vf, int idx)
{
	if (!vf->nranges)
		return true;
	for (size_t r = 0; r < vf->nranges; r++)
		if (idx >= vf->ranges[r].first && idx <= vf->ranges[r].last)
			return true;
	return false;
}

static int plan_vf_section(struct planner *pl, const struct host_vf *vf)
{
	const struct host_obs_pf *pf;
	const struct pci_func *pff;
	int k = find_pf(pl, &vf->pf, vf->line), count, ret;

	if (k < 0)
		return k;
	pf = &pl->obs->pfs[k];
	pff = obs_func(pl->obs, pf->bdf);
	count = pl->count[k];
	if (vf->mask && !pf->ifname[0])
		return err_at(pl, -EINVAL, vf->line, "%s has no network interface (driver "
			      "%s): VF settings (mac, vlan, ...) need a NIC's PF on its "
			      "network driver; only 'driver' applies here", pf->bdf,
			      pff->driver[0] ? pff->driver : "none");
	for (size_t r = 0; r < vf->nranges; r++)
		if (vf->ranges[r].last >= count)
			return err_at(pl, -EINVAL, vf->line, "VF %u of %s does not exist (it "
				      "has %d VF%s): declare [sriov %s] vfs = N first",
				      vf->ranges[r].last, pf->bdf, count, count == 1 ? "" : "s",
				      pf->bdf);
	for (int idx = 0; idx < count; idx++) {
		struct proj *p = NULL;

		if (!in_ranges(vf, idx))
			continue;
		for (size_t i = 0; i < pl->np; i++)
			if (pl->p[i].is_vf && pl->p[i].vf_index == idx &&
			    !strcmp(pl->p[i].pf, pf->bdf))
				p = &pl->p[i];
		if (!p)
			return err_at(pl, -EINVAL, vf->line, "VF %d of %s is not in sysfs",
				      idx, pf->bdf);
		if (vf->mask) {
			unsigned int diff = p->cur ? vf_settings_diff(p->cur, &vf->want, vf->mask) :
					    vf->mask;
			char name[64], desc[200];
			struct host_step *st;

			if (diff && !pf->up && !pl->going_up[k])
				return err_at(pl, -EINVAL, vf->line, "%s's interface %s is "
					      "down: VF settings need it up; add 'link = up' to "
					      "[sriov %s]", pf->bdf, pf->ifname, pf->bdf);
			if (diff && p->held[0])
				return err_at(pl, -EBUSY, vf->line, "refusing to change VF %d of "
					      "%s: it is %s", idx, pf->bdf, p->held);
			if (diff) {
				st = add_step(pl, HOST_SET_VF, vf->line);
				if (!st)
					return -ENOMEM;
				snprintf(st->pf, sizeof(st->pf), "%s", pf->bdf);
				snprintf(st->ifname, sizeof(st->ifname), "%s", pf->ifname);
				st->vf = idx;
				snprintf(st->bdf, sizeof(st->bdf), "%s", p->bdf);
				st->want = vf->want;
				st->mask = diff;
				if (p->cur) {
					st->old = *p->cur;
					st->old_known = true;
				}
				name_of(p, name, sizeof(name));
				describe_settings(&vf->want, diff, desc, sizeof(desc));
				snprintf(st->what, sizeof(st->what), "%s VF %d%s%s%s: %s",
					 pf->ifname, idx, p->bdf[0] ? " (" : "", p->bdf,
					 p->bdf[0] ? ")" : " (new)", desc + 2);
			}
		}
		if (vf->driver[0]) {
			ret = declare(pl, p, vf->driver, vf->line, vf->force);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int plan_bind_section(struct planner *pl, const struct host_bind *b)
{
	bool found = false;
	int ret;

	for (size_t i = 0; i < pl->np; i++) {
		struct proj *p = &pl->p[i];

		if (b->by_id) {
			/* A bridge or a PF with VFs is never rebound by its ids. */
			if (p->vendor != b->vendor || p->device != b->device ||
			    (p->class >> 16) == 0x06 || p->pf_with_vfs)
				continue;
		} else {
			char bdf[PCI_ADDR_STRLEN];

			pci_addr_format(&b->addr, bdf);
			if (strcmp(p->bdf, bdf))
				continue;
		}
		found = true;
		ret = declare(pl, p, b->driver, b->line, b->force);
		if (ret)
			return ret;
	}
	if (!found && !b->by_id) {
		char bdf[PCI_ADDR_STRLEN];

		pci_addr_format(&b->addr, bdf);
		return err_at(pl, -ENODEV, b->line, "no PCI function %s on this host "
			      "('iopass list' shows them)", bdf);
	}
	return 0;
}

int host_plan_make(const struct host_conf *conf, const struct host_obs *obs,
		   struct host_plan *plan, struct errbuf *eb)
{
	struct planner pl = { .conf = conf, .obs = obs, .plan = plan, .eb = eb };
	size_t n = obs->npfs ? obs->npfs : 1;
	int ret;

	memset(plan, 0, sizeof(*plan));
	pl.count = calloc(n, sizeof(*pl.count));
	pl.recreated = calloc(n, sizeof(*pl.recreated));
	pl.going_up = calloc(n, sizeof(*pl.going_up));
	if (!pl.count || !pl.recreated || !pl.going_up) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < obs->npfs; k++)
		pl.count[k] = obs_func(obs, obs->pfs[k].bdf)->sriov_num;
	ret = plan_sriov(&pl);
	if (!ret)
		ret = project(&pl);
	for (size_t i = 0; !ret && i < conf->nvf; i++)
		ret = plan_vf_section(&pl, &conf->vf[i]);
	for (size_t i = 0; !ret && i < conf->nbind; i++)
		ret = plan_bind_section(&pl, &conf->bind[i]);
	if (!ret && conf->pools && (!obs->pools || strcmp(obs->pools, conf->pools))) {
		struct host_step *st = add_step(&pl, HOST_WRITE_POOLS, 0);

		if (!st)
			ret = -ENOMEM;
		else
			snprintf(st->what, sizeof(st->what), "write the pools file (%zu pool%s "
				 "from %.160s)", conf->npools, conf->npools == 1 ? "" : "s",
				 conf->file);
	}
out:
	if (ret == -ENOMEM)
		errbuf_set(eb, ret, "out of memory");
	if (ret)
		host_plan_free(plan);
	free(pl.p);
	free(pl.count);
	free(pl.recreated);
	free(pl.going_up);
	return ret;
}

void host_plan_free(struct host_plan *plan)
{
	free(plan->steps);
	memset(plan, 0, sizeof(*plan));
}
