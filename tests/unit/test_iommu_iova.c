// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOVA bookkeeping: reserved_regions parsing, range subtract/contain/merge,
 * the IOMMU page-size chunk plan, the type1 GET_INFO capability chain.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "iopass/iommu.h"
#include "iommu/domain_impl.h"

static void test_reserved_parse_kernel_format(void **state)
{
	/* What a VT-d host shows for a group (x86: MSI window, RMRRs). */
	const char *text =
		"0x00000000000a0000 0x00000000000bffff direct-relaxable\n"
		"0x00000000fee00000 0x00000000feefffff msi\n";
	struct iova_range *r;
	size_t n;

	(void)state;
	assert_int_equal(iommu_reserved_parse(text, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_true(r[0].start == 0xa0000 && r[0].last == 0xbffff);
	assert_true(r[1].start == 0xfee00000 && r[1].last == 0xfeefffff);
	free(r);

	assert_int_equal(iommu_reserved_parse("", &r, &n), 0);
	assert_int_equal(n, 0);
	free(r);
	/* No trailing newline, extra blank line, tabs. */
	assert_int_equal(iommu_reserved_parse(
		"\n0x1000\t0x1fff reserved", &r, &n), 0);
	assert_int_equal(n, 1);
	assert_true(r[0].start == 0x1000 && r[0].last == 0x1fff);
	free(r);
}

static void test_reserved_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"0x1000 0x0fff msi\n",		/* last before start */
		"1000 0x1fff msi\n",		/* no 0x */
		"0x1000 msi\n",			/* one number */
		"0x1000 0x1fff\n",		/* no type */
		"0x1000 0x1fff msi trailing\n",
		"0x11112222333344445 0x1 msi\n",	/* 65 bits */
		"0x 0x1 msi\n",
	};
	struct iova_range *r = (void *)1;
	size_t n = 7;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(iommu_reserved_parse(bad[i], &r, &n), -EINVAL);
		assert_null(r);
		assert_int_equal(n, 0);
	}
}

static void test_subtract_splits_trims_drops(void **state)
{
	struct iova_range *r = malloc(2 * sizeof(*r));
	struct iova_range sub[] = {
		{ 0xfee00000, 0xfeefffff },	/* splits the first */
		{ 0x0, 0xfff },			/* trims its head */
		{ 0x100000000ULL, 0x1ffffffffULL },	/* drops the second */
	};
	size_t n = 2;

	(void)state;
	r[0] = (struct iova_range){ 0, 0xffffffffULL };
	r[1] = (struct iova_range){ 0x100000000ULL, 0x1ffffffffULL };
	assert_int_equal(iova_ranges_subtract(&r, &n, sub, 3), 0);
	assert_int_equal(n, 2);
	assert_true(r[0].start == 0x1000 && r[0].last == 0xfedfffff);
	assert_true(r[1].start == 0xfef00000 && r[1].last == 0xffffffffULL);

	/* Subtracting what is not there changes nothing. */
	assert_int_equal(iova_ranges_subtract(&r, &n, &(struct iova_range){
		0x200000000ULL, 0x2ffffffffULL }, 1), 0);
	assert_int_equal(n, 2);
	/* A bad sub range is refused. */
	assert_int_equal(iova_ranges_subtract(&r, &n, &(struct iova_range){
		2, 1 }, 1), -EINVAL);
	/* The whole space: nothing left. */
	assert_int_equal(iova_ranges_subtract(&r, &n, &(struct iova_range){
		0, UINT64_MAX }, 1), 0);
	assert_int_equal(n, 0);
	free(r);
}

static void test_subtract_at_the_edges_of_u64(void **state)
{
	struct iova_range *r = malloc(sizeof(*r));
	size_t n = 1;

	(void)state;
	r[0] = (struct iova_range){ 0, UINT64_MAX };
	assert_int_equal(iova_ranges_subtract(&r, &n, &(struct iova_range){
		UINT64_MAX - 0xfff, UINT64_MAX }, 1), 0);
	assert_int_equal(n, 1);
	assert_true(r[0].last == UINT64_MAX - 0x1000);
	free(r);
}

static void test_normalize_merges(void **state)
{
	struct iova_range r[] = {
		{ 0x3000, 0x3fff }, { 0x0, 0xfff }, { 0x1000, 0x1fff },
		{ 0x3800, 0x4fff }, { 0x10000, UINT64_MAX }, { 0x20000, 0x2ffff },
	};
	size_t n = ARRAY_SIZE(r);

	(void)state;
	iova_ranges_normalize(r, &n);
	assert_int_equal(n, 3);
	assert_true(r[0].start == 0 && r[0].last == 0x1fff);
	assert_true(r[1].start == 0x3000 && r[1].last == 0x4fff);
	assert_true(r[2].start == 0x10000 && r[2].last == UINT64_MAX);
}

static void test_contain(void **state)
{
	struct iova_range r[] = { { 0x1000, 0x1fff }, { 0x3000, UINT64_MAX } };

	(void)state;
	assert_true(iova_ranges_contain(r, 2, 0x1000, 0x1000));
	assert_false(iova_ranges_contain(r, 2, 0x1000, 0x1001));
	/* Spanning two ranges with a hole between: no. */
	assert_false(iova_ranges_contain(r, 2, 0x1800, 0x2000));
	assert_true(iova_ranges_contain(r, 2, UINT64_MAX - 0xfff, 0x1000));
	assert_false(iova_ranges_contain(r, 2, UINT64_MAX - 0xfff, 0x1001));
	assert_false(iova_ranges_contain(r, 2, 0x3000, 0));
	assert_false(iova_ranges_contain(r, 0, 0x3000, 1));
}

struct plan {
	int n;
	uint64_t iova[64], size[64];
	int fail_at;
};

