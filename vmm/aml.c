// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AML encoder (aml.h). Encodings from ACPI 6.5, chapter 20 (AML
 * grammar) and 6.4 (resource descriptors).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aml.h"

#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_ONES		0xff

#define AML_NAME_OP		0x08
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_METHOD_OP		0x14
#define AML_DUAL_NAME_PREFIX	0x2e
#define AML_MULTI_NAME_PREFIX	0x2f
#define AML_EXT_PREFIX		0x5b
#define AML_EXT_REGION_OP	0x80
#define AML_EXT_FIELD_OP	0x81
#define AML_EXT_DEVICE_OP	0x82
#define AML_IF_OP		0xa0

#define AML_FIELD_BYTE_ACC	0x01

/* The largest PkgLength: 28 bits. */
#define AML_PKGLEN_MAX		((1u << 28) - 1)

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_free(struct aml *a)
{
	free(a->buf);
	aml_init(a);
}

static void aml_fail(struct aml *a, int err, const char *why)
{
	if (!a->err) {
		a->err = err;
		a->why = why;
	}
}

int aml_error(const struct aml *a, const char **why)
{
	if (why)
		*why = a->err ? a->why : NULL;
	return a->err;
}

static bool aml_reserve(struct aml *a, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (a->err)
		return false;
	if (n <= a->cap - a->len)
		return true;
	if (n > AML_PKGLEN_MAX || a->len > AML_PKGLEN_MAX - n) {
		aml_fail(a, -E2BIG, "AML larger than a PkgLength holds");
		return false;
	}
	cap = a->cap ? a->cap : 256;
	while (cap - a->len < n)
		cap *= 2;
	p = realloc(a->buf, cap);
	if (!p) {
		aml_fail(a, -ENOMEM, "out of memory");
		return false;
	}
	a->buf = p;
	a->cap = cap;
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!aml_reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_op(struct aml *a, uint8_t op)
{
	aml_bytes(a, &op, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int n)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < n; i++)
		b[i] = v >> (8 * i);
	aml_bytes(a, b, n);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0 || v == 1) {
		aml_op(a, v ? AML_ONE : AML_ZERO);
	} else if (v == UINT64_MAX) {
		aml_op(a, AML_ONES);
	} else if (v <= 0xff) {
		aml_op(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_op(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_op(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_op(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			aml_fail(a, -EINVAL, "a string with a non-ASCII byte");
			return;
		}
	}
	aml_op(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static bool name_lead(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
	return name_lead(c) || (c >= '0' && c <= '9');
}

/* One NameSeg from s (up to '.' or the end), padded; false if malformed. */
static bool name_seg(const char **s, char seg[4])
{
	const char *p = *s;
	int n = 0;

	if (!name_lead(*p))
		return false;
	while (name_char(*p)) {
		if (n == 4)
			return false;
		seg[n++] = *p++;
	}
	while (n < 4)
		seg[n++] = '_';
	*s = p;
	return true;
}

void aml_name_string(struct aml *a, const char *path)
{
	char segs[255][4];
	const char *p = path;
	unsigned int n = 0;
	uint8_t count;

	while (*p == '\\' || *p == '^')
		aml_op(a, (uint8_t)*p++);
	while (*p) {
		if (n == 255 || !name_seg(&p, segs[n])) {
			aml_fail(a, -EINVAL, "a malformed ACPI name");
			return;
		}
		n++;
		if (*p == '.' && p[1])
			p++;
		else if (*p)
			break;
	}
	if (*p) {
		aml_fail(a, -EINVAL, "a malformed ACPI name");
		return;
	}
	if (n == 2) {
		aml_op(a, AML_DUAL_NAME_PREFIX);
	} else if (n > 2) {
		count = n;
		aml_op(a, AML_MULTI_NAME_PREFIX);
		aml_op(a, count);
	} else if (n == 0) {
		aml_op(a, AML_ZERO);	/* NullName */
		return;
	}
	aml_bytes(a, segs, 4 * n);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Three letters in five bits each, then four hex digits: big-endian. */
void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;

	if (strlen(id) != 7) {
		aml_fail(a, -EINVAL, "an EISA id is 3 letters and 4 hex digits");
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			aml_fail(a, -EINVAL,
				 "an EISA id is 3 letters and 4 hex digits");
			return;
		}
		v = v << 5 | (uint32_t)(id[i] - 0x40);
	}
	for (int i = 3; i < 7; i++) {
		int d = hex_digit(id[i]);

		if (d < 0) {
			aml_fail(a, -EINVAL,
				 "an EISA id is 3 letters and 4 hex digits");
			return;
		}
		v = v << 4 | (uint32_t)d;
	}
	/* v holds 15 + 16 bits: bit 31 stays clear. */
	aml_op(a, AML_DWORD_PREFIX);
	aml_le(a, __builtin_bswap32(v), 4);
}

void aml_name(struct aml *a, const char *name)
{
	aml_op(a, AML_NAME_OP);
	aml_name_string(a, name);
}

void aml_name_integer(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_integer(a, v);
}

void aml_name_string_value(struct aml *a, const char *name,
			   const char *value)
{
	aml_name(a, name);
	aml_string(a, value);
}

void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

/* Opens a PkgLength scope: the length is written by aml_end(). */
static void aml_open(struct aml *a)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		aml_fail(a, -E2BIG, "AML nested too deep");
		return;
	}
	a->open[a->depth++] = a->len;
}

void aml_end(struct aml *a)
{
	size_t start, body;
	uint8_t pkg[4];
	unsigned int n;
	uint32_t total;

	if (a->err)
		return;
	if (!a->depth) {
		aml_fail(a, -EINVAL, "aml_end() without an open scope");
		return;
	}
	start = a->open[--a->depth];
	body = a->len - start;
	/* The length counts its own bytes: take the fewest that hold it. */
	if (body + 1 <= 0x3f)
		n = 1;
	else if (body + 2 <= 0xfff)
		n = 2;
	else if (body + 3 <= 0xfffff)
		n = 3;
	else if (body + 4 <= AML_PKGLEN_MAX)
		n = 4;
	else {
		aml_fail(a, -E2BIG, "AML larger than a PkgLength holds");
		return;
	}
	total = body + n;
	if (n == 1) {
		pkg[0] = total;
	} else {
		pkg[0] = (n - 1) << 6 | (total & 0xf);
		for (unsigned int i = 1; i < n; i++)
			pkg[i] = total >> (4 + 8 * (i - 1));
	}
	if (!aml_reserve(a, n))
		return;
	memmove(a->buf + start + n, a->buf + start, body);
	memcpy(a->buf + start, pkg, n);
	a->len += n;
}

void aml_scope_begin(struct aml *a, const char *name)
{
	aml_op(a, AML_SCOPE_OP);
	aml_open(a);
	aml_name_string(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
	aml_op(a, AML_EXT_PREFIX);
	aml_op(a, AML_EXT_DEVICE_OP);
	aml_open(a);
	aml_name_string(a, name);
}

void aml_method_begin(struct aml *a, const char *name, unsigned int nargs,
		      bool serialized)
{
	if (nargs > 7) {
		aml_fail(a, -EINVAL, "a method takes at most 7 arguments");
		return;
	}
	aml_op(a, AML_METHOD_OP);
	aml_open(a);
	aml_name_string(a, name);
	aml_op(a, nargs | (serialized ? 0x08 : 0));
}

void aml_package_begin(struct aml *a, unsigned int n)
{
	if (n > 255) {
		aml_fail(a, -EINVAL, "a Package holds at most 255 elements");
		return;
	}
	aml_op(a, AML_PACKAGE_OP);
	aml_open(a);
	aml_op(a, n);
}

void aml_if_begin(struct aml *a)
{
	aml_op(a, AML_IF_OP);
	aml_open(a);
}

void aml_buffer(struct aml *a, const void *p, size_t n)
{
	aml_op(a, AML_BUFFER_OP);
	aml_open(a);
	aml_integer(a, n);
	aml_bytes(a, p, n);
	aml_end(a);
}

void aml_op_region(struct aml *a, const char *name, uint8_t space,
		   uint64_t offset, uint64_t len)
{
	aml_op(a, AML_EXT_PREFIX);
	aml_op(a, AML_EXT_REGION_OP);
	aml_name_string(a, name);
	aml_op(a, space);
	aml_integer(a, offset);
	aml_integer(a, len);
}

/* A field's width is a PkgLength without the length of itself. */
static void aml_field_bits(struct aml *a, unsigned int bits)
{
	if (bits <= 0x3f) {
		aml_op(a, bits);
	} else if (bits <= 0xfff) {
		aml_op(a, 0x40 | (bits & 0xf));
		aml_op(a, bits >> 4);
	} else {
		aml_fail(a, -EINVAL, "a field wider than 4095 bits");
	}
}

void aml_field(struct aml *a, const char *region,
	       const struct aml_field *fields, size_t n)
{
	aml_op(a, AML_EXT_PREFIX);
	aml_op(a, AML_EXT_FIELD_OP);
	aml_open(a);
	aml_name_string(a, region);
	aml_op(a, AML_FIELD_BYTE_ACC);	/* NoLock, Preserve */
	for (size_t i = 0; i < n; i++) {
		const char *p = fields[i].name;
		char seg[4];

		if (!name_seg(&p, seg) || *p) {
			aml_fail(a, -EINVAL, "a malformed field name");
			return;
		}
		aml_bytes(a, seg, 4);
		aml_field_bits(a, fields[i].bits);
	}
	aml_end(a);
}

/* ---- resource descriptors (ACPI 6.5, 6.4) ---- */

#define RES_IRQ_NOFLAGS		0x22	/* small, type 4, length 2 */
#define RES_IO			0x47	/* small, type 8, length 7 */
#define RES_END_TAG		0x79	/* small, type 0xf, length 1 */
#define RES_MEM32_FIXED		0x86
#define RES_DWORD_SPACE		0x87
#define RES_WORD_SPACE		0x88
#define RES_EXT_IRQ		0x89
#define RES_QWORD_SPACE		0x8a

#define SPACE_MEMORY		0
#define SPACE_IO		1
#define SPACE_BUS		2
/* Producer, positive decode, min and max fixed. */
#define SPACE_WINDOW_FLAGS	0x0c
#define SPACE_IO_ENTIRE_RANGE	0x03
#define SPACE_MEM_RW		0x01

void aml_res_io(struct aml *r, uint16_t base, uint8_t len)
{
	aml_op(r, RES_IO);
	aml_op(r, 0x01);		/* 16-bit decode */
	aml_le(r, base, 2);
	aml_le(r, base, 2);
	aml_op(r, 0x01);		/* alignment */
	aml_op(r, len);
}

void aml_res_irq_noflags(struct aml *r, unsigned int irq)
{
	if (irq > 15) {
		aml_fail(r, -EINVAL, "an IRQ descriptor holds IRQs 0-15");
		return;
	}
	aml_op(r, RES_IRQ_NOFLAGS);
	aml_le(r, 1u << irq, 2);
}

void aml_res_mem32_fixed(struct aml *r, uint32_t base, uint32_t len,
			 bool rw)
{
	aml_op(r, RES_MEM32_FIXED);
	aml_le(r, 9, 2);
	aml_op(r, rw ? 1 : 0);
	aml_le(r, base, 4);
	aml_le(r, len, 4);
}

void aml_res_interrupt(struct aml *r, uint32_t gsi, bool edge,
		       bool active_low)
{
	aml_op(r, RES_EXT_IRQ);
	aml_le(r, 6, 2);
	/* Consumer; edge; active low; exclusive; not wake capable. */
	aml_op(r, 0x01 | (edge ? 0x02 : 0) | (active_low ? 0x04 : 0));
	aml_op(r, 1);
	aml_le(r, gsi, 4);
}

/*
 * An address space descriptor of n-byte fields: granularity, min, max,
 * translation offset, length.
 */
static void res_space(struct aml *r, uint8_t tag, uint8_t type,
		      uint8_t tflags, unsigned int n, uint64_t min,
		      uint64_t max)
{
	aml_op(r, tag);
	aml_le(r, 3 + 5 * n, 2);
	aml_op(r, type);
	aml_op(r, SPACE_WINDOW_FLAGS);
	aml_op(r, tflags);
	aml_le(r, 0, n);
	aml_le(r, min, n);
	aml_le(r, max, n);
	aml_le(r, 0, n);
	aml_le(r, max - min + 1, n);
}

void aml_res_bus_numbers(struct aml *r, uint16_t min, uint16_t max)
{
	res_space(r, RES_WORD_SPACE, SPACE_BUS, 0, 2, min, max);
}

void aml_res_io_window(struct aml *r, uint16_t min, uint16_t max)
{
	res_space(r, RES_WORD_SPACE, SPACE_IO, SPACE_IO_ENTIRE_RANGE, 2, min,
		  max);
}

void aml_res_mem32_window(struct aml *r, uint32_t min, uint32_t max)
{
	res_space(r, RES_DWORD_SPACE, SPACE_MEMORY, SPACE_MEM_RW, 4, min, max);
}

void aml_res_mem64_window(struct aml *r, uint64_t min, uint64_t max)
{
	res_space(r, RES_QWORD_SPACE, SPACE_MEMORY, SPACE_MEM_RW, 8, min, max);
}

void aml_resource_template(struct aml *a, const struct aml *r)
{
	static const uint8_t end[2] = { RES_END_TAG, 0 };
	uint8_t *p;

	if (r->err) {
		aml_fail(a, r->err, r->why);
		return;
	}
	p = malloc(r->len + sizeof(end));
	if (!p) {
		aml_fail(a, -ENOMEM, "out of memory");
		return;
	}
	memcpy(p, r->buf, r->len);
	memcpy(p + r->len, end, sizeof(end));
	aml_buffer(a, p, r->len + sizeof(end));
	free(p);
}
