// SPDX-License-Identifier: GPL-2.0-only
/* The state directory: atomic records, flock ownership, listing, errors. */
#include <errno.h>
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

#define T(fn) cmocka_unit_test_setup_teardown(fn, fakesys_setup, fakesys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_read_replace),
		T(test_large_record),
		T(test_list_sorted_with_suffix),
		T(test_lock_detects_dead_owner),
		T(test_errors_say_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
