// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software classifier: MAC+VLAN -> pool, in an open-addressing table
 * with linear probing, built once and then only read (by the poll loop).
 *
 * A key is struct vmdq_key read as one 64-bit word (6 MAC bytes, then the
 * VLAN), so packing it is one load and a probe is one compare. No pool has
 * the zero MAC, so 0 marks an empty slot. Each VLAN that has pools also gets
 * an entry under the broadcast MAC whose id list is every pool of that VLAN:
 * a broadcast or multicast frame costs one lookup like a unicast one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/vmdq.h"

_Static_assert(sizeof(struct vmdq_key) == 8 && offsetof(struct vmdq_key, vlan) == 6,
	       "a key is read as one 64-bit word");

struct entry {
	uint64_t key;		/* 0: empty */
	uint16_t n;		/* ids[off..off+n) */
	uint16_t off;
};

struct vmdq_table {
	unsigned int bits;
	uint64_t mask;
	/* In the key's word (whatever the byte order): the MAC and the 12
	 * VLAN bits that count (key_mask), and the MAC alone (mac_bits): a
	 * key OR mac_bits is its VLAN's flood key, the broadcast MAC's. */
	uint64_t key_mask, mac_bits;
	struct entry *slots;
	uint16_t ids[];		/* the pool ids, per entry */
};

static inline uint64_t key_word(const struct vmdq_key *k)
{
	uint64_t w;

	memcpy(&w, k, sizeof(w));
	return w;
}

/* Fibonacci hashing: the multiply spreads the MAC's low bytes (which is
 * where MACs of one vendor differ) into the top bits we keep. */
static inline uint64_t key_hash(uint64_t k, unsigned int bits)
{
	return (k * 0x9e3779b97f4a7c15ULL) >> (64 - bits);
}

static struct entry *slot_find(struct vmdq_table *t, uint64_t k)
{
	uint64_t i = key_hash(k, t->bits);

	while (t->slots[i].key && t->slots[i].key != k)
		i = (i + 1) & t->mask;
	return &t->slots[i];
}

static int pool_key_check(const struct vmdq_pool_key *p, struct errbuf *eb)
{
	static const uint8_t zero[VMDQ_MAC_LEN];

	if (vmdq_mac_is_multicast(p->key.mac) || !memcmp(p->key.mac, zero, VMDQ_MAC_LEN))
		return errbuf_set(eb, -EINVAL, "pool %u: a pool's MAC must be a unicast, "
				  "non-zero address (first byte even)", p->id);
	if (p->key.vlan > VMDQ_VLAN_MAX)
		return errbuf_set(eb, -EINVAL, "pool %u: VLAN %u out of range (0 untagged, "
				  "1-%u)", p->id, p->key.vlan, VMDQ_VLAN_MAX);
	return 0;
}

int vmdq_table_build(const struct vmdq_pool_key *pools, unsigned int n,
		     struct vmdq_table **out, struct errbuf *eb)
{
	struct vmdq_table *t;
	unsigned int bits = 4, off = 0;
	int err;

	if (n > VMDQ_MAX_POOLS)
		return errbuf_set(eb, -E2BIG, "%u pools: at most %u", n, VMDQ_MAX_POOLS);
	/* At most 2n entries (each pool, each VLAN's flood entry); keep the
	 * load under a half so probes stay short. */
	while ((1u << bits) < 4 * n)
		bits++;
	/* ids: one per pool entry, one per pool in its VLAN's flood list */
	t = calloc(1, sizeof(*t) + 2 * (n ? n : 1) * sizeof(uint16_t));
	if (!t)
		return errbuf_set(eb, -ENOMEM, "out of memory for the classifier");
	t->bits = bits;
	t->mask = (1ULL << bits) - 1;
	{
		struct vmdq_key all = { .mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

		t->mac_bits = key_word(&all);
		all.vlan = 0xfff;
		t->key_mask = key_word(&all);
	}
	t->slots = calloc(1u << bits, sizeof(*t->slots));
	if (!t->slots) {
		err = errbuf_set(eb, -ENOMEM, "out of memory for the classifier");
		goto err_free;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint64_t k = key_word(&pools[i].key);
		struct entry *e;

		err = pool_key_check(&pools[i], eb);
		if (err)
			goto err_free;
		e = slot_find(t, k);
		if (e->key) {
			err = errbuf_set(eb, -EEXIST, "pool %u: MAC and VLAN already "
					 "belong to pool %u", pools[i].id, t->ids[e->off]);
			goto err_free;
		}
		e->key = k;
		e->n = 1;
		e->off = (uint16_t)off;
		t->ids[off++] = pools[i].id;
	}
	/* Flood lists: the pools of each VLAN, contiguous, in the input order. */
	for (unsigned int i = 0; i < n; i++) {
		uint64_t k = key_word(&pools[i].key) | t->mac_bits;
		struct entry *e = slot_find(t, k);

		if (e->key)
			continue;	/* this VLAN is done */
		e->key = k;
		e->off = (uint16_t)off;
		for (unsigned int j = i; j < n; j++)
			if (pools[j].key.vlan == pools[i].key.vlan)
				t->ids[off + e->n++] = pools[j].id;
		off += e->n;
	}
	*out = t;
	return 0;

err_free:
	vmdq_table_free(t);
	return err;
}

void vmdq_table_free(struct vmdq_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

static inline void probe(const struct vmdq_table *t, uint64_t k, uint64_t i,
			 struct vmdq_verdict *v)
{
	const struct entry *e;
	bool flood = (k & t->mac_bits) == t->mac_bits;	/* no unicast MAC is all ones */

	for (;;) {
		e = &t->slots[i];
		if (e->key == k || !e->key)
			break;
		i = (i + 1) & t->mask;
	}
	v->dest = flood ? VMDQ_DEST_FLOOD : VMDQ_DEST_POOL;
	if (!e->key) {
		v->n = 0;
		v->pools = NULL;
		if (!flood)
			v->dest = VMDQ_DEST_MISS;
		return;
	}
	v->n = e->n;
	v->pools = &t->ids[e->off];
}

#define BATCH	32
#define SAME	UINT64_MAX	/* h[i]: the key of the frame before it */

unsigned int vmdq_classify_burst(const struct vmdq_table *t, const struct vmdq_key *keys,
				 unsigned int n, struct vmdq_verdict *out)
{
	uint64_t k[BATCH], h[BATCH], prev = 0;
	unsigned int runs = 0;
	bool first = true;

	while (n) {
		unsigned int m = n < BATCH ? n : BATCH;

		/* Pass 1: the keys; a key unlike the one before it gets its
		 * slot computed and its cache line asked for, so pass 2's
		 * probes find it there instead of waiting in turn. A burst is
		 * mostly runs of one destination: those cost a compare. */
		for (unsigned int i = 0; i < m; i++) {
			k[i] = key_word(&keys[i]) & t->key_mask;
			if (vmdq_mac_is_multicast(keys[i].mac))
				k[i] |= t->mac_bits;
			if (!first && k[i] == prev) {
				h[i] = SAME;
				continue;
			}
			first = false;
			prev = k[i];
			h[i] = key_hash(k[i], t->bits);
			__builtin_prefetch(&t->slots[h[i]]);
			runs++;
		}
		for (unsigned int i = 0; i < m; i++) {
			if (h[i] == SAME)
				out[i] = out[(int)i - 1];	/* out[-1]: the last batch's */
			else
				probe(t, k[i], h[i], &out[i]);
		}
		keys += m;
		out += m;
		n -= m;
	}
	return runs;
}
