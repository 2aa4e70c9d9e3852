// SPDX-License-Identifier: GPL-2.0-only
/*
 * Leases taken for a VM (pool members and borrowed devices), released when
 * it stops however it stops: by orch_vm_destroy(), or by `iopass gc` after
 * the VMM died, since each lease is held by the VMM's flock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iopass/lease.h"
#include "iopass/sriov.h"

#include "orch_impl.h"

void orch_leases_init(struct orch_leases *d, const char *vm_name)
{
	memset(d, 0, sizeof(*d));
	if (vm_name)
		snprintf(d->owner, sizeof(d->owner), "vm:%s", vm_name);
	else
		snprintf(d->owner, sizeof(d->owner), "vm:pid%d", (int)getpid());
}

static void lease_step(void *opaque, const char *what)
{
	orch_event(opaque, ORCH_EVENT_STEP, "%s", what);
}

struct lease_ctx orch_lease_ctx(const struct orch_ctx *ctx, unsigned int flags)
{
	struct lease_ctx lc = {
		.bind = {
			.sysfs = ctx->sysfs,
			.procfs = ctx->procfs,
			.state = ctx->state,
			.flags = flags,
			.step = lease_step,
			.opaque = (void *)ctx,
		},
	};
	return lc;
}

int orch_lease_candidates(const struct orch_ctx *ctx, const char *what,
			  struct pci_addr **out, size_t *n, char **pool_name,
			  struct pool_vf_settings *vf, struct errbuf *eb)
{
	struct pool_conf conf;
	const struct pool *pool;
	struct pci_func *funcs;
	size_t nf, nm, *members;

	*pool_name = NULL;
	if (!pci_addr_parse(what, &(struct pci_addr){ 0 })) {
		*out = malloc(sizeof(**out));
		if (!*out)
			return errbuf_set(eb, -ENOMEM, "out of memory");
		pci_addr_parse(what, *out);
		*n = 1;
		return 0;
	}
	/* A configuration that does not load is the operator's to fix. */
	if (pool_conf_load(ctx->pools, &conf, eb))
		return -EINVAL;
	pool = pool_conf_find(&conf, what);
	if (!pool) {
		errbuf_set(eb, -EINVAL,
			   "'%s' is neither a PCI address nor a pool in %s ('iopass pool list' shows the pools)",
			   what, ctx->pools);
		pool_conf_free(&conf);
		return -EINVAL;
	}
	if (pci_func_scan(ctx->sysfs, &funcs, &nf, eb) ||
	    pool_match(ctx->sysfs, pool, funcs, nf, &members, &nm, eb)) {
		pool_conf_free(&conf);
		return -EIO;
	}
	*out = calloc(nm ? nm : 1, sizeof(**out));
	for (size_t i = 0; *out && i < nm; i++)
		(*out)[i] = funcs[members[i]].addr;
	*n = nm;
	*pool_name = strdup(pool->name);
	*vf = pool->vf;
	free(members);
	free(funcs);
	pool_conf_free(&conf);
	if (!*out || !*pool_name) {
		free(*out);
		free(*pool_name);
		*pool_name = NULL;
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	return 0;
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

/* The first free candidate of what, for owner: a VM's or assign's. */
static int lease_from(const struct orch_ctx *ctx, const char *what,
		      const char *owner, const char *driver, unsigned int flags,
		      const struct pool_vf_settings *over, bool gc, int *hold_fd,
		      struct lease *out, struct errbuf *eb)
{
	struct lease_ctx lc = orch_lease_ctx(ctx, flags);
	struct pool_vf_settings vf = { 0 };
	struct errbuf ignored;
	char *pool_name = NULL;
	struct pci_addr *cands;
	int ret, released;
	size_t n;

	ret = orch_lease_candidates(ctx, what, &cands, &n, &pool_name, &vf, eb);
	if (ret)
		return ret;
	if (over)
		vm_vf_override(&vf, over);
	/* Leases whose holders died are given back before anything is taken. */
	if (gc && !(flags & BIND_DRY_RUN))
		lease_gc(&lc, &released, &ignored);
	ret = lease_acquire(&lc, cands, n, owner, pool_name,
			    pool_name ? &vf : NULL, driver, hold_fd, out, eb);
	free(cands);
	free(pool_name);
	return ret;
}

int orch_lease_assign(const struct orch_ctx *ctx, const char *what,
		      const char *owner, const char *driver, unsigned int flags,
		      int *hold_fd, struct lease *out, struct errbuf *eb)
{
	/* A bad owner is refused before the pool is even looked at. */
	if (!lease_owner_valid(owner))
		return errbuf_set(eb, -EINVAL,
				  "owner '%s' must be 1-63 printable characters without spaces or quotes",
				  owner);
	return lease_from(ctx, what, owner, driver, flags, NULL, true, hold_fd,
			  out, eb);
}

int orch_lease_take(const struct orch_ctx *ctx, struct orch_leases *d,
		    const char *pool, const char *bdf,
		    const struct pool_vf_settings *over, char out[PCI_ADDR_STRLEN],
		    struct errbuf *eb)
{
	struct orch_lease *grown;
	struct lease l;
	int ret, hold_fd = -1;

	grown = realloc(d->lease, (d->n + 1) * sizeof(*grown));
	if (!grown)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	d->lease = grown;
	ret = lease_from(ctx, pool ? pool : bdf, d->owner, "vfio-pci", 0, over,
			 !d->gc_done, &hold_fd, &l, eb);
	d->gc_done = true;
	if (ret)
		return ret;
	memset(&d->lease[d->n], 0, sizeof(d->lease[d->n]));
	snprintf(d->lease[d->n].bdf, sizeof(d->lease[d->n].bdf), "%s", l.bdf);
	snprintf(d->lease[d->n].pool, sizeof(d->lease[d->n].pool), "%s",
		 pool ? pool : "");
	d->lease[d->n].hold_fd = hold_fd;
	d->n++;
	snprintf(out, PCI_ADDR_STRLEN, "%s", l.bdf);
	return 0;
}

int orch_leases_release(const struct orch_ctx *ctx, struct orch_leases *d,
			struct errbuf *eb)
{
	struct lease_ctx lc = orch_lease_ctx(ctx, 0);
	int ret = 0;

	/* Newest first: the reverse of how they were taken. */
	while (d->n) {
		struct orch_lease *l = &d->lease[--d->n];
		struct errbuf one;
		int r = lease_release(&lc, l->bdf, &one);

		if (r) {
			/* The lock stays held until exit: gc will retry. */
			orch_event(ctx, ORCH_EVENT_WARN,
				   "releasing %s failed: %s; 'iopass gc' retries once this VMM is gone",
				   l->bdf, one.msg);
			if (!ret)
				ret = errbuf_set(eb, r, "releasing %s failed: %s", l->bdf,
						 one.msg);
			continue;
		}
		close(l->hold_fd);
	}
	free(d->lease);
	d->lease = NULL;
	return ret;
}

int orch_leases_release_owner(const struct orch_ctx *ctx, const char *owner,
			      unsigned int flags, char ***released, size_t *nrel,
			      struct errbuf *eb)
{
	struct lease_ctx lc = orch_lease_ctx(ctx, flags);
	struct lease *list;
	size_t n, done = 0;
	int ret, first = 0;

	*released = NULL;
	*nrel = 0;
	ret = lease_list(ctx->state, &list, &n, eb);
	if (ret)
		return ret;
	*released = calloc(n + 1, sizeof(**released));
	for (size_t i = 0; *released && i < n; i++) {
		struct errbuf one;

		if (strcmp(list[i].owner, owner))
			continue;
		done++;
		ret = lease_release(&lc, list[i].bdf, &one);
		if (ret) {
			orch_event(ctx, ORCH_EVENT_WARN, "%s", one.msg);
			if (!first)
				first = errbuf_set(eb, ret, "%s", one.msg);
		} else if (((*released)[*nrel] = strdup(list[i].bdf))) {
			(*nrel)++;
		}
	}
	free(list);
	if (!*released)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	if (!done)
		return errbuf_set(eb, -ENOENT, "owner '%s' has no leases", owner);
	return first;
}

int orch_lease_run(const struct orch_ctx *ctx, const struct lease *l,
		   int hold_fd, char **argv, struct errbuf *eb)
{
	struct lease_ctx lc = orch_lease_ctx(ctx, 0);
	struct errbuf why;
	int st = 0, ret;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		/*
		 * The command (a VMM) inherits the lease lock: while it runs the
		 * lease stays held even if this process is killed, so `iopass
		 * gc` never takes the device from under it. (It used to be
		 * closed here: a SIGKILL of the holder let gc reset a device in
		 * use.)
		 */
		if (setenv("IOPASS_BDF", l->bdf, 1) ||
		    setenv("IOPASS_OWNER", l->owner, 1) || fcntl(hold_fd, F_SETFD, 0))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "iopass: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	ret = pid < 0 ? errbuf_set(eb, -errno, "fork: %s", strerror(errno)) : 0;
	if (lease_release(&lc, l->bdf, &why))
		ret = errbuf_set(eb, -EIO, "releasing %s failed: %s", l->bdf, why.msg);
	close(hold_fd);
	return ret ? ret : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
