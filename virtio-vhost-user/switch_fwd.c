// SPDX-License-Identifier: GPL-2.0-only
/*
 * The poll loop of one worker lcore:
 *   uplink RX -> classifier -> pool -> the pool's guest RX ring
 *   guest TX  -> classifier -> other pools (guest to guest) and/or uplink
 * Broadcast and multicast go to every pool of the frame's VLAN (never back
 * to the guest that sent it) and, from a guest, to the uplink as well;
 * unicast to no pool goes to the uplink from a guest and is dropped (and
 * counted) from the uplink.
 *
 * VLANs are port VLANs, as on an SR-IOV VF: a guest sends and receives
 * untagged frames; the switch tags them with the port's VLAN towards the
 * uplink and strips the tag on the way in. A tagged frame from a guest is
 * dropped: a guest picks no VLAN of its own.
 *
 * rte_vhost_enqueue_burst() copies into the guest's buffers and leaves the
 * mbufs to us, so one mbuf serves every pool of a flood; the uplink gets
 * them last because rte_eth_tx_burst() takes them and the tag goes in then.
 *
 * Cost (tests/bench/switch-cost counts instructions per frame): the vhost
 * library's copies and ring work are most of it and are the same for every
 * vhost-user switch. Ours is kept per burst where it can be: headers read in
 * one pass, one lookup per run of frames to one destination, a burst for
 * one guest sent in one piece (guest_tx_one), counters added once per burst,
 * mbufs put back to their pool in bulk, no atomic operation per frame.
 */
#include <rte_ethdev.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_vhost.h>

#include "switch.h"

#define POS_HOLDABLE 0x80

static inline void deliver_add(struct sw_worker *w, uint16_t pool, struct rte_mbuf *m,
			       uint8_t pos)
{
	uint16_t k = w->nlist[pool];

	if (!k)
		w->touched[w->ntouched++] = pool;
	w->lists[pool][k] = m;
	w->pos[pool][k] = pos;
	w->nlist[pool] = k + 1;
}

static inline uint16_t enqueue(int vid, struct rte_mbuf **l, uint16_t n)
{
	uint16_t sent = 0;

	for (int a = 0; a < SW_ENQ_ATTEMPTS && sent < n; a++) {
		if (a)
			rte_pause();
		sent += rte_vhost_enqueue_burst(vid, SW_VIRTIO_RXQ, l + sent, n - sent);
	}
	return sent;
}

static inline uint64_t bytes_of(struct rte_mbuf **l, uint16_t n)
{
	uint64_t b = 0;

	for (uint16_t i = 0; i < n; i++)
		b += rte_pktmbuf_pkt_len(l[i]);
	return b;
}

/* Into pool id's guest (or sink), n frames of `bytes` in all; returns how
 * many it took. */
static uint16_t deliver(struct sw_worker *w, uint16_t id, struct rte_mbuf **l, uint16_t n,
			uint64_t bytes)
{
	struct sw_port *p = &sw.ports[id];
	uint16_t sent;

	if (!atomic_load_explicit(&p->ready, memory_order_acquire))
		sent = 0;
	else if (sw_port_sink(p))
		sent = n;
	else
		sent = enqueue(atomic_load_explicit(&p->vid, memory_order_relaxed), l, n);
	if (sent)
		w->stalled[id] = false;
	w->port_tx[id].pkts += sent;
	w->port_tx[id].bytes += sent == n ? bytes : bytes_of(l, sent);
	return sent;
}

static inline void count_drops(struct sw_worker *w, uint16_t id, uint16_t n)
{
	w->pool[id].drops += n;
	w->port_tx[id].drops += n;
}

/* --lossless: frame m from guest src waits on src's held list for dst. */
static void hold(struct sw_worker *w, uint16_t src, uint16_t dst, struct rte_mbuf *m)
{
	struct sw_held *h = &w->held[src];

	if (!h->n) {
		h->since = rte_get_tsc_cycles();
		h->src_gen = atomic_load_explicit(&sw.ports[src].gen, memory_order_relaxed);
	}
	h->m[h->n] = m;
	h->dst_gen[h->n] = atomic_load_explicit(&sw.ports[dst].gen, memory_order_relaxed);
	h->dst[h->n++] = dst;
}

/*
 * Sends every pool's list of this burst. With src >= 0 (frames from guest
 * src) and --lossless, holdable frames its pool refused go on src's held
 * list; the burst indexes of those come back as a mask (the caller must not
 * free them).
 */
static uint32_t deliver_flush(struct sw_worker *w, int src)
{
	uint32_t held = 0;

	for (uint16_t t = 0; t < w->ntouched; t++) {
		uint16_t id = w->touched[t], n = w->nlist[id], sent;
		struct rte_mbuf **l = w->lists[id];
		uint64_t bytes = bytes_of(l, n);

		w->pool[id].pkts += n;
		w->pool[id].bytes += bytes;
		sent = deliver(w, id, l, n, bytes);
		for (uint16_t i = sent; i < n; i++) {
			if (!sw.lossless || src < 0 || !(w->pos[id][i] & POS_HOLDABLE) ||
			    w->stalled[id]) {
				count_drops(w, id, 1);
				continue;
			}
			hold(w, (uint16_t)src, id, l[i]);
			held |= 1u << (w->pos[id][i] & 0x1f);
		}
		w->nlist[id] = 0;
	}
	w->ntouched = 0;
	return held;
}

/*
 * --lossless: tries again what src's last bursts left held. True when
 * nothing is held any more (src may send again); false while its frames
 * still wait. After SW_HOLD_MS without progress they are dropped and their
 * guest is stalled: one that stopped reading must not stop its senders.
 */
static bool held_retry(struct sw_worker *w, uint16_t src)
{
	struct sw_held *h = &w->held[src];
	uint16_t k = 0, keep = 0;
	bool expired = rte_get_tsc_cycles() - h->since > sw.hold_tsc;

	while (k < h->n) {
		uint16_t id = h->dst[k], run = 1, sent;
		/* A port deleted (and its slot perhaps reused) since: drop. */
		bool gone = h->dst_gen[k] != atomic_load_explicit(&sw.ports[id].gen,
								  memory_order_relaxed);

		while (k + run < h->n && h->dst[k + run] == id)
			run++;
		sent = expired || gone ? 0 :
		       deliver(w, id, &h->m[k], run, bytes_of(&h->m[k], run));
		if (expired || gone) {
			w->stalled[id] = expired;
			count_drops(w, id, run);
			rte_pktmbuf_free_bulk(&h->m[k], run);
		} else {
			if (sent)
				h->since = rte_get_tsc_cycles();	/* progress */
			/* Order per destination holds: keep what is left. */
			for (uint16_t i = sent; i < run; i++) {
				h->m[keep] = h->m[k + i];
				h->dst_gen[keep] = h->dst_gen[k + i];
				h->dst[keep++] = id;
			}
		}
		k += run;
	}
	h->n = keep;
	return !keep;
}

static void held_drop_all(struct sw_worker *w, uint16_t src)
{
	struct sw_held *h = &w->held[src];

	for (uint16_t k = 0; k < h->n; k++)
		count_drops(w, h->dst[k], 1);
	rte_pktmbuf_free_bulk(h->m, h->n);
	h->n = 0;
}

/* Logs the 1st, 2nd, 4th, 8th... occurrence: seen, never a flood of lines. */
static inline bool log_now(uint64_t count)
{
	return !(count & (count - 1));
}

static void log_frame(const char *what, const char *port, uint64_t count,
		      const struct vmdq_key *k)
{
	sw_log("%s%s: %s to %02x:%02x:%02x:%02x:%02x:%02x VLAN %u dropped (%llu so far)",
	       port ? "port " : "uplink", port ? port : "", what, k->mac[0], k->mac[1],
	       k->mac[2], k->mac[3], k->mac[4], k->mac[5], k->vlan,
	       (unsigned long long)count);
}

/* What burst_keys saw besides plain frames: any of them means the slow path. */
#define ODD_BAD		1u	/* a runt */
#define ODD_TAGGED	2u	/* an 802.1Q tag */
#define ODD_SEGS	4u	/* more than one segment: rte_pktmbuf_free it */
#define ODD_MIXED	8u	/* keys unlike the first frame's: not one flow */
_Static_assert(sizeof(struct vmdq_key) == sizeof(uint64_t), "a key compares as one word");

/*
 * Keys of a burst in one pass over the headers, and the bytes of all its
 * frames. A frame without a usable header gets bad[i] (and a zero key: it
 * is classified, then dropped). vlan >= 0 is every frame's VLAN (a guest's
 * port VLAN) instead of its tag's. Returns the ODD_* flags of the burst.
 */
