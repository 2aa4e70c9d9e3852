// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lease records and their life cycle on fake trees: parsing (malformed
 * records rejected whole), crash detection through the holder's flock, the
 * race for the last device, and that a failed acquisition leaves nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/lease.h"
#include "iopass/state.h"

#include "fakesys.h"

static void test_record_round_trip(void **state)
{
	struct lease a = { .bdf = "0000:01:00.2", .owner = "vm-7", .pool = "nvme",
			   .pid = 4242, .since = 1700000000, .orig_driver = "nvme",
			   .driver = "vfio-pci", .vf_ifname = "ens1", .vf_index = 3 }, b;
	char buf[1024];

	(void)state;
	assert_int_equal(lease_format(&a, buf, sizeof(buf)), 0);
	assert_int_equal(lease_parse(buf, strlen(buf), &b, NULL), 0);
	assert_string_equal(b.bdf, a.bdf);
	assert_string_equal(b.owner, a.owner);
	assert_string_equal(b.pool, a.pool);
	assert_int_equal(b.pid, a.pid);
	assert_int_equal(b.since, a.since);
	assert_string_equal(b.orig_driver, a.orig_driver);
	assert_string_equal(b.driver, a.driver);
	assert_string_equal(b.vf_ifname, "ens1");
	assert_int_equal(b.vf_index, 3);
	assert_int_equal(lease_format(&a, buf, 10), -ENOSPC);
}

static void test_malformed_records_rejected(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "null", "42", "{}",
		"{\"bdf\":\"0000:01:00.0\"}",
		"{\"bdf\":\"nope\",\"owner\":\"x\"}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"\"}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":7}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\",\"pid\":-1}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\",\"pid\":\"12\"}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\",\"since\":\"now\"}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\"} trailing",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\"}{}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\",\"driver\":\"a\\nb\"}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\",\"vf_ifname\":\"ens1\"}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\",\"vf_ifname\":\"e\",\"vf_index\":-2}",
		"{\"bdf\":\"0000:01:00.0\",\"owner\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	};
	struct lease l;
	struct errbuf eb;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lease_parse(bad[i], strlen(bad[i]), &l, &eb), -EINVAL);
	/* Truncation inside a valid record. */
	assert_int_equal(lease_parse("{\"bdf\":\"0000:01:00.0\",\"owner\":\"x\"}", 20,
				     &l, &eb), -EINVAL);
}

struct env {
	struct fakesys sys, proc;
	char state[300];
	struct lease_ctx ctx;
	struct pci_addr vfs[2];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	fakesys_init(&e->sys);
	fakesys_init(&e->proc);
	snprintf(e->state, sizeof(e->state), "%s/state", e->proc.root);
	fakesys_add_pci(&e->sys, "0000:01:00.0", 0x1b36, 0x0010, 0x010802);
	fakesys_make_pf(&e->sys, "0000:01:00.0", 4, 2);
	fakesys_add_vf(&e->sys, "0000:01:00.0", 0, "0000:01:00.1", 0x1b36, 0x0010);
	fakesys_add_vf(&e->sys, "0000:01:00.0", 1, "0000:01:00.2", 0x1b36, 0x0010);
	fakesys_set_group(&e->sys, "0000:01:00.1", 5);
	fakesys_set_group(&e->sys, "0000:01:00.2", 6);
	/* Already on vfio-pci: the fake kernel cannot move devices. */
	fakesys_set_driver(&e->sys, "0000:01:00.1", "vfio-pci");
	fakesys_set_driver(&e->sys, "0000:01:00.2", "vfio-pci");
	fakesys_write(&e->proc, "self/mountinfo", "");
	pci_addr_parse("0000:01:00.1", &e->vfs[0]);
	pci_addr_parse("0000:01:00.2", &e->vfs[1]);
	e->ctx.bind = (struct bind_ctx){ .sysfs = e->sys.root, .procfs = e->proc.root,
					 .state = e->state };
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fakesys_cleanup(&e->sys);
	fakesys_cleanup(&e->proc);
	free(e);
	return 0;
}

