/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Queue pools keyed by MAC+VLAN. A pool is where the frames for one guest
 * go: frames whose destination MAC and VLAN match the pool's key, plus a
 * copy of every broadcast and multicast frame of the pool's VLAN.
 *
 * Two backends share one ops table (struct vmdq_ops):
 *  - hardware: the NIC's VMDq steers each pool's frames into its own RX
 *    queue (DPDK RTE_ETH_MQ_RX_VMDQ_ONLY, MACs added with a pool index).
 *    Only some PMDs have it (ixgbe, i40e, igb, ...); no virtual PMD does.
 *  - software: every frame arrives on one RX queue and the classifier below
 *    (an open-addressing hash on MAC+VLAN, looked up a burst at a time)
 *    picks the pool in the poll loop. It runs everywhere.
 * Frames sent by guests are always classified in software (guest to guest
 * never reaches the NIC), so the classifier is built in both cases.
 *
 * This header and vmdq/ are pure C with no DPDK: the hardware backend's
 * ethdev calls live with the switch (iopass_vmdq_dpdk), so everything here
 * is unit-tested without an EAL.
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

/* What a NIC says about itself (rte_eth_dev_info's VMDq fields). */
struct vmdq_caps {
	uint16_t max_vmdq_pools;
	uint16_t vmdq_queue_base;
	uint16_t vmdq_queue_num;
	uint16_t vmdq_pool_base;
};

enum vmdq_want {
	VMDQ_WANT_AUTO,		/* hardware when the NIC has it */
	VMDQ_WANT_SOFTWARE,
	VMDQ_WANT_HARDWARE,	/* refuse to run without it */
};

/*
 * Picks the backend for a NIC that must hold npools pools. Hardware needs
 * max_vmdq_pools >= npools (rounded up to the 8/16/32/64 split VMDq NICs
 * use). -ENOTSUP (and why, in eb) when hardware was demanded and cannot be.
 */
int vmdq_select(const struct vmdq_caps *caps, enum vmdq_want want,
		unsigned int npools, enum vmdq_kind *kind, struct errbuf *eb);

/* The VMDq pool count for npools: the smallest of 8, 16, 32, 64 that fits. */
unsigned int vmdq_hw_pool_count(unsigned int npools);

struct vmdq_pool {
	bool used;
	uint16_t id;
	struct vmdq_key key;
	uint16_t queue;		/* hardware: the RX queue of this pool */
};

struct vmdq_set;

/*
 * A backend. configure() readies the NIC for a pool count; pool_add() and
 * pool_del() steer one pool's frames (software: nothing to do on the NIC,
 * the classifier does it).
 */
struct vmdq_ops {
	enum vmdq_kind kind;
	int (*configure)(struct vmdq_set *s, struct errbuf *eb);
	int (*pool_add)(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb);
	void (*pool_del)(struct vmdq_set *s, struct vmdq_pool *p);
};

extern const struct vmdq_ops vmdq_software_ops;

struct vmdq_set {
	const struct vmdq_ops *ops;
	void *priv;			/* the backend's (hardware: the port) */
	struct vmdq_caps caps;
	unsigned int max_pools;		/* pools this set may hold */
	struct vmdq_pool pools[VMDQ_MAX_POOLS];
};

int vmdq_set_init(struct vmdq_set *s, const struct vmdq_ops *ops, void *priv,
		  const struct vmdq_caps *caps, unsigned int max_pools,
		  struct errbuf *eb);
/* Adds a pool with a free id (*id); -EEXIST, -ENOSPC, -EINVAL as above. */
int vmdq_set_add(struct vmdq_set *s, const struct vmdq_key *key, uint16_t *id,
		 struct errbuf *eb);
int vmdq_set_del(struct vmdq_set *s, uint16_t id);
/* A classifier over the set's pools now. */
int vmdq_set_build(const struct vmdq_set *s, struct vmdq_table **out,
		   struct errbuf *eb);

#endif
