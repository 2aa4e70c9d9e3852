// SPDX-License-Identifier: GPL-2.0-only
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakesys.h"

static void path_of(struct fakesys *fs, const char *rel, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", fs->root, rel);

	assert_true(n > 0 && n < PATH_MAX);
}

static void mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	assert_non_null(slash);
	*slash = '\0';
	mkdir_p(dir);
}

void fakesys_init(struct fakesys *fs)
{
	snprintf(fs->root, sizeof(fs->root), "%s/iopass-fakesys-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fs->root));
}

int fakesys_setup(void **state)
{
	struct fakesys *fs = calloc(1, sizeof(*fs));

	assert_non_null(fs);
	fakesys_init(fs);
	*state = fs;
	return 0;
}

int fakesys_teardown(void **state)
{
	fakesys_cleanup(*state);
	free(*state);
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fakesys_cleanup(struct fakesys *fs)
{
	nftw(fs->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fakesys_write(struct fakesys *fs, const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	path_of(fs, rel, path);
	mkdir_parent(path);
	f = fopen(path, "w");
	if (!f)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(content, f);
	fclose(f);
}

void fakesys_symlink(struct fakesys *fs, const char *rel, const char *target)
{
	char path[PATH_MAX];

	path_of(fs, rel, path);
	mkdir_parent(path);
	unlink(path);
	if (symlink(target, path))
		fail_msg("symlink %s: %s", path, strerror(errno));
}

void fakesys_remove(struct fakesys *fs, const char *rel)
{
	char path[PATH_MAX];

	path_of(fs, rel, path);
	if (remove(path))
		fail_msg("remove %s: %s", path, strerror(errno));
}

static void devdir(const char *bdf, char *rel, size_t len, const char *attr)
{
	snprintf(rel, len, "devices/pci0000:00/%s%s%s", bdf, attr ? "/" : "",
		 attr ? attr : "");
}

void fakesys_set_attr(struct fakesys *fs, const char *bdf, const char *attr,
		      const char *value)
{
	char rel[PATH_MAX];

	devdir(bdf, rel, sizeof(rel), attr);
	fakesys_write(fs, rel, value);
}

void fakesys_add_pci(struct fakesys *fs, const char *bdf, unsigned int vendor,
		     unsigned int device, unsigned int class)
{
	char rel[PATH_MAX], target[PATH_MAX], val[32];

	snprintf(val, sizeof(val), "0x%04x\n", vendor);
	fakesys_set_attr(fs, bdf, "vendor", val);
	fakesys_set_attr(fs, bdf, "subsystem_vendor", val);
	snprintf(val, sizeof(val), "0x%04x\n", device);
	fakesys_set_attr(fs, bdf, "device", val);
	fakesys_set_attr(fs, bdf, "subsystem_device", val);
	snprintf(val, sizeof(val), "0x%06x\n", class);
	fakesys_set_attr(fs, bdf, "class", val);
	fakesys_set_attr(fs, bdf, "numa_node", "-1\n");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	fakesys_symlink(fs, rel, target);
}

void fakesys_set_driver(struct fakesys *fs, const char *bdf, const char *drv)
{
	char rel[PATH_MAX], target[PATH_MAX];

	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/.keep", drv);
	fakesys_write(fs, rel, "");
	devdir(bdf, rel, sizeof(rel), "driver");
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", drv);
	fakesys_symlink(fs, rel, target);
}

void fakesys_set_group(struct fakesys *fs, const char *bdf, int group)
{
	char rel[PATH_MAX], target[PATH_MAX];

	devdir(bdf, rel, sizeof(rel), "iommu_group");
	snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
	fakesys_symlink(fs, rel, target);
	snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/devices/%s", group, bdf);
	snprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", bdf);
	fakesys_symlink(fs, rel, target);
}

void fakesys_make_pf(struct fakesys *fs, const char *pf, int total, int num)
{
	char val[16];

	snprintf(val, sizeof(val), "%d\n", total);
	fakesys_set_attr(fs, pf, "sriov_totalvfs", val);
	snprintf(val, sizeof(val), "%d\n", num);
	fakesys_set_attr(fs, pf, "sriov_numvfs", val);
	fakesys_set_attr(fs, pf, "sriov_drivers_autoprobe", "1\n");
}

void fakesys_add_vf(struct fakesys *fs, const char *pf, int idx, const char *vf,
		    unsigned int vendor, unsigned int device)
{
	char rel[PATH_MAX], target[PATH_MAX], name[32];

	fakesys_add_pci(fs, vf, vendor, device, 0x010802);
	devdir(vf, rel, sizeof(rel), "physfn");
	snprintf(target, sizeof(target), "../%s", pf);
	fakesys_symlink(fs, rel, target);
	snprintf(name, sizeof(name), "virtfn%d", idx);
	devdir(pf, rel, sizeof(rel), name);
	snprintf(target, sizeof(target), "../%s", vf);
	fakesys_symlink(fs, rel, target);
}

int run_capture(const char *cmd, char *out, size_t len)
{
	size_t n;
	FILE *p;
	int st;

	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}
