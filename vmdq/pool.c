// SPDX-License-Identifier: GPL-2.0-only
/*
 * A set of pools on one NIC and the choice of backend for it. The set owns
 * the ids (which for hardware VMDq are the NIC's pool numbers); the backend
 * steers frames; the classifier is rebuilt from the set on every change.
 */
#include <errno.h>
#include <string.h>

#include "iopass/vmdq.h"

const char *vmdq_kind_name(enum vmdq_kind k)
{
	return k == VMDQ_HARDWARE ? "hardware" : "software";
}

unsigned int vmdq_hw_pool_count(unsigned int npools)
{
	/* VMDq NICs split their queues into 8, 16, 32 or 64 pools. */
	unsigned int c = 8;

	while (c < npools && c < 64)
		c *= 2;
	return c;
}

int vmdq_select(const struct vmdq_caps *caps, enum vmdq_want want,
		unsigned int npools, enum vmdq_kind *kind, struct errbuf *eb)
{
	unsigned int need = vmdq_hw_pool_count(npools);

	if (want == VMDQ_WANT_SOFTWARE) {
		*kind = VMDQ_SOFTWARE;
		return 0;
	}
	if (caps->max_vmdq_pools && npools <= 64 && caps->max_vmdq_pools >= need &&
	    caps->vmdq_queue_num >= need) {
		*kind = VMDQ_HARDWARE;
		return 0;
	}
	if (want == VMDQ_WANT_HARDWARE) {
		if (!caps->max_vmdq_pools)
			return errbuf_set(eb, -ENOTSUP, "the uplink has no VMDq (its driver "
					  "reports no VMDq pools); use the software "
					  "classifier (--classifier auto or software)");
		return errbuf_set(eb, -ENOTSUP, "%u pools need %u VMDq pools but the uplink "
				  "has %u (%u queues); use fewer pools or the software "
				  "classifier", npools, need, caps->max_vmdq_pools,
				  caps->vmdq_queue_num);
	}
	*kind = VMDQ_SOFTWARE;
	return 0;
}

/* Software: the NIC delivers everything on one queue; nothing to steer. */
static int sw_configure(struct vmdq_set *s, struct errbuf *eb)
{
	(void)s;
	(void)eb;
	return 0;
}

static int sw_pool_add(struct vmdq_set *s, struct vmdq_pool *p, struct errbuf *eb)
{
	(void)s;
	(void)eb;
	p->queue = 0;
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
		  struct errbuf *eb)
{
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
	return ops->configure(s, eb);
}

static int set_to_keys(const struct vmdq_set *s, struct vmdq_pool_key *keys)
{
	int n = 0;

	for (unsigned int i = 0; i < s->max_pools; i++) {
		if (!s->pools[i].used)
			continue;
		keys[n].id = s->pools[i].id;
		keys[n].key = s->pools[i].key;
		n++;
	}
	return n;
}

int vmdq_set_build(const struct vmdq_set *s, struct vmdq_table **out,
		   struct errbuf *eb)
{
	struct vmdq_pool_key keys[VMDQ_MAX_POOLS];

	return vmdq_table_build(keys, (unsigned int)set_to_keys(s, keys), out, eb);
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
	n = set_to_keys(s, keys);
	keys[n].id = p->id;
	keys[n].key = *key;
	err = vmdq_table_build(keys, (unsigned int)n + 1, &t, eb);
	if (err)
		return err;
	vmdq_table_free(t);
	p->key = *key;
	err = s->ops->pool_add(s, p, eb);
	if (err)
		return err;
	p->used = true;
	*id = p->id;
	return 0;
}

int vmdq_set_del(struct vmdq_set *s, uint16_t id)
{
	if (id >= s->max_pools || !s->pools[id].used)
		return -ENOENT;
	s->ops->pool_del(s, &s->pools[id]);
	s->pools[id].used = false;
	return 0;
}
