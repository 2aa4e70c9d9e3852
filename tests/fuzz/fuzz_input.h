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
