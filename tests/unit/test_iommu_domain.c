// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA domain's own logic, on fake sysfs/procfs trees and a recording
 * backend standing in for the kernel's VFIO (which the testbed runs for
 * real: tests/testbed/vfio-assign.sh): the checks before a device is
 * opened, usable ranges minus reserved_regions, chunked maps undone on
 * failure, close unmapping everything; the memlock check; who holds a group.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "iopass/iommu.h"
#include "iommu/domain_impl.h"

#include "fakesys.h"

struct fake {
	int opens, closes, maps, unmaps;
	uint64_t mapped;
	int fail_map_at;	/* map call index that fails, -1 never */
	uint64_t pgsizes;
};

static struct fake fk;

static int fake_open(struct iommu_domain *d, struct errbuf *eb)
{
	(void)d;
	(void)eb;
	return 0;
}

static int fake_device_open(struct iommu_domain *d,
			    const struct pci_addr *addr, int group,
			    const char *vf_token, int *devfd,
			    struct errbuf *eb)
{
	struct iova_range all = { 0, (1ULL << 39) - 1 };

	(void)addr;
	(void)vf_token;
	(void)eb;
	fk.opens++;
	*devfd = 100 + group;
	return fk.opens == 1 ? iommu_domain_set_hw(d, &all, 1, fk.pgsizes) : 0;
}

static void fake_device_close(struct iommu_domain *d,
			      const struct pci_addr *addr, int devfd)
{
	(void)d;
	(void)addr;
	(void)devfd;
	fk.closes++;
}

static int fake_map(struct iommu_domain *d, uint64_t iova, uint64_t size,
		    void *hva, bool writable)
{
	(void)d;
	(void)iova;
	(void)hva;
	(void)writable;
	if (fk.maps == fk.fail_map_at)
		return -ENOMEM;
	fk.maps++;
	fk.mapped += size;
	return 0;
}

static int fake_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	(void)d;
	(void)iova;
	fk.unmaps++;
	fk.mapped -= size;
	return 0;
}

static void fake_close(struct iommu_domain *d)
{
	(void)d;
}

static const struct iommu_domain_ops fake_ops = {
	.name = "fake", .open = fake_open, .device_open = fake_device_open,
	.device_close = fake_device_close, .map = fake_map,
	.unmap = fake_unmap, .close = fake_close,
};

static struct iommu_domain *fake_domain(struct fakesys *fs)
{
	struct iommu_domain *d = calloc(1, sizeof(*d));

	d->ops = &fake_ops;
	snprintf(d->sysfs, sizeof(d->sysfs), "%s", fs->root);
	snprintf(d->dev, sizeof(d->dev), "%s/dev", fs->root);
	return d;
}

static int setup(void **state)
{
	struct fakesys *fs = calloc(1, sizeof(*fs));

	fakesys_init(fs);
	fakesys_add_pci(fs, "0000:00:03.0", 0x1234, 0x11e8, 0x00ff00);
	fakesys_set_group(fs, "0000:00:03.0", 5);
	fakesys_set_driver(fs, "0000:00:03.0", "vfio-pci");
	fakesys_write(fs, "kernel/iommu_groups/5/reserved_regions",
		      "0x00000000fee00000 0x00000000feefffff msi\n");
	/* A GPU and its audio function share group 7. */
	fakesys_add_pci(fs, "0000:01:00.0", 0x10de, 0x1eb8, 0x030000);
	fakesys_add_pci(fs, "0000:01:00.1", 0x10de, 0x10f8, 0x040300);
	fakesys_set_group(fs, "0000:01:00.0", 7);
	fakesys_set_group(fs, "0000:01:00.1", 7);
	fakesys_set_driver(fs, "0000:01:00.0", "vfio-pci");
	fakesys_set_driver(fs, "0000:01:00.1", "snd_hda_intel");
	fakesys_add_pci(fs, "0000:00:04.0", 0x8086, 0x10d3, 0x020000);
	fakesys_set_group(fs, "0000:00:04.0", 8);
	fakesys_set_driver(fs, "0000:00:04.0", "e1000e");
	memset(&fk, 0, sizeof(fk));
	fk.fail_map_at = -1;
	fk.pgsizes = 0x1000 | 0x200000 | 0x40000000;
	*state = fs;
	return 0;
}

static int teardown(void **state)
{
	fakesys_cleanup(*state);
	free(*state);
	return 0;
}

