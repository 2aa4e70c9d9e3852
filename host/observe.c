// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host as it is, for host apply's plan: PCI functions, SR-IOV PFs with
 * their VFs' settings, the pools file, and what holds each function. A
 * function is held when a lease names it, when a running VM's record lists
 * it, or when some process has its VFIO group open (a VMM iopass did not
 * start, DPDK, QEMU): apply never touches a held function.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/iommu.h"
#include "iopass/lease.h"
#include "iopass/orch.h"
#include "host_impl.h"

static ssize_t func_index(const struct host_obs *obs, const char *bdf)
{
	for (size_t i = 0; i < obs->n; i++)
		if (!strcmp(obs->funcs[i].bdf, bdf))
			return (ssize_t)i;
	return -1;
}

static void hold(struct host_obs *obs, const char *bdf, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void hold(struct host_obs *obs, const char *bdf, const char *fmt, ...)
{
	struct pci_addr a;
	char norm[PCI_ADDR_STRLEN];
	ssize_t i;
	va_list ap;

	if (pci_addr_parse(bdf, &a))
		return;
	pci_addr_format(&a, norm);
	i = func_index(obs, norm);
	if (i < 0 || obs->held[i][0])
		return;
	va_start(ap, fmt);
	vsnprintf(obs->held[i], HOST_WHY_MAX, fmt, ap);
	va_end(ap);
}

static void held_by_leases(const struct host_env *env, struct host_obs *obs)
{
	struct lease *l = NULL;
	size_t n = 0;

	if (lease_list(env->state, &l, &n, NULL))
		return;
	for (size_t i = 0; i < n; i++)
		hold(obs, l[i].bdf, "leased to %s%s", l[i].owner,
		     lease_orphaned(env->state, &l[i]) ?
		     " (its holder died: 'iopass gc' releases it)" : "");
	free(l);
}

/*
 * A running VM's record lists what it took: each device's and each VF NIC's
 * "bdf" (a pool member's as well; its lease says the same).
 */
static void held_by_vms(const struct host_env *env, struct host_obs *obs)
{
	static const char *const lists[] = { "devices", "nics" };
	struct orch_vm_entry *e = NULL;
	size_t n = 0;

	if (orch_registry_list(env->state, &e, &n, NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		json_object *o, *arr, *v;

		if (!e[i].alive || !e[i].details)
			continue;
		o = json_tokener_parse(e[i].details);
		for (size_t l = 0; o && l < ARRAY_SIZE(lists); l++) {
			if (!json_object_object_get_ex(o, lists[l], &arr))
				continue;
			for (size_t k = 0; k < json_object_array_length(arr); k++)
				if (json_object_object_get_ex(json_object_array_get_idx(arr, k),
							      "bdf", &v))
					hold(obs, json_object_get_string(v), "in use by VM %s "
					     "(pid %d)%s", e[i].name, (int)e[i].pid,
					     l ? ", a NIC" : "");
		}
		json_object_put(o);
	}
	orch_vms_free(e, n);
}

/* Processes with /dev/vfio/N open: every function of group N is theirs. */
static void held_by_open_groups(const struct host_env *env, struct host_obs *obs)
{
	char path[PATH_MAX], link[PATH_MAX], comm[64];
	struct dirent *pd, *fd;
	DIR *proc, *fds;
	int *groups;

	groups = malloc((obs->n ? obs->n : 1) * sizeof(*groups));
	if (!groups)
		return;
	for (size_t i = 0; i < obs->n; i++)
		groups[i] = iommu_group_of(env->sysfs, &obs->funcs[i].addr);
	proc = opendir(env->procfs);
	while (proc && (pd = readdir(proc))) {
		if (pd->d_name[0] < '1' || pd->d_name[0] > '9' || atoi(pd->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", env->procfs, pd->d_name);
		fds = opendir(path);
		while (fds && (fd = readdir(fds))) {
			ssize_t k;
			char *end;
			long g;

			if (fd->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/fd/%s", env->procfs, pd->d_name,
				 fd->d_name);
			k = readlink(path, link, sizeof(link) - 1);
			if (k <= 0)
				continue;
			link[k] = '\0';
			if (strncmp(link, "/dev/vfio/", 10))
				continue;
			g = strtol(link + 10, &end, 10);
			if (end == link + 10 || *end)
				continue;	/* /dev/vfio/vfio, the container */
			snprintf(path, sizeof(path), "%s/%s/comm", env->procfs, pd->d_name);
			comm[0] = '\0';
			{
				FILE *f = fopen(path, "re");

				if (f) {
					if (!fgets(comm, sizeof(comm), f))
						comm[0] = '\0';
					fclose(f);
				}
			}
			comm[strcspn(comm, "\n")] = '\0';
			for (size_t i = 0; i < obs->n; i++)
				if (groups[i] == g && !obs->held[i][0])
					snprintf(obs->held[i], HOST_WHY_MAX,
						 "its IOMMU group %ld is open by pid %.12s (%.32s)", g,
						 pd->d_name, comm[0] ? comm : "?");
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	free(groups);
}

static void read_pf(const struct host_env *env, const struct pci_func *f,
		    struct host_obs_pf *pf)
{
	char rel[160], path[PATH_MAX], flags[32];
	struct dirent *de;
	uint64_t v;
	DIR *d;

	memset(pf, 0, sizeof(*pf));
	snprintf(pf->bdf, sizeof(pf->bdf), "%s", f->bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_drivers_autoprobe", f->bdf);
	pf->autoprobe = sysfs_read_u64(env->sysfs, rel, 10, &v) ? 1 : (int)v;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_vf_device", f->bdf);
	pf->vf_device = sysfs_read_u64(env->sysfs, rel, 16, &v) ? f->device : (uint16_t)v;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/net", env->sysfs, f->bdf);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && strlen(de->d_name) < sizeof(pf->ifname)) {
			snprintf(pf->ifname, sizeof(pf->ifname), "%s", de->d_name);
			break;
		}
	if (d)
		closedir(d);
	if (!pf->ifname[0])
		return;
	snprintf(rel, sizeof(rel), "class/net/%s/flags", pf->ifname);
	if (!sysfs_read_str(env->sysfs, rel, flags, sizeof(flags)))
		pf->up = strtoul(flags, NULL, 16) & 1;	/* IFF_UP */
	/* Settings only from the real kernel: a fake tree has no rtnetlink. */
	if (!strcmp(env->sysfs, "/sys") && !vf_get_all(pf->ifname, 0, &pf->nl, NULL))
		pf->have_nl = true;
}

static char *read_pools(const char *path)
{
	char *text = NULL;

	if (!path || host_read_file(path[0] == '/' ? "" : ".", path, &text))
		return NULL;
	return text;
}

int host_observe(const struct host_env *env, struct host_obs *obs,
		 struct errbuf *eb)
{
	int ret;

	memset(obs, 0, sizeof(*obs));
	ret = pci_func_scan(env->sysfs, &obs->funcs, &obs->n, eb);
	if (ret)
		return ret;
	obs->held = calloc(obs->n ? obs->n : 1, sizeof(*obs->held));
	obs->pfs = calloc(obs->n ? obs->n : 1, sizeof(*obs->pfs));
	if (!obs->held || !obs->pfs) {
		host_obs_free(obs);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < obs->n; i++)
		if (obs->funcs[i].sriov_total >= 0 && !obs->funcs[i].is_vf)
			read_pf(env, &obs->funcs[i], &obs->pfs[obs->npfs++]);
	held_by_leases(env, obs);
	held_by_vms(env, obs);
	held_by_open_groups(env, obs);
	obs->pools = read_pools(env->pools);
	return 0;
}

void host_obs_free(struct host_obs *obs)
{
	for (size_t i = 0; obs->pfs && i < obs->npfs; i++)
		if (obs->pfs[i].have_nl)
			vf_pf_free(&obs->pfs[i].nl);
	free(obs->pfs);
	free(obs->held);
	free(obs->funcs);
	free(obs->pools);
	memset(obs, 0, sizeof(*obs));
}
