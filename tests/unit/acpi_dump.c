// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass-acpi-dump DIR [NCPUS]: writes the ACPI tables a VM with NCPUS
 * vCPUs (default 2) gets, one file per table as acpidump -b names them
 * (dsdt.dat, facp.dat, ...), for `iasl -d` (tests/unit/acpi-iasl.sh).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi.h"

#define GPA	0xe0000ULL
#define AREA	0x10000

static int write_file(const char *dir, const char *sig, const uint8_t *p,
		      size_t len)
{
	char path[4096], name[5];
	FILE *f;

	for (int i = 0; i < 4; i++)
		name[i] = (char)(sig[i] >= 'A' && sig[i] <= 'Z' ?
				 sig[i] - 'A' + 'a' : sig[i]);
	name[4] = '\0';
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "acpi-dump: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	return 0;
}

static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

int main(int argc, char **argv)
{
	static uint8_t buf[AREA];
	struct acpi_layout l;
	struct errbuf eb = { "" };
	const uint8_t *xsdt, *t;
	uint32_t n;
	int ret = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: iopass-acpi-dump DIR [NCPUS]\n");
		return 2;
	}
	acpi_layout_default(&l, argc == 3 ? (unsigned int)atoi(argv[2]) : 2);
	if (acpi_tables_build(&l, buf, sizeof(buf), GPA, &eb) < 0) {
		fprintf(stderr, "acpi-dump: %s\n", eb.msg);
		return 1;
	}
	ret |= write_file(argv[1], "RSDP", buf, 36);
	xsdt = buf + (rd(buf + 24, 8) - GPA);
	ret |= write_file(argv[1], "XSDT", xsdt, rd(xsdt + 4, 4));
	n = (rd(xsdt + 4, 4) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		t = buf + (rd(xsdt + 36 + 8 * i, 8) - GPA);
		ret |= write_file(argv[1], (const char *)t, t, rd(t + 4, 4));
		if (!memcmp(t, "FACP", 4)) {
			const uint8_t *d = buf + (rd(t + 140, 8) - GPA);

			ret |= write_file(argv[1], "DSDT", d, rd(d + 4, 4));
		}
	}
	return ret;
}
