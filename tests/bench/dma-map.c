// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass-bench-dma-map: what mapping guest RAM for device DMA costs, through
 * iopass's own DMA domain (iommu/), the way `iopass vm run --device` does it:
 * a memfd the size of guest RAM (4 KiB pages, or hugetlb pages of the
 * default size, 2 MiB on x86, as --hugepages gives the VMM),
 * populated first so that only the pinning and the IOMMU page tables are
 * timed, mapped at one IOVA in the largest chunks the IOMMU allows, then
 * unmapped. One line per size, medians of --reps runs:
 *
 *   DMAMAP backing=4k size=256M reps=3 populate_ms=.. map_ms=.. unmap_ms=.. calls=1
 *
 * usage: iopass-bench-dma-map --device BDF [--backing 4k|2m]
 *                             [--sizes 256M,512M,...] [--reps N]
 * BDF must be on vfio-pci (iopass bind BDF): a domain maps nothing until a
 * device's group is attached. tests/bench/passthrough runs it in the testbed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "iopass/iommu.h"
#include "iopass/util.h"

#define MAX_SIZES	16
#define MAX_REPS	31

struct sample {
	double populate_ms, map_ms, unmap_ms;
	uint64_t calls;
};

static double bench_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "256M", "1G", "4096": bytes; 0 on a bad size. */
static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	}
	return *end || end == s ? 0 : v;
}

/* The lowest usable IOVA with room for size, aligned to 1 GiB if it can. */
static int pick_iova(struct iommu_domain *d, uint64_t size, uint64_t *iova)
{
	const struct iova_range *r;
	size_t n, i;

	r = iommu_domain_ranges(d, &n);
	for (i = 0; i < n; i++) {
		uint64_t a = (r[i].start + (1ull << 30) - 1) & ~((1ull << 30) - 1);

		if (a + size - 1 > r[i].last || a + size - 1 < a)
			a = (r[i].start + (2ull << 20) - 1) & ~((2ull << 20) - 1);
		if (a >= r[i].start && a + size - 1 <= r[i].last) {
			*iova = a;
			return 0;
		}
	}
	return -ERANGE;
}

static int one_run(struct iommu_domain *d, uint64_t size, bool huge,
		   struct sample *s)
{
	struct iommu_map_stats st0, st1;
	struct errbuf eb = { 0 };
	uint64_t iova;
	double t0;
	void *p;
	int fd, ret;

	ret = pick_iova(d, size, &iova);
	if (ret) {
		fprintf(stderr, "dma-map: no IOVA range holds %" PRIu64 " bytes\n",
			size);
		return ret;
	}
	fd = memfd_create("iopass-bench", MFD_CLOEXEC |
			  (huge ? MFD_HUGETLB : 0));
	if (fd < 0 || ftruncate(fd, size)) {
		ret = -errno;
		fprintf(stderr, "dma-map: memfd of %" PRIu64 " bytes: %s%s\n",
			size, strerror(errno), huge ?
			" (hugetlb pool: /proc/sys/vm/nr_hugepages)" : "");
		goto err_close;
	}
	t0 = bench_ms();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		fprintf(stderr, "dma-map: mmap: %s\n", strerror(errno));
		goto err_close;
	}
	s->populate_ms = bench_ms() - t0;
	iommu_domain_stats(d, &st0);
	t0 = bench_ms();
	ret = iommu_domain_map(d, iova, size, p, &eb);
	s->map_ms = bench_ms() - t0;
	if (ret) {
		fprintf(stderr, "dma-map: %s\n", eb.msg);
		goto err_unmap;
	}
	iommu_domain_stats(d, &st1);
	s->calls = st1.calls - st0.calls;
	t0 = bench_ms();
	ret = iommu_domain_unmap(d, iova, size);
	s->unmap_ms = bench_ms() - t0;
	if (ret)
		fprintf(stderr, "dma-map: unmap: %s\n", strerror(-ret));
err_unmap:
	munmap(p, size);
err_close:
	if (fd >= 0)
		close(fd);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: iopass-bench-dma-map --device BDF [--backing 4k|2m] "
		"[--sizes 256M,512M,...] [--reps N]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "backing", required_argument, NULL, 'b' },
		{ "sizes", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bdf = NULL, *sizes = "256M,512M,1G";
	uint64_t size[MAX_SIZES];
	struct iommu_domain *d = NULL;
	struct errbuf eb = { 0 };
	struct pci_addr addr;
	int nsizes = 0, reps = 3, devfd, opt, i, k, ret = 0;
	bool huge = false;
	char *list, *tok, *save;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': bdf = optarg; break;
		case 'b':
			if (strcmp(optarg, "4k") && strcmp(optarg, "2m")) {
				fprintf(stderr, "dma-map: --backing is 4k or 2m\n");
				return 2;
			}
			huge = !strcmp(optarg, "2m");
			break;
		case 's': sizes = optarg; break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > MAX_REPS) {
				fprintf(stderr, "dma-map: --reps is 1 to %d\n",
					MAX_REPS);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!bdf || pci_addr_parse(bdf, &addr)) {
		usage(stderr);
		return 2;
	}
	list = strdup(sizes);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (nsizes == MAX_SIZES || !(size[nsizes++] = parse_size(tok))) {
			fprintf(stderr, "dma-map: bad size '%s'\n", tok);
			free(list);
			return 2;
		}
	}
	free(list);

	ret = iommu_domain_open(IOMMU_BACKEND_AUTO, "/sys", "/dev", &d, &eb);
	if (!ret)
		ret = iommu_domain_device_open(d, &addr, NULL, &devfd, &eb);
	if (ret) {
		fprintf(stderr, "dma-map: %s\n", eb.msg);
		iommu_domain_close(d);
		return 2;
	}
	printf("# dma-map: %s, device %s, IOMMU page sizes %#" PRIx64 "\n",
	       iommu_domain_backend(d), bdf, iommu_domain_pgsizes(d));
	for (i = 0; i < nsizes && !ret; i++) {
		double pop[MAX_REPS], map[MAX_REPS], unmap[MAX_REPS];
		struct sample s = { 0 };

		for (k = 0; k < reps && !ret; k++) {
			ret = one_run(d, size[i], huge, &s);
			pop[k] = s.populate_ms;
			map[k] = s.map_ms;
			unmap[k] = s.unmap_ms;
		}
		if (ret)
			break;
		printf("DMAMAP backing=%s size=%" PRIu64 "M reps=%d "
		       "populate_ms=%.1f map_ms=%.1f unmap_ms=%.1f calls=%" PRIu64
		       "\n", huge ? "2m" : "4k", size[i] >> 20, reps,
		       median(pop, reps), median(map, reps),
		       median(unmap, reps), s.calls);
		fflush(stdout);
	}
	iommu_domain_close(d);
	return ret ? 1 : 0;
}
