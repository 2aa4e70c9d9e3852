// SPDX-License-Identifier: GPL-2.0-only
/*
 * host apply: carries a plan out, step by step, keeping what each step
 * needs to be undone; VF counts first, then everything else planned again
 * against the VFs the kernel really created; then observes the host once
 * more, and only "nothing left to do" counts as success. Any failure undoes
 * every step done, newest first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iopass/state.h"
#include "host_impl.h"

#define NUMVFS_TIMEOUT_MS	30000

/* A step done, and what undoing it needs beyond the step itself. */
struct done {
	struct host_step s;
	bool had_record;		/* BIND: iopass had moved it before */
	unsigned int changed;		/* SET_VF: the fields that were set */
	/* SET_VFS: the VFs that went away, to put back. */
	int nold;
	char (*old_drivers)[64];
	struct vf_settings *old_settings;	/* NULL without rtnetlink */
	char *old_pools;		/* WRITE_POOLS: NULL when there was none */
	bool had_pools;
};

struct applier {
	const struct host_apply_ctx *ctx;
	const struct host_env *env;
	struct bind_ctx bind;
	struct done *done;
	size_t ndone;
};

static void report(struct applier *a, const char *verb, const struct host_step *s,
		   const char *detail)
{
	if (a->ctx->report)
		a->ctx->report(a->ctx->opaque, verb, s, detail);
}

static int set_link(const char *ifname, bool up, struct errbuf *eb)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_set(eb, -errno, "socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	} else {
		ret = -errno;
	}
	close(fd);
	if (ret)
		errbuf_set(eb, ret, "setting %s %s failed: %s", ifname, up ? "up" : "down",
			   strerror(-ret));
	return ret;
}

static int read_pf(const struct host_env *env, const char *bdf, struct pci_func *f,
		   int *autoprobe, struct errbuf *eb)
{
	struct pci_addr a;
	char rel[128];
	uint64_t v;
	int ret;

	pci_addr_parse(bdf, &a);
	ret = pci_func_read(env->sysfs, &a, f, eb);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_drivers_autoprobe", bdf);
	*autoprobe = sysfs_read_u64(env->sysfs, rel, 10, &v) ? 1 : (int)v;
	return ret;
}

static int set_vfs(struct applier *a, const char *bdf, int vfs, bool autoprobe,
		   struct errbuf *eb)
{
	struct sriov_plan sp;
	struct pci_func f;
	int cur_ap, ret;

	ret = read_pf(a->env, bdf, &f, &cur_ap, eb);
	if (!ret)
		ret = sriov_plan(f.sriov_num, f.sriov_total, cur_ap, vfs, autoprobe, 0, &sp, eb);
	if (!ret)
		ret = sriov_apply(a->env->sysfs, &f.addr, &sp, NUMVFS_TIMEOUT_MS, eb);
	return ret;
}

static void vf_bdf(const struct host_env *env, const char *pf, int vf, char *bdf,
		   size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/virtfn%d", pf, vf);
	if (sysfs_link_base(env->sysfs, rel, bdf, len))
		bdf[0] = '\0';
}

/* What SET_VFS takes away: each VF's driver and, over rtnetlink, settings. */
static int save_vfs(struct applier *a, struct done *d)
{
	struct pci_func f;
	struct vf_pf nl;
	char ifname[VF_IFNAMSIZ];
	int ap;

	if (read_pf(a->env, d->s.pf, &f, &ap, NULL) || f.sriov_num <= 0)
		return 0;
	d->nold = f.sriov_num;
	d->old_drivers = calloc((size_t)d->nold, sizeof(*d->old_drivers));
	if (!d->old_drivers)
		return -ENOMEM;
	for (int i = 0; i < d->nold; i++) {
		char bdf[PCI_ADDR_STRLEN], rel[128];

		vf_bdf(a->env, d->s.pf, i, bdf, sizeof(bdf));
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
		if (!bdf[0] || sysfs_link_base(a->env->sysfs, rel, d->old_drivers[i], 64))
			d->old_drivers[i][0] = '\0';
	}
	if (!strcmp(a->env->sysfs, "/sys") &&
	    !vf_pf_resolve(a->env->sysfs, d->s.pf, ifname, NULL) &&
	    !vf_get_all(ifname, 0, &nl, NULL)) {
		d->old_settings = calloc((size_t)d->nold, sizeof(*d->old_settings));
		for (int i = 0; d->old_settings && i < d->nold; i++) {
			const struct vf_settings *s = vf_pf_find(&nl, i);

			if (s)
				d->old_settings[i] = *s;
		}
		vf_pf_free(&nl);
	}
	return 0;
}

static int bind_to(struct applier *a, const char *bdf, const char *driver, bool force,
		   struct errbuf *eb)
{
	struct bind_ctx b = a->bind;
	struct pci_addr addr;

