/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * orch/: runs VMs. The one API that `iopass` (cli/), a VM's control socket
 * and fleet agents (a Kubernetes device plugin) call; it links the VMM
 * (vmm/), device assignment (vfio/), SR-IOV, pools and leases (sriov/) and
 * iopass-switch's client (virtio-vhost-user/).
 *
 *   struct orch_ctx      where things are (state directory, sysfs, pool
 *                        configuration, iopass-switch) and who hears what
 *                        happens along the way
 *   struct orch_vm       one VM: create takes its name, devices and NICs and
 *                        builds it; run; stop; destroy gives everything back
 *                        as it was found
 *   orch_nic_*           a NIC's datapath: a VF of its pool, else a VMDq
 *                        queue pool of iopass-switch's uplink, else a
 *                        vhost-user port on iopass-switch
 *   orch_lease*          the devices a VM holds: pool members and functions
 *                        borrowed from their host driver
 *   orch_switch_*        starting and stopping iopass-switch
 *   orch_vms_*           the VMs under the state directory, by name
 *   orch_gc              what dead VMMs held: leases, VM records, ports
 *   orch_registry_*,     a running VM's record and lock, and its control
 *   orch_control_*       socket (the JSON protocol of docs/vm.md)
 *   orch_conf_*          the VM description file
 *
 * Every call returns 0 (or what it says it returns) or -errno, and then
 * fills its errbuf with one line naming the cause and the fix;
 * orch_err_fixable() says whether that is the caller's to fix. Nothing here
 * prints.
 */
#ifndef IOPASS_ORCH_H
#define IOPASS_ORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "iopass/lease.h"
#include "iopass/util.h"
#include "iopass/vhost.h"
#include "iopass/vmm.h"

/* ==== context ============================================================ */

enum orch_event {
	ORCH_EVENT_INFO,	/* what was chosen or done, one line */
	ORCH_EVENT_STEP,	/* one step of binding, leasing or releasing */
	/* A failure the call went on after. One line, but for a switch that
	 * did not start: then its log's last lines follow, one per line. */
	ORCH_EVENT_WARN,
	/* iopass-switch was started: "switch started: pid N, control P, log L" */
	ORCH_EVENT_SWITCH_STARTED,
};

struct orch_leases;
struct orch_switch_opts;

/*
 * Where things are. orch_ctx_init() fills it from the environment; a caller
 * may then point any of it elsewhere (the unit tests use fake trees). The
 * strings must outlive every call, and every VM created, with the context.
 */
struct orch_ctx {
	const char *state;	/* state directory: $IOPASS_STATE_DIR, /run/iopass */
	const char *sysfs;	/* $IOPASS_SYSFS_ROOT or /sys */
	const char *procfs;	/* $IOPASS_PROCFS_ROOT or /proc */
	const char *pools;	/* $IOPASS_POOLS_CONF or /etc/iopass/pools.conf */
	const char *switch_ctl;	/* iopass-switch's control socket; NULL:
				 * <state>/switch.sock */
	/*
	 * How a NIC starts iopass-switch when none answers at switch_ctl;
	 * NULL: it is never started (the NIC then has no vhost-user path).
	 */
	const struct orch_switch_opts *switch_start;
	/*
	 * What happens along the way, one line at a time; NULL: nobody hears
	 * it. Called from the caller's thread and, while a VM runs, from its
	 * NICs' threads (a backend lost and found again).
	 */
	void (*event)(void *opaque, enum orch_event kind, const char *msg);
	void *opaque;
};

void orch_ctx_init(struct orch_ctx *ctx);

/*
 * True for the errors that are the caller's to fix: a bad request, or a
 * host that cannot do what was asked (no /dev/kvm, not enough memory, no
 * IOMMU, a device not on vfio-pci or in use, nothing free in a pool,
 * RLIMIT_MEMLOCK, no datapath for a NIC, a name taken). The message says
 * what to change. Anything else failed on the way. (`iopass vm run` exits
 * 2 for the first kind and 1 for the other.)
 */
