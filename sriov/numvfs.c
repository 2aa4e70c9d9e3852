// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iopass/sriov.h"

static void add(struct sriov_plan *plan, enum sriov_step step, int arg)
{
	plan->ops[plan->n].step = step;
	plan->ops[plan->n].arg = arg;
	plan->n++;
}

const char *sriov_step_name(enum sriov_step step)
{
	static const char *const names[] = {
		[SRIOV_SET_AUTOPROBE] = "set sriov_drivers_autoprobe to",
		[SRIOV_SET_NUMVFS] = "write sriov_numvfs",
		[SRIOV_WAIT_VFS] = "wait until the VF count is",
	};

	return step <= SRIOV_WAIT_VFS ? names[step] : "?";
}

int sriov_plan(int current, int total, int autoprobe, int want, bool want_autoprobe,
	       int leased, struct sriov_plan *plan, struct errbuf *eb)
{
	plan->n = 0;
	if (total < 0)
		return errbuf_set(eb, -EINVAL, "not an SR-IOV physical function "
				  "(no sriov_totalvfs; 'iopass list --vfs' shows the PFs)");
	if (want < 0 || want > total)
		return errbuf_set(eb, -EINVAL,
				  "cannot create %d VFs: this PF supports 0 to %d",
				  want, total);
	if (want == current) {
		if (want_autoprobe != (autoprobe > 0))
			add(plan, SRIOV_SET_AUTOPROBE, want_autoprobe);
		return 0;
	}
	if (current > 0 && leased > 0)
		return errbuf_set(eb, -EBUSY,
				  "%d of the %d VFs are leased; changing the VF count "
				  "removes every VF: release them first ('iopass leases' "
				  "lists them)", leased, current);
	if (current > 0) {
		add(plan, SRIOV_SET_NUMVFS, 0);
		add(plan, SRIOV_WAIT_VFS, 0);
	}
	if (want > 0) {
		if (want_autoprobe != (autoprobe > 0))
			add(plan, SRIOV_SET_AUTOPROBE, want_autoprobe);
		add(plan, SRIOV_SET_NUMVFS, want);
		add(plan, SRIOV_WAIT_VFS, want);
	} else if (want_autoprobe != (autoprobe > 0)) {
		/* Disabling: the PF's setting back as it was before enable. */
		add(plan, SRIOV_SET_AUTOPROBE, want_autoprobe);
	}
	return 0;
}

static int count_vfs(const char *sysfs, const char *pf)
{
	char rel[128];
	int n = 0;

	for (;; n++) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/virtfn%d", pf, n);
		if (!sysfs_exists(sysfs, rel))
			return n;
	}
}

/*
 * Writing sriov_numvfs runs the PF driver's VF setup and can block for a
 * long time (or forever with a broken driver). It is done in a child so the
 * wait is bounded; a child stuck in the kernel is left to finish.
 */
static int write_numvfs(const char *sysfs, const char *pf, int count,
			int timeout_ms, struct errbuf *eb)
{
	char rel[128], val[16];
	struct pollfd pfd;
	int pipefd[2], ret = 0, err;
	pid_t pid;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_numvfs", pf);
	snprintf(val, sizeof(val), "%d", count);
	if (pipe2(pipefd, O_CLOEXEC))
		return errbuf_set(eb, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return errbuf_set(eb, err, "fork: %s", strerror(-err));
	}
	if (pid == 0) {
		err = sysfs_write_str(sysfs, rel, val);
		_exit(write(pipefd[1], &err, sizeof(err)) == sizeof(err) ? 0 : 1);
	}
	close(pipefd[1]);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) <= 0) {
		close(pipefd[0]);
		return errbuf_set(eb, -ETIMEDOUT,
				  "writing %d to %s/%s did not finish in %d ms: the PF "
				  "driver is stuck (see dmesg); it may still complete",
				  count, sysfs, rel, timeout_ms);
	}
	if (read(pipefd[0], &err, sizeof(err)) != sizeof(err))
		err = -EIO;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	if (err == -EBUSY)
		ret = errbuf_set(eb, err,
				 "the kernel refused %d VFs on %s: busy (it has %d VFs "
				 "now; the count must go through 0, or another process "
				 "changed it, or the PF driver is busy): check "
				 "'iopass sriov show %s' and try again",
				 count, pf, count_vfs(sysfs, pf), pf);
	else if (err)
		ret = errbuf_set(eb, err, "writing %d to %s/%s failed: %s%s", count,
				 sysfs, rel, strerror(-err),
				 err == -ENOMEM || err == -ERANGE ?
				 " (the PF driver or firmware could not create that many: check dmesg)" : "");
	return ret;
}

int sriov_apply(const char *sysfs, const struct pci_addr *pf,
		const struct sriov_plan *plan, int timeout_ms, struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN], rel[128];
	int ret, autoprobe = -1;	/* what this apply set it to */
	int64_t deadline;

	pci_addr_format(pf, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/sriov_drivers_autoprobe", bdf);
	for (int i = 0; i < plan->n; i++) {
		const struct sriov_op *op = &plan->ops[i];

		switch (op->step) {
		case SRIOV_SET_AUTOPROBE:
			ret = sysfs_write_str(sysfs, rel, op->arg ? "1" : "0");
			if (ret)
				return errbuf_set(eb, ret, "writing %s/%s failed: %s",
						  sysfs, rel, strerror(-ret));
			autoprobe = op->arg;
			break;
		case SRIOV_SET_NUMVFS:
			ret = write_numvfs(sysfs, bdf, op->arg, timeout_ms, eb);
			if (ret)
				goto err_autoprobe;
			break;
		case SRIOV_WAIT_VFS:
			deadline = now_ms() + timeout_ms;
			while (count_vfs(sysfs, bdf) != op->arg) {
				/* The kernel took the count: VFs may still come. */
				if (now_ms() > deadline)
					return errbuf_set(eb, -ETIMEDOUT,
							  "%s has %d VFs, not %d, after %d ms",
							  bdf, count_vfs(sysfs, bdf), op->arg,
							  timeout_ms);
				usleep(10000);
			}
			break;
		}
	}
	return 0;

err_autoprobe:
	/*
	 * The kernel refused the count: put back the autoprobe setting this
	 * apply changed (the plan only changes it from the other value). Not
	 * after a timeout: the write may still complete, with autoprobe as
	 * the caller wanted it.
	 */
	if (autoprobe >= 0 && ret != -ETIMEDOUT)
		sysfs_write_str(sysfs, rel, autoprobe ? "0" : "1");
	return ret;
}
