// SPDX-License-Identifier: GPL-2.0-only
/* The state directory: atomic records, flock ownership, listing, errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/state.h"

#include "fakesys.h"

static void test_write_read_replace(void **state)
{
	struct fakesys *fs = *state;
	char *s;

	assert_int_equal(state_mkdir(fs->root, "leases", NULL), 0);
	assert_int_equal(state_read(fs->root, "leases/a.json", &s, NULL), -ENOENT);
	assert_int_equal(state_write(fs->root, "leases/a.json", "{\"x\":1}", NULL), 0);
	assert_int_equal(state_read(fs->root, "leases/a.json", &s, NULL), 0);
	assert_string_equal(s, "{\"x\":1}");
	free(s);
	assert_int_equal(state_write(fs->root, "leases/a.json", "second", NULL), 0);
	assert_int_equal(state_read(fs->root, "leases/a.json", &s, NULL), 0);
	assert_string_equal(s, "second");
	free(s);
	assert_int_equal(state_remove(fs->root, "leases/a.json"), 0);
	assert_int_equal(state_remove(fs->root, "leases/a.json"), 0);
	assert_int_equal(state_read(fs->root, "leases/a.json", &s, NULL), -ENOENT);
}

static void test_large_record(void **state)
{
	struct fakesys *fs = *state;
	size_t len = 300000;
	char *big = malloc(len + 1), *s;

	memset(big, 'x', len);
	big[len] = '\0';
	assert_int_equal(state_write(fs->root, "big", big, NULL), 0);
	assert_int_equal(state_read(fs->root, "big", &s, NULL), 0);
	assert_int_equal(strlen(s), len);
	free(s);
	free(big);
}

static void test_list_sorted_with_suffix(void **state)
{
	struct fakesys *fs = *state;
	char **names;
	size_t n;

	assert_int_equal(state_list(fs->root, "none", ".json", &names, &n), 0);
	assert_int_equal(n, 0);
	state_mkdir(fs->root, "l", NULL);
	state_write(fs->root, "l/b.json", "", NULL);
	state_write(fs->root, "l/a.json", "", NULL);
	state_write(fs->root, "l/a.lock", "", NULL);
	state_write(fs->root, "l/.json", "", NULL);
	assert_int_equal(state_list(fs->root, "l", ".json", &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a.json");
	assert_string_equal(names[1], "b.json");
	state_list_free(names, n);
}

static void test_lock_detects_dead_owner(void **state)
{
	struct fakesys *fs = *state;
	int pipefd[2], fd, st;
	char c;
	pid_t pid;

	assert_false(state_lock_held(fs->root, "x.lock"));
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (state_lock(fs->root, "x.lock", false, NULL) < 0)
			_exit(1);
		if (write(pipefd[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_true(state_lock_held(fs->root, "x.lock"));
	assert_int_equal(state_lock(fs->root, "x.lock", false, NULL), -EWOULDBLOCK);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_false(state_lock_held(fs->root, "x.lock"));
	fd = state_lock(fs->root, "x.lock", false, NULL);
	assert_true(fd >= 0);
	close(fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_errors_say_what_to_do(void **state)
{
	struct fakesys *fs = *state;
	char dir[512];
	struct errbuf eb;

	/* A path through a regular file can never be created. */
	state_write(fs->root, "file", "", NULL);
	snprintf(dir, sizeof(dir), "%s/file/sub", fs->root);
	assert_int_equal(state_mkdir(dir, NULL, &eb), -ENOTDIR);
	assert_non_null(strstr(eb.msg, dir));
	assert_int_equal(state_write(dir, "rec", "x", &eb), -ENOTDIR);
	assert_non_null(strstr(eb.msg, "cannot write"));
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * A symlink planted where a temporary, a record, a lock or a log goes
 * must never be written through (as root it would clobber any file).
 */