static inline unsigned int burst_keys(struct rte_mbuf **pkts, uint16_t n, int vlan,
				      struct vmdq_key *keys, uint32_t *tag, bool *bad,
				      uint64_t *bytes)
{
	unsigned int odd = 0;
	uint64_t sum = 0, first = 0, word;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		bad[i] = vmdq_key_from_frame(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m),
					     &keys[i], &tag[i]) < 0;
		if (unlikely(bad[i]))
			memset(&keys[i], 0, sizeof(keys[i]));
		else if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
			keys[i].vlan = m->vlan_tci & 0xfff;	/* the NIC took the tag */
		if (vlan >= 0)
			keys[i].vlan = (uint16_t)vlan;
		sum += rte_pktmbuf_pkt_len(m);
		odd |= (bad[i] ? ODD_BAD : 0) | (tag[i] ? ODD_TAGGED : 0) |
		       (m->nb_segs != 1 ? ODD_SEGS : 0);
		/* the key as one word (struct vmdq_key is 8 bytes, no padding) */
		memcpy(&word, &keys[i], sizeof(word));
		if (!i)
			first = word;
		odd |= word != first ? ODD_MIXED : 0;
	}
	*bytes = sum;
	return odd;
}

/*
 * Frees what the guests sent us: mbufs rte_vhost_dequeue_burst() took from
 * sw.mp, direct (no external buffers asked for) and never shared (a flood
 * enqueues copies): when each is one segment there is nothing for
 * rte_pktmbuf_free() to undo, and they go back to the pool in one put.
 */
static inline void guest_mbufs_free(struct rte_mbuf **m, uint16_t n, unsigned int odd)
{
	if (odd & ODD_SEGS)
		rte_pktmbuf_free_bulk(m, n);
	else if (n)
		rte_mempool_put_bulk(sw.mp, (void **)m, n);
}

/* Uplink queue q, classified with tbl (every pool's, or on hardware the
 * default pool's queue with the software pools' table). Returns the frames
 * it took in. */
static uint16_t uplink_rx_software(struct sw_worker *w, uint16_t q, const struct vmdq_table *tbl)
{
	struct rte_mbuf *pkts[SW_BURST];
	struct vmdq_key keys[SW_BURST];
	struct vmdq_verdict v[SW_BURST];
	uint32_t tag[SW_BURST];
	bool bad[SW_BURST];
	uint64_t t0 = rte_rdtsc(), bytes;
	uint16_t n;

	n = rte_eth_rx_burst(sw.uplink, q, pkts, SW_BURST);
	if (!n)
		return 0;
	burst_keys(pkts, n, -1, keys, tag, bad, &bytes);
	vmdq_classify_burst(tbl, keys, n, v);
	w->upq[q].pkts += n;
	w->upq[q].bytes += bytes;
	w->up_rx.pkts += n;
	w->up_rx.bytes += bytes;
	for (uint16_t i = 0; i < n; i++) {
		if (bad[i] || !v[i].n) {
			w->up_rx.drops++;
			if (!bad[i] && v[i].dest == VMDQ_DEST_MISS &&
			    log_now(++w->up_unknown))
				log_frame("frame for an unknown MAC", NULL, w->up_unknown,
					  &keys[i]);
			continue;
		}
		if (tag[i])
			rte_vlan_strip(pkts[i]);
		pkts[i]->ol_flags = 0;
		for (uint16_t j = 0; j < v[i].n; j++)
			deliver_add(w, v[i].pools[j], pkts[i], 0);
	}
	deliver_flush(w, -1);
	rte_pktmbuf_free_bulk(pkts, n);
	w->up_cycles += rte_rdtsc() - t0;
	return n;
}

/* The VLAN a frame came with: the NIC's stripped tag, or the one it carries. */
static inline uint16_t frame_vlan(const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
		return m->vlan_tci & 0xfff;
	if (rte_pktmbuf_data_len(m) >= 18 && f[12] == 0x81 && f[13] == 0x00)
		return (uint16_t)((f[14] << 8 | f[15]) & 0xfff);
	return 0;
}

