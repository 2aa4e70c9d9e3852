// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket, served on the main lcore: requests and replies as in
 * include/iopass/vhost.h. A few clients at a time, each with its own line
 * buffer; a client that sends garbage gets an "err" line, one that sends a
 * line too long is dropped, and neither disturbs the others or the workers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "iopass/util.h"
#include "switch.h"

/*
 * Clients are few and brief (one request, its reply): a client that sends
 * nothing for CTL_IDLE_MS, or starts a line and does not end it within
 * CTL_LINE_MS, is closed; and when all MAX_CLIENTS slots are taken, the one
 * idle the longest makes room for the newcomer. So no number of silent
 * connections locks the operator out.
 */
#define MAX_CLIENTS	8
#define CTL_IDLE_MS	10000
#define CTL_LINE_MS	2000

struct client {
	int fd;
	int64_t last;		/* when it connected or last sent a whole line */
	uint64_t order;		/* the same as a count: no ties among the idle */
	int64_t line;		/* when its unfinished line began, 0: none */
	size_t have;
	char buf[SWITCH_LINE_MAX];
};

static struct client clients[MAX_CLIENTS];
static uint64_t client_events;

void sw_counters_sum(struct sw_counters *out, size_t off)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int w = 0; w < sw.nworkers; w++) {
		const struct sw_counters *c = (const void *)((const char *)sw.workers[w] + off);

		out->pkts += c->pkts;
		out->bytes += c->bytes;
		out->drops += c->drops;
	}
}

#define SUM(out, field) sw_counters_sum(out, offsetof(struct sw_worker, field))

