// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X table and PBA emulation (vmm/msix.c) under any sequence of guest
 * table/PBA reads and writes (any offset, any length), MSI-X control
 * changes, device fires and resets, checked against a model of the PCI
 * 3.0 rules:
 *  - the table reads back what aligned dword/qword writes put there (the
 *    vector control's reserved bits read 0), unaligned writes are dropped;
 *  - the owner's view (vector_update) is always the vector's effective
 *    state: masked by its bit, the function mask or MSI-X being off, and
 *    while unmasked the entry's current address and data;
 *  - a message is only ever delivered for an unmasked vector with the
 *    address/data the owner was told; a fire while masked sets the pending
 *    bit, and no vector is ever pending while unmasked (a lost interrupt);
 *  - accesses never touch memory outside the caller's data buffer (each
 *    access gets a heap buffer of exactly len bytes).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/vmm.h"
#include "fuzz_input.h"

struct owner {
	struct msix *m;
	uint32_t nvec;
	bool *masked;		/* what vector_update said last */
	uint64_t *addr;
	uint32_t *data;
	uint32_t *table;	/* the model: nvec * 4 dwords */
	bool *pending;		/* the model's PBA */
	bool enabled, func_masked;
	uint32_t delivered;
};

static void vector_update(void *opaque, uint32_t vec, bool masked,
			  uint64_t addr, uint32_t data)
{
	struct owner *o = opaque;

	FUZZ_CHECK(vec < o->nvec);
	o->masked[vec] = masked;
	o->addr[vec] = addr;
	o->data[vec] = data;
}

static void vector_deliver(void *opaque, uint32_t vec, uint64_t addr,
			   uint32_t data)
{
	struct owner *o = opaque;

	FUZZ_CHECK(vec < o->nvec);
	FUZZ_CHECK(!o->masked[vec]);
	FUZZ_CHECK(addr == o->addr[vec] && data == o->data[vec]);
	o->pending[vec] = false;
	o->delivered++;
}

static const struct msix_ops ops = {
	.vector_update = vector_update,
	.vector_deliver = vector_deliver,
};

static bool model_masked(struct owner *o, uint32_t v)
{
	return !o->enabled || o->func_masked || (o->table[v * 4 + 3] & 1);
}

static void check_vector(struct owner *o, uint32_t v)
{
	bool masked = msix_vector_masked(o->m, v);

	FUZZ_CHECK(masked == model_masked(o, v));
	FUZZ_CHECK(o->masked[v] == masked);
	FUZZ_CHECK(msix_vector_pending(o->m, v) == o->pending[v]);
	if (!masked) {
		FUZZ_CHECK(o->addr[v] == (o->table[v * 4] |
					  (uint64_t)o->table[v * 4 + 1] << 32));
		FUZZ_CHECK(o->data[v] == o->table[v * 4 + 2]);
		FUZZ_CHECK(!msix_vector_pending(o->m, v));
	}
}

static void table_access(struct owner *o, uint64_t off, uint32_t len,
			 bool is_write, struct fuzz_in *in)
{
	uint8_t *buf = malloc(len ? len : 1);
	uint64_t size = MSIX_TABLE_SIZE(o->nvec);

	FUZZ_CHECK(buf);
	if (!is_write) {
		msix_table_access(o->m, off, buf, len, false);
		for (uint32_t i = 0; i < len; i++) {
			uint8_t want = off < size && i < size - off ?
				       ((uint8_t *)o->table)[off + i] : 0;

			FUZZ_CHECK(buf[i] == want);
		}
		free(buf);
		return;
	}
	fuzz_bytes(in, buf, len);
	msix_table_access(o->m, off, buf, len, true);
	if (((len == 4 && !(off & 3)) || (len == 8 && !(off & 7))) &&
	    off < size && len <= size - off) {
		for (uint32_t i = 0; i < len; i += 4) {
			uint64_t dw = (off + i) / 4;
			uint32_t val;

			memcpy(&val, buf + i, 4);
			o->table[dw] = dw % 4 == 3 ? val & 1 : val;
		}
		check_vector(o, (uint32_t)(off / MSIX_ENTRY_SIZE));
	}
	free(buf);
}

