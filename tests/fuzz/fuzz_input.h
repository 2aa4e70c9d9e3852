/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a fuzzer's input as a stream of little-endian numbers. Past the
 * end every read gives 0, so that a target never has to check lengths and
 * a short input is still a valid (if dull) sequence.
 */
#ifndef IOPASS_FUZZ_INPUT_H
#define IOPASS_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool fuzz_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

static inline uint64_t fuzz_le(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	return (uint8_t)fuzz_le(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)fuzz_le(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_le(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	return fuzz_le(in, 8);
}

/* Up to max bytes of the input, as they are. */
static inline size_t fuzz_bytes(struct fuzz_in *in, void *dst, size_t max)
{
	size_t n = in->n < max ? in->n : max;

	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
	return n;
}

/*
 * Guest RAM for the ring and device targets: a heap block of exactly size
 * bytes at guest address base (ASan redzones on both sides), and the
 * translation the VMM's vm_gpa_to_hva makes: NULL unless the whole range is
 * inside.
 */
struct fuzz_ram {
	uint8_t *mem;
	uint64_t base;
	uint64_t size;
};

static inline void *fuzz_ram_xlate(void *opaque, uint64_t gpa, uint64_t len)
{
	struct fuzz_ram *r = opaque;

	if (gpa < r->base || gpa - r->base >= r->size ||
	    len > r->size - (gpa - r->base))
		return NULL;
	return r->mem + (gpa - r->base);
}

static inline bool fuzz_ram_has(const struct fuzz_ram *r, const void *p,
				size_t len)
{
	const uint8_t *b = p;

	return b >= r->mem && b < r->mem + r->size &&
	       len <= r->size - (size_t)(b - r->mem);
}

/* An invariant the code under test broke: report and crash for the fuzzer. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif
