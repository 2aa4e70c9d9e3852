// SPDX-License-Identifier: GPL-2.0-only
/*
 * The uplink: any ethdev (net_tap, net_af_packet, net_ring, net_virtio_user
 * or a NIC's PMD), configured for the pool backend vmdq_select() picks, and
 * the hardware VMDq backend's ethdev calls.
 *
 * Hardware VMDq (seen working on the 82576, QEMU's igb, DPDK's
 * net_e1000_igb): every NIC pool the uplink has gets an RX queue; the last
 * is the default pool, where the NIC puts the unicast frames no MAC filter
 * took and a copy of each broadcast, and which the switch classifies in
 * software (pools past the NIC's count live there). Pools are MAC filters
 * with a pool index (rte_eth_dev_mac_addr_add); VLAN pools also need the
 * NIC's VLAN-to-pool filters, which DPDK sets only when the port is
 * configured: a change to them restarts the port (see hw_vlan_sync).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "switch.h"

#define RX_DESC 1024
#define TX_DESC 1024
/* mbufs beyond the rings: worker caches, bursts in flight, held frames */
#define MBUF_SLACK	8192
#define MBUF_CACHE	256

static struct {
	struct rte_eth_conf conf;	/* as configured: a restart reuses it */
	uint16_t nrx, ntx;
} up;

/* DPDK's driver name -> how its NIC lays out VMDq queues and filters. */
static void caps_of_driver(const char *driver, struct vmdq_caps *caps)
{
	caps->layout = VMDQ_LAYOUT_CONTIGUOUS;
	caps->vlan_filters = RTE_ETH_VMDQ_MAX_VLAN_FILTERS;
	if (driver && !strcmp(driver, "net_e1000_igb")) {
		/* 82576/i350: pool p's queues are p and p + 8; 32 VLVF entries
		 * (the PMD writes one per pool_map entry, unchecked) */
		caps->layout = VMDQ_LAYOUT_INTERLEAVED;
		caps->vlan_filters = 32;
	}
}

static int hw_configure(struct vmdq_set *s, struct errbuf *eb)
{
	s->queues = vmdq_rx_queues(&s->caps, s->hw_pools);
	if (s->queues > SW_MAX_UPQ)
		return errbuf_set(eb, -ENOTSUP, "the uplink's VMDq needs %u RX queues; the "
				  "switch polls at most %u", s->queues, SW_MAX_UPQ);
	return 0;
}

static int hw_pool_add(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb)
{
	struct rte_ether_addr mac;
	int r;

	memcpy(mac.addr_bytes, p->key.mac, sizeof(mac.addr_bytes));
	r = rte_eth_dev_mac_addr_add(sw.uplink, &mac, s->caps.vmdq_pool_base + p->hw);
	if (r)
		return errbuf_set(eb, r, "the uplink refused the MAC of pool %u: %s", p->id,
				  rte_strerror(-r));
	return 0;
}

static void hw_pool_del(struct vmdq_set *s, struct vmdq_pool *p)
{
	struct rte_ether_addr mac;

	(void)s;
	memcpy(mac.addr_bytes, p->key.mac, sizeof(mac.addr_bytes));
	rte_eth_dev_mac_addr_remove(sw.uplink, &mac);
}

static void hw_rx_conf(const struct vmdq_set *s, struct rte_eth_conf *conf)
{
	struct rte_eth_vmdq_rx_conf *v = &conf->rx_adv_conf.vmdq_rx_conf;

	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_VMDQ_ONLY;
	v->nb_queue_pools = (enum rte_eth_nb_pools)s->hw_pools;
	/* Without a default pool of our own, the NIC's default (pool 0 on
	 * the 82576) would take every unknown MAC into a guest's queue. */
	v->enable_default_pool = 1;
	v->default_pool = (uint8_t)s->default_hw;
	/* Untagged frames to every pool; the NIC copies broadcast and
	 * multicast into each (the software flood, in hardware). */
	v->rx_mode = RTE_ETH_VMDQ_ACCEPT_UNTAG | RTE_ETH_VMDQ_ACCEPT_BROADCAST |
		     RTE_ETH_VMDQ_ACCEPT_MULTICAST;
	v->nb_pool_maps = s->nvlan;
	for (unsigned int i = 0; i < s->nvlan; i++) {
		v->pool_map[i].vlan_id = s->vlan[i].vlan;
		v->pool_map[i].pools = s->vlan[i].pools;
	}
}

static int uplink_start(uint16_t port, struct errbuf *eb)
{
	int r = rte_eth_dev_start(port);

	if (r)
		return errbuf_set(eb, r, "uplink %s: start failed: %s", sw.uplink_name,
				  rte_strerror(-r));
	return 0;
}

/*
 * The VLAN filters the pools need, applied. DPDK programs a NIC's
 * VLAN-to-pool filters (the 82576's VLVF) only from the configuration it
 * is given at rte_eth_dev_configure(), so a new set of filters means:
 * workers off the uplink, stop, configure, start (MAC filters come back on
 * their own: ethdev restores them with their pools). Frames that reach the
 * NIC meanwhile are lost: adding or removing a VLAN pool costs the other
 * pools a gap.
 */
static int hw_vlan_sync(struct vmdq_set *s, struct errbuf *eb)
{
	struct vmdq_vlan_map maps[VMDQ_MAX_VLAN_MAPS];
	unsigned int n;
	int r;

	if (vmdq_vlan_maps(s, maps, s->caps.vlan_filters, &n))
		return errbuf_set(eb, -ENOSPC, "more VLANs than the uplink's %u VLAN filters",
				  s->caps.vlan_filters);
	/* Unchanged, or the switch is stopping (its ports go one by one). */
	if ((n == s->nvlan && !memcmp(maps, s->vlan, n * sizeof(maps[0]))) ||
	    atomic_load(&sw.stop))
		return 0;
	memcpy(s->vlan, maps, n * sizeof(maps[0]));
	s->nvlan = n;
	hw_rx_conf(s, &up.conf);
	atomic_store(&sw.have_uplink, false);
	sw_grace_wait();
	r = rte_eth_dev_stop(sw.uplink);
	if (!r)
		r = rte_eth_dev_configure(sw.uplink, up.nrx, up.ntx, &up.conf);
	if (r) {
		sw_log("uplink %s: reconfiguring for VLAN filters failed: %s; it stays down",
		       sw.uplink_name, rte_strerror(-r));
		return errbuf_set(eb, r, "uplink %s: reconfiguring its VLAN filters failed: %s",
				  sw.uplink_name, rte_strerror(-r));
	}
	r = uplink_start(sw.uplink, eb);
	if (r) {
		sw_log("%s; the uplink stays down", eb ? eb->msg : "uplink start failed");
		return r;
	}
	atomic_store(&sw.have_uplink, true);
	sw_log("uplink %s restarted with %u VLAN filter(s)", sw.uplink_name, n);
	return 0;
}

static const struct vmdq_ops hw_ops = {
	.kind = VMDQ_HARDWARE,
	.configure = hw_configure,
	.pool_add = hw_pool_add,
	.pool_del = hw_pool_del,
	.vlan_sync = hw_vlan_sync,
};

/* mbufs for every RX and TX descriptor of the uplink and then some. */
static int mbufs_create(unsigned int n, struct errbuf *eb)
{
	unsigned int count = 1;

	while (count - 1 < n)
		count <<= 1;
	sw.mp = rte_pktmbuf_pool_create("sw_mbufs", count - 1, MBUF_CACHE, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!sw.mp)
		return errbuf_set(eb, -ENOMEM, "no memory for %u mbufs (%u RX queues of the "
				  "uplink): give the EAL more (--mem)", count - 1, up.nrx);
	return 0;
}

int sw_mbufs_default(struct errbuf *eb)
{
	return mbufs_create(MBUF_SLACK, eb);
}

