/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * orch/: what `iopass vm run` needs around the VMM itself. A VM description
 * file (the same options as the command line, one per line), the registry of
 * running VMs under the state directory (a record, a lock the VMM holds while
 * it lives, a control socket), and the choice of a datapath for each NIC.
 */
#ifndef IOPASS_ORCH_H
#define IOPASS_ORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "iopass/util.h"

/* ---- VM description file --------------------------------------------------
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
struct vm_conf_key {
	const char *name;
	bool has_value;		/* else a flag */
};

/*
 * Turns the file into argv words ("--kernel", "/srv/vm/bzImage", "--daemon")
 * for the command's own option parser, keys checked against keys[nkeys].
 * *argv is malloc'd (NULL-terminated; free with vm_conf_free). Errors name
 * the file and line: -ENOENT, -EINVAL (unknown key, bad flag value, bad
 * syntax), -E2BIG (over 1 MiB or 4096 lines).
 */
int vm_conf_parse(const char *text, const char *file,
		  const struct vm_conf_key *keys, size_t nkeys,
		  int *argc, char ***argv, struct errbuf *eb);
int vm_conf_load(const char *path, const struct vm_conf_key *keys,
		 size_t nkeys, int *argc, char ***argv, struct errbuf *eb);
void vm_conf_free(int argc, char **argv);

/* ---- registry of running VMs ----------------------------------------------
 *
 * <state>/vms/NAME.json   what runs (name, pid, start time, details)
 * <state>/vms/NAME.lock   flock'd by the VMM for its whole life
 * <state>/vms/NAME.sock   its control socket ("status", "stop")
 */
#define VM_NAME_MAX	48

/* Letters, digits, '-', '_', '.', not starting with '.'; 1..VM_NAME_MAX. */
bool vm_name_valid(const char *name);

struct vm_entry {
	char name[VM_NAME_MAX + 1];
	pid_t pid;
	long long started;	/* Unix time */
	bool alive;		/* its lock is held */
	char *details;		/* the JSON record as written (free()) */
};

/*
 * Claims NAME for this process: -EEXIST (saying which pid runs it) when a
 * live VM has it, else writes the record (details: a JSON object's members,
 * may be NULL) and returns the lock fd (>= 0) that this process keeps until
 * vm_registry_remove().
 */
int vm_registry_add(const char *state, const char *name, const char *details,
		    struct errbuf *eb);
/* Rewrites the record of the VM this process registered (new details). */
int vm_registry_update(const char *state, const char *name,
		       const char *details, struct errbuf *eb);
void vm_registry_remove(const char *state, const char *name, int lock_fd);
int vm_registry_list(const char *state, struct vm_entry **out, size_t *n,
		     struct errbuf *eb);
void vm_registry_free(struct vm_entry *e, size_t n);
/* Records whose VMM died (lock free): removed; returns how many. */
int vm_registry_gc(const char *state, bool dry_run, char ***names, size_t *n);

/*
 * The control socket. The server runs a thread that answers one line per
 * connection: "status" -> handler's JSON, "stop" -> calls stop(opaque) and
 * answers "ok". The client sends one line and reads the answer.
 */
struct vm_control;
int vm_control_start(const char *state, const char *name,
		     void (*stop)(void *opaque),
		     int (*status)(void *opaque, char *buf, size_t len),
		     void *opaque, struct vm_control **out, struct errbuf *eb);
void vm_control_stop(struct vm_control *c);
int vm_control_send(const char *state, const char *name, const char *cmd,
		    char *reply, size_t len, int timeout_ms,
		    struct errbuf *eb);

/* ---- where a NIC's traffic goes ------------------------------------------ */

enum nic_path {
	NIC_PATH_NONE,
	NIC_PATH_VF,		/* an SR-IOV VF from the pool, assigned */
	NIC_PATH_VMDQ,		/* a hardware queue pool on the pool's NIC */
	NIC_PATH_VHOST_USER,	/* a port on iopass-switch */
};

const char *nic_path_name(enum nic_path p);

/* What was found out about each path, in order of preference. */
struct nic_paths {
	bool vf_free;		/* a VF of the pool could be leased */
	char vf_why[160];	/* why not, when not */
	bool vmdq;		/* the pool's NIC has free VMDq pools */
	char vmdq_why[160];
	bool vhost_user;	/* iopass-switch runs or can be started */
	char vhost_why[160];
};

/*
 * The first usable path and one sentence saying why it was chosen (and why
 * the better ones were not); NIC_PATH_NONE with the reasons when none is.
 */
enum nic_path nic_path_choose(const struct nic_paths *p, char *why,
			      size_t len);

/*
 * --nic pool:NAME[,mac=MAC][,vlan=ID]   a NIC placed by nic_path_choose
 * --nic vhost-user:PATH[,mac=MAC]       a vhost-user backend given directly
 */
#define NIC_POOL_MAX	64

struct nic_spec {
	bool is_pool;
	char pool[NIC_POOL_MAX];
	char path[4096];	/* vhost-user socket */
	bool has_mac;
	uint8_t mac[6];
	int vlan;		/* -1: none; 1..4094 */
};

int nic_spec_parse(const char *s, struct nic_spec *out, struct errbuf *eb);

#endif
