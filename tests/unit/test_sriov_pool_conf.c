// SPDX-License-Identifier: GPL-2.0-only
/* The pool configuration parser: valid files, every error with its place. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/sriov.h"

#include "fakesys.h"

static int parse_len(const char *text, size_t len, struct pool_conf *c,
		     struct errbuf *eb)
{
	return pool_conf_parse("pools.conf", text, len, c, eb);
}

static void parse_ok(const char *text, struct pool_conf *c)
{
	struct errbuf eb = { .msg = "" };
	int ret = parse_len(text, strlen(text), c, &eb);

	if (ret)
		fail_msg("unexpected error: %s", eb.msg);
}

static void expect_err_len(const char *text, size_t len, const char *msg)
{
	struct errbuf eb = { .msg = "" };
	struct pool_conf c;

	assert_int_equal(parse_len(text, len, &c, &eb), -EINVAL);
	assert_string_equal(eb.msg, msg);
	assert_null(c.pools);
	assert_int_equal(c.npools, 0);
}

static void expect_err(const char *text, const char *msg)
{
	expect_err_len(text, strlen(text), msg);
}

static void test_full_pool(void **state)
{
	static const char text[] =
		"# NVMe VFs for the storage VMs\n"
		"[pool nvme-vfs]\n"
		"vendor = 1b36            # QEMU\n"
		"device = 0x0010, ABCD\n"
		"pf = 0000:01:00.0#0-3,6\n"
		"pf = ens1\n"
		"driver = vfio-pci, none\n"
		"class = storage, net\n"
		"address = 03:00.0\n"
		"vfs-only = yes\n"
		"mac = 02:00:00:00:00:01\n"
		"vlan = 100\n"
		"qos = 3\n"
		"vlan-proto = 802.1ad\n"
		"spoofchk = on\n"
		"trust = off\n"
		"state = enable\n"
		"max-tx-rate = 1000\n"
		"min-tx-rate = 100\n";
	const struct vf_settings *w;
	struct pool_conf c;
	const struct pool *p;
	char buf[64];

	(void)state;
	parse_ok(text, &c);
	assert_int_equal(c.npools, 1);
	p = &c.pools[0];
	assert_string_equal(p->name, "nvme-vfs");
	assert_int_equal(p->line, 2);
	assert_int_equal(p->nvendors, 1);
	assert_int_equal(p->vendors[0], 0x1b36);
	assert_int_equal(p->ndevices, 2);
	assert_int_equal(p->devices[0], 0x0010);
	assert_int_equal(p->devices[1], 0xabcd);
	assert_int_equal(p->npfs, 2);
	assert_false(p->pfs[0].by_ifname);
	assert_int_equal(p->pfs[0].addr.bus, 1);
	assert_int_equal(p->pfs[0].nranges, 2);
	assert_int_equal(p->pfs[0].ranges[0].first, 0);
	assert_int_equal(p->pfs[0].ranges[0].last, 3);
	assert_int_equal(p->pfs[0].ranges[1].first, 6);
	assert_int_equal(p->pfs[0].ranges[1].last, 6);
	pool_pf_format(&p->pfs[0], buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:00.0#0-3,6");
	assert_true(p->pfs[1].by_ifname);
	assert_string_equal(p->pfs[1].ifname, "ens1");
	assert_int_equal(p->pfs[1].nranges, 0);
	pool_pf_format(&p->pfs[1], buf, sizeof(buf));
	assert_string_equal(buf, "ens1");
	assert_int_equal(p->ndrivers, 2);
	assert_string_equal(p->drivers[0], "vfio-pci");
	assert_string_equal(p->drivers[1], "");
	assert_int_equal(p->nclasses, 2);
	assert_int_equal(p->classes[0], 0x01);
	assert_int_equal(p->classes[1], 0x02);
	assert_int_equal(p->naddrs, 1);
	assert_int_equal(p->addrs[0].bus, 3);
	assert_true(p->vfs_only);

	w = &p->vf.want;
	assert_int_equal(p->vf.mask, VF_FIELD_ALL);
	assert_false(p->vf.mac_auto);
	assert_memory_equal(w->mac, "\x02\0\0\0\0\x01", 6);
	assert_int_equal(w->vlan, 100);
	assert_int_equal(w->qos, 3);
	assert_int_equal(w->vlan_proto, VF_VLAN_8021AD);
	assert_true(w->spoofchk);
	assert_false(w->trust);
	assert_int_equal(w->link_state, VF_LINK_ENABLE);
	assert_int_equal(w->max_tx_rate, 1000);
	assert_int_equal(w->min_tx_rate, 100);
	pool_conf_free(&c);
}

static void test_defaults_and_layout(void **state)
{
	/* CRLF, tabs, spaces inside brackets, a comment right after ']',
	 * repeated list keys, no newline at the end. */
	static const char text[] =
		"\r\n"
		"  # indented comment\r\n"
		"[ pool   a ]# comment\r\n"
		"\tvendor=8086\r\n"
		"vendor =10de , 1002\r\n"
		"mac = auto\r\n"
		"\n"
		"[pool b.2_x]\n"
		"pf = eth0 # a comment, not VF ranges\n"
		"pf = eth1#7";
	struct pool_conf c;

	(void)state;
	parse_ok(text, &c);
	assert_int_equal(c.npools, 2);
	assert_string_equal(c.pools[0].name, "a");
	assert_int_equal(c.pools[0].line, 3);
	assert_int_equal(c.pools[0].nvendors, 3);
	assert_int_equal(c.pools[0].vendors[2], 0x1002);
	assert_false(c.pools[0].vfs_only);
	assert_int_equal(c.pools[0].vf.mask, VF_FIELD_MAC);
	assert_true(c.pools[0].vf.mac_auto);
	assert_string_equal(c.pools[1].name, "b.2_x");
	assert_int_equal(c.pools[1].vf.mask, 0);
	assert_int_equal(c.pools[1].npfs, 2);
	assert_int_equal(c.pools[1].pfs[0].nranges, 0);
	assert_string_equal(c.pools[1].pfs[1].ifname, "eth1");
	assert_int_equal(c.pools[1].pfs[1].ranges[0].first, 7);
	assert_ptr_equal(pool_conf_find(&c, "b.2_x"), &c.pools[1]);
	assert_null(pool_conf_find(&c, "b"));
	pool_conf_free(&c);
}

