// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest ports: one vhost-user socket each (rte_vhost, server or client
 * mode), added and removed at run time, and the vhost callbacks that tell
 * the workers when a port's frontend comes and goes.
 *
 * Ports are added and removed only by the control thread. The vhost
 * callbacks run on rte_vhost's own thread and find their port without a
 * lock (by path or vid, among ports in SW_PORT_LIVE state): a lock held by
 * the control thread across rte_vhost_driver_unregister() would deadlock
 * with a callback that waits for it, since unregister waits for the
 * callback thread to let go of the socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_net.h>
#include <rte_pause.h>
#include <rte_vhost.h>

#include "iopass/state.h"
#include "switch.h"

/*
 * The switch forwards plain frames: no checksum or segmentation offload, so
 * a frame from one guest is a valid frame for every other guest and for the
 * uplink as it is. One queue pair, no control queue (the frontend owns the
 * MAC and the switch filters by it anyway).
 */
#define SW_FEATURES_OFF ((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) | \
	(1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |           \
	(1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO) |             \
	(1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |             \
	(1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO) |               \
	(1ULL << VIRTIO_NET_F_CTRL_VQ) | (1ULL << VIRTIO_NET_F_CTRL_RX) |                 \
	(1ULL << VIRTIO_NET_F_MQ) | (1ULL << VIRTIO_NET_F_GUEST_ANNOUNCE))

void sw_grace_wait(void)
{
	uint64_t seen[SW_MAX_WORKERS];

	if (!atomic_load(&sw.running))
		return;
	for (unsigned int i = 0; i < sw.nworkers; i++)
		seen[i] = atomic_load(&sw.workers[i]->epoch);
	for (unsigned int i = 0; i < sw.nworkers; i++)
		while (atomic_load(&sw.workers[i]->epoch) == seen[i] &&
		       !atomic_load(&sw.workers[i]->stopped))
			rte_pause();
}

int sw_cfg_publish(struct errbuf *eb)
{
	struct sw_cfg *c = calloc(1, sizeof(*c)), *old;
	int err;

	if (!c)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	err = vmdq_set_build(&sw.set, false, &c->tbl, eb);
	if (!err && sw.set.ops->kind == VMDQ_HARDWARE)
		err = vmdq_set_build(&sw.set, true, &c->sw_tbl, eb);
	if (err) {
		vmdq_table_free(c->tbl);
		free(c);
		return err;
	}
	for (unsigned int h = 0; h < VMDQ_MAX_HW_POOLS; h++) {
		uint16_t id = h < sw.set.hw_pools ? sw.set.hw_owner[h] : VMDQ_NONE;

		/* A port on its way out is nobody's: its queue is drained. */
		if (id != VMDQ_NONE && atomic_load(&sw.ports[id].state) != SW_PORT_LIVE)
			id = VMDQ_NONE;
		c->hw_owner[h] = id;
		c->hw_vlan[h] = id == VMDQ_NONE ? 0 : sw.set.pools[id].key.vlan;
		if (id != VMDQ_NONE)
			memcpy(c->hw_mac[h], sw.set.pools[id].key.mac, VMDQ_MAC_LEN);
	}
	for (uint16_t i = 0; i < SW_MAX_PORTS; i++) {
		if (!sw.set.pools[i].used || atomic_load(&sw.ports[i].state) != SW_PORT_LIVE)
			continue;
		c->slots[c->n++] = i;
		if (!sw_port_sink(&sw.ports[i]) && sw.nworkers) {
			unsigned int w = i % sw.nworkers;

			c->poll[w][c->npoll[w]++] = i;
		}
	}
	old = atomic_exchange(&sw.cfg, c);
	if (old) {
		sw_grace_wait();
		vmdq_table_free(old->tbl);
		vmdq_table_free(old->sw_tbl);
		free(old);
	}
	return 0;
}

struct sw_port *sw_port_find(const char *name)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (atomic_load(&sw.ports[i].state) != SW_PORT_FREE &&
		    !strcmp(sw.ports[i].spec.name, name))
			return &sw.ports[i];
	return NULL;
}

static struct sw_port *port_by_vid(int vid)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (atomic_load(&sw.ports[i].state) != SW_PORT_FREE &&
		    atomic_load(&sw.ports[i].vid) == vid)
			return &sw.ports[i];
	return NULL;
}

