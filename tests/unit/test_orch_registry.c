// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of running VMs and their control sockets: a name is taken
 * while its lock is held, a dead VMM's record is found and collected, stop
 * and status reach the VMM through its socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "iopass/orch.h"

#include "fakesys.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(orch_vm_name_valid("web1"));
	assert_true(orch_vm_name_valid("a.b-c_d"));
	assert_false(orch_vm_name_valid(""));
	assert_false(orch_vm_name_valid(".hidden"));
	assert_false(orch_vm_name_valid("-opt"));
	assert_false(orch_vm_name_valid("a/b"));
	assert_false(orch_vm_name_valid("a b"));
	assert_false(orch_vm_name_valid("0123456789012345678901234567890123456789012345678"));
}

static void test_add_list_remove(void **state)
{
	struct fakesys *fs = *state;
	struct orch_vm_entry *e;
	struct errbuf eb;
	size_t n;
	int fd;

	assert_int_equal(orch_registry_list(fs->root, &e, &n, &eb), 0);
	assert_int_equal(n, 0);
	orch_vms_free(e, n);

	assert_int_equal(orch_registry_add(fs->root, "bad/name", NULL, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "not a VM name"));

	fd = orch_registry_add(fs->root, "web1", "\"kernel\": \"k\"", &eb);
	assert_true(fd >= 0);
	assert_int_equal(orch_registry_list(fs->root, &e, &n, &eb), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].name, "web1");
	assert_int_equal(e[0].pid, getpid());
	assert_true(e[0].started > 0);
	/* flock is per open file: this process's own lock shows as held. */
	assert_true(e[0].alive);
	assert_non_null(strstr(e[0].details, "\"kernel\": \"k\""));
	orch_vms_free(e, n);

	orch_registry_remove(fs->root, "web1", fd);
	assert_int_equal(orch_registry_list(fs->root, &e, &n, &eb), 0);
	assert_int_equal(n, 0);
	orch_vms_free(e, n);
}

/* A child takes the name; the parent is refused, then collects the dead. */
static void test_taken_then_dead(void **state)
{
	struct fakesys *fs = *state;
	char **dead;
	struct orch_vm_entry *e;
	struct errbuf eb;
	int p[2], status;
	size_t n;
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = orch_registry_add(fs->root, "db", NULL, NULL);

		if (write(p[1], fd >= 0 ? "y" : "n", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(orch_registry_add(fs->root, "db", NULL, &eb), -EEXIST);
	char want[64];
	snprintf(want, sizeof(want), "already running (pid %d)", (int)pid);
	assert_non_null(strstr(eb.msg, want));
	assert_int_equal(orch_registry_gc(fs->root, false, &dead, &n), 0);
	free(dead);

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_int_equal(orch_registry_list(fs->root, &e, &n, &eb), 0);
	assert_int_equal(n, 1);
	assert_false(e[0].alive);
	orch_vms_free(e, n);

	assert_int_equal(orch_registry_gc(fs->root, true, &dead, &n), 1);
	assert_string_equal(dead[0], "db");
	free(dead[0]);
	free(dead);
	assert_int_equal(orch_registry_gc(fs->root, false, &dead, &n), 1);
	free(dead[0]);
	free(dead);
	assert_int_equal(orch_registry_gc(fs->root, false, &dead, &n), 0);
	free(dead);
	/* The name is free again. */
	int fd = orch_registry_add(fs->root, "db", NULL, &eb);
	assert_true(fd >= 0);
	orch_registry_remove(fs->root, "db", fd);
	close(p[0]);
	close(p[1]);
}

static atomic_int stops;

static void on_stop(void *opaque)
{
	(void)opaque;
	stops++;
}

static char *on_describe(void *opaque)
{
	char *s;

	return asprintf(&s, "{ \"state\": \"%s\" }", (char *)opaque) < 0 ? NULL : s;
}

/* The member at path ("vm.state") of a JSON object, as a string; "" when absent. */
static const char *member(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(o, key, &o))
			return "";
		path += n + (path[n] == '.');
	}
	return o ? json_object_get_string(o) : "";
}

static void test_control(void **state)
{
	struct fakesys *fs = *state;
	struct orch_control *c;
	struct errbuf eb;
	json_object *o;
	char *reply;
	int fd;

	fd = orch_registry_add(fs->root, "ctl", NULL, &eb);
	assert_true(fd >= 0);
	assert_int_equal(orch_control_start(fs->root, "ctl", on_stop, on_describe,
					    "running", &c, &eb), 0);
	/* status: the VM as it describes itself, in a JSON answer */
	assert_int_equal(orch_control_call(fs->root, "ctl", "status", &reply,
					   2000, &eb), 0);
	o = json_tokener_parse(reply);
	assert_string_equal(member(o, "vm.state"), "running");
	assert_string_equal(member(o, "ok"), "true");
	json_object_put(o);
	free(reply);
	assert_int_equal(orch_control_call(fs->root, "ctl", "reboot", &reply,
					   2000, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "unknown request"));
	assert_int_equal(orch_control_call(fs->root, "ctl", "stop", &reply,
					   2000, &eb), 0);
	o = json_tokener_parse(reply);
	assert_string_equal(member(o, "ok"), "true");
	json_object_put(o);
	free(reply);
	assert_int_equal(stops, 1);
	orch_control_stop(c);
	orch_registry_remove(fs->root, "ctl", fd);
	assert_int_equal(orch_control_call(fs->root, "ctl", "stop", &reply,
					   2000, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "cannot reach VM 'ctl'"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fakesys_setup, fakesys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		T(test_add_list_remove),
		T(test_taken_then_dead),
		T(test_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
