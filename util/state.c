// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iopass/state.h"

const char *state_default_dir(void)
{
	const char *dir = getenv("IOPASS_STATE_DIR");

	return dir && *dir ? dir : "/run/iopass";
}

static int join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int state_err(struct errbuf *eb, int err, const char *what,
		     const char *path)
{
	if (err == -EROFS || err == -EACCES || err == -EPERM)
		return errbuf_set(eb, err,
				  "cannot %s %s: %s; the state directory must be writable: "
				  "run as root or set IOPASS_STATE_DIR to a writable directory",
				  what, path, strerror(-err));
	if (err == -ENOSPC || err == -EDQUOT)
		return errbuf_set(eb, err,
				  "cannot %s %s: %s; free space on the file system of the state directory (nothing was changed)",
				  what, path, strerror(-err));
	return errbuf_set(eb, err, "cannot %s %s: %s", what, path,
			  strerror(-err));
}

int state_mkdir(const char *dir, const char *sub, struct errbuf *eb)
{
	char path[PATH_MAX];

	if (mkdir(dir, 0755) && errno != EEXIST)
		return state_err(eb, -errno, "create", dir);
	if (!sub)
		return 0;
	if (join(path, dir, sub))
		return errbuf_set(eb, -ENAMETOOLONG, "path too long: %s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST)
		return state_err(eb, -errno, "create", path);
	return 0;
}

/* -errno, nothing in eb: state_write and file_write_atomic word the error. */
static int write_whole(const char *path, const char *content, size_t len)
{
	char tmp[PATH_MAX + 32];
	size_t done = 0;
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, content + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int state_write(const char *dir, const char *name, const char *content,
		struct errbuf *eb)
{
	char path[PATH_MAX];
	int ret;

	if (join(path, dir, name))
		return errbuf_set(eb, -ENAMETOOLONG, "path too long: %s/%s", dir, name);
	ret = write_whole(path, content, strlen(content));
	return ret ? state_err(eb, ret, "write", path) : 0;
}

int file_write_atomic(const char *path, const char *content, size_t len,
		      struct errbuf *eb)
{
	int ret = write_whole(path, content, len);

	return ret ? errbuf_set(eb, ret, "cannot write %s: %s", path, strerror(-ret)) : 0;
}

int state_read(const char *dir, const char *name, char **content,
	       struct errbuf *eb)
{
	char path[PATH_MAX], *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	int fd, ret = 0;

	if (join(path, dir, name))
		return errbuf_set(eb, -ENAMETOOLONG, "path too long: %s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return ret == -ENOENT ? ret : state_err(eb, ret, "read", path);
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 1024;
			if (cap > (1 << 20)) {
				ret = errbuf_set(eb, -EFBIG,
						 "%s is larger than 1 MiB: not an iopass record",
						 path);
				break;
			}
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = state_err(eb, -errno, "read", path);
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*content = buf;
	return 0;
}

int state_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (join(path, dir, name))
		return -ENAMETOOLONG;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

int state_lock(const char *dir, const char *name, bool wait, struct errbuf *eb)
{
	char path[PATH_MAX];
	int fd;

	if (join(path, dir, name))
		return errbuf_set(eb, -ENAMETOOLONG, "path too long: %s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return state_err(eb, -errno, "open lock", path);
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		int err = -errno;

		if (err == -EINTR)
			continue;
		close(fd);
		if (err == -EWOULDBLOCK)
			return err;
		return state_err(eb, err, "lock", path);
	}
	return fd;
}

bool state_lock_held(const char *dir, const char *name)
{
	char path[PATH_MAX];
	bool held;
	int fd;

	if (join(path, dir, name))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(const char *dir, const char *sub, const char *suffix,
	       char ***names, size_t *n)
{
	size_t count = 0, cap = 0, slen = strlen(suffix);
	char path[PATH_MAX], **list = NULL, **grown;
	struct dirent *de;
	DIR *d;

	if (join(path, dir, sub))
		return -ENAMETOOLONG;
	*names = NULL;
	*n = 0;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= slen ||
		    strcmp(de->d_name + len - slen, suffix))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown)
				goto err_nomem;
			list = grown;
		}
		list[count] = strdup(de->d_name);
		if (!list[count])
			goto err_nomem;
		count++;
	}
	closedir(d);
	if (count)
		qsort(list, count, sizeof(*list), name_cmp);
	*names = list;
	*n = count;
	return 0;

err_nomem:
	closedir(d);
	state_list_free(list, count);
	return -ENOMEM;
}

void state_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