static void test_acquire_release_and_exhaustion(void **state)
{
	struct env *e = *state;
	struct lease a, b, c, *list;
	struct errbuf eb;
	size_t n;

	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 2, "vm1", "nvme", NULL, "vfio-pci",
				       NULL, &a, &eb), 0);
	assert_string_equal(a.bdf, "0000:01:00.1");
	assert_string_equal(a.orig_driver, "vfio-pci");
	assert_int_equal(a.pid, 0);
	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 2, "vm2", "nvme", NULL, "vfio-pci",
				       NULL, &b, &eb), 0);
	assert_string_equal(b.bdf, "0000:01:00.2");
	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 2, "vm3", "nvme", NULL, "vfio-pci",
				       NULL, &c, &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "no free device in pool nvme: 2 candidate(s), 2 leased"));
	assert_int_equal(lease_list(e->state, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].owner, "vm2");
	free(list);
	assert_int_equal(lease_release(&e->ctx, "0000:01:00.1", &eb), 0);
	assert_int_equal(lease_release(&e->ctx, "0000:01:00.1", &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "is not leased"));
	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 2, "vm3", "nvme", NULL, "vfio-pci",
				       NULL, &c, &eb), 0);
	assert_string_equal(c.bdf, "0000:01:00.1");
}

static void test_dead_holder_is_collected(void **state)
{
	struct env *e = *state;
	int pipefd[2], st, released;
	struct lease l;
	struct errbuf eb;
	char c;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		int fd;

		if (lease_acquire(&e->ctx, e->vfs, 1, "vm-crash", "", NULL, "vfio-pci",
				  &fd, &l, NULL))
			_exit(1);
		if (write(pipefd[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(lease_read(e->state, "0000:01:00.1", &l, NULL), 0);
	assert_int_equal(l.pid, pid);
	assert_false(lease_orphaned(e->state, &l));
	assert_int_equal(lease_release(&e->ctx, "0000:01:00.1", &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "held by running process"));
	assert_int_equal(lease_gc(&e->ctx, &released, NULL), 0);
	assert_int_equal(released, 0);

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_true(lease_orphaned(e->state, &l));
	assert_int_equal(lease_gc(&e->ctx, &released, NULL), 0);
	assert_int_equal(released, 1);
	assert_int_equal(lease_read(e->state, "0000:01:00.1", &l, NULL), -ENOENT);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Many processes race for the last device: exactly one wins. */
static void test_race_for_the_last_device(void **state)
{
	struct env *e = *state;
	int wins = 0, busy = 0;
	pid_t pids[8];

	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct lease l;
			char owner[16];
			int ret;

			snprintf(owner, sizeof(owner), "racer%d", i);
			ret = lease_acquire(&e->ctx, &e->vfs[1], 1, owner, "", NULL, "vfio-pci",
					    NULL, &l, NULL);
			_exit(ret == 0 ? 0 : ret == -EBUSY ? 1 : 2);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st));
		wins += WEXITSTATUS(st) == 0;
		busy += WEXITSTATUS(st) == 1;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(busy, 7);
}

static void test_failed_bind_leaves_no_record(void **state)
{
	struct env *e = *state;
	struct lease l, *list;
	struct errbuf eb;
	size_t n;

	/* A device on a host driver the fake kernel will never move. */
	fakesys_set_driver(&e->sys, "0000:01:00.1", "nvme");
	fakesys_set_attr(&e->sys, "0000:01:00.1", "driver_override", "\n");
	fakesys_write(&e->sys, "bus/pci/drivers/nvme/unbind", "");
	fakesys_write(&e->sys, "bus/pci/drivers/vfio-pci/bind", "");
	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 1, "vm1", "", NULL, "vfio-pci",
				       NULL, &l, &eb), -EIO);
	assert_int_equal(lease_list(e->state, &list, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(list);
}

/*
 * A broken record blocks its device: listed with its path and what is
 * wrong, refused by release with the fix, removed by release --force
 * unless a live process holds its lock, and counted by assign.
 */
static void test_broken_records(void **state)
{
	static const char *const bad[][2] = {
		{ "0000:01:00.1.json", "" },
		{ "0000:01:00.2.json", "{\"bdf\":\"0000:01:00.2\",\"own" },
		{ "0000:01:00.3.json", "{\"bdf\":\"0000:01:00.1\",\"owner\":\"x\"}\n" },
		{ "junk\033.json", "{}" },
	};
	static const char *const why[] = {
		"leases/0000:01:00.1.json is broken: is empty",
		"leases/0000:01:00.2.json is broken: lease record is not a JSON object",
		"leases/0000:01:00.3.json is broken: names 0000:01:00.1",
		"leases/junk\\x1b.json is broken: its name is not a PCI address",
	};
	struct env *e = *state;
	struct lease_broken *b;
	struct lease l, *list;
	struct errbuf eb;
	char rel[128];
	size_t n;
	int fd, st;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(rel, sizeof(rel), "state/leases/%s", bad[i][0]);
		fakesys_write(&e->proc, rel, bad[i][1]);
	}
	fakesys_symlink(&e->proc, "state/leases/0000:01:00.4.json", "/etc/passwd");
	assert_int_equal(lease_list(e->state, &list, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(lease_list_broken(e->state, &b, &n, &eb), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < ARRAY_SIZE(why); i++)
		assert_non_null(strstr(b[i == 3 ? 4 : i].why, why[i]));
	assert_non_null(strstr(b[3].why, "0000:01:00.4.json is broken: is a symbolic link"));
	free(b);

	/* assign counts it as taken, and says why. */
	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 2, "vm1", "nvme", NULL, "vfio-pci",
				       NULL, &l, &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "2 leased (2 of them by a broken record"));

	assert_int_equal(lease_release(&e->ctx, "0000:01:00.1", &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "/leases/0000:01:00.1.json is broken: is empty. "
			       "'iopass release 0000:01:00.1 --force' removes it"));
	/* A live holder of its lock keeps it. */
	fd = state_lock(e->state, "leases/0000:01:00.1.lock", false, NULL);
	assert_true(fd >= 0);
	if (fork() == 0) {
		e->ctx.bind.flags = BIND_FORCE;
		_exit(lease_release(&e->ctx, "0000:01:00.1", &eb) == -EBUSY ? 0 : 1);
	}
	assert_true(wait(&st) > 0 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(fd);
	e->ctx.bind.flags = BIND_FORCE;
	assert_int_equal(lease_release(&e->ctx, "0000:01:00.1", &eb), 0);
	assert_int_equal(lease_read(e->state, "0000:01:00.1", &l, NULL), -ENOENT);
	assert_int_equal(lease_drop_broken(&e->ctx, "junk\033", &eb), 0);
	assert_int_equal(lease_drop_broken(&e->ctx, "0000:01:00.1", &eb), -ENOENT);
	assert_int_equal(lease_list_broken(e->state, &b, &n, &eb), 0);
	assert_int_equal(n, 3);
	free(b);
	/* The device it blocked is free again. */
	e->ctx.bind.flags = 0;
	assert_int_equal(lease_acquire(&e->ctx, e->vfs, 2, "vm1", "nvme", NULL, "vfio-pci",
				       NULL, &l, &eb), 0);
	assert_string_equal(l.bdf, "0000:01:00.1");
	assert_int_equal(lease_drop_broken(&e->ctx, "0000:01:00.1", &eb), -EEXIST);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_malformed_records_rejected),
		T(test_acquire_release_and_exhaustion),
		T(test_dead_holder_is_collected),
		T(test_race_for_the_last_device),
		T(test_failed_bind_leaves_no_record),
		T(test_broken_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
