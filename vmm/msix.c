// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table and PBA emulation, shared by virtio-pci and vfio/. The guest
 * writes entries (address, data, vector control) through the device's
 * trapped BAR; the owner learns about every change of a vector's effective
 * state (masked by its own bit, by the function mask, or by MSI-X being
 * off) through vector_update, which is where an irqfd route is added,
 * changed or dropped. A vector that fires while masked is remembered in the
 * PBA and sent when it is unmasked (PCI 3.0 6.8.2.9).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/vmm.h"

#define ENTRY_ADDR_LO		0
#define ENTRY_ADDR_HI		1
#define ENTRY_DATA		2
#define ENTRY_CTRL		3
#define CTRL_MASKED		0x1u

struct msix_state {		/* what the owner was last told */
	bool masked;
	uint64_t addr;
	uint32_t data;
};

struct msix {
	pthread_mutex_t lock;
	uint32_t nvec;
	const struct msix_ops *ops;
	void *opaque;
	bool enabled;
	bool func_masked;
	uint32_t *table;	/* nvec * 4 dwords, guest layout */
	uint64_t *pba;
	struct msix_state *told;
};

int msix_create(uint32_t nvec, const struct msix_ops *ops, void *opaque,
		struct msix **out)
{
	struct msix *m;

	if (!nvec || nvec > MSIX_MAX_VECTORS)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->table = calloc(nvec, MSIX_ENTRY_SIZE);
	m->pba = calloc(1, MSIX_PBA_SIZE(nvec));
	m->told = calloc(nvec, sizeof(*m->told));
	if (!m->table || !m->pba || !m->told) {
		msix_destroy(m);
		return -ENOMEM;
	}
	m->nvec = nvec;
	m->ops = ops;
	m->opaque = opaque;
	for (uint32_t v = 0; v < nvec; v++) {
		m->table[v * 4 + ENTRY_CTRL] = CTRL_MASKED;
		m->told[v].masked = true;
	}
	*out = m;
	return 0;
}

void msix_destroy(struct msix *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->table);
	free(m->pba);
	free(m->told);
	free(m);
}

static bool vec_masked(struct msix *m, uint32_t v)
{
	return !m->enabled || m->func_masked ||
	       (m->table[v * 4 + ENTRY_CTRL] & CTRL_MASKED);
}

static bool pba_test(struct msix *m, uint32_t v)
{
	return m->pba[v / 64] & (1ULL << (v % 64));
}

/* Under the lock: tell the owner what changed, send what became unmasked. */
static void vec_sync(struct msix *m, uint32_t v)
{
	struct msix_state now = {
		.masked = vec_masked(m, v),
		.addr = m->table[v * 4 + ENTRY_ADDR_LO] |
			(uint64_t)m->table[v * 4 + ENTRY_ADDR_HI] << 32,
		.data = m->table[v * 4 + ENTRY_DATA],
	};
	struct msix_state *was = &m->told[v];

	if (now.masked != was->masked ||
	    (!now.masked && (now.addr != was->addr || now.data != was->data))) {
		*was = now;
		if (m->ops && m->ops->vector_update)
			m->ops->vector_update(m->opaque, v, now.masked,
					      now.addr, now.data);
	}
	if (!now.masked && pba_test(m, v)) {
		m->pba[v / 64] &= ~(1ULL << (v % 64));
		if (m->ops && m->ops->vector_deliver)
			m->ops->vector_deliver(m->opaque, v, now.addr,
					       now.data);
	}
}

void msix_table_access(struct msix *m, uint64_t off, uint8_t *data,
		       uint32_t len, bool is_write)
{
	uint64_t size = MSIX_TABLE_SIZE(m->nvec);

	pthread_mutex_lock(&m->lock);
	if (!is_write) {
		const uint8_t *t = (const uint8_t *)m->table;

		for (uint32_t i = 0; i < len; i++)
			data[i] = off < size && i < size - off ? t[off + i] : 0;
		goto out;
	}
	/* Only aligned dword and qword writes are defined (PCI 3.0 6.8.2). */
	if (!((len == 4 && !(off & 3)) || (len == 8 && !(off & 7))) ||
	    off >= size || len > size - off)
		goto out;
	for (uint32_t i = 0; i < len; i += 4) {
		uint64_t dw = (off + i) / 4;
		uint32_t val;

		memcpy(&val, data + i, 4);
		if (dw % 4 == ENTRY_CTRL)
			val &= CTRL_MASKED;	/* the rest is reserved */
		m->table[dw] = val;
	}
	vec_sync(m, off / MSIX_ENTRY_SIZE);
out:
	pthread_mutex_unlock(&m->lock);
}

void msix_pba_access(struct msix *m, uint64_t off, uint8_t *data,
		     uint32_t len, bool is_write)
{
	uint64_t size = MSIX_PBA_SIZE(m->nvec);

	if (is_write)	/* read-only */
		return;
	pthread_mutex_lock(&m->lock);
	for (uint32_t i = 0; i < len; i++)
		data[i] = off < size && i < size - off ?
			  ((const uint8_t *)m->pba)[off + i] : 0;
	pthread_mutex_unlock(&m->lock);
}

void msix_set_control(struct msix *m, bool enabled, bool func_masked)
{
	pthread_mutex_lock(&m->lock);
	if (m->enabled != enabled || m->func_masked != func_masked) {
		m->enabled = enabled;
		m->func_masked = func_masked;
		for (uint32_t v = 0; v < m->nvec; v++)
			vec_sync(m, v);
	}
	pthread_mutex_unlock(&m->lock);
}

int msix_fire(struct msix *m, uint32_t vec)
{
	int ret = 0;

	if (vec >= m->nvec)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (vec_masked(m, vec)) {
		m->pba[vec / 64] |= 1ULL << (vec % 64);
	} else {
		if (m->ops && m->ops->vector_deliver)
			m->ops->vector_deliver(m->opaque, vec,
					       m->told[vec].addr,
					       m->told[vec].data);
		ret = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

bool msix_vector_masked(struct msix *m, uint32_t vec)
{
	bool masked = true;

	pthread_mutex_lock(&m->lock);
	if (vec < m->nvec)
		masked = vec_masked(m, vec);
	pthread_mutex_unlock(&m->lock);
	return masked;
}

bool msix_vector_pending(struct msix *m, uint32_t vec)
{
	bool pending = false;

	pthread_mutex_lock(&m->lock);
	if (vec < m->nvec)
		pending = pba_test(m, vec);
	pthread_mutex_unlock(&m->lock);
	return pending;
}

void msix_reset(struct msix *m)
{
	pthread_mutex_lock(&m->lock);
	m->enabled = false;
	m->func_masked = false;
	memset(m->pba, 0, MSIX_PBA_SIZE(m->nvec));
	for (uint32_t v = 0; v < m->nvec; v++) {
		memset(&m->table[v * 4], 0, MSIX_ENTRY_SIZE);
		m->table[v * 4 + ENTRY_CTRL] = CTRL_MASKED;
		vec_sync(m, v);
	}
	pthread_mutex_unlock(&m->lock);
}
