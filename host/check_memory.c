// SPDX-License-Identifier: GPL-2.0-only
/*
 * host check, memory and the rest of the host: hugepages and hugetlbfs,
 * the locked-memory limit VMs pin their RAM under, NUMA locality and
 * iopass's own state directory.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_impl.h"

#define CAP_IPC_LOCK_BIT	14

static void fmt_bytes(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ULL << 30) && !(b & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%" PRIu64 " GiB", b >> 30);
	else if (b >= (1ULL << 20))
		snprintf(buf, len, "%" PRIu64 " MiB", b >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", b >> 10);
}

/* "hugepages-2048kB" -> 2048 KiB in bytes; 0 when not such a name. */
static uint64_t hugepage_size(const char *name)
{
	unsigned long long kb;
	char unit[4];

	if (sscanf(name, "hugepages-%llu%3s", &kb, unit) != 2 || strcmp(unit, "kB"))
		return 0;
	return (uint64_t)kb << 10;
}

static int check_hugepages(const struct host_env *env, struct host_report *rep)
{
	char path[PATH_MAX], seen[768] = "", rel[PATH_MAX], sz[32];
	uint64_t total = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/kernel/mm/hugepages", env->sysfs);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		uint64_t size = hugepage_size(de->d_name), nr = 0, fr = 0;

		if (!size)
			continue;
		snprintf(rel, sizeof(rel), "kernel/mm/hugepages/%s/nr_hugepages", de->d_name);
		if (sysfs_read_u64(env->sysfs, rel, 10, &nr) || !nr)
			continue;
		snprintf(rel, sizeof(rel), "kernel/mm/hugepages/%s/free_hugepages", de->d_name);
		sysfs_read_u64(env->sysfs, rel, 10, &fr);
		fmt_bytes(size, sz, sizeof(sz));
		host_append(seen, sizeof(seen), "%s%" PRIu64 " x %s (%" PRIu64 " free",
			    seen[0] ? "; " : "", nr, sz, fr);
		/* Per node: guest RAM should come from its devices' node. */
		for (int node = 0; node < 64; node++) {
			uint64_t n;

			snprintf(rel, sizeof(rel),
				 "devices/system/node/node%d/hugepages/%s/nr_hugepages",
				 node, de->d_name);
			if (sysfs_read_u64(env->sysfs, rel, 10, &n))
				continue;
			host_append(seen, sizeof(seen), ", node%d %" PRIu64, node, n);
		}
		host_append(seen, sizeof(seen), ")");
		total += nr * size;
	}
	if (d)
		closedir(d);
	if (total)
		return host_report_add(rep, "hugepages", HOST_OK, "hugepages reserved",
				       seen, NULL);
	return host_report_add(rep, "hugepages", HOST_WARN, "hugepages reserved",
		"no hugepages reserved: guest RAM is pinned in 4 KiB pages (slower to "
		"map for DMA, more IOTLB misses) and iopass-switch runs without them",
		"sysctl -w vm.nr_hugepages=N (N x 2 MiB; at boot: 'vm.nr_hugepages = N' "
		"in /etc/sysctl.d/80-hugepages.conf), or for 1 GiB pages "
		"default_hugepagesz=1G hugepagesz=1G hugepages=N on the kernel command "
		"line; per node: echo N > /sys/devices/system/node/nodeX/hugepages/"
		"hugepages-2048kB/nr_hugepages. Then iopass vm run --hugepages");
}

static int check_hugetlbfs(const struct host_env *env, struct host_report *rep)
{
	char *text, *save = NULL, seen[512] = "";

	if (!host_read_file(env->procfs, "mounts", &text)) {
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char src[256], mnt[256], type[64];

			if (sscanf(l, "%255s %255s %63s", src, mnt, type) == 3 &&
			    !strcmp(type, "hugetlbfs"))
				host_append(seen, sizeof(seen), "%s%s", seen[0] ? ", " : "", mnt);
		}
		free(text);
	}
	if (seen[0]) {
		char msg[600];

		snprintf(msg, sizeof(msg), "hugetlbfs mounted at %s", seen);
		return host_report_add(rep, "hugetlbfs", HOST_OK, "hugetlbfs mounted",
				       msg, NULL);
	}
	return host_report_add(rep, "hugetlbfs", HOST_WARN, "hugetlbfs mounted",
		"no hugetlbfs mounted: iopass-switch (DPDK) takes hugepages from one; "
		"VMs do not need it (their RAM is a hugetlb memfd)",
		"mount -t hugetlbfs hugetlbfs /dev/hugepages (systemd's "
		"dev-hugepages.mount does it at boot)");
}

