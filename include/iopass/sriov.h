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
	char reset_method[64];	/* "flr", "pm bus", ...; "" when it has none */
};

/*
 * Every PCI function under sysfs/bus/pci/devices, sorted by address.
 * *funcs is malloc'd: free() it. A function whose identity files cannot be
 * read is an error (the tree is not a PCI sysfs); optional attributes that
 * are missing get their "unknown" values.
 */
int pci_func_scan(const char *sysfs, struct pci_func **funcs, size_t *n,
		  struct errbuf *eb);

/* A PCI address, or a network interface's PCI function; -EINVAL. */
int pci_func_resolve(const char *sysfs, const char *arg, struct pci_addr *addr,
		     struct errbuf *eb);

/* One function by address: -ENODEV when there is none. */
int pci_func_read(const char *sysfs, const struct pci_addr *addr,
		  struct pci_func *f, struct errbuf *eb);

/*
 * Resets (pci_reset.c). The kernel's reset methods for bdf ("flr",
 * "pm bus"; "reset" on kernels before 5.15, which only say that one
 * exists), "" when there is none.
 */
void pci_func_reset_method(const char *sysfs, const char *bdf, char *buf,
			   size_t len);
/* True on a root bus, where no bridge can reset the bus. */
bool pci_func_on_root_bus(const char *sysfs, const char *bdf);
/*
 * The other functions on addr's bus, sorted: a bus reset resets them too.
 * *out is malloc'd.
 */
int pci_bus_siblings(const char *sysfs, const struct pci_addr *addr,
		     struct pci_addr **out, size_t *n, struct errbuf *eb);

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
struct json_object;
/*
 * `iopass bind|unbind|restore --json`: { bdf, ok, dry_run, steps (the
 * array the steps went to, taken over), error (NULL when it worked) }.
 */
struct json_object *bind_result_json(const struct pci_addr *addr, bool dry_run,
				     struct json_object *steps, const char *error);
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
/* "write sriov_numvfs": what a step does, before its argument. */
const char *sriov_step_name(enum sriov_step step);
int sriov_plan(int current, int total, int autoprobe, int want, bool want_autoprobe,
	       int leased, struct sriov_plan *plan, struct errbuf *eb);

int sriov_apply(const char *sysfs, const struct pci_addr *pf,
		const struct sriov_plan *plan, int timeout_ms, struct errbuf *eb);

/*
 * A PF around a change of its VF count (sriov/pf.c): its function, its
 * sriov_drivers_autoprobe, and how many of its VFs are leased.
 */
struct sriov_pf {
	struct pci_func f;
	int autoprobe;
	int leased;
};

int sriov_pf_read(const char *sysfs, const char *state,
		  const struct pci_addr *addr, struct sriov_pf *pf,
		  struct errbuf *eb);
/*
 * The autoprobe setting the first enable found, so that disable puts the
 * host's own back: saved when plan changes it (never over an earlier
 * record), read (current when nothing is saved), forgotten after disable.
 */
int sriov_autoprobe_save(const char *state, const char *bdf, int current,
			 const struct sriov_plan *plan, struct errbuf *eb);
bool sriov_autoprobe_saved(const char *state, const char *bdf, int current);
void sriov_autoprobe_forget(const char *state, const char *bdf);

/*
 * The PF's lock (sriov/<bdf>.lock under the state directory), taken around
 * every change to its VFs: the count, and one VF's settings. Waits; returns
 * the fd that holds it.
 */
int sriov_pf_lock(const char *state, const char *bdf, struct errbuf *eb);

/* `iopass sriov enable PF want` (enable) or `disable PF` (want 0). */
struct sriov_change {
	const char *sysfs, *state;
	const struct pci_addr *pf;
	int want;
	bool enable, autoprobe, dry_run;
	int timeout_ms;
};

/*
 * Reads the PF, plans, saves the autoprobe record and applies, all under
 * the PF's lock, so that parallel changes end as one of them alone would
 * have. pf and plan say what was found and done (planned, for a dry run).
 * *applying: the error came from the kernel while applying (not a refusal).
 */
