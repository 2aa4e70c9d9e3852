// SPDX-License-Identifier: GPL-2.0-only
/* Reset methods, root buses and bus siblings from a fake sysfs (sriov/pci_reset.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/sriov.h"

#include "fakesys.h"

/* A function behind the bridge 0000:00:1e.0, on bus 09. */
static void add_bridged(struct fakesys *fs, const char *bdf)
{
	char rel[256], target[256];

	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:1e.0/%s/vendor", bdf);
	fakesys_write(fs, rel, "0x1234\n");
	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:1e.0/%s/device", bdf);
	fakesys_write(fs, rel, "0x11e8\n");
	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:1e.0/%s/class", bdf);
	fakesys_write(fs, rel, "0x00ff00\n");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/0000:00:1e.0/%s", bdf);
	fakesys_symlink(fs, rel, target);
}

static void test_reset(void **state)
{
	struct fakesys *fs = *state;
	struct pci_addr a, *sib;
	struct pci_func f;
	char m[64];
	size_t n;

	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_add_pci(fs, "0000:00:03.0", 0x1b36, 0x0010, 0x010802);
	fakesys_set_attr(fs, "0000:00:03.0", "reset_method", "flr bus\n");
	fakesys_add_pci(fs, "0000:00:04.0", 0x8086, 0x10d3, 0x020000);
	fakesys_set_attr(fs, "0000:00:04.0", "reset", "");	/* a kernel before 5.15 */
	fakesys_add_pci(fs, "0000:00:1e.0", 0x1b36, 0x000e, 0x060400);
	add_bridged(fs, "0000:09:01.0");
	add_bridged(fs, "0000:09:02.0");

	pci_func_reset_method(fs->root, "0000:00:02.0", m, sizeof(m));
	assert_string_equal(m, "");
	pci_func_reset_method(fs->root, "0000:00:03.0", m, sizeof(m));
	assert_string_equal(m, "flr bus");
	pci_func_reset_method(fs->root, "0000:00:04.0", m, sizeof(m));
	assert_string_equal(m, "reset");
	pci_addr_parse("0000:00:03.0", &a);
	assert_int_equal(pci_func_read(fs->root, &a, &f, NULL), 0);
	assert_string_equal(f.reset_method, "flr bus");

	assert_true(pci_func_on_root_bus(fs->root, "0000:00:02.0"));
	assert_false(pci_func_on_root_bus(fs->root, "0000:09:01.0"));

	pci_addr_parse("0000:09:01.0", &a);
	assert_int_equal(pci_bus_siblings(fs->root, &a, &sib, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sib[0].dev, 2);
	free(sib);
	pci_addr_parse("0000:00:02.0", &a);
	assert_int_equal(pci_bus_siblings(fs->root, &a, &sib, &n, NULL), 0);
	assert_int_equal(n, 3);
	free(sib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset, fakesys_setup, fakesys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
