// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lease records as read back from the state directory (sriov/lease.c
 * lease_parse) on any bytes. A record that parses is complete and well
 * formed (a PCI address, an owner, bounded strings) and survives a
 * format/parse round trip unchanged; one that does not parse says why in
 * one line.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "iopass/lease.h"
#include "fuzz_input.h"

static void check_str(const char *s, size_t cap)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
	FUZZ_CHECK(!strchr(s, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lease l, again;
	struct pci_addr addr;
	struct errbuf eb = { "" };
	char buf[4096];
	int ret;

	ret = lease_parse((const char *)data, size, &l, &eb);
	if (ret) {
		FUZZ_CHECK(ret < 0);
		FUZZ_CHECK(ret == -ENOMEM || (eb.msg[0] && !strchr(eb.msg, '\n')));
		return 0;
	}
	check_str(l.bdf, sizeof(l.bdf));
	check_str(l.owner, sizeof(l.owner));
	check_str(l.pool, sizeof(l.pool));
	check_str(l.orig_driver, sizeof(l.orig_driver));
	check_str(l.driver, sizeof(l.driver));
	check_str(l.vf_ifname, sizeof(l.vf_ifname));
	FUZZ_CHECK(pci_addr_parse(l.bdf, &addr) == 0);
	FUZZ_CHECK(l.owner[0]);
	FUZZ_CHECK(l.pid >= 0);
	FUZZ_CHECK(!l.vf_ifname[0] || (l.vf_index >= 0 && l.vf_index <= 0xffff));

	FUZZ_CHECK(lease_format(&l, buf, sizeof(buf)) == 0);
	FUZZ_CHECK(lease_parse(buf, strlen(buf), &again, &eb) == 0);
	FUZZ_CHECK(!strcmp(l.bdf, again.bdf) && !strcmp(l.owner, again.owner) &&
		   !strcmp(l.pool, again.pool) &&
		   !strcmp(l.orig_driver, again.orig_driver) &&
		   !strcmp(l.driver, again.driver) &&
		   !strcmp(l.vf_ifname, again.vf_ifname));
	FUZZ_CHECK(l.pid == again.pid && l.since == again.since);
	if (l.vf_ifname[0])
		FUZZ_CHECK(l.vf_index == again.vf_index);
	return 0;
}
