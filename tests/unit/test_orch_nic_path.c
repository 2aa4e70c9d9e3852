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
	struct orch_nic_paths p = { .vf_free = true, .vmdq = true, .vhost_user = true };
	char why[512];

	(void)state;
	assert_int_equal(orch_nic_path_choose(&p, why, sizeof(why)), ORCH_NIC_VF);
	assert_string_equal(orch_nic_path_name(ORCH_NIC_VF), "vf");

	p.vf_free = false;
	strcpy(p.vf_why, "pool 'uplink' has no free VF (2 of 2 leased)");
	assert_int_equal(orch_nic_path_choose(&p, why, sizeof(why)), ORCH_NIC_VMDQ);
	assert_non_null(strstr(why, "2 of 2 leased"));

	p.vmdq = false;
	strcpy(p.vmdq_why, "net_tap has no VMDq");
	assert_int_equal(orch_nic_path_choose(&p, why, sizeof(why)),
			 ORCH_NIC_VHOST_USER);
	assert_non_null(strstr(why, "no VF (pool 'uplink' has no free VF"));
	assert_non_null(strstr(why, "no VMDq (net_tap has no VMDq)"));
	assert_string_equal(orch_nic_path_name(ORCH_NIC_VHOST_USER), "vhost-user");

	p.vhost_user = false;
	assert_int_equal(orch_nic_path_choose(&p, why, sizeof(why)), ORCH_NIC_NONE);
	assert_non_null(strstr(why, "no vhost-user (unavailable)"));
}

static void test_spec(void **state)
{
	struct orch_nic_spec n;
	struct errbuf eb;

	(void)state;
	assert_int_equal(orch_nic_parse("pool:uplink", &n, &eb), 0);
	assert_true(n.is_pool);
	assert_string_equal(n.pool, "uplink");
	assert_false(n.has_mac);
	assert_int_equal(n.vlan, -1);

	assert_int_equal(orch_nic_parse("pool:up,vlan=100,mac=52:54:00:AB:cd:01",
					&n, &eb), 0);
	assert_int_equal(n.vlan, 100);
	assert_true(n.has_mac);
	assert_int_equal(n.mac[3], 0xab);
	assert_int_equal(n.mac[5], 0x01);

	assert_int_equal(orch_nic_parse("vhost-user:/run/x.sock,mac=02:00:00:00:00:01",
					&n, &eb), 0);
	assert_false(n.is_pool);
	assert_string_equal(n.vhost.socket, "/run/x.sock");
}

static void spec_error(const char *s, const char *msg)
{
	struct orch_nic_spec n;
	struct errbuf eb = { "" };

	assert_int_equal(orch_nic_parse(s, &n, &eb), -EINVAL);
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

/*
 * The vhost-user half, as the VMM's own parser had it before there was one
 * --nic grammar: the same checks through orch_nic_parse().
 */
static int vhost_nic_parse(const char *s, struct vmm_nic_config *c,
			   struct errbuf *eb)
{
	struct orch_nic_spec n;
	int ret = orch_nic_parse(s, &n, eb);

	*c = n.vhost;
	return ret;
}

static void test_nic_parse(void **state)
{
	struct vmm_nic_config c;
	struct errbuf eb;
	char longp[200];

	(void)state;
	assert_int_equal(vhost_nic_parse("vhost-user:/run/sw/p0.sock", &c, &eb),
			 0);
	assert_string_equal(c.socket, "/run/sw/p0.sock");
	assert_false(c.mac_set);
	assert_int_equal(vhost_nic_parse("vhost-user:/s,mac=52:54:00:AB:cd:01",
				      &c, &eb), 0);
	assert_true(c.mac_set);
	assert_memory_equal(c.mac, ((uint8_t[]){ 0x52, 0x54, 0, 0xab, 0xcd,
						 1 }), 6);
	assert_int_equal(vhost_nic_parse("tap:x", &c, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "unknown kind"));
	assert_int_equal(vhost_nic_parse("vhost-user:", &c, &eb), -EINVAL);
	assert_int_equal(vhost_nic_parse("vhost-user:,mac=52:54:00:00:00:01", &c,
				      &eb), -EINVAL);
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "vhost-user:/", 12);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(vhost_nic_parse(longp, &c, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "1 to 107 bytes"));
	assert_int_equal(vhost_nic_parse("vhost-user:/s,mac=52:54:00:00:00", &c,
				      &eb), -EINVAL);
	assert_int_equal(vhost_nic_parse("vhost-user:/s,mac=52-54-00-00-00-01",
				      &c, &eb), -EINVAL);
	assert_int_equal(vhost_nic_parse("vhost-user:/s,mac=01:00:5e:00:00:01",
				      &c, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "unicast"));
	assert_int_equal(vhost_nic_parse("vhost-user:/s,mac=00:00:00:00:00:00",
				      &c, &eb), -EINVAL);
	assert_int_equal(vhost_nic_parse("vhost-user:/s,server,mac=52:54:00:00:"
				      "00:01", &c, &eb), 0);
	assert_true(c.server && c.mac_set);
	assert_false(vhost_nic_parse("vhost-user:/s", &c, &eb) || c.server);
	assert_int_equal(vhost_nic_parse("vhost-user:/s,servers", &c, &eb),
			 -EINVAL);
	assert_int_equal(vhost_nic_parse("vhost-user:/s,queues=2", &c, &eb),
			 -EINVAL);
	assert_non_null(strstr(eb.msg, "unknown option 'queues=2'"));
	assert_int_equal(vhost_nic_parse("vhost-user:/s,", &c, &eb), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_nic_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