static void test_empty_files(void **state)
{
	struct pool_conf c;

	(void)state;
	parse_ok("", &c);
	assert_int_equal(c.npools, 0);
	parse_ok("# nothing yet\n\n   \n", &c);
	assert_int_equal(c.npools, 0);
	pool_conf_free(&c);
	assert_int_equal(pool_conf_parse(NULL, NULL, 0, &c, NULL), 0);
}

static void test_section_errors(void **state)
{
	(void)state;
	expect_err("vendor = 8086\n",
		   "pools.conf:1:1: key 'vendor' outside a section: start a pool with '[pool NAME]' first");
	expect_err("[pool]\n",
		   "pools.conf:1:6: empty pool name: expected '[pool NAME]'");
	expect_err("# x\n[pool   ]\n",
		   "pools.conf:2:9: empty pool name: expected '[pool NAME]'");
	expect_err("[pools x]\n",
		   "pools.conf:1:2: unknown section 'pools' (did you mean 'pool'?): sections are '[pool NAME]'");
	expect_err("[]\n",
		   "pools.conf:1:2: expected 'pool' after '[': sections are '[pool NAME]'");
	expect_err("[pool a\n",
		   "pools.conf:1:8: expected ']' after pool name 'a'");
	expect_err("[pool my pool]\n",
		   "pools.conf:1:10: expected ']' after pool name 'my' (pool names cannot contain spaces)");
	expect_err("[pool a/b]\n",
		   "pools.conf:1:8: bad character '/' in pool name: use letters, digits, '-', '_' and '.'");
	expect_err("[pool a] x\n",
		   "pools.conf:1:10: unexpected 'x' after ']': expected the end of the line or a # comment");
	expect_err("[pool a]\nvendor = 8086\n[pool b]\nvendor = 1\n[pool a]\n",
		   "pools.conf:5:7: duplicate pool 'a' (first defined at line 1); pool names must be unique");
	expect_err("[pool "
		   "a234567890123456789012345678901234567890123456789012345678901234]\n",
		   "pools.conf:1:7: pool name is too long (64 characters, at most 63)");
}

