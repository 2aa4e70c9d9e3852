/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmm/ internal: a small encoder of ACPI Machine Language (ACPI 6.5,
 * chapter 20), enough for the DSDT the VMM gives its guests: names,
 * integers, strings, packages, buffers, devices, scopes, methods with a
 * few statements, operation regions and fields, and resource templates.
 *
 * The encoder writes into a growable buffer. Objects that carry a
 * PkgLength (scopes, devices, methods, packages, buffers, If) are opened
 * with an aml_*_begin() and closed with aml_end(), which encodes the
 * length in the fewest bytes, as iasl does, so that `iasl -d` followed by
 * `iasl` gives back the same bytes. Integers also take their shortest
 * form (Zero, One, Ones, Byte, Word, DWord, QWord: 64-bit, DSDT revision
 * 2 and up).
 *
 * Errors are sticky: a bad name, nesting too deep, out of memory; every
 * later call does nothing and aml_error() says what went wrong first.
 */
#ifndef IOPASS_VMM_AML_H
#define IOPASS_VMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH		16

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;			/* first error, -errno */
	const char *why;		/* what it was about */
	/* Open PkgLength scopes: where each body starts. */
	size_t open[AML_MAX_DEPTH];
	int depth;
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);
/* 0, or the first error (-EINVAL bad input, -ENOMEM, -E2BIG). */
int aml_error(const struct aml *a, const char **why);

/* Raw bytes (resource descriptors, table bodies). */
void aml_bytes(struct aml *a, const void *p, size_t n);

/* Data. */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/*
 * A NameString: "\\_SB_.PCI0", "_HID", "^PWRB". Segments shorter than four
 * characters are padded with '_' ("\\_SB.PCI0" is "\\_SB_.PCI0").
 */
void aml_name_string(struct aml *a, const char *path);
/* A compressed EISA id ("PNP0A08") as a DWord constant. */
void aml_eisaid(struct aml *a, const char *id);
#define AML_LOCAL(n)		(0x60 + (n))	/* Local0-7 */
#define AML_ARG(n)		(0x68 + (n))	/* Arg0-6 */
void aml_op(struct aml *a, uint8_t op);	/* Local, Arg, Zero, One... */

/* Named objects: Name(NAME, <the next data object>). */
void aml_name(struct aml *a, const char *name);
void aml_name_integer(struct aml *a, const char *name, uint64_t v);
void aml_name_string_value(struct aml *a, const char *name,
			   const char *value);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);

/* PkgLength scopes, closed by aml_end(). */
void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
/* sync level 0. */
void aml_method_begin(struct aml *a, const char *name, unsigned int nargs,
		      bool serialized);
/* Up to 255 elements: the caller writes exactly n data objects. */
void aml_package_begin(struct aml *a, unsigned int n);
void aml_if_begin(struct aml *a);	/* then the predicate, then the body */
void aml_end(struct aml *a);

/* A Buffer holding n bytes. */
void aml_buffer(struct aml *a, const void *p, size_t n);

/* Statements; operands are written by the caller after each. */
#define AML_OP_STORE		0x70	/* Store(src, dst) */
#define AML_OP_AND		0x7b	/* And(a, b, target) */
#define AML_OP_OR		0x7d	/* Or(a, b, target) */
#define AML_OP_NOTIFY		0x86	/* Notify(object, value) */
#define AML_OP_LEQUAL		0x93	/* LEqual(a, b) */
#define AML_OP_RETURN		0xa4	/* Return(value) */
#define AML_ZERO		0x00	/* also NullName: no target */
#define AML_ONE			0x01

/* OperationRegion(NAME, space, offset, len). */
#define AML_SPACE_SYSTEM_MEMORY	0x00
#define AML_SPACE_SYSTEM_IO	0x01
void aml_op_region(struct aml *a, const char *name, uint8_t space,
		   uint64_t offset, uint64_t len);

/*
 * Field(REGION, ByteAcc, NoLock, Preserve) with the named fields given as
 * {name, bits} pairs, packed from offset 0.
 */
struct aml_field {
	const char *name;
	unsigned int bits;
};
void aml_field(struct aml *a, const char *region,
	       const struct aml_field *fields, size_t n);

/*
 * Resource templates: descriptors go into a struct aml of their own with
 * the aml_res_* calls, then aml_resource_template() wraps them in a
 * Buffer with the end tag.
 */
void aml_res_io(struct aml *r, uint16_t base, uint8_t len);
void aml_res_irq_noflags(struct aml *r, unsigned int irq);	/* 0-15 */
void aml_res_mem32_fixed(struct aml *r, uint32_t base, uint32_t len,
			 bool rw);
/* Extended interrupt, consumer, exclusive. */
void aml_res_interrupt(struct aml *r, uint32_t gsi, bool edge,
		       bool active_low);
/* Address space windows a root bridge produces: min..max, fixed. */
void aml_res_bus_numbers(struct aml *r, uint16_t min, uint16_t max);
void aml_res_io_window(struct aml *r, uint16_t min, uint16_t max);
void aml_res_mem32_window(struct aml *r, uint32_t min, uint32_t max);
void aml_res_mem64_window(struct aml *r, uint64_t min, uint64_t max);
void aml_resource_template(struct aml *a, const struct aml *r);

#endif
