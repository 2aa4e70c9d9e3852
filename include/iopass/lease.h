/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leases: which PCI function is handed to whom. One JSON record per device
 * under <state>/leases/<bdf>.json, written atomically. A lease is either
 * persistent (an operator's `iopass assign`: it lasts until released) or
 * held by a process (a VMM, or `iopass assign ... -- CMD`): that process
 * holds an flock on <state>/leases/<bdf>.lock for its whole life, so when
 * it dies, however it dies, the lease is seen as orphaned and `iopass gc`
 * (or the next assignment) puts the device back as it was found.
 * Part of the sriov/ module.
 */
#ifndef IOPASS_LEASE_H
#define IOPASS_LEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "iopass/sriov.h"

struct lease {
	char bdf[PCI_ADDR_STRLEN];
	char owner[64];
	char pool[64];		/* "" when assigned by address */
	int pid;		/* the holding process; 0 when persistent */
	long long since;	/* unix time */
	char orig_driver[64];	/* "" when it had none */
	char driver[64];	/* the driver it was bound to for the lease */
	/* A VF whose network settings the lease changed (restored on release). */
	char vf_ifname[16];	/* its PF's interface; "" when untouched */
	int vf_index;
};

/* Record (de)serialisation; parsing rejects anything malformed whole. */
int lease_parse(const char *json, size_t len, struct lease *l, struct errbuf *eb);
int lease_format(const struct lease *l, char *buf, size_t len);

int lease_read(const char *state, const char *bdf, struct lease *l,
	       struct errbuf *eb);
int lease_list(const char *state, struct lease **leases, size_t *n,
	       struct errbuf *eb);

/* An owner: 1-63 printable characters, no blank, quote or backslash. */
bool lease_owner_valid(const char *owner);

/* A process-held lease whose holder is gone. */
bool lease_orphaned(const char *state, const struct lease *l);

/*
 * Who holds l: nobody by design (persistent), its process, the command
 * that process ran (`iopass assign -- CMD` whose iopass is gone while CMD
 * still holds the lock), or nobody any more (orphaned: `iopass gc`). text
 * (may be NULL): "persistent", "pid N", "pid N CMD", "pid N GONE".
 */
enum lease_holder { LEASE_PERSISTENT, LEASE_HELD, LEASE_HELD_BY_CMD, LEASE_GONE };
enum lease_holder lease_holder(const char *state, const struct lease *l,
				char *text, size_t len);

struct lease_ctx {
	struct bind_ctx bind;	/* sysfs, procfs, state, flags, steps */
};

/*
 * Takes the first candidate that is not leased and not in use by the host,
 * records the lease, binds it to `driver`, and checks its IOMMU group is
 * viable; on any failure everything is undone and no record is left.
 * hold_fd: when non-NULL the lease is held by this process (*hold_fd keeps
 * the lock; close it only after releasing). -EBUSY: no candidate is free.
 */
/*
 * vf: the pool's VF settings (NULL: none). A VF of a network PF always gets
 * spoof checking on unless the pool says otherwise; its original settings
 * are saved first and put back on release.
 */
int lease_acquire(const struct lease_ctx *ctx, const struct pci_addr *cands,
		  size_t n, const char *owner, const char *pool,
		  const struct pool_vf_settings *vf, const char *driver,
		  int *hold_fd, struct lease *out, struct errbuf *eb);

/* Resets the device, gives it back to its original driver, drops the record. */
int lease_release(const struct lease_ctx *ctx, const char *bdf, struct errbuf *eb);

/*
 * Records that cannot be read as a lease (empty, truncated, not JSON, too
 * big, a symlink or not a regular file, naming another device, a name that
 * is not a PCI address): each blocks its device until removed, so they are
 * listed, never skipped in silence. lease_read() says the same of one.
 */
struct lease_broken {
	char bdf[64];		/* the record's name without ".json" */
	char why[1200];		/* "lease record PATH is broken: WHAT" */
	bool removed;		/* by orch_gc() when asked to */
};

int lease_list_broken(const char *state, struct lease_broken **out, size_t *n,
		      struct errbuf *eb);

/*
 * Removes the broken record of bdf (and its lock file), leaving the device
 * where it is, unless a live process holds its lock (-EBUSY). -EEXIST: the
 * record is not broken (release it instead); -ENOENT: there is none.
 * lease_release() with BIND_FORCE does this for a broken record.
 */
int lease_drop_broken(const struct lease_ctx *ctx, const char *bdf, struct errbuf *eb);

struct json_object;
/*
 * An entry of 'iopass leases --json': l (orphaned: its holder is gone), or
 * the broken record b (bdf, a null owner, "broken": what is wrong).
 */
struct json_object *lease_json(const struct lease *l, const struct lease_broken *b,
			       bool orphaned);

/* Releases every orphaned lease; *released counts them. */
int lease_gc(const struct lease_ctx *ctx, int *released, struct errbuf *eb);

#endif