static void test_key_errors(void **state)
{
	(void)state;
	expect_err("[pool a]\nvendor 8086\n",
		   "pools.conf:2:8: expected '=' after key 'vendor'");
	expect_err("[pool a]\nvendro = 8086\n",
		   "pools.conf:2:1: unknown key 'vendro' (did you mean 'vendor'?)");
	expect_err("[pool a]\n  vfs_only = yes\n",
		   "pools.conf:2:3: unknown key 'vfs_only' (did you mean 'vfs-only'?)");
	expect_err("[pool a]\ncolour = red\n",
		   "pools.conf:2:1: unknown key 'colour': expected vendor, device, address, driver, class, pf, vfs-only, mac, vlan, qos, vlan-proto, spoofchk, trust, state, max-tx-rate or min-tx-rate");
	expect_err("[pool a]\n= 8086\n",
		   "pools.conf:2:1: expected a key, '[pool NAME]' or a # comment, not '='");
	expect_err("[pool a]\nvendor =   # nothing\n",
		   "pools.conf:2:12: expected a value after 'vendor ='");
	expect_err("[pool a]\nvendor = 8086\nvlan = 1\nvlan = 2\n",
		   "pools.conf:4:1: 'vlan' is already set for pool 'a' at line 3; set it once");
	expect_err("[pool a]\nvendor = 8086,,10de\n",
		   "pools.conf:2:15: empty value in the list of 'vendor' (two commas?)");
	expect_err("[pool a]\nvendor = 8086, \n",
		   "pools.conf:2:15: empty value in the list of 'vendor' (two commas?)");
}

static void test_selector_errors(void **state)
{
	(void)state;
	expect_err("[pool a]\nvendor = 8086, 80z6\n",
		   "pools.conf:2:16: bad vendor id '80z6': expected 1 to 4 hex digits, like 8086");
	expect_err("[pool a]\ndevice = 12345\n",
		   "pools.conf:2:10: bad device id '12345': expected 1 to 4 hex digits, like 10fb");
	expect_err("[pool a]\ndevice = 0x\n",
		   "pools.conf:2:10: bad device id '0x': expected 1 to 4 hex digits, like 10fb");
	expect_err("[pool a]\naddress = 0000:00:20.0\n",
		   "pools.conf:2:11: bad PCI address '0000:00:20.0': expected DDDD:BB:DD.F, like 0000:03:00.0");
	expect_err("[pool a]\ndriver = vfio pci\n",
		   "pools.conf:2:14: bad driver name 'vfio pci': expected letters, digits, '-', '_' or '.' (or 'none')");
	expect_err("[pool a]\nclass = stroage\n",
		   "pools.conf:2:9: unknown class 'stroage' (did you mean 'storage'?); expected storage, net, display, multimedia, memory, comm, system, serial-bus, accel or other");
	expect_err("[pool a]\nclass = bridge\n",
		   "pools.conf:2:9: class 'bridge' cannot be pooled: a bridge cannot be assigned to a VM");
	expect_err("[pool a]\nvfs-only = maybe\n",
		   "pools.conf:2:12: expected yes or no (on/off, true/false) for 'vfs-only', not 'maybe'");
}