static int on_new_device(int vid)
{
	char path[SWITCH_PATH_MAX];
	struct sw_port *p = NULL;
	uint64_t features = 0;

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) < 0) {
		sw_log("vhost device %d: no socket path; refused", vid);
		return -1;
	}
	for (unsigned int i = 0; i < SW_MAX_PORTS && !p; i++)
		if (atomic_load(&sw.ports[i].state) == SW_PORT_LIVE &&
		    !strcmp(sw.ports[i].spec.path, path))
			p = &sw.ports[i];
	if (!p) {
		sw_log("vhost device %d on %s: no such port; refused", vid, path);
		return -1;
	}
	rte_vhost_get_negotiated_features(vid, &features);
	/* We poll: ask the frontend not to kick us for new TX or free RX
	 * buffers (each kick is a syscall on its side). */
	rte_vhost_enable_guest_notification(vid, SW_VIRTIO_RXQ, 0);
	rte_vhost_enable_guest_notification(vid, SW_VIRTIO_TXQ, 0);
	atomic_store(&p->vid, vid);
	p->connects++;
	atomic_store(&p->ready, true);
	sw_log("port %s: frontend connected (vid %d, features %#llx)", p->spec.name, vid,
	       (unsigned long long)features);
	return 0;
}

static void on_destroy_device(int vid)
{
	struct sw_port *p = port_by_vid(vid);

	if (!p)
		return;
	/* rte_vhost frees the device when we return: no worker may still be
	 * inside an enqueue or dequeue on it. */
	atomic_store(&p->ready, false);
	sw_grace_wait();
	atomic_store(&p->vid, -1);
	sw_log("port %s: frontend gone (vid %d)", p->spec.name, vid);
}

static int on_vring_state(int vid, uint16_t queue, int enable)
{
	struct sw_port *p = port_by_vid(vid);

	/* rte_vhost skips disabled rings itself; a queue past our one pair is
	 * a frontend that ignored the features we offered: it is never polled. */
	if (queue > SW_VIRTIO_TXQ)
		sw_log("port %s: frontend %s queue %u, which the switch does not use",
		       p ? p->spec.name : "?", enable ? "enabled" : "disabled", queue);
	return 0;
}

static const struct rte_vhost_device_ops port_ops = {
	.new_device = on_new_device,
	.destroy_device = on_destroy_device,
	.vring_state_changed = on_vring_state,
};

/*
 * A server socket's path may hold a stale socket of a switch that died:
 * remove it, but never one that someone still listens on.
 */
static int server_path_free(const char *path, struct errbuf *eb)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return errbuf_set(eb, -EEXIST, "%s exists and is not a socket; choose "
				  "another path", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_set(eb, -errno, "socket: %s", strerror(errno));
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!r)
		return errbuf_set(eb, -EADDRINUSE, "%s is in use by another process", path);
	unlink(path);
	return 0;
}

static int vhost_register(struct sw_port *p, struct errbuf *eb)
{
	const char *path = p->spec.path;
	int err;

	if (p->spec.mode == SWITCH_PORT_SERVER) {
		err = server_path_free(path, eb);
		if (err)
			return err;
	}
	if (rte_vhost_driver_register(path, p->spec.mode == SWITCH_PORT_CLIENT ?
				      RTE_VHOST_USER_CLIENT : 0))
		return errbuf_set(eb, -EINVAL, "rte_vhost could not register %s (see the "
				  "switch's log)", path);
	if (rte_vhost_driver_disable_features(path, SW_FEATURES_OFF) ||
	    rte_vhost_driver_callback_register(path, &port_ops)) {
		err = errbuf_set(eb, -EINVAL, "rte_vhost refused the settings of %s", path);
		goto err_unregister;
	}
	/* rte_vhost binds under the switch's umask (077); made sure here. */
	if (rte_vhost_driver_start(path) ||
	    (p->spec.mode == SWITCH_PORT_SERVER && chmod(path, 0600))) {
		err = errbuf_set(eb, -EIO, "rte_vhost could not %s %s (see the switch's log)",
				 p->spec.mode == SWITCH_PORT_CLIENT ?
				 "connect to" : "listen on", path);
		goto err_unregister;
	}
	return 0;

err_unregister:
	rte_vhost_driver_unregister(path);
	return err;
}