int sw_uplink_setup(uint16_t port, enum vmdq_want want, unsigned int max_pools,
		    unsigned int hw_pools, struct errbuf *eb)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct vmdq_caps caps;
	enum vmdq_kind kind;
	uint16_t nrxd = RX_DESC, ntxd = TX_DESC;
	int r;

	memset(&up, 0, sizeof(up));
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
	caps_of_driver(info.driver_name, &caps);
	r = vmdq_select(&caps, want, &kind, eb);
	if (r)
		return r;
	sw.uplink = port;
	sw.uplink_open = true;	/* closed by sw_uplink_close() from here on */
	r = vmdq_set_init(&sw.set, kind == VMDQ_HARDWARE ? &hw_ops : &vmdq_software_ops,
			  NULL, &caps, max_pools, hw_pools, eb);
	if (r)
		return r;
	up.nrx = (uint16_t)sw.set.queues;
	up.ntx = (uint16_t)sw.nworkers;
	if (kind == VMDQ_HARDWARE)
		hw_rx_conf(&sw.set, &up.conf);
	if (up.ntx > info.max_tx_queues)
		return errbuf_set(eb, -EINVAL, "uplink %s has %u TX queues; the switch needs "
				  "one per worker lcore (%u): give fewer lcores", sw.uplink_name,
				  info.max_tx_queues, sw.nworkers);
	if (up.nrx > info.max_rx_queues)
		return errbuf_set(eb, -EINVAL, "uplink %s has %u RX queues; its %u VMDq pools "
				  "need %u", sw.uplink_name, info.max_rx_queues,
				  sw.set.hw_pools, up.nrx);
	r = rte_eth_dev_configure(port, up.nrx, up.ntx, &up.conf);
	if (r)
		return errbuf_set(eb, r, "uplink %s: configure failed: %s", sw.uplink_name,
				  rte_strerror(-r));
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	r = mbufs_create((unsigned int)up.nrx * nrxd + (unsigned int)up.ntx * ntxd +
			 MBUF_SLACK, eb);
	if (r)
		return r;
	/* A full queue drops its own frames instead of stalling the NIC's
	 * packet buffer for every pool (82576 without SRRCTL.DROP_EN). */
	rxconf = info.default_rxconf;
	rxconf.rx_drop_en = 1;
	for (uint16_t q = 0; q < up.nrx; q++) {
		r = rte_eth_rx_queue_setup(port, q, nrxd, rte_eth_dev_socket_id(port), &rxconf,
					   sw.mp);
		if (r)
			return errbuf_set(eb, r, "uplink %s: RX queue %u: %s", sw.uplink_name, q,
					  rte_strerror(-r));
	}
	for (uint16_t q = 0; q < up.ntx; q++) {
		r = rte_eth_tx_queue_setup(port, q, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (r)
			return errbuf_set(eb, r, "uplink %s: TX queue %u: %s", sw.uplink_name, q,
					  rte_strerror(-r));
	}
	r = uplink_start(port, eb);
	if (r)
		return r;
	/* The software classifier must see every guest's MAC. Some virtual
	 * PMDs (net_ring) have no such switch and pass everything anyway. */
	if (kind == VMDQ_SOFTWARE)
		rte_eth_promiscuous_enable(port);
	atomic_store(&sw.have_uplink, true);
	if (kind == VMDQ_HARDWARE)
		sw_log("uplink %s (port %u, %s): hardware VMDq, %u NIC pools (%u for guests, "
		       "pool %u the default on queue %u), %u RX / %u TX queues, %u mbufs",
		       sw.uplink_name, port, info.driver_name, sw.set.hw_pools,
		       sw.set.hw_usable, sw.set.default_hw, sw.set.default_queue, up.nrx,
		       up.ntx, rte_mempool_avail_count(sw.mp));
	else
		sw_log("uplink %s (port %u, %s): software pools, %u RX / %u TX queues",
		       sw.uplink_name, port, info.driver_name, up.nrx, up.ntx);
	return 0;
}

void sw_uplink_close(void)
{
	if (!sw.uplink_open)
		return;
	rte_eth_dev_stop(sw.uplink);
	rte_eth_dev_close(sw.uplink);
	sw.uplink_open = false;
	atomic_store(&sw.have_uplink, false);
}