static void test_pf_errors(void **state)
{
	(void)state;
	expect_err("[pool a]\npf = ens1#3-1\n",
		   "pools.conf:2:11: bad VF range '3-1': the first index is greater than the last");
	expect_err("[pool a]\npf = ens1#0-3, 9-x\n",
		   "pools.conf:2:16: bad VF range '9-x': expected an index or a range of indexes 0 to 65535, like 0-3");
	expect_err("[pool a]\npf = ens1#0-65536\n",
		   "pools.conf:2:11: bad VF range '0-65536': expected an index or a range of indexes 0 to 65535, like 0-3");
	expect_err("[pool a]\npf = ens1#-3\n",
		   "pools.conf:2:11: bad VF range '-3': expected an index or a range of indexes 0 to 65535, like 0-3");
	expect_err("[pool a]\npf = ens1#\n",
		   "pools.conf:2:11: expected VF indexes after '#', like ens1#0-3,6");
	expect_err("[pool a]\npf = ens1#1,,2\n",
		   "pools.conf:2:13: empty VF range (two commas?)");
	expect_err("[pool a]\npf = ens1, ens2\n",
		   "pools.conf:2:6: bad PF 'ens1, ens2': one PF per 'pf =' line (repeat the key for more); VF ranges go after '#', like ens1#0-3,6");
	expect_err("[pool a]\npf = 01:00\n",
		   "pools.conf:2:6: bad PF address '01:00': expected DDDD:BB:DD.F, like 0000:01:00.0");
	expect_err("[pool a]\npf = averyveryverylongname\n",
		   "pools.conf:2:6: bad PF 'averyveryverylongname': expected a PCI address or an interface name (1 to 15 characters, no '/', ':' or spaces)");
	expect_err("[pool a]\npf = ..\n",
		   "pools.conf:2:6: bad PF '..': expected a PCI address or an interface name (1 to 15 characters, no '/', ':' or spaces)");
}

static void test_vf_setting_errors(void **state)
{
	(void)state;
	expect_err("[pool a]\nvendor = 1\nvlan = 4095\n",
		   "pools.conf:3:8: VLAN 4095 out of range: expected 0 (no VLAN) to 4094");
	expect_err("[pool a]\nvendor = 1\nvlan = 99999999999999999999999\n",
		   "pools.conf:3:8: VLAN 99999999999999999999999 out of range: expected 0 (no VLAN) to 4094");
	expect_err("[pool a]\nvendor = 1\nvlan = -1\n",
		   "pools.conf:3:8: bad VLAN '-1': expected a number, 0 (no VLAN) to 4094");
	expect_err("[pool a]\nvendor = 1\nqos = 8\n",
		   "pools.conf:3:7: qos 8 out of range: expected 0 to 7 (802.1p priority)");
	expect_err("[pool a]\nvendor = 1\nqos = 2\nvlan = 0\n",
		   "pools.conf:3:7: qos needs a VLAN: set 'vlan' to 1..4094 in pool 'a'");
	expect_err("[pool a]\nvendor = 1\nvlan-proto = 802.1ad\n[pool b]\n",
		   "pools.conf:3:14: vlan-proto needs a VLAN: set 'vlan' to 1..4094 in pool 'a'");
	expect_err("[pool a]\nvendor = 1\nvlan-proto = qinq\n",
		   "pools.conf:3:14: bad vlan-proto 'qinq': expected 802.1Q or 802.1ad");
	expect_err("[pool a]\nvendor = 1\nmac = 02:00:00:00:00\n",
		   "pools.conf:3:7: bad MAC address '02:00:00:00:00': expected auto or six hex pairs like 02:00:00:00:00:01");
	expect_err("[pool a]\nvendor = 1\nmac = 02:00:00:00:00:0g\n",
		   "pools.conf:3:7: bad MAC address '02:00:00:00:00:0g': expected auto or six hex pairs like 02:00:00:00:00:01");
	expect_err("[pool a]\nvendor = 1\nmac = 01:00:5e:00:00:01\n",
		   "pools.conf:3:7: MAC address '01:00:5e:00:00:01' is a multicast address; a VF needs a unicast one (first octet even)");
	expect_err("[pool a]\nvendor = 1\nmac = 00:00:00:00:00:00\n",
		   "pools.conf:3:7: MAC address '00:00:00:00:00:00' is all zeros; use 'auto' for a generated one");
	expect_err("[pool a]\nvendor = 1\nspoofchk = enabled\n",
		   "pools.conf:3:12: expected yes or no (on/off, true/false) for 'spoofchk', not 'enabled'");
	expect_err("[pool a]\nvendor = 1\nstate = enabel\n",
		   "pools.conf:3:9: bad state 'enabel' (did you mean 'enable'?): expected auto, enable or disable");
	expect_err("[pool a]\nvendor = 1\nmax-tx-rate = 4294967296\n",
		   "pools.conf:3:15: max-tx-rate 4294967296 out of range: expected 0 (no limit) to 4294967295 Mbit/s");
	expect_err("[pool a]\nvendor = 1\nmin-tx-rate = 500\nmax-tx-rate = 100\n",
		   "pools.conf:3:15: min-tx-rate is above max-tx-rate in pool 'a'");
}

