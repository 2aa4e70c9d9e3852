// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection: what the user sees, and that nothing is lost or left
 * half-done, when
 *  - a sysfs write fails with EBUSY (no machine here has a driver that
 *    answers EBUSY: this program's own write() fails writes to an armed
 *    path, standing in for the kernel) or EISDIR (a directory where the fake
 *    tree should have a file): driver binding rolls back, a refused VF
 *    count leaves the PF's settings as they were;
 *  - the file system of the state directory is full (a 64 KiB tmpfs in a
 *    private mount namespace; needs root, skipped otherwise): records are
 *    written atomically, the old one survives, no temp file is left, and
 *    the message says to free space;
 *  - the holder of `iopass assign BDF -- CMD` is killed with SIGKILL while
 *    CMD still runs (CMD inherits the lease lock: gc must not take the
 *    device from under it), then CMD dies too: `iopass gc` releases it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/lease.h"
#include "iopass/state.h"

#include "fakesys.h"

/* ------------------------------------------------ failing writes */

static struct {
	char pattern[128];	/* a write to a path containing this fails */
	int err;
	int count;		/* how many more times */
} fault;

/*
 * Interposes libc's write() for this program (the libraries' sysfs writes
 * included): an armed path fails, everything else goes to the kernel.
 */
ssize_t write(int fd, const void *buf, size_t n)
{
	if (fault.count > 0) {
		char link[64], path[PATH_MAX];
		ssize_t l;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		l = readlink(link, path, sizeof(path) - 1);
		if (l > 0) {
			path[l] = '\0';
			if (strstr(path, fault.pattern)) {
				fault.count--;
				errno = fault.err;
				return -1;
			}
		}
	}
	return syscall(SYS_write, fd, buf, n);
}

static void arm(const char *pattern, int err, int count)
{
	snprintf(fault.pattern, sizeof(fault.pattern), "%s", pattern);
	fault.err = err;
	fault.count = count;
}

#define DEV	"0000:01:00.1"

