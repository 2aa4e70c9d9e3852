// SPDX-License-Identifier: GPL-2.0-only
/* The software classifier and pool sets of vmdq/: no NIC, no EAL. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/vmdq.h"

static struct vmdq_pool_key pk(uint16_t id, uint8_t last, uint16_t vlan)
{
	struct vmdq_pool_key p = {
		.id = id,
		.key = { .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, last }, .vlan = vlan },
	};
	return p;
}

static struct vmdq_key key(uint8_t b0, uint8_t last, uint16_t vlan)
{
	struct vmdq_key k = { .mac = { b0, 0x54, 0x00, 0x12, 0x34, last }, .vlan = vlan };

	if (b0 == 0xff)
		memset(k.mac, 0xff, sizeof(k.mac));
	return k;
}

static bool has(const struct vmdq_verdict *v, uint16_t id)
{
	for (unsigned int i = 0; i < v->n; i++)
		if (v->pools[i] == id)
			return true;
	return false;
}

static void test_frame_keys(void **state)
{
	uint8_t f[64] = { 0x52, 0x54, 0, 1, 2, 3, 0x02, 0, 0, 0, 0, 9, 0x08, 0x00 };
	struct vmdq_key k;
	uint32_t tag;

	(void)state;
	assert_int_equal(vmdq_key_from_frame(f, 14, &k, &tag), 0);
	assert_int_equal(k.vlan, 0);
	assert_int_equal(tag, 0);
	assert_memory_equal(k.mac, f, 6);
	/* 802.1Q: PCP bits are not part of the VLAN */
	f[12] = 0x81; f[13] = 0x00; f[14] = 0xe0 | 0x0f; f[15] = 0xfe;
	assert_int_equal(vmdq_key_from_frame(f, 60, &k, &tag), 0);
	assert_int_equal(k.vlan, 0xffe);
	assert_int_equal(tag, 4);
	/* runts */
	assert_int_equal(vmdq_key_from_frame(f, 13, &k, &tag), -EINVAL);
	assert_int_equal(vmdq_key_from_frame(f, 17, &k, &tag), -EINVAL);
	assert_int_equal(vmdq_key_from_frame(f, 0, &k, &tag), -EINVAL);
}

static void test_unicast_and_miss(void **state)
{
	struct vmdq_pool_key pools[] = { pk(3, 1, 0), pk(7, 2, 10), pk(9, 1, 10) };
	struct vmdq_key keys[] = {
		key(0x52, 1, 0), key(0x52, 2, 10), key(0x52, 1, 10),
		key(0x52, 2, 0),	/* right MAC, wrong VLAN */
		key(0x52, 5, 10),	/* unknown MAC */
		{ .mac = { 0 } },	/* the zero MAC: 0 marks an empty slot */
		key(0x52, 1, 0xe00a),	/* tag bits that are not the VLAN: PCP 7 */
		key(0x52, 1, 0x1000),	/* and DEI */
	};
	struct vmdq_verdict v[8];
	struct vmdq_table *t;

	(void)state;
	assert_int_equal(vmdq_table_build(pools, 3, &t, NULL), 0);
	vmdq_classify_burst(t, keys, 8, v);
	assert_int_equal(v[0].dest, VMDQ_DEST_POOL);
	assert_int_equal(v[0].n, 1);
	assert_int_equal(v[0].pools[0], 3);
	assert_int_equal(v[1].pools[0], 7);
	assert_int_equal(v[2].pools[0], 9);
	assert_int_equal(v[3].dest, VMDQ_DEST_MISS);
	assert_int_equal(v[3].n, 0);
	assert_int_equal(v[4].dest, VMDQ_DEST_MISS);
	assert_int_equal(v[5].dest, VMDQ_DEST_MISS);
	assert_int_equal(v[6].pools[0], 9);
	assert_int_equal(v[7].pools[0], 3);
	vmdq_table_free(t);
}

