/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sriov/: the host's PCI functions as the kernel shows them in sysfs —
 * discovery (this part), SR-IOV PF/VF creation, VF settings over rtnetlink,
 * driver binding, pools and leases.
 */
#ifndef IOPASS_SRIOV_H
#define IOPASS_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

struct pci_func {
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	uint16_t vendor;
	uint16_t device;
	uint16_t subsys_vendor;
	uint16_t subsys_device;
	uint32_t class;		/* base class, subclass, prog-if */
	char driver[64];	/* "" when no driver is bound */
	int numa_node;		/* -1 when unknown */
	int sriov_total;	/* -1 when not an SR-IOV PF */
	int sriov_num;
	bool is_vf;
	struct pci_addr pf;	/* valid when is_vf */
	int vf_index;		/* index under its PF, -1 when unknown */
};

/*
 * Every PCI function under sysfs/bus/pci/devices, sorted by address.
 * *funcs is malloc'd: free() it. A function whose identity files cannot be
 * read is an error (the tree is not a PCI sysfs); optional attributes that
 * are missing get their "unknown" values.
 */
int pci_func_scan(const char *sysfs, struct pci_func **funcs, size_t *n,
		  struct errbuf *eb);

/* One function by address: -ENODEV when there is none. */
int pci_func_read(const char *sysfs, const struct pci_addr *addr,
		  struct pci_func *f, struct errbuf *eb);

/*
 * Does the host still need this function? True, with the reason, when one
 * of its network interfaces is up with addresses or routes, one of its block
 * devices (or a partition) is mounted, used as swap or held by another block
 * device (LVM, RAID), or a sibling in its IOMMU group is in use. procfs is
 * "/proc" on a host; interface addresses are read only on a real host.
 */
bool pci_func_in_use(const char *sysfs, const char *procfs,
		     const struct pci_addr *addr, char *reason, size_t len);

/*
 * Driver binding through driver_override + unbind + drivers_probe (never
 * new_id, which is global and racy). The first change to a function records
 * its original driver in the state directory so that pci_driver_restore()
 * can put it back. A function the host still needs (pci_func_in_use) is
 * refused unless BIND_FORCE. A failed bind is rolled back to the driver the
 * function had. step(), when given, is told each action as it happens (or,
 * with BIND_DRY_RUN, each action that would happen; nothing changes).
 */
#define BIND_FORCE	(1u << 0)
#define BIND_DRY_RUN	(1u << 1)

struct bind_ctx {
	const char *sysfs;
	const char *procfs;
	const char *state;	/* state directory */
	unsigned int flags;
	void (*step)(void *opaque, const char *what);
	void *opaque;
};

int pci_driver_bind(const struct bind_ctx *ctx, const struct pci_addr *addr,
		    const char *driver, struct errbuf *eb);
int pci_driver_unbind(const struct bind_ctx *ctx, const struct pci_addr *addr,
		      struct errbuf *eb);
int pci_driver_restore(const struct bind_ctx *ctx, const struct pci_addr *addr,
		       struct errbuf *eb);
/* The recorded original driver: 0 and "" for none, -ENOENT when no record. */
int pci_driver_original(const char *state, const struct pci_addr *addr,
			char *driver, size_t len);

/*
 * SR-IOV VF creation. sriov_numvfs only moves through 0 (the kernel refuses
 * N -> M), so a change of count is two steps; VFs that are leased are never
 * dropped; new VFs are not probed by host drivers unless asked
 * (sriov_drivers_autoprobe = 0), so nothing on the host grabs them.
 * sriov_plan() is the pure state machine, sriov_apply() carries a plan out.
 */
enum sriov_step {
	SRIOV_SET_AUTOPROBE,	/* arg: 0 or 1 */
	SRIOV_SET_NUMVFS,	/* arg: the count to write */
	SRIOV_WAIT_VFS,		/* arg: the count of virtfn links to wait for */
};

struct sriov_op {
	enum sriov_step step;
	int arg;
};

#define SRIOV_MAX_OPS	6

struct sriov_plan {
	struct sriov_op ops[SRIOV_MAX_OPS];
	int n;
};

/*
 * current/total/autoprobe as read from sysfs; leased: how many of the
 * current VFs have leases, highest index first matters: any leased VF
 * blocks a change that would remove it (every change below current removes
 * VFs, as the count goes through 0). -EINVAL / -EBUSY with a message.
 */
int sriov_plan(int current, int total, int autoprobe, int want, bool want_autoprobe,
	       int leased, struct sriov_plan *plan, struct errbuf *eb);

int sriov_apply(const char *sysfs, const struct pci_addr *pf,
		const struct sriov_plan *plan, int timeout_ms, struct errbuf *eb);

/*
 * Human names from the pci.ids database (libpci). Each buffer gets a name
 * or, when the database does not know it, the hex ID.
 */
struct pci_names {
	char vendor[128];
	char device[192];
	char class[96];
};

struct pci_namedb;
struct pci_namedb *pci_namedb_open(void);
void pci_namedb_lookup(struct pci_namedb *db, const struct pci_func *f,
		       struct pci_names *names);
void pci_namedb_close(struct pci_namedb *db);

#endif
