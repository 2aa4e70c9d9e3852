// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass-switch's /metrics (--metrics ADDR:PORT): the Prometheus text format
 * over a minimal HTTP/1.x server, served on the main lcore between control
 * requests, so that it reads ports and pools exactly as the control socket
 * does and never touches the workers. Per port, pool and the uplink: the
 * workers' packet, byte and drop counters; the uplink's link state and the
 * NIC's own counters, per hardware queue where the PMD keeps them.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "switch.h"

#define REQ_MAX		4096
#define IO_TIMEOUT_S	1

static int metrics_fd = -1;

int sw_metrics_fd(void)
{
	return metrics_fd;
}

/* "127.0.0.1:9100", "[::1]:9100", ":9100" (every address). */
int sw_metrics_listen(const char *spec, struct errbuf *eb)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	char host[256];
	const char *colon = strrchr(spec, ':'), *port;
	size_t hlen;
	int fd = -1, r, one = 1;

	if (!colon || !colon[1])
		return errbuf_set(eb, -EINVAL, "--metrics %s: expected ADDR:PORT, e.g. "
				  "127.0.0.1:9100 or :9100", spec);
	port = colon + 1;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return errbuf_set(eb, -EINVAL, "--metrics: address too long");
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	r = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (r)
		return errbuf_set(eb, -EINVAL, "--metrics %s: %s", spec, gai_strerror(r));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 8))
			break;
		r = errno;
		close(fd);
		fd = -1;
		errno = r;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return errbuf_set(eb, -errno, "--metrics %s: cannot listen: %s", spec,
				  strerror(errno));
	metrics_fd = fd;
	sw_log("metrics at http://%s/metrics", spec);
	return 0;
}

void sw_metrics_close(void)
{
	if (metrics_fd >= 0)
		close(metrics_fd);
	metrics_fd = -1;
}

static void counters(struct prom *p, const char *family, const char *help,
		     size_t off, size_t field, const char *what)
{
	char name[96];

	snprintf(name, sizeof(name), "iopass_switch_%s", family);
	prom_family(p, name, "counter", help);
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		struct sw_counters c;
		char id[16];

		if (!strcmp(what, "port") ? atomic_load(&sw.ports[i].state) != SW_PORT_LIVE :
		    !sw.set.pools[i].used)
			continue;
		sw_counters_sum(&c, off + i * sizeof(struct sw_counters));
		snprintf(id, sizeof(id), "%u", i);
		prom_sample(p, name, *(const uint64_t *)((const char *)&c + field),
			    what, !strcmp(what, "port") ? sw.ports[i].spec.name : id,
			    !strcmp(what, "port") ? NULL : "port", sw.ports[i].spec.name, NULL);
	}
}

#define PORT_COUNTERS(name, help, arr, field) \
	counters(p, name, help, offsetof(struct sw_worker, arr), \
		 offsetof(struct sw_counters, field), "port")
#define POOL_COUNTERS(name, help, field) \
	counters(p, name, help, offsetof(struct sw_worker, pool), \
		 offsetof(struct sw_counters, field), "pool")

struct uplink_metric {
	const char *name;	/* after iopass_switch_uplink_ */
	const char *type;
	const char *help;
	uint64_t value;
};

static void uplink_metrics(struct prom *p, const struct uplink_metric *m, size_t n)
{
	char name[96];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "iopass_switch_uplink_%s", m[i].name);
		prom_family(p, name, m[i].type, m[i].help);
		prom_sample(p, name, m[i].value, "uplink", sw.uplink_name, NULL);
	}
}

/* One family, a sample per hardware queue (at most the PMD's stat slots). */
static void queue_metric(struct prom *p, const char *name, const char *help,
			 const uint64_t *per_queue, unsigned int nq)
{
	char full[96], qs[8];

	snprintf(full, sizeof(full), "iopass_switch_uplink_queue_%s", name);
	prom_family(p, full, "counter", help);
	if (nq > RTE_ETHDEV_QUEUE_STAT_CNTRS)
		nq = RTE_ETHDEV_QUEUE_STAT_CNTRS;
	for (unsigned int q = 0; q < nq; q++) {
		snprintf(qs, sizeof(qs), "%u", q);
		prom_sample(p, full, per_queue[q], "uplink", sw.uplink_name, "queue", qs, NULL);
	}
}