static void test_flood_same_vlan_only(void **state)
{
	struct vmdq_pool_key pools[] = {
		pk(0, 1, 10), pk(1, 2, 20), pk(2, 3, 10), pk(3, 4, 0), pk(4, 5, 10),
	};
	struct vmdq_key keys[] = {
		key(0xff, 0, 10),	/* broadcast, VLAN 10 */
		key(0x01, 0, 10),	/* multicast (01:...), VLAN 10 */
		key(0x33, 0, 20),	/* IPv6 multicast 33:33:... */
		key(0xff, 0, 0),	/* untagged broadcast */
		key(0xff, 0, 30),	/* a VLAN with no pools */
	};
	struct vmdq_verdict v[5];
	struct vmdq_table *t;

	(void)state;
	assert_int_equal(vmdq_table_build(pools, 5, &t, NULL), 0);
	vmdq_classify_burst(t, keys, 5, v);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(v[i].dest, VMDQ_DEST_FLOOD);
		assert_int_equal(v[i].n, 3);
		assert_true(has(&v[i], 0) && has(&v[i], 2) && has(&v[i], 4));
		assert_false(has(&v[i], 1) || has(&v[i], 3));
	}
	assert_int_equal(v[2].dest, VMDQ_DEST_FLOOD);
	assert_int_equal(v[2].n, 1);
	assert_int_equal(v[2].pools[0], 1);
	assert_int_equal(v[3].n, 1);
	assert_int_equal(v[3].pools[0], 3);
	assert_int_equal(v[4].dest, VMDQ_DEST_FLOOD);
	assert_int_equal(v[4].n, 0);
	vmdq_table_free(t);
}

static void test_bad_pools(void **state)
{
	struct vmdq_pool_key dup[] = { pk(0, 1, 5), pk(1, 1, 5) };
	struct vmdq_pool_key mc[] = { pk(0, 1, 0) };
	struct vmdq_pool_key zero[] = { { .id = 0 } };
	struct vmdq_pool_key vlan[] = { pk(0, 1, 4095) };
	struct vmdq_pool_key *many;
	struct vmdq_table *t;
	struct errbuf eb;

	(void)state;
	assert_int_equal(vmdq_table_build(dup, 2, &t, &eb), -EEXIST);
	assert_non_null(strstr(eb.msg, "already belong to pool 0"));
	mc[0].key.mac[0] = 0x01;
	assert_int_equal(vmdq_table_build(mc, 1, &t, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "unicast"));
	assert_int_equal(vmdq_table_build(zero, 1, &t, &eb), -EINVAL);
	assert_int_equal(vmdq_table_build(vlan, 1, &t, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "VLAN 4095"));
	many = calloc(VMDQ_MAX_POOLS + 1, sizeof(*many));
	assert_int_equal(vmdq_table_build(many, VMDQ_MAX_POOLS + 1, &t, &eb), -E2BIG);
	free(many);
	/* an empty table classifies everything as a miss or an empty flood */
	assert_int_equal(vmdq_table_build(NULL, 0, &t, NULL), 0);
	{
		struct vmdq_key k[2] = { key(0x52, 1, 0), key(0xff, 0, 0) };
		struct vmdq_verdict v[2];

		vmdq_classify_burst(t, k, 2, v);
		assert_int_equal(v[0].dest, VMDQ_DEST_MISS);
		assert_int_equal(v[1].dest, VMDQ_DEST_FLOOD);
		assert_int_equal(v[1].n, 0);
	}
	vmdq_table_free(t);
}

/* Every pool of a full table is found, in bursts longer than the batch. */
static void test_full_table_bursts(void **state)
{
	struct vmdq_pool_key pools[VMDQ_MAX_POOLS];
	struct vmdq_key keys[VMDQ_MAX_POOLS + 7];
	struct vmdq_verdict v[VMDQ_MAX_POOLS + 7];
	struct vmdq_table *t;

	(void)state;
	for (unsigned int i = 0; i < VMDQ_MAX_POOLS; i++)
		pools[i] = pk((uint16_t)i, (uint8_t)i, (uint16_t)(i % 4));
	for (unsigned int i = 0; i < VMDQ_MAX_POOLS; i++)
		keys[i] = pools[VMDQ_MAX_POOLS - 1 - i].key;
	for (unsigned int i = VMDQ_MAX_POOLS; i < VMDQ_MAX_POOLS + 7; i++)
		keys[i] = key(0xff, 0, (uint16_t)(i % 4));
	assert_int_equal(vmdq_table_build(pools, VMDQ_MAX_POOLS, &t, NULL), 0);
	vmdq_classify_burst(t, keys, VMDQ_MAX_POOLS + 7, v);
	for (unsigned int i = 0; i < VMDQ_MAX_POOLS; i++) {
		assert_int_equal(v[i].dest, VMDQ_DEST_POOL);
		assert_int_equal(v[i].pools[0], VMDQ_MAX_POOLS - 1 - i);
	}
	for (unsigned int i = VMDQ_MAX_POOLS; i < VMDQ_MAX_POOLS + 7; i++) {
		assert_int_equal(v[i].dest, VMDQ_DEST_FLOOD);
		assert_int_equal(v[i].n, VMDQ_MAX_POOLS / 4);
		for (unsigned int j = 0; j < v[i].n; j++)
			assert_int_equal(v[i].pools[j] % 4, i % 4);
	}
	vmdq_table_free(t);
}