bool orch_err_fixable(int err);

/* ==== a VM =============================================================== */

#define ORCH_DEVICES_MAX	16
#define ORCH_NICS_MAX		VMM_NICS_MAX
#define ORCH_VM_NAME_MAX	48

/*
 * What to run. Devices and NICs are given as on the command line
 * (docs/vm.md):
 *   device  BDF[,irq=relay][,vf_token=UUID]   a function on vfio-pci
 *           pool:NAME[,irq=relay]             the first free member of a pool
 *           vfio-user:PATH[,irq=relay]        a device served by a process
 *   nic     pool:NAME[,mac=MAC][,vlan=ID]     placed by orch_nic_place()
 *           vhost-user:PATH[,mac=MAC][,server]   a backend as given
 * The strings are the caller's and must live until orch_vm_create()
 * returns; the VM keeps copies.
 */
struct orch_vm_config {
	/*
	 * The VMM's own part (vmm.h): kernel, RAM, CPUs, COM1. With
	 * vm.kernel NULL there is no VMM: the instance only takes its devices
	 * and places its NICs, and holds them for a VMM of someone else's
	 * until it is destroyed (what a device plugin hands on: the paths in
	 * orch_vm_describe()).
	 */
	struct vm_config vm;
	/* <state>/vms/NAME: `iopass vm list` shows it; NULL: anonymous. */
	const char *name;
	/* COM1's output to this file (created, truncated); NULL: vm's fd. */
	const char *console;
	/* With a name and no console: COM1 to <state>/vms/NAME.log. */
	bool console_log;
	const char *device[ORCH_DEVICES_MAX];
	unsigned int ndevices;
	/* A device BDF on a host driver is borrowed for the VM's life. */
	bool return_borrowed;
	const char *nic[ORCH_NICS_MAX];
	unsigned int nnics;
	/*
	 * The NUMA node of guest RAM and vCPUs (`vm run --numa N`); -1
	 * (orch_vm_config_init): the node of its devices, on a host of more
	 * than one node.
	 */
	int numa;
};

void orch_vm_config_init(struct orch_vm_config *cfg);

/*
 * orch/numa.c: where a VM goes. want >= 0: that node (-EINVAL when the host
 * has none such); else the node most of the devices bdfs[0..n) are on ("":
 * none, a vfio-user device), when the host has more than one. node -1: no
 * placement.
 */
struct orch_numa {
	int node;
	cpu_set_t cpus;		/* the node's CPUs */
	char why[96];
	bool span;		/* the devices are on more than one node */
	char devices[512];	/* with span: "BDF on node N, ..." */
};

int orch_numa_pick(const char *sysfs, int want, const char *const *bdfs,
		   unsigned int n, struct orch_numa *out, struct errbuf *eb);
/*
 * Appends a device or a NIC after checking it: well formed, not given
 * twice, room left. -EINVAL / -EBUSY (twice) / -E2BIG (too many), nothing
 * appended. orch_vm_create() checks all of them again.
 */
int orch_vm_config_add_device(struct orch_vm_config *cfg, const char *spec,
			      struct errbuf *eb);
int orch_vm_config_add_nic(struct orch_vm_config *cfg, const char *spec,
			   struct errbuf *eb);
/* Letters, digits, '-', '_', '.', not starting with '.' or '-'. */
bool orch_vm_name_valid(const char *name);

struct orch_vm;

/*
 * Builds the VM, in this order: its name registered (a live VM of that
 * name: -EEXIST), its console opened, the VMM's VM created (RAM, CPUs,
 * kernel), each pool: NIC placed (a VF leased, or a port added to
 * iopass-switch, started when needed), each device taken (pool members
 * leased, borrowed functions bound to vfio-pci) and attached with guest RAM
 * mapped for its DMA, the vhost-user NICs connected, the control socket
 * opened. Each choice is an ORCH_EVENT_INFO. On any failure everything
 * taken is given back, in the order of orch_vm_destroy(), and nothing is
 * left. ctx is copied; what it points to must outlive the VM.
 *
 * SIGINT and SIGTERM should be blocked by the caller from here to the end
 * of orch_vm_destroy(): orch_vm_run() takes them (vm_run), and a signal in
 * between then stops the VM instead of killing a process holding devices.
 */
