// SPDX-License-Identifier: GPL-2.0-only
/*
 * The uplink: any ethdev (net_tap, net_af_packet, net_ring, net_virtio_user
 * or a NIC's PMD), configured for the pool backend vmdq_select() picks, and
 * the hardware VMDq backend's ethdev calls.
 *
 * Hardware VMDq is compiled and selected when the PMD reports VMDq pools,
 * but no PMD that runs on machines without such a NIC has them (no virtual
 * PMD does), so it has not run here. It steers untagged pools only: VMDq's
 * VLAN-to-pool map is fixed when the port is configured, before any pool
 * exists, so a VLAN pool asks for the software classifier.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "switch.h"

#define RX_DESC 1024
#define TX_DESC 1024

static struct {
	unsigned int npools;
	unsigned int queues_per_pool;
} hw;

static int hw_configure(struct vmdq_set *s, struct errbuf *eb)
{
	hw.npools = vmdq_hw_pool_count(s->max_pools);
	if (s->caps.vmdq_queue_num < hw.npools)
		return errbuf_set(eb, -ENOTSUP, "the uplink has %u VMDq queues, fewer than "
				  "%u pools", s->caps.vmdq_queue_num, hw.npools);
	hw.queues_per_pool = s->caps.vmdq_queue_num / hw.npools;
	s->max_pools = hw.npools;
	return 0;
}

static int hw_pool_add(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb)
{
	struct rte_ether_addr mac;
	int r;

	if (p->key.vlan)
		return errbuf_set(eb, -ENOTSUP, "hardware VMDq here steers untagged pools "
				  "only; start the switch with --classifier software for "
				  "VLAN %u", p->key.vlan);
	memcpy(mac.addr_bytes, p->key.mac, sizeof(mac.addr_bytes));
	r = rte_eth_dev_mac_addr_add(sw.uplink, &mac, s->caps.vmdq_pool_base + p->id);
	if (r)
		return errbuf_set(eb, r, "the uplink refused the MAC of pool %u: %s", p->id,
				  rte_strerror(-r));
	p->queue = (uint16_t)(s->caps.vmdq_queue_base + p->id * hw.queues_per_pool);
	return 0;
}

static void hw_pool_del(struct vmdq_set *s, struct vmdq_pool *p)
{
	struct rte_ether_addr mac;

	(void)s;
	memcpy(mac.addr_bytes, p->key.mac, sizeof(mac.addr_bytes));
	rte_eth_dev_mac_addr_remove(sw.uplink, &mac);
}

static const struct vmdq_ops hw_ops = {
	.kind = VMDQ_HARDWARE,
	.configure = hw_configure,
	.pool_add = hw_pool_add,
	.pool_del = hw_pool_del,
};

static void hw_rx_conf(struct rte_eth_conf *conf)
{
	struct rte_eth_vmdq_rx_conf *v = &conf->rx_adv_conf.vmdq_rx_conf;

	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_VMDQ_ONLY;
	v->nb_queue_pools = (enum rte_eth_nb_pools)hw.npools;
	v->enable_default_pool = 0;
	/* Untagged frames to every pool; the NIC copies broadcast and
	 * multicast into each (the software flood, in hardware). */
	v->rx_mode = RTE_ETH_VMDQ_ACCEPT_UNTAG | RTE_ETH_VMDQ_ACCEPT_BROADCAST |
		     RTE_ETH_VMDQ_ACCEPT_MULTICAST;
	v->nb_pool_maps = 1;
	v->pool_map[0].vlan_id = 0;
	v->pool_map[0].pools = hw.npools >= 64 ? ~0ULL : (1ULL << hw.npools) - 1;
}

int sw_uplink_setup(uint16_t port, enum vmdq_want want, unsigned int max_pools,
		    struct errbuf *eb)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct vmdq_caps caps;
	enum vmdq_kind kind;
	uint16_t nrx = 1, ntx = (uint16_t)sw.nworkers, nrxd = RX_DESC, ntxd = TX_DESC;
	int r;

	r = rte_eth_dev_info_get(port, &info);
	if (r)
		return errbuf_set(eb, r, "uplink port %u: no device info: %s", port,
				  rte_strerror(-r));
	snprintf(sw.uplink_name, sizeof(sw.uplink_name), "%s", info.device ?
		 rte_dev_name(info.device) : "?");
	caps = (struct vmdq_caps){
		.max_vmdq_pools = info.max_vmdq_pools,
		.vmdq_queue_base = info.vmdq_queue_base,
		.vmdq_queue_num = info.vmdq_queue_num,
		.vmdq_pool_base = info.vmdq_pool_base,
	};
	r = vmdq_select(&caps, want, max_pools, &kind, eb);
	if (r)
		return r;
	sw.uplink = port;
	r = vmdq_set_init(&sw.set, kind == VMDQ_HARDWARE ? &hw_ops : &vmdq_software_ops,
			  NULL, &caps, max_pools, eb);
	if (r)
		return r;
	if (kind == VMDQ_HARDWARE) {
		hw_rx_conf(&conf);
		nrx = info.max_rx_queues;
	}
	if (ntx > info.max_tx_queues)
		return errbuf_set(eb, -EINVAL, "uplink %s has %u TX queues; the switch needs "
				  "one per worker lcore (%u): give fewer lcores", sw.uplink_name,
				  info.max_tx_queues, sw.nworkers);
	r = rte_eth_dev_configure(port, nrx, ntx, &conf);
	if (r)
		return errbuf_set(eb, r, "uplink %s: configure failed: %s", sw.uplink_name,
				  rte_strerror(-r));
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	for (uint16_t q = 0; q < nrx; q++) {
		r = rte_eth_rx_queue_setup(port, q, nrxd, rte_eth_dev_socket_id(port), NULL,
					   sw.mp);
		if (r)
			return errbuf_set(eb, r, "uplink %s: RX queue %u: %s", sw.uplink_name, q,
					  rte_strerror(-r));
	}
	for (uint16_t q = 0; q < ntx; q++) {
		r = rte_eth_tx_queue_setup(port, q, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (r)
			return errbuf_set(eb, r, "uplink %s: TX queue %u: %s", sw.uplink_name, q,
					  rte_strerror(-r));
	}
	r = rte_eth_dev_start(port);
	if (r)
		return errbuf_set(eb, r, "uplink %s: start failed: %s", sw.uplink_name,
				  rte_strerror(-r));
	/* The software classifier must see every guest's MAC. Some virtual
	 * PMDs (net_ring) have no such switch and pass everything anyway. */
	if (kind == VMDQ_SOFTWARE)
		rte_eth_promiscuous_enable(port);
	sw.have_uplink = true;
	sw_log("uplink %s (port %u): %s pools, %u RX / %u TX queues", sw.uplink_name, port,
	       vmdq_kind_name(kind), nrx, ntx);
	return 0;
}

void sw_uplink_close(void)
{
	if (!sw.have_uplink)
		return;
	rte_eth_dev_stop(sw.uplink);
	rte_eth_dev_close(sw.uplink);
	sw.have_uplink = false;
}