/* "Max locked memory  65536  65536  bytes": soft and hard, UINT64_MAX unlimited. */
static int read_memlock(const char *procfs, uint64_t *soft, uint64_t *hard)
{
	char *text, *l, *save = NULL;
	int ret = -ENOENT;

	if (host_read_file(procfs, "self/limits", &text))
		return -ENOENT;
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char s[32], h[32];

		if (strncmp(l, "Max locked memory", 17))
			continue;
		if (sscanf(l + 17, "%31s %31s", s, h) != 2)
			break;
		*soft = !strcmp(s, "unlimited") ? UINT64_MAX : strtoull(s, NULL, 10);
		*hard = !strcmp(h, "unlimited") ? UINT64_MAX : strtoull(h, NULL, 10);
		ret = 0;
		break;
	}
	free(text);
	return ret;
}

static bool has_cap_ipc_lock(const char *procfs)
{
	char *text, *p;
	bool cap = false;

	if (host_read_file(procfs, "self/status", &text))
		return false;
	p = !strncmp(text, "CapEff:", 7) ? text : strstr(text, "\nCapEff:");
	if (p)
		cap = strtoull(strchr(p, ':') + 1, NULL, 16) & (1ULL << CAP_IPC_LOCK_BIT);
	free(text);
	return cap;
}

static int check_memlock(const struct host_env *env, uint64_t vm_mem,
			 struct host_report *rep)
{
	char seen[512], fix[768], s[32], h[32], need[32];
	uint64_t soft, hard;
	bool cap = has_cap_ipc_lock(env->procfs);

	if (read_memlock(env->procfs, &soft, &hard))
		return host_report_add(rep, "memlock", HOST_WARN,
				       "locked-memory limit for pinning guest RAM",
				       "cannot read /proc/self/limits", "mount /proc");
	if (soft == UINT64_MAX)
		snprintf(s, sizeof(s), "unlimited");
	else
		fmt_bytes(soft, s, sizeof(s));
	if (hard == UINT64_MAX)
		snprintf(h, sizeof(h), "unlimited");
	else
		fmt_bytes(hard, h, sizeof(h));
	fmt_bytes(vm_mem, need, sizeof(need));
	if (cap || soft >= vm_mem) {
		snprintf(seen, sizeof(seen), "RLIMIT_MEMLOCK %s (hard %s)%s", s, h,
			 cap ? "; CAP_IPC_LOCK (root): VFIO pins guest RAM without limit" :
			 "");
		if (!cap && soft != UINT64_MAX)
			host_append(seen, sizeof(seen), ": enough for %s of guest RAM", need);
		return host_report_add(rep, "memlock", HOST_OK,
				       "locked-memory limit for pinning guest RAM", seen, NULL);
	}
	snprintf(seen, sizeof(seen),
		 "RLIMIT_MEMLOCK %s (hard %s) and no CAP_IPC_LOCK: a VM with %s of RAM "
		 "and a device cannot pin it for DMA", s, h, need);
	snprintf(fix, sizeof(fix),
		 "%s; for logins: '* soft memlock unlimited' and '* hard memlock "
		 "unlimited' in /etc/security/limits.d/iopass.conf; for a systemd "
		 "unit: LimitMEMLOCK=infinity; or run VMs as root (CAP_IPC_LOCK)",
		 hard >= vm_mem ? "ulimit -l unlimited in this shell (the hard limit allows it)" :
		 "as root: ulimit -l unlimited, or prlimit --memlock=unlimited --pid PID");
	return host_report_add(rep, "memlock", hard >= vm_mem ? HOST_WARN : HOST_FAIL,
			       "locked-memory limit for pinning guest RAM", seen, fix);
}

