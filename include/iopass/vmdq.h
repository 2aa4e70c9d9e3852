/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Queue pools keyed by MAC+VLAN. A pool is where the frames for one guest
 * go: frames whose destination MAC and VLAN match the pool's key, plus a
 * copy of every broadcast and multicast frame of the pool's VLAN.
 *
 * Two backends share one ops table (struct vmdq_ops):
 *  - hardware: the NIC's VMDq steers each pool's frames into its own RX
 *    queue (DPDK RTE_ETH_MQ_RX_VMDQ_ONLY, MACs added with a pool index),
 *    for as many pools as the NIC has; the rest arrive in its default
 *    pool's queue and are classified in software from there. Only some
 *    PMDs have it (ixgbe, i40e, igb, ...); no virtual PMD does.
 *  - software: every frame arrives on one RX queue and the classifier below
 *    (an open-addressing hash on MAC+VLAN, looked up a burst at a time)
 *    picks the pool in the poll loop. It runs everywhere.
 * Frames sent by guests are always classified in software (guest to guest
 * never reaches the NIC), so the classifier is built in both cases.
 *
 * This header and vmdq/ are pure C with no DPDK: the hardware backend's
 * ethdev calls live with the switch (virtio-vhost-user/switch_uplink.c), so
 * everything here is unit-tested without an EAL.
 */
#ifndef IOPASS_VMDQ_H
#define IOPASS_VMDQ_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iopass/util.h"

#define VMDQ_MAX_POOLS	256
#define VMDQ_MAC_LEN	6
#define VMDQ_VLAN_MAX	4094	/* 0 means untagged; 4095 is reserved */

/* A frame's destination as the classifier sees it. */
struct vmdq_key {
	uint8_t mac[VMDQ_MAC_LEN];
	uint16_t vlan;		/* 0: untagged (or priority-tagged) */
};

static inline bool vmdq_mac_is_multicast(const uint8_t mac[VMDQ_MAC_LEN])
{
	return mac[0] & 1;	/* broadcast is a multicast address too */
}

/*
 * Reads the destination MAC and VLAN of an Ethernet frame (one 802.1Q tag
 * at most is looked at). *tag_len := 4 when the frame carries a tag, else 0.
 * -EINVAL for a frame too short to have a header (a runt: drop it).
 * Inline: the poll loop calls it for every frame.
 */
static inline int vmdq_key_from_frame(const void *frame, uint32_t len,
				      struct vmdq_key *key, uint32_t *tag_len)
{
	const uint8_t *f = frame;

	if (len < 14)
		return -EINVAL;
	memcpy(key->mac, f, VMDQ_MAC_LEN);
	key->vlan = 0;
	*tag_len = 0;
	if (f[12] == 0x81 && f[13] == 0x00) {	/* 802.1Q */
		if (len < 18)
			return -EINVAL;
		key->vlan = (uint16_t)((f[14] << 8 | f[15]) & 0xfff);
		*tag_len = 4;
	}
	return 0;
}

/* --------------------------------------------------------- classifier */

/* Where a frame goes. pools[0..n) are pool ids. */
enum vmdq_dest {
	VMDQ_DEST_POOL,		/* one pool: n == 1 */
	VMDQ_DEST_FLOOD,	/* broadcast/multicast: every pool of the VLAN */
	VMDQ_DEST_MISS,		/* unicast to no pool (unknown MAC): n == 0 */
};

struct vmdq_verdict {
	uint8_t dest;		/* enum vmdq_dest */
	uint16_t n;
	const uint16_t *pools;
};

/*
 * The classifier is immutable once built: the switch builds a new one when
 * a pool comes or goes and swaps it in, so the poll loop never takes a lock.
 */
struct vmdq_table;

struct vmdq_pool_key {
	uint16_t id;
	struct vmdq_key key;
};

/*
 * Builds a table of n pools. -EINVAL for a multicast or zero MAC or a VLAN
 * above VMDQ_VLAN_MAX, -EEXIST for two pools with one key, -E2BIG past
 * VMDQ_MAX_POOLS.
 */
