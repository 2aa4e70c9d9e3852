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
/* { "findings": [{ check, level, title, seen, fix }], "summary": { ok, warn, fail } } */
struct json_object *host_report_json(const struct host_report *rep);

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


/* ---- host apply: the declared host ---------------------------------------
 *
 * One file (docs/host.md) declares what the host's devices should look like:
 *
 *   [sriov 0000:01:00.0]      # or [sriov ens1]: a PF and its VF count
 *   vfs = 4
 *   autoprobe = no            # host drivers do not grab new VFs (default)
 *   link = up                 # the PF's interface up (VF settings need it)
 *
 *   [vf ens1#0-1]             # VFs of a PF: `iopass vf set` settings, a driver
 *   vlan = 100
 *   spoofchk = on
 *   driver = vfio-pci
 *
 *   [bind 0000:00:02.0]       # a function by address, or every function
 *   driver = vfio-pci         # with these ids: [bind 8086:10ca]
 *
 *   [pool nvme-vfs]           # pools, as in pools.conf (docs/pools.md)
 *   pf = 0000:00:03.0
 *
 * host_conf_parse() checks the whole file (errors "FILE:LINE: ..."); the
 * plan (host_plan_make) compares it with the host as observed; apply
 * carries the plan out in order, verifies, and undoes every step on failure.
 */
struct host_pf_ref {
	bool by_ifname;
	struct pci_addr addr;
	char ifname[16];
};

struct host_sriov {
	unsigned int line;
	struct host_pf_ref pf;
	int vfs;
	bool autoprobe;
	bool link_up;		/* link = up */
};

struct host_vf {
	unsigned int line;
	struct host_pf_ref pf;
	size_t nranges;		/* 0: every VF of the PF */
	struct pool_range ranges[POOL_RANGES_MAX];
	struct vf_settings want;
	unsigned int mask;	/* VF_FIELD_* the section sets */
	char driver[64];	/* "" when the section binds nothing */
	bool force;
};

struct host_bind {
	unsigned int line;
	bool by_id;		/* vendor:device, else addr */
	struct pci_addr addr;
	uint16_t vendor, device;
	char driver[64];	/* "none": no driver */
	bool force;
};

struct host_conf {
	char file[256];
	struct host_sriov *sriov;
	size_t nsriov;
	struct host_vf *vf;
	size_t nvf;
	struct host_bind *bind;
	size_t nbind;
	char *pools;		/* the pools file to write; NULL: no [pool] sections */
	size_t npools;
};

int host_conf_parse(const char *fname, const char *buf, size_t len,
		    struct host_conf *conf, struct errbuf *eb);
int host_conf_load(const char *path, struct host_conf *conf, struct errbuf *eb);
void host_conf_free(struct host_conf *conf);
/* "0000:01:00.0" or "ens1". */
void host_pf_ref_format(const struct host_pf_ref *pf, char *buf, size_t len);

/* ---- the host as it is ---------------------------------------------------- */

#define HOST_WHY_MAX	160

struct host_obs_pf {
	char bdf[PCI_ADDR_STRLEN];
	char ifname[16];	/* "" without a network interface */
	int autoprobe;
	bool up;
	uint16_t vf_device;	/* sriov_vf_device: what new VFs will be */
	bool have_nl;		/* nl holds the VFs' settings */
	struct vf_pf nl;
};

struct host_obs {
	struct pci_func *funcs;
	size_t n;
	char (*held)[HOST_WHY_MAX];	/* per function: "" or why it is in use */
	struct host_obs_pf *pfs;	/* one per SR-IOV PF in funcs */
	size_t npfs;
	char *pools;			/* the pools file as it is; NULL: none */
};

/*
 * Reads the host: PCI functions, SR-IOV PFs (with their VFs' settings over
 * rtnetlink where the PF is a NIC), the pools file, and what holds each
 * function: a lease, a running VM's record, or a process with its VFIO
 * group open.
 */
int host_observe(const struct host_env *env, struct host_obs *obs,
		 struct errbuf *eb);
void host_obs_free(struct host_obs *obs);

/* ---- the plan ------------------------------------------------------------- */

enum host_action {
	HOST_SET_VFS,		/* VF count and autoprobe of a PF */
	HOST_LINK_UP,		/* a PF's interface up */
	HOST_SET_VF,		/* settings of one VF over rtnetlink */
	HOST_BIND,		/* a function's driver */
	HOST_WRITE_POOLS,	/* the pools file */
};

struct host_step {
	enum host_action action;
	unsigned int line;		/* of the section asking for it */
	char pf[PCI_ADDR_STRLEN];	/* SET_VFS, LINK_UP, SET_VF; BIND of a VF */
	char ifname[16];		/* LINK_UP, SET_VF */
	int vf;				/* SET_VF; BIND of a VF; else -1 */
	char bdf[PCI_ADDR_STRLEN];	/* BIND: "" for a VF not created yet */
	int vfs, old_vfs;		/* SET_VFS */
	bool autoprobe, old_autoprobe;
	struct vf_settings want, old;	/* SET_VF: fields in mask */
	unsigned int mask;
	bool old_known;			/* SET_VF: old holds the VF's values */
	char driver[64], old_driver[64];/* BIND ("none" / "": no driver) */
	bool force;
	char what[256];			/* the step, for people */
};

struct host_plan {
	struct host_step *steps;
	size_t n;
};

/*
 * What it takes to make obs as conf declares, in order: VF counts, PF links,
 * then per [vf] section each VF's settings and driver, the [bind] sections,
 * the pools file. VFs a count change creates are planned from what the PF
 * says they will be (sriov_vf_device). -EBUSY when a step would touch a
 * function that is held (a lease, a VM, an open VFIO group; a VF count
 * change touches every VF of its PF), -EINVAL when the file asks for what
 * the host cannot have (a VF that does not exist, settings on a PF without
 * a network interface, one function declared with two drivers), -ENODEV
 * when a PF named in the file is not there; each says which line.
 */
int host_plan_make(const struct host_conf *conf, const struct host_obs *obs,
		   struct host_plan *plan, struct errbuf *eb);
void host_plan_free(struct host_plan *plan);

/* ---- apply ---------------------------------------------------------------- */

struct host_apply_ctx {
	const struct host_env *env;
	bool dry_run;		/* plan only */
	/* Told the plan once it is made, before anything changes. */
	void (*planned)(void *opaque, const struct host_plan *plan);
	/* Told each step as it is done ("done"), undone ("undone") or not. */
	void (*report)(void *opaque, const char *verb, const struct host_step *s,
		       const char *detail);
	void *opaque;
};

/*
 * Makes the host as conf declares: plans, carries the plan out (VF counts
 * first, then the rest planned again against the host with its new VFs),
 * observes again and checks nothing is left to do. On any failure every
 * step done is undone in reverse order (VF counts, settings and drivers as
 * they were), the error says what failed and what the rollback did, and the
 * return is -EIO; the plan's refusals, before anything changed, return
 * host_plan_make's errors. *changed: steps done (0: already as declared).
 */
int host_apply(const struct host_apply_ctx *ctx, const struct host_conf *conf,
	       size_t *changed, struct errbuf *eb);

/* ---- metrics -------------------------------------------------------------- */

/*
 * The host-side state in the Prometheus text format (iopass metrics): leases
 * per pool and owner, VMs, SR-IOV VFs per PF and driver, pool sizes, host
 * check's findings. Appends to p.
 */
int host_metrics(const struct host_env *env, struct prom *p, struct errbuf *eb);

#endif