static int check_numa(const struct host_env *env, struct host_report *rep)
{
	char rel[128], online[64] = "", seen[512], devs[256] = "";
	struct pci_func *funcs = NULL;
	size_t n = 0, unknown = 0;
	int nodes = 0, ret;

	for (int i = 0; i < 1024; i++) {
		snprintf(rel, sizeof(rel), "devices/system/node/node%d", i);
		if (sysfs_exists(env->sysfs, rel))
			nodes++;
	}
	sysfs_read_str(env->sysfs, "devices/system/node/online", online, sizeof(online));
	if (nodes <= 1) {
		snprintf(seen, sizeof(seen), "%s NUMA node%s: placement does not matter",
			 nodes ? "one" : "no", nodes ? "" : "s listed");
		return host_report_add(rep, "numa", HOST_OK, "NUMA locality of devices",
				       seen, NULL);
	}
	if (!pci_func_scan(env->sysfs, &funcs, &n, NULL))
		for (size_t i = 0; i < n; i++) {
			if ((funcs[i].class >> 16) == 0x06 || funcs[i].numa_node >= 0)
				continue;
			if (unknown++ < 4)
				host_append(devs, sizeof(devs), "%s%s", unknown > 1 ? ", " : "",
					    funcs[i].bdf);
		}
	free(funcs);
	if (!unknown) {
		snprintf(seen, sizeof(seen), "%d NUMA nodes (online %s); every device reports its node",
			 nodes, online);
		return host_report_add(rep, "numa", HOST_OK, "NUMA locality of devices",
				       seen, NULL);
	}
	snprintf(seen, sizeof(seen),
		 "%d NUMA nodes, but %zu devices report none (numa_node -1: %s%s): VMs "
		 "using them cannot be placed on their node", nodes, unknown, devs,
		 unknown > 4 ? ", ..." : "");
	ret = host_report_add(rep, "numa", HOST_WARN, "NUMA locality of devices", seen,
		"update the firmware (its ACPI _PXM for the PCI root bridges is missing) "
		"or give iopass vm run --numa N by hand");
	return ret;
}

static int check_state(const struct host_env *env, struct host_report *rep)
{
	char seen[PATH_MAX + 128], parent[PATH_MAX], *slash;

	if (access(env->state, F_OK) == 0) {
		if (access(env->state, W_OK | X_OK)) {
			snprintf(seen, sizeof(seen), "%s is not writable", env->state);
			return host_report_add(rep, "state_dir", HOST_FAIL,
				"iopass state directory", seen,
				"run iopass as root, or point IOPASS_STATE_DIR at a writable "
				"directory (every iopass command must use the same one)");
		}
		snprintf(seen, sizeof(seen), "%s, writable", env->state);
		return host_report_add(rep, "state_dir", HOST_OK, "iopass state directory",
				       seen, NULL);
	}
	snprintf(parent, sizeof(parent), "%s", env->state);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), "/");
	if (access(parent, W_OK | X_OK)) {
		snprintf(seen, sizeof(seen), "%s does not exist and %s is not writable",
			 env->state, parent);
		return host_report_add(rep, "state_dir", HOST_FAIL, "iopass state directory",
			seen, "run iopass as root, or point IOPASS_STATE_DIR at a writable "
			"directory");
	}
	snprintf(seen, sizeof(seen), "%s (created on first use)", env->state);
	return host_report_add(rep, "state_dir", HOST_OK, "iopass state directory",
			       seen, NULL);
}

int host_check_memory(const struct host_env *env,
		      const struct host_check_opts *opts,
		      struct host_report *rep)
{
	int ret;

	ret = check_hugepages(env, rep);
	if (!ret)
		ret = check_hugetlbfs(env, rep);
	if (!ret)
		ret = check_memlock(env, opts && opts->vm_mem ? opts->vm_mem : 1ULL << 30,
				    rep);
	if (!ret)
		ret = check_numa(env, rep);
	if (!ret)
		ret = check_state(env, rep);
	return ret;
}
