// SPDX-License-Identifier: GPL-2.0-only
/*
 * host check, the devices: IOMMU groups that hold more than one device
 * (no ACS isolation between them, so they only go to a VM together), the
 * SR-IOV physical functions and their VFs, and the devices one would
 * assign that have no reset method (their state would pass from one guest
 * to the next).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/iommu.h"
#include "host_impl.h"

static bool is_bridge(uint32_t class)
{
	return (class >> 16) == 0x06;
}

static int check_group(const struct host_env *env, int id, struct host_report *rep)
{
	struct iommu_group_info info;
	char check[48], seen[768], fix[768];
	size_t endpoints = 0;
	bool one_slot = true;
	struct pci_addr first = { 0 };
	int ret;

	if (iommu_group_check(env->sysfs, id, &info, NULL) && !info.members)
		return 0;
	for (size_t i = 0; i < info.n; i++) {
		if (is_bridge(info.members[i].class))
			continue;
		if (endpoints++ == 0)
			first = info.members[i].addr;
		else if (info.members[i].addr.domain != first.domain ||
			 info.members[i].addr.bus != first.bus ||
			 info.members[i].addr.dev != first.dev)
			one_slot = false;
	}
	if (endpoints < 2) {
		free(info.members);
		return 0;
	}
	snprintf(seen, sizeof(seen), "group %d holds %zu devices:", id, endpoints);
	for (size_t i = 0; i < info.n; i++)
		host_append(seen, sizeof(seen), " %s (%s%s)", info.members[i].bdf,
			    info.members[i].driver[0] ? info.members[i].driver : "no driver",
			    is_bridge(info.members[i].class) ? ", bridge" : "");
	host_append(seen, sizeof(seen), "; %s", info.viable ?
		    "viable now (every member on vfio-pci or without a driver)" :
		    "not viable now (members on host drivers)");
	if (one_slot)
		snprintf(fix, sizeof(fix),
			 "functions of one multi-function device: they go to one VM "
			 "together ('iopass bind BDF' each, then --device each)");
	else
		snprintf(fix, sizeof(fix),
			 "nothing isolates these devices from each other (no ACS on "
			 "the path): they can only go to one VM together ('iopass bind "
			 "BDF' each, then --device each). To split them, move a card to "
			 "a slot behind a root port with ACS ('lspci -vv' shows "
			 "'Access Control Services'); pcie_acs_override only pretends");
	free(info.members);
	snprintf(check, sizeof(check), "group-%d", id);
	ret = host_report_add(rep, check, HOST_WARN,
			      "IOMMU group with more than one device", seen, fix);
	return ret;
}

static int check_groups(const struct host_env *env, struct host_report *rep)
{
	size_t n = 0, before = rep->n;
	int *ids = NULL, ret = 0;
	char seen[128];

	if (iommu_group_list(env->sysfs, &ids, &n) || !n) {
		free(ids);
		return 0;	/* no IOMMU: said by the 'iommu' finding */
	}
	for (size_t i = 0; !ret && i < n; i++)
		ret = check_group(env, ids[i], rep);
	free(ids);
	if (ret || rep->n != before)
		return ret;
	snprintf(seen, sizeof(seen), "each of the %zu IOMMU groups holds one device "
		 "(bridges aside)", n);
	return host_report_add(rep, "groups", HOST_OK,
			       "IOMMU groups with more than one device", seen, NULL);
}

static int check_sriov(const struct host_env *env, const struct pci_func *f,
		       size_t n, struct host_report *rep)
{
	char check[48], seen[512], fix[512], rel[128];
	size_t pfs = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < n; i++) {
		uint64_t autoprobe = 1;

		if (f[i].sriov_total < 0 || f[i].is_vf)
			continue;
		pfs++;
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_drivers_autoprobe",
			 f[i].bdf);
		sysfs_read_u64(env->sysfs, rel, 10, &autoprobe);
		snprintf(check, sizeof(check), "sriov-%s", f[i].bdf);
		snprintf(seen, sizeof(seen),
			 "%s (%04x:%04x, %s): %d of %d VFs; new VFs %s probed by host drivers",
			 f[i].bdf, f[i].vendor, f[i].device,
			 f[i].driver[0] ? f[i].driver : "no driver", f[i].sriov_num,
			 f[i].sriov_total, autoprobe ? "are" : "are not");
		if (f[i].sriov_total == 0) {
			snprintf(fix, sizeof(fix),
				 "the PF offers no VFs: enable SR-IOV for it in the "
				 "firmware setup; if the kernel could not fit the VFs' "
				 "BARs, add pci=realloc to the kernel command line");
			ret = host_report_add(rep, check, HOST_WARN,
					      "SR-IOV physical function", seen, fix);
		} else if (!f[i].driver[0]) {
			snprintf(fix, sizeof(fix),
				 "VFs are created by the PF's driver: bind it ('iopass "
				 "restore %s' if iopass moved it, or modprobe its driver)",
				 f[i].bdf);
			ret = host_report_add(rep, check, HOST_WARN,
					      "SR-IOV physical function", seen, fix);
		} else {
			ret = host_report_add(rep, check, HOST_OK,
					      "SR-IOV physical function", seen, NULL);
		}
	}
	if (!ret && !pfs)
		ret = host_report_add(rep, "sriov", HOST_OK, "SR-IOV physical functions",
				      "no SR-IOV capable function on this host", NULL);
	return ret;
}