int orch_vm_create(const struct orch_ctx *ctx, const struct orch_vm_config *cfg,
		   struct orch_vm **out, struct errbuf *eb);
/*
 * Runs the guest until it stops (vm_run: *exit says how; SIGINT and
 * SIGTERM stop it). Without a VMM: waits until orch_vm_stop() (or a stop on
 * the control socket), and *exit is VM_EXIT_STATUS 0.
 */
int orch_vm_run(struct orch_vm *v, struct vm_exit *exit, struct errbuf *eb);
/* Asks a running VM to stop, from any thread (the control socket's too). */
void orch_vm_stop(struct orch_vm *v);
/*
 * Gives everything back, however far create got: the control socket
 * closed; the devices reset and unmapped while the VM still exists; the
 * leases released (VF settings restored, original drivers); the VM freed;
 * then the switch ports its NICs had deleted (their frontends are gone);
 * the name last (`vm stop` waits for it, so for all of this). Every failure
 * is an ORCH_EVENT_WARN as it happens and teardown goes on; the first is
 * returned. NULL is allowed.
 */
int orch_vm_destroy(struct orch_vm *v, struct errbuf *eb);

/* COM1's file when create opened one (--console, the daemon's log); -1. */
int orch_vm_console_fd(const struct orch_vm *v);
/*
 * What the VM is, as JSON (malloc'd; NULL without memory): what its control
 * socket answers to "status" and its record holds (docs/vm.md):
 *   { "name", "pid", "started", "state", "kernel", "mem", "cpus",
 *     "devices": [ { "spec", "bdf" | "socket", "pool", "guest" } ],
 *     "nics": [ { "spec", "path", "why", "bdf" | "port", "socket", "mac" } ] }
 */
char *orch_vm_describe(const struct orch_vm *v);

/* ==== the VMs under the state directory ================================== */

struct orch_vm_entry {
	char name[ORCH_VM_NAME_MAX + 1];
	pid_t pid;
	long long started;	/* Unix time */
	bool alive;		/* its VMM holds its lock */
	/*
	 * What it is, as JSON: its control socket's "status" when it is alive
	 * and answers, else its record (free with orch_vms_free()).
	 */
	char *details;
};

int orch_vms_list(const struct orch_ctx *ctx, struct orch_vm_entry **out,
		  size_t *n, struct errbuf *eb);
void orch_vms_free(struct orch_vm_entry *e, size_t n);
/* The entries' details as a JSON array, each with "alive". */
struct json_object;
struct json_object *orch_vms_json(const struct orch_vm_entry *e, size_t n);
/*
 * For a table: how long e has run ("12m05s", "3h07m", "-" when dead) and
 * what it holds ("0000:01:00.2 nic0=vf:0000:01:00.3", "-" for nothing).
 */
void orch_vm_entry_text(const struct orch_vm_entry *e, char *uptime, size_t ulen,
			char *what, size_t wlen);
/*
 * Asks VM name to stop through its control socket (SIGTERM to its VMM when
 * the socket does not answer) and waits up to timeout_s until its VMM has
 * given everything back. -ENOENT: no such VM; -ESRCH: its VMM died (`iopass
 * gc` collects it); -ETIMEDOUT: still running.
 */
int orch_vm_stop_named(const struct orch_ctx *ctx, const char *name,
		       int timeout_s, struct errbuf *eb);

/*
 * `vm run --daemon` (orch/daemon.c). orch_daemon_fork() returns 0 in the
 * child, which goes on with its stderr on a pipe (*pipe_wr) to the parent;
 * the parent relays what the child writes there to its own stderr until the
 * child calls orch_daemon_ready() (then: the child's pid) or ends (then
 * -ECHILD, *status its exit status, 1 when it had none); -errno when the
 * fork fails. orch_daemon_ready() points the child's stderr at log_fd
 * (stdout, /dev/null, when log_fd < 0).
 */