int sw_port_add(const struct switch_port_spec *spec, struct errbuf *eb)
{
	struct vmdq_key key = { .vlan = spec->vlan };
	struct sw_port *p;
	uint16_t id;
	int err;

	if (sw_port_find(spec->name))
		return errbuf_set(eb, -EEXIST, "port %s exists; delete it first", spec->name);
	memcpy(key.mac, spec->mac, sizeof(key.mac));
	err = vmdq_set_add(&sw.set, &key, &id, eb);
	if (err)
		return err;
	p = &sw.ports[id];
	p->spec = *spec;
	if (spec->mode == SWITCH_PORT_SINK)
		p->spec.path[0] = '\0';
	else if (!p->spec.path[0]) {
		/* Never a directory someone else could swap sockets in. */
		mkdir(sw.vhost_dir, 0700);
		err = state_check(sw.vhost_dir, NULL, eb);
		if (err)
			goto err_pool;
		if (snprintf(p->spec.path, sizeof(p->spec.path), "%s/%s.sock", sw.vhost_dir,
			     spec->name) >= (int)sizeof(p->spec.path)) {
			err = errbuf_set(eb, -ENAMETOOLONG, "socket path for %s too long; give "
					 "path=", spec->name);
			goto err_pool;
		}
	}
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (p->spec.path[0] && atomic_load(&sw.ports[i].state) != SW_PORT_FREE &&
		    !strcmp(sw.ports[i].spec.path, p->spec.path)) {
			err = errbuf_set(eb, -EEXIST, "port %s already uses %s",
					 sw.ports[i].spec.name, p->spec.path);
			goto err_pool;
		}
	atomic_store(&p->vid, -1);
	atomic_store(&p->ready, false);
	atomic_fetch_add(&p->gen, 1);
	p->connects = 0;
	for (unsigned int w = 0; w < sw.nworkers; w++) {
		memset(&sw.workers[w]->port_rx[id], 0, sizeof(struct sw_counters));
		memset(&sw.workers[w]->port_tx[id], 0, sizeof(struct sw_counters));
		memset(&sw.workers[w]->pool[id], 0, sizeof(struct sw_counters));
	}
	/* LIVE before start: a frontend may connect before start returns. */
	atomic_store(&p->state, SW_PORT_LIVE);
	if (spec->mode == SWITCH_PORT_SINK) {
		atomic_store(&p->ready, true);	/* never a vid: see sw_port_sink() */
	} else {
		err = vhost_register(p, eb);
		if (err)
			goto err_state;
	}
	err = sw_cfg_publish(eb);
	if (err)
		goto err_vhost;
	if (sw.set.pools[id].kind == VMDQ_HARDWARE)
		sw_log("port %s added: %s (%s), pool %u in NIC pool %u (RX queue %u)",
		       p->spec.name, p->spec.path, switch_port_mode_name(p->spec.mode), id,
		       sw.set.pools[id].hw, sw.set.pools[id].queue);
	else
		sw_log("port %s added: %s (%s), pool %u in software (%s)", p->spec.name,
		       p->spec.path, switch_port_mode_name(p->spec.mode), id,
		       vmdq_why_text(sw.set.pools[id].why));
	return 0;

err_vhost:
	if (spec->mode != SWITCH_PORT_SINK)
		rte_vhost_driver_unregister(p->spec.path);
err_state:
	atomic_store(&p->state, SW_PORT_FREE);
err_pool:
	vmdq_set_del(&sw.set, id);
	return err;
}

static void port_remove(struct sw_port *p)
{
	uint16_t id = (uint16_t)(p - sw.ports);

	atomic_store(&p->state, SW_PORT_REMOVING);
	/* Out of the classifier and the workers' snapshot first, so no frame
	 * is sent to it or taken from it any more. */
	vmdq_set_del(&sw.set, id);
	sw_cfg_publish(NULL);
	/* Calls destroy_device when a frontend is connected. */
	if (p->spec.mode != SWITCH_PORT_SINK)
		rte_vhost_driver_unregister(p->spec.path);
	atomic_store(&p->ready, false);
	sw_grace_wait();
	sw_log("port %s removed", p->spec.name);
	atomic_store(&p->state, SW_PORT_FREE);
}

int sw_port_del(const char *name, struct errbuf *eb)
{
	struct sw_port *p = sw_port_find(name);

	if (!p)
		return errbuf_set(eb, -ENOENT, "no port %s ('port list' lists them)", name);
	port_remove(p);
	return 0;
}

void sw_port_del_all(void)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (atomic_load(&sw.ports[i].state) == SW_PORT_LIVE)
			port_remove(&sw.ports[i]);
}