static void test_pool_level_errors(void **state)
{
	(void)state;
	expect_err("[pool a]\nvendor = 1\n\n[pool empty]\nvfs-only = yes\nmac = auto\n",
		   "pools.conf:4:1: pool 'empty' has no selectors and would take every PCI function of the host; add vendor, device, address, pf, driver or class");
	/* The last pool is checked at the end of the file too. */
	expect_err("[pool a]",
		   "pools.conf:1:1: pool 'a' has no selectors and would take every PCI function of the host; add vendor, device, address, pf, driver or class");
}

static void test_too_many(void **state)
{
	char text[8192];
	size_t off;

	(void)state;
	off = (size_t)snprintf(text, sizeof(text), "[pool a]\nvendor = 0");
	for (int i = 1; i <= POOL_LIST_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, ",%x", i);
	snprintf(text + off, sizeof(text) - off, "\n");
	expect_err(text, "pools.conf:2:90: too many values for 'vendor' in pool 'a' (at most 32)");

	off = 0;
	for (int i = 0; i <= POOL_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"[pool p%d]\nvendor=1\n", i);
	expect_err(text, "pools.conf:513:1: too many pools (at most 256)");

	off = (size_t)snprintf(text, sizeof(text), "[pool a]\npf = e#");
	for (int i = 0; i <= POOL_RANGES_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%d",
					i ? "," : "", i);
	expect_err(text, "pools.conf:2:46: too many VF ranges (at most 16)");
}

static void test_bytes(void **state)
{
	static const char nul[] = "[pool a]\nvendor = 80\0" "86\n";
	char *big;

	(void)state;
	expect_err_len(nul, sizeof(nul) - 1,
		       "pools.conf:2:12: NUL byte: the pool configuration must be a text file");
	expect_err("[pool a]\nvendor = 8086\x1b[0m\n",
		   "pools.conf:2:14: control character 0x1b: the pool configuration must be a text file");
	expect_err("[pool a]\npf = \xff\xfe\n",
		   "pools.conf:2:6: byte 0xff is not UTF-8: the pool configuration must be a UTF-8 text file");
	expect_err("[pool a]\n# caf\xc3\n",
		   "pools.conf:2:6: byte 0xc3 is not UTF-8: the pool configuration must be a UTF-8 text file");
	expect_err("[pool a]\nvendor = 1\r2\n",
		   "pools.conf:2:11: control character 0x0d: the pool configuration must be a text file");

	big = malloc(5000);
	assert_non_null(big);
	memcpy(big, "[pool a]\n#", 10);
	memset(big + 10, 'x', 4096);
	expect_err_len(big, 9 + 4097, "pools.conf:2:4097: line is longer than 4096 bytes");
	/* Exactly 4096 bytes is fine. */
	memcpy(big + 9 + 4096, "\nvendor=1\n", 10);
	{
		struct pool_conf c;
		struct errbuf eb;

		assert_int_equal(parse_len(big, 9 + 4096 + 10, &c, &eb), 0);
		assert_int_equal(c.npools, 1);
		pool_conf_free(&c);
	}
	free(big);
}

static void test_class_names(void **state)
{
	(void)state;
	assert_int_equal(pool_class_from_name("net"), 0x02);
	assert_int_equal(pool_class_from_name("serial-bus"), 0x0c);
	assert_int_equal(pool_class_from_name("nett"), -1);
	assert_string_equal(pool_class_name(0x03), "display");
	assert_null(pool_class_name(0x42));
}