/*
 * A burst is mostly runs of one key: a frame like the one before it takes
 * its verdict without a lookup, and the run count says when the whole burst
 * goes one way (the switch's one-destination path).
 */
static void test_runs(void **state)
{
	struct vmdq_pool_key pools[] = { pk(3, 1, 0), pk(7, 2, 0), pk(9, 1, 10) };
	struct vmdq_key keys[70];
	struct vmdq_verdict v[70];
	struct vmdq_table *t;

	(void)state;
	assert_int_equal(vmdq_table_build(pools, 3, &t, NULL), 0);
	/* one destination: one run, every verdict that of a lookup */
	for (int i = 0; i < 32; i++)
		keys[i] = key(0x52, 2, 0);
	assert_int_equal(vmdq_classify_burst(t, keys, 32, v), 1);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(v[i].dest, VMDQ_DEST_POOL);
		assert_int_equal(v[i].pools[0], 7);
	}
	/* A A B B A miss miss: four runs, each verdict its own key's */
	keys[0] = keys[1] = key(0x52, 1, 0);
	keys[2] = keys[3] = key(0x52, 2, 0);
	keys[4] = key(0x52, 1, 0);
	keys[5] = keys[6] = key(0x52, 5, 0);
	assert_int_equal(vmdq_classify_burst(t, keys, 7, v), 4);
	assert_int_equal(v[0].pools[0], 3);
	assert_int_equal(v[1].pools[0], 3);
	assert_int_equal(v[2].pools[0], 7);
	assert_int_equal(v[3].pools[0], 7);
	assert_int_equal(v[4].pools[0], 3);
	assert_int_equal(v[5].dest, VMDQ_DEST_MISS);
	assert_int_equal(v[6].dest, VMDQ_DEST_MISS);
	/* same MAC, other VLAN: another key */
	keys[0] = key(0x52, 1, 0);
	keys[1] = key(0x52, 1, 10);
	assert_int_equal(vmdq_classify_burst(t, keys, 2, v), 2);
	assert_int_equal(v[0].pools[0], 3);
	assert_int_equal(v[1].pools[0], 9);
	/* multicast MACs of one VLAN are all its broadcast: one run */
	keys[0] = key(0xff, 0, 0);
	keys[1] = key(0x01, 0, 0);
	keys[2] = key(0x33, 7, 0);
	assert_int_equal(vmdq_classify_burst(t, keys, 3, v), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(v[i].dest, VMDQ_DEST_FLOOD);
		assert_int_equal(v[i].n, 2);
		assert_true(has(&v[i], 3) && has(&v[i], 7));
	}
	/* a run across the batch boundary (32) stays one run */
	for (int i = 0; i < 70; i++)
		keys[i] = key(0x52, 1, 10);
	assert_int_equal(vmdq_classify_burst(t, keys, 70, v), 1);
	for (int i = 0; i < 70; i++)
		assert_int_equal(v[i].pools[0], 9);
	keys[32] = key(0x52, 1, 0);
	assert_int_equal(vmdq_classify_burst(t, keys, 70, v), 3);
	assert_int_equal(v[31].pools[0], 9);
	assert_int_equal(v[32].pools[0], 3);
	assert_int_equal(v[33].pools[0], 9);
	assert_int_equal(vmdq_classify_burst(t, keys, 0, v), 0);
	vmdq_table_free(t);
}