int vmdq_table_build(const struct vmdq_pool_key *pools, unsigned int n,
		     struct vmdq_table **out, struct errbuf *eb);
void vmdq_table_free(struct vmdq_table *t);

/*
 * Classifies n keys (a burst): hashes each key unlike the one before it,
 * prefetches its slot, then probes; a key like the one before it gets the
 * same verdict without a lookup. Returns the number of runs of equal keys
 * (a multicast key counts as its VLAN's broadcast): 1 when the whole burst
 * goes one way, the poll loop's cue to send it in one piece.
 */
unsigned int vmdq_classify_burst(const struct vmdq_table *t, const struct vmdq_key *keys,
				 unsigned int n, struct vmdq_verdict *out);

/* ------------------------------------------------------------- pools */

enum vmdq_kind {
	VMDQ_SOFTWARE,
	VMDQ_HARDWARE,
};

const char *vmdq_kind_name(enum vmdq_kind k);

/*
 * Where a NIC puts pool p's first RX queue. Most VMDq NICs give each pool a
 * run of queues (base + p * queues/pools); the 82576 interleaves them: pool
 * p owns queues p and p + 8 ("PQn = VFn + VQn * 8", its datasheet 8.26.1),
 * and without RSS only the first of them receives.
 */
enum vmdq_layout {
	VMDQ_LAYOUT_CONTIGUOUS,
	VMDQ_LAYOUT_INTERLEAVED,
};

/* What a NIC says about itself (rte_eth_dev_info's VMDq fields). */
struct vmdq_caps {
	uint16_t max_vmdq_pools;
	uint16_t vmdq_queue_base;
	uint16_t vmdq_queue_num;
	uint16_t vmdq_pool_base;
	uint8_t layout;			/* enum vmdq_layout */
	uint16_t vlan_filters;		/* VLAN-to-pool filters, 0: none */
};

enum vmdq_want {
	VMDQ_WANT_AUTO,		/* hardware when the NIC has it */
	VMDQ_WANT_SOFTWARE,
	VMDQ_WANT_HARDWARE,	/* refuse to run without it */
};

/*
 * Picks the backend of a NIC. Hardware needs VMDq with two pools at least:
 * one is kept as the default pool, where the NIC puts every frame it does
 * not steer (unknown MACs, and the pools that did not get a NIC pool of
 * their own: those are classified in software from there). So any number
 * of pools runs on hardware, the first ones in NIC pools. -ENOTSUP (and
 * why, in eb) when hardware was demanded and the NIC has no VMDq.
 */
int vmdq_select(const struct vmdq_caps *caps, enum vmdq_want want,
		enum vmdq_kind *kind, struct errbuf *eb);

/*
 * The NIC pool count to configure for up to npools pools in hardware (plus
 * the default pool): the smallest of 8, 16, 32, 64 that holds npools + 1,
 * at most what the NIC has.
 */
unsigned int vmdq_hw_pool_count(const struct vmdq_caps *caps, unsigned int npools);
/* RX queue of NIC pool p when nb_pools are configured. */
unsigned int vmdq_queue_of(const struct vmdq_caps *caps, unsigned int nb_pools,
			   unsigned int p);
/* RX queues to set up so that every NIC pool's first queue exists. */
unsigned int vmdq_rx_queues(const struct vmdq_caps *caps, unsigned int nb_pools);

/* Why a pool is classified in software. Words for the control protocol. */
enum vmdq_why {
	VMDQ_WHY_NONE,		/* it is in hardware */
	VMDQ_WHY_NO_VMDQ,	/* the uplink has no VMDq, or software was asked for */
	VMDQ_WHY_FULL,		/* every NIC pool for guests is taken */
	VMDQ_WHY_VLAN,		/* no VLAN filter left on the NIC for its VLAN */
	VMDQ_WHY_REFUSED,	/* the NIC refused its MAC (address filters full) */
};

const char *vmdq_why_word(enum vmdq_why w);
enum vmdq_why vmdq_why_parse(const char *word);
/* A sentence for an operator ("all 7 hardware pools are in use"). */
const char *vmdq_why_text(enum vmdq_why w);