static void test_symlinks_never_followed(void **state)
{
	struct fakesys *fs = *state;
	char victim[512], link[600], *s;
	struct stat st;
	FILE *f;

	snprintf(victim, sizeof(victim), "%s/victim", fs->root);
	f = fopen(victim, "w");
	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(state_mkdir(fs->root, "leases", NULL), 0);
	/* the temporary's name of the old code, and a few around it */
	for (int d = -2; d <= 2; d++) {
		snprintf(link, sizeof(link), "%s/leases/a.json.tmp.%d", fs->root,
			 (int)getpid() + d);
		assert_int_equal(symlink(victim, link), 0);
	}
	assert_int_equal(state_write(fs->root, "leases/a.json", "{}", NULL), 0);
	assert_string_equal(slurp(victim), "precious");

	/* a record, a lock, an opened log that is a symlink */
	snprintf(link, sizeof(link), "%s/leases/b.json", fs->root);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(state_read(fs->root, "leases/b.json", &s, NULL), -ELOOP);
	snprintf(link, sizeof(link), "%s/leases/b.lock", fs->root);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(state_lock(fs->root, "leases/b.lock", false, NULL), -ELOOP);
	assert_false(state_lock_held(fs->root, "leases/b.lock"));
	snprintf(link, sizeof(link), "%s/leases/c.log", fs->root);
	assert_int_equal(symlink(victim, link), 0);
	assert_true(state_open(fs->root, "leases/c.log", O_WRONLY | O_CREAT | O_TRUNC, 0600,
			       NULL) < 0);
	assert_string_equal(slurp(victim), "precious");

	/* a subdirectory that is a symlink to another directory */
	snprintf(link, sizeof(link), "%s/vms", fs->root);
	assert_int_equal(symlink("/tmp", link), 0);
	assert_int_equal(state_write(fs->root, "vms/x.json", "{}", NULL), -ELOOP);
	assert_int_equal(state_mkdir(fs->root, "vms", NULL), -ELOOP);

	/* records and locks are 0600 whatever the umask */
	umask(0);
	assert_int_equal(state_write(fs->root, "leases/d.json", "{}", NULL), 0);
	snprintf(link, sizeof(link), "%s/leases/d.json", fs->root);
	assert_int_equal(stat(link, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	close(state_lock(fs->root, "leases/d.lock", false, NULL));
	snprintf(link, sizeof(link), "%s/leases/d.lock", fs->root);
	assert_int_equal(stat(link, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	umask(022);
	/* and no temporary is left behind */
	snprintf(link, sizeof(link), "%s/leases", fs->root);
	{
		char **names;
		size_t n;

		assert_int_equal(state_list(fs->root, "leases", ".json", &names, &n), 0);
		assert_int_equal(n, 3);	/* a, b (the symlink), d */
		state_list_free(names, n);
	}
}

/* A directory another user could write to is refused, with the fix. */
static void test_untrusted_dir_refused(void **state)
{
	struct fakesys *fs = *state;
	struct errbuf eb;
	char path[512], *s;

	assert_int_equal(state_mkdir(fs->root, "leases", NULL), 0);
	assert_int_equal(state_write(fs->root, "leases/a.json", "{}", NULL), 0);
	assert_int_equal(chmod(fs->root, 0777), 0);
	assert_int_equal(state_write(fs->root, "leases/a.json", "{}", &eb), -EPERM);
	assert_non_null(strstr(eb.msg, "chmod go-w"));
	assert_int_equal(state_read(fs->root, "leases/a.json", &s, &eb), -EPERM);
	assert_int_equal(state_lock(fs->root, "leases/a.lock", false, &eb), -EPERM);
	assert_int_equal(state_mkdir(fs->root, "vms", &eb), -EPERM);
	assert_int_equal(state_check(fs->root, NULL, &eb), -EPERM);
	assert_int_equal(chmod(fs->root, 0755), 0);
	assert_int_equal(state_check(fs->root, NULL, &eb), 0);

	/* a subdirectory, group-writable */
	snprintf(path, sizeof(path), "%s/leases", fs->root);
	assert_int_equal(chmod(path, 0775), 0);
	assert_int_equal(state_write(fs->root, "leases/a.json", "{}", &eb), -EPERM);
	assert_non_null(strstr(eb.msg, path));
	assert_non_null(strstr(eb.msg, "its group"));
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(state_write(fs->root, "leases/a.json", "{}", &eb), 0);

	/* owned by another user (as root: nobody's) */
	if (geteuid())
		return;
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(state_write(fs->root, "leases/a.json", "{}", &eb), -EPERM);
	assert_non_null(strstr(eb.msg, "uid 65534"));
	assert_non_null(strstr(eb.msg, "chown 0"));
	assert_int_equal(chown(path, 0, 0), 0);
}

/*
 * A holder that unlinks its lock file before letting go (state_unlock):
 * a process that was waiting on that file must end up holding the file at
 * the path, or two processes would each "hold" the lock.
 */
static void test_unlock_removes_and_waiter_retakes(void **state)
{
	struct fakesys *fs = *state;
	char path[512];
	int fd, pipefd[2], status;
	struct stat st;
	pid_t pid;
	char ok = 0;

	snprintf(path, sizeof(path), "%s/v.lock", fs->root);
	fd = state_lock(fs->root, "v.lock", false, NULL);
	assert_true(fd >= 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (!pid) {
		struct stat a, b;
		int lfd;

		close(fd);	/* the parent's lock, not the child's */
		lfd = state_lock(fs->root, "v.lock", true, NULL);

		ok = lfd >= 0 && !fstat(lfd, &a) && !stat(path, &b) &&
		     a.st_ino == b.st_ino;
		if (write(pipefd[1], &ok, 1) != 1)
			_exit(2);
		_exit(0);
	}
	usleep(300 * 1000);	/* the child waits in flock on this file */
	state_unlock(fs->root, "v.lock", fd);
	assert_int_equal(read(pipefd[0], &ok, 1), 1);
	assert_true(ok);
	waitpid(pid, &status, 0);
	/* the child exited: its lock file stays (it did not unlock), free */
	assert_false(state_lock_held(fs->root, "v.lock"));
	fd = state_lock(fs->root, "v.lock", false, NULL);
	assert_true(fd >= 0);
	state_unlock(fs->root, "v.lock", fd);
	assert_int_equal(stat(path, &st), -1);
	close(pipefd[0]);
	close(pipefd[1]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fakesys_setup, fakesys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_read_replace),
		T(test_large_record),
		T(test_list_sorted_with_suffix),
		T(test_lock_detects_dead_owner),
		T(test_errors_say_what_to_do),
		T(test_symlinks_never_followed),
		T(test_untrusted_dir_refused),
		T(test_unlock_removes_and_waiter_retakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
