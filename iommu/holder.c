// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who holds an IOMMU group: a VFIO group file can be open in one process
 * only, so "device busy" is far more useful as "in use by pid 1234 (qemu)".
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopass/iommu.h"

static bool fd_dir_has(const char *dir, const char *want)
{
	char link[4096 + 260], target[4096];
	struct dirent *de;
	bool found = false;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = !strcmp(target, want);
	}
	closedir(d);
	return found;
}

int iommu_group_holder(const char *procfs, int group, int self, int *pid,
		       char *comm, size_t len)
{
	char want[64], dir[4096];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	d = opendir(procfs);
	if (!d)
		return -errno;
	while (ret && (de = readdir(d))) {
		char *end;
		long p = strtol(de->d_name, &end, 10);

		if (*end || p <= 0 || p == self)
			continue;
		snprintf(dir, sizeof(dir), "%s/%ld/fd", procfs, p);
		if (!fd_dir_has(dir, want))
			continue;
		*pid = (int)p;
		if (comm && len) {
			snprintf(dir, sizeof(dir), "%s/%ld", procfs, p);
			if (sysfs_read_str(dir, "comm", comm, len))
				snprintf(comm, len, "?");
		}
		ret = 0;
	}
	closedir(d);
	return ret;
}
