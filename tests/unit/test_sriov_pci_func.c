// SPDX-License-Identifier: GPL-2.0-only
/* Host PCI discovery and IOMMU groups against fake sysfs trees. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/iommu.h"
#include "iopass/sriov.h"

#include "fakesys.h"

static void test_scan_sorted_with_fields(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func *f;
	struct errbuf eb;
	size_t n;

	fakesys_add_pci(fs, "0000:00:04.0", 0x8086, 0x10d3, 0x020000);
	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_set_driver(fs, "0000:00:04.0", "e1000e");
	fakesys_set_attr(fs, "0000:00:04.0", "numa_node", "1\n");

	assert_int_equal(pci_func_scan(fs->root, &f, &n, &eb), 0);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].bdf, "0000:00:02.0");
	assert_int_equal(f[0].vendor, 0x1234);
	assert_int_equal(f[0].device, 0x11e8);
	assert_int_equal(f[0].class, 0x00ff00);
	assert_string_equal(f[0].driver, "");
	assert_int_equal(f[0].numa_node, -1);
	assert_int_equal(f[0].sriov_total, -1);
	assert_false(f[0].is_vf);
	assert_string_equal(f[1].driver, "e1000e");
	assert_int_equal(f[1].numa_node, 1);
	free(f);
}

static void test_missing_optional_files(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func f;
	struct pci_addr a;

	fakesys_add_pci(fs, "0000:00:03.0", 0x1b36, 0x0010, 0x010802);
	fakesys_remove(fs, "devices/pci0000:00/0000:00:03.0/numa_node");
	fakesys_remove(fs, "devices/pci0000:00/0000:00:03.0/subsystem_vendor");
	assert_int_equal(pci_addr_parse("00:03.0", &a), 0);
	assert_int_equal(pci_func_read(fs->root, &a, &f, NULL), 0);
	assert_int_equal(f.numa_node, -1);
	assert_int_equal(f.subsys_vendor, 0);
	assert_int_equal(f.subsys_device, 0x0010);
	assert_int_equal(f.vf_index, -1);
}

static void test_missing_identity_is_an_error(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func *f = NULL;
	struct errbuf eb;
	size_t n;

	fakesys_add_pci(fs, "0000:00:03.0", 0x1b36, 0x0010, 0x010802);
	fakesys_remove(fs, "devices/pci0000:00/0000:00:03.0/vendor");
	assert_int_equal(pci_func_scan(fs->root, &f, &n, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "0000:00:03.0/vendor"));
}

static void test_garbage_ids_rejected(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func f;
	struct pci_addr a;
	struct errbuf eb;

	fakesys_add_pci(fs, "0000:00:05.0", 0x1b36, 0x0010, 0x010802);
	fakesys_set_attr(fs, "0000:00:05.0", "device", "0x1zz0\n");
	pci_addr_parse("0000:00:05.0", &a);
	assert_int_equal(pci_func_read(fs->root, &a, &f, &eb), -EINVAL);
	fakesys_set_attr(fs, "0000:00:05.0", "device", "0x10000\n");
	assert_int_equal(pci_func_read(fs->root, &a, &f, &eb), -ERANGE);
}

static void test_no_such_device(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func f;
	struct pci_addr a;
	struct errbuf eb;

	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	pci_addr_parse("0000:00:09.0", &a);
	assert_int_equal(pci_func_read(fs->root, &a, &f, &eb), -ENODEV);
	assert_non_null(strstr(eb.msg, "0000:00:09.0"));
	assert_non_null(strstr(eb.msg, "iopass list"));
}

static void test_no_sysfs(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func *f;
	struct errbuf eb;
	size_t n;

	assert_int_equal(pci_func_scan(fs->root, &f, &n, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "bus/pci/devices"));
}

static void test_pf_and_vfs(void **state)
{
	struct fakesys *fs = *state;
	struct pci_func *f;
	size_t n;

	fakesys_add_pci(fs, "0000:01:00.0", 0x1b36, 0x0010, 0x010802);
	fakesys_make_pf(fs, "0000:01:00.0", 4, 2);
	fakesys_add_vf(fs, "0000:01:00.0", 0, "0000:01:00.1", 0x1b36, 0x0010);
	fakesys_add_vf(fs, "0000:01:00.0", 1, "0000:01:00.2", 0x1b36, 0x0010);
	fakesys_set_driver(fs, "0000:01:00.2", "vfio-pci");

	assert_int_equal(pci_func_scan(fs->root, &f, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(f[0].sriov_total, 4);
	assert_int_equal(f[0].sriov_num, 2);
	assert_false(f[0].is_vf);
	assert_true(f[1].is_vf);
	assert_int_equal(f[1].vf_index, 0);
	assert_int_equal(pci_addr_cmp(&f[1].pf, &f[0].addr), 0);
	assert_true(f[2].is_vf);
	assert_int_equal(f[2].vf_index, 1);
	assert_string_equal(f[2].driver, "vfio-pci");
	assert_int_equal(f[2].sriov_total, -1);
	free(f);
}

static void test_no_iommu(void **state)
{
	struct fakesys *fs = *state;
	struct pci_addr a;

	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	pci_addr_parse("0000:00:02.0", &a);
	assert_false(iommu_present(fs->root));
	assert_int_equal(iommu_group_of(fs->root, &a), -ENOENT);
}

static void test_groups(void **state)
{
	struct fakesys *fs = *state;
	struct pci_addr a, *devs;
	size_t n;

	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_add_pci(fs, "0000:00:1f.3", 0x8086, 0x293e, 0x040300);
	fakesys_add_pci(fs, "0000:00:1f.0", 0x8086, 0x2918, 0x060100);
	fakesys_set_group(fs, "0000:00:02.0", 3);
	fakesys_set_group(fs, "0000:00:1f.3", 7);
	fakesys_set_group(fs, "0000:00:1f.0", 7);
	assert_true(iommu_present(fs->root));
	pci_addr_parse("0000:00:02.0", &a);
	assert_int_equal(iommu_group_of(fs->root, &a), 3);
	assert_int_equal(iommu_group_devices(fs->root, 7, &devs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(devs[0].fn, 0);
	assert_int_equal(devs[1].fn, 3);
	free(devs);
	assert_int_equal(iommu_group_devices(fs->root, 9, &devs, &n), -ENOENT);
}

static void test_pci_addr_parse(void **state)
{
	static const char *const bad[] = {
		"", "0000:00:00", "00:00", "0000:00:20.0", "0000:00:00.8",
		"00000:00:00.0", "0000:000:00.0", "0000:00:00.0x", "g0:00.0",
		"0000:00:00.0 ", " 00:00.0", "0000:00:00:00.0", "00.00.0",
	};
	char buf[PCI_ADDR_STRLEN];
	struct pci_addr a;

	(void)state;
	assert_int_equal(pci_addr_parse("0000:3b:1f.7", &a), 0);
	assert_int_equal(a.bus, 0x3b);
	assert_int_equal(a.dev, 0x1f);
	assert_int_equal(a.fn, 7);
	assert_int_equal(pci_addr_parse("ffff:FF:1F.7", &a), 0);
	pci_addr_format(&a, buf);
	assert_string_equal(buf, "ffff:ff:1f.7");
	assert_int_equal(pci_addr_parse("3b:00.1", &a), 0);
	assert_int_equal(a.domain, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pci_addr_parse(bad[i], &a), -EINVAL);
	assert_int_equal(pci_addr_parse(NULL, &a), -EINVAL);
}

static void test_names_fallback(void **state)
{
	struct pci_namedb *db = pci_namedb_open();
	struct pci_func f = { .vendor = 0x8086, .device = 0x10d3,
			      .class = 0x020000 };
	struct pci_names nm;

	(void)state;
	pci_namedb_lookup(db, &f, &nm);
	/* pci.ids is installed by scripts/deps: real names. */
	assert_non_null(strstr(nm.vendor, "Intel"));
	assert_non_null(strstr(nm.device, "82574"));
	assert_non_null(strstr(nm.class, "Ethernet"));
	f.vendor = 0xfff1;
	f.device = 0xfffd;
	pci_namedb_lookup(db, &f, &nm);
	assert_string_equal(nm.vendor, "vendor fff1");
	assert_string_equal(nm.device, "device fff1:fffd");
	pci_namedb_close(db);
	/* Without a database every name is the hex fallback. */
	pci_namedb_lookup(NULL, &f, &nm);
	assert_string_equal(nm.class, "class 0200");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fakesys_setup, fakesys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_scan_sorted_with_fields),
		T(test_missing_optional_files),
		T(test_missing_identity_is_an_error),
		T(test_garbage_ids_rejected),
		T(test_no_such_device),
		T(test_no_sysfs),
		T(test_pf_and_vfs),
		T(test_no_iommu),
		T(test_groups),
		cmocka_unit_test(test_pci_addr_parse),
		cmocka_unit_test(test_names_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
