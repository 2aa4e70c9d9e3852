// SPDX-License-Identifier: GPL-2.0-only
/*
 * Placing a NIC given as pool:NAME, and giving its datapath back.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "iopass/sriov.h"
#include "iopass/state.h"
#include "iopass/vmdq.h"

#include "orch_impl.h"

int orch_nic_init(struct orch_nic *nic, const char *arg, struct errbuf *eb)
{
	int ret;

	memset(nic, 0, sizeof(*nic));
	nic->port_lock = -1;
	if (strlen(arg) >= sizeof(nic->arg))
		return errbuf_set(eb, -EINVAL, "--nic '%.64s...': longer than %zu bytes",
				  arg, sizeof(nic->arg) - 1);
	snprintf(nic->arg, sizeof(nic->arg), "%s", arg);
	ret = orch_nic_parse(arg, &nic->spec, eb);
	if (ret)
		return ret;
	if (!nic->spec.is_pool) {
		nic->cfg = nic->spec.vhost;
		nic->path = ORCH_NIC_VHOST_USER;
	}
	return 0;
}

/* ---- the VF ------------------------------------------------------------ */

/* 0: leased into nic->bdf; -EBUSY: none free (why in p); else -errno. */
static int nic_try_vf(const struct orch_ctx *ctx, struct orch_nic *nic,
		      struct orch_leases *leases, struct orch_nic_paths *p,
		      struct errbuf *eb)
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
	ret = orch_lease_take(ctx, leases, nic->spec.pool, NULL, &over,
			      nic->bdf, eb);
	if (ret == -EBUSY) {
		snprintf(p->vf_why, sizeof(p->vf_why), "%.*s",
			 (int)sizeof(p->vf_why) - 1, eb->msg);
		return -EBUSY;
	}
	if (ret)
		return ret;
	p->vf_free = true;
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/class", nic->bdf);
	/* A NIC pool of non-network VFs is a set-up mistake worth a word. */
	if (!sysfs_read_str(ctx->sysfs, rel, class, sizeof(class)) &&
	    strncmp(class, "0x02", 4))
		orch_event(ctx, ORCH_EVENT_INFO,
			   "note: %s (class %s) is not a network controller; the guest gets it as it is",
			   nic->bdf, class);
	return 0;
}

/* ---- iopass-switch ------------------------------------------------------ */

/* ctx->switch_start, announced, its failure said in full (an event). */
static int nic_switch_spawn(const struct orch_ctx *ctx, char *why, size_t len)
{
	struct orch_switch_info info;
	struct errbuf eb = { "" };
	int ret;

	if (!ctx->switch_start) {
		snprintf(why, len, "no iopass-switch runs, and this VMM may not start one");
		return -ENOENT;
	}
	orch_event(ctx, ORCH_EVENT_INFO, "starting iopass-switch for a NIC");
	ret = orch_switch_start(ctx, ctx->switch_start, &info, &eb);
	if (!ret) {
		orch_event(ctx, ORCH_EVENT_SWITCH_STARTED,
			   "switch started: pid %d, control %s, log %s", info.pid,
			   info.ctl, info.log);
		return 0;
	}
	orch_event(ctx, ORCH_EVENT_WARN, "switch start: %s", eb.msg);
	snprintf(why, len, "iopass-switch did not start (its messages are above)");
	return ret;
}