static void pba_access(struct owner *o, uint64_t off, uint32_t len,
		       bool is_write)
{
	uint8_t *buf = malloc(len ? len : 1);
	uint64_t size = MSIX_PBA_SIZE(o->nvec);

	FUZZ_CHECK(buf);
	memset(buf, 0xa5, len);
	msix_pba_access(o->m, off, buf, len, is_write);
	if (is_write) {
		for (uint32_t i = 0; i < len; i++)	/* read-only: untouched */
			FUZZ_CHECK(buf[i] == 0xa5);
	} else {
		for (uint32_t i = 0; i < len; i++) {
			uint8_t want = 0;

			for (uint32_t b = 0; b < 8; b++) {
				uint64_t v = (off + i) * 8 + b;

				if (off < size && i < size - off && v < o->nvec &&
				    o->pending[v])
					want |= 1u << b;
			}
			FUZZ_CHECK(buf[i] == want);
		}
	}
	free(buf);
}

/* Offsets mostly near the table, sometimes anywhere. */
static uint64_t pick_off(struct fuzz_in *in, uint64_t size)
{
	uint8_t how = fuzz_u8(in);

	if (how < 0xf0)
		return fuzz_u16(in) % (size + 16);
	return fuzz_u64(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct owner o = { 0 };
	uint16_t n = fuzz_u16(&in);
	unsigned int steps = 0;

	/* Small tables mostly: every vector is checked after each step. */
	o.nvec = n & 0x8000 ? n % MSIX_MAX_VECTORS + 1 : n % 64 + 1;
	o.masked = calloc(o.nvec, sizeof(*o.masked));
	o.addr = calloc(o.nvec, sizeof(*o.addr));
	o.data = calloc(o.nvec, sizeof(*o.data));
	o.table = calloc(o.nvec * 4, sizeof(*o.table));
	o.pending = calloc(o.nvec, sizeof(*o.pending));
	FUZZ_CHECK(o.masked && o.addr && o.data && o.table && o.pending);
	for (uint32_t v = 0; v < o.nvec; v++) {
		o.masked[v] = true;
		o.table[v * 4 + 3] = 1;
	}
	FUZZ_CHECK(msix_create(o.nvec, &ops, &o, &o.m) == 0);

	while (fuzz_more(&in) && steps++ < 4096) {
		uint8_t op = fuzz_u8(&in);
		uint32_t len = fuzz_u8(&in) % 17;	/* 0..16 */
		uint32_t v;

		switch (op % 6) {
		case 0:
		case 1:
			table_access(&o, pick_off(&in, MSIX_TABLE_SIZE(o.nvec)),
				     op & 0x80 ? len : 4u << (op >> 6 & 1),
				     op % 6 == 0, &in);
			break;
		case 2:
			pba_access(&o, pick_off(&in, MSIX_PBA_SIZE(o.nvec)),
				   len, op & 0x80);
			break;
		case 3:
			o.enabled = op & 0x40;
			o.func_masked = op & 0x80;
			msix_set_control(o.m, o.enabled, o.func_masked);
			break;
		case 4: {
			bool was_masked;
			int ret;

			v = fuzz_u16(&in);
			v = op & 0x80 ? v : v % o.nvec;
			was_masked = v < o.nvec && model_masked(&o, v);
			ret = msix_fire(o.m, v);
			if (v >= o.nvec) {
				FUZZ_CHECK(ret == -EINVAL);
				break;
			}
			FUZZ_CHECK(ret == (was_masked ? 0 : 1));
			if (was_masked)
				o.pending[v] = true;
			break;
		}
		case 5:
			msix_reset(o.m);
			o.enabled = o.func_masked = false;
			memset(o.table, 0, o.nvec * 4 * sizeof(*o.table));
			memset(o.pending, 0, o.nvec * sizeof(*o.pending));
			for (v = 0; v < o.nvec; v++)
				o.table[v * 4 + 3] = 1;
			break;
		}
		if (o.nvec <= 64 || op % 6 == 3)
			for (v = 0; v < o.nvec; v++)
				check_vector(&o, v);
	}
	for (uint32_t v = 0; v < o.nvec; v++)
		check_vector(&o, v);
	msix_destroy(o.m);
	free(o.masked);
	free(o.addr);
	free(o.data);
	free(o.table);
	free(o.pending);
	return 0;
}