/*
 * Hardware VMDq: NIC pool h's frames sit in its own queue, already sorted by
 * MAC (and, with its VLAN filters, by VLAN); the default pool's queue holds
 * the rest and is classified in software. A NIC pool takes untagged frames
 * for its MAC whatever its VLAN, and a copy of every broadcast: frames of
 * another VLAN are not the pool's (unicast ones count as unknown). So are
 * unicast frames for another MAC: a NIC pool freed by one port and taken by
 * the next may still hold the first one's frames, which must not reach the
 * next guest. A NIC pool nobody has is drained: the NIC copies broadcasts
 * into it too. Returns the frames it took in.
 */
static unsigned int uplink_rx_hardware(struct sw_worker *w, const struct sw_cfg *cfg)
{
	struct rte_mbuf *pkts[SW_BURST];
	unsigned int got = 0;

	for (uint16_t h = 0; h < sw.set.hw_pools; h++) {
		uint16_t id = cfg->hw_owner[h], q, n;
		uint64_t t0;

		if (h % sw.nworkers != w->idx)
			continue;
		q = (uint16_t)vmdq_queue_of(&sw.set.caps, sw.set.hw_pools, h);
		if (h == sw.set.default_hw) {
			got += uplink_rx_software(w, q, cfg->sw_tbl);
			continue;
		}
		t0 = rte_rdtsc();
		n = rte_eth_rx_burst(sw.uplink, q, pkts, SW_BURST);
		if (!n)
			continue;
		w->upq[q].pkts += n;
		w->upq[q].bytes += bytes_of(pkts, n);
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

			if (id == VMDQ_NONE)
				continue;
			w->up_rx.pkts++;
			w->up_rx.bytes += rte_pktmbuf_pkt_len(m);
			if (rte_pktmbuf_data_len(m) < 14 || frame_vlan(m) != cfg->hw_vlan[h] ||
			    (!(f[0] & 1) && memcmp(f, cfg->hw_mac[h], VMDQ_MAC_LEN))) {
				if (rte_pktmbuf_data_len(m) >= 14 && !(f[0] & 1)) {
					w->up_rx.drops++;
					w->up_unknown++;
				}
				continue;
			}
			if (!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) && cfg->hw_vlan[h])
				rte_vlan_strip(m);
			m->ol_flags = 0;
			deliver_add(w, id, m, 0);
		}
		deliver_flush(w, -1);
		rte_pktmbuf_free_bulk(pkts, n);
		w->up_cycles += rte_rdtsc() - t0;
		got += n;
	}
	return got;
}

/*
 * The whole burst from guest src is for one other guest dst (one flow: the
 * common case). It goes in one enqueue, without the per-pool lists, and
 * what was delivered or dropped goes back to the pool in one put; with
 * --lossless what dst refused waits, in order, on src's held list.
 */
static void guest_tx_one(struct sw_worker *w, uint16_t src, uint16_t dst,
			 struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
	uint16_t sent, done = n;

	w->pool[dst].pkts += n;
	w->pool[dst].bytes += bytes;
	sent = deliver(w, dst, pkts, n, bytes);
	if (sent < n) {
		if (sw.lossless && !w->stalled[dst]) {
			for (uint16_t i = sent; i < n; i++)
				hold(w, src, dst, pkts[i]);
			done = sent;
		} else {
			count_drops(w, dst, n - sent);
		}
	}
	guest_mbufs_free(pkts, done, 0);
}

