// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass host check against fake sysfs/procfs/dev trees: a host that is
 * ready, then one fault at a time, each named with its fix; and the CLI's
 * text, JSON and exit status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "iopass/host.h"

#include "fakesys.h"

/* sysfs at the root, procfs under proc/, /dev under dev/. */
struct tree {
	struct fakesys fs;
	char proc[300];
	char dev[300];
	char state[300];
	struct host_env env;
	struct host_report rep;
};

static void good_host(struct tree *t)
{
	struct fakesys *fs = &t->fs;

	fakesys_write(fs, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
		      "flags\t\t: fpu vme svm sse4_2\n\nprocessor\t: 1\n");
	fakesys_write(fs, "proc/cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt quiet\n");
	fakesys_write(fs, "proc/interrupts",
		      "           CPU0\n  0:         46   IR-IO-APIC    2-edge      timer\n"
		      " 24:          3   IR-PCI-MSI 49152-edge      nvme0q0\n");
	fakesys_write(fs, "proc/mounts", "sysfs /sys sysfs rw 0 0\n"
		      "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n");
	fakesys_write(fs, "proc/self/limits",
		      "Limit                     Soft Limit           Hard Limit           Units\n"
		      "Max locked memory         unlimited            unlimited            bytes\n");
	fakesys_write(fs, "proc/self/status", "Name:\tiopass\nCapEff:\t0000000000000000\n");
	fakesys_write(fs, "dev/kvm", "");
	fakesys_write(fs, "dev/vfio/vfio", "");
	fakesys_write(fs, "firmware/acpi/tables/DMAR", "");
	fakesys_write(fs, "class/iommu/dmar0/uevent", "");
	fakesys_write(fs, "module/kvm_amd/parameters/nested", "1\n");
	fakesys_write(fs, "module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
	fakesys_write(fs, "module/vfio_pci/uevent", "");
	fakesys_write(fs, "module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n");
	fakesys_write(fs, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "64\n");
	fakesys_write(fs, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "60\n");
	fakesys_write(fs, "kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	fakesys_write(fs, "devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages",
		      "64\n");
	fakesys_write(fs, "devices/system/node/online", "0\n");

	/* edu (no reset method, no driver), an SR-IOV NVMe PF with FLR. */
	fakesys_add_pci(fs, "0000:00:02.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_set_group(fs, "0000:00:02.0", 2);
	fakesys_add_pci(fs, "0000:00:03.0", 0x1b36, 0x0010, 0x010802);
	fakesys_set_driver(fs, "0000:00:03.0", "nvme");
	fakesys_make_pf(fs, "0000:00:03.0", 4, 0);
	fakesys_set_attr(fs, "0000:00:03.0", "reset_method", "flr\n");
	fakesys_set_group(fs, "0000:00:03.0", 3);
	fakesys_write(fs, "kernel/iommu_groups/2/type", "identity\n");
	fakesys_write(fs, "kernel/iommu_groups/3/type", "identity\n");
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	fakesys_init(&t->fs);
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->fs.root);
	snprintf(t->dev, sizeof(t->dev), "%s/dev", t->fs.root);
	snprintf(t->state, sizeof(t->state), "%s/state", t->fs.root);
	t->env.sysfs = t->fs.root;
	t->env.procfs = t->proc;
	t->env.dev = t->dev;
	t->env.state = t->state;
	t->env.pools = NULL;
	good_host(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;

	host_report_free(&t->rep);
	fakesys_cleanup(&t->fs);
	free(t);
	return 0;
}

static void run(struct tree *t, uint64_t vm_mem)
{
	struct host_check_opts o = { .vm_mem = vm_mem };
	struct errbuf eb;

	host_report_free(&t->rep);
	assert_int_equal(host_check(&t->env, &o, &t->rep, &eb), 0);
}

static const struct host_finding *find(struct tree *t, const char *check)
{
	for (size_t i = 0; i < t->rep.n; i++)
		if (!strcmp(t->rep.f[i].check, check))
			return &t->rep.f[i];
	fail_msg("no finding '%s'", check);
	return NULL;
}

static void expect(struct tree *t, const char *check, enum host_level level,
		   const char *seen_part, const char *fix_part)
{
	const struct host_finding *f = find(t, check);

	if (f->level != level)
		fail_msg("%s: level %s, expected %s (seen: %s)", check,
			 host_level_name(f->level), host_level_name(level), f->seen);
	if (seen_part && !strstr(f->seen, seen_part))
		fail_msg("%s: seen '%s' lacks '%s'", check, f->seen, seen_part);
	if (fix_part && !strstr(f->fix, fix_part))
		fail_msg("%s: fix '%s' lacks '%s'", check, f->fix, fix_part);
	if (level == HOST_OK)
		assert_string_equal(f->fix, "");
	else
		assert_true(f->fix[0]);
}

static void test_good_host(void **state)
{
	struct tree *t = *state;

	run(t, 1ULL << 30);
	assert_int_equal(t->rep.count[HOST_FAIL], 0);
	expect(t, "cpu_virt", HOST_OK, "svm", NULL);
	expect(t, "kvm", HOST_OK, "kvm_amd", NULL);
	expect(t, "kvm_nested", HOST_OK, "nested=1", NULL);
	expect(t, "iommu_firmware", HOST_OK, "DMAR", NULL);
	expect(t, "iommu", HOST_OK, "2 IOMMU groups", NULL);
	expect(t, "iommu", HOST_OK, "intel_iommu=on iommu=pt", NULL);
	expect(t, "iommu_passthrough", HOST_OK, "2 groups identity", NULL);
	expect(t, "interrupt_remapping", HOST_OK, "IR-IO-APIC, IR-PCI-MSI", NULL);
	expect(t, "vfio_modules", HOST_OK, NULL, NULL);
	expect(t, "dev_vfio", HOST_OK, "no /dev/iommu", NULL);
	expect(t, "hugepages", HOST_OK, "64 x 2 MiB (60 free, node0 64)", NULL);
	expect(t, "hugetlbfs", HOST_OK, "/dev/hugepages", NULL);
	expect(t, "memlock", HOST_OK, "unlimited", NULL);
	expect(t, "numa", HOST_OK, "one NUMA node", NULL);
	expect(t, "state_dir", HOST_OK, NULL, NULL);
	expect(t, "groups", HOST_OK, NULL, NULL);
	expect(t, "sriov-0000:00:03.0", HOST_OK, "0 of 4 VFs", NULL);
	/* edu: no reset, on the root bus where no bridge can reset it. */
	expect(t, "reset-0000:00:02.0", HOST_WARN, "no reset method", "root bus");
	/* Settings that are fine are not findings. */
	for (size_t i = 0; i < t->rep.n; i++) {
		assert_string_not_equal(t->rep.f[i].check, "unsafe_interrupts");
		assert_string_not_equal(t->rep.f[i].check, "vfio_noiommu");
		assert_string_not_equal(t->rep.f[i].check, "reset-0000:00:03.0");
	}
}

static void test_no_iommu(void **state)
{
	struct tree *t = *state;

	fakesys_write(&t->fs, "proc/cmdline", "quiet\n");
	fakesys_remove(&t->fs, "kernel/iommu_groups/2/devices/0000:00:02.0");
	fakesys_remove(&t->fs, "kernel/iommu_groups/2/devices");
	fakesys_remove(&t->fs, "kernel/iommu_groups/2/type");
	fakesys_remove(&t->fs, "kernel/iommu_groups/2");
	fakesys_remove(&t->fs, "kernel/iommu_groups/3/devices/0000:00:03.0");
	fakesys_remove(&t->fs, "kernel/iommu_groups/3/devices");
	fakesys_remove(&t->fs, "kernel/iommu_groups/3/type");
	fakesys_remove(&t->fs, "kernel/iommu_groups/3");
	fakesys_remove(&t->fs, "class/iommu/dmar0/uevent");
	fakesys_remove(&t->fs, "class/iommu/dmar0");
	fakesys_write(&t->fs, "proc/interrupts", "  0:  46  IO-APIC  2-edge  timer\n");
	run(t, 1ULL << 30);
	expect(t, "iommu_firmware", HOST_OK, "DMAR", NULL);
	expect(t, "iommu", HOST_FAIL, "no IOMMU parameters", "add intel_iommu=on");
	expect(t, "iommu", HOST_FAIL, NULL, "GRUB_CMDLINE_LINUX");
	expect(t, "interrupt_remapping", HOST_FAIL, "no IR-* interrupt chips",
	       "enable the IOMMU first");

	fakesys_write(&t->fs, "proc/cmdline", "intel_iommu=off intremap=off\n");
	run(t, 1ULL << 30);
	expect(t, "iommu", HOST_FAIL, "intel_iommu=off",
	       "replace intel_iommu=off by intel_iommu=on iommu=pt");
	expect(t, "interrupt_remapping", HOST_FAIL, NULL, "remove intremap=off");

	/* No firmware table either: the firmware comes first. */
	fakesys_remove(&t->fs, "firmware/acpi/tables/DMAR");
	run(t, 1ULL << 30);
	expect(t, "iommu_firmware", HOST_FAIL, "no ACPI DMAR or IVRS", "VT-d");
}

static void test_no_passthrough_and_unsafe(void **state)
{
	struct tree *t = *state;

	fakesys_write(&t->fs, "proc/cmdline", "intel_iommu=on\n");
	fakesys_write(&t->fs, "kernel/iommu_groups/2/type", "DMA-FQ\n");
	fakesys_write(&t->fs, "kernel/iommu_groups/3/type", "DMA\n");
	fakesys_write(&t->fs, "module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n");
	fakesys_write(&t->fs, "module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	fakesys_write(&t->fs, "proc/cmdline", "intel_iommu=on pcie_acs_override=downstream\n");
	run(t, 1ULL << 30);
	expect(t, "iommu_passthrough", HOST_WARN, "2 groups of type DMA", "add iommu=pt");
	expect(t, "unsafe_interrupts", HOST_WARN, "allow_unsafe_interrupts=Y",
	       "/etc/modprobe.d");
	expect(t, "vfio_noiommu", HOST_WARN, NULL, "enable_unsafe_noiommu_mode");
	expect(t, "acs_override", HOST_WARN, NULL, "remove pcie_acs_override");
}

static void test_no_vfio_no_kvm(void **state)
{
	struct tree *t = *state;

	fakesys_remove(&t->fs, "module/vfio_pci/uevent");
	fakesys_remove(&t->fs, "module/vfio_pci");
	fakesys_remove(&t->fs, "dev/vfio/vfio");
	fakesys_remove(&t->fs, "dev/kvm");
	fakesys_remove(&t->fs, "module/kvm_amd/parameters/nested");
	fakesys_remove(&t->fs, "module/kvm_amd/parameters");
	fakesys_remove(&t->fs, "module/kvm_amd");
	run(t, 1ULL << 30);
	expect(t, "vfio_modules", HOST_FAIL, "not loaded: vfio_pci",
	       "modprobe vfio-pci vfio_iommu_type1");
	expect(t, "vfio_modules", HOST_FAIL, NULL, "/etc/modules-load.d/vfio.conf");
	expect(t, "dev_vfio", HOST_FAIL, "no /dev/vfio/vfio", "modprobe vfio");
	/* svm in the flags: the module to load is kvm_amd. */
	expect(t, "kvm", HOST_FAIL, "neither kvm_intel nor kvm_amd", "modprobe kvm_amd");

	fakesys_write(&t->fs, "proc/cpuinfo", "flags\t\t: fpu sse\n");
	run(t, 1ULL << 30);
	expect(t, "cpu_virt", HOST_FAIL, "no vmx or svm", "firmware setup");
}

static void test_nested_off(void **state)
{
	struct tree *t = *state;

	fakesys_write(&t->fs, "module/kvm_amd/parameters/nested", "0\n");
	run(t, 1ULL << 30);
	expect(t, "kvm_nested", HOST_WARN, "nested=0", "options kvm_amd nested=1");
}

static void test_no_hugepages(void **state)
{
	struct tree *t = *state;

	fakesys_write(&t->fs, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	fakesys_write(&t->fs, "proc/mounts", "sysfs /sys sysfs rw 0 0\n");
	run(t, 1ULL << 30);
	expect(t, "hugepages", HOST_WARN, "no hugepages", "vm.nr_hugepages");
	expect(t, "hugetlbfs", HOST_WARN, "no hugetlbfs", "mount -t hugetlbfs");
	assert_int_equal(t->rep.count[HOST_FAIL], 0);
}

static void test_memlock(void **state)
{
	struct tree *t = *state;

	fakesys_write(&t->fs, "proc/self/limits",
		      "Max locked memory         8388608              8388608              bytes\n");
	run(t, 1ULL << 30);
	expect(t, "memlock", HOST_FAIL, "RLIMIT_MEMLOCK 8 MiB (hard 8 MiB)",
	       "/etc/security/limits.d/iopass.conf");
	expect(t, "memlock", HOST_FAIL, "1 GiB of RAM", "LimitMEMLOCK=infinity");

	/* The hard limit allows it: raising the soft one is enough. */
	fakesys_write(&t->fs, "proc/self/limits",
		      "Max locked memory         8388608              unlimited            bytes\n");
	run(t, 1ULL << 30);
	expect(t, "memlock", HOST_WARN, NULL, "ulimit -l unlimited in this shell");

	/* Enough for a small VM. */
	run(t, 4ULL << 20);
	expect(t, "memlock", HOST_OK, "enough for 4 MiB", NULL);

	/* CAP_IPC_LOCK: not limited at all. */
	fakesys_write(&t->fs, "proc/self/status", "CapEff:\t000001ffffffffff\n");
	run(t, 1ULL << 30);
	expect(t, "memlock", HOST_OK, "CAP_IPC_LOCK", NULL);
}

static void test_shared_groups(void **state)
{
	struct tree *t = *state;

	/* Two cards in different slots share group 7 behind a bridge. */
	fakesys_add_pci(&t->fs, "0000:00:1c.0", 0x8086, 0x1234, 0x060400);
	fakesys_set_driver(&t->fs, "0000:00:1c.0", "pcieport");
	fakesys_add_pci(&t->fs, "0000:05:00.0", 0x8086, 0x10fb, 0x020000);
	fakesys_set_driver(&t->fs, "0000:05:00.0", "ixgbe");
	fakesys_add_pci(&t->fs, "0000:05:01.0", 0x10de, 0x1eb8, 0x030000);
	fakesys_set_group(&t->fs, "0000:00:1c.0", 7);
	fakesys_set_group(&t->fs, "0000:05:00.0", 7);
	fakesys_set_group(&t->fs, "0000:05:01.0", 7);
	/* A GPU and its audio function: one device, two functions. */
	fakesys_add_pci(&t->fs, "0000:06:00.0", 0x10de, 0x1eb8, 0x030000);
	fakesys_add_pci(&t->fs, "0000:06:00.1", 0x10de, 0x10f8, 0x040300);
	fakesys_set_group(&t->fs, "0000:06:00.0", 8);
	fakesys_set_group(&t->fs, "0000:06:00.1", 8);
	run(t, 1ULL << 30);
	expect(t, "group-7", HOST_WARN, "group 7 holds 2 devices: 0000:00:1c.0 (pcieport, "
	       "bridge) 0000:05:00.0 (ixgbe) 0000:05:01.0 (no driver)", "ACS");
	expect(t, "group-7", HOST_WARN, "not viable now", NULL);
	expect(t, "group-8", HOST_WARN, "viable now", "one multi-function device");
	for (size_t i = 0; i < t->rep.n; i++)
		assert_string_not_equal(t->rep.f[i].check, "groups");
}

static void test_sriov_pf_without_driver(void **state)
{
	struct tree *t = *state;

	fakesys_remove(&t->fs, "devices/pci0000:00/0000:00:03.0/driver");
	run(t, 1ULL << 30);
	expect(t, "sriov-0000:00:03.0", HOST_WARN, "no driver", "iopass restore 0000:00:03.0");
}

/* A device behind a bridge, sharing its bus with a sibling. */
static void add_behind_bridge(struct fakesys *fs, const char *bdf, unsigned int device)
{
	char rel[256], val[32];

	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:1e.0/%s/vendor", bdf);
	fakesys_write(fs, rel, "0x1234\n");
	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:1e.0/%s/device", bdf);
	snprintf(val, sizeof(val), "0x%04x\n", device);
	fakesys_write(fs, rel, val);
	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:1e.0/%s/class", bdf);
	fakesys_write(fs, rel, "0x00ff00\n");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	snprintf(val, sizeof(val), "%s", bdf);
	{
		char target[256];

		snprintf(target, sizeof(target),
			 "../../../devices/pci0000:00/0000:00:1e.0/%s", bdf);
		fakesys_symlink(fs, rel, target);
	}
}

static void test_reset_behind_bridge(void **state)
{
	struct tree *t = *state;

	fakesys_add_pci(&t->fs, "0000:00:1e.0", 0x1b36, 0x000e, 0x060400);
	add_behind_bridge(&t->fs, "0000:09:01.0", 0x11e8);
	add_behind_bridge(&t->fs, "0000:09:02.0", 0x11e8);
	run(t, 1ULL << 30);
	expect(t, "reset-0000:09:01.0", HOST_WARN, "no reset method",
	       "every function on its bus (0000:09:02.0 too)");
	expect(t, "reset-0000:09:02.0", HOST_WARN, NULL, "(0000:09:01.0 too)");

	/* With a method (or the older kernels' reset file): no finding. */
	fakesys_write(&t->fs, "devices/pci0000:00/0000:00:1e.0/0000:09:01.0/reset_method", "bus\n");
	fakesys_write(&t->fs, "devices/pci0000:00/0000:00:1e.0/0000:09:02.0/reset", "");
	fakesys_write(&t->fs, "devices/pci0000:00/0000:00:02.0/reset_method", "pm\n");
	run(t, 1ULL << 30);
	expect(t, "reset", HOST_OK, NULL, NULL);
}

static void test_numa_unknown(void **state)
{
	struct tree *t = *state;

	fakesys_write(&t->fs, "devices/system/node/node1/cpulist", "1\n");
	fakesys_write(&t->fs, "devices/system/node/online", "0-1\n");
	run(t, 1ULL << 30);
	expect(t, "numa", HOST_WARN, "2 NUMA nodes, but 2 devices report none", "--numa N");
	fakesys_set_attr(&t->fs, "0000:00:02.0", "numa_node", "1\n");
	fakesys_set_attr(&t->fs, "0000:00:03.0", "numa_node", "0\n");
	run(t, 1ULL << 30);
	expect(t, "numa", HOST_OK, "every device reports its node", NULL);
}

static char out[1 << 17];

static int run_cli(struct tree *t, const char *args)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "IOPASS_SYSFS_ROOT='%s' IOPASS_PROCFS_ROOT='%s' IOPASS_DEV_ROOT='%s' "
		 "IOPASS_STATE_DIR='%s' IOPASS_POOLS_CONF=/nonexistent %s %s 2>&1",
		 t->fs.root, t->proc, t->dev, t->state, IOPASS_BIN, args);
	return run_capture(cmd, out, sizeof(out));
}

static void test_cli(void **state)
{
	struct tree *t = *state;
	json_object *o, *arr, *v;
	bool saw_fail = false;

	assert_int_equal(run_cli(t, "host check"), 0);
	assert_non_null(strstr(out, "ok    iommu "));
	assert_non_null(strstr(out, "WARN  reset-0000:00:02.0"));
	assert_non_null(strstr(out, "host check: "));
	assert_non_null(strstr(out, " 1 warn, 0 fail\n"));

	fakesys_remove(&t->fs, "dev/vfio/vfio");
	assert_int_equal(run_cli(t, "host check"), 1);
	assert_non_null(strstr(out, "FAIL  dev_vfio"));
	assert_non_null(strstr(out, "      fix:  modprobe vfio"));

	assert_int_equal(run_cli(t, "host check --json"), 1);
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "findings", &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *f = json_object_array_get_idx(arr, i), *check, *level, *fix;

		assert_true(json_object_object_get_ex(f, "check", &check));
		assert_true(json_object_object_get_ex(f, "level", &level));
		assert_true(json_object_object_get_ex(f, "fix", &fix));
		if (!strcmp(json_object_get_string(check), "dev_vfio")) {
			assert_string_equal(json_object_get_string(level), "fail");
			assert_non_null(strstr(json_object_get_string(fix), "modprobe vfio"));
			saw_fail = true;
		}
		if (!strcmp(json_object_get_string(level), "ok"))
			assert_null(fix);
	}
	assert_true(saw_fail);
	assert_true(json_object_object_get_ex(o, "summary", &v));
	assert_true(json_object_object_get_ex(v, "fail", &v));
	assert_int_equal(json_object_get_int(v), 1);
	json_object_put(o);

	assert_int_equal(run_cli(t, "host check --mem lots"), 2);
	assert_non_null(strstr(out, "--mem: 'lots' is not a size"));
	assert_int_equal(run_cli(t, "host check extra"), 2);
	assert_int_equal(run_cli(t, "host frobnicate"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_passthrough_and_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_vfio_no_kvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_hugepages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sriov_pf_without_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_behind_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numa_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
