// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net-pci (modern, device 0x1041) whose datapath is a vhost-user
 * backend. The VMM owns the PCI function, the device config (MAC, link
 * status) and the features it implements itself (MAC, STATUS); the backend
 * owns the rings and the features that shape them (VERSION_1, MRG_RXBUF).
 * At DRIVER_OK the rings go to the backend with the transport's eventfds:
 * the guest's kick is a KVM ioeventfd the backend reads, the backend's
 * interrupt is a KVM irqfd on the queue's MSI-X vector. No packet passes
 * through a VMM thread.
 *
 * A backend that goes away (restarted) is reconnected by the NIC's thread,
 * which gives the new one the memory table and the rings, each resumed at
 * the used index in guest memory (what the old backend last completed:
 * buffers it took but never completed are handed out again). The link
 * status follows the connection so the guest can see the outage.
 *
 * Locks: the transport calls start/reset/cfg_access with vp->lock held and
 * those take net->lock; the NIC's thread takes net->lock alone and calls
 * back into the transport (config interrupt) only after dropping it.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "iopass/vmm.h"
#include "pci.h"
#include "vhost_user.h"
#include "virtio_pci.h"

#define NET_QUEUES		2	/* receiveq1, transmitq1 */
#define NET_QUEUE_SIZE		256
#define NET_CFG_SIZE		10	/* mac, status, max_virtqueue_pairs */
#define NET_CLASS		0x020000	/* Ethernet controller */
#define RECONNECT_MIN_MS	50
#define RECONNECT_MAX_MS	1000
#define IDLE_CHECK_MS		1000

#define BIT(n)			(1ULL << (n))
/* Implemented by the VMM: never sent to the backend. */
#define NET_VMM_FEATURES	(BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS))
/* Implemented by the backend: offered to the guest when it has them. */
#define NET_BACKEND_FEATURES	(BIT(VIRTIO_F_VERSION_1) | \
				 BIT(VIRTIO_NET_F_MRG_RXBUF))
#define NET_REQUIRED_FEATURES	BIT(VIRTIO_F_VERSION_1)
#define NET_PROTOCOL_FEATURES	BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)

struct virtio_net {
	struct vm *vm;
	struct virtio_pci *vp;
	char name[16];
	uint8_t mac[6];
	void (*log)(void *opaque, const char *msg);
	void *log_opaque;
	bool server;			/* the backend connects to us */
	atomic_bool link_up;

	pthread_mutex_t lock;		/* everything below */
	struct vhost_user vu;
	uint64_t acked;			/* backend features the guest took */
	bool started;			/* rings belong to the backend */
	struct vhost_user_vring rings[NET_QUEUES];
	struct vring_used *used[NET_QUEUES];

	pthread_t thread;
	bool thread_started;
	int wake_fd;
	atomic_bool stopping;
};

