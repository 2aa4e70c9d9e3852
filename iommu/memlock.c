// SPDX-License-Identifier: GPL-2.0-only
/*
 * RLIMIT_MEMLOCK before pinning: VFIO type1 (and iommufd) charge every page
 * they pin for device DMA to the process's locked memory, and fail with a
 * bare ENOMEM partway through when the limit is reached. Checking first
 * lets the error say how much is needed and how to get it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "iopass/iommu.h"

#define CAP_IPC_LOCK_BIT	14

/* "256 MiB", "1.5 GiB", "64 KiB": for people raising a limit. */
static void fmt_size(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", b / (double)(1ULL << 30));
	else if (b >= (1ULL << 20))
		snprintf(buf, len, "%" PRIu64 " MiB", (b + (1 << 20) - 1) >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", (b + 1023) >> 10);
}

int iommu_memlock_check(uint64_t bytes, uint64_t rlim, uint64_t locked,
			bool cap_ipc_lock, struct errbuf *eb)
{
	char need[32], have[32];
	uint64_t total, kib;

	if (cap_ipc_lock || rlim == (uint64_t)RLIM_INFINITY)
		return 0;
	total = locked + bytes;
	if (total < bytes)
		total = UINT64_MAX;
	if (total <= rlim)
		return 0;
	fmt_size(total, need, sizeof(need));
	fmt_size(rlim, have, sizeof(have));
	kib = (total + 1023) >> 10;
	return errbuf_set(eb, -ENOMEM,
			  "locked-memory limit too low to pin guest RAM for DMA: "
			  "%s needed, RLIMIT_MEMLOCK is %s; raise it with "
			  "'ulimit -l %" PRIu64 "' (or unlimited), LimitMEMLOCK= "
			  "in the systemd unit, or a memlock line in "
			  "/etc/security/limits.conf", need, have, kib);
}

/* VmLck (kB) and the CAP_IPC_LOCK bit of CapEff from /proc/self/status. */
static int self_status(uint64_t *locked, bool *cap)
{
	char path[4096], line[256];
	bool got_lck = false;
	FILE *f;

	*locked = 0;
	*cap = false;
	snprintf(path, sizeof(path), "%s/self/status", procfs_default_root());
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "VmLck: %llu kB", &v) == 1) {
			*locked = (uint64_t)v << 10;
			got_lck = true;
		} else if (sscanf(line, "CapEff: %llx", &v) == 1) {
			*cap = v & (1ULL << CAP_IPC_LOCK_BIT);
		}
	}
	fclose(f);
	return got_lck ? 0 : -ENOENT;
}

int iommu_memlock_check_self(uint64_t bytes, struct errbuf *eb)
{
	struct rlimit rl;
	uint64_t locked;
	bool cap;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return errbuf_set(eb, -errno, "getrlimit(RLIMIT_MEMLOCK): %s",
				  strerror(errno));
	/* No status file (odd procfs): count nothing as locked yet. */
	self_status(&locked, &cap);
	return iommu_memlock_check(bytes, rl.rlim_cur, locked, cap, eb);
}
