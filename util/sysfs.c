// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopass/util.h"

const char *sysfs_default_root(void)
{
	const char *root = getenv("IOPASS_SYSFS_ROOT");

	return root && *root ? root : "/sys";
}

const char *procfs_default_root(void)
{
	const char *root = getenv("IOPASS_PROCFS_ROOT");

	return root && *root ? root : "/proc";
}

static int sysfs_path(const char *root, const char *rel, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s", root, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int sysfs_read_str(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret;

	if (len == 0)
		return -EINVAL;
	ret = sysfs_path(root, rel, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int sysfs_read_u64(const char *root, const char *rel, int base, uint64_t *val)
{
	char buf[64], *end;
	unsigned long long v;
	int ret;

	ret = sysfs_read_str(root, rel, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoull(buf, &end, base);
	if (errno || end == buf || *end != '\0' || buf[0] == '-')
		return -EINVAL;
	*val = v;
	return 0;
}

int sysfs_read_s64(const char *root, const char *rel, int64_t *val)
{
	char buf[64], *end;
	long long v;
	int ret;

	ret = sysfs_read_str(root, rel, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end != '\0')
		return -EINVAL;
	*val = v;
	return 0;
}

int sysfs_link_base(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int ret;

	ret = sysfs_path(root, rel, path, sizeof(path));
	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int sysfs_write_str(const char *root, const char *rel, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret;

	ret = sysfs_path(root, rel, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return ret;
}

bool sysfs_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];

	if (sysfs_path(root, rel, path, sizeof(path)))
		return false;
	return access(path, F_OK) == 0;
}