static void reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reply(int fd, const char *fmt, ...)
{
	char line[SWITCH_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* A client that stopped reading loses its reply, not the switch. */
	send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void port_record(int fd, unsigned int id)
{
	const struct sw_port *p = &sw.ports[id];
	struct sw_counters rx, tx;
	char mac[18];

	SUM(&rx, port_rx[id]);
	SUM(&tx, port_tx[id]);
	mac_format(p->spec.mac, mac);
	/* backend and why: whether the NIC sorts this port's frames (a VMDq
	 * pool) or the switch does, and why not the NIC (vm run's NIC path) */
	reply(fd, "port name=%s path=%s mode=%s mac=%s vlan=%u pool=%u backend=%s why=%s "
	      "state=%s connects=%llu rx_packets=%llu rx_bytes=%llu rx_drops=%llu "
	      "tx_packets=%llu tx_bytes=%llu tx_drops=%llu", p->spec.name, p->spec.path,
	      switch_port_mode_name(p->spec.mode), mac, p->spec.vlan, id,
	      vmdq_kind_name(sw.set.pools[id].kind), vmdq_why_word(sw.set.pools[id].why),
	      atomic_load(&p->ready) ? "up" : "down",
	      (unsigned long long)p->connects, (unsigned long long)rx.pkts,
	      (unsigned long long)rx.bytes, (unsigned long long)rx.drops,
	      (unsigned long long)tx.pkts, (unsigned long long)tx.bytes,
	      (unsigned long long)tx.drops);
}

/* What uplink RX queue q brought in, summed over the workers. */
static void queue_sum(unsigned int q, struct sw_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (q >= SW_MAX_UPQ)
		return;
	for (unsigned int w = 0; w < sw.nworkers; w++) {
		out->pkts += sw.workers[w]->upq[q].pkts;
		out->bytes += sw.workers[w]->upq[q].bytes;
	}
}

/*
 * queue= is the uplink RX queue the pool's frames arrive on and
 * queue_packets what that queue brought in: on hardware, a pool's own NIC
 * pool queue (proof of where the NIC put them) or the default pool's queue
 * that it shares with the other software pools.
 */
static void pool_record(int fd, unsigned int id)
{
	const struct vmdq_pool *pl = &sw.set.pools[id];
	struct sw_counters c, q;
	char mac[18], hw[8] = "-";

	SUM(&c, pool[id]);
	queue_sum(pl->queue, &q);
	mac_format(pl->key.mac, mac);
	if (pl->kind == VMDQ_HARDWARE)
		snprintf(hw, sizeof(hw), "%u", pl->hw);
	reply(fd, "pool id=%u mac=%s vlan=%u port=%s backend=%s nic_pool=%s queue=%u "
	      "why=%s packets=%llu bytes=%llu drops=%llu queue_packets=%llu "
	      "queue_bytes=%llu", id, mac, pl->key.vlan, sw.ports[id].spec.name,
	      vmdq_kind_name(pl->kind), hw, pl->queue, vmdq_why_word(pl->why),
	      (unsigned long long)c.pkts, (unsigned long long)c.bytes,
	      (unsigned long long)c.drops, (unsigned long long)q.pkts,
	      (unsigned long long)q.bytes);
}

/* One record per uplink RX queue: which NIC pool, whose, what it took. */
static void queue_records(int fd)
{
	struct sw_counters q;

	for (unsigned int h = 0; sw.set.ops->kind == VMDQ_HARDWARE && h < sw.set.hw_pools; h++) {
		unsigned int qi = vmdq_queue_of(&sw.set.caps, sw.set.hw_pools, h);
		uint16_t id = sw.set.hw_owner[h];

		queue_sum(qi, &q);
		reply(fd, "queue id=%u nic_pool=%u role=%s port=%s packets=%llu bytes=%llu", qi,
		      h, h == sw.set.default_hw ? "default" : id == VMDQ_NONE ? "free" : "pool",
		      id == VMDQ_NONE ? "-" : sw.ports[id].spec.name,
		      (unsigned long long)q.pkts, (unsigned long long)q.bytes);
	}
	if (sw.set.ops->kind != VMDQ_HARDWARE && sw.uplink_open) {
		queue_sum(0, &q);
		reply(fd, "queue id=0 nic_pool=- role=all port=- packets=%llu bytes=%llu",
		      (unsigned long long)q.pkts, (unsigned long long)q.bytes);
	}
}

static void stats_records(int fd)
{
	struct sw_counters rx, tx;
	uint64_t unknown = 0, cycles = 0, busy = 0, idle = 0, frames = 0;
	unsigned int nports = 0;

	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		nports += atomic_load(&sw.ports[i].state) == SW_PORT_LIVE;
	for (unsigned int w = 0; w < sw.nworkers; w++) {
		busy += sw.workers[w]->busy_cycles;
		idle += sw.workers[w]->idle_cycles;
		frames += sw.workers[w]->frames_in;
	}
	/* hw_pools: NIC pools for guests; hw_free: those no pool has yet.
	 * busy_cycles/idle_cycles: TSC cycles of poll-loop iterations that
	 * took frames in and of those that found none, as OVS's
	 * pmd-stats-show counts them. */
	reply(fd, "switch workers=%u classifier=%s ports=%u max_pools=%u lossless=%s "
	      "hw_pools=%u hw_free=%u tsc_hz=%llu busy_cycles=%llu idle_cycles=%llu "
	      "frames_in=%llu", sw.nworkers, vmdq_kind_name(sw.set.ops->kind), nports,
	      sw.set.max_pools, sw.lossless ? "yes" : "no", sw.set.hw_usable,
	      vmdq_set_hw_free(&sw.set), (unsigned long long)rte_get_tsc_hz(),
	      (unsigned long long)busy, (unsigned long long)idle, (unsigned long long)frames);
	if (sw.uplink_open) {
		SUM(&rx, up_rx);
		SUM(&tx, up_tx);
		for (unsigned int w = 0; w < sw.nworkers; w++) {
			unknown += sw.workers[w]->up_unknown;
			cycles += sw.workers[w]->up_cycles;
		}
		/* rx_cycles: TSC cycles the workers spent on uplink bursts that
		 * brought frames (taking, sorting, delivering them), tsc_hz
		 * their rate: what a frame from the NIC costs the switch. */
		reply(fd, "uplink name=%s rx_packets=%llu rx_bytes=%llu rx_drops=%llu "
		      "rx_unknown=%llu tx_packets=%llu tx_bytes=%llu tx_drops=%llu "
		      "rx_cycles=%llu tsc_hz=%llu", sw.uplink_name,
		      (unsigned long long)rx.pkts, (unsigned long long)rx.bytes,
		      (unsigned long long)rx.drops, (unsigned long long)unknown,
		      (unsigned long long)tx.pkts, (unsigned long long)tx.bytes,
		      (unsigned long long)tx.drops, (unsigned long long)cycles,
		      (unsigned long long)rte_get_tsc_hz());
	}
}

static void ports_records(int fd)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (atomic_load(&sw.ports[i].state) == SW_PORT_LIVE)
			port_record(fd, i);
}

static void pools_records(int fd)
{
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (sw.set.pools[i].used)
			pool_record(fd, i);
}

/* Returns true when the switch is to stop. */
static bool handle(int fd, const char *line, size_t len)
{
	struct switch_req req;
	struct errbuf eb = { "" };
	int err = 0;

	if (switch_req_parse_line(line, len, &req, &eb)) {
		reply(fd, "err %d %s", EINVAL, eb.msg);
		return false;
	}
	switch (req.op) {
	case SWITCH_OP_PING:
		break;
	case SWITCH_OP_STOP:
		reply(fd, "ok");
		return true;
	case SWITCH_OP_PORT_ADD:
		err = sw_port_add(&req.port, &eb);
		if (!err)
			port_record(fd, (unsigned int)(sw_port_find(req.port.name) - sw.ports));
		break;
	case SWITCH_OP_PORT_DEL:
		err = sw_port_del(req.port.name, &eb);
		break;
	case SWITCH_OP_STATS:
		stats_records(fd);
		ports_records(fd);
		pools_records(fd);
		queue_records(fd);
		break;
	case SWITCH_OP_PORT_LIST:
		ports_records(fd);
		break;
	case SWITCH_OP_POOL_LIST:
		pools_records(fd);
		break;
	}
	if (err)
		reply(fd, "err %d %s", -err, eb.msg);
	else
		reply(fd, "ok");
	return false;
}

static int ctl_listen(struct errbuf *eb)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sw.ctl) >= sizeof(sa.sun_path))
		return errbuf_set(eb, -ENAMETOOLONG, "control socket path too long: %s", sw.ctl);
	strcpy(sa.sun_path, sw.ctl);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_set(eb, -errno, "socket: %s", strerror(errno));
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return errbuf_set(eb, -EADDRINUSE, "a switch already listens at %s; stop it "
				  "first ('iopass switch stop') or give another --ctl", sw.ctl);
	}
	close(fd);
	unlink(sw.ctl);		/* a dead switch's socket */
	/* 0600: root and the switch's user alone; client_peer() checks. */
	fd = usock_listen(sw.ctl, 0600, 16, 0);
	if (fd < 0)
		return errbuf_set(eb, fd, "cannot listen at %s: %s", sw.ctl, strerror(-fd));
	return fd;
}

