// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pool selectors against a fake host, and `iopass pool list` end to end on
 * the same tree (JSON shape, text, config errors, exit codes).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "iopass/sriov.h"

#include "fakesys.h"

struct host {
	struct fakesys fs;
	struct pci_func *funcs;
	size_t n;
};

static void add_vf(struct fakesys *fs, const char *pf, int idx, const char *vf,
		   unsigned int vendor, unsigned int device, unsigned int class,
		   const char *driver)
{
	char val[16];

	fakesys_add_vf(fs, pf, idx, vf, vendor, device);
	snprintf(val, sizeof(val), "0x%06x\n", class);
	fakesys_set_attr(fs, vf, "class", val);
	if (driver)
		fakesys_set_driver(fs, vf, driver);
}

/*
 * 00:00.0 host bridge; 00:02.0 GPU on vfio-pci; 00:04.0 e1000e NIC (eth0);
 * 01:00.0 igb PF "ens1" with 4 VFs (01:10.0 idx 0 vfio-pci, 01:10.4 idx 1
 * igbvf, 01:11.0 idx 2 no driver, 01:11.4 idx 3 vfio-pci); 02:00.0 NVMe PF
 * with 2 VFs (02:00.1, 02:00.2, no driver); 03:00.0 igb PF "ens2" with VFs
 * disabled.
 */
static int setup(void **state)
{
	struct host *h = calloc(1, sizeof(*h));
	struct fakesys *fs = &h->fs;

	fakesys_init(fs);
	fakesys_add_pci(fs, "0000:00:00.0", 0x8086, 0x1237, 0x060000);
	fakesys_add_pci(fs, "0000:00:02.0", 0x10de, 0x1eb8, 0x030200);
	fakesys_set_driver(fs, "0000:00:02.0", "vfio-pci");
	fakesys_add_pci(fs, "0000:00:04.0", 0x8086, 0x10d3, 0x020000);
	fakesys_set_driver(fs, "0000:00:04.0", "e1000e");
	fakesys_set_attr(fs, "0000:00:04.0", "net/eth0/ifindex", "2\n");

	fakesys_add_pci(fs, "0000:01:00.0", 0x8086, 0x1521, 0x020000);
	fakesys_set_driver(fs, "0000:01:00.0", "igb");
	fakesys_make_pf(fs, "0000:01:00.0", 8, 4);
	fakesys_set_attr(fs, "0000:01:00.0", "net/ens1/ifindex", "3\n");
	add_vf(fs, "0000:01:00.0", 0, "0000:01:10.0", 0x8086, 0x1520, 0x020000, "vfio-pci");
	add_vf(fs, "0000:01:00.0", 1, "0000:01:10.4", 0x8086, 0x1520, 0x020000, "igbvf");
	add_vf(fs, "0000:01:00.0", 2, "0000:01:11.0", 0x8086, 0x1520, 0x020000, NULL);
	add_vf(fs, "0000:01:00.0", 3, "0000:01:11.4", 0x8086, 0x1520, 0x020000, "vfio-pci");

	fakesys_add_pci(fs, "0000:02:00.0", 0x1b36, 0x0010, 0x010802);
	fakesys_set_driver(fs, "0000:02:00.0", "nvme");
	fakesys_make_pf(fs, "0000:02:00.0", 4, 2);
	add_vf(fs, "0000:02:00.0", 0, "0000:02:00.1", 0x1b36, 0x0010, 0x010802, NULL);
	add_vf(fs, "0000:02:00.0", 1, "0000:02:00.2", 0x1b36, 0x0010, 0x010802, NULL);

	fakesys_add_pci(fs, "0000:03:00.0", 0x8086, 0x1521, 0x020000);
	fakesys_set_driver(fs, "0000:03:00.0", "igb");
	fakesys_make_pf(fs, "0000:03:00.0", 8, 0);
	fakesys_set_attr(fs, "0000:03:00.0", "net/ens2/ifindex", "4\n");

	assert_int_equal(pci_func_scan(fs->root, &h->funcs, &h->n, NULL), 0);
	assert_int_equal(h->n, 12);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct host *h = *state;

	free(h->funcs);
	fakesys_cleanup(&h->fs);
	free(h);
	return 0;
}

