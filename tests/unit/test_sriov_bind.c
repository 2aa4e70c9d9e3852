// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver binding against fake sysfs/procfs trees: the safety refusals, dry
 * runs and the rollback path. (A fake tree never rebinds anything, which is
 * exactly a driver that refuses the device.) The real kernel path runs in
 * the testbed.
 */
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

struct env {
	struct fakesys fs;	/* the sysfs tree */
	struct fakesys proc;	/* the procfs tree, with the state dir in it */
	char state[300];
	char steps[2048];
	struct bind_ctx ctx;
};

static void record_step(void *opaque, const char *what)
{
	struct env *e = opaque;
	size_t l = strlen(e->steps);

	snprintf(e->steps + l, sizeof(e->steps) - l, "%s;", what);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	fakesys_init(&e->fs);
	fakesys_init(&e->proc);
	snprintf(e->state, sizeof(e->state), "%s/state", e->proc.root);
	e->ctx = (struct bind_ctx){ .sysfs = e->fs.root, .procfs = e->proc.root,
				    .state = e->state, .step = record_step,
				    .opaque = e };
	fakesys_add_pci(&e->fs, "0000:00:03.0", 0x8086, 0x10d3, 0x020000);
	fakesys_set_driver(&e->fs, "0000:00:03.0", "e1000e");
	fakesys_set_group(&e->fs, "0000:00:03.0", 3);
	fakesys_set_attr(&e->fs, "0000:00:03.0", "driver_override", "(null)\n");
	fakesys_set_attr(&e->fs, "0000:00:03.0", "net/eth0/flags", "0x1003\n");
	fakesys_write(&e->fs, "bus/pci/drivers/e1000e/unbind", "");
	fakesys_write(&e->fs, "bus/pci/drivers/vfio-pci/bind", "");
	fakesys_write(&e->proc, "net/route", "Iface\tDestination\tGateway\n");
	fakesys_write(&e->proc, "net/ipv6_route",
		      "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
		      "00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n");
	fakesys_write(&e->proc, "self/mountinfo",
		      "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n");
	fakesys_write(&e->proc, "swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fakesys_cleanup(&e->fs);
	fakesys_cleanup(&e->proc);
	free(e);
	return 0;
}

static struct pci_addr bdf(const char *s)
{
	struct pci_addr a;

	assert_int_equal(pci_addr_parse(s, &a), 0);
	return a;
}

static void add_route(struct env *e, const char *line)
{
	fakesys_write(&e->proc, "net/route", line);
}

static void test_link_local_only_is_not_in_use(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	char why[256] = "";

	assert_false(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
}

static void test_refuses_interface_with_routes(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	struct errbuf eb;
	char orig[64];

	add_route(e, "Iface\tDestination\nlo\t0\neth0\t00000000\t0102000A\n");
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci", &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "eth0 is up and carries routes"));
	assert_non_null(strstr(eb.msg, "--force"));
	assert_string_equal(e->steps, "");	/* nothing was touched */
	assert_int_equal(pci_driver_original(e->state, &a, orig, sizeof(orig)), -ENOENT);
	assert_int_equal(pci_driver_unbind(&e->ctx, &a, &eb), -EBUSY);
}

static void test_down_interface_is_not_in_use(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	char why[256];

	add_route(e, "Iface\tDestination\neth0\t00000000\n");
	fakesys_set_attr(&e->fs, "0000:00:03.0", "net/eth0/flags", "0x1002\n");
	assert_false(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
}

static void add_nvme_disk(struct env *e, const char *bdf_s)
{
	char rel[256];

	fakesys_add_pci(&e->fs, bdf_s, 0x1b36, 0x0010, 0x010802);
	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/nvme/nvme0/nvme0n1/dev", bdf_s);
	fakesys_write(&e->fs, rel, "259:0\n");
	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/nvme/nvme0/nvme0n1/subsystem", bdf_s);
	fakesys_symlink(&e->fs, rel, "../../../../../../class/block");
	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/nvme/nvme0/nvme0n1/nvme0n1p2/dev", bdf_s);
	fakesys_write(&e->fs, rel, "259:2\n");
	snprintf(rel, sizeof(rel), "devices/pci0000:00/%s/nvme/nvme0/nvme0n1/nvme0n1p2/subsystem", bdf_s);
	fakesys_symlink(&e->fs, rel, "../../../../../../../class/block");
}

static void set_proc(struct env *e, const char *rel, const char *content)
{
	fakesys_write(&e->proc, rel, content);
}

static void test_mounted_partition_refused(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:04.0");
	char why[256];

	add_nvme_disk(e, "0000:00:04.0");
	assert_false(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
	set_proc(e, "self/mountinfo",
		 "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		 "40 22 259:2 / /srv rw - xfs /dev/nvme0n1p2 rw\n");
	assert_true(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
	assert_string_equal(why, "block device nvme0n1p2 is mounted on /srv");
}

static void test_swap_and_holders_refused(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:04.0");
	char why[256];

	add_nvme_disk(e, "0000:00:04.0");
	set_proc(e, "swaps", "Filename Type\n/dev/nvme0n1p2 partition 100 0 -2\n");
	assert_true(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
	assert_string_equal(why, "block device nvme0n1p2 is in use as swap");
	set_proc(e, "swaps", "Filename Type\n");
	fakesys_write(&e->fs, "devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/holders/dm-0/x", "");
	assert_true(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "held by dm-0"));
}

static void test_busy_sibling_refused(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.1");
	char why[256];

	fakesys_add_pci(&e->fs, "0000:00:03.1", 0x8086, 0x10d3, 0x020000);
	fakesys_set_group(&e->fs, "0000:00:03.1", 3);
	add_route(e, "Iface\tDestination\neth0\t00000000\n");
	assert_true(pci_func_in_use(e->fs.root, e->proc.root, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "IOMMU group 3 sibling 0000:00:03.0"));
}

static void test_force_dry_run_plans_and_changes_nothing(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	struct errbuf eb;
	char orig[64], ovr[64];

	add_route(e, "Iface\tDestination\neth0\t00000000\n");
	e->ctx.flags = BIND_FORCE | BIND_DRY_RUN;
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci", &eb), 0);
	assert_string_equal(e->steps,
		"set 0000:00:03.0 driver_override to vfio-pci;"
		"unbind 0000:00:03.0 from e1000e;probe drivers for 0000:00:03.0;");
	assert_int_equal(pci_driver_original(e->state, &a, orig, sizeof(orig)), -ENOENT);
	assert_int_equal(sysfs_read_str(e->fs.root,
		"bus/pci/devices/0000:00:03.0/driver_override", ovr, sizeof(ovr)), 0);
	assert_string_equal(ovr, "(null)");
}

static void test_failed_bind_rolls_back(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	struct errbuf eb;
	char orig[64], ovr[64];

	/* The fake kernel never moves the device: the bind must fail cleanly. */
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci", &eb), -EIO);
	assert_non_null(strstr(eb.msg, "did not bind to vfio-pci (it is on e1000e)"));
	assert_null(strstr(eb.msg, "rolling back"));
	assert_non_null(strstr(e->steps, "clear 0000:00:03.0 driver_override"));
	assert_int_equal(sysfs_read_str(e->fs.root,
		"bus/pci/devices/0000:00:03.0/driver_override", ovr, sizeof(ovr)), 0);
	assert_string_equal(ovr, "");
	/* No record is left behind for a bind that did not happen. */
	assert_int_equal(pci_driver_original(e->state, &a, orig, sizeof(orig)), -ENOENT);
}

static void test_unknown_device_and_restore_without_record(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:09.0"), b = bdf("0000:00:03.0");
	struct errbuf eb;

	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci", &eb), -ENODEV);
	assert_non_null(strstr(eb.msg, "no PCI function 0000:00:09.0"));
	assert_int_equal(pci_driver_restore(&e->ctx, &b, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "nothing to restore for 0000:00:03.0"));
	assert_non_null(strstr(eb.msg, "on e1000e"));
}

static void test_already_bound_is_a_no_op(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	char orig[64];

	assert_int_equal(pci_driver_bind(&e->ctx, &a, "e1000e", NULL), 0);
	assert_string_equal(e->steps, "0000:00:03.0 is already bound to e1000e;");
	assert_int_equal(pci_driver_original(e->state, &a, orig, sizeof(orig)), -ENOENT);
}

/* A bridge is the host's topology: refused unless --force, before any step. */
static void test_bridge_refused(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:1f.0");
	struct errbuf eb;

	fakesys_add_pci(&e->fs, "0000:00:1f.0", 0x8086, 0x2918, 0x060100);
	fakesys_set_driver(&e->fs, "0000:00:1f.0", "lpc_ich");
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci", &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "0000:00:1f.0: it is a bridge (class 0x0601)"));
	assert_non_null(strstr(eb.msg, "--force"));
	assert_string_equal(e->steps, "");
	e->ctx.flags = BIND_FORCE | BIND_DRY_RUN;
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci", &eb), 0);
	assert_non_null(strstr(e->steps, "unbind 0000:00:1f.0 from lpc_ich"));
}

/* A driver name is never an option nor two lines; it is printed escaped. */
static void test_bad_driver_name_refused(void **state)
{
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	struct errbuf eb;

	e->ctx.flags = BIND_DRY_RUN;
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio-pci\nnvme", &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "'vfio-pci\\nnvme' is not a driver name"));
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "--dry-run", &eb), -EINVAL);
	assert_int_equal(pci_driver_bind(&e->ctx, &a, "vfio\033[2J", &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "'vfio\\x1b[2J'"));
	assert_string_equal(e->steps, "");
}

/*
 * restore checks the record and loads its driver before it unbinds: a
 * record holding an option, two lines, or a driver that cannot be loaded
 * leaves the device where it is.
 */
static void test_restore_checks_record_before_unbinding(void **state)
{
	static const char *const bad[] = { "--dry-run\n", "e1000e\nnvme\n", "a b\n" };
	struct env *e = *state;
	struct pci_addr a = bdf("0000:00:03.0");
	struct errbuf eb;
	char orig[64];

	fakesys_remove(&e->fs, "devices/pci0000:00/0000:00:03.0/driver");
	fakesys_set_driver(&e->fs, "0000:00:03.0", "vfio-pci");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		fakesys_write(&e->proc, "state/drivers/0000:00:03.0", bad[i]);
		assert_int_equal(pci_driver_restore(&e->ctx, &a, &eb), -EINVAL);
		assert_non_null(strstr(eb.msg, "not a driver name: nothing was changed"));
		assert_null(strchr(eb.msg, '\n'));
		assert_string_equal(e->steps, "");
	}
	fakesys_write(&e->proc, "state/drivers/0000:00:03.0", "nosuchdrv\n");
	assert_int_equal(pci_driver_restore(&e->ctx, &a, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "driver nosuchdrv is not available"));
	assert_null(strstr(e->steps, "unbind"));
	assert_null(strstr(e->steps, "driver_override"));
	assert_int_equal(pci_driver_original(e->state, &a, orig, sizeof(orig)), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_link_local_only_is_not_in_use),
		T(test_refuses_interface_with_routes),
		T(test_down_interface_is_not_in_use),
		T(test_mounted_partition_refused),
		T(test_swap_and_holders_refused),
		T(test_busy_sibling_refused),
		T(test_force_dry_run_plans_and_changes_nothing),
		T(test_failed_bind_rolls_back),
		T(test_unknown_device_and_restore_without_record),
		T(test_already_bound_is_a_no_op),
		T(test_bridge_refused),
		T(test_bad_driver_name_refused),
		T(test_restore_checks_record_before_unbinding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