struct env {
	struct fakesys sys;
	struct fakesys proc;
	char state[300];
	struct lease_ctx ctx;
	struct pci_addr addr;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	fakesys_init(&e->sys);
	fakesys_init(&e->proc);
	snprintf(e->state, sizeof(e->state), "%s/state", e->proc.root);
	fakesys_add_pci(&e->sys, DEV, 0x1b36, 0x0010, 0x010802);
	fakesys_set_driver(&e->sys, DEV, "nvme");
	fakesys_set_group(&e->sys, DEV, 5);
	fakesys_set_attr(&e->sys, DEV, "driver_override", "\n");
	fakesys_write(&e->sys, "bus/pci/drivers/nvme/unbind", "");
	fakesys_write(&e->sys, "bus/pci/drivers/vfio-pci/bind", "");
	fakesys_write(&e->sys, "bus/pci/drivers_probe", "");
	fakesys_write(&e->proc, "self/mountinfo", "");
	fakesys_write(&e->proc, "swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	fakesys_write(&e->proc, "net/route", "Iface\tDestination\tGateway\n");
	fakesys_write(&e->proc, "net/ipv6_route", "");
	pci_addr_parse(DEV, &e->addr);
	e->ctx.bind = (struct bind_ctx){ .sysfs = e->sys.root,
					 .procfs = e->proc.root,
					 .state = e->state };
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	arm("", 0, 0);
	fakesys_cleanup(&e->sys);
	fakesys_cleanup(&e->proc);
	free(e);
	return 0;
}

static void assert_untouched(struct env *e)
{
	char drv[64], ovr[64], orig[64];

	assert_int_equal(sysfs_link_base(e->sys.root,
		"bus/pci/devices/" DEV "/driver", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "nvme");
	assert_int_equal(sysfs_read_str(e->sys.root,
		"bus/pci/devices/" DEV "/driver_override", ovr, sizeof(ovr)), 0);
	assert_string_equal(ovr, "");
	/* No "original driver" record for a bind that did not happen. */
	assert_int_equal(pci_driver_original(e->state, &e->addr, orig,
					     sizeof(orig)), -ENOENT);
}

/* The unbind is refused with EBUSY: the override is cleared again. */
static void test_unbind_ebusy_rolls_back(void **state)
{
	struct env *e = *state;
	struct errbuf eb;

	arm("drivers/nvme/unbind", EBUSY, 100);
	assert_int_equal(pci_driver_bind(&e->ctx.bind, &e->addr, "vfio-pci",
					 &eb), -EBUSY);
	arm("", 0, 0);
	assert_non_null(strstr(eb.msg, "drivers/nvme/unbind failed: Device or resource busy"));
	assert_non_null(strstr(eb.msg, "try again"));
	assert_null(strchr(eb.msg, '\n'));
	assert_untouched(e);
}

/* The very first write (driver_override) is refused: nothing to undo. */
static void test_override_ebusy_changes_nothing(void **state)
{
	struct env *e = *state;
	struct lease l, *list;
	struct errbuf eb;
	size_t n;

	arm("driver_override", EBUSY, 1);
	assert_int_equal(lease_acquire(&e->ctx, &e->addr, 1, "vm1", "", NULL,
				       "vfio-pci", NULL, &l, &eb), -EBUSY);
	arm("", 0, 0);
	assert_non_null(strstr(eb.msg, "driver_override failed: Device or resource busy"));
	assert_untouched(e);
	assert_int_equal(lease_list(e->state, &list, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(list);
}

/* A directory where the kernel has a file: the write fails, rolled back. */
static void test_unbind_eisdir_rolls_back(void **state)
{
	struct env *e = *state;
	char path[PATH_MAX];
	struct errbuf eb;

	fakesys_remove(&e->sys, "bus/pci/drivers/nvme/unbind");
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/nvme/unbind",
		 e->sys.root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(pci_driver_bind(&e->ctx.bind, &e->addr, "vfio-pci",
					 &eb), -EISDIR);
	assert_non_null(strstr(eb.msg, "unbind failed: Is a directory"));
	assert_untouched(e);
}

/*
 * Creating VFs is refused with EBUSY: the message says how many VFs the PF
 * has now and what to do, and the autoprobe setting the plan changed first
 * is put back.
 */
static void test_numvfs_ebusy(void **state)
{
	struct env *e = *state;
	struct sriov_plan plan;
	struct pci_addr pf;
	struct errbuf eb;
	char val[16];

	fakesys_add_pci(&e->sys, "0000:02:00.0", 0x8086, 0x1521, 0x020000);
	fakesys_make_pf(&e->sys, "0000:02:00.0", 4, 0);
	fakesys_set_attr(&e->sys, "0000:02:00.0", "sriov_drivers_autoprobe", "1\n");
	pci_addr_parse("0000:02:00.0", &pf);
	assert_int_equal(sriov_plan(0, 4, 1, 2, false, 0, &plan, &eb), 0);
	arm("sriov_numvfs", EBUSY, 100);
	assert_int_equal(sriov_apply(e->sys.root, &pf, &plan, 2000, &eb), -EBUSY);
	arm("", 0, 0);
	assert_non_null(strstr(eb.msg, "the kernel refused 2 VFs on 0000:02:00.0: busy (it has 0 VFs now"));
	assert_non_null(strstr(eb.msg, "try again"));
	assert_false(sysfs_exists(e->sys.root,
				  "bus/pci/devices/0000:02:00.0/virtfn0"));
	assert_int_equal(sysfs_read_str(e->sys.root,
		"bus/pci/devices/0000:02:00.0/sriov_drivers_autoprobe", val,
		sizeof(val)), 0);
	assert_string_equal(val, "1");
}

/* ------------------------------------------------ a full disk */

static bool have_mount_ns;

/* Writes name in dir until the file system is full. */
static void fill(const char *dir, const char *name)
{
	static char block[4096];
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		return;		/* no inode left: full already */
	memset(block, 'x', sizeof(block));
	while (syscall(SYS_write, fd, block, sizeof(block)) > 0)
		;
	while (syscall(SYS_write, fd, block, 1) > 0)
		;
	close(fd);
}

/* A 64 KiB tmpfs on dir (with keep=content in it), full: -1 if not here. */
static int mount_full(const char *dir, const char *keep, const char *content)
{
	if (!have_mount_ns)
		return -1;
	if (mount("iopass-test", dir, "tmpfs", 0, "size=64k,mode=0755"))
		return -1;
	if (keep) {
		struct errbuf eb;

		assert_int_equal(state_write(dir, keep, content, &eb), 0);
	}
	fill(dir, "filler");
	return 0;
}

static int count_tmp(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

static void test_state_write_disk_full(void **state)
{
	struct env *e = *state;
	char big[16384], *content;
	struct errbuf eb;

	assert_int_equal(mkdir(e->state, 0755), 0);
	if (mount_full(e->state, "rec.json", "{\"old\":1}\n")) {
		skip();
		return;
	}
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(state_write(e->state, "rec.json", big, &eb), -ENOSPC);
	assert_non_null(strstr(eb.msg, "No space left on device; free space on the file system of the state directory"));
	/* The old record is whole, and no temp file is left behind. */
	assert_int_equal(state_read(e->state, "rec.json", &content, &eb), 0);
	assert_string_equal(content, "{\"old\":1}\n");
	free(content);
	assert_int_equal(count_tmp(e->state), 0);
	umount2(e->state, MNT_DETACH);
}

/*
 * Leasing on a full state directory: refused before anything is bound,
 * with what to do; once there is room it works, and a release works even
 * on a full disk (removing a record takes no space).
 */
static void test_lease_disk_full(void **state)
{
	struct env *e = *state;
	struct lease l, *list;
	char path[PATH_MAX];
	struct errbuf eb;
	size_t n;

	fakesys_set_driver(&e->sys, DEV, "vfio-pci");
	assert_int_equal(mkdir(e->state, 0755), 0);
	if (mount_full(e->state, NULL, NULL)) {
		skip();
		return;
	}
	assert_int_equal(lease_acquire(&e->ctx, &e->addr, 1, "vm1", "", NULL,
				       "vfio-pci", NULL, &l, &eb), -ENOSPC);
	assert_non_null(strstr(eb.msg, "free space on the file system of the state directory"));
	assert_int_equal(lease_list(e->state, &list, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(count_tmp(e->state), 0);

	snprintf(path, sizeof(path), "%s/filler", e->state);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(lease_acquire(&e->ctx, &e->addr, 1, "vm1", "", NULL,
				       "vfio-pci", NULL, &l, &eb), 0);
	fill(e->state, "filler");
	assert_int_equal(lease_release(&e->ctx, DEV, &eb), 0);
	assert_int_equal(lease_read(e->state, DEV, &l, NULL), -ENOENT);
	umount2(e->state, MNT_DETACH);
}

/* ------------------------------------------------ a holder killed */

static int run_cli(const char *args, char *out, size_t len)
{
	char cmd[1024];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", IOPASS_BIN, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_holder_killed_then_gc(void **state)
{
	struct env *e = *state;
	char pidfile[512], script[4 * 512], out[4096];
	pid_t holder, vmm = 0;
	struct lease l;
	FILE *f;
	int st;

	fakesys_set_driver(&e->sys, DEV, "vfio-pci");
	setenv("IOPASS_SYSFS_ROOT", e->sys.root, 1);
	setenv("IOPASS_PROCFS_ROOT", e->proc.root, 1);
	setenv("IOPASS_STATE_DIR", e->state, 1);
	snprintf(pidfile, sizeof(pidfile), "%s/vmm.pid", e->proc.root);
	snprintf(script, sizeof(script), "echo $$ > %s.new && mv %s.new %s && exec sleep 600",
		 pidfile, pidfile, pidfile);
	holder = fork();
	if (holder == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(IOPASS_BIN, "iopass", "assign", DEV, "--owner", "vm1", "--",
		      "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	/* The "VMM" is up once it wrote its pid (slow under valgrind). */
	for (int i = 0; i < 1200 && !vmm; i++) {
		f = fopen(pidfile, "r");
		if (!f || fscanf(f, "%d", &vmm) != 1)
			usleep(50000);
		if (f)
			fclose(f);
	}
	assert_true(vmm > 0);

	/* The holder dies hard; the VMM runs on with the device. */
	kill(holder, SIGKILL);
	waitpid(holder, &st, 0);
	assert_int_equal(lease_read(e->state, DEV, &l, NULL), 0);
	assert_false(lease_orphaned(e->state, &l));
	assert_int_equal(run_cli("leases", out, sizeof(out)), 0);
	assert_non_null(strstr(out, " CMD "));
	assert_int_equal(run_cli("gc", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "released 0 orphaned leases"));
	assert_int_equal(lease_read(e->state, DEV, &l, NULL), 0);

	/* Now the VMM dies too: the lease is orphaned and gc puts it back. */
	kill(vmm, SIGKILL);
	for (int i = 0; i < 200 && !lease_orphaned(e->state, &l); i++)
		usleep(20000);
	assert_true(lease_orphaned(e->state, &l));
	assert_int_equal(run_cli("leases", out, sizeof(out)), 0);
	assert_non_null(strstr(out, " GONE "));
	assert_int_equal(run_cli("gc", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "released 1 orphaned lease"));
	assert_int_equal(lease_read(e->state, DEV, &l, NULL), -ENOENT);
	assert_int_equal(run_cli("leases --json", out, sizeof(out)), 0);
	assert_null(strstr(out, DEV));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unbind_ebusy_rolls_back),
		T(test_override_ebusy_changes_nothing),
		T(test_unbind_eisdir_rolls_back),
		T(test_numvfs_ebusy),
		T(test_state_write_disk_full),
		T(test_lease_disk_full),
		T(test_holder_killed_then_gc),
	};

	/* The tmpfs mounts stay in this process's own mount namespace. */
	have_mount_ns = geteuid() == 0 && !unshare(CLONE_NEWNS) &&
			!mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