static void uplink(struct prom *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_stats st;
	struct rte_eth_link link;
	struct sw_counters rx, tx;
	uint64_t unknown = 0;

	sw_counters_sum(&rx, offsetof(struct sw_worker, up_rx));
	sw_counters_sum(&tx, offsetof(struct sw_worker, up_tx));
	for (unsigned int w = 0; w < sw.nworkers; w++)
		unknown += sw.workers[w]->up_unknown;
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(sw.uplink, &link);
	{
		const struct uplink_metric m[] = {
			{ "rx_packets_total", "counter", "Frames the workers took from the uplink.",
			  rx.pkts },
			{ "rx_bytes_total", "counter", "Bytes the workers took from the uplink.",
			  rx.bytes },
			{ "rx_drops_total", "counter", "Frames from the uplink dropped by the switch.",
			  rx.drops },
			{ "rx_unknown_total", "counter",
			  "Unicast frames from the uplink for no pool (dropped).", unknown },
			{ "tx_packets_total", "counter", "Frames sent out of the uplink.", tx.pkts },
			{ "tx_bytes_total", "counter", "Bytes sent out of the uplink.", tx.bytes },
			{ "tx_drops_total", "counter",
			  "Frames the uplink's TX ring refused (dropped).", tx.drops },
			{ "up", "gauge", "The uplink's link: 1 up, 0 down.",
			  link.link_status == RTE_ETH_LINK_UP },
			{ "speed_mbps", "gauge", "The uplink's link speed in Mbit/s (0 unknown).",
			  link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed },
		};

		uplink_metrics(p, m, ARRAY_SIZE(m));
	}
	if (rte_eth_stats_get(sw.uplink, &st) || rte_eth_dev_info_get(sw.uplink, &info))
		return;
	{
		const struct uplink_metric hw[] = {
			{ "hw_rx_packets_total", "counter",
			  "Frames the NIC received (its own counter).", st.ipackets },
			{ "hw_tx_packets_total", "counter",
			  "Frames the NIC sent (its own counter).", st.opackets },
			{ "hw_rx_missed_total", "counter",
			  "Frames the NIC dropped because its RX queues were full.", st.imissed },
			{ "hw_rx_errors_total", "counter", "Erroneous frames the NIC received.",
			  st.ierrors },
			{ "hw_tx_errors_total", "counter", "Frames the NIC failed to send.",
			  st.oerrors },
			{ "hw_rx_nombuf_total", "counter", "RX mbuf allocation failures.",
			  st.rx_nombuf },
		};

		uplink_metrics(p, hw, ARRAY_SIZE(hw));
	}
	/* Per hardware queue: VMDq pools have their own (pool N's queue). */
	queue_metric(p, "rx_packets_total", "Frames the NIC received per RX queue.",
		     st.q_ipackets, info.nb_rx_queues);
	queue_metric(p, "rx_bytes_total", "Bytes the NIC received per RX queue.",
		     st.q_ibytes, info.nb_rx_queues);
	queue_metric(p, "tx_packets_total", "Frames the NIC sent per TX queue (one per worker).",
		     st.q_opackets, info.nb_tx_queues);
}

