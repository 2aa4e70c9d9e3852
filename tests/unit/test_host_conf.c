// SPDX-License-Identifier: GPL-2.0-only
/* The host file of `iopass host apply`: what it accepts and how it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/host.h"

static const char good[] =
	"# the declared host\n"
	"[sriov 0000:01:00.0]\n"
	"vfs = 4\n"
	"link = up          # VF settings need the PF up\n"
	"\n"
	"[sriov 0000:00:03.0]\n"
	"vfs = 2\n"
	"autoprobe = yes\n"
	"\n"
	"[ vf 0000:01:00.0#0 ]\n"
	"mac = 02:00:00:00:00:10\n"
	"vlan = 100\n"
	"qos = 3\n"
	"spoofchk = on\n"
	"driver = vfio-pci\n"
	"\n"
	"[vf ens1#1-3]\n"
	"trust = off\n"
	"max-rate = 1000\n"
	"\n"
	"[vf 0000:00:03.0]\n"
	"driver = vfio-pci\n"
	"\n"
	"[bind 0000:00:02.0]\n"
	"driver = vfio-pci\n"
	"[bind 8086:10ca]\n"
	"driver = none\n"
	"force = yes\n"
	"\n"
	"[pool nvme-vfs]\n"
	"pf = 0000:00:03.0      # a comment stays in the pools file\n"
	"[pool edu]\n"
	"address = 0000:00:02.0\n";

static void test_good(void **state)
{
	struct host_conf c;
	struct errbuf eb = { "" };

	(void)state;
	if (host_conf_parse("host.conf", good, sizeof(good) - 1, &c, &eb))
		fail_msg("%s", eb.msg);
	assert_int_equal(c.nsriov, 2);
	assert_int_equal(c.sriov[0].vfs, 4);
	assert_true(c.sriov[0].link_up);
	assert_false(c.sriov[0].autoprobe);
	assert_int_equal(c.sriov[0].line, 2);
	assert_true(c.sriov[1].autoprobe);
	assert_int_equal(c.nvf, 3);
	assert_int_equal(c.vf[0].nranges, 1);
	assert_int_equal(c.vf[0].mask, VF_FIELD_MAC | VF_FIELD_VLAN | VF_FIELD_SPOOFCHK);
	assert_int_equal(c.vf[0].want.vlan, 100);
	assert_int_equal(c.vf[0].want.qos, 3);
	assert_int_equal(c.vf[0].want.mac[5], 0x10);
	assert_string_equal(c.vf[0].driver, "vfio-pci");
	assert_true(c.vf[1].pf.by_ifname);
	assert_string_equal(c.vf[1].pf.ifname, "ens1");
	assert_int_equal(c.vf[1].ranges[0].first, 1);
	assert_int_equal(c.vf[1].ranges[0].last, 3);
	assert_int_equal(c.vf[1].mask, VF_FIELD_TRUST | VF_FIELD_MAX_RATE);
	assert_int_equal(c.vf[2].nranges, 0);
	assert_int_equal(c.nbind, 2);
	assert_false(c.bind[0].by_id);
	assert_int_equal(c.bind[0].addr.dev, 2);
	assert_true(c.bind[1].by_id);
	assert_int_equal(c.bind[1].vendor, 0x8086);
	assert_int_equal(c.bind[1].device, 0x10ca);
	assert_string_equal(c.bind[1].driver, "none");
	assert_true(c.bind[1].force);
	assert_int_equal(c.npools, 2);
	assert_non_null(strstr(c.pools, "Written by 'iopass host apply'"));
	assert_non_null(strstr(c.pools, "[pool nvme-vfs]\npf = 0000:00:03.0      # a comment "
			       "stays in the pools file\n[pool edu]\naddress = 0000:00:02.0\n"));
	assert_null(strstr(c.pools, "[bind"));
	host_conf_free(&c);
}

static void refused(const char *text, const char *want)
{
	struct host_conf c;
	struct errbuf eb = { "" };

	if (!host_conf_parse("h.conf", text, strlen(text), &c, &eb))
		fail_msg("accepted: %s", text);
	if (!strstr(eb.msg, want))
		fail_msg("message '%s' lacks '%s'", eb.msg, want);
	assert_null(c.sriov);
	assert_null(c.pools);
}

static void test_refused(void **state)
{
	(void)state;
	refused("vfs = 4\n", "h.conf:1: key 'vfs' outside a section");
	refused("[sriov 0000:01:00.0]\nautoprobe = no\n", "h.conf:1: [sriov] section without 'vfs = N'");
	refused("[sriov 0000:01:00.0]\nvfs = many\n", "h.conf:2: vfs 'many' is not a VF count");
	refused("[sriov 0000:01:00.0]\nvfs = 2\n[sriov 01:00.0]\nvfs = 3\n",
		"h.conf:3: PF 01:00.0 already has a [sriov] section (line 1)");
	refused("[sriov zz:01:00.0]\nvfs = 1\n", "'zz:01:00.0' is not a PCI address");
	refused("[sriov]\n", "section '[sriov]' needs an argument");
	refused("[gpu 0000:01:00.0]\n", "unknown section '[gpu ...]'");
	refused("[sriov ens1\nvfs = 1\n", "h.conf:1: section header without ']'");
	refused("[sriov ens1]\nvfs = 1\nlink = down\n", "h.conf:3: link 'down': only 'up'");
	refused("[sriov ens1]\nvfs = 1\nmtu = 9000\n", "unknown key 'mtu' in [sriov]");
	refused("[vf ens1#0]\n", "h.conf:1: [vf] section sets nothing");
	refused("[vf ens1#0-1]\nmac = 02:00:00:00:00:01\n", "a fixed mac needs a section of one VF");
	refused("[vf ens1#3-1]\ndriver = vfio-pci\n", "bad VF range 3-1");
	refused("[vf ens1#]\ndriver = vfio-pci\n", "no VF index after '#'");
	refused("[vf ens1#1-x]\ndriver = vfio-pci\n", "bad VF index list");
	refused("[vf ens1#0]\nvlan = 5000\n", "h.conf:1: [vf] section: VLAN '5000'");
	refused("[vf ens1#0]\nqos = 3\n", "'qos' must follow 'vlan V'");
	refused("[vf ens1#0]\nmac = 01:00:00:00:00:01\n", "multicast");
	refused("[vf ens1#0]\nvlan = 1\nvlan = 2\n", "h.conf:3: 'vlan' given twice");
	refused("[vf ens1#0]\ncolour = red\n", "unknown key 'colour' in [vf]");
	refused("[sriov ens1]\nvfs = 2\n[vf ens1#2]\ndriver = vfio-pci\n",
		"h.conf:3: VF 2 does not exist: the [sriov] section at line 1 creates 2 VFs");
	refused("[bind 0000:00:02.0]\nforce = yes\n", "[bind] section without 'driver = NAME'");
	refused("[bind 8086]\ndriver = x\n", "neither a PCI address (0000:00:02.0) nor vendor:device");
	refused("[bind 8086:10ca]\ndriver = a\n[bind 8086:10ca]\ndriver = b\n",
		"h.conf:3: 8086:10ca already has a [bind] section (line 1)");
	refused("[bind 0000:00:02.0]\ndriver = vfio pci\n", "is not a driver name");
	refused("[bind 0000:00:02.0]\nno equals sign\n", "h.conf:2: expected 'key = value'");
	/* Pool sections go through pools.conf's own parser, line numbers kept. */
	refused("[bind 0000:00:02.0]\ndriver = vfio-pci\n[pool p]\nvendro = 8086\n",
		"h.conf:4:1: unknown key 'vendro' (did you mean 'vendor'?)");
	refused("[pool p]\n", "h.conf:1");
	{
		static const char nul[] = "[sriov ens1]\nvfs = 1\0\n";
		struct host_conf c;
		struct errbuf eb;

		assert_int_equal(host_conf_parse("h.conf", nul, sizeof(nul) - 1, &c, &eb), -22);
		assert_non_null(strstr(eb.msg, "h.conf:2: NUL byte"));
	}
}

static void test_empty(void **state)
{
	struct host_conf c;
	struct errbuf eb;

	(void)state;
	assert_int_equal(host_conf_parse("e.conf", "# nothing\n\n", 11, &c, &eb), 0);
	assert_int_equal(c.nsriov + c.nvf + c.nbind + c.npools, 0);
	assert_null(c.pools);
	host_conf_free(&c);
	assert_int_equal(host_conf_load("/nonexistent/host.conf", &c, &eb), -2);
	assert_non_null(strstr(eb.msg, "docs/host.md"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