static uint16_t guest_tx(struct sw_worker *w, const struct sw_cfg *cfg, uint16_t id)
{
	struct sw_port *p = &sw.ports[id];
	struct rte_mbuf *pkts[SW_BURST], *up[SW_BURST], *done[2 * SW_BURST];
	struct vmdq_key keys[SW_BURST];
	struct vmdq_verdict v[SW_BURST];
	uint32_t tag[SW_BURST], keepers, held;
	bool bad[SW_BURST];
	uint16_t n, nup = 0, ndone = 0, sent = 0;
	uint16_t vlan = p->spec.vlan;
	unsigned int odd;
	uint64_t bytes;

	if (w->held[id].n && w->held[id].src_gen != atomic_load_explicit(&p->gen,
	    memory_order_relaxed))
		held_drop_all(w, id);	/* left by a deleted port of this slot */
	if (!atomic_load_explicit(&p->ready, memory_order_acquire) || sw_port_sink(p))
		return 0;
	if (w->held[id].n && !held_retry(w, id))
		return 0;
	n = rte_vhost_dequeue_burst(atomic_load_explicit(&p->vid, memory_order_relaxed),
				    SW_VIRTIO_TXQ, sw.mp, pkts, SW_BURST);
	if (!n)
		return 0;
	/* rte_vhost leaves ol_flags 0: the offload features that set them
	 * are never offered (SW_FEATURES_OFF), so nothing to clear. */
	odd = burst_keys(pkts, n, vlan, keys, tag, bad, &bytes);
	w->port_rx[id].pkts += n;
	w->port_rx[id].bytes += bytes;
	/* One flow (every key the first one's): one lookup for the burst. */
	if (!odd) {
		vmdq_classify_burst(cfg->tbl, keys, 1, v);
		if (v[0].dest == VMDQ_DEST_POOL && v[0].pools[0] != id) {
			guest_tx_one(w, id, v[0].pools[0], pkts, n, bytes);
			return n;
		}
	}
	vmdq_classify_burst(cfg->tbl, keys, n, v);
	keepers = 0;		/* burst indexes the uplink took over */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		bool to_up = false;

		if (bad[i] || tag[i]) {
			if (log_now(++w->port_rx[id].drops))
				log_frame(bad[i] ? "runt frame" : "tagged frame", p->spec.name,
					  w->port_rx[id].drops, &keys[i]);
			continue;
		}
		switch (v[i].dest) {
		case VMDQ_DEST_POOL:
			if (v[i].pools[0] == id)	/* to itself: nowhere to go */
				w->port_rx[id].drops++;
			else	/* one guest: may wait for room (--lossless) */
				deliver_add(w, v[i].pools[0], m, (uint8_t)(i | POS_HOLDABLE));
			break;
		case VMDQ_DEST_FLOOD:
			for (uint16_t j = 0; j < v[i].n; j++)
				if (v[i].pools[j] != id)
					deliver_add(w, v[i].pools[j], m, (uint8_t)i);
			to_up = sw.have_uplink;
			break;
		default:
			to_up = sw.have_uplink;
			if (!to_up)
				w->port_rx[id].drops++;
		}
		if (to_up) {
			up[nup++] = m;
			keepers |= 1u << i;
		}
	}
	held = deliver_flush(w, id);
	for (uint16_t i = 0; i < n; i++)
		if (!((keepers | held) & 1u << i))
			done[ndone++] = pkts[i];
	if (nup) {
		uint16_t k = 0;

		for (uint16_t i = 0; i < nup; i++) {
			/* Only a frame that failed to get its tag stays out. */
			if (vlan) {
				up[i]->vlan_tci = vlan;
				if (rte_vlan_insert(&up[i])) {
					w->up_tx.drops++;
					done[ndone++] = up[i];
					continue;
				}
			}
			up[k++] = up[i];
		}
		nup = k;
		sent = rte_eth_tx_burst(sw.uplink, (uint16_t)w->idx, up, nup);
		for (uint16_t i = 0; i < sent; i++) {
			w->up_tx.pkts++;
			w->up_tx.bytes += rte_pktmbuf_pkt_len(up[i]);
		}
		w->up_tx.drops += nup - sent;
		for (uint16_t i = sent; i < nup; i++)
			done[ndone++] = up[i];
	}
	guest_mbufs_free(done, ndone, odd);
	return n;
}

int sw_worker_main(void *arg)
{
	struct sw_worker *w = arg;
	uint64_t then = rte_rdtsc(), now;

	while (!atomic_load_explicit(&sw.stop, memory_order_relaxed)) {
		const struct sw_cfg *cfg = atomic_load_explicit(&sw.cfg, memory_order_acquire);
		unsigned int got = 0;

		if (atomic_load_explicit(&sw.have_uplink, memory_order_acquire)) {
			if (sw.set.ops->kind == VMDQ_HARDWARE)
				got += uplink_rx_hardware(w, cfg);
			else if (w->idx == 0)
				got += uplink_rx_software(w, 0, cfg->tbl);
		}
		for (uint16_t s = 0; s < cfg->npoll[w->idx]; s++)
			got += guest_tx(w, cfg, cfg->poll[w->idx][s]);
		now = rte_rdtsc();
		if (got) {
			w->busy_cycles += now - then;
			w->frames_in += got;
		} else {
			w->idle_cycles += now - then;
		}
		then = now;
		/* A full barrier (lock xadd): the next iteration's loads of
		 * cfg and ready cannot move before it (see sw_grace_wait). */
		atomic_fetch_add(&w->epoch, 1);
	}
	atomic_store(&w->stopped, true);
	return 0;
}
