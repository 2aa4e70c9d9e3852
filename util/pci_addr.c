// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/util.h"

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex(const char **p, unsigned int max_digits, unsigned long max,
		     unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	unsigned int n = 0;

	while (hex_digit(*s) >= 0 && n < max_digits) {
		v = v * 16 + (unsigned long)hex_digit(*s);
		s++;
		n++;
	}
	if (n == 0 || v > max)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

/* Accepts "DDDD:BB:DD.F" and "BB:DD.F"; rejects anything else whole. */
int pci_addr_parse(const char *s, struct pci_addr *addr)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *p = s;
	int colons = 0;

	if (!s)
		return -EINVAL;
	for (const char *q = s; *q; q++)
		colons += *q == ':';
	if (colons == 2) {
		if (parse_hex(&p, 4, 0xffff, &dom) || *p++ != ':')
			return -EINVAL;
	} else if (colons != 1) {
		return -EINVAL;
	}
	if (parse_hex(&p, 2, 0xff, &bus) || *p++ != ':')
		return -EINVAL;
	if (parse_hex(&p, 2, 0x1f, &dev) || *p++ != '.')
		return -EINVAL;
	if (parse_hex(&p, 1, 7, &fn) || *p != '\0')
		return -EINVAL;
	addr->domain = (uint16_t)dom;
	addr->bus = (uint8_t)bus;
	addr->dev = (uint8_t)dev;
	addr->fn = (uint8_t)fn;
	return 0;
}

void pci_addr_format(const struct pci_addr *addr, char buf[PCI_ADDR_STRLEN])
{
	snprintf(buf, PCI_ADDR_STRLEN, "%04x:%02x:%02x.%x", addr->domain,
		 addr->bus, addr->dev & 0x1f, addr->fn & 7);
}

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	uint32_t ka = (uint32_t)a->domain << 16 | a->bus << 8 | a->dev << 3 | a->fn;
	uint32_t kb = (uint32_t)b->domain << 16 | b->bus << 8 | b->dev << 3 | b->fn;

	return ka < kb ? -1 : ka > kb;
}