	if (pci_addr_parse(bdf, &addr))
		return errbuf_set(eb, -ENODEV, "no PCI function '%s'", bdf);
	if (force)
		b.flags |= BIND_FORCE;
	if (!driver[0])
		return pci_driver_unbind(&b, &addr, eb);
	return pci_driver_bind(&b, &addr, driver, eb);
}

static int write_pools(const char *path, const char *text, struct errbuf *eb)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* /etc/iopass may not exist yet: create it and what is missing above. */
		for (char *p = dir + 1; ; p++) {
			bool end = !*p;

			if (*p && *p != '/')
				continue;
			*p = '\0';
			if (mkdir(dir, 0755) && errno != EEXIST)
				return errbuf_set(eb, -errno, "cannot create %s: %s", dir,
						  strerror(errno));
			if (end)
				break;
			*p = '/';
		}
	}
	return file_write_atomic(path, text, strlen(text), eb);
}

static int do_step(struct applier *a, const struct host_conf *conf,
		   const struct host_obs *obs, struct done *d, struct errbuf *eb)
{
	struct host_step *s = &d->s;
	char orig[64];
	int ret;

	switch (s->action) {
	case HOST_SET_VFS:
		ret = save_vfs(a, d);
		return ret ? ret : set_vfs(a, s->pf, s->vfs, s->autoprobe, eb);
	case HOST_LINK_UP:
		return set_link(s->ifname, true, eb);
	case HOST_SET_VF:
		ret = vf_set(s->ifname, s->vf, &s->want, s->mask, &d->changed, eb);
		return ret;
	case HOST_BIND:
		if (!s->bdf[0])
			vf_bdf(a->env, s->pf, s->vf, s->bdf, sizeof(s->bdf));
		if (!s->bdf[0])
			return errbuf_set(eb, -ENODEV, "VF %d of %s is not there", s->vf, s->pf);
		{
			struct pci_addr addr;

			pci_addr_parse(s->bdf, &addr);
			d->had_record = !pci_driver_original(a->env->state, &addr, orig,
							     sizeof(orig));
		}
		return bind_to(a, s->bdf, s->driver, s->force, eb);
	case HOST_WRITE_POOLS:
		d->had_pools = obs->pools != NULL;
		if (obs->pools) {
			d->old_pools = strdup(obs->pools);
			if (!d->old_pools)
				return errbuf_set(eb, -ENOMEM, "out of memory");
		}
		return write_pools(a->env->pools, conf->pools, eb);
	}
	return -EINVAL;
}

static int undo_step(struct applier *a, struct done *d, struct errbuf *eb)
{
	struct host_step *s = &d->s;
	struct pci_addr addr;
	int ret = 0;

	switch (s->action) {
	case HOST_SET_VFS:
		ret = set_vfs(a, s->pf, s->old_vfs, s->old_autoprobe, eb);
		for (int i = 0; !ret && i < d->nold; i++) {
			char bdf[PCI_ADDR_STRLEN], ifname[VF_IFNAMSIZ];

			if (d->old_settings && d->old_settings[i].known &&
			    !vf_pf_resolve(a->env->sysfs, s->pf, ifname, NULL))
				vf_set(ifname, i, &d->old_settings[i],
				       d->old_settings[i].known, NULL, NULL);
			vf_bdf(a->env, s->pf, i, bdf, sizeof(bdf));
			if (bdf[0] && d->old_drivers[i][0])
				ret = bind_to(a, bdf, d->old_drivers[i], true, eb);
		}
		return ret;
	case HOST_LINK_UP:
		return set_link(s->ifname, false, eb);
	case HOST_SET_VF:
		if (!d->changed)
			return 0;
		if (!s->old_known)
			return errbuf_set(eb, -ENODATA, "the settings of %s VF %d before "
					  "were unknown", s->ifname, s->vf);
		return vf_set(s->ifname, s->vf, &s->old, d->changed, NULL, eb);
	case HOST_BIND:
		pci_addr_parse(s->bdf, &addr);
		/* Moved by this step alone: its record holds the driver before. */
		if (!d->had_record)
			return pci_driver_restore(&a->bind, &addr, eb);
		if (!s->old_driver[0]) {
			ret = pci_driver_unbind(&a->bind, &addr, eb);
			if (!ret) {
				char rel[128];

				snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver_override",
					 s->bdf);
				sysfs_write_str(a->env->sysfs, rel, "\n");
			}
			return ret;
		}
		return bind_to(a, s->bdf, s->old_driver, true, eb);
	case HOST_WRITE_POOLS:
		if (d->had_pools)
			return write_pools(a->env->pools, d->old_pools, eb);
		if (unlink(a->env->pools) && errno != ENOENT)
			return errbuf_set(eb, -errno, "cannot remove %s: %s", a->env->pools,
					  strerror(errno));
		return 0;
	}
	return 0;
}

static void done_free(struct done *d)
{
	free(d->old_drivers);
	free(d->old_settings);
	free(d->old_pools);
}