static void test_load(void **state)
{
	char path[512], dirpath[512];
	struct errbuf eb;
	struct pool_conf c;
	struct fakesys fs;

	(void)state;
	fakesys_init(&fs);
	fakesys_write(&fs, "etc/pools.conf", "[pool a]\nvendor = 8086\nvlan = 5000\n");
	snprintf(path, sizeof(path), "%s/etc/pools.conf", fs.root);
	assert_int_equal(pool_conf_load(path, &c, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "/etc/pools.conf:3:8: VLAN 5000 out of range"));
	assert_int_equal(strncmp(eb.msg, fs.root, strlen(fs.root)), 0);

	fakesys_write(&fs, "etc/pools.conf", "[pool a]\nvendor = 8086\n");
	assert_int_equal(pool_conf_load(path, &c, &eb), 0);
	assert_int_equal(c.npools, 1);
	pool_conf_free(&c);

	snprintf(path, sizeof(path), "%s/etc/missing.conf", fs.root);
	assert_int_equal(pool_conf_load(path, &c, &eb), -ENOENT);
	assert_non_null(strstr(eb.msg, "missing.conf: No such file or directory"));

	snprintf(dirpath, sizeof(dirpath), "%s/etc", fs.root);
	assert_int_equal(pool_conf_load(dirpath, &c, &eb), -EISDIR);
	/* A FIFO is refused at once, never waited on (alarm: a hang fails). */
	snprintf(path, sizeof(path), "%s/etc/fifo", fs.root);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	assert_int_equal(pool_conf_load(path, &c, &eb), -EINVAL);
	alarm(0);
	assert_non_null(strstr(eb.msg, "/etc/fifo is not a regular file: give the pool "
			       "configuration file"));
	fakesys_cleanup(&fs);

	unsetenv("IOPASS_POOLS_CONF");
	assert_string_equal(pool_conf_default_path(), "/etc/iopass/pools.conf");
	setenv("IOPASS_POOLS_CONF", "/tmp/x.conf", 1);
	assert_string_equal(pool_conf_default_path(), "/tmp/x.conf");
	unsetenv("IOPASS_POOLS_CONF");
}

/*
 * A poor man's fuzzer until the libFuzzer target exists: mutated valid
 * files must parse or fail with a FILE:LINE:COL message, never crash
 * (ASan/UBSan builds check the reads).
 */
static void test_mutations_never_crash(void **state)
{
	static const char seed[] =
		"[pool nvme-vfs]\nvendor = 1b36, 8086\ndevice = 0010\n"
		"pf = 0000:01:00.0#0-3,6\npf = ens1#1\ndriver = none\n"
		"class = storage\nvfs-only = yes\nmac = 02:00:00:00:00:01\n"
		"vlan = 100\nqos = 2\nspoofchk = on\nstate = auto\n"
		"max-tx-rate = 10\n[pool b]\naddress = 00:02.0\n";
	static const char bytes[] = "[]#=,-:. \n\r\t\0axz09";
	unsigned int rng = 12345;
	char buf[sizeof(seed)];

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		struct errbuf eb = { .msg = "" };
		struct pool_conf c;
		size_t len = sizeof(seed) - 1;
		int ret;

		memcpy(buf, seed, len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rng = rng * 1103515245u + 12345u;
			buf[(rng >> 8) % len] = bytes[(rng >> 20) % (sizeof(bytes) - 1)];
		}
		rng = rng * 1103515245u + 12345u;
		len -= (rng >> 16) % 8;	/* truncated files too */
		ret = pool_conf_parse("f", buf, len, &c, &eb);
		if (ret)
			assert_int_equal(strncmp(eb.msg, "f:", 2), 0);
		else
			assert_true(c.npools <= 2);
		pool_conf_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_pool),
		cmocka_unit_test(test_defaults_and_layout),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_selector_errors),
		cmocka_unit_test(test_pf_errors),
		cmocka_unit_test(test_vf_setting_errors),
		cmocka_unit_test(test_pool_level_errors),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_mutations_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