int sriov_vfs_change(const struct sriov_change *c, struct sriov_pf *pf,
		     struct sriov_plan *plan, bool *applying, struct errbuf *eb);

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
/* One row of `iopass list` (group -1: none); f NULL: the header row. */
void pci_func_row(const struct pci_func *f, int group, const struct pci_names *nm,
		  char *buf, size_t len);

/* ------------------------------------------------------------------------
 * VF settings over rtnetlink (vf_netlink.c) and the saved originals
 * (vf_state.c).
 *
 * A PF is named by its network interface (a BDF is resolved to one through
 * sysfs; netdevsim and other non-PCI PFs have only the interface). Changes go
 * through RTM_SETLINK IFLA_VFINFO_LIST, one field per message so that a
 * driver's refusal names the field it refused.
 */

#define VF_MAC_LEN	6
#define VF_IFNAMSIZ	16	/* IFNAMSIZ */

enum vf_vlan_proto { VF_VLAN_8021Q, VF_VLAN_8021AD };
/* Same values as IFLA_VF_LINK_STATE_*. */
enum vf_link_state { VF_LINK_AUTO, VF_LINK_ENABLE, VF_LINK_DISABLE };

/*
 * Fields of struct vf_settings as bits: in ->known (the driver reported the
 * field) and in the masks saying which fields to change. VF_FIELD_VLAN covers
 * vlan, qos and vlan_proto together (one kernel attribute).
 */
#define VF_FIELD_MAC		(1u << 0)
#define VF_FIELD_VLAN		(1u << 1)
#define VF_FIELD_SPOOFCHK	(1u << 2)
#define VF_FIELD_TRUST		(1u << 3)
#define VF_FIELD_LINK_STATE	(1u << 4)
#define VF_FIELD_MIN_RATE	(1u << 5)
#define VF_FIELD_MAX_RATE	(1u << 6)
#define VF_FIELD_ALL		0x7fu

struct vf_settings {
	int vf;			/* index under the PF */
	unsigned int known;	/* VF_FIELD_*: what the driver reported */
	uint8_t mac[VF_MAC_LEN];/* all-zero: no administrative MAC */
	uint16_t vlan;		/* 0..4095; 0: untagged */
	uint8_t qos;		/* 802.1p priority 0..7 */
	enum vf_vlan_proto vlan_proto;
	bool spoofchk;
	bool trust;
	enum vf_link_state link_state;
	uint32_t min_tx_rate;	/* Mbps; 0: no limit */
	uint32_t max_tx_rate;	/* Mbps; 0: no limit */
};

struct vf_pf {
	char ifname[VF_IFNAMSIZ];
	int ifindex;
	bool up;		/* IFF_UP */
	int num_vfs;		/* IFLA_NUM_VF; 0 when not an SR-IOV PF */
	size_t n;		/* entries in vfs (drivers may report fewer) */
	struct vf_settings *vfs;
};

/* Field names as the CLI spells them ("mac", "vlan", "spoofchk", ...). */
const char *vf_field_name(unsigned int field);
/*
 * One field's value as the CLI shows it ("02:00:00:00:00:01", "5 qos 0
 * proto 802.1Q", "on", "auto", "100"); "?" when s does not know it.
 */
void vf_field_format(unsigned int field, const struct vf_settings *s,
		     char *buf, size_t len);
/*
 * One row of `iopass vf show`'s table ("-" where the driver does not say),
 * saved: whether the originals are kept; s NULL: the header row.
 */
void vf_settings_row(const struct vf_settings *s, bool saved, char *buf, size_t len);
/* -EINVAL when want's min-rate would exceed the max-rate cur/want leave. */
int vf_rates_check(const struct vf_settings *cur, const struct vf_settings *want,
		   unsigned int mask, struct errbuf *eb);
const char *vf_vlan_proto_name(enum vf_vlan_proto p);	/* "802.1Q" */
const char *vf_link_state_name(enum vf_link_state s);	/* "auto" */

/*
 * The settings keywords of `iopass vf set` (iproute2's `ip link set PF vf N`
 * vocabulary): mac M, vlan V [qos Q] [proto 802.1Q|802.1ad], spoofchk on|off,
 * trust on|off, state auto|enable|disable, min-rate R, max-rate R. Fills the
 * fields given and *mask with their VF_FIELD_* bits; -EINVAL with a message
 * saying what is wrong and what is allowed. A pure function.
 * An all-zero MAC is accepted: it clears the administrative MAC (the state
 * most VFs start in); a multicast MAC is refused.
 */
