// SPDX-License-Identifier: GPL-2.0-only
/*
 * A set of pools on one NIC and the choice of backend for it. The set owns
 * the pool ids (the switch's port slots) and, on hardware, which pool has
 * which NIC pool; the backend steers frames; the classifiers are rebuilt
 * from the set on every change.
 *
 * On hardware the NIC's last pool is the default pool: the NIC puts there
 * every unicast frame no pool's MAC filter took, and a copy of each
 * broadcast. The switch classifies that queue in software, so pools past
 * the NIC's count (or the --hw-pools limit) still work, only slower, and
 * a frame for nobody is counted there as unknown.
 */
#include <errno.h>
#include <string.h>

#include "iopass/vmdq.h"

const char *vmdq_kind_name(enum vmdq_kind k)
{
	return k == VMDQ_HARDWARE ? "hardware" : "software";
}

static const char *const why_words[] = {
	[VMDQ_WHY_NONE] = "-",
	[VMDQ_WHY_NO_VMDQ] = "no-vmdq",
	[VMDQ_WHY_FULL] = "hw-pools-full",
	[VMDQ_WHY_VLAN] = "no-vlan-filter",
	[VMDQ_WHY_REFUSED] = "mac-refused",
};

static const char *const why_texts[] = {
	[VMDQ_WHY_NONE] = "it has a NIC pool of its own",
	[VMDQ_WHY_NO_VMDQ] = "the uplink sorts frames in software (no VMDq, or --classifier software)",
	[VMDQ_WHY_FULL] = "every hardware VMDq pool of the uplink is in use",
	[VMDQ_WHY_VLAN] = "the uplink cannot filter VLANs per pool",
	[VMDQ_WHY_REFUSED] = "the uplink refused its MAC (its address filters are full)",
};

const char *vmdq_why_word(enum vmdq_why w)
{
	return (unsigned int)w < ARRAY_SIZE(why_words) ? why_words[w] : "?";
}

const char *vmdq_why_text(enum vmdq_why w)
{
	return (unsigned int)w < ARRAY_SIZE(why_texts) ? why_texts[w] : "unknown";
}

enum vmdq_why vmdq_why_parse(const char *word)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(why_words); i++)
		if (word && !strcmp(word, why_words[i]))
			return (enum vmdq_why)i;
	return VMDQ_WHY_NONE;
}

unsigned int vmdq_hw_pool_count(const struct vmdq_caps *caps, unsigned int npools)
{
	/* VMDq NICs split their queues into 8, 16, 32 or 64 pools. */
	unsigned int c = 8;

	while (c < npools + 1 && c < VMDQ_MAX_HW_POOLS)
		c *= 2;
	while (c > caps->max_vmdq_pools && c > 8)
		c /= 2;
	return c;
}

unsigned int vmdq_queue_of(const struct vmdq_caps *caps, unsigned int nb_pools,
			   unsigned int p)
{
	if (caps->layout == VMDQ_LAYOUT_INTERLEAVED || !nb_pools)
		return caps->vmdq_queue_base + p;
	return caps->vmdq_queue_base + p * (caps->vmdq_queue_num / nb_pools);
}

unsigned int vmdq_rx_queues(const struct vmdq_caps *caps, unsigned int nb_pools)
{
	if (caps->layout == VMDQ_LAYOUT_INTERLEAVED)
		return caps->vmdq_queue_base + nb_pools;
	return caps->vmdq_queue_base + caps->vmdq_queue_num;
}

int vmdq_select(const struct vmdq_caps *caps, enum vmdq_want want,
		enum vmdq_kind *kind, struct errbuf *eb)
{
	bool can = caps && caps->max_vmdq_pools >= 2 &&
		   caps->vmdq_queue_num >= caps->max_vmdq_pools;

	*kind = VMDQ_SOFTWARE;
	if (want == VMDQ_WANT_SOFTWARE)
		return 0;
	if (can) {
		*kind = VMDQ_HARDWARE;
		return 0;
	}
	if (want == VMDQ_WANT_HARDWARE)
		return errbuf_set(eb, -ENOTSUP, "the uplink has no VMDq (its driver reports "
				  "%u VMDq pools); use the software classifier "
				  "(--classifier auto or software)",
				  caps ? caps->max_vmdq_pools : 0);
	return 0;
}