/* The members of the single pool in conf, as "bdf bdf ...". */
static const char *members(struct host *h, const char *conf)
{
	static char out[512];
	struct pool_conf c;
	struct errbuf eb;
	size_t *m, nm, off = 0;

	if (pool_conf_parse("t.conf", conf, strlen(conf), &c, &eb))
		fail_msg("%s", eb.msg);
	assert_int_equal(c.npools, 1);
	assert_int_equal(pool_match(h->fs.root, &c.pools[0], h->funcs, h->n,
				    &m, &nm, &eb), 0);
	out[0] = '\0';
	for (size_t i = 0; i < nm; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
					i ? " " : "", h->funcs[m[i]].bdf);
	free(m);
	pool_conf_free(&c);
	return out;
}

static void test_vendor_skips_bridges_and_busy_pfs(void **state)
{
	struct host *h = *state;

	/* Not the host bridge, not PF 01:00.0 (VFs on); PF 03:00.0 (VFs off) is. */
	assert_string_equal(members(h, "[pool p]\nvendor = 8086\n"),
			    "0000:00:04.0 0000:01:10.0 0000:01:10.4 0000:01:11.0 "
			    "0000:01:11.4 0000:03:00.0");
	assert_string_equal(members(h, "[pool p]\nvendor = 8086\nvfs-only = yes\n"),
			    "0000:01:10.0 0000:01:10.4 0000:01:11.0 0000:01:11.4");
	assert_string_equal(members(h, "[pool p]\naddress = 00:00.0, 01:00.0\n"), "");
}

static void test_pf_selectors(void **state)
{
	struct host *h = *state;

	assert_string_equal(members(h, "[pool p]\npf = 0000:01:00.0\n"),
			    "0000:01:10.0 0000:01:10.4 0000:01:11.0 0000:01:11.4");
	assert_string_equal(members(h, "[pool p]\npf = ens1#0-1,3\n"),
			    "0000:01:10.0 0000:01:10.4 0000:01:11.4");
	assert_string_equal(members(h, "[pool p]\npf = ens1#2\npf = 02:00.0#1-9\n"),
			    "0000:01:11.0 0000:02:00.2");
	/* An interface of another PF, a missing one, a PF without VFs. */
	assert_string_equal(members(h, "[pool p]\npf = eth0\n"), "");
	assert_string_equal(members(h, "[pool p]\npf = ens9\n"), "");
	assert_string_equal(members(h, "[pool p]\npf = ens2\n"), "");
}

static void test_driver_and_class(void **state)
{
	struct host *h = *state;

	assert_string_equal(members(h, "[pool p]\ndriver = vfio-pci\n"),
			    "0000:00:02.0 0000:01:10.0 0000:01:11.4");
	assert_string_equal(members(h, "[pool p]\ndriver = none, igbvf\n"),
			    "0000:01:10.4 0000:01:11.0 0000:02:00.1 0000:02:00.2");
	assert_string_equal(members(h, "[pool p]\nclass = storage\n"),
			    "0000:02:00.1 0000:02:00.2");
	assert_string_equal(members(h, "[pool p]\nclass = display, storage\n"
				       "driver = vfio-pci, none\n"),
			    "0000:00:02.0 0000:02:00.1 0000:02:00.2");
	/* AND across keys. */
	assert_string_equal(members(h, "[pool p]\nvendor = 8086, 1b36\n"
				       "device = 1520\ndriver = vfio-pci\n"),
			    "0000:01:10.0 0000:01:11.4");
	assert_string_equal(members(h, "[pool p]\nclass = net\nvendor = 1b36\n"), "");
}

static void test_unknown_vf_index(void **state)
{
	struct host *h = *state;

	/* Without its virtfn link a VF has no index: in no range, but still a
	 * VF of its PF. */
	fakesys_remove(&h->fs, "devices/pci0000:00/0000:02:00.0/virtfn1");
	free(h->funcs);
	assert_int_equal(pci_func_scan(h->fs.root, &h->funcs, &h->n, NULL), 0);
	assert_string_equal(members(h, "[pool p]\npf = 02:00.0#0-65535\n"),
			    "0000:02:00.1");
	assert_string_equal(members(h, "[pool p]\npf = 02:00.0\n"),
			    "0000:02:00.1 0000:02:00.2");
}

