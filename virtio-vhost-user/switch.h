/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iopass-switch internals: one uplink ethdev, guest ports on vhost-user
 * sockets, one pool per guest port (pool id == port slot), forwarding on
 * worker lcores, control on the main lcore.
 *
 * Sharing between the control side (main lcore, vhost callback thread) and
 * the workers is lock-free: workers read an immutable snapshot (struct
 * sw_cfg: classifier + active slots) that the control side replaces, and a
 * port's device (vid) through its `ready` flag. Whatever a worker may still
 * be using is only freed or reused after every worker has finished the loop
 * iteration it was in (sw_grace_wait: each worker bumps an epoch per loop).
 */
#ifndef IOPASS_SWITCH_H
#define IOPASS_SWITCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "iopass/vhost.h"
#include "iopass/vmdq.h"

#define SW_MAX_PORTS	VMDQ_MAX_POOLS
#define SW_MAX_WORKERS	16
#define SW_BURST	32
#define SW_VIRTIO_RXQ	0	/* the guest's receive ring: we enqueue */
#define SW_VIRTIO_TXQ	1	/* the guest's transmit ring: we dequeue */
/*
 * Enqueue attempts into a guest's full RX ring before its frames count as
 * dropped: a guest a little slower than its sender loses nothing, a stuck one
 * costs the worker a few microseconds per burst, not the other guests' frames.
 */
#define SW_ENQ_ATTEMPTS	8
#define SW_HOLD_MS	500
#define SW_MAX_UPQ	128	/* uplink RX queues polled (VMDq: one per NIC pool) */

struct sw_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t drops;
};

enum sw_port_state {
	SW_PORT_FREE,
	SW_PORT_LIVE,		/* registered with rte_vhost */
	SW_PORT_REMOVING,
};

struct sw_port {
	_Atomic int state;		/* enum sw_port_state */
	struct switch_port_spec spec;	/* path resolved */
	_Atomic int vid;		/* -1: no frontend connected */
	_Atomic bool ready;		/* vid usable by the workers */
	uint64_t connects;
	_Atomic uint32_t gen;		/* bumped by every add: held frames check it */
};

/* Per worker, so counting never shares a cache line across lcores. */
struct sw_worker {
	unsigned int idx;
	unsigned int lcore;
	_Atomic uint64_t epoch;
	_Atomic bool stopped;
	/* Where the worker's time goes, as OVS's pmd-stats-show counts it: TSC
	 * cycles of loop iterations that took frames in (busy) and of those
	 * that found none (idle), and the frames taken in (guests' TX rings and
	 * the uplink). Busy cycles per frame is the cost of forwarding one. */
	uint64_t busy_cycles, idle_cycles, frames_in;
	struct sw_counters port_rx[SW_MAX_PORTS];	/* from the guest */
	struct sw_counters port_tx[SW_MAX_PORTS];	/* to the guest */
	struct sw_counters pool[SW_MAX_PORTS];		/* classified to the pool */
	struct sw_counters up_rx, up_tx;
	uint64_t up_unknown;				/* unicast to no pool */
	struct sw_counters upq[SW_MAX_UPQ];		/* per uplink RX queue */
	uint64_t up_cycles;	/* TSC cycles in uplink bursts that brought frames */
	/* scratch: per pool, the frames of this burst for it, and for each
	 * its index in the burst (guest TX: bit 7 set when it may be held) */
	uint16_t nlist[SW_MAX_PORTS];
	uint16_t touched[SW_MAX_PORTS];
	uint16_t ntouched;
	struct rte_mbuf *lists[SW_MAX_PORTS][SW_BURST];
	uint8_t pos[SW_MAX_PORTS][SW_BURST];
	/* --lossless: per source port, frames a full guest ring refused */
	struct sw_held {
		uint16_t n;
		uint32_t src_gen;		/* the sender's port generation */
		uint64_t since;			/* TSC when first held */
		struct rte_mbuf *m[SW_BURST];
		uint16_t dst[SW_BURST];
		uint32_t dst_gen[SW_BURST];
	} held[SW_MAX_PORTS];
	bool stalled[SW_MAX_PORTS];	/* held frames for it expired: drop, not hold */
};