/*
 * Only root and the switch's own user may add, remove or look at ports or
 * stop it, whatever the socket's mode says: the kernel's word on the peer.
 */
static bool client_peer(int fd)
{
	uid_t uid;

	if (usock_peer_trusted(fd, &uid))
		return true;
	reply(fd, "err %d uid %d may not control this switch: only root and uid %u may",
	      EACCES, (int)uid, (unsigned int)geteuid());
	sw_log("refused a control client of uid %d", (int)uid);
	return false;
}

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

/* Reads what a client sent; handles each complete line. */
static bool client_input(struct client *c)
{
	ssize_t r = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
	char *nl;
	bool stop = false;

	if (r <= 0) {
		client_close(c);
		return false;
	}
	if (!c->have)
		c->line = now_ms();
	c->have += (size_t)r;
	while (!stop && (nl = memchr(c->buf, '\n', c->have))) {
		*nl = '\0';
		stop = handle(c->fd, c->buf, (size_t)(nl - c->buf));
		c->have -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->have);
		c->last = now_ms();
		c->order = ++client_events;
		c->line = c->have ? c->last : 0;
	}
	if (c->have == sizeof(c->buf)) {
		reply(c->fd, "err %d request longer than %d bytes", EINVAL, SWITCH_LINE_MAX - 1);
		client_close(c);
	}
	return stop;
}

/* Closes the clients past their idle or line deadline. */
static void clients_expire(int64_t now)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];

		if (c->fd < 0)
			continue;
		if (c->line && now - c->line >= CTL_LINE_MS) {
			reply(c->fd, "err %d no end of line within %d ms", ETIMEDOUT, CTL_LINE_MS);
			client_close(c);
		} else if (!c->line && now - c->last >= CTL_IDLE_MS) {
			reply(c->fd, "err %d no request within %d ms", ETIMEDOUT, CTL_IDLE_MS);
			client_close(c);
		}
	}
}

/* A free slot, else the slot of the client idle the longest, closed. */
static int client_slot(void)
{
	int oldest = 0;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0)
			return i;
		if (clients[i].order < clients[oldest].order)
			oldest = i;
	}
	reply(clients[oldest].fd, "err %d closed to make room: %d control clients at once",
	      EBUSY, MAX_CLIENTS);
	client_close(&clients[oldest]);
	return oldest;
}

int sw_ctl_serve(struct errbuf *eb)
{
	struct pollfd pfd[MAX_CLIENTS + 2];
	int lfd = ctl_listen(eb);

	if (lfd < 0)
		return lfd;
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	sw_log("control socket %s", sw.ctl);
	while (!atomic_load(&sw.stop)) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sw_metrics_fd(), .events = POLLIN };
		if (poll(pfd, (nfds_t)n, 200) <= 0) {
			clients_expire(now_ms());
			continue;	/* timeout or a signal: look at sw.stop */
		}
		clients_expire(now_ms());
		if (pfd[n - 1].revents & POLLIN)
			sw_metrics_serve_one();
		if (pfd[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (cfd >= 0 && !client_peer(cfd)) {
				close(cfd);
			} else if (cfd >= 0) {
				int i = client_slot();

				clients[i].fd = cfd;
				clients[i].have = 0;
				clients[i].line = 0;
				clients[i].last = now_ms();
				clients[i].order = ++client_events;
				/* its pfd entry is stale: not read this round */
				pfd[i + 1].revents = 0;
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && pfd[i + 1].revents &&
			    client_input(&clients[i]))
				atomic_store(&sw.stop, true);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_close(&clients[i]);
	close(lfd);	/* main() unlinks the socket once all is torn down */
	return 0;
}