static void test_order_is_by_address(void **state)
{
	struct host *h = *state;
	struct pci_func *rev = calloc(h->n, sizeof(*rev));
	const char *conf = "[pool p]\nvendor = 1b36, 10de\n";
	struct pool_conf c;
	size_t *m, nm;

	for (size_t i = 0; i < h->n; i++)
		rev[i] = h->funcs[h->n - 1 - i];
	assert_int_equal(pool_conf_parse("t", conf, strlen(conf), &c, NULL), 0);
	assert_int_equal(pool_match(h->fs.root, &c.pools[0], rev, h->n, &m, &nm,
				    NULL), 0);
	assert_int_equal(nm, 3);
	assert_string_equal(rev[m[0]].bdf, "0000:00:02.0");
	assert_string_equal(rev[m[1]].bdf, "0000:02:00.1");
	assert_string_equal(rev[m[2]].bdf, "0000:02:00.2");
	assert_true(pool_match_func(h->fs.root, &c.pools[0], &rev[m[1]]));
	free(m);
	assert_int_equal(pool_match(h->fs.root, &c.pools[0], rev, 0, &m, &nm,
				    NULL), 0);
	assert_null(m);
	assert_int_equal(nm, 0);
	pool_conf_free(&c);
	free(rev);
}

/* ---------------------------------------------------------------- CLI */

static char out[1 << 16];

/* Runs "env ... iopass args" on the fake tree; returns its exit status. */
static int run_iopass(struct host *h, const char *env, const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "env -u IOPASS_POOLS_CONF IOPASS_SYSFS_ROOT='%s' %s %s %s 2>&1",
		 h->fs.root, env, IOPASS_BIN, args);
	return run_capture(cmd, out, sizeof(out));
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key '%s' in %s", key, json_object_to_json_string(o));
	return v;
}

static const char *str(json_object *o, const char *key)
{
	return json_object_get_string(field(o, key));
}

static const char cli_conf[] =
	"[pool igb-vfs]\n"
	"pf = ens1#0-1\n"
	"vlan = 100\n"
	"spoofchk = on\n"
	"mac = auto\n"
	"\n"
	"[pool gpus]\n"
	"class = display\n";

static void test_cli_json(void **state)
{
	struct host *h = *state;
	json_object *arr, *p, *sel, *vf, *m;
	char args[512];

	fakesys_write(&h->fs, "etc/pools.conf", cli_conf);
	snprintf(args, sizeof(args), "pool list --json --config %s/etc/pools.conf",
		 h->fs.root);
	assert_int_equal(run_iopass(h, "", args), 0);
	arr = json_tokener_parse(out);
	assert_non_null(arr);
	assert_true(json_object_is_type(arr, json_type_array));
	assert_int_equal(json_object_array_length(arr), 2);

	p = json_object_array_get_idx(arr, 0);
	assert_string_equal(str(p, "name"), "igb-vfs");
	assert_int_equal(json_object_get_int(field(p, "line")), 1);
	sel = field(p, "selectors");
	assert_int_equal(json_object_array_length(field(sel, "vendor")), 0);
	assert_string_equal(json_object_get_string(
		json_object_array_get_idx(field(sel, "pf"), 0)), "ens1#0-1");
	assert_false(json_object_get_boolean(field(sel, "vfs_only")));
	vf = field(p, "vf_settings");
	assert_string_equal(str(vf, "mac"), "auto");
	assert_int_equal(json_object_get_int(field(vf, "vlan")), 100);
	assert_int_equal(json_object_get_int(field(vf, "qos")), 0);
	assert_true(json_object_get_boolean(field(vf, "spoofchk")));
	assert_null(field(vf, "trust"));
	assert_null(field(vf, "link_state"));
	assert_null(field(vf, "max_tx_rate"));
	assert_int_equal(json_object_array_length(field(p, "members")), 2);
	m = json_object_array_get_idx(field(p, "members"), 1);
	assert_string_equal(str(m, "bdf"), "0000:01:10.4");
	assert_string_equal(str(m, "vendor_id"), "8086");
	assert_string_equal(str(m, "device_id"), "1520");
	assert_string_equal(str(m, "driver"), "igbvf");
	assert_true(json_object_get_boolean(field(m, "is_vf")));
	assert_string_equal(str(m, "physfn"), "0000:01:00.0");
	assert_int_equal(json_object_get_int(field(m, "vf_index")), 1);
	assert_string_equal(str(m, "status"), "free");
	assert_null(field(m, "owner"));

	p = json_object_array_get_idx(arr, 1);
	assert_string_equal(str(p, "name"), "gpus");
	m = json_object_array_get_idx(field(p, "members"), 0);
	assert_string_equal(str(m, "bdf"), "0000:00:02.0");
	assert_false(json_object_get_boolean(field(m, "is_vf")));
	assert_null(field(m, "physfn"));
	assert_null(field(m, "vf_index"));
	assert_null(field(field(p, "vf_settings"), "mac"));
	json_object_put(arr);

	/* Only the pools named, and the environment variable for the path. */
	snprintf(args, sizeof(args), "IOPASS_POOLS_CONF=%s/etc/pools.conf",
		 h->fs.root);
	assert_int_equal(run_iopass(h, args, "pool list --json gpus"), 0);
	arr = json_tokener_parse(out);
	assert_non_null(arr);
	assert_int_equal(json_object_array_length(arr), 1);
	json_object_put(arr);
}