int orch_daemon_fork(int *pipe_wr, int *status, struct errbuf *eb);
void orch_daemon_ready(int *pipe_wr, int log_fd);

/* ==== what dead VMMs held ================================================ */

struct orch_gc_result {
	int leases;		/* released (dry run: would be) */
	char **vms;		/* records removed, by name */
	size_t nvms;
	char **ports;		/* iopass-switch ports deleted */
	size_t nports;
	struct lease_broken *broken;	/* broken lease records found (removed?) */
	size_t nbroken;
};

/*
 * Every lease whose holder is gone released (reset, VF settings restored,
 * original driver), then the records of VMs whose VMM died (once their
 * devices are back), then the switch ports their NICs had. Each collector
 * runs whatever the one before found; the first error is returned. Holders
 * are told apart by their flocks, never by pids. dry_run: nothing changes,
 * res says what would.
 */
/*
 * broken: also remove the broken lease records (lease_drop_broken()); they
 * are listed in res either way.
 */
int orch_gc(const struct orch_ctx *ctx, bool dry_run, bool broken,
	    struct orch_gc_result *res, struct errbuf *eb);
void orch_gc_result_free(struct orch_gc_result *res);

/* ==== NICs =============================================================== */

enum orch_nic_path {
	ORCH_NIC_NONE,
	ORCH_NIC_VF,		/* an SR-IOV VF from the pool, assigned */
	ORCH_NIC_VMDQ,		/* a hardware queue pool of the switch's uplink */
	ORCH_NIC_VHOST_USER,	/* a port on iopass-switch, or a backend given */
};

const char *orch_nic_path_name(enum orch_nic_path p);	/* "vf", ... */

/* What was found out about each path, best first. */
struct orch_nic_paths {
	bool vf_free;		/* a VF of the pool was leased */
	char vf_why[160];	/* why not, when not */
	bool vmdq;		/* the switch's uplink sorts frames in hardware */
	char vmdq_why[160];
	bool vhost_user;	/* iopass-switch runs (or was started), ports left */
	char vhost_why[160];
};

/*
 * The first usable path and one sentence saying why it was chosen (and why
 * the better ones were not); ORCH_NIC_NONE with every reason when none is.
 */
enum orch_nic_path orch_nic_path_choose(const struct orch_nic_paths *p,
					char *why, size_t len);

/*
 * The one --nic grammar:
 *   pool:NAME[,mac=MAC][,vlan=ID]          ID 1..4094
 *   vhost-user:PATH[,mac=MAC][,server]     PATH up to VMM_NIC_PATH_MAX bytes
 * MAC unicast and not zero. -EINVAL saying what is wrong.
 */
struct orch_nic_spec {
	bool is_pool;
	char pool[POOL_NAME_MAX];
	bool has_mac;
	uint8_t mac[6];
	int vlan;			/* -1: none */
	struct vmm_nic_config vhost;	/* vhost-user: socket, mac, server */
};

int orch_nic_parse(const char *s, struct orch_nic_spec *out, struct errbuf *eb);

/* A NIC of a VM, and where it was placed. */
struct orch_nic {
	char arg[VMM_NIC_PATH_MAX + 64];	/* as given */
	struct orch_nic_spec spec;
	enum orch_nic_path path;
	char why[768];			/* pool: why this path */
	char bdf[PCI_ADDR_STRLEN];	/* ORCH_NIC_VF: the VF leased */
	char port[SWITCH_NAME_MAX];	/* a port added to iopass-switch */
	int port_lock;			/* holds <state>/vhost/PORT.owner */
	struct vmm_nic_config cfg;	/* the backend the VMM connects to */
};

