// SPDX-License-Identifier: GPL-2.0-only
/* Which NUMA node a VM goes on (orch/numa.c), on fake sysfs trees. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/orch.h"
#include "fakesys.h"

/* Two nodes: CPUs 0-1 and 2-3; 00:02.0 on node 0, 00:03.0 and 00:04.0 on 1. */
static void two_nodes(struct fakesys *fs)
{
	fakesys_write(fs, "devices/system/node/online", "0-1\n");
	fakesys_write(fs, "devices/system/node/node0/cpulist", "0-1\n");
	fakesys_write(fs, "devices/system/node/node1/cpulist", "2-3\n");
	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0xff0000);
	fakesys_add_pci(fs, "0000:00:03.0", 0x1234, 0x11e8, 0xff0000);
	fakesys_add_pci(fs, "0000:00:04.0", 0x1234, 0x11e8, 0xff0000);
	fakesys_add_pci(fs, "0000:00:05.0", 0x1234, 0x11e8, 0xff0000);
	fakesys_set_attr(fs, "0000:00:02.0", "numa_node", "0\n");
	fakesys_set_attr(fs, "0000:00:03.0", "numa_node", "1\n");
	fakesys_set_attr(fs, "0000:00:04.0", "numa_node", "1\n");
	fakesys_set_attr(fs, "0000:00:05.0", "numa_node", "-1\n");
}

static void test_devices_decide(void **state)
{
	struct fakesys *fs = *state;
	const char *one[] = { "0000:00:03.0" };
	const char *mixed[] = { "0000:00:02.0", "0000:00:03.0", "", "0000:00:04.0" };
	const char *none[] = { "0000:00:05.0", "" };
	struct orch_numa n;
	struct errbuf eb;

	two_nodes(fs);
	assert_int_equal(orch_numa_pick(fs->root, -1, one, 1, &n, &eb), 0);
	assert_int_equal(n.node, 1);
	assert_false(n.span);
	assert_int_equal(CPU_COUNT(&n.cpus), 2);
	assert_true(CPU_ISSET(2, &n.cpus) && CPU_ISSET(3, &n.cpus));
	assert_non_null(strstr(n.why, "the node of 1 of its 1 device"));

	/* Most devices win; the spread is said (a vfio-user device has no node). */
	assert_int_equal(orch_numa_pick(fs->root, -1, mixed, 4, &n, &eb), 0);
	assert_int_equal(n.node, 1);
	assert_true(n.span);
	assert_string_equal(n.devices, "0000:00:02.0 on node 0, 0000:00:03.0 on node 1, "
			    "0000:00:04.0 on node 1");

	/* No device with a node, no device at all: no placement. */
	assert_int_equal(orch_numa_pick(fs->root, -1, none, 2, &n, &eb), 0);
	assert_int_equal(n.node, -1);
	assert_int_equal(orch_numa_pick(fs->root, -1, NULL, 0, &n, &eb), 0);
	assert_int_equal(n.node, -1);
}

static void test_asked(void **state)
{
	struct fakesys *fs = *state;
	const char *one[] = { "0000:00:03.0" };
	struct orch_numa n;
	struct errbuf eb;

	two_nodes(fs);
	assert_int_equal(orch_numa_pick(fs->root, 0, one, 1, &n, &eb), 0);
	assert_int_equal(n.node, 0);
	assert_true(CPU_ISSET(0, &n.cpus) && !CPU_ISSET(2, &n.cpus));
	assert_non_null(strstr(n.why, "--numa 0; its devices are elsewhere"));
	assert_int_equal(orch_numa_pick(fs->root, 0, NULL, 0, &n, &eb), 0);
	assert_int_equal(n.node, 0);
	assert_int_equal(orch_numa_pick(fs->root, 7, one, 1, &n, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "--numa 7: this host has no NUMA node 7"));
}

/* One node: nothing to choose unless asked. */
static void test_one_node(void **state)
{
	struct fakesys *fs = *state;
	const char *one[] = { "0000:00:02.0" };
	struct orch_numa n;
	struct errbuf eb;

	fakesys_write(fs, "devices/system/node/online", "0\n");
	fakesys_write(fs, "devices/system/node/node0/cpulist", "0-3\n");
	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0xff0000);
	fakesys_set_attr(fs, "0000:00:02.0", "numa_node", "0\n");
	assert_int_equal(orch_numa_pick(fs->root, -1, one, 1, &n, &eb), 0);
	assert_int_equal(n.node, -1);
	assert_int_equal(orch_numa_pick(fs->root, 0, one, 1, &n, &eb), 0);
	assert_int_equal(n.node, 0);
	assert_int_equal(CPU_COUNT(&n.cpus), 4);
}

/* iopass-switch's lcores on its PCI uplink's node, unless --lcores says. */
static void test_switch_lcores(void **state)
{
	struct fakesys *fs = *state;
	struct orch_switch_opts o = { .uplink = "00:03.0" };
	struct orch_switch_cmd cmd;
	struct orch_ctx ctx;
	struct errbuf eb;

	two_nodes(fs);
	orch_ctx_init(&ctx);
	ctx.sysfs = fs->root;
	ctx.state = fs->root;
	setenv("IOPASS_SWITCH_BIN", "/bin/true", 1);
	assert_int_equal(orch_switch_cmd(&ctx, &o, &cmd, &eb), 0);
	assert_string_equal(cmd.argv[1], "--lcores");
	assert_string_equal(cmd.argv[2], "0@2,1@3");
	/* One CPU on the node: both lcores there. */
	fakesys_write(fs, "devices/system/node/node1/cpulist", "3\n");
	assert_int_equal(orch_switch_cmd(&ctx, &o, &cmd, &eb), 0);
	assert_string_equal(cmd.argv[2], "0@3,1@3");
	/* The operator's --lcores, a virtual uplink, a device without a node. */
	o.lcores = "4,5";
	assert_int_equal(orch_switch_cmd(&ctx, &o, &cmd, &eb), 0);
	assert_string_equal(cmd.argv[1], "-l");
	assert_string_equal(cmd.argv[2], "4,5");
	o.lcores = NULL;
	o.uplink = "net_tap0,iface=up0";
	assert_int_equal(orch_switch_cmd(&ctx, &o, &cmd, &eb), 0);
	assert_string_equal(cmd.argv[2], "0,1");
	o.uplink = "0000:00:05.0";
	assert_int_equal(orch_switch_cmd(&ctx, &o, &cmd, &eb), 0);
	assert_string_equal(cmd.argv[2], "0,1");
	unsetenv("IOPASS_SWITCH_BIN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_devices_decide, fakesys_setup,
						fakesys_teardown),
		cmocka_unit_test_setup_teardown(test_asked, fakesys_setup, fakesys_teardown),
		cmocka_unit_test_setup_teardown(test_one_node, fakesys_setup, fakesys_teardown),
		cmocka_unit_test_setup_teardown(test_switch_lcores, fakesys_setup,
						fakesys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