static int record(uint64_t iova, uint64_t size, void *arg)
{
	struct plan *p = arg;

	if (p->n == p->fail_at)
		return -ENOMEM;
	p->iova[p->n] = iova;
	p->size[p->n] = size;
	p->n++;
	return 0;
}

#define K4 0x1000ULL
#define M2 0x200000ULL
#define G1 0x40000000ULL

static void test_chunk_plan_largest_aligned(void **state)
{
	struct plan p = { .fail_at = -1 };

	(void)state;
	/* 4K|2M|1G: 4K up to the 2M boundary, 2M to 1G, 1G, 2M, 4K tail. */
	assert_int_equal(iommu_chunk_plan(G1 - M2 - K4, K4 + M2 + G1 + M2 + K4,
					  K4 | M2 | G1, record, &p), 5);
	assert_int_equal(p.n, 5);
	assert_true(p.iova[0] == G1 - M2 - K4 && p.size[0] == K4);
	assert_true(p.iova[1] == G1 - M2 && p.size[1] == M2);
	assert_true(p.iova[2] == G1 && p.size[2] == G1);
	assert_true(p.iova[3] == 2 * G1 && p.size[3] == M2);
	assert_true(p.iova[4] == 2 * G1 + M2 && p.size[4] == K4);

	/* "Every size from 4K up" (VT-d's ~0xfff): 2.75 GiB = 2G+512M+256M. */
	p = (struct plan){ .fail_at = -1 };
	assert_int_equal(iommu_chunk_plan(0, 0xb0000000ULL, ~0xfffULL, record,
					  &p), 3);
	assert_true(p.size[0] == 2 * G1 && p.size[1] == G1 / 2 &&
		    p.size[2] == G1 / 4);

	/* 4K only: one chunk per page. */
	assert_int_equal(iommu_chunk_plan(0, 16 * K4, K4, NULL, NULL), 16);
}

static void test_chunk_plan_errors(void **state)
{
	struct plan p = { .fail_at = 2 };

	(void)state;
	assert_int_equal(iommu_chunk_plan(0x800, K4, K4, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_chunk_plan(0, K4 + 1, K4, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_chunk_plan(0, 0, K4, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_chunk_plan(0, K4, 0, NULL, NULL), -EINVAL);
	assert_int_equal(iommu_chunk_plan(UINT64_MAX - 0xfff, 2 * K4, K4, NULL,
					  NULL), -EINVAL);
	/* The callback's error stops the plan. */
	assert_int_equal(iommu_chunk_plan(0, 8 * K4, K4, record, &p), -ENOMEM);
	assert_int_equal(p.n, 2);
}

/* A GET_INFO reply as the kernel lays it out: info, then the chain. */
static void test_type1_info_parse(void **state)
{
	struct {
		struct vfio_iommu_type1_info info;
		uint32_t pad;
		struct vfio_info_cap_header other;	/* some other cap */
		uint32_t other_body[2];
		struct vfio_iommu_type1_info_cap_iova_range cap;
		struct vfio_iova_range r[2];
	} __attribute__((packed, aligned(8))) buf;
	struct iova_range *r;
	uint64_t pg;
	size_t n;

	(void)state;
	memset(&buf, 0, sizeof(buf));
	buf.info.argsz = sizeof(buf);
	buf.info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	buf.info.iova_pgsizes = K4 | M2 | G1;
	buf.info.cap_offset = offsetof(typeof(buf), other);
	buf.other.id = 99;
	buf.other.next = offsetof(typeof(buf), cap);
	buf.cap.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	buf.cap.nr_iovas = 2;
	buf.r[0] = (struct vfio_iova_range){ 0xfef00000, 0xffffffffffffULL };
	buf.r[1] = (struct vfio_iova_range){ 0, 0xfedfffff };
	assert_int_equal(iommu_type1_info_parse(&buf, sizeof(buf), &r, &n, &pg),
			 0);
	assert_true(pg == (K4 | M2 | G1));
	assert_int_equal(n, 2);
	assert_true(r[0].start == 0 && r[0].last == 0xfedfffff);
	assert_true(r[1].start == 0xfef00000 && r[1].last == 0xffffffffffffULL);
	free(r);

	/* A count beyond the reply is refused, not read. */
	buf.cap.nr_iovas = 1000;
	assert_int_equal(iommu_type1_info_parse(&buf, sizeof(buf), &r, &n, &pg),
			 -EINVAL);
	/* A chain that loops on itself ends (no cap found: whole space). */
	buf.other.next = offsetof(typeof(buf), other);
	assert_int_equal(iommu_type1_info_parse(&buf, sizeof(buf), &r, &n, &pg),
			 0);
	assert_int_equal(n, 1);
	assert_true(r[0].start == 0 && r[0].last == UINT64_MAX);
	free(r);
	/* An old kernel: no caps, no page sizes. */
	buf.info.flags = 0;
	buf.info.argsz = sizeof(buf.info);
	assert_int_equal(iommu_type1_info_parse(&buf, sizeof(buf.info), &r, &n,
						&pg), 0);
	assert_true(pg == K4 && n == 1);
	free(r);
	assert_int_equal(iommu_type1_info_parse(&buf, 4, &r, &n, &pg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_parse_kernel_format),
		cmocka_unit_test(test_reserved_parse_malformed),
		cmocka_unit_test(test_subtract_splits_trims_drops),
		cmocka_unit_test(test_subtract_at_the_edges_of_u64),
		cmocka_unit_test(test_normalize_merges),
		cmocka_unit_test(test_contain),
		cmocka_unit_test(test_chunk_plan_largest_aligned),
		cmocka_unit_test(test_chunk_plan_errors),
		cmocka_unit_test(test_type1_info_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