/* Parses spec into nic (path ORCH_NIC_VHOST_USER for vhost-user:). */
int orch_nic_init(struct orch_nic *nic, const char *spec, struct errbuf *eb);
/*
 * Places a pool: NIC (idx: its number in the VM, part of its port's
 * name): a VF of the pool leased into leases (the lease is the test: of
 * two VMs after the last VF one gets it and the other falls back), else a
 * port on iopass-switch, which says whether its uplink has VMDq; the switch
 * is started (once, under a lock, however many VMs ask) when none answers
 * and ctx->switch_start allows. One ORCH_EVENT_INFO says what and why.
 * -ENODEV: no datapath (every reason in eb).
 */
int orch_nic_place(const struct orch_ctx *ctx, struct orch_nic *nic, int idx,
		   struct orch_leases *leases, struct errbuf *eb);
/* Deletes the switch port the NIC got (after its frontend is gone). */
void orch_nic_release(const struct orch_ctx *ctx, struct orch_nic *nic);

/* ==== leases a VM holds ================================================== */

struct orch_lease {
	char bdf[PCI_ADDR_STRLEN];
	char pool[POOL_NAME_MAX];	/* "" when borrowed by address */
	int hold_fd;			/* the flock that holds it */
};

/*
 * Devices held by this process (its flocks), so that a VMM killed with
 * SIGKILL leaves leases `iopass gc` finds and releases.
 */
struct orch_leases {
	char owner[64];		/* "vm:NAME", or "vm:pidN" */
	struct orch_lease *lease;
	size_t n;
	bool gc_done;		/* dead holders' leases given back once */
};

void orch_leases_init(struct orch_leases *l, const char *vm_name);
/*
 * Leases the first free member of pool (pool != NULL: with the pool's VF
 * settings, over's fields replacing them; over may be NULL) or the function
 * at bdf (borrowed from its host driver, with the safety checks of `iopass
 * bind`), bound to vfio-pci; out names it. Leases of dead holders are given
 * back first. -EBUSY: nothing free (eb says why); -EINVAL: no such pool.
 */
int orch_lease_take(const struct orch_ctx *ctx, struct orch_leases *l,
		    const char *pool, const char *bdf,
		    const struct pool_vf_settings *over, char out[PCI_ADDR_STRLEN],
		    struct errbuf *eb);
/*
 * `iopass assign`: the first free member of pool `what` (its VF settings)
 * or the function at `what`, bound to driver, for owner; flags are
 * BIND_FORCE, BIND_DRY_RUN. Leases of dead holders are given back first
 * (not in a dry run). hold_fd NULL: a persistent lease; else held by this
 * process (*hold_fd keeps it: close it only after releasing).
 */
int orch_lease_assign(const struct orch_ctx *ctx, const char *what,
		      const char *owner, const char *driver, unsigned int flags,
		      int *hold_fd, struct lease *out, struct errbuf *eb);
/*
 * Every lease back, newest first (reset, VF settings restored, original
 * driver). One that fails is an ORCH_EVENT_WARN and stays held until this
 * process exits, for `iopass gc` to retry; the first failure is returned.
 */
int orch_leases_release(const struct orch_ctx *ctx, struct orch_leases *l,
			struct errbuf *eb);
/*
 * `iopass assign ... -- CMD`: runs argv with the lease l held (by the
 * command too: hold_fd is inherited, so a killed caller leaves it held
 * while the command runs) and IOPASS_BDF / IOPASS_OWNER in its
 * environment, then releases it. The command's exit status (128 + signal
 * when killed; 127 when it cannot be run, said on its stderr as a shell
 * would), or -errno when there was no fork or the release failed.
 */
int orch_lease_run(const struct orch_ctx *ctx, const struct lease *l,
		   int hold_fd, char **argv, struct errbuf *eb);
/*
 * `iopass release --owner`: every lease of owner released (flags:
 * BIND_FORCE, BIND_DRY_RUN); *released (malloc'd) names those that were.
 * A failure is an ORCH_EVENT_WARN and the others go on; the first is
 * returned. -ENOENT: owner has no leases.
 */
int orch_leases_release_owner(const struct orch_ctx *ctx, const char *owner,
			      unsigned int flags, char ***released, size_t *nrel,
			      struct errbuf *eb);
