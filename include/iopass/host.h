/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host/: the host as an operator runs it. `iopass host check` (is this
 * host ready for device assignment, and what exactly to change where it is
 * not), `iopass host apply` (the host's devices as one file declares them:
 * VF counts, VF settings, driver bindings, pools; re-applied at boot by
 * iopass-host.service) and `iopass metrics` (host-side state in the
 * Prometheus text format).
 */
#ifndef IOPASS_HOST_H
#define IOPASS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "iopass/sriov.h"
#include "iopass/util.h"

/*
 * Where the host is read from: "/sys", "/proc", "/dev" on a host; fake trees
 * in unit tests ($IOPASS_SYSFS_ROOT, $IOPASS_PROCFS_ROOT, $IOPASS_DEV_ROOT).
 */
struct host_env {
	const char *sysfs;
	const char *procfs;
	const char *dev;
	const char *state;	/* iopass's state directory */
	const char *pools;	/* the pools file (may not exist) */
};

void host_env_default(struct host_env *env);

/* ---- host check ----------------------------------------------------------- */

enum host_level { HOST_OK, HOST_WARN, HOST_FAIL };

const char *host_level_name(enum host_level l);	/* "ok", "warn", "fail" */

struct host_finding {
	char check[48];		/* "iommu", "group-12", "reset-0000:00:02.0" */
	enum host_level level;
	char title[96];		/* what is checked, in a few words */
	char seen[768];		/* what was found */
	char fix[768];		/* what to change ("" when ok) */
};

struct host_report {
	struct host_finding *f;
	size_t n;
	size_t count[3];	/* by level */
};

struct host_check_opts {
	/* The guest RAM a VM will pin for DMA: RLIMIT_MEMLOCK is judged by it. */
	uint64_t vm_mem;
};

/*
 * Runs every check against env; findings in a fixed order (platform, IOMMU,
 * VFIO, KVM, memory, then per group, PF and device). -ENOMEM only: an
 * unreadable part of the host is a finding, not an error.
 */
int host_check(const struct host_env *env, const struct host_check_opts *opts,
	       struct host_report *rep, struct errbuf *eb);
void host_report_free(struct host_report *rep);

/* For the checks (host/check_*.c): adds a finding; fix may be NULL. */
int host_report_add(struct host_report *rep, const char *check,
		    enum host_level level, const char *title, const char *seen,
		    const char *fix);

/* ---- small readers shared by the checks ------------------------------------ */

/* The words of /proc/cmdline; *value is NULL for a bare word. */
bool host_cmdline_has(const char *procfs, const char *key, char *value,
		      size_t len);
/* Whether /sys/module/NAME exists (loaded, or built in with parameters). */
bool host_module_loaded(const char *sysfs, const char *name);

#endif
