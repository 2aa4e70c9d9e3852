// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
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
	if (err == -ELOOP)
		return errbuf_set(eb, err,
				  "cannot %s %s: it is a symbolic link, and iopass follows none in "
				  "its state directory; remove it", what, path);
	return errbuf_set(eb, err, "cannot %s %s: %s", what, path,
			  strerror(-err));
}

/*
 * A record is trusted because nobody but its writer could have put it there.
 * A directory that another user owns or may write to lets that user plant a
 * symlink (root then writes through it) or forge a lease: refuse it. Root's
 * directories are trusted by everyone, as root could do anything anyway.
 */
static int dir_trusted(int fd, const char *path, struct errbuf *eb)
{
	uid_t me = geteuid();
	struct stat st;

	if (fstat(fd, &st))
		return state_err(eb, -errno, "inspect", path);
	if (st.st_uid != me && st.st_uid != 0)
		return errbuf_set(eb, -EPERM,
				  "the state directory %s belongs to uid %u, neither you (uid %u) nor root: "
				  "its owner could plant records or symbolic links there; 'chown %u %s' or "
				  "set IOPASS_STATE_DIR to a directory of yours",
				  path, (unsigned int)st.st_uid, (unsigned int)me,
				  (unsigned int)me, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return errbuf_set(eb, -EPERM,
				  "the state directory %s is writable by %s (mode %04o): they could plant "
				  "records or symbolic links there; 'chmod go-w %s'", path,
				  (st.st_mode & S_IWOTH) ? "others" : "its group",
				  (unsigned int)(st.st_mode & 07777), path);
	return 0;
}

/* Opens a directory of the state tree and checks that it can be trusted. */
static int dir_open(int at, const char *name, const char *path, bool follow,
		    struct errbuf *eb)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			(follow ? 0 : O_NOFOLLOW));
	int ret;

	if (fd < 0) {
		ret = -errno;
		/* O_NOFOLLOW|O_DIRECTORY on a symlink: ELOOP or ENOTDIR. */
		if (ret == -ENOTDIR && !follow) {
			struct stat st;

			if (!fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) &&
			    S_ISLNK(st.st_mode))
				ret = -ELOOP;
		}
		return ret == -ENOENT ? ret : state_err(eb, ret, "open", path);
	}
	ret = dir_trusted(fd, path, eb);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * The directory holding rel's last component, walked from dir one component
 * at a time without following a symlink, each directory checked; *leaf is
 * that last component. With whole, rel itself is the directory (leaf NULL).
 * path gets dir/rel for messages.
 */