/*
 * What `iopass assign` and a VM lease from: the members of pool `what` in
 * the pool configuration (*pool_name malloc'd, *vf its VF settings), or the
 * one function at `what` when it is a PCI address (*pool_name NULL).
 * *cands is malloc'd. -EINVAL: neither (or a configuration that does not
 * load); -EIO: sysfs unreadable.
 */
int orch_lease_candidates(const struct orch_ctx *ctx, const char *what,
			  struct pci_addr **cands, size_t *n, char **pool_name,
			  struct pool_vf_settings *vf, struct errbuf *eb);
/* The sriov/ lease context for ctx: its roots, flags, steps as events. */
struct lease_ctx orch_lease_ctx(const struct orch_ctx *ctx, unsigned int flags);

/* ==== iopass-switch ====================================================== */

#define ORCH_SWITCH_PORTS_MAX	64
#define ORCH_SWITCH_ARGS_MAX	128

/* How to start iopass-switch (`iopass switch start --help` says more). */
struct orch_switch_opts {
	const char *bin;	/* NULL: $IOPASS_SWITCH_BIN, else iopass-switch
				 * beside the running program */
	const char *uplink;	/* a PCI address or a DPDK vdev; NULL: none */
	const char *lcores;	/* NULL: "0,1" */
	unsigned int mem_mb;	/* 0: 512 */
	bool no_huge;		/* else huge pages when they fit */
	const char *classifier;	/* auto|software|hardware; NULL: auto */
	const char *max_pools;	/* NULL: the switch's own */
	const char *hw_pools;	/* at most this many in NIC (VMDq) pools; NULL: all */
	bool lossless;
	const char *metrics;	/* ADDR:PORT for /metrics; NULL: none */
	const char *ports[ORCH_SWITCH_PORTS_MAX];	/* at start */
	unsigned int nports;
	const char *prefix;	/* DPDK --file-prefix; NULL: iopass-switch-PID */
	const char *log;	/* NULL: <state>/switch.log */
	unsigned int wait_s;	/* for its first answer; 0: 60 */
	char *const *eal;	/* more EAL options */
	unsigned int neal;
};

/* The command line that runs it (strings in the struct). */
struct orch_switch_cmd {
	char bin[4096];
	char ctl[SWITCH_PATH_MAX];
	char mem[16];
	char prefix[64];
	char lcores[32];	/* "0@A,1@B" on the uplink's node; "" */
	char *argv[ORCH_SWITCH_ARGS_MAX];
};

/*
 * The command for o (at ctx's control socket), the state directory created
 * when the socket is under it. -ENOENT: no iopass-switch binary.
 */
int orch_switch_cmd(const struct orch_ctx *ctx, const struct orch_switch_opts *o,
		    struct orch_switch_cmd *cmd, struct errbuf *eb);

struct orch_switch_info {
	int pid;
	char ctl[SWITCH_PATH_MAX];
	char log[4096];
};

/*
 * Starts iopass-switch in the background (its own session, output to its
 * log) and waits until it answers on its control socket. -EEXIST: a switch
 * answers there already. After fork: -ECHILD, it exited before answering
 * (eb quotes its log's last lines); -ETIMEDOUT, it did not answer within
 * wait_s and was stopped. The other errors leave nothing started.
 */
int orch_switch_start(const struct orch_ctx *ctx, const struct orch_switch_opts *o,
		      struct orch_switch_info *info, struct errbuf *eb);
/* "stop", then waits (15 s) until the switch has closed its socket. */
int orch_switch_stop(const struct orch_ctx *ctx, struct errbuf *eb);

/* ==== running VMs: records, locks, control sockets ======================= */

/*
 * <state>/vms/NAME.json   what runs (name, pid, start time, details)
 * <state>/vms/NAME.lock   flock'd by the VMM for its whole life
 * <state>/vms/NAME.sock   its control socket
 *
 * orch_registry_add() claims NAME for this process: -EEXIST (saying which
 * pid runs it) when a live VM has it, else writes the record (details: a
 * JSON object's members, may be NULL) and returns the lock fd (>= 0) kept
 * until orch_registry_remove().
 */