static void addr(const char *bdf, struct pci_addr *a)
{
	assert_int_equal(pci_addr_parse(bdf, a), 0);
}

static void test_no_iommu_says_how_to_enable(void **state)
{
	struct fakesys fs;
	struct iommu_domain *d;
	struct errbuf eb;

	(void)state;
	fakesys_init(&fs);
	fakesys_write(&fs, "kernel/iommu_groups/.keep", "");
	assert_int_equal(iommu_domain_open(IOMMU_BACKEND_AUTO, fs.root,
					   "/nonexistent", &d, &eb), -ENODEV);
	assert_non_null(strstr(eb.msg, "no IOMMU on this host"));
	assert_non_null(strstr(eb.msg, "intel_iommu=on"));
	assert_non_null(strstr(eb.msg, "amd_iommu"));
	fakesys_cleanup(&fs);
}

static void test_type1_without_vfio_module(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_domain *d;
	struct errbuf eb;

	assert_int_equal(iommu_domain_open(IOMMU_BACKEND_TYPE1, fs->root,
					   "/nonexistent", &d, &eb), -ENODEV);
	assert_non_null(strstr(eb.msg, "/nonexistent/vfio/vfio does not exist"));
	assert_non_null(strstr(eb.msg, "modprobe vfio-pci"));
}

static void test_device_checks_name_cause_and_fix(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_domain *d = fake_domain(fs);
	struct pci_addr a;
	struct errbuf eb;
	int fd;

	addr("0000:00:09.0", &a);
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb),
			 -ENOENT);
	assert_string_equal(eb.msg, "no PCI device 0000:00:09.0 on this host: "
			    "'iopass list' shows the devices");
	addr("0000:00:04.0", &a);
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb),
			 -EINVAL);
	assert_string_equal(eb.msg, "0000:00:04.0 is bound to e1000e, not "
			    "vfio-pci: 'iopass bind 0000:00:04.0' binds it");
	fakesys_remove(fs, "bus/pci/devices/0000:00:04.0/driver");
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb),
			 -EINVAL);
	assert_non_null(strstr(eb.msg, "not bound to any driver, not vfio-pci"));
	/* The group's other member is on a host driver: named. */
	addr("0000:01:00.0", &a);
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb),
			 -EBUSY);
	assert_non_null(strstr(eb.msg, "0000:01:00.1 (driver snd_hda_intel)"));
	assert_int_equal(fk.opens, 0);	/* the backend never saw them */
	iommu_domain_close(d);
}

static void test_ranges_minus_reserved_and_twice(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_domain *d = fake_domain(fs);
	const struct iova_range *r;
	struct pci_addr a;
	struct errbuf eb;
	size_t n;
	int fd;

	addr("0000:00:03.0", &a);
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb), 0);
	assert_int_equal(fd, 105);
	r = iommu_domain_ranges(d, &n);
	assert_int_equal(n, 2);
	assert_true(r[0].start == 0 && r[0].last == 0xfedfffff);
	assert_true(r[1].start == 0xfef00000);
	assert_string_equal(iommu_domain_backend(d), "fake");
	/* The same device again: refused before the backend. */
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb),
			 -EBUSY);
	assert_non_null(strstr(eb.msg, "assigned twice"));
	assert_int_equal(fk.opens, 1);
	iommu_domain_close(d);
	assert_int_equal(fk.closes, 1);
}