static int state_at(const char *dir, const char *rel, bool whole,
		    const char **leaf, char *path, struct errbuf *eb)
{
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int fd, next;

	if (join(path, dir, rel))
		return errbuf_set(eb, -ENAMETOOLONG, "path too long: %s/%s", dir, rel);
	fd = dir_open(AT_FDCWD, dir, dir, true, eb);
	if (fd < 0)
		return fd;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (!slash && !whole)
			break;
		if (!len && !slash)
			break;		/* "sub/" */
		if (!len || len > NAME_MAX || (len <= 2 && !strncmp(p, "..", len))) {
			close(fd);
			return errbuf_set(eb, -EINVAL, "'%s' is not a state record name", rel);
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		next = dir_open(fd, comp, path, false, eb);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (leaf)
		*leaf = whole ? NULL : p;
	if (!whole && (!*p || !strcmp(p, ".") || !strcmp(p, ".."))) {
		close(fd);
		return errbuf_set(eb, -EINVAL, "'%s' is not a state record name", rel);
	}
	return fd;
}

static int mkdir_at(int at, const char *name, const char *path, struct errbuf *eb)
{
	if (mkdirat(at, name, 0755) && errno != EEXIST)
		return state_err(eb, -errno, "create", path);
	return 0;
}

int state_mkdir(const char *dir, const char *sub, struct errbuf *eb)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = mkdir_at(AT_FDCWD, dir, dir, eb);
	if (ret)
		return ret;
	if (!sub) {
		fd = dir_open(AT_FDCWD, dir, dir, true, eb);
		if (fd < 0)
			return fd;
		close(fd);
		return 0;
	}
	for (const char *s = sub;; s++) {
		char part[PATH_MAX];
		const char *leaf;

		if (*s != '/' && *s)
			continue;
		if ((size_t)(s - sub) >= sizeof(part))
			return errbuf_set(eb, -ENAMETOOLONG, "path too long: %s/%s", dir, sub);
		memcpy(part, sub, (size_t)(s - sub));
		part[s - sub] = '\0';
		fd = state_at(dir, part, false, &leaf, path, eb);
		if (fd < 0)
			return fd;
		ret = mkdir_at(fd, leaf, path, eb);
		close(fd);
		if (ret)
			return ret;
		if (!*s)
			break;
	}
	fd = state_at(dir, sub, true, NULL, path, eb);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int state_check(const char *dir, const char *sub, struct errbuf *eb)
{
	char path[PATH_MAX];
	int fd = sub ? state_at(dir, sub, true, NULL, path, eb) :
		 dir_open(AT_FDCWD, dir, dir, true, eb);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int state_open(const char *dir, const char *name, int flags, mode_t mode,
	       struct errbuf *eb)
{
	char path[PATH_MAX];
	const char *leaf;
	int at, fd, ret;

	at = state_at(dir, name, false, &leaf, path, eb);
	if (at < 0)
		return at;
	fd = openat(at, leaf, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	ret = fd < 0 ? -errno : 0;
	close(at);
	if (ret)
		return ret == -ENOENT && !(flags & O_CREAT) ? ret :
		       state_err(eb, ret, "open", path);
	return fd;
}

/* A temporary that nobody could have planted or guess: O_EXCL, random name. */
static int tmp_create(int at, const char *leaf, mode_t mode, char *tmp, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		uint64_t r;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -EIO;
		if (snprintf(tmp, len, ".%.200s.tmp.%016llx", leaf,
			     (unsigned long long)r) >= (int)len)
			return -ENAMETOOLONG;
		fd = openat(at, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    mode);
		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

/* leaf in the directory at replaced whole (a temporary renamed): -errno. */
static int write_at(int at, const char *leaf, const char *content, size_t len,
		    mode_t mode)
{
	char tmp[NAME_MAX + 1];
	size_t done = 0;
	int fd, ret = 0;

	fd = tmp_create(at, leaf, mode, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	if (fchmod(fd, mode))	/* exact, whatever the umask */
		ret = -errno;
	while (!ret && done < len) {
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
	if (!ret && renameat(at, tmp, at, leaf))
		ret = -errno;
	if (ret)
		unlinkat(at, tmp, 0);
	return ret;
}

int state_write(const char *dir, const char *name, const char *content,
		struct errbuf *eb)
{
	char path[PATH_MAX];
	const char *leaf;
	int at, ret;

	at = state_at(dir, name, false, &leaf, path, eb);
	/* Say "write" unless the tree itself was refused (that says why). */
	if (at < 0)
		return at == -EPERM || at == -ELOOP || at == -EINVAL ? at :
		       state_err(eb, at, "write", path);
	ret = write_at(at, leaf, content, strlen(content), 0600);
	close(at);
	return ret ? state_err(eb, ret, "write", path) : 0;
}

int file_write_atomic(const char *path, const char *content, size_t len,
		      struct errbuf *eb)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *leaf = slash ? slash + 1 : path;
	int at, ret;

	if (!*leaf || (slash && (size_t)(slash - path) >= sizeof(dir)))
		return errbuf_set(eb, -EINVAL, "cannot write %s: not a file name", path);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	at = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (at < 0)
		return errbuf_set(eb, -errno, "cannot write %s: %s", path, strerror(errno));
	/* Read by others (node_exporter, an operator): 0644 as before. */
	ret = write_at(at, leaf, content, len, 0644);
	close(at);
	return ret ? errbuf_set(eb, ret, "cannot write %s: %s", path, strerror(-ret)) : 0;
}

int state_read(const char *dir, const char *name, char **content,
	       struct errbuf *eb)
{
	char path[PATH_MAX], *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd, ret = 0;

	join(path, dir, name);
	/* O_NONBLOCK: a FIFO planted here must not hang the reader. */
	fd = state_open(dir, name, O_RDONLY | O_NONBLOCK, 0, eb);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(eb, -EINVAL, "%s is not a regular file: not an iopass record; "
				  "remove it", path);
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
	const char *leaf;
	int at, ret = 0;

	at = state_at(dir, name, false, &leaf, path, NULL);
	if (at < 0)
		return at == -ENOENT ? 0 : at;
	if (unlinkat(at, leaf, 0) && errno != ENOENT)
		ret = -errno;
	close(at);
	return ret;
}

/* Whether fd is still the file at dir/name (not unlinked or replaced). */
static bool lock_current(const char *dir, const char *name, int fd)
{
	struct stat held, now;
	char path[PATH_MAX];
	const char *leaf;
	bool same;
	int at;

	at = state_at(dir, name, false, &leaf, path, NULL);
	if (at < 0)
		return false;
	same = !fstat(fd, &held) && !fstatat(at, leaf, &now, AT_SYMLINK_NOFOLLOW) &&
	       held.st_dev == now.st_dev && held.st_ino == now.st_ino;
	close(at);
	return same;
}

int state_lock(const char *dir, const char *name, bool wait, struct errbuf *eb)
{
	char path[PATH_MAX];
	int fd;

	join(path, dir, name);
	/*
	 * Its holder may unlink a lock file before letting go (state_unlock):
	 * a lock won on a file no longer at the path locks nothing, so take
	 * the one there now.
	 */
	for (;;) {
		fd = state_open(dir, name, O_RDWR | O_CREAT, 0600, eb);
		if (fd < 0)
			return fd;
		while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
			int err = -errno;

			if (err == -EINTR)
				continue;
			close(fd);
			if (err == -EWOULDBLOCK)
				return err;
			return state_err(eb, err, "lock", path);
		}
		if (lock_current(dir, name, fd))
			return fd;
		close(fd);
	}
}

void state_unlock(const char *dir, const char *name, int fd)
{
	if (fd < 0)
		return;
	state_remove(dir, name);
	close(fd);
}

bool state_lock_held(const char *dir, const char *name)
{
	bool held;
	int fd;

	fd = state_open(dir, name, O_RDONLY, 0, NULL);
	/*
	 * Locks are 0600 (another user holding LOCK_SH on one would lock its
	 * owner out): one we may not open is not ours to call free.
	 */
	if (fd == -EACCES)
		return true;
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
	int fd;

	*names = NULL;
	*n = 0;
	fd = state_at(dir, sub, true, NULL, path, NULL);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
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