int vf_args_parse(int argc, char *const argv[], struct vf_settings *want,
		  unsigned int *mask, struct errbuf *eb);

/* A VF's index under its PF, 0..65535; -EINVAL saying so. */
int vf_index_parse(const char *s, int *vf, struct errbuf *eb);

/*
 * A PF argument: a PCI address (anything with ':', which no interface name
 * can contain) is resolved through sysfs bus/pci/devices/BDF/net/ to its
 * first interface; anything else is taken as an interface name. -EINVAL for a
 * malformed argument, -ENODEV when the device or its interface is missing.
 */
int vf_pf_resolve(const char *sysfs, const char *arg,
		  char ifname[VF_IFNAMSIZ], struct errbuf *eb);

/*
 * The name the PF's saved records go under: its PCI address when the
 * interface sits on a PCI device, else its device's name (netdevsim10),
 * else "net-IFNAME".
 */
void vf_pf_key(const char *sysfs, const char *ifname, char *key, size_t len);

/*
 * One RTM_GETLINK (RTEXT_FILTER_VF) of the PF, by name (ifname non-NULL) or
 * by index. vf_pf_free() releases pf->vfs. -ENODEV when there is no such
 * interface.
 */
int vf_get_all(const char *ifname, int ifindex, struct vf_pf *pf,
	       struct errbuf *eb);
void vf_pf_free(struct vf_pf *pf);
/* pf's entry for VF vf, or NULL when the driver did not report it. */
const struct vf_settings *vf_pf_find(const struct vf_pf *pf, int vf);

/*
 * Whether VF vf can be changed: -ERANGE when it does not exist (the message
 * gives the valid range), -ENETDOWN when the PF is down, -ENODATA when the
 * driver does not report the VF's current settings.
 */
int vf_check(const struct vf_pf *pf, int vf, struct errbuf *eb);

/* The fields of mask whose value in want differs from cur (or is unknown). */
unsigned int vf_settings_diff(const struct vf_settings *cur,
			      const struct vf_settings *want, unsigned int mask);

/*
 * Sets the fields of mask that differ from pf's current values: vf_check()
 * first, then one RTM_SETLINK per field, EBUSY retried a few times. *changed
 * (may be NULL) gets the fields that were applied, also on failure.
 * A driver's EOPNOTSUPP/EINVAL becomes "the driver of IF does not support
 * setting X on VFs".
 */
int vf_apply(const struct vf_pf *pf, int vf, const struct vf_settings *want,
	     unsigned int mask, unsigned int *changed, struct errbuf *eb);

/* vf_get_all() + vf_apply(). */
int vf_set(const char *ifname, int vf, const struct vf_settings *want,
	   unsigned int mask, unsigned int *changed, struct errbuf *eb);

/*
 * Saved originals: state dir/vf/KEY-vfN.json holds a VF's settings from
 * before iopass first changed it. Only the first change saves; restoring
 * removes the record only when every field went back.
 */
int vf_state_name(const char *key, int vf, char *name, size_t len);
/* malloc'd JSON text of s (only its known fields); NULL without memory. */
char *vf_settings_to_json(const char *key, const char *ifname,
			  const struct vf_settings *s);
int vf_settings_from_json(const char *text, struct vf_settings *s,
			  struct errbuf *eb);

/*
 * VF settings in JSON: one codec for the saved records, `iopass vf show
 * --json` and `iopass pool list --json`, one key per field (docs/pools.md):
 * "mac", "vlan", "qos", "vlan_proto", "spoofchk", "trust", "link_state",
 * "min_tx_rate", "max_tx_rate". vf_settings_json_add() adds the fields of
 * `fields` with their values to o, and the others as null with
 * VF_JSON_NULLS (else leaves them out).
 */
#define VF_JSON_NULLS	(1u << 0)

struct json_object;
void vf_settings_json_add(struct json_object *o, const struct vf_settings *s,
			  unsigned int fields, unsigned int flags);
