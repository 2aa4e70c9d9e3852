// SPDX-License-Identifier: GPL-2.0-only
/* The datapath a NIC gets, and the reason given for it. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