static void net_log(struct virtio_net *net, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void net_log(struct virtio_net *net, const char *fmt, ...)
{
	char msg[1200];
	int n;
	va_list ap;

	if (!net->log)
		return;
	n = snprintf(msg, sizeof(msg), "%s (vhost-user %s): ", net->name,
		     net->vu.path);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	net->log(net->log_opaque, msg);
}

static void net_wake(struct virtio_net *net)
{
	uint64_t one = 1;

	if (write(net->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: already woken. */
	}
}

static void net_cfg_access(void *opaque, uint32_t off, uint8_t *data,
			   uint32_t len, bool is_write)
{
	struct virtio_net *net = opaque;
	uint8_t cfg[NET_CFG_SIZE] = { 0 };

	/* The MAC is read-only for a modern driver; nothing else is writable. */
	if (is_write)
		return;
	memcpy(cfg, net->mac, 6);
	cfg[6] = atomic_load(&net->link_up) ? VIRTIO_NET_S_LINK_UP : 0;
	cfg[8] = 1;	/* one queue pair */
	memcpy(data, cfg + off, len);
}

/* Guest RAM as the backend maps it: the memfd, at our addresses. */
static int net_mem_table(struct virtio_net *net, struct errbuf *eb)
{
	struct vm_ram_region ram[VM_RAM_REGIONS_MAX];
	struct vhost_user_region r[VM_RAM_REGIONS_MAX];
	int fds[VM_RAM_REGIONS_MAX];
	int n = vm_ram_regions(net->vm, ram, VM_RAM_REGIONS_MAX);

	for (int i = 0; i < n; i++) {
		r[i] = (struct vhost_user_region){
			.gpa = ram[i].gpa,
			.size = ram[i].size,
			.uaddr = (uintptr_t)ram[i].hva,
			.mmap_offset = ram[i].fd_offset,
		};
		fds[i] = ram[i].fd;
	}
	return vhost_user_set_mem_table(&net->vu, r, fds, n, eb);
}

/*
 * Gives the rings to the backend (under net->lock). resume: a backend
 * that replaces one that died; each ring restarts at its used index.
 */
static int net_backend_start(struct virtio_net *net, bool resume,
			     struct errbuf *eb)
{
	uint64_t one = 1;
	int ret;

	ret = vhost_user_set_features(&net->vu, net->acked, eb);
	if (!ret)
		ret = net_mem_table(net, eb);
	for (int q = 0; !ret && q < NET_QUEUES; q++) {
		struct vhost_user_vring r = net->rings[q];

		if (resume)
			r.base = le16toh(__atomic_load_n(&net->used[q]->idx,
							 __ATOMIC_ACQUIRE));
		ret = vhost_user_vring_start(&net->vu, &r, eb);
	}
	if (ret)
		return ret;
	/*
	 * A kick for backends that wait for one before looking at a ring, and
	 * an interrupt in case the old backend completed buffers it never
	 * signalled: both are harmless when not needed.
	 */
	for (int q = 0; q < NET_QUEUES; q++) {
		if (write(net->rings[q].kick_fd, &one, 8) < 0 ||
		    (resume && write(net->rings[q].call_fd, &one, 8) < 0)) {
			/* EAGAIN: the counter is already non-zero. */
		}
	}
	return 0;
}

static void net_backend_stop(struct virtio_net *net)
{
	struct errbuf eb;
	uint32_t base;

	for (int q = 0; q < NET_QUEUES && vhost_user_connected(&net->vu); q++)
		if (vhost_user_vring_stop(&net->vu, q, &base, &eb))
			net_log(net, "stopping ring %d: %s", q, eb.msg);
}

/* DRIVER_OK, under vp->lock. */
static int net_start(void *opaque, struct virtio_pci *vp)
{
	struct virtio_net *net = opaque;
	struct errbuf eb;
	int ret = 0;

	pthread_mutex_lock(&net->lock);
	net->acked = virtio_pci_features(vp) & NET_BACKEND_FEATURES;
	for (uint16_t q = 0; q < NET_QUEUES; q++) {
		struct virtqueue *vq = virtio_pci_queue(vp, q);
		int kick, call;

		/* receiveq1 and transmitq1 are both needed (virtio 1.1 5.1.2). */
		if (!vq || virtio_pci_queue_fds(vp, q, &kick, &call)) {
			ret = -EINVAL;
			goto out;
		}
		net->rings[q] = (struct vhost_user_vring){
			.index = q,
			.num = vq->size,
			.base = 0,	/* a fresh ring (the driver zeroed it) */
			.desc = (uintptr_t)vq->desc,
			.avail = (uintptr_t)vq->avail,
			.used = (uintptr_t)vq->used,
			.kick_fd = kick,
			.call_fd = call,
		};
		net->used[q] = vq->used;
	}
	net->started = true;
	if (vhost_user_connected(&net->vu)) {
		ret = net_backend_start(net, false, &eb);
		if (ret)
			net_log(net, "starting the rings: %s", eb.msg);
		/* A lost connection comes back through the NIC's thread. */
		if (ret && !vhost_user_connected(&net->vu)) {
			ret = 0;
			net_wake(net);
		}
		if (ret)
			net->started = false;
	}
out:
	pthread_mutex_unlock(&net->lock);
	return ret;
}

/* The driver reset the device, under vp->lock. */
static void net_reset(void *opaque)
{
	struct virtio_net *net = opaque;

	pthread_mutex_lock(&net->lock);
	if (net->started)
		net_backend_stop(net);
	net->started = false;
	net->acked = 0;
	if (!vhost_user_connected(&net->vu))
		net_wake(net);
	pthread_mutex_unlock(&net->lock);
}

static const struct virtio_pci_ops net_ops = {
	.cfg_access = net_cfg_access,
	.start = net_start,
	.reset = net_reset,
};

/* What a backend must offer: VERSION_1, and whatever the guest uses. */
static int net_check_backend(struct virtio_net *net, uint64_t need,
			     struct errbuf *eb)
{
	uint64_t missing = need & ~net->vu.features;

	if (!missing)
		return 0;
	return errbuf_set(eb, -ENOTSUP, "vhost-user backend %s lacks virtio "
			  "features 0x%llx (%s; it offers 0x%llx): use a "
			  "virtio 1.0 backend (iopass-switch, DPDK net_vhost)",
			  net->vu.path, (unsigned long long)missing,
			  missing & NET_REQUIRED_FEATURES ?
			  "VIRTIO_F_VERSION_1" : "ones the guest already uses",
			  (unsigned long long)net->vu.features);
}

static void net_link_set(struct virtio_net *net, bool up)
{
	if (atomic_exchange(&net->link_up, up) != up)
		virtio_pci_notify_config(net->vp);
}

/* A connected backend, under net->lock: checked and given the rings. */
static int net_reattach(struct virtio_net *net, struct errbuf *eb)
{
	int ret = net_check_backend(net, NET_REQUIRED_FEATURES | net->acked,
				    eb);

	if (!ret && net->started)
		ret = net_backend_start(net, true, eb);
	if (ret)
		vhost_user_close(&net->vu);
	return ret;
}

/*
 * Whether the peer closed the socket or sent something unasked (a
 * backend never talks first on this channel): either ends the connection.
 */
static void net_check_peer(struct virtio_net *net)
{
	int ret = vhost_user_check_idle(&net->vu);

	if (ret == -EPROTO)
		net_log(net, "the backend sent an unrequested message; "
			"reconnecting");
	else if (ret)
		net_log(net, "the backend closed the connection; "
			"reconnecting");
}

/* The NIC's thread: watches the connection and brings it back. */
static void *net_thread(void *arg)
{
	struct virtio_net *net = arg;
	int delay = RECONNECT_MIN_MS;
	char last_err[sizeof(((struct errbuf *)0)->msg)] = "";

	while (!atomic_load(&net->stopping)) {
		struct pollfd p[2] = {
			{ .fd = net->wake_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		struct errbuf eb;
		uint64_t drain;
		bool up;
		int ret;

		pthread_mutex_lock(&net->lock);
		up = vhost_user_connected(&net->vu);
		/*
		 * The connection is polled only while up; it is closed only
		 * under net->lock, and whoever closes it wakes this thread.
		 * Down, a server waits for the backend to come back.
		 */
		p[1].fd = up ? net->vu.fd :
			  net->server ? net->vu.listen_fd : -1;
		pthread_mutex_unlock(&net->lock);
		net_link_set(net, up);

		poll(p, 2, up || net->server ? IDLE_CHECK_MS : delay);
		if (read(net->wake_fd, &drain, sizeof(drain)) < 0) {
			/* EAGAIN: woken by the socket or the timeout. */
		}
		if (atomic_load(&net->stopping))
			break;
		pthread_mutex_lock(&net->lock);
		if (vhost_user_connected(&net->vu)) {
			if (p[1].revents)
				net_check_peer(net);
			pthread_mutex_unlock(&net->lock);
			continue;
		}
		if (net->server && !(p[1].revents & POLLIN)) {
			pthread_mutex_unlock(&net->lock);
			continue;
		}
		ret = net->server ?
		      vhost_user_accept(&net->vu, 0, NET_PROTOCOL_FEATURES, &eb) :
		      vhost_user_connect(&net->vu, NET_PROTOCOL_FEATURES, &eb);
		if (!ret)
			ret = net_reattach(net, &eb);
		pthread_mutex_unlock(&net->lock);
		if (!ret) {
			net_log(net, "backend connected%s",
				net->started ? ", rings resumed" : "");
			last_err[0] = '\0';
			delay = RECONNECT_MIN_MS;
			continue;
		}
		/* Say each new reason once, not every retry. */
		if (strcmp(last_err, eb.msg)) {
			snprintf(last_err, sizeof(last_err), "%s", eb.msg);
			if (ret != -ENOENT && ret != -ECONNREFUSED)
				net_log(net, "%s", eb.msg);
		}
		delay = delay * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS
						     : delay * 2;
	}
	return NULL;
}

static void net_destroy(struct virtio_net *net)
{
	if (net->thread_started) {
		atomic_store(&net->stopping, true);
		net_wake(net);
		pthread_join(net->thread, NULL);
	}
	/* Resets the device: the backend stops using guest memory. */
	virtio_pci_destroy(net->vp);
	vhost_user_close(&net->vu);
	vhost_user_unlisten(&net->vu);
	if (net->wake_fd >= 0)
		close(net->wake_fd);
	pthread_mutex_destroy(&net->lock);
	free(net);
}

static void net_destroy_cb(void *arg)
{
	net_destroy(arg);
}

static atomic_int net_count;

int vmm_nic_add(struct vm *vm, const struct vmm_nic_config *cfg,
		struct errbuf *eb)
{
	struct pci_bus *bus = vm_pci_bus(vm);
	struct virtio_pci_config vcfg = {
		.device_type = VIRTIO_ID_NET,
		.class_code = NET_CLASS,
		.num_queues = NET_QUEUES,
		.queue_max_size = NET_QUEUE_SIZE,
		.devcfg_size = NET_CFG_SIZE,
		.ops = &net_ops,
	};
	struct virtio_net *net;
	int ret;

	if (!bus)
		return errbuf_set(eb, -ENODEV, "NIC: the VM has no PCI bus");
	/* The backend maps guest RAM through its memfd: there must be one. */
	{
		struct vm_ram_region ram[VM_RAM_REGIONS_MAX];

		if (vm_ram_regions(vm, ram, VM_RAM_REGIONS_MAX) > 0 &&
		    ram[0].fd < 0)
			return errbuf_set(eb, -EINVAL,
				"NIC: the VM's RAM is private (vm_config.private_ram), a vhost-user backend cannot map it");
	}
	net = calloc(1, sizeof(*net));
	if (!net)
		return errbuf_set(eb, -ENOMEM, "NIC: out of memory");
	pthread_mutex_init(&net->lock, NULL);
	net->vm = vm;
	net->log = cfg->log;
	net->log_opaque = cfg->log_opaque;
	net->server = cfg->server;
	snprintf(net->name, sizeof(net->name), "nic%d", net_count++);
	vhost_user_init(&net->vu, cfg->socket);
	memcpy(net->mac, cfg->mac, 6);
	if (!cfg->mac_set) {
		if (getrandom(net->mac, 6, 0) != 6)
			memset(net->mac, 0x5a, 6);
		/* Unicast, locally administered. */
		net->mac[0] = (net->mac[0] & 0xfc) | 0x02;
	}
	net->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (net->wake_fd < 0) {
		ret = errbuf_set(eb, -errno, "NIC: eventfd: %s",
				 strerror(errno));
		goto err;
	}
	/* The guest is offered what the first backend has: wait for it. */
	if (net->server) {
		ret = vhost_user_listen(&net->vu, eb);
		if (!ret)
			ret = vhost_user_accept(&net->vu,
						VMM_NIC_SERVER_WAIT_S * 1000,
						NET_PROTOCOL_FEATURES, eb);
	} else {
		ret = vhost_user_connect(&net->vu, NET_PROTOCOL_FEATURES, eb);
	}
	if (!ret)
		ret = net_check_backend(net, NET_REQUIRED_FEATURES, eb);
	if (ret)
		goto err;
	atomic_store(&net->link_up, true);
	vcfg.name = net->name;
	vcfg.opaque = net;
	vcfg.features = NET_VMM_FEATURES |
			(net->vu.features & NET_BACKEND_FEATURES);
	ret = virtio_pci_create(bus, &vcfg, &net->vp, eb);
	if (ret)
		goto err;
	ret = -pthread_create(&net->thread, NULL, net_thread, net);
	if (ret) {
		errbuf_set(eb, ret, "NIC: cannot start its thread: %s",
			   strerror(-ret));
		goto err;
	}
	net->thread_started = true;
	ret = pci_bus_on_exit(bus, net_destroy_cb, net);
	if (ret) {
		errbuf_set(eb, ret, "NIC: too many PCI devices");
		goto err;
	}
	return 0;

err:
	net_destroy(net);
	return ret;
}