/*
 * The fields o has (null is absent) into s and s->known. "state" is taken
 * for "link_state" (pool list's key before both were one). -EBADMSG with
 * the key in *bad when one is malformed.
 */
int vf_settings_json_get(struct json_object *o, struct vf_settings *s,
			 const char **bad);
/*
 * A PF's VFs as `iopass vf show --json` prints them: "pf" (key), "ifname",
 * "ifindex", "up", "num_vfs", "vfs": [{"vf", the settings (null: not
 * reported), "saved": whether state holds its originals}].
 */
struct json_object *vf_pf_json(const struct vf_pf *pf, const char *key,
			       const char *state);
/* Saves cur unless a record exists: 1 saved, 0 one existed, or -errno. */
int vf_state_save(const char *dir, const char *key, const char *ifname,
		  const struct vf_settings *cur, struct errbuf *eb);
/* -ENOENT when nothing is saved. */
int vf_state_load(const char *dir, const char *key, int vf,
		  struct vf_settings *s, struct errbuf *eb);

/*
 * vf_apply() with the original saved first (under a lock on the record):
 * when saving fails nothing is changed.
 */
int vf_state_apply(const char *dir, const char *key, const struct vf_pf *pf,
		   int vf, const struct vf_settings *want, unsigned int mask,
		   unsigned int *changed, struct errbuf *eb);
/* vf_get_all() + vf_state_apply(). */
int vf_state_set(const char *dir, const char *sysfs, const char *ifname, int vf,
		 const struct vf_settings *want, unsigned int mask,
		 unsigned int *changed, struct errbuf *eb);
/*
 * Puts the saved original back and then removes the record; on any failure
 * the record stays. -ENOENT when nothing is saved.
 */
int vf_restore(const char *dir, const char *sysfs, const char *ifname, int vf,
	       unsigned int *changed, struct errbuf *eb);

/* ------------------------------------------------------------------------
 * Pools: named sets of host functions an operator sets aside for VMs,
 * described in a config file (/etc/iopass/pools.conf; format and semantics
 * in docs/pools.md). A pool is selectors (which functions belong) plus the
 * VF settings the lease code applies when it hands a member to a VM.
 * ------------------------------------------------------------------------ */

#define POOL_NAME_MAX		64	/* including the NUL */
#define POOL_LIST_MAX		32	/* values per selector key */
#define POOL_RANGES_MAX		16	/* VF index ranges per pf selector */
#define POOL_MAX		256	/* pools per file */
#define POOL_IFNAME_MAX		16	/* IFNAMSIZ */
#define POOL_DRIVER_MAX		64

/* VF indexes first..last, inclusive. */
struct pool_range {
	uint16_t first;
	uint16_t last;
};

/* "pf = 0000:01:00.0#0-3,6" or "pf = ens1": VFs of one PF. */
struct pool_pf {
	bool by_ifname;
	struct pci_addr addr;			/* when !by_ifname */
	char ifname[POOL_IFNAME_MAX];		/* when by_ifname */
	size_t nranges;				/* 0: every VF of the PF */
	struct pool_range ranges[POOL_RANGES_MAX];
};

/*
 * What a lease applies to a member VF: the fields of mask (VF_FIELD_*) with
 * their values in want, ready for vf_state_apply(). Fields outside mask keep
 * the VF's current value. With mac_auto, VF_FIELD_MAC is in mask but
 * want.mac is zero: the lease fills in a fresh locally administered address.
 */
struct pool_vf_settings {
	struct vf_settings want;
	unsigned int mask;
	bool mac_auto;
};

/*
 * Selectors: a function is a member when it passes every key that is set
 * (AND across keys) and, within one key, matches any listed value (OR).
 */
struct pool {
	char name[POOL_NAME_MAX];
	unsigned int line;		/* of its "[pool NAME]" header */
	size_t nvendors, ndevices, naddrs, ndrivers, nclasses, npfs;
	uint16_t vendors[POOL_LIST_MAX];
	uint16_t devices[POOL_LIST_MAX];
	struct pci_addr addrs[POOL_LIST_MAX];
	char drivers[POOL_LIST_MAX][POOL_DRIVER_MAX];	/* "" is "none" */
	uint8_t classes[POOL_LIST_MAX];			/* PCI base class */
	struct pool_pf pfs[POOL_LIST_MAX];
	bool vfs_only;
	struct pool_vf_settings vf;
};

