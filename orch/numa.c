// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which NUMA node a VM goes on: the one its operator names (--numa N), else
 * the one most of its devices sit on (their sysfs numa_node), so that their
 * DMA lands in local memory and the vCPUs that drive them run next to it.
 * Devices on several nodes are said: all but one node's DMA then crosses the
 * interconnect. A host of one node has nothing to choose.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "orch_impl.h"

/* The online nodes ("0-1"), counted; 1 when the kernel does not say. */
static unsigned int nodes_online(const char *sysfs)
{
	char buf[256];
	cpu_set_t set;	/* a node list reads like a CPU list */

	if (sysfs_read_str(sysfs, "devices/system/node/online", buf, sizeof(buf)) ||
	    cpulist_parse(buf, &set))
		return 1;
	return CPU_COUNT(&set) ? (unsigned int)CPU_COUNT(&set) : 1;
}

int orch_numa_pick(const char *sysfs, int want, const char *const *bdfs,
		   unsigned int n, struct orch_numa *out, struct errbuf *eb)
{
	int node_of[ORCH_DEVICES_MAX], best = -1, best_count = 0;
	char rel[96], buf[4096];

	memset(out, 0, sizeof(*out));
	out->node = -1;
	if (n > ORCH_DEVICES_MAX)
		n = ORCH_DEVICES_MAX;
	for (unsigned int i = 0; i < n; i++) {
		int64_t v = -1;

		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/numa_node", bdfs[i]);
		node_of[i] = bdfs[i][0] && !sysfs_read_s64(sysfs, rel, &v) && v >= 0 ? (int)v : -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		int count = 0;

		for (unsigned int k = 0; k < n; k++)
			count += node_of[i] >= 0 && node_of[k] == node_of[i];
		if (count > best_count) {
			best = node_of[i];
			best_count = count;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		out->span |= node_of[i] >= 0 && node_of[i] != best;
	/* Which devices are where, for the warning. */
	for (unsigned int i = 0; out->span && i < n; i++) {
		size_t k = strlen(out->devices);

		if (node_of[i] >= 0)
			snprintf(out->devices + k, sizeof(out->devices) - k, "%s%s on node %d",
				 k ? ", " : "", bdfs[i], node_of[i]);
	}
	if (want >= 0) {
		snprintf(rel, sizeof(rel), "devices/system/node/node%d/cpulist", want);
		if (sysfs_read_str(sysfs, rel, buf, sizeof(buf)))
			return errbuf_set(eb, -EINVAL, "--numa %d: this host has no NUMA node %d "
					  "(/sys/devices/system/node lists them; 'iopass host "
					  "check' shows the devices' nodes)", want, want);
		out->node = want;
		snprintf(out->why, sizeof(out->why), "--numa %d%s", want,
			 best >= 0 && best != want ? "; its devices are elsewhere" : "");
	} else if (best >= 0 && nodes_online(sysfs) > 1) {
		out->node = best;
		snprintf(out->why, sizeof(out->why), "the node of %d of its %u device%s", best_count,
			 n, n == 1 ? "" : "s");
	} else {
		return 0;
	}
	snprintf(rel, sizeof(rel), "devices/system/node/node%d/cpulist", out->node);
	if (sysfs_read_str(sysfs, rel, buf, sizeof(buf)) || cpulist_parse(buf, &out->cpus))
		return errbuf_set(eb, -EIO, "cannot read the CPUs of NUMA node %d from %s/%s",
				  out->node, sysfs, rel);
	return 0;
}