/* Undoes everything done, newest first; says how it went after eb's message. */
static void rollback(struct applier *a, struct errbuf *eb)
{
	size_t undone = 0, failed = 0;
	char fails[400] = "";

	while (a->ndone) {
		struct done *d = &a->done[--a->ndone];
		struct errbuf e = { "" };

		if (undo_step(a, d, &e)) {
			failed++;
			host_append(fails, sizeof(fails), "%s%s: %s", failed > 1 ? "; " : "",
				    d->s.what, e.msg);
			report(a, "NOT undone", &d->s, e.msg);
		} else {
			undone++;
			report(a, "undone", &d->s, NULL);
		}
		done_free(d);
	}
	host_append(eb->msg, sizeof(eb->msg), "; rolled back: %zu step%s undone", undone,
		    undone == 1 ? "" : "s");
	if (failed)
		host_append(eb->msg, sizeof(eb->msg), ", %zu could not be (%s): "
			    "'iopass host check' and 'iopass list' show where the host is",
			    failed, fails);
}

static int run_steps(struct applier *a, const struct host_conf *conf,
		     const struct host_obs *obs, const struct host_plan *plan,
		     bool counts, struct errbuf *eb)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct host_step *s = &plan->steps[i];
		bool is_count = s->action == HOST_SET_VFS || s->action == HOST_LINK_UP;
		struct done *d;
		char msg[sizeof(eb->msg) - 200];
		int ret;

		if (is_count != counts)
			continue;
		d = realloc(a->done, (a->ndone + 1) * sizeof(*d));
		if (!d)
			return errbuf_set(eb, -ENOMEM, "out of memory");
		a->done = d;
		d = &a->done[a->ndone];
		memset(d, 0, sizeof(*d));
		d->s = *s;
		ret = do_step(a, conf, obs, d, eb);
		if (ret) {
			snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, eb->msg);
			errbuf_set(eb, ret, "%s:%u: %s failed: %s", conf->file, s->line,
				   s->what, msg);
			/* A partial SET_VF or bind is undone with the rest. */
			if (s->action == HOST_SET_VF && d->changed)
				a->ndone++;
			else
				done_free(d);
			return ret;
		}
		a->ndone++;
		report(a, "done", &d->s, NULL);
	}
	return 0;
}

int host_apply(const struct host_apply_ctx *ctx, const struct host_conf *conf,
	       size_t *changed, struct errbuf *eb)
{
	struct applier a = {
		.ctx = ctx,
		.env = ctx->env,
		.bind = {
			.sysfs = ctx->env->sysfs,
			.procfs = ctx->env->procfs,
			.state = ctx->env->state,
		},
	};
	struct host_obs obs;
	struct host_plan plan;
	int ret;

	*changed = 0;
	ret = host_observe(ctx->env, &obs, eb);
	if (ret)
		return ret;
	ret = host_plan_make(conf, &obs, &plan, eb);
	if (ret) {
		host_obs_free(&obs);
		return ret;
	}
	if (ctx->planned)
		ctx->planned(ctx->opaque, &plan);
	if (ctx->dry_run || !plan.n)
		goto out;

	ret = run_steps(&a, conf, &obs, &plan, true, eb);
	if (!ret) {
		/* The VFs exist now: plan the rest against them. */
		bool counted = a.ndone > 0;

		if (counted) {
			host_plan_free(&plan);
			host_obs_free(&obs);
			ret = host_observe(ctx->env, &obs, eb);
			if (!ret)
				ret = host_plan_make(conf, &obs, &plan, eb);
			for (size_t i = 0; !ret && i < plan.n; i++)
				if (plan.steps[i].action == HOST_SET_VFS ||
				    plan.steps[i].action == HOST_LINK_UP)
					ret = errbuf_set(eb, -EIO, "%s:%u: %s still to do after "
							 "doing it", conf->file, plan.steps[i].line,
							 plan.steps[i].what);
		}
		if (!ret)
			ret = run_steps(&a, conf, &obs, &plan, false, eb);
	}
	if (!ret) {
		/* Verify: the host observed again must leave nothing to do. */
		struct host_obs v;
		struct host_plan left;

		ret = host_observe(ctx->env, &v, eb);
		if (!ret) {
			ret = host_plan_make(conf, &v, &left, eb);
			if (!ret && left.n)
				ret = errbuf_set(eb, -EIO, "%s:%u: after applying, the host is "
						 "still not as declared: %s (the driver or kernel "
						 "did not keep it)", conf->file, left.steps[0].line,
						 left.steps[0].what);
			host_plan_free(&left);
			host_obs_free(&v);
		}
	}
	*changed = a.ndone;
	if (ret) {
		*changed = 0;
		rollback(&a, eb);
		/* The file was fine and nothing was held: the host refused. */
		ret = -EIO;
	}
	for (size_t i = 0; i < a.ndone; i++)
		done_free(&a.done[i]);
	free(a.done);
out:
	host_plan_free(&plan);
	host_obs_free(&obs);
	return ret;
}
