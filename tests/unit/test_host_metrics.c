// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus text writer (util/prom.c) and iopass metrics on a fake
 * host: a PF with two VFs, one leased to a running VM, the pools file;
 * the output checked sample by sample and by promtool check metrics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/host.h"
#include "iopass/lease.h"
#include "iopass/orch.h"

#include "fakesys.h"

static void test_prom_format(void **state)
{
	struct prom p = { 0 };

	(void)state;
	prom_family(&p, "x_total", "counter", "Line one\nline two \\ end");
	prom_sample(&p, "x_total", 42, NULL);
	prom_sample(&p, "x_total", 18446744073709551615ULL, "a", "q\"uo\\te\nnl", "b", "",
		    NULL);
	assert_false(p.oom);
	assert_string_equal(p.buf,
		"# HELP x_total Line one\\nline two \\\\ end\n"
		"# TYPE x_total counter\n"
		"x_total 42\n"
		"x_total{a=\"q\\\"uo\\\\te\\nnl\",b=\"\"} 18446744073709551615\n");
	prom_free(&p);
	assert_null(p.buf);
}

/* promtool check metrics, when installed (scripts/deps installs it). */
static void promtool_ok(const char *text)
{
	char path[] = "/tmp/iopass-prom-XXXXXX", cmd[256], out[4096];
	FILE *f;
	int fd;

	if (system("command -v promtool >/dev/null 2>&1"))
		return;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	if (run_capture(cmd, out, sizeof(out)))
		fail_msg("promtool check metrics: %s", out);
	unlink(path);
}

static void has(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_host_metrics(void **state)
{
	struct fakesys fs;
	struct host_env env;
	char state_dir[300], proc[300], pools[300], rec[1024], cmd[4096], out[1 << 15];
	struct prom p = { 0 };
	struct lease l = { 0 };
	struct errbuf eb;
	int lock;

	(void)state;
	fakesys_init(&fs);
	fakesys_add_pci(&fs, "0000:01:00.0", 0x8086, 0x10c9, 0x020000);
	fakesys_set_driver(&fs, "0000:01:00.0", "igb");
	fakesys_make_pf(&fs, "0000:01:00.0", 7, 2);
	fakesys_add_vf(&fs, "0000:01:00.0", 0, "0000:01:10.0", 0x8086, 0x10ca);
	fakesys_add_vf(&fs, "0000:01:00.0", 1, "0000:01:10.2", 0x8086, 0x10ca);
	fakesys_set_driver(&fs, "0000:01:10.0", "vfio-pci");
	fakesys_write(&fs, "proc/cmdline", "quiet\n");
	fakesys_write(&fs, "etc/pools.conf", "[pool igb-vfs]\npf = 0000:01:00.0\n");
	snprintf(state_dir, sizeof(state_dir), "%s/state", fs.root);
	snprintf(proc, sizeof(proc), "%s/proc", fs.root);
	snprintf(pools, sizeof(pools), "%s/etc/pools.conf", fs.root);
	env = (struct host_env){ fs.root, proc, "/nonexistent", state_dir, pools };

	/* VF 0 leased to a VM that runs (this process holds its lock). */
	snprintf(l.bdf, sizeof(l.bdf), "0000:01:10.0");
	snprintf(l.owner, sizeof(l.owner), "vm:web1");
	snprintf(l.pool, sizeof(l.pool), "igb-vfs");
	l.since = 1700000000;
	l.vf_index = -1;
	assert_int_equal(lease_format(&l, rec, sizeof(rec)), 0);
	fakesys_write(&fs, "state/leases/0000:01:10.0.json", rec);
	lock = orch_registry_add(state_dir, "web1", "\"mem\":268435456,\"cpus\":2,"
				 "\"devices\":[{\"spec\":\"pool:igb-vfs\",\"bdf\":\"0000:01:10.0\","
				 "\"pool\":\"igb-vfs\"}],\"nics\":[]", &eb);
	assert_true(lock >= 0);

	if (host_metrics(&env, &p, &eb))
		fail_msg("%s", eb.msg);
	/* The persistent-looking lease (pid 0) of a VM record: as written. */
	has(p.buf, "iopass_lease_info{bdf=\"0000:01:10.0\",pool=\"igb-vfs\",owner=\"vm:web1\","
	    "holder=\"persistent\"} 1");
	has(p.buf, "iopass_leases{pool=\"igb-vfs\",owner=\"vm:web1\"} 1");
	has(p.buf, "iopass_leases_orphaned 0");
	has(p.buf, "iopass_vms{state=\"running\"} 1");
	has(p.buf, "iopass_vms{state=\"dead\"} 0");
	has(p.buf, "iopass_vm_up{vm=\"web1\"} 1");
	has(p.buf, "iopass_vm_memory_bytes{vm=\"web1\"} 268435456");
	has(p.buf, "iopass_vm_vcpus{vm=\"web1\"} 2");
	has(p.buf, "iopass_vm_devices{vm=\"web1\"} 1");
	has(p.buf, "iopass_sriov_totalvfs{pf=\"0000:01:00.0\",pf_driver=\"igb\"} 7");
	has(p.buf, "iopass_sriov_numvfs{pf=\"0000:01:00.0\",pf_driver=\"igb\"} 2");
	has(p.buf, "iopass_sriov_vfs{pf=\"0000:01:00.0\",driver=\"vfio-pci\",leased=\"yes\"} 1");
	has(p.buf, "iopass_sriov_vfs{pf=\"0000:01:00.0\",driver=\"none\",leased=\"no\"} 1");
	has(p.buf, "iopass_pool_members{pool=\"igb-vfs\"} 2");
	has(p.buf, "iopass_pool_leased{pool=\"igb-vfs\"} 1");
	has(p.buf, "iopass_host_check{check=\"iommu\"} 2");
	promtool_ok(p.buf);
	prom_free(&p);

	/* The VMM gone: its record stays, dead. */
	orch_registry_remove(state_dir, "web1", -1);
	close(lock);

	/* The CLI: --output writes the file whole, no temporary left behind. */
	snprintf(cmd, sizeof(cmd), "IOPASS_SYSFS_ROOT='%s' IOPASS_PROCFS_ROOT='%s' "
		 "IOPASS_STATE_DIR='%s' IOPASS_POOLS_CONF='%s' %s metrics --output '%s/m.prom' "
		 "&& ls '%s' | grep -c tmp; cat '%s/m.prom'", fs.root, proc, state_dir, pools,
		 IOPASS_BIN, fs.root, fs.root, fs.root);
	run_capture(cmd, out, sizeof(out));
	assert_true(!strncmp(out, "0\n# HELP iopass_lease_info", 26));
	has(out, "iopass_pool_members{pool=\"igb-vfs\"} 2");
	promtool_ok(out + 2);
	snprintf(cmd, sizeof(cmd), "%s metrics --output /nonexistent/dir/m.prom 2>&1; echo rc=$?",
		 IOPASS_BIN);
	run_capture(cmd, out, sizeof(out));
	assert_non_null(strstr(out, "cannot write /nonexistent/dir/m.prom"));
	assert_non_null(strstr(out, "rc=1"));
	fakesys_cleanup(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_format),
		cmocka_unit_test(test_host_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
