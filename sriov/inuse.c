// SPDX-License-Identifier: GPL-2.0-only
/*
 * Is a PCI function carrying something the host needs? Network interfaces
 * that are up with addresses or routes, block devices that are mounted,
 * swapped on or held by LVM/RAID: unbinding those takes the host's traffic
 * or its disks away, so the binding code refuses without --force.
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iopass/iommu.h"
#include "iopass/sriov.h"

#define MAX_DEPTH	8

/*
 * /proc/net/route has the interface in its first column, ipv6_route in its
 * last (col < 0). IPv6 link-local and multicast routes exist on every up
 * link, so they do not count as carrying traffic.
 */
static bool file_has_iface(const char *procfs, const char *file, int col,
			   const char *ifname, bool skip_link_local)
{
	char path[4096], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", procfs, file);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *tok[16], *save = NULL;
		int n = 0;

		for (char *t = strtok_r(line, " \t\n", &save); t && n < 16;
		     t = strtok_r(NULL, " \t\n", &save))
			tok[n++] = t;
		if (!n)
			continue;
		if (strcmp(tok[col < 0 ? n - 1 : col < n ? col : 0], ifname) ||
		    (col >= n))
			continue;
		if (skip_link_local &&
		    (!strncmp(tok[0], "fe80", 4) || !strncmp(tok[0], "ff", 2)))
			continue;
		found = true;
	}
	fclose(f);
	return found;
}

static int iface_addresses(const char *ifname, char *buf, size_t len)
{
	struct ifaddrs *ifa, *i;
	size_t used = 0;
	int count = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		char addr[INET6_ADDRSTRLEN] = "";

		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				  addr, sizeof(addr));
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			inet_ntop(AF_INET6, a, addr, sizeof(addr));
		} else {
			continue;
		}
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 count ? ", " : "", addr);
		count++;
	}
	freeifaddrs(ifa);
	return count;
}

static bool net_in_use(const char *sysfs, const char *procfs, const char *bdf,
		       char *reason, size_t len)
{
	char path[4096], rel[256], addrs[256];
	struct dirent *de;
	bool busy = false;
	uint64_t flags;
	DIR *d;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/net", sysfs, bdf);
	d = opendir(path);
	if (!d)
		return false;
	while (!busy && (de = readdir(d))) {
		const char *ifn = de->d_name;

		if (ifn[0] == '.')
			continue;
		if (snprintf(rel, sizeof(rel), "bus/pci/devices/%s/net/%s/flags", bdf,
			     ifn) >= (int)sizeof(rel))
			continue;
		if (sysfs_read_u64(sysfs, rel, 16, &flags) || !(flags & IFF_UP))
			continue;
		/* Addresses are only knowable on the real host. */
		if (!strcmp(procfs, "/proc") && iface_addresses(ifn, addrs, sizeof(addrs))) {
			snprintf(reason, len, "network interface %s is up with addresses %s",
				 ifn, addrs);
			busy = true;
		} else if (file_has_iface(procfs, "net/route", 0, ifn, false) ||
			   file_has_iface(procfs, "net/ipv6_route", -1, ifn, true)) {
			snprintf(reason, len, "network interface %s is up and carries routes",
				 ifn);
			busy = true;
		}
	}
	closedir(d);
	return busy;
}

/* sysfs helpers on an absolute path: an empty root and the path sans '/'. */
static int read_abs(const char *dir, const char *file, char *buf, size_t len)
{
	char rel[4096];

	if (snprintf(rel, sizeof(rel), "%s/%s", dir + 1, file) >= (int)sizeof(rel))
		return -ENAMETOOLONG;
	return sysfs_read_str("", rel, buf, len);
}

static int link_base_abs(const char *dir, const char *file, char *buf, size_t len)
{
	char rel[4096];

	if (snprintf(rel, sizeof(rel), "%s/%s", dir + 1, file) >= (int)sizeof(rel))
		return -ENAMETOOLONG;
	return sysfs_link_base("", rel, buf, len);
}