#define VMDQ_NONE	0xffff

struct vmdq_pool {
	bool used;
	uint16_t id;
	struct vmdq_key key;
	uint8_t kind;		/* enum vmdq_kind: where its frames are sorted */
	uint8_t why;		/* enum vmdq_why: software, and why */
	uint16_t hw;		/* hardware: its NIC pool, else VMDQ_NONE */
	uint16_t queue;		/* the RX queue its uplink frames arrive on */
};

struct vmdq_set;

/*
 * A backend. configure() readies the NIC (s->hw_pools, s->queues);
 * pool_add() steers one pool's frames into NIC pool p->hw (hardware only:
 * software pools need nothing on the NIC); vlan_sync() applies the set's
 * VLAN filter map after a change (NULL: the backend has none).
 */
struct vmdq_ops {
	enum vmdq_kind kind;
	int (*configure)(struct vmdq_set *s, struct errbuf *eb);
	int (*pool_add)(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb);
	void (*pool_del)(struct vmdq_set *s, struct vmdq_pool *p);
	int (*vlan_sync)(struct vmdq_set *s, struct errbuf *eb);
};

extern const struct vmdq_ops vmdq_software_ops;

#define VMDQ_MAX_HW_POOLS	64
#define VMDQ_MAX_VLAN_MAPS	64

/* One VLAN filter: the NIC pools that take frames tagged with vlan. */
struct vmdq_vlan_map {
	uint16_t vlan;
	uint64_t pools;
};

struct vmdq_set {
	const struct vmdq_ops *ops;
	void *priv;			/* the backend's (hardware: the port) */
	struct vmdq_caps caps;
	unsigned int max_pools;		/* pools this set may hold */
	/* hardware only: NIC pools configured, how many of them guests may
	 * have, the default pool (the last one) and its RX queue */
	unsigned int hw_pools;
	unsigned int hw_usable;
	uint16_t default_hw;
	uint16_t default_queue;
	unsigned int queues;		/* RX queues the uplink polls */
	uint16_t hw_owner[VMDQ_MAX_HW_POOLS];	/* NIC pool -> pool id */
	unsigned int nvlan;		/* the VLAN filters applied */
	struct vmdq_vlan_map vlan[VMDQ_MAX_VLAN_MAPS];
	struct vmdq_pool pools[VMDQ_MAX_POOLS];
};

/*
 * max_pools: pools in all; hw_limit: at most this many in NIC pools (0: as
 * many as the NIC has). Hardware: configure() sets hw_pools and the queues.
 */
int vmdq_set_init(struct vmdq_set *s, const struct vmdq_ops *ops, void *priv,
		  const struct vmdq_caps *caps, unsigned int max_pools,
		  unsigned int hw_limit, struct errbuf *eb);
/*
 * Adds a pool with a free id (*id); -EEXIST, -ENOSPC, -EINVAL as above. On
 * hardware it gets a NIC pool when one is free and the NIC can filter its
 * VLAN; else it is classified in software from the default pool, and
 * p->why says why.
 */
int vmdq_set_add(struct vmdq_set *s, const struct vmdq_key *key, uint16_t *id,
		 struct errbuf *eb);
int vmdq_set_del(struct vmdq_set *s, uint16_t id);
/*
 * A classifier over the set's pools now: all of them, or (software_only)
 * those classified in software, for the frames of the default pool.
 */
int vmdq_set_build(const struct vmdq_set *s, bool software_only,
		   struct vmdq_table **out, struct errbuf *eb);
/* NIC pools still free for guests' pools (hardware; 0 on software). */
unsigned int vmdq_set_hw_free(const struct vmdq_set *s);
/*
 * The VLAN filters the set needs: for each VLAN of a pool, the NIC pools
 * that must take its frames (a hardware pool's own; the default pool for
 * a software pool, so that its broadcasts arrive there too). VLAN 0 is
 * untagged and needs none. -E2BIG past max.
 */
int vmdq_vlan_maps(const struct vmdq_set *s, struct vmdq_vlan_map *out,
		   unsigned int max, unsigned int *n);

#endif