int orch_registry_add(const char *state, const char *name, const char *details,
		      struct errbuf *eb);
/* Rewrites the record of the VM this process registered (new details). */
int orch_registry_update(const char *state, const char *name,
			 const char *details, struct errbuf *eb);
void orch_registry_remove(const char *state, const char *name, int lock_fd);
/* The records as written (details: the whole record), alive or not. */
int orch_registry_list(const char *state, struct orch_vm_entry **out,
		       size_t *n, struct errbuf *eb);
/* Records whose VMM died (lock free): removed; returns how many. */
int orch_registry_gc(const char *state, bool dry_run, char ***names,
		     size_t *n);

/*
 * The control socket: one JSON request per connection, one JSON answer
 * (docs/vm.md).
 *   {"request": "status"}   ->  {"ok": true, "vm": <orch_vm_describe()>}
 *   {"request": "stop"}     ->  {"ok": true}   (the VM is stopping)
 *   anything else           ->  {"ok": false, "errno": N, "error": "..."}
 * A bare word ("status") stands for {"request": "status"}. The server is a
 * thread calling stop() and describe() (orch_vm_stop(), orch_vm_describe()
 * for a VM of orch_vm_create()).
 */
struct orch_control;

int orch_control_start(const char *state, const char *name,
		       void (*stop)(void *opaque),
		       char *(*describe)(void *opaque), void *opaque,
		       struct orch_control **out, struct errbuf *eb);
void orch_control_stop(struct orch_control *c);
/*
 * Sends {"request": request} to VM name and returns its answer (*reply,
 * malloc'd JSON text) when "ok" is true; an answer that says false is its
 * -errno with its error in eb. -ENOENT/-ECONNREFUSED: nothing listens.
 */
int orch_control_call(const char *state, const char *name, const char *request,
		      char **reply, int timeout_ms, struct errbuf *eb);

/* ==== the VM description file ============================================
 *
 *   # a comment
 *   name    = web1
 *   kernel  = /srv/vm/bzImage
 *   mem     = 1G
 *   device  = 0000:03:00.0
 *   nic     = pool:uplink,vlan=100
 *   daemon  = yes
 *
 * A key is a long option of `iopass vm run` without its dashes; a key may
 * repeat where the option may (device, nic). A flag takes yes/no/true/false
 * (or no value). Values run to the end of the line, surrounding blanks
 * dropped; "..." quotes keep them.
 */
struct orch_conf_key {
	const char *name;
	bool has_value;		/* else a flag */
};

/*
 * Turns the file into argv words ("--kernel", "/srv/vm/bzImage", "--daemon")
 * for the command's own option parser, keys checked against keys[nkeys].
 * *argv is malloc'd (NULL-terminated; free with orch_conf_free). Errors name
 * the file and line: -ENOENT, -EINVAL (unknown key, bad flag value, bad
 * syntax), -E2BIG (over 1 MiB or 4096 lines).
 */
int orch_conf_parse(const char *text, const char *file,
		    const struct orch_conf_key *keys, size_t nkeys,
		    int *argc, char ***argv, struct errbuf *eb);
int orch_conf_load(const char *path, const struct orch_conf_key *keys,
		   size_t nkeys, int *argc, char ***argv, struct errbuf *eb);
void orch_conf_free(int argc, char **argv);
/*
 * argv with the words of the file at path first, so that the command line
 * wins for single options and adds to repeatable ones: *nargv (malloc'd) is
 * argv[0], the file's words, argv[1..]. After parsing, free *nargv, then
 * the file's words with orch_conf_free(*nconf, *conf).
 */
int orch_conf_argv(const char *path, const struct orch_conf_key *keys,
		   size_t nkeys, int argc, char **argv, int *nargc,
		   char ***nargv, int *nconf, char ***conf, struct errbuf *eb);

#endif
