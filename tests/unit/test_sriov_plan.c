// SPDX-License-Identifier: GPL-2.0-only
/* The sriov_numvfs state machine, and its executor on a fake tree. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/sriov.h"

#include "fakesys.h"

static void expect_ops(const struct sriov_plan *p, int n, const int *ops)
{
	assert_int_equal(p->n, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(p->ops[i].step, ops[2 * i]);
		assert_int_equal(p->ops[i].arg, ops[2 * i + 1]);
	}
}

static void test_enable_from_zero(void **state)
{
	static const int ops[] = { SRIOV_SET_AUTOPROBE, 0, SRIOV_SET_NUMVFS, 2,
				   SRIOV_WAIT_VFS, 2 };
	struct sriov_plan p;

	(void)state;
	assert_int_equal(sriov_plan(0, 4, 1, 2, false, 0, &p, NULL), 0);
	expect_ops(&p, 3, ops);
}

static void test_change_goes_through_zero(void **state)
{
	static const int ops[] = { SRIOV_SET_NUMVFS, 0, SRIOV_WAIT_VFS, 0,
				   SRIOV_SET_NUMVFS, 4, SRIOV_WAIT_VFS, 4 };
	struct sriov_plan p;

	(void)state;
	assert_int_equal(sriov_plan(2, 4, 0, 4, false, 0, &p, NULL), 0);
	expect_ops(&p, 4, ops);
}

static void test_disable(void **state)
{
	static const int ops[] = { SRIOV_SET_NUMVFS, 0, SRIOV_WAIT_VFS, 0 };
	struct sriov_plan p;

	(void)state;
	assert_int_equal(sriov_plan(3, 4, 0, 0, false, 0, &p, NULL), 0);
	expect_ops(&p, 2, ops);
}

static void test_same_count_is_nothing_or_autoprobe(void **state)
{
	static const int ops[] = { SRIOV_SET_AUTOPROBE, 1 };
	struct sriov_plan p;

	(void)state;
	assert_int_equal(sriov_plan(2, 4, 0, 2, false, 1, &p, NULL), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(sriov_plan(2, 4, 0, 2, true, 1, &p, NULL), 0);
	expect_ops(&p, 1, ops);
	assert_int_equal(sriov_plan(0, 4, 0, 0, false, 0, &p, NULL), 0);
	assert_int_equal(p.n, 0);
}

/* disable puts autoprobe back after the VFs are gone, not before. */
static void test_disable_restores_autoprobe(void **state)
{
	static const int ops[] = { SRIOV_SET_NUMVFS, 0, SRIOV_WAIT_VFS, 0,
				   SRIOV_SET_AUTOPROBE, 1 };
	static const int only[] = { SRIOV_SET_AUTOPROBE, 1 };
	struct sriov_plan p;

	(void)state;
	assert_int_equal(sriov_plan(2, 4, 0, 0, true, 0, &p, NULL), 0);
	expect_ops(&p, 3, ops);
	assert_int_equal(sriov_plan(0, 4, 0, 0, true, 0, &p, NULL), 0);
	expect_ops(&p, 1, only);
}

static void test_leased_vfs_block_changes(void **state)
{
	struct sriov_plan p;
	struct errbuf eb;

	(void)state;
	assert_int_equal(sriov_plan(2, 4, 0, 0, false, 1, &p, &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "1 of the 2 VFs are leased"));
	assert_int_equal(p.n, 0);
	assert_int_equal(sriov_plan(2, 4, 0, 4, false, 2, &p, &eb), -EBUSY);
}

static void test_out_of_range(void **state)
{
	struct sriov_plan p;
	struct errbuf eb;

	(void)state;
	assert_int_equal(sriov_plan(0, 4, 0, 5, false, 0, &p, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "supports 0 to 4"));
	assert_int_equal(sriov_plan(0, 4, 0, -1, false, 0, &p, &eb), -EINVAL);
	assert_int_equal(sriov_plan(0, -1, 0, 1, false, 0, &p, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "not an SR-IOV physical function"));
}

/*
 * The executor on a fake tree: writes land in the files; a fake kernel never
 * creates virtfn links, so waiting for 2 VFs must time out with a clear
 * message, and waiting for 0 must not wait at all.
 */
static void test_apply_on_fake_tree(void **state)
{
	struct fakesys fs;
	struct sriov_plan p;
	struct pci_addr pf;
	struct errbuf eb;
	char buf[16];

	(void)state;
	fakesys_init(&fs);
	fakesys_add_pci(&fs, "0000:01:00.0", 0x1b36, 0x0010, 0x010802);
	fakesys_make_pf(&fs, "0000:01:00.0", 4, 0);
	pci_addr_parse("0000:01:00.0", &pf);
	assert_int_equal(sriov_plan(0, 4, 1, 2, false, 0, &p, NULL), 0);
	assert_int_equal(sriov_apply(fs.root, &pf, &p, 100, &eb), -ETIMEDOUT);
	assert_non_null(strstr(eb.msg, "has 0 VFs, not 2"));
	sysfs_read_str(fs.root, "bus/pci/devices/0000:01:00.0/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "2");
	sysfs_read_str(fs.root, "bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe",
		       buf, sizeof(buf));
	assert_string_equal(buf, "0");
	assert_int_equal(sriov_plan(2, 4, 0, 0, false, 0, &p, NULL), 0);
	assert_int_equal(sriov_apply(fs.root, &pf, &p, 100, &eb), 0);
	sysfs_read_str(fs.root, "bus/pci/devices/0000:01:00.0/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	fakesys_cleanup(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_from_zero),
		cmocka_unit_test(test_change_goes_through_zero),
		cmocka_unit_test(test_disable),
		cmocka_unit_test(test_same_count_is_nothing_or_autoprobe),
		cmocka_unit_test(test_disable_restores_autoprobe),
		cmocka_unit_test(test_leased_vfs_block_changes),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_apply_on_fake_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
