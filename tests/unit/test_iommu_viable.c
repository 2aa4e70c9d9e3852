// SPDX-License-Identifier: GPL-2.0-only
/* IOMMU group viability against fake sysfs trees. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/iommu.h"

#include "fakesys.h"

static int setup(void **state)
{
	struct fakesys *fs = calloc(1, sizeof(*fs));

	fakesys_init(fs);
	/* A GPU with its audio function in one group; a bridge in another. */
	fakesys_add_pci(fs, "0000:01:00.0", 0x10de, 0x1eb8, 0x030000);
	fakesys_add_pci(fs, "0000:01:00.1", 0x10de, 0x10f8, 0x040300);
	fakesys_add_pci(fs, "0000:00:01.0", 0x8086, 0x1901, 0x060400);
	fakesys_set_group(fs, "0000:01:00.0", 12);
	fakesys_set_group(fs, "0000:01:00.1", 12);
	fakesys_set_group(fs, "0000:00:01.0", 12);
	fakesys_set_driver(fs, "0000:00:01.0", "pcieport");
	*state = fs;
	return 0;
}

static int teardown(void **state)
{
	fakesys_cleanup(*state);
	free(*state);
	return 0;
}

static void test_viable_when_all_free_or_vfio(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_group_info g;

	fakesys_set_driver(fs, "0000:01:00.0", "vfio-pci");
	assert_int_equal(iommu_group_check(fs->root, 12, &g, NULL), 0);
	assert_true(g.viable);
	assert_int_equal(g.n, 3);
	for (size_t i = 0; i < g.n; i++)
		assert_true(g.members[i].ok);
	free(g.members);
}

static void test_sibling_on_host_driver_named(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_group_info g;
	struct errbuf eb;

	fakesys_set_driver(fs, "0000:01:00.0", "vfio-pci");
	fakesys_set_driver(fs, "0000:01:00.1", "snd_hda_intel");
	assert_int_equal(iommu_group_check(fs->root, 12, &g, &eb), -EBUSY);
	assert_false(g.viable);
	assert_non_null(strstr(eb.msg, "0000:01:00.1 (driver snd_hda_intel)"));
	assert_non_null(strstr(eb.msg, "group 12"));
	assert_null(strstr(eb.msg, "0000:01:00.0"));
	assert_null(strstr(eb.msg, "pcieport"));
	free(g.members);
}

static void test_every_offender_named(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_group_info g;
	struct errbuf eb;

	fakesys_set_driver(fs, "0000:01:00.0", "nouveau");
	fakesys_set_driver(fs, "0000:01:00.1", "snd_hda_intel");
	assert_int_equal(iommu_group_check(fs->root, 12, &g, &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "0000:01:00.0 (driver nouveau)"));
	assert_non_null(strstr(eb.msg, "0000:01:00.1 (driver snd_hda_intel)"));
	free(g.members);
}

static void test_missing_group(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_group_info g;
	struct errbuf eb;

	assert_int_equal(iommu_group_check(fs->root, 99, &g, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "group 99"));
	free(g.members);
}

static void test_group_list(void **state)
{
	struct fakesys *fs = *state;
	size_t n;
	int *ids;

	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_set_group(fs, "0000:00:02.0", 3);
	assert_int_equal(iommu_group_list(fs->root, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 12);
	free(ids);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_viable_when_all_free_or_vfio),
		T(test_sibling_on_host_driver_named),
		T(test_every_offender_named),
		T(test_missing_group),
		T(test_group_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