struct pool_conf {
	struct pool *pools;		/* in file order */
	size_t npools;
};

/* $IOPASS_POOLS_CONF or /etc/iopass/pools.conf. */
const char *pool_conf_default_path(void);

/*
 * Parses a whole config from buf[0..len) (any bytes; no NUL needed). fname
 * only names the file in messages, which read "fname:LINE:COL: what was
 * expected". On error *conf is left empty. Free with pool_conf_free().
 */
int pool_conf_parse(const char *fname, const char *buf, size_t len,
		    struct pool_conf *conf, struct errbuf *eb);

/* Reads and parses path: -ENOENT (with a message) when it does not exist. */
int pool_conf_load(const char *path, struct pool_conf *conf,
		   struct errbuf *eb);
void pool_conf_free(struct pool_conf *conf);
const struct pool *pool_conf_find(const struct pool_conf *conf,
				  const char *name);

/* The PCI base class of a name from 'iopass list --class' or -1; and back. */
int pool_class_from_name(const char *name);
const char *pool_class_name(unsigned int base);

/* "0000:01:00.0#0-3,6" / "ens1": a pf selector as it is written. */
void pool_pf_format(const struct pool_pf *pf, char *buf, size_t len);
/*
 * A pool's selectors (" vendor=8086 pf=ens1#0-3 vfs-only") and VF settings
 * (" mac=auto vlan=100 qos=0 vlan-proto=802.1Q", " none (...)") in the
 * configuration's words, each item with a blank in front.
 */
void pool_selectors_format(const struct pool *p, char *buf, size_t len);
void pool_vf_format(const struct pool_vf_settings *vf, char *buf, size_t len);

/*
 * As JSON (sriov/pool_json.c), the formats of docs/pools.md and `iopass
 * list --json`: a pool's "name", "line", "selectors" and "vf_settings"
 * (null: left alone; "mac": "auto"); a function's "bdf", "vendor_id",
 * "device_id", "class", "driver", "numa_node", "sriov_totalvfs",
 * "sriov_numvfs", "is_vf", "physfn", "vf_index" (null when unknown or not
 * one). A front end adds what only it knows (lease status, names, groups).
 */
struct json_object *pool_json(const struct pool *p);
struct json_object *pci_func_json(const struct pci_func *f);
/* `iopass list --json`: pci_func_json() with names, IOMMU group, reset_method. */
struct json_object *pci_func_list_json(const struct pci_func *f, int group,
				       const struct pci_names *nm);
/* `iopass sriov show --json`: one PF. */
struct json_object *sriov_pf_json(const struct sriov_pf *pf);
/*
 * pool_json() with "members": the functions funcs[m[0..nm)], each with its
 * "status" (free, leased) and "owner" from the leases under state.
 */
/*
 * Where a pool member stands, as assign sees it: "free", "leased" (owner
 * filled, else ""), "broken" (a lease record that blocks it: 'iopass
 * leases' says why) or "unknown" (its record could not be read).
 */
const char *pool_member_status(const char *state, const char *bdf, char *owner,
			       size_t len);
struct json_object *pool_members_json(const char *state, const struct pool *p,
				      const struct pci_func *funcs, const size_t *m,
				      size_t nm);

/*
 * Whether f belongs to pool. sysfs resolves interface names of "pf = IFNAME"
 * selectors (sysfs/bus/pci/devices/PF/net/IFNAME). Beyond the selectors, a
 * bridge and a PF with VFs enabled are never members (see docs/pools.md).
 */
bool pool_match_func(const char *sysfs, const struct pool *pool,
		     const struct pci_func *f);

/*
 * The members of pool among funcs[0..n): *members is a malloc'd array of
 * indexes into funcs, ordered by PCI address; free() it (NULL when none).
 */
int pool_match(const char *sysfs, const struct pool *pool,
	       const struct pci_func *funcs, size_t n, size_t **members,
	       size_t *nmembers, struct errbuf *eb);

#endif