static void test_select(void **state)
{
	struct vmdq_caps none = { 0 };
	struct vmdq_caps ixgbe = { .max_vmdq_pools = 64, .vmdq_queue_base = 0,
				   .vmdq_queue_num = 128 };
	struct vmdq_caps igb = { .max_vmdq_pools = 8, .vmdq_queue_num = 16,
				 .layout = VMDQ_LAYOUT_INTERLEAVED };
	enum vmdq_kind k;
	struct errbuf eb;

	(void)state;
	/* pools + the default pool, in 8/16/32/64, no more than the NIC has */
	assert_int_equal(vmdq_hw_pool_count(&ixgbe, 1), 8);
	assert_int_equal(vmdq_hw_pool_count(&ixgbe, 7), 8);
	assert_int_equal(vmdq_hw_pool_count(&ixgbe, 8), 16);
	assert_int_equal(vmdq_hw_pool_count(&ixgbe, 256), 64);
	assert_int_equal(vmdq_hw_pool_count(&igb, 256), 8);
	/* ixgbe: runs of queues; the 82576: pool p on queue p */
	assert_int_equal(vmdq_queue_of(&ixgbe, 64, 3), 6);
	assert_int_equal(vmdq_queue_of(&ixgbe, 16, 3), 24);
	assert_int_equal(vmdq_rx_queues(&ixgbe, 16), 128);
	assert_int_equal(vmdq_queue_of(&igb, 8, 3), 3);
	assert_int_equal(vmdq_queue_of(&igb, 8, 7), 7);
	assert_int_equal(vmdq_rx_queues(&igb, 8), 8);

	assert_int_equal(vmdq_select(&none, VMDQ_WANT_AUTO, &k, NULL), 0);
	assert_int_equal(k, VMDQ_SOFTWARE);
	assert_int_equal(vmdq_select(&ixgbe, VMDQ_WANT_AUTO, &k, NULL), 0);
	assert_int_equal(k, VMDQ_HARDWARE);
	assert_int_equal(vmdq_select(&ixgbe, VMDQ_WANT_SOFTWARE, &k, NULL), 0);
	assert_int_equal(k, VMDQ_SOFTWARE);
	/* any pool count: those past the NIC's go to the default pool */
	assert_int_equal(vmdq_select(&igb, VMDQ_WANT_AUTO, &k, NULL), 0);
	assert_int_equal(k, VMDQ_HARDWARE);
	assert_int_equal(vmdq_select(&igb, VMDQ_WANT_HARDWARE, &k, NULL), 0);
	assert_int_equal(k, VMDQ_HARDWARE);
	assert_int_equal(vmdq_select(&none, VMDQ_WANT_HARDWARE, &k, &eb), -ENOTSUP);
	assert_non_null(strstr(eb.msg, "no VMDq"));
	assert_int_equal(vmdq_select(NULL, VMDQ_WANT_AUTO, &k, NULL), 0);
	assert_int_equal(k, VMDQ_SOFTWARE);
}