static void render(struct prom *p)
{
	unsigned int nports = 0;

	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		nports += atomic_load(&sw.ports[i].state) == SW_PORT_LIVE;
	prom_family(p, "iopass_switch_info", "gauge", "The switch: its classifier, uplink "
		    "and whether it is lossless (always 1).");
	prom_sample(p, "iopass_switch_info", 1, "classifier", vmdq_kind_name(sw.set.ops->kind),
		    "uplink", sw.have_uplink ? sw.uplink_name : "", "lossless",
		    sw.lossless ? "yes" : "no", NULL);
	prom_family(p, "iopass_switch_workers", "gauge", "Forwarding worker lcores.");
	prom_sample(p, "iopass_switch_workers", sw.nworkers, NULL);
	prom_family(p, "iopass_switch_ports", "gauge", "Guest ports.");
	prom_sample(p, "iopass_switch_ports", nports, NULL);
	prom_family(p, "iopass_switch_pools_max", "gauge", "Pools the classifier can hold.");
	prom_sample(p, "iopass_switch_pools_max", sw.set.max_pools, NULL);

	prom_family(p, "iopass_switch_port_up", "gauge",
		    "A guest port's link: 1 when its vhost-user frontend is connected and ready.");
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (atomic_load(&sw.ports[i].state) == SW_PORT_LIVE)
			prom_sample(p, "iopass_switch_port_up", atomic_load(&sw.ports[i].ready),
				    "port", sw.ports[i].spec.name, NULL);
	prom_family(p, "iopass_switch_port_connects_total", "counter",
		    "Times a frontend connected to the port.");
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++)
		if (atomic_load(&sw.ports[i].state) == SW_PORT_LIVE)
			prom_sample(p, "iopass_switch_port_connects_total", sw.ports[i].connects,
				    "port", sw.ports[i].spec.name, NULL);
	PORT_COUNTERS("port_rx_packets_total", "Frames the switch took from the guest.",
		      port_rx, pkts);
	PORT_COUNTERS("port_rx_bytes_total", "Bytes the switch took from the guest.",
		      port_rx, bytes);
	PORT_COUNTERS("port_rx_drops_total", "Frames from the guest the switch dropped.",
		      port_rx, drops);
	PORT_COUNTERS("port_tx_packets_total", "Frames delivered to the guest.", port_tx, pkts);
	PORT_COUNTERS("port_tx_bytes_total", "Bytes delivered to the guest.", port_tx, bytes);
	PORT_COUNTERS("port_tx_drops_total", "Frames for the guest dropped (its RX ring "
		      "full).", port_tx, drops);
	POOL_COUNTERS("pool_packets_total", "Frames classified to the pool.", pkts);
	POOL_COUNTERS("pool_bytes_total", "Bytes classified to the pool.", bytes);
	POOL_COUNTERS("pool_drops_total", "Frames of the pool dropped.", drops);
	prom_family(p, "iopass_switch_pool_queue", "gauge",
		    "The pool's hardware RX queue (hardware classifier; 0 in software).");
	for (unsigned int i = 0; i < SW_MAX_PORTS; i++) {
		char id[16];

		if (!sw.set.pools[i].used)
			continue;
		snprintf(id, sizeof(id), "%u", i);
		prom_sample(p, "iopass_switch_pool_queue", sw.set.pools[i].queue, "pool", id,
			    "port", sw.ports[i].spec.name, NULL);
	}
	if (sw.have_uplink)
		uplink(p);
}

static void respond(int fd, const char *status, const char *type, const char *body,
		    size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, type, len);

	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n)
		return;
	while (len) {
		ssize_t w = send(fd, body, len, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		body += w;
		len -= (size_t)w;
	}
}

/*
 * One scrape: the request line and headers (bounded in size and time, so a
 * slow client holds the control loop at most IO_TIMEOUT_S), the answer, close.
 */
void sw_metrics_serve_one(void)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	char req[REQ_MAX + 1], method[16], path[256];
	size_t have = 0;
	int fd;

	fd = accept4(metrics_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (have < REQ_MAX) {
		ssize_t r = recv(fd, req + have, REQ_MAX - have, 0);

		if (r <= 0)
			break;
		have += (size_t)r;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[have] = '\0';
	if (sscanf(req, "%15s %255s", method, path) != 2) {
		respond(fd, "400 Bad Request", "text/plain", "bad request\n", 12);
	} else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		respond(fd, "405 Method Not Allowed", "text/plain", "GET /metrics\n", 13);
	} else if (strcmp(path, "/metrics") && strncmp(path, "/metrics?", 9)) {
		respond(fd, "404 Not Found", "text/plain", "try /metrics\n", 13);
	} else {
		struct prom p = { 0 };

		render(&p);
		if (p.oom)
			respond(fd, "500 Internal Server Error", "text/plain", "no memory\n", 10);
		else
			respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
				p.buf, strcmp(method, "HEAD") ? p.len : 0);
		prom_free(&p);
	}
	close(fd);
}
