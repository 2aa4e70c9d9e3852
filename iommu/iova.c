// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOVA bookkeeping: the usable ranges of a DMA domain (what the IOMMU can
 * translate, minus what the platform reserves, such as the MSI doorbell
 * window at 0xfee00000 on x86), the reserved_regions sysfs format, and
 * the split of a mapping into naturally aligned IOMMU page sizes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/iommu.h"

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A "0x..." hex number; *end after it. -EINVAL when there is none. */
static int parse_hex64(const char *p, uint64_t *val, const char **end)
{
	uint64_t v = 0;
	int n = 0, d;

	if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return -EINVAL;
	for (p += 2; (d = hex_digit(*p)) >= 0; p++, n++) {
		if (n == 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (!n)
		return -EINVAL;
	*val = v;
	*end = p;
	return 0;
}

/*
 * "0x00000000fee00000 0x00000000feefffff msi\n" per line (the kernel's
 * iommu_group_show_resv_regions); types are "direct", "direct-relaxable",
 * "reserved", "msi" and "sw-msi". Every type is kept out of guest DMA.
 */
int iommu_reserved_parse(const char *text, struct iova_range **out, size_t *n)
{
	struct iova_range *list = NULL, *grown;
	size_t count = 0, cap = 0;
	const char *p = text;

	*out = NULL;
	*n = 0;
	while (*p) {
		struct iova_range r;
		const char *e;

		p = skip_blank(p);
		if (*p == '\n') {
			p++;
			continue;
		}
		if (!*p)
			break;
		if (parse_hex64(p, &r.start, &e) || (*e != ' ' && *e != '\t'))
			goto err_inval;
		p = skip_blank(e);
		if (parse_hex64(p, &r.last, &e) || (*e != ' ' && *e != '\t'))
			goto err_inval;
		p = skip_blank(e);
		if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
			goto err_inval;
		while ((*p >= 'a' && *p <= 'z') || *p == '-')
			p++;
		p = skip_blank(p);
		if (*p && *p != '\n')
			goto err_inval;
		if (r.last < r.start)
			goto err_inval;
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				free(list);
				return -ENOMEM;
			}
			list = grown;
		}
		list[count++] = r;
	}
	*out = list;
	*n = count;
	return 0;

err_inval:
	free(list);
	return -EINVAL;
}

static int range_cmp(const void *a, const void *b)
{
	const struct iova_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorts and merges overlapping or adjacent ranges in place. */
void iova_ranges_normalize(struct iova_range *r, size_t *n)
{
	size_t out = 0;

	if (!*n)
		return;
	qsort(r, *n, sizeof(*r), range_cmp);
	for (size_t i = 1; i < *n; i++) {
		struct iova_range *last = &r[out];

		if (last->last == UINT64_MAX || r[i].start <= last->last + 1) {
			if (r[i].last > last->last)
				last->last = r[i].last;
		} else {
			r[++out] = r[i];
		}
	}
	*n = out + 1;
}

/* Removes one range: each range loses its overlap, splitting in two at most. */
static int subtract_one(struct iova_range **ranges, size_t *n,
			const struct iova_range *s)
{
	size_t count = *n;

	for (size_t i = 0; i < count; i++) {
		struct iova_range *r = &(*ranges)[i];
		bool left, right;

		if (s->last < r->start || s->start > r->last)
			continue;
		left = s->start > r->start;
		right = s->last < r->last;
		if (left && right) {
			struct iova_range *grown, tail = {
				.start = s->last + 1, .last = r->last,
			};

			grown = realloc(*ranges, (count + 1) * sizeof(**ranges));
			if (!grown)
				return -ENOMEM;
			*ranges = grown;
			r = &grown[i];
			r->last = s->start - 1;
			grown[count++] = tail;
		} else if (left) {
			r->last = s->start - 1;
		} else if (right) {
			r->start = s->last + 1;
		} else {
			/* Wholly covered: drop it. */
			(*ranges)[i] = (*ranges)[--count];
			i--;
		}
	}
	*n = count;
	return 0;
}

int iova_ranges_subtract(struct iova_range **ranges, size_t *n,
			 const struct iova_range *sub, size_t nsub)
{
	for (size_t i = 0; i < nsub; i++) {
		int ret;

		if (sub[i].last < sub[i].start)
			return -EINVAL;
		ret = subtract_one(ranges, n, &sub[i]);
		if (ret)
			return ret;
	}
	iova_ranges_normalize(*ranges, n);
	return 0;
}

bool iova_ranges_contain(const struct iova_range *r, size_t n, uint64_t start,
			 uint64_t size)
{
	uint64_t last;

	if (!size || start + (size - 1) < start)
		return false;
	last = start + (size - 1);
	for (size_t i = 0; i < n; i++)
		if (start >= r[i].start && last <= r[i].last)
			return true;
	return false;
}

/*
 * Greedy: at each step the largest page size that divides the current IOVA
 * (and so the HVA the caller keeps in step with it) and fits in what is
 * left. A huge page then maps as one IOMMU large page, and a 2 GiB guest
 * on a 4K|2M|1G IOMMU takes 2 calls instead of 524288.
 */
int iommu_chunk_plan(uint64_t iova, uint64_t size, uint64_t pgsizes,
		     int (*fn)(uint64_t iova, uint64_t size, void *arg),
		     void *arg)
{
	uint64_t min;
	int n = 0;

	if (!pgsizes || !size)
		return -EINVAL;
	min = pgsizes & -pgsizes;
	if ((iova & (min - 1)) || (size & (min - 1)) ||
	    iova + (size - 1) < iova)
		return -EINVAL;
	while (size) {
		uint64_t fit = pgsizes, chunk;
		int ret;

		/* Sizes no larger than what is left and that align iova. */
		for (int b = 63; b >= 0; b--) {
			uint64_t p = 1ULL << b;

			if (!(fit & p))
				continue;
			if (p > size || (iova & (p - 1)))
				fit &= ~p;
		}
		chunk = 1ULL << (63 - __builtin_clzll(fit));
		if (fn) {
			ret = fn(iova, chunk, arg);
			if (ret)
				return ret;
		}
		if (n == 0x7fffffff)
			return -E2BIG;
		n++;
		iova += chunk;
		size -= chunk;
	}
	return n;
}
