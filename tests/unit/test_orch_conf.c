// SPDX-License-Identifier: GPL-2.0-only
/* The VM description file: key = value lines become `vm run` options. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/orch.h"

#include "fakesys.h"

static const struct orch_conf_key keys[] = {
	{ "kernel", true }, { "mem", true }, { "device", true },
	{ "nic", true }, { "cmdline", true }, { "daemon", false },
	{ "hugepages", false },
};

static int parse(const char *text, int *argc, char ***argv,
		 struct errbuf *eb)
{
	return orch_conf_parse(text, "vm.conf", keys, ARRAY_SIZE(keys), argc,
			       argv, eb);
}

static void test_words(void **state)
{
	struct errbuf eb;
	char **argv;
	int argc;

	(void)state;
	assert_int_equal(parse("# web front end\n"
			       "kernel = /srv/bzImage\n"
			       "\n"
			       "  mem=1G  \n"
			       "device = 0000:03:00.0\n"
			       "device = pool:nvme\n"
			       "cmdline = \"console=ttyS0 quiet  \"\n"
			       "daemon\n"
			       "hugepages = no\n"
			       "nic = pool:uplink,vlan=100",
			       &argc, &argv, &eb), 0);
	assert_int_equal(argc, 13);
	const char *want[] = { "--kernel", "/srv/bzImage", "--mem", "1G",
			       "--device", "0000:03:00.0", "--device",
			       "pool:nvme", "--cmdline", "console=ttyS0 quiet  ",
			       "--daemon", "--nic", "pool:uplink,vlan=100" };
	for (int i = 0; i < argc; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[argc]);
	orch_conf_free(argc, argv);
}

static void test_empty(void **state)
{
	char **argv;
	int argc;

	(void)state;
	assert_int_equal(parse("# nothing\n\n   \n", &argc, &argv, NULL), 0);
	assert_int_equal(argc, 0);
	assert_null(argv[0]);
	orch_conf_free(argc, argv);
}

static void expect_error(const char *text, int err, const char *msg)
{
	struct errbuf eb = { "" };
	char **argv = NULL;
	int argc = 0;

	assert_int_equal(parse(text, &argc, &argv, &eb), err);
	if (!strstr(eb.msg, msg))
		fail_msg("message '%s' lacks '%s'", eb.msg, msg);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("mem = 1G\nbogus = 1\n", -EINVAL,
		     "vm.conf:2: unknown key 'bogus'");
	expect_error("kernel\n", -EINVAL, "vm.conf:1: 'kernel' needs a value");
	expect_error("kernel =\n", -EINVAL, "'kernel' needs a value");
	expect_error("daemon = maybe\n", -EINVAL,
		     "vm.conf:1: 'daemon' is a yes/no flag, not 'maybe'");
	expect_error("mem 1G\n", -EINVAL, "vm.conf:1: expected '=' after 'mem'");
	expect_error("= 1G\n", -EINVAL, "vm.conf:1: expected 'key = value'");
	expect_error("cmdline = \"a\n", -EINVAL, "unbalanced quote");
}

static void test_limits(void **state)
{
	size_t len = (1 << 20) + 2;
	char *big = malloc(len + 1);

	(void)state;
	memset(big, '\n', len);
	big[len] = '\0';
	expect_error(big, -E2BIG, "larger than 1 MiB");
	memset(big, '\n', 5000);
	big[5000] = '\0';
	expect_error(big, -E2BIG, "more than 4096 lines");
	free(big);
}

/* A VM description is text: no control characters, UTF-8 only. */
static void test_bytes(void **state)
{
	(void)state;
	expect_error("kernel = /boot/vm\033[2Jlinuz\n", -EINVAL,
		     "vm.conf:1: byte 0x1b is a control character or not UTF-8");
	expect_error("mem = 64M\nkernel = /tmp/\xff\xfe\n", -EINVAL,
		     "vm.conf:2: byte 0xff is a control character or not UTF-8");
	expect_error("cmdline = \"a\x7f\"\n", -EINVAL, "vm.conf:1: byte 0x7f");
}

static void test_load(void **state)
{
	struct fakesys *fs = *state;
	struct errbuf eb;
	char path[512], **argv;
	int argc;

	assert_int_equal(orch_conf_load("/nonexistent/vm.conf", keys,
					ARRAY_SIZE(keys), &argc, &argv, &eb),
			 -ENOENT);
	assert_non_null(strstr(eb.msg, "cannot open VM description /nonexistent/vm.conf"));
	assert_int_equal(orch_conf_load(fs->root, keys, ARRAY_SIZE(keys), &argc,
					&argv, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "not a regular file"));
	/* A FIFO is refused at once, never waited on (alarm: a hang fails). */
	snprintf(path, sizeof(path), "%s/fifo", fs->root);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	assert_int_equal(orch_conf_load(path, keys, ARRAY_SIZE(keys), &argc, &argv, &eb),
			 -EINVAL);
	alarm(0);
	assert_non_null(strstr(eb.msg, "/fifo is not a regular file; check --config"));

	snprintf(path, sizeof(path), "%s/vm.conf", fs->root);
	FILE *f = fopen(path, "w");
	fputs("mem = 64M\n", f);
	fclose(f);
	assert_int_equal(orch_conf_load(path, keys, ARRAY_SIZE(keys), &argc,
					&argv, &eb), 0);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[1], "64M");
	orch_conf_free(argc, argv);

	f = fopen(path, "w");
	fwrite("mem\0= 1", 1, 7, f);
	fclose(f);
	assert_int_equal(orch_conf_load(path, keys, ARRAY_SIZE(keys), &argc,
					&argv, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "binary file"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fakesys_setup, fakesys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_limits),
		T(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