static void test_map_chunks_stats_undo_close(void **state)
{
	struct fakesys *fs = *state;
	struct iommu_domain *d = fake_domain(fs);
	struct iommu_map_stats st;
	struct pci_addr a;
	struct errbuf eb;
	int fd;

	/* Nothing attached yet: the IOMMU is not set up. */
	assert_int_equal(iommu_domain_map(d, 0, 0x200000, (void *)0x200000,
					  &eb), -EINVAL);
	addr("0000:00:03.0", &a);
	assert_int_equal(iommu_domain_device_open(d, &a, NULL, &fd, &eb), 0);
	/* 4 MiB + 4 KiB at 0: two 2M chunks and a 4K one. */
	assert_int_equal(iommu_domain_map(d, 0, 0x401000, (void *)0x40000000,
					  &eb), 0);
	iommu_domain_stats(d, &st);
	assert_int_equal(st.calls, 3);
	assert_int_equal(st.bytes, 0x401000);
	/* Over the MSI window: refused, nothing mapped. */
	assert_int_equal(iommu_domain_map(d, 0xfe000000, 0x2000000,
					  (void *)0x80000000, &eb), -ERANGE);
	assert_non_null(strstr(eb.msg, "outside the IOVA ranges"));
	/* Misaligned host address. */
	assert_int_equal(iommu_domain_map(d, 0x800000, 0x1000, (void *)0x10,
					  &eb), -EINVAL);
	/* The third chunk fails: the first two are unmapped again. */
	fk.fail_map_at = fk.maps + 2;
	assert_int_equal(iommu_domain_map(d, 0x1000000, 0x600000,
					  (void *)0x40000000, &eb), -ENOMEM);
	assert_non_null(strstr(eb.msg, "ulimit -l"));
	assert_int_equal(fk.mapped, 0x401000);
	fk.fail_map_at = -1;
	assert_int_equal(iommu_domain_unmap(d, 0, 0x1000), -ENOENT);
	iommu_domain_close(d);
	assert_int_equal(fk.mapped, 0);
}

static void test_memlock_check(void **state)
{
	struct errbuf eb;

	(void)state;
	assert_int_equal(iommu_memlock_check(256 << 20, 8 << 20, 0, true, &eb),
			 0);
	assert_int_equal(iommu_memlock_check(256 << 20, RLIM_INFINITY, 0,
					     false, &eb), 0);
	assert_int_equal(iommu_memlock_check(256 << 20, 300 << 20, 0, false,
					     &eb), 0);
	/* What is locked already counts. */
	assert_int_equal(iommu_memlock_check(256 << 20, 300 << 20, 64 << 20,
					     false, &eb), -ENOMEM);
	assert_string_equal(eb.msg,
		"locked-memory limit too low to pin guest RAM for DMA: 320 MiB "
		"needed, RLIMIT_MEMLOCK is 300 MiB; raise it with 'ulimit -l "
		"327680' (or unlimited), LimitMEMLOCK= in the systemd unit, or "
		"a memlock line in /etc/security/limits.conf");
	assert_int_equal(iommu_memlock_check(4ULL << 30, 64 << 10, 0, false,
					     &eb), -ENOMEM);
	assert_non_null(strstr(eb.msg, "4.0 GiB needed, RLIMIT_MEMLOCK is 64 KiB"));
	/* Overflow is "too much", never a wrap to a small number. */
	assert_int_equal(iommu_memlock_check(UINT64_MAX, 1ULL << 40, 4096,
					     false, &eb), -ENOMEM);
	/* This process: whatever it is, a zero-byte request fits. */
	assert_int_equal(iommu_memlock_check_self(0, &eb), 0);
}

static void test_group_holder_from_procfs(void **state)
{
	struct fakesys *fs = *state;
	char comm[32];
	int pid = 0;

	fakesys_write(fs, "proc/1/comm", "init\n");
	fakesys_symlink(fs, "proc/1/fd/0", "/dev/null");
	fakesys_write(fs, "proc/4242/comm", "iopass\n");
	fakesys_symlink(fs, "proc/4242/fd/3", "/dev/vfio/vfio");
	fakesys_symlink(fs, "proc/4242/fd/7", "/dev/vfio/12");
	fakesys_write(fs, "proc/self-not-a-pid", "");
	char procfs[300];

	snprintf(procfs, sizeof(procfs), "%s/proc", fs->root);
	assert_int_equal(iommu_group_holder(procfs, 12, 1, &pid, comm,
					    sizeof(comm)), 0);
	assert_int_equal(pid, 4242);
	assert_string_equal(comm, "iopass");
	/* Group 1 vs /dev/vfio/12: exact match only. */
	assert_int_equal(iommu_group_holder(procfs, 1, 1, &pid, comm,
					    sizeof(comm)), -ENOENT);
	/* The holder is ourselves: not reported. */
	assert_int_equal(iommu_group_holder(procfs, 12, 4242, &pid, comm,
					    sizeof(comm)), -ENOENT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_iommu_says_how_to_enable),
		T(test_type1_without_vfio_module),
		T(test_device_checks_name_cause_and_fix),
		T(test_ranges_minus_reserved_and_twice),
		T(test_map_chunks_stats_undo_close),
		cmocka_unit_test(test_memlock_check),
		T(test_group_holder_from_procfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