/* The switch's "switch" record (started when none runs). */
static int nic_switch_stats(const struct orch_ctx *ctx, const char *ctl,
			    struct orch_nic_paths *p, char *classifier,
			    size_t clen, unsigned int *ports,
			    unsigned int *max_pools, unsigned int *hw_free)
{
	struct errbuf eb = { "" };
	char **lines = NULL;
	size_t n = 0;
	int ret, lock;

	ret = switch_call(ctl, "stats", ORCH_SWITCH_TIMEOUT_MS, &lines, &n, &eb);
	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		/* One VMM starts it; the others wait, then find it running. */
		lock = state_mkdir(ctx->state, ORCH_PORTS_DIR, &eb);
		if (!lock)
			lock = state_lock(ctx->state,
					  ORCH_PORTS_DIR "/switch.start.lock", true,
					  &eb);
		if (lock < 0) {
			/* The reason is one sentence of a table: cut to fit. */
			snprintf(p->vhost_why, sizeof(p->vhost_why), "%.*s",
				 (int)sizeof(p->vhost_why) - 1, eb.msg);
			return lock;
		}
		ret = switch_call(ctl, "stats", ORCH_SWITCH_TIMEOUT_MS, &lines, &n,
				  &eb);
		if (ret == -ENOENT || ret == -ECONNREFUSED) {
			ret = nic_switch_spawn(ctx, p->vhost_why, sizeof(p->vhost_why));
			if (!ret)
				ret = switch_call(ctl, "stats", ORCH_SWITCH_TIMEOUT_MS,
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
static void nic_switch_paths(const struct orch_ctx *ctx, const char *ctl,
			     struct orch_nic_paths *p)
{
	char classifier[32];
	unsigned int ports = 0, max_pools = 0, hw_free = 0;

	if (nic_switch_stats(ctx, ctl, p, classifier, sizeof(classifier), &ports,
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
	 * first): orch_nic_place() looks at its backend= again. */
	if (!strcmp(classifier, "hardware") && hw_free)
		p->vmdq = true;
	else if (!strcmp(classifier, "hardware"))
		snprintf(p->vmdq_why, sizeof(p->vmdq_why), "iopass-switch: %s",
			 vmdq_why_text(VMDQ_WHY_FULL));
	else
		snprintf(p->vmdq_why, sizeof(p->vmdq_why),
			 "iopass-switch's uplink has no VMDq, it sorts frames in software");
}

static void nic_mac(struct orch_nic *nic)
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

static int port_request(const char *ctl, enum switch_op op, const char *name,
			const uint8_t mac[6], int vlan, char ***lines, size_t *n,
			struct errbuf *eb)
{
	struct switch_req req = { .op = op };
	char line[SWITCH_LINE_MAX];

	snprintf(req.port.name, sizeof(req.port.name), "%s", name);
	if (mac)
		memcpy(req.port.mac, mac, 6);
	req.port.vlan = vlan > 0 ? (uint16_t)vlan : 0;
	req.port.mode = SWITCH_PORT_SERVER;
	if (switch_req_format(&req, line, sizeof(line)))
		return errbuf_set(eb, -ENOSPC, "port %s: request too long", name);
	return switch_call(ctl, line, ORCH_SWITCH_TIMEOUT_MS, lines, n, eb);
}

/*
 * A port of our own: its owner lock first, so gc never takes a live one.
 * *hardware: the switch put its pool in a NIC pool (VMDq), else *vwhy not.
 */
static int nic_add_port(const struct orch_ctx *ctx, struct orch_nic *nic,
			int idx, const char *ctl, bool *hardware,
			enum vmdq_why *vwhy, struct errbuf *eb)
{
	char owner[64], **lines = NULL;
	struct errbuf why = { "" };
	size_t n = 0;
	int ret;

	snprintf(nic->port, sizeof(nic->port), "vm%d-nic%d", (int)getpid(), idx);
	snprintf(owner, sizeof(owner), ORCH_PORTS_DIR "/%s.owner", nic->port);
	ret = state_mkdir(ctx->state, ORCH_PORTS_DIR, &why);
	if (!ret)
		ret = state_lock(ctx->state, owner, false, &why);
	if (ret < 0) {
		nic->port[0] = '\0';
		return errbuf_set(eb, ret, "--nic %s: %s", nic->arg, why.msg);
	}
	nic->port_lock = ret;
	nic_mac(nic);
	ret = port_request(ctl, SWITCH_OP_PORT_ADD, nic->port, nic->cfg.mac,
			   nic->spec.vlan, &lines, &n, &why);
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
		*vwhy = vmdq_why_parse(switch_kv_get(kv, nkv, "why"));
	}
	switch_lines_free(lines, n);
	if (!ret && !nic->cfg.socket[0])
		ret = errbuf_set(&why, -EPROTO, "the switch did not say the port's socket");
	if (ret) {
		errbuf_set(eb, ret, "--nic %s: adding port %s to iopass-switch: %s",
			   nic->arg, nic->port, why.msg);
		state_remove(ctx->state, owner);
		close(nic->port_lock);
		nic->port_lock = -1;
		nic->port[0] = '\0';
		return ret;
	}
	return 0;
}

/* ---- placing ----------------------------------------------------------- */

int orch_nic_place(const struct orch_ctx *ctx, struct orch_nic *nic, int idx,
		   struct orch_leases *leases, struct errbuf *eb)
{
	struct orch_nic_paths p = { .vf_free = false };
	char ctl[SWITCH_PATH_MAX];
	enum vmdq_why vwhy = VMDQ_WHY_NONE;
	bool hardware = false;
	int ret;

	if (!nic->spec.is_pool)
		return 0;
	ret = nic_try_vf(ctx, nic, leases, &p, eb);
	if (ret && ret != -EBUSY)
		return ret;
	orch_switch_ctl(ctx, ctl, sizeof(ctl));
	if (!p.vf_free)
		nic_switch_paths(ctx, ctl, &p);
	nic->path = orch_nic_path_choose(&p, nic->why, sizeof(nic->why));
	switch (nic->path) {
	case ORCH_NIC_VF:
		orch_event(ctx, ORCH_EVENT_INFO, "nic%d %s: vf %s (%s)", idx,
			   nic->arg, nic->bdf, nic->why);
		return 0;
	case ORCH_NIC_VMDQ:
	case ORCH_NIC_VHOST_USER:
		ret = nic_add_port(ctx, nic, idx, ctl, &hardware, &vwhy, eb);
		if (ret)
			return ret;
		/* What the switch did decides: a VMDq pool or a port it
		 * classifies in software, and why. */
		if (hardware != (nic->path == ORCH_NIC_VMDQ)) {
			p.vmdq = hardware;
			if (!hardware)
				snprintf(p.vmdq_why, sizeof(p.vmdq_why),
					 "iopass-switch: %s", vmdq_why_text(vwhy));
			nic->path = orch_nic_path_choose(&p, nic->why,
							 sizeof(nic->why));
		}
		orch_event(ctx, ORCH_EVENT_INFO,
			   "nic%d %s: %s port %s on iopass-switch, socket %s (%s)",
			   idx, nic->arg, nic->path == ORCH_NIC_VMDQ ?
			   "vmdq pool," : "vhost-user", nic->port, nic->cfg.socket,
			   nic->why);
		return 0;
	case ORCH_NIC_NONE:
	default:
		return errbuf_set(eb, -ENODEV, "--nic %s: no datapath: %s",
				  nic->arg, nic->why);
	}
}

static void port_delete(const struct orch_ctx *ctx, const char *name)
{
	char ctl[SWITCH_PATH_MAX], **lines = NULL;
	struct errbuf eb = { "" };
	size_t n = 0;
	int ret;

	orch_switch_ctl(ctx, ctl, sizeof(ctl));
	ret = port_request(ctl, SWITCH_OP_PORT_DEL, name, NULL, 0, &lines, &n, &eb);
	switch_lines_free(lines, n);
	/* A switch that is gone took its ports with it. */
	if (ret && ret != -ENOENT && ret != -ECONNREFUSED)
		orch_event(ctx, ORCH_EVENT_WARN,
			   "deleting port %s of iopass-switch: %s", name, eb.msg);
}

void orch_nic_release(const struct orch_ctx *ctx, struct orch_nic *nic)
{
	char owner[64];

	if (!nic->port[0])
		return;
	port_delete(ctx, nic->port);
	snprintf(owner, sizeof(owner), ORCH_PORTS_DIR "/%s.owner", nic->port);
	state_remove(ctx->state, owner);
	close(nic->port_lock);
	nic->port_lock = -1;
	nic->port[0] = '\0';
}

json_object *orch_nic_json(const struct orch_nic *nic)
{
	json_object *o = json_object_new_object();
	char mac[18];

	json_object_object_add(o, "spec", json_object_new_string(nic->arg));
	json_object_object_add(o, "path",
		json_object_new_string(orch_nic_path_name(nic->path)));
	if (nic->spec.is_pool)
		json_object_object_add(o, "why", json_object_new_string(nic->why));
	if (nic->path == ORCH_NIC_VF)
		json_object_object_add(o, "bdf", json_object_new_string(nic->bdf));
	if (nic->port[0])
		json_object_object_add(o, "port", json_object_new_string(nic->port));
	if (nic->cfg.socket[0])
		json_object_object_add(o, "socket",
				       json_object_new_string(nic->cfg.socket));
	if (nic->cfg.mac_set) {
		mac_format(nic->cfg.mac, mac);
		json_object_object_add(o, "mac", json_object_new_string(mac));
	}
	return o;
}

int orch_nic_gc(const struct orch_ctx *ctx, bool dry_run, char ***names,
		size_t *n)
{
	char **owners = NULL, **dead;
	size_t count = 0, k = 0;
	int ret;

	*names = NULL;
	*n = 0;
	ret = state_list(ctx->state, ORCH_PORTS_DIR, ".owner", &owners, &count);
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
		snprintf(rel, sizeof(rel), ORCH_PORTS_DIR "/%s", owners[i]);
		if (dry_run ? state_lock_held(ctx->state, rel) :
		    (fd = state_lock(ctx->state, rel, false, NULL)) < 0)
			continue;
		if (!dry_run) {
			port_delete(ctx, port);
			state_remove(ctx->state, rel);
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