/* Software: the NIC delivers everything on one queue; nothing to steer. */
static int sw_configure(struct vmdq_set *s, struct errbuf *eb)
{
	(void)eb;
	s->queues = 1;
	return 0;
}

static int sw_pool_add(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb)
{
	(void)s;
	(void)p;
	(void)eb;
	return 0;
}

static void sw_pool_del(struct vmdq_set *s, struct vmdq_pool *p)
{
	(void)s;
	(void)p;
}

const struct vmdq_ops vmdq_software_ops = {
	.kind = VMDQ_SOFTWARE,
	.configure = sw_configure,
	.pool_add = sw_pool_add,
	.pool_del = sw_pool_del,
};

int vmdq_set_init(struct vmdq_set *s, const struct vmdq_ops *ops, void *priv,
		  const struct vmdq_caps *caps, unsigned int max_pools,
		  unsigned int hw_limit, struct errbuf *eb)
{
	int err;

	memset(s, 0, sizeof(*s));
	if (!max_pools || max_pools > VMDQ_MAX_POOLS)
		return errbuf_set(eb, -EINVAL, "%u pools: a set holds 1 to %u", max_pools,
				  VMDQ_MAX_POOLS);
	s->ops = ops;
	s->priv = priv;
	s->max_pools = max_pools;
	if (caps)
		s->caps = *caps;
	for (unsigned int i = 0; i < VMDQ_MAX_POOLS; i++)
		s->pools[i].id = (uint16_t)i;
	for (unsigned int i = 0; i < VMDQ_MAX_HW_POOLS; i++)
		s->hw_owner[i] = VMDQ_NONE;
	if (ops->kind == VMDQ_HARDWARE) {
		s->hw_pools = vmdq_hw_pool_count(&s->caps, hw_limit ? hw_limit : max_pools);
		s->default_hw = (uint16_t)(s->hw_pools - 1);
		s->default_queue = (uint16_t)vmdq_queue_of(&s->caps, s->hw_pools,
							   s->default_hw);
		s->hw_usable = s->hw_pools - 1;
		if (hw_limit && hw_limit < s->hw_usable)
			s->hw_usable = hw_limit;
		if (s->hw_usable > max_pools)
			s->hw_usable = max_pools;
	}
	err = ops->configure(s, eb);
	return err;
}

static int set_to_keys(const struct vmdq_set *s, bool software_only,
		       struct vmdq_pool_key *keys)
{
	int n = 0;

	for (unsigned int i = 0; i < s->max_pools; i++) {
		if (!s->pools[i].used ||
		    (software_only && s->pools[i].kind == VMDQ_HARDWARE))
			continue;
		keys[n].id = s->pools[i].id;
		keys[n].key = s->pools[i].key;
		n++;
	}
	return n;
}

int vmdq_set_build(const struct vmdq_set *s, bool software_only,
		   struct vmdq_table **out, struct errbuf *eb)
{
	struct vmdq_pool_key keys[VMDQ_MAX_POOLS];

	return vmdq_table_build(keys, (unsigned int)set_to_keys(s, software_only, keys),
				out, eb);
}

unsigned int vmdq_set_hw_free(const struct vmdq_set *s)
{
	unsigned int used = 0;

	for (unsigned int i = 0; i < s->hw_pools && i < VMDQ_MAX_HW_POOLS; i++)
		used += s->hw_owner[i] != VMDQ_NONE;
	return s->hw_usable > used ? s->hw_usable - used : 0;
}

int vmdq_vlan_maps(const struct vmdq_set *s, struct vmdq_vlan_map *out,
		   unsigned int max, unsigned int *n)
{
	*n = 0;
	for (unsigned int i = 0; i < s->max_pools; i++) {
		const struct vmdq_pool *p = &s->pools[i];
		uint64_t bit;
		unsigned int k;

		if (!p->used || !p->key.vlan)
			continue;
		bit = 1ULL << (p->kind == VMDQ_HARDWARE ? p->hw : s->default_hw);
		for (k = 0; k < *n && out[k].vlan != p->key.vlan; k++)
			;
		if (k == *n) {
			if (k == max)
				return -E2BIG;
			out[k].vlan = p->key.vlan;
			out[k].pools = 0;
			(*n)++;
		}
		out[k].pools |= bit;
	}
	return 0;
}