static bool block_dev_in_use(const char *procfs, const char *dir,
			     const char *name, char *reason, size_t len)
{
	char path[4096], dev[32], line[4096], mnt[1024];
	struct dirent *de;
	bool busy = false;
	FILE *f;
	DIR *d;

	if (read_abs(dir, "dev", dev, sizeof(dev)))
		return false;
	snprintf(path, sizeof(path), "%s/self/mountinfo", procfs);
	f = fopen(path, "re");
	while (f && !busy && fgets(line, sizeof(line), f)) {
		char majmin[32];

		/* "36 25 259:1 / /boot rw,... " */
		if (sscanf(line, "%*d %*d %31s %*s %1023s", majmin, mnt) == 2 &&
		    !strcmp(majmin, dev)) {
			snprintf(reason, len, "block device %s is mounted on %s", name, mnt);
			busy = true;
		}
	}
	if (f)
		fclose(f);
	if (!busy) {
		snprintf(path, sizeof(path), "%s/swaps", procfs);
		f = fopen(path, "re");
		while (f && !busy && fgets(line, sizeof(line), f)) {
			char *slash = strrchr(strtok(line, " \t"), '/');

			if (slash && !strcmp(slash + 1, name)) {
				snprintf(reason, len, "block device %s is in use as swap", name);
				busy = true;
			}
		}
		if (f)
			fclose(f);
	}
	if (!busy) {
		d = snprintf(path, sizeof(path), "%s/holders", dir) < (int)sizeof(path) ?
			opendir(path) : NULL;
		while (d && !busy && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(reason, len, "block device %s is held by %.64s (LVM, RAID or device-mapper)",
				 name, de->d_name);
			busy = true;
		}
		if (d)
			closedir(d);
	}
	return busy;
}

/* Walks a device's sysfs subtree (real directories only) for block devices. */
static bool walk_block(const char *procfs, const char *dir, int depth,
		       char *reason, size_t len)
{
	char path[4096], subsys[64];
	struct dirent *de;
	bool busy = false;
	struct stat st;
	DIR *d;

	if (depth > MAX_DEPTH)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!busy && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (!link_base_abs(path, "subsystem", subsys, sizeof(subsys)) &&
		    !strcmp(subsys, "block") &&
		    block_dev_in_use(procfs, path, de->d_name, reason, len))
			busy = true;
		else
			busy = walk_block(procfs, path, depth + 1, reason, len);
	}
	closedir(d);
	return busy;
}

static bool func_in_use(const char *sysfs, const char *procfs, const char *bdf,
			char *reason, size_t len)
{
	char path[4096], real[4096];

	if (net_in_use(sysfs, procfs, bdf, reason, len))
		return true;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", sysfs, bdf);
	if (!realpath(path, real))
		return false;
	return walk_block(procfs, real, 0, reason, len);
}

bool pci_func_in_use(const char *sysfs, const char *procfs,
		     const struct pci_addr *addr, char *reason, size_t len)
{
	char bdf[PCI_ADDR_STRLEN], why[512];
	struct pci_addr *devs;
	bool busy = false;
	size_t n;
	int group;

	pci_addr_format(addr, bdf);
	if (func_in_use(sysfs, procfs, bdf, reason, len))
		return true;
	group = iommu_group_of(sysfs, addr);
	if (group < 0 || iommu_group_devices(sysfs, group, &devs, &n))
		return false;
	for (size_t i = 0; i < n && !busy; i++) {
		char sib[PCI_ADDR_STRLEN];

		if (!pci_addr_cmp(&devs[i], addr))
			continue;
		pci_addr_format(&devs[i], sib);
		if (func_in_use(sysfs, procfs, sib, why, sizeof(why))) {
			snprintf(reason, len, "its IOMMU group %d sibling %s is in use: %s",
				 group, sib, why);
			busy = true;
		}
	}
	free(devs);
	return busy;
}