static void test_cli_text(void **state)
{
	struct host *h = *state;
	char args[512];

	fakesys_write(&h->fs, "etc/pools.conf", cli_conf);
	snprintf(args, sizeof(args), "pool list --config %s/etc/pools.conf",
		 h->fs.root);
	assert_int_equal(run_iopass(h, "", args), 0);
	assert_non_null(strstr(out, "pool igb-vfs ("));
	assert_non_null(strstr(out, "select: pf=ens1#0-1\n"));
	assert_non_null(strstr(out, "mac=auto vlan=100 qos=0 vlan-proto=802.1Q spoofchk=on\n"));
	assert_non_null(strstr(out, "  0000:01:10.0 8086:1520 vfio-pci     free\n"));
	assert_non_null(strstr(out, "  0000:01:10.4 8086:1520 igbvf        free\n"));
	assert_null(strstr(out, "0000:01:11.0"));
	assert_non_null(strstr(out, "pool gpus ("));

	fakesys_write(&h->fs, "etc/pools.conf", "[pool none]\npf = ens9\n");
	assert_int_equal(run_iopass(h, "", args), 0);
	assert_non_null(strstr(out, "no members"));
	fakesys_write(&h->fs, "etc/pools.conf", "# empty\n");
	assert_int_equal(run_iopass(h, "", args), 0);
	assert_non_null(strstr(out, "no pools in"));
}

static void test_cli_errors(void **state)
{
	struct host *h = *state;
	char args[512], expect[512];

	fakesys_write(&h->fs, "etc/pools.conf", "[pool a]\nvendor = 8086\nvlan 7\n");
	snprintf(args, sizeof(args), "pool list --config %s/etc/pools.conf",
		 h->fs.root);
	assert_int_equal(run_iopass(h, "", args), 2);
	snprintf(expect, sizeof(expect),
		 "iopass: %s/etc/pools.conf:3:6: expected '=' after key 'vlan'\n",
		 h->fs.root);
	assert_string_equal(out, expect);

	snprintf(args, sizeof(args), "pool list --config %s/etc/nope.conf",
		 h->fs.root);
	assert_int_equal(run_iopass(h, "", args), 2);
	assert_non_null(strstr(out, "nope.conf: No such file or directory"));

	snprintf(args, sizeof(args), "IOPASS_POOLS_CONF=%s/etc/nope.conf",
		 h->fs.root);
	assert_int_equal(run_iopass(h, args, "pool list"), 2);
	assert_non_null(strstr(out, "no pool configuration: $IOPASS_POOLS_CONF="));
	assert_non_null(strstr(out, "docs/pools.md"));
	assert_non_null(strstr(out, "--config FILE"));

	fakesys_write(&h->fs, "etc/pools.conf", cli_conf);
	snprintf(args, sizeof(args), "pool list --config %s/etc/pools.conf gpu",
		 h->fs.root);
	assert_int_equal(run_iopass(h, "", args), 2);
	assert_non_null(strstr(out, "no pool 'gpu' in"));

	assert_int_equal(run_iopass(h, "", "pool"), 2);
	assert_non_null(strstr(out, "usage: iopass pool list"));
	assert_int_equal(run_iopass(h, "", "pool frob"), 2);
	assert_non_null(strstr(out, "unknown 'pool' command 'frob'"));
	assert_int_equal(run_iopass(h, "", "pool list --bogus"), 2);
	assert_int_equal(run_iopass(h, "", "pool --help"), 0);
	assert_non_null(strstr(out, "docs/pools.md"));
	assert_int_equal(run_iopass(h, "", "pool list --help"), 0);
	assert_int_equal(run_iopass(h, "", "--help"), 0);
	assert_non_null(strstr(out, "list device pools from the pool configuration"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vendor_skips_bridges_and_busy_pfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_selectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_and_class, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_vf_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_is_by_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
