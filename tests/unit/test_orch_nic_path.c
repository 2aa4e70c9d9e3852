// SPDX-License-Identifier: GPL-2.0-only
/* The datapath a NIC gets, and the reason given for it. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/orch.h"

static void test_order(void **state)
{
	struct nic_paths p = { .vf_free = true, .vmdq = true, .vhost_user = true };
	char why[512];

	(void)state;
	assert_int_equal(nic_path_choose(&p, why, sizeof(why)), NIC_PATH_VF);
	assert_string_equal(nic_path_name(NIC_PATH_VF), "vf");

	p.vf_free = false;
	strcpy(p.vf_why, "pool 'uplink' has no free VF (2 of 2 leased)");
	assert_int_equal(nic_path_choose(&p, why, sizeof(why)), NIC_PATH_VMDQ);
	assert_non_null(strstr(why, "2 of 2 leased"));

	p.vmdq = false;
	strcpy(p.vmdq_why, "net_tap has no VMDq");
	assert_int_equal(nic_path_choose(&p, why, sizeof(why)),
			 NIC_PATH_VHOST_USER);
	assert_non_null(strstr(why, "no VF (pool 'uplink' has no free VF"));
	assert_non_null(strstr(why, "no VMDq (net_tap has no VMDq)"));
	assert_string_equal(nic_path_name(NIC_PATH_VHOST_USER), "vhost-user");

	p.vhost_user = false;
	assert_int_equal(nic_path_choose(&p, why, sizeof(why)), NIC_PATH_NONE);
	assert_non_null(strstr(why, "no vhost-user (unavailable)"));
}

static void test_spec(void **state)
{
	struct nic_spec n;
	struct errbuf eb;

	(void)state;
	assert_int_equal(nic_spec_parse("pool:uplink", &n, &eb), 0);
	assert_true(n.is_pool);
	assert_string_equal(n.pool, "uplink");
	assert_false(n.has_mac);
	assert_int_equal(n.vlan, -1);

	assert_int_equal(nic_spec_parse("pool:up,vlan=100,mac=52:54:00:AB:cd:01",
					&n, &eb), 0);
	assert_int_equal(n.vlan, 100);
	assert_true(n.has_mac);
	assert_int_equal(n.mac[3], 0xab);
	assert_int_equal(n.mac[5], 0x01);

	assert_int_equal(nic_spec_parse("vhost-user:/run/x.sock,mac=02:00:00:00:00:01",
					&n, &eb), 0);
	assert_false(n.is_pool);
	assert_string_equal(n.path, "/run/x.sock");
}

static void spec_error(const char *s, const char *msg)
{
	struct nic_spec n;
	struct errbuf eb = { "" };

	assert_int_equal(nic_spec_parse(s, &n, &eb), -EINVAL);
	if (!strstr(eb.msg, msg))
		fail_msg("'%s': message '%s' lacks '%s'", s, eb.msg, msg);
}

static void test_spec_errors(void **state)
{
	(void)state;
	spec_error("eth0", "say pool:NAME");
	spec_error("pool:", "the pool name is missing");
	spec_error("vhost-user:", "the socket path is missing");
	spec_error("pool:a,vlan=0", "VLAN '0' is not a number from 1 to 4094");
	spec_error("pool:a,vlan=4095", "VLAN '4095'");
	spec_error("pool:a,vlan=12x", "VLAN '12x'");
	spec_error("pool:a,mac=01:00:5e:00:00:01", "not a unicast MAC");
	spec_error("pool:a,mac=00:00:00:00:00:00", "not a unicast MAC");
	spec_error("pool:a,mac=52:54:00:12:34", "not a unicast MAC");
	spec_error("pool:a,speed=10", "unknown option 'speed=10'");
	spec_error("vhost-user:/x,vlan=3", "unknown option 'vlan=3'; a NIC takes mac=MAC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_spec_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
