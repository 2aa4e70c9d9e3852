// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm run --nic pool:NAME: which datapath a NIC gets, and giving it back.
 *
 * The VF is tried first, as a lease that fails quietly when the pool has
 * nothing free: the lease itself is the test, so two VMs asking for the last
 * VF at once cannot both get it, and the loser falls back. The switch's own
 * counters then say whether its uplink sorts frames in hardware (VMDq) or
 * in software; either way the guest's NIC is a vhost-user port, named after
 * the VMM's pid and owned through an flock so that `iopass gc` can delete
 * the ports of a VMM that was killed.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iopass/sriov.h"
#include "iopass/state.h"
#include "iopass/vmdq.h"
#include "commands.h"
#include "vm_leases.h"
#include "vm_nics.h"
#include "vm_run.h"

#define SWITCH_TIMEOUT_MS	10000
#define PORTS_DIR		"vhost"

int vm_nics_parse(struct vm_nics *nics, const char *arg)
{
	struct vm_nic *nic;
	struct errbuf eb = { "" };
	int ret;

	if (nics->n == VM_NICS_MAX) {
		cli_error("vm run: more than %d --nic options", VM_NICS_MAX);
		return EXIT_USAGE;
	}
	nic = &nics->nic[nics->n];
	memset(nic, 0, sizeof(*nic));
	nic->arg = arg;
	nic->port_lock = -1;
	nic->pool = !strncmp(arg, "pool:", 5);
	if (nic->pool)
		ret = nic_spec_parse(arg, &nic->spec, &eb);
	else
		ret = vm_nic_parse(arg, &nic->cfg, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	nic->path = nic->pool ? NIC_PATH_NONE : NIC_PATH_VHOST_USER;
	nics->n++;
	return 0;
}

/* ---- the VF ------------------------------------------------------------ */

/* 0: leased into nic->bdf; -EBUSY: none free (why in p); else exit code. */
static int vm_nic_try_vf(struct vm_nic *nic, struct vm_leases *leases,
			 struct nic_paths *p)
{
	struct pool_vf_settings over = { .mask = 0 };
	char rel[64], class[16] = "";
	int ret;

	if (nic->spec.has_mac) {
		memcpy(over.want.mac, nic->spec.mac, 6);
		over.mask |= VF_FIELD_MAC;
	}
	if (nic->spec.vlan > 0) {
		over.want.vlan = (uint16_t)nic->spec.vlan;
		over.mask |= VF_FIELD_VLAN;
	}
	ret = vm_leases_lease(leases, nic->spec.pool, NULL, &over, p->vf_why,
			      sizeof(p->vf_why), nic->bdf);
	if (ret)
		return ret;
	p->vf_free = true;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/class", nic->bdf);
	/* A NIC pool of non-network VFs is a set-up mistake worth a word. */
	if (!sysfs_read_str(sysfs_default_root(), rel, class, sizeof(class)) &&
	    strncmp(class, "0x02", 4))
		fprintf(stderr, "iopass: note: %s (class %s) is not a network controller; the guest gets it as it is\n",
			nic->bdf, class);
	return 0;
}

/* ---- iopass-switch ------------------------------------------------------ */

/* `iopass switch start` with $IOPASS_SWITCH_START_ARGS; 0 or -errno. */
static int vm_switch_spawn(char *why, size_t len)
{
	char self[PATH_MAX], *args[64], *words = NULL, *w, *save = NULL;
	const char *extra = getenv("IOPASS_SWITCH_START_ARGS");
	sigset_t none;
	ssize_t r;
	int na = 0, status;
	pid_t pid;

	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r < 0)
		return -errno;
	self[r] = '\0';
	args[na++] = self;
	args[na++] = "switch";
	args[na++] = "start";
	if (extra && *extra) {
		words = strdup(extra);
		if (!words)
			return -ENOMEM;
		for (w = strtok_r(words, " \t", &save); w && na < 63;
		     w = strtok_r(NULL, " \t", &save))
			args[na++] = w;
	}
	args[na] = NULL;
	fprintf(stderr, "iopass: starting iopass-switch (iopass switch start%s%s)\n",
		extra && *extra ? " " : "", extra && *extra ? extra : "");
	pid = fork();
	if (pid < 0) {
		free(words);
		return -errno;
	}
	if (!pid) {
		/* Nothing of the VMM's: no devices, locks or blocked signals. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		close_range(3, ~0U, 0);
		execv(self, args);
		_exit(127);
	}
	free(words);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	snprintf(why, len, "iopass-switch did not start ('iopass switch start' exited with %d; its messages are above)",
		 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -ECHILD;
}

/* The switch's "switch" record (started when none runs). */
static int vm_switch_stats(const char *ctl, struct nic_paths *p,
			   char *classifier, size_t clen, unsigned int *ports,
			   unsigned int *max_pools, unsigned int *hw_free)
{
	struct errbuf eb = { "" };
	char **lines = NULL;
	size_t n = 0;
	int ret, lock;

	ret = switch_call(ctl, "stats", SWITCH_TIMEOUT_MS, &lines, &n, &eb);
	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		/* One VMM starts it; the others wait, then find it running. */
		lock = state_mkdir(state_default_dir(), PORTS_DIR, &eb);
		if (!lock)
			lock = state_lock(state_default_dir(),
					  PORTS_DIR "/switch.start.lock", true,
					  &eb);
		if (lock < 0) {
			/* The reason is one sentence of a table: cut to fit. */
			snprintf(p->vhost_why, sizeof(p->vhost_why), "%.*s",
				 (int)sizeof(p->vhost_why) - 1, eb.msg);
			return lock;
		}
		ret = switch_call(ctl, "stats", SWITCH_TIMEOUT_MS, &lines, &n,
				  &eb);
		if (ret == -ENOENT || ret == -ECONNREFUSED) {
			ret = vm_switch_spawn(p->vhost_why, sizeof(p->vhost_why));
			if (!ret)
				ret = switch_call(ctl, "stats", SWITCH_TIMEOUT_MS,
						  &lines, &n, &eb);
		}
		close(lock);
	}
	if (ret) {
		if (!p->vhost_why[0])
			snprintf(p->vhost_why, sizeof(p->vhost_why),
				 "iopass-switch at %.*s: %.*s",
				 (int)sizeof(p->vhost_why) / 2 - 20, ctl,
				 (int)sizeof(p->vhost_why) / 2 - 1, eb.msg);
		return ret;
	}
	ret = -EPROTO;
	for (size_t i = 0; i < n; i++) {
		struct switch_kv kv[SWITCH_MAX_KV];
		const char *type, *v;
		unsigned int nkv;

		if (switch_kv_split(lines[i], &type, kv, SWITCH_MAX_KV, &nkv) ||
		    strcmp(type, "switch"))
			continue;
		v = switch_kv_get(kv, nkv, "classifier");
		snprintf(classifier, clen, "%s", v ? v : "?");
		v = switch_kv_get(kv, nkv, "ports");
		*ports = v ? (unsigned int)strtoul(v, NULL, 10) : 0;
		v = switch_kv_get(kv, nkv, "max_pools");
		*max_pools = v ? (unsigned int)strtoul(v, NULL, 10) : 0;
		v = switch_kv_get(kv, nkv, "hw_free");
		*hw_free = v ? (unsigned int)strtoul(v, NULL, 10) : 0;
		ret = 0;
	}
	switch_lines_free(lines, n);
	if (ret)
		snprintf(p->vhost_why, sizeof(p->vhost_why),
			 "iopass-switch at %s gave no 'switch' record", ctl);
	return ret;
}

/* What the switch can give: p->vmdq and p->vhost_user, with reasons. */
static void vm_switch_paths(const char *ctl, struct nic_paths *p)
{
	char classifier[32];
	unsigned int ports = 0, max_pools = 0, hw_free = 0;

	if (vm_switch_stats(ctl, p, classifier, sizeof(classifier), &ports,
			    &max_pools, &hw_free)) {
		snprintf(p->vmdq_why, sizeof(p->vmdq_why), "no iopass-switch");
		return;
	}
	if (max_pools && ports >= max_pools) {
		snprintf(p->vhost_why, sizeof(p->vhost_why),
			 "iopass-switch has all its %u ports in use", max_pools);
		snprintf(p->vmdq_why, sizeof(p->vmdq_why), "no pool left");
		return;
	}
	p->vhost_user = true;
	/* The port add says for sure (another VM may take the last NIC pool
	 * first): vm_nic_place() looks at its backend= again. */
	if (!strcmp(classifier, "hardware") && hw_free)
		p->vmdq = true;
	else if (!strcmp(classifier, "hardware"))
		snprintf(p->vmdq_why, sizeof(p->vmdq_why), "iopass-switch: %s",
			 vmdq_why_text(VMDQ_WHY_FULL));
	else
		snprintf(p->vmdq_why, sizeof(p->vmdq_why),
			 "iopass-switch's uplink has no VMDq, it sorts frames in software");
}

static void vm_nic_mac(struct vm_nic *nic)
{
	if (nic->spec.has_mac) {
		memcpy(nic->cfg.mac, nic->spec.mac, 6);
	} else {
		if (getrandom(nic->cfg.mac, 6, 0) != 6)
			memcpy(nic->cfg.mac, &(uint8_t[6]){ 0, 0, 0, 0, 0, 1 }, 6);
		/* Unicast, locally administered. */
		nic->cfg.mac[0] = (uint8_t)((nic->cfg.mac[0] & 0xfe) | 0x02);
	}
	nic->cfg.mac_set = true;
}

/*
 * A port of our own: its owner lock first, so gc never takes a live one.
 * *hardware: the switch put its pool in a NIC pool (VMDq), else *why not.
 */
static int vm_nic_add_port(struct vm_nic *nic, int idx, const char *ctl,
			   bool *hardware, enum vmdq_why *why)
{
	struct errbuf eb = { "" };
	char req[SWITCH_LINE_MAX], owner[64], mac[18], **lines = NULL;
	size_t n = 0;
	int ret;

	snprintf(nic->port, sizeof(nic->port), "vm%d-nic%d", (int)getpid(), idx);
	snprintf(owner, sizeof(owner), PORTS_DIR "/%s.owner", nic->port);
	ret = state_mkdir(state_default_dir(), PORTS_DIR, &eb);
	if (!ret)
		ret = state_lock(state_default_dir(), owner, false, &eb);
	if (ret < 0) {
		cli_error("--nic %s: %s", nic->arg, eb.msg);
		nic->port[0] = '\0';
		return cli_exit_code(ret);
	}
	nic->port_lock = ret;
	vm_nic_mac(nic);
	vf_mac_format(nic->cfg.mac, mac);
	if (nic->spec.vlan > 0)
		snprintf(req, sizeof(req), "port add %s mac=%s vlan=%d",
			 nic->port, mac, nic->spec.vlan);
	else
		snprintf(req, sizeof(req), "port add %s mac=%s", nic->port, mac);
	ret = switch_call(ctl, req, SWITCH_TIMEOUT_MS, &lines, &n, &eb);
	for (size_t i = 0; !ret && i < n; i++) {
		struct switch_kv kv[SWITCH_MAX_KV];
		const char *type, *path;
		unsigned int nkv;

		if (switch_kv_split(lines[i], &type, kv, SWITCH_MAX_KV, &nkv) ||
		    strcmp(type, "port"))
			continue;
		if ((path = switch_kv_get(kv, nkv, "path")))
			snprintf(nic->cfg.socket, sizeof(nic->cfg.socket), "%s",
				 path);
		path = switch_kv_get(kv, nkv, "backend");
		*hardware = path && !strcmp(path, "hardware");
		path = switch_kv_get(kv, nkv, "why");
		*why = vmdq_why_parse(path);
	}
	switch_lines_free(lines, n);
	if (!ret && !nic->cfg.socket[0])
		ret = errbuf_set(&eb, -EPROTO, "the switch did not say the port's socket");
	if (ret) {
		cli_error("--nic %s: adding port %s to iopass-switch: %s",
			  nic->arg, nic->port, eb.msg);
		state_remove(state_default_dir(), owner);
		close(nic->port_lock);
		nic->port_lock = -1;
		nic->port[0] = '\0';
		return ret == -EEXIST || ret == -ENOSPC ? EXIT_USAGE : EXIT_FAIL;
	}
	return 0;
}

/* ---- placing ----------------------------------------------------------- */

static int vm_nic_place(struct vm_nic *nic, int idx, struct vm_leases *leases,
			struct vm_devices *devs)
{
	struct nic_paths p = { .vf_free = false };
	char ctl[SWITCH_PATH_MAX];
	enum vmdq_why why = VMDQ_WHY_NONE;
	bool hardware = false;
	int ret;

	ret = vm_nic_try_vf(nic, leases, &p);
	if (ret && ret != -EBUSY)
		return ret;
	if (!p.vf_free) {
		switch_default_ctl(ctl, sizeof(ctl));
		vm_switch_paths(ctl, &p);
	}
	nic->path = nic_path_choose(&p, nic->why, sizeof(nic->why));
	switch (nic->path) {
	case NIC_PATH_VF:
		fprintf(stderr, "iopass: nic%d %s: vf %s (%s)\n", idx, nic->arg,
			nic->bdf, nic->why);
		/* Already leased and on vfio-pci: assigned as a --device. */
		return vm_add_device(devs, nic->bdf);
	case NIC_PATH_VMDQ:
	case NIC_PATH_VHOST_USER:
		ret = vm_nic_add_port(nic, idx, ctl, &hardware, &why);
		if (ret)
			return ret;
		/* What the switch did decides: a VMDq pool or a port it
		 * classifies in software, and why. */
		if (hardware != (nic->path == NIC_PATH_VMDQ)) {
			p.vmdq = hardware;
			if (!hardware)
				snprintf(p.vmdq_why, sizeof(p.vmdq_why),
					 "iopass-switch: %s", vmdq_why_text(why));
			nic->path = nic_path_choose(&p, nic->why, sizeof(nic->why));
		}
		fprintf(stderr, "iopass: nic%d %s: %s port %s on iopass-switch, socket %s (%s)\n",
			idx, nic->arg, nic->path == NIC_PATH_VMDQ ?
			"vmdq pool," : "vhost-user", nic->port, nic->cfg.socket,
			nic->why);
		return 0;
	case NIC_PATH_NONE:
	default:
		cli_error("--nic %s: no datapath: %s", nic->arg, nic->why);
		return EXIT_USAGE;
	}
}

int vm_nics_place(struct vm_nics *nics, struct vm_leases *leases,
		  struct vm_devices *devs)
{
	for (int i = 0; i < nics->n; i++) {
		int ret;

		if (!nics->nic[i].pool)
			continue;
		ret = vm_nic_place(&nics->nic[i], i, leases, devs);
		if (ret)
			return ret;
	}
	return 0;
}

/* Backend events of a running VM's NICs (the NIC's own thread). */
static void vm_nic_log(void *opaque, const char *msg)
{
	(void)opaque;
	cli_error("%s", msg);
}

int vm_nics_add(struct vm *vm, struct vm_nics *nics)
{
	struct errbuf eb = { "" };

	for (int i = 0; i < nics->n; i++) {
		struct vm_nic *nic = &nics->nic[i];

		if (nic->path != NIC_PATH_VHOST_USER && nic->path != NIC_PATH_VMDQ)
			continue;
		nic->cfg.log = vm_nic_log;
		if (vm_nic_add(vm, &nic->cfg, &eb)) {
			cli_error("%s", eb.msg);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static void vm_port_delete(const char *name)
{
	char req[SWITCH_LINE_MAX], ctl[SWITCH_PATH_MAX], **lines = NULL;
	struct errbuf eb = { "" };
	size_t n = 0;
	int ret;

	switch_default_ctl(ctl, sizeof(ctl));
	snprintf(req, sizeof(req), "port del %s", name);
	ret = switch_call(ctl, req, SWITCH_TIMEOUT_MS, &lines, &n, &eb);
	switch_lines_free(lines, n);
	/* A switch that is gone took its ports with it. */
	if (ret && ret != -ENOENT && ret != -ECONNREFUSED)
		cli_error("deleting port %s of iopass-switch: %s", name, eb.msg);
}

void vm_nics_release(struct vm_nics *nics)
{
	char owner[64];

	for (int i = nics->n - 1; i >= 0; i--) {
		struct vm_nic *nic = &nics->nic[i];

		if (!nic->port[0])
			continue;
		vm_port_delete(nic->port);
		snprintf(owner, sizeof(owner), PORTS_DIR "/%s.owner", nic->port);
		state_remove(state_default_dir(), owner);
		close(nic->port_lock);
		nic->port_lock = -1;
		nic->port[0] = '\0';
	}
}

json_object *vm_nics_json(const struct vm_nics *nics)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < nics->n; i++) {
		const struct vm_nic *nic = &nics->nic[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "spec", json_object_new_string(nic->arg));
		json_object_object_add(o, "path",
			json_object_new_string(nic_path_name(nic->path)));
		if (nic->pool)
			json_object_object_add(o, "why",
				json_object_new_string(nic->why));
		if (nic->path == NIC_PATH_VF)
			json_object_object_add(o, "bdf",
				json_object_new_string(nic->bdf));
		if (nic->port[0])
			json_object_object_add(o, "port",
				json_object_new_string(nic->port));
		if (nic->cfg.socket[0])
			json_object_object_add(o, "socket",
				json_object_new_string(nic->cfg.socket));
		json_object_array_add(arr, o);
	}
	return arr;
}

int vm_nics_gc(bool dry_run, char ***names, size_t *n)
{
	const char *state = state_default_dir();
	char **owners = NULL, **dead;
	size_t count = 0, k = 0;
	int ret;

	*names = NULL;
	*n = 0;
	ret = state_list(state, PORTS_DIR, ".owner", &owners, &count);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	dead = calloc(count + 1, sizeof(*dead));
	if (!dead) {
		state_list_free(owners, count);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		char rel[PATH_MAX], port[SWITCH_NAME_MAX];
		size_t len = strlen(owners[i]) - strlen(".owner");
		int fd = -1;

		if (len >= sizeof(port))
			continue;
		memcpy(port, owners[i], len);
		port[len] = '\0';
		snprintf(rel, sizeof(rel), PORTS_DIR "/%s", owners[i]);
		if (dry_run ? state_lock_held(state, rel) :
		    (fd = state_lock(state, rel, false, NULL)) < 0)
			continue;
		if (!dry_run) {
			vm_port_delete(port);
			state_remove(state, rel);
			close(fd);
		}
		dead[k] = strdup(port);
		if (dead[k])
			k++;
	}
	state_list_free(owners, count);
	*names = dead;
	*n = k;
	return (int)k;
}