struct sw_cfg {
	struct vmdq_table *tbl;
	/* hardware VMDq: the classifier of the default pool's queue (the
	 * software pools only), and per NIC pool its pool id (VMDQ_NONE:
	 * nobody's) and that pool's VLAN and MAC, which the workers check */
	struct vmdq_table *sw_tbl;
	uint16_t hw_owner[VMDQ_MAX_HW_POOLS];
	uint16_t hw_vlan[VMDQ_MAX_HW_POOLS];
	uint8_t hw_mac[VMDQ_MAX_HW_POOLS][VMDQ_MAC_LEN];
	uint16_t n;
	uint16_t slots[SW_MAX_PORTS];		/* every live port */
	/* per worker, the ports whose TX ring it polls (sinks have none).
	 * A port stays with one worker (slot % workers) whatever comes and
	 * goes: held frames are the worker's, and two workers never read one
	 * ring in turn, which could reorder its frames. */
	uint16_t npoll[SW_MAX_WORKERS];
	uint16_t poll[SW_MAX_WORKERS][SW_MAX_PORTS];
};

struct sw {
	_Atomic bool stop;
	/*
	 * Lossless guest to guest: a unicast frame that finds its guest's RX
	 * ring full is held, and its sender's TX ring is not read again until
	 * it is delivered, so a slower guest slows its sender instead of
	 * losing frames. A guest that takes nothing for SW_HOLD_MS is stalled:
	 * what waits for it is dropped, and so is what comes for it until it
	 * takes frames again. That pause of its senders is why it is opt-in.
	 */
	bool lossless;
	uint64_t hold_tsc;		/* SW_HOLD_MS in TSC ticks */
	struct sw_cfg *_Atomic cfg;
	struct sw_worker *workers[SW_MAX_WORKERS];
	unsigned int nworkers;
	_Atomic bool running;		/* workers launched and not stopped */
	struct rte_mempool *mp;
	/* false while the uplink restarts (VLAN filters): workers keep off */
	_Atomic bool have_uplink;
	bool uplink_open;		/* configured: to be closed */
	uint16_t uplink;
	char uplink_name[64];
	struct vmdq_set set;
	struct sw_port ports[SW_MAX_PORTS];
	char ctl[SWITCH_PATH_MAX];
	char vhost_dir[SWITCH_PATH_MAX];	/* default home of port sockets */
};

extern struct sw sw;

/* A sink port counts and frees what it gets (benchmarks, tests): no vid. */
static inline bool sw_port_sink(const struct sw_port *p)
{
	return p->spec.mode == SWITCH_PORT_SINK;
}

void sw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* switch_port.c */
void sw_grace_wait(void);
int sw_cfg_publish(struct errbuf *eb);
int sw_port_add(const struct switch_port_spec *spec, struct errbuf *eb);
int sw_port_del(const char *name, struct errbuf *eb);
void sw_port_del_all(void);
struct sw_port *sw_port_find(const char *name);

/* switch_uplink.c */
int sw_uplink_setup(uint16_t port, enum vmdq_want want, unsigned int max_pools,
		    unsigned int hw_pools, struct errbuf *eb);
int sw_mbufs_default(struct errbuf *eb);
void sw_uplink_close(void);

/* switch_fwd.c */
int sw_worker_main(void *arg);

/* switch_ctl.c */
int sw_ctl_serve(struct errbuf *eb);
/* Sums the workers' counters at offset off of struct sw_worker. */
void sw_counters_sum(struct sw_counters *out, size_t off);

/* switch_metrics.c: /metrics over HTTP, served from sw_ctl_serve's loop. */
int sw_metrics_listen(const char *spec, struct errbuf *eb);
int sw_metrics_fd(void);		/* -1 without --metrics */
void sw_metrics_serve_one(void);
void sw_metrics_close(void);

#endif
