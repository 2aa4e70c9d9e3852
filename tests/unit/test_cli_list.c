// SPDX-License-Identifier: GPL-2.0-only
/* `iopass list` end to end on a fake sysfs tree: JSON shape, text, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "fakesys.h"

static char out[1 << 16];

/* Runs iopass with IOPASS_SYSFS_ROOT=root; returns its exit status. */
static int run_iopass(const char *root, const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "IOPASS_SYSFS_ROOT='%s' %s %s 2>&1", root,
		 IOPASS_BIN, args);
	return run_capture(cmd, out, sizeof(out));
}

static void make_tree(struct fakesys *fs)
{
	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_set_group(fs, "0000:00:02.0", 2);
	fakesys_add_pci(fs, "0000:00:04.0", 0x8086, 0x10d3, 0x020000);
	fakesys_set_driver(fs, "0000:00:04.0", "e1000e");
	fakesys_set_group(fs, "0000:00:04.0", 4);
	fakesys_add_pci(fs, "0000:01:00.0", 0x1b36, 0x0010, 0x010802);
	fakesys_make_pf(fs, "0000:01:00.0", 4, 1);
	fakesys_set_group(fs, "0000:01:00.0", 5);
	fakesys_set_attr(fs, "0000:01:00.0", "reset_method", "flr\n");
	fakesys_add_vf(fs, "0000:01:00.0", 0, "0000:01:00.1", 0x1b36, 0x0010);
	fakesys_set_driver(fs, "0000:01:00.1", "vfio-pci");
	fakesys_set_group(fs, "0000:01:00.1", 6);
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static void test_json_shape(void **state)
{
	struct fakesys fs;
	json_object *arr, *o;

	(void)state;
	fakesys_init(&fs);
	make_tree(&fs);
	assert_int_equal(run_iopass(fs.root, "list --json"), 0);
	arr = json_tokener_parse(out);
	assert_non_null(arr);
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), 4);

	o = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(field(o, "bdf")), "0000:00:02.0");
	assert_string_equal(json_object_get_string(field(o, "vendor_id")), "1234");
	assert_string_equal(json_object_get_string(field(o, "device_id")), "11e8");
	assert_int_equal(json_object_get_int(field(o, "iommu_group")), 2);
	assert_null(field(o, "driver"));
	assert_null(field(o, "sriov_totalvfs"));
	assert_null(field(o, "physfn"));
	assert_null(field(o, "numa_node"));
	assert_null(field(o, "reset_method"));	/* none: edu */

	o = json_object_array_get_idx(arr, 2);
	assert_int_equal(json_object_get_int(field(o, "sriov_totalvfs")), 4);
	assert_int_equal(json_object_get_int(field(o, "sriov_numvfs")), 1);
	assert_string_equal(json_object_get_string(field(o, "class")), "010802");
	assert_string_equal(json_object_get_string(field(o, "reset_method")), "flr");

	o = json_object_array_get_idx(arr, 3);
	assert_string_equal(json_object_get_string(field(o, "physfn")), "0000:01:00.0");
	assert_int_equal(json_object_get_int(field(o, "vf_index")), 0);
	assert_string_equal(json_object_get_string(field(o, "driver")), "vfio-pci");
	json_object_put(arr);
	fakesys_cleanup(&fs);
}

static void test_text_and_filters(void **state)
{
	struct fakesys fs;

	(void)state;
	fakesys_init(&fs);
	make_tree(&fs);
	assert_int_equal(run_iopass(fs.root, "list"), 0);
	assert_non_null(strstr(out, "0000:00:04.0 8086:10d3 020000 e1000e       4"));
	assert_non_null(strstr(out, "1/4"));
	assert_int_equal(run_iopass(fs.root, "list --class net"), 0);
	assert_non_null(strstr(out, "0000:00:04.0"));
	assert_null(strstr(out, "0000:00:02.0"));
	assert_int_equal(run_iopass(fs.root, "list --vfs"), 0);
	assert_non_null(strstr(out, "0000:01:00.1"));
	assert_null(strstr(out, "0000:00:04.0"));
	fakesys_cleanup(&fs);
}

static void test_no_iommu_shows_none(void **state)
{
	struct fakesys fs;

	(void)state;
	fakesys_init(&fs);
	fakesys_add_pci(&fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	assert_int_equal(run_iopass(fs.root, "list"), 0);
	assert_non_null(strstr(out, " none "));
	assert_int_equal(run_iopass(fs.root, "list --json"), 0);
	assert_non_null(strstr(out, "\"iommu_group\":null"));
	fakesys_cleanup(&fs);
}

static void test_bad_input(void **state)
{
	struct fakesys fs;

	(void)state;
	fakesys_init(&fs);
	assert_int_equal(run_iopass(fs.root, "list --class toasters"), 2);
	assert_non_null(strstr(out, "unknown class 'toasters'"));
	assert_int_equal(run_iopass(fs.root, "list --bogus"), 2);
	assert_int_equal(run_iopass(fs.root, "list extra"), 2);
	assert_int_equal(run_iopass(fs.root, "frobnicate"), 2);
	assert_non_null(strstr(out, "unknown command 'frobnicate'"));
	/* An empty tree has no bus/pci: the error names the path. */
	assert_int_equal(run_iopass(fs.root, "list"), 1);
	assert_non_null(strstr(out, "bus/pci/devices"));
	fakesys_cleanup(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_text_and_filters),
		cmocka_unit_test(test_no_iommu_shows_none),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