/* Does adding a pool on vlan need a VLAN filter the NIC has no room for? */
static bool vlan_filters_full(const struct vmdq_set *s, uint16_t vlan)
{
	struct vmdq_vlan_map maps[VMDQ_MAX_VLAN_MAPS];
	unsigned int n;

	if (!vlan || vmdq_vlan_maps(s, maps, VMDQ_MAX_VLAN_MAPS, &n))
		return vlan != 0;
	for (unsigned int k = 0; k < n; k++)
		if (maps[k].vlan == vlan)
			return false;
	return n >= s->caps.vlan_filters;
}

/* Hardware: a NIC pool for p if one is free and its VLAN can be filtered. */
static void place(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb)
{
	struct errbuf mine = { "" };
	unsigned int hw;

	p->kind = VMDQ_SOFTWARE;
	p->hw = VMDQ_NONE;
	p->queue = s->default_queue;
	p->why = VMDQ_WHY_NO_VMDQ;
	if (s->ops->kind != VMDQ_HARDWARE) {
		p->queue = 0;
		return;
	}
	p->why = VMDQ_WHY_VLAN;
	if (p->key.vlan && !s->caps.vlan_filters)
		return;
	p->why = VMDQ_WHY_FULL;
	if (!vmdq_set_hw_free(s))
		return;
	for (hw = 0; hw < s->hw_pools && s->hw_owner[hw] != VMDQ_NONE; hw++)
		;
	p->hw = (uint16_t)hw;
	if (s->ops->pool_add(s, p, eb ? eb : &mine)) {
		p->hw = VMDQ_NONE;
		p->why = VMDQ_WHY_REFUSED;
		return;
	}
	s->hw_owner[hw] = p->id;
	p->kind = VMDQ_HARDWARE;
	p->why = VMDQ_WHY_NONE;
	p->queue = (uint16_t)vmdq_queue_of(&s->caps, s->hw_pools, hw);
}

static void unplace(struct vmdq_set *s, struct vmdq_pool *p)
{
	if (p->kind == VMDQ_HARDWARE) {
		s->ops->pool_del(s, p);
		s->hw_owner[p->hw] = VMDQ_NONE;
	}
	p->kind = VMDQ_SOFTWARE;
	p->hw = VMDQ_NONE;
}

int vmdq_set_add(struct vmdq_set *s, const struct vmdq_key *key, uint16_t *id,
		 struct errbuf *eb)
{
	struct vmdq_pool_key keys[VMDQ_MAX_POOLS];
	struct vmdq_table *t;
	struct vmdq_pool *p = NULL;
	int n, err;

	for (unsigned int i = 0; i < s->max_pools && !p; i++)
		if (!s->pools[i].used)
			p = &s->pools[i];
	if (!p)
		return errbuf_set(eb, -ENOSPC, "all %u pools are in use; delete a port "
				  "first", s->max_pools);
	/* Building the would-be table checks the key (unicast, VLAN range,
	 * not taken) with the same rules the poll loop's table has. */
	n = set_to_keys(s, false, keys);
	keys[n].id = p->id;
	keys[n].key = *key;
	err = vmdq_table_build(keys, (unsigned int)n + 1, &t, eb);
	if (err)
		return err;
	vmdq_table_free(t);
	if (s->ops->kind == VMDQ_HARDWARE && s->caps.vlan_filters &&
	    vlan_filters_full(s, key->vlan))
		return errbuf_set(eb, -ENOSPC, "VLAN %u would need a VLAN filter on the "
				  "uplink and all %u are in use; put the port on a VLAN "
				  "that has pools already", key->vlan,
				  s->caps.vlan_filters);
	p->key = *key;
	place(s, p, NULL);
	p->used = true;
	if (s->ops->vlan_sync && key->vlan) {
		err = s->ops->vlan_sync(s, eb);
		if (err) {
			unplace(s, p);
			p->used = false;
			return err;
		}
	}
	*id = p->id;
	return 0;
}

int vmdq_set_del(struct vmdq_set *s, uint16_t id)
{
	struct vmdq_pool *p;

	if (id >= s->max_pools || !s->pools[id].used)
		return -ENOENT;
	p = &s->pools[id];
	unplace(s, p);
	p->used = false;
	if (s->ops->vlan_sync && p->key.vlan)
		s->ops->vlan_sync(s, NULL);
	return 0;
}