static void test_set(void **state)
{
	static struct vmdq_set s;
	struct vmdq_key k1 = key(0x52, 1, 0), k2 = key(0x52, 2, 0), bad = key(0x01, 1, 0);
	struct vmdq_table *t;
	struct vmdq_verdict v;
	struct errbuf eb;
	uint16_t a, b, c;

	(void)state;
	assert_int_equal(vmdq_set_init(&s, &vmdq_software_ops, NULL, NULL, 2, 0, NULL), 0);
	assert_int_equal(s.queues, 1);
	assert_int_equal(vmdq_set_add(&s, &k1, &a, NULL), 0);
	assert_int_equal(s.pools[a].kind, VMDQ_SOFTWARE);
	assert_int_equal(s.pools[a].why, VMDQ_WHY_NO_VMDQ);
	assert_int_equal(s.pools[a].queue, 0);
	assert_int_equal(vmdq_set_add(&s, &k1, &b, &eb), -EEXIST);
	assert_int_equal(vmdq_set_add(&s, &bad, &b, &eb), -EINVAL);
	assert_int_equal(vmdq_set_add(&s, &k2, &b, NULL), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(vmdq_set_add(&s, &bad, &c, &eb), -ENOSPC);
	assert_int_equal(vmdq_set_build(&s, false, &t, NULL), 0);
	vmdq_classify_burst(t, &k2, 1, &v);
	assert_int_equal(v.pools[0], b);
	vmdq_table_free(t);
	assert_int_equal(vmdq_set_del(&s, a), 0);
	assert_int_equal(vmdq_set_del(&s, a), -ENOENT);
	assert_int_equal(vmdq_set_add(&s, &k1, &c, NULL), 0);
	assert_int_equal(c, a);		/* the freed id is reused */
	assert_int_equal(vmdq_set_init(&s, &vmdq_software_ops, NULL, NULL, 0, 0, &eb),
			 -EINVAL);
}

/* A NIC backend that records what it was asked to do. */
static struct {
	int configured, added, deleted, syncs;
	int refuse_after;		/* pool_add fails once this many were added */
	unsigned int nvlan;
	struct vmdq_vlan_map vlan[VMDQ_MAX_VLAN_MAPS];
} nic;

static int nic_configure(struct vmdq_set *s, struct errbuf *eb)
{
	(void)eb;
	nic.configured++;
	s->queues = vmdq_rx_queues(&s->caps, s->hw_pools);
	return 0;
}

static int nic_pool_add(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb)
{
	(void)s;
	if (nic.refuse_after && nic.added >= nic.refuse_after)
		return errbuf_set(eb, -ENOSPC, "no MAC filter left");
	assert_true(p->hw < s->hw_pools);
	nic.added++;
	return 0;
}

static void nic_pool_del(struct vmdq_set *s, struct vmdq_pool *p)
{
	(void)s;
	(void)p;
	nic.deleted++;
}

static int nic_vlan_sync(struct vmdq_set *s, struct errbuf *eb)
{
	nic.syncs++;
	return vmdq_vlan_maps(s, nic.vlan, VMDQ_MAX_VLAN_MAPS, &nic.nvlan) ?
	       errbuf_set(eb, -E2BIG, "too many VLANs") : 0;
}

static const struct vmdq_ops nic_ops = {
	.kind = VMDQ_HARDWARE,
	.configure = nic_configure,
	.pool_add = nic_pool_add,
	.pool_del = nic_pool_del,
	.vlan_sync = nic_vlan_sync,
};

static const struct vmdq_vlan_map *nic_vlan(uint16_t vlan)
{
	for (unsigned int i = 0; i < nic.nvlan; i++)
		if (nic.vlan[i].vlan == vlan)
			return &nic.vlan[i];
	return NULL;
}

/* The 82576 as iopass-switch sees it: 8 pools, the last the default. */
static void test_hw_set(void **state)
{
	static struct vmdq_set s;
	struct vmdq_caps igb = { .max_vmdq_pools = 8, .vmdq_queue_num = 16,
				 .layout = VMDQ_LAYOUT_INTERLEAVED, .vlan_filters = 2 };
	struct vmdq_table *all, *sw;
	struct vmdq_verdict v;
	struct vmdq_key k;
	struct errbuf eb;
	uint16_t id[10];

	(void)state;
	memset(&nic, 0, sizeof(nic));
	assert_int_equal(vmdq_set_init(&s, &nic_ops, NULL, &igb, 256, 0, NULL), 0);
	assert_int_equal(nic.configured, 1);
	assert_int_equal(s.hw_pools, 8);
	assert_int_equal(s.hw_usable, 7);
	assert_int_equal(s.default_hw, 7);
	assert_int_equal(s.default_queue, 7);
	assert_int_equal(s.queues, 8);
	assert_int_equal(vmdq_set_hw_free(&s), 7);
	/* seven pools get NIC pools 0-6 on queues 0-6, the next ones software */
	for (uint8_t i = 0; i < 9; i++) {
		k = key(0x52, i + 1, 0);
		assert_int_equal(vmdq_set_add(&s, &k, &id[i], NULL), 0);
		if (i < 7) {
			assert_int_equal(s.pools[id[i]].kind, VMDQ_HARDWARE);
			assert_int_equal(s.pools[id[i]].hw, i);
			assert_int_equal(s.pools[id[i]].queue, i);
			assert_int_equal(s.hw_owner[i], id[i]);
		} else {
			assert_int_equal(s.pools[id[i]].kind, VMDQ_SOFTWARE);
			assert_int_equal(s.pools[id[i]].why, VMDQ_WHY_FULL);
			assert_int_equal(s.pools[id[i]].queue, 7);
		}
	}
	assert_int_equal(vmdq_set_hw_free(&s), 0);
	assert_int_equal(nic.added, 7);
	/* the default pool's classifier knows only the software pools */
	assert_int_equal(vmdq_set_build(&s, true, &sw, NULL), 0);
	assert_int_equal(vmdq_set_build(&s, false, &all, NULL), 0);
	k = key(0x52, 1, 0);
	vmdq_classify_burst(sw, &k, 1, &v);
	assert_int_equal(v.dest, VMDQ_DEST_MISS);
	vmdq_classify_burst(all, &k, 1, &v);
	assert_int_equal(v.pools[0], id[0]);
	k = key(0x52, 8, 0);
	vmdq_classify_burst(sw, &k, 1, &v);
	assert_int_equal(v.pools[0], id[7]);
	k = key(0xff, 0, 0);
	vmdq_classify_burst(sw, &k, 1, &v);
	assert_int_equal(v.dest, VMDQ_DEST_FLOOD);
	assert_int_equal(v.n, 2);	/* the hardware pools got the NIC's copies */
	vmdq_table_free(sw);
	vmdq_table_free(all);
	/* a NIC pool freed goes to the next pool added */
	assert_int_equal(vmdq_set_del(&s, id[2]), 0);
	assert_int_equal(nic.deleted, 1);
	assert_int_equal(s.hw_owner[2], VMDQ_NONE);
	assert_int_equal(vmdq_set_hw_free(&s), 1);
	k = key(0x52, 0x42, 0);
	assert_int_equal(vmdq_set_add(&s, &k, &id[9], NULL), 0);
	assert_int_equal(s.pools[id[9]].kind, VMDQ_HARDWARE);
	assert_int_equal(s.pools[id[9]].hw, 2);
	/* a NIC that refuses the MAC: software, and why */
	assert_int_equal(vmdq_set_del(&s, id[9]), 0);
	nic.refuse_after = nic.added;
	k = key(0x52, 0x43, 0);
	assert_int_equal(vmdq_set_add(&s, &k, &id[9], NULL), 0);
	assert_int_equal(s.pools[id[9]].kind, VMDQ_SOFTWARE);
	assert_int_equal(s.pools[id[9]].why, VMDQ_WHY_REFUSED);
	assert_int_equal(s.hw_owner[2], VMDQ_NONE);
	assert_string_equal(vmdq_why_word(VMDQ_WHY_REFUSED), "mac-refused");
	assert_int_equal(vmdq_why_parse("hw-pools-full"), VMDQ_WHY_FULL);
	assert_int_equal(vmdq_why_parse("nonsense"), VMDQ_WHY_NONE);
	(void)eb;
}

/* VLAN pools: each VLAN gets a filter naming its NIC pools (the default
 * pool for its software pools); no filter left refuses a new VLAN. */
static void test_hw_vlans(void **state)
{
	static struct vmdq_set s;
	struct vmdq_caps igb = { .max_vmdq_pools = 8, .vmdq_queue_num = 16,
				 .layout = VMDQ_LAYOUT_INTERLEAVED, .vlan_filters = 2 };
	struct vmdq_key k;
	struct errbuf eb;
	uint16_t a, b, c, d;

	(void)state;
	memset(&nic, 0, sizeof(nic));
	/* --hw-pools 1: one NIC pool for guests */
	assert_int_equal(vmdq_set_init(&s, &nic_ops, NULL, &igb, 16, 1, NULL), 0);
	assert_int_equal(s.hw_pools, 8);
	assert_int_equal(s.hw_usable, 1);
	k = key(0x52, 1, 10);
	assert_int_equal(vmdq_set_add(&s, &k, &a, NULL), 0);
	assert_int_equal(s.pools[a].kind, VMDQ_HARDWARE);
	assert_int_equal(nic.syncs, 1);
	assert_non_null(nic_vlan(10));
	assert_true(nic_vlan(10)->pools == 1ULL << s.pools[a].hw);
	k = key(0x52, 2, 10);
	assert_int_equal(vmdq_set_add(&s, &k, &b, NULL), 0);
	assert_int_equal(s.pools[b].kind, VMDQ_SOFTWARE);
	assert_true(nic_vlan(10)->pools == ((1ULL << s.pools[a].hw) | 1ULL << 7));
	/* untagged pools need no filter and cause no sync */
	k = key(0x52, 3, 0);
	assert_int_equal(vmdq_set_add(&s, &k, &c, NULL), 0);
	assert_int_equal(nic.syncs, 2);
	k = key(0x52, 4, 20);
	assert_int_equal(vmdq_set_add(&s, &k, &d, NULL), 0);
	assert_int_equal(nic.nvlan, 2);
	k = key(0x52, 5, 30);
	assert_int_equal(vmdq_set_add(&s, &k, &d, &eb), -ENOSPC);
	assert_non_null(strstr(eb.msg, "all 2 are in use"));
	k = key(0x52, 5, 20);	/* a VLAN that has a filter already: fine */
	assert_int_equal(vmdq_set_add(&s, &k, &d, NULL), 0);
	/* deleting a VLAN pool syncs the filters */
	assert_int_equal(vmdq_set_del(&s, a), 0);
	assert_true(nic_vlan(10)->pools == 1ULL << 7);
	assert_int_equal(vmdq_set_del(&s, b), 0);
	assert_null(nic_vlan(10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_keys),
		cmocka_unit_test(test_unicast_and_miss),
		cmocka_unit_test(test_flood_same_vlan_only),
		cmocka_unit_test(test_bad_pools),
		cmocka_unit_test(test_full_table_bursts),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_hw_set),
		cmocka_unit_test(test_hw_vlans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