/*
 * The devices one would assign: on vfio-pci, without a driver, a VF, or a
 * member of a pool. Bridges are never assigned.
 */
static bool assignable(const struct pci_func *f, const bool *pooled, size_t i)
{
	if (is_bridge(f->class))
		return false;
	return !f->driver[0] || !strcmp(f->driver, "vfio-pci") || f->is_vf ||
	       (pooled && pooled[i]);
}

static bool *pool_members(const struct host_env *env, const struct pci_func *f,
			  size_t n)
{
	struct pool_conf conf;
	bool *in = calloc(n ? n : 1, sizeof(*in));

	if (!in || !env->pools || pool_conf_load(env->pools, &conf, NULL))
		return in;
	for (size_t p = 0; p < conf.npools; p++) {
		size_t *m = NULL, nm = 0;

		if (pool_match(env->sysfs, &conf.pools[p], f, n, &m, &nm, NULL))
			continue;
		for (size_t k = 0; k < nm; k++)
			in[m[k]] = true;
		free(m);
	}
	pool_conf_free(&conf);
	return in;
}

static void reset_fix(const char *sysfs, const struct pci_func *f, size_t n,
		      size_t i, char *fix, size_t len)
{
	char others[256] = "";
	size_t nothers = 0;

	if (pci_func_on_root_bus(sysfs, f[i].bdf)) {
		snprintf(fix, len,
			 "it sits on a root bus, where no bridge can reset it: use a "
			 "device with FLR ('lspci -vv' shows FLReset+), or move it "
			 "behind a PCIe root port or bridge, where a bus reset works");
		return;
	}
	for (size_t k = 0; k < n; k++) {
		if (k == i || f[k].addr.domain != f[i].addr.domain ||
		    f[k].addr.bus != f[i].addr.bus)
			continue;
		if (nothers++ < 6)
			host_append(others, sizeof(others), "%s%s",
				    nothers > 1 ? ", " : "", f[k].bdf);
	}
	snprintf(fix, len,
		 "give one VM every function on its bus (%s%s too): iopass vm run "
		 "then resets them with a bus reset; or use a device with FLR "
		 "('lspci -vv' shows FLReset+), or a slot where it is alone behind "
		 "a bridge (reset_method then lists 'bus')",
		 others, nothers > 6 ? ", ..." : "");
}

static int check_resets(const struct host_env *env, const struct pci_func *f,
			size_t n, struct host_report *rep)
{
	bool *pooled = pool_members(env, f, n);
	char check[48], seen[512], fix[768];
	size_t missing = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < n; i++) {
		if (!assignable(&f[i], pooled, i) || f[i].reset_method[0])
			continue;
		missing++;
		snprintf(check, sizeof(check), "reset-%s", f[i].bdf);
		snprintf(seen, sizeof(seen),
			 "%s (%04x:%04x, %s) has no reset method (no FLR, PM or bus "
			 "reset): a guest's state stays in it for the next guest",
			 f[i].bdf, f[i].vendor, f[i].device,
			 f[i].driver[0] ? f[i].driver : "no driver");
		reset_fix(env->sysfs, f, n, i, fix, sizeof(fix));
		ret = host_report_add(rep, check, HOST_WARN, "device reset method",
				      seen, fix);
	}
	free(pooled);
	if (!ret && !missing)
		ret = host_report_add(rep, "reset", HOST_OK, "device reset method",
			"every assignable device (on vfio-pci, without a driver, a VF, "
			"or in a pool) has a reset method", NULL);
	return ret;
}

int host_check_devices(const struct host_env *env, struct host_report *rep)
{
	struct pci_func *funcs = NULL;
	size_t n = 0;
	int ret;

	ret = check_groups(env, rep);
	if (ret)
		return ret;
	if (pci_func_scan(env->sysfs, &funcs, &n, NULL))
		return host_report_add(rep, "pci", HOST_FAIL, "PCI devices",
				       "cannot read /sys/bus/pci/devices", "mount /sys");
	ret = check_sriov(env, funcs, n, rep);
	if (!ret)
		ret = check_resets(env, funcs, n, rep);
	free(funcs);
	return ret;
}
