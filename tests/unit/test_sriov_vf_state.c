// SPDX-License-Identifier: GPL-2.0-only
/*
 * Saved VF originals: the JSON record round trip, damaged records, "only the
 * first change saves", saving failing cleanly (before anything is sent to
 * the kernel) and restore keeping the record when it fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iopass/sriov.h"
#include "iopass/state.h"

#include "fakesys.h"

static const struct vf_settings full = {
	.vf = 3, .known = VF_FIELD_ALL,
	.mac = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x03 },
	.vlan = 4094, .qos = 6, .vlan_proto = VF_VLAN_8021AD,
	.spoofchk = true, .trust = false, .link_state = VF_LINK_DISABLE,
	.min_tx_rate = 100, .max_tx_rate = 4294967295u,
};

static void assert_settings_equal(const struct vf_settings *a,
				  const struct vf_settings *b)
{
	assert_int_equal(a->vf, b->vf);
	assert_int_equal(a->known, b->known);
	assert_int_equal(vf_settings_diff(a, b, a->known), 0);
	assert_int_equal(vf_settings_diff(b, a, b->known), 0);
}

static void test_json_round_trip(void **state)
{
	struct vf_settings back, part = { .vf = 0 };
	struct errbuf eb;
	char *text;

	(void)state;
	text = vf_settings_to_json("0000:03:00.0", "ens1f0", &full);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"mac\":\"02:aa:bb:cc:dd:03\""));
	assert_non_null(strstr(text, "\"vlan_proto\":\"802.1ad\""));
	assert_non_null(strstr(text, "\"link_state\":\"disable\""));
	assert_non_null(strstr(text, "\"pf\":\"0000:03:00.0\""));
	assert_int_equal(vf_settings_from_json(text, &back, &eb), 0);
	assert_settings_equal(&full, &back);
	assert_int_equal(back.max_tx_rate, 4294967295u);
	free(text);

	/* What the driver did not report is not saved, so not restored. */
	part.known = VF_FIELD_MAC | VF_FIELD_LINK_STATE;
	part.link_state = VF_LINK_ENABLE;
	text = vf_settings_to_json("netdevsim10", "eni10np1", &part);
	assert_null(strstr(text, "spoofchk"));
	assert_null(strstr(text, "vlan"));
	assert_int_equal(vf_settings_from_json(text, &back, &eb), 0);
	assert_settings_equal(&part, &back);
	assert_int_equal(back.link_state, VF_LINK_ENABLE);
	free(text);
}

/* pool list's old key for the link state is still read. */
static void test_json_old_state_key(void **state)
{
	struct vf_settings s;
	struct errbuf eb;

	(void)state;
	assert_int_equal(vf_settings_from_json("{\"version\":1,\"vf\":2,\"state\":\"enable\"}",
					       &s, &eb), 0);
	assert_int_equal(s.known, VF_FIELD_LINK_STATE);
	assert_int_equal(s.link_state, VF_LINK_ENABLE);
	assert_true(vf_settings_from_json("{\"version\":1,\"vf\":2,\"state\":\"up\"}",
					  &s, &eb) < 0);
	assert_non_null(strstr(eb.msg, "'state'"));
}

static void expect_damaged(const char *text, const char *needle)
{
	struct vf_settings s;
	struct errbuf eb = { "" };

	assert_true(vf_settings_from_json(text, &s, &eb) < 0);
	if (!strstr(eb.msg, needle))
		fail_msg("'%s': '%s' lacks '%s'", text, eb.msg, needle);
}

static void test_json_damaged(void **state)
{
	(void)state;
	expect_damaged("", "not a JSON object");
	expect_damaged("{\"version\":1,\"vf\":0", "not a JSON object");
	expect_damaged("[1,2]", "not a JSON object");
	expect_damaged("{\"vf\":0}", "'version'");
	expect_damaged("{\"version\":2,\"vf\":0}", "version 2");
	expect_damaged("{\"version\":1}", "'vf'");
	expect_damaged("{\"version\":1,\"vf\":-1}", "'vf'");
	expect_damaged("{\"version\":1,\"vf\":\"0\"}", "'vf'");
	expect_damaged("{\"version\":1,\"vf\":0,\"mac\":\"zz\"}", "'mac'");
	expect_damaged("{\"version\":1,\"vf\":0,\"mac\":5}", "'mac'");
	expect_damaged("{\"version\":1,\"vf\":0,\"vlan\":4096,\"qos\":0,\"vlan_proto\":\"802.1Q\"}",
		       "'vlan'");
	expect_damaged("{\"version\":1,\"vf\":0,\"vlan\":5}", "'qos'");
	expect_damaged("{\"version\":1,\"vf\":0,\"vlan\":5,\"qos\":8,\"vlan_proto\":\"802.1Q\"}",
		       "'qos'");
	expect_damaged("{\"version\":1,\"vf\":0,\"vlan\":5,\"qos\":1,\"vlan_proto\":\"QinQ\"}",
		       "'vlan_proto'");
	expect_damaged("{\"version\":1,\"vf\":0,\"spoofchk\":1}", "'spoofchk'");
	expect_damaged("{\"version\":1,\"vf\":0,\"trust\":\"on\"}", "'trust'");
	expect_damaged("{\"version\":1,\"vf\":0,\"link_state\":\"up\"}", "'link_state'");
	expect_damaged("{\"version\":1,\"vf\":0,\"min_tx_rate\":-1}", "'min_tx_rate'");
	expect_damaged("{\"version\":1,\"vf\":0,\"max_tx_rate\":4294967296}", "'max_tx_rate'");
	expect_damaged("{\"version\":1,\"vf\":0,\"max_tx_rate\":1.5}", "'max_tx_rate'");
}

static void test_save_only_first(void **state)
{
	struct fakesys *fs = *state;
	struct vf_settings later = full, back;
	char name[128], *text;
	struct errbuf eb;

	assert_int_equal(vf_state_name("0000:03:00.0", 3, name, sizeof(name)), 0);
	assert_string_equal(name, "vf/0000:03:00.0-vf3.json");
	assert_int_equal(vf_state_load(fs->root, "0000:03:00.0", 3, &back, &eb), -ENOENT);
	assert_int_equal(vf_state_save(fs->root, "0000:03:00.0", "ens1f0", &full, &eb), 1);
	later.vlan = 7;
	later.mac[5] = 0x77;
	assert_int_equal(vf_state_save(fs->root, "0000:03:00.0", "ens1f0", &later, &eb), 0);
	assert_int_equal(vf_state_load(fs->root, "0000:03:00.0", 3, &back, &eb), 0);
	assert_settings_equal(&full, &back);	/* still the first */

	/* Another VF of the same PF has its own record. */
	later.vf = 4;
	assert_int_equal(vf_state_save(fs->root, "0000:03:00.0", "ens1f0", &later, &eb), 1);
	assert_int_equal(vf_state_load(fs->root, "0000:03:00.0", 4, &back, &eb), 0);
	assert_int_equal(back.vlan, 7);

	/* A record that says it is for another VF is damaged, not used. */
	assert_int_equal(state_read(fs->root, "vf/0000:03:00.0-vf4.json", &text, NULL), 0);
	assert_int_equal(state_write(fs->root, "vf/0000:03:00.0-vf5.json", text, NULL), 0);
	free(text);
	assert_int_equal(vf_state_load(fs->root, "0000:03:00.0", 5, &back, &eb), -EBADMSG);
	assert_non_null(strstr(eb.msg, "is damaged: it is for VF 4"));
	assert_int_equal(state_write(fs->root, "vf/0000:03:00.0-vf6.json", "{oops", NULL), 0);
	assert_int_equal(vf_state_load(fs->root, "0000:03:00.0", 6, &back, &eb), -EBADMSG);
	assert_non_null(strstr(eb.msg, "-vf6.json is damaged"));
	/* A damaged record is never replaced by a new "original". */
	later.vf = 6;
	assert_int_equal(vf_state_save(fs->root, "0000:03:00.0", "ens1f0", &later, &eb), 0);
}

/* A PF read from nowhere: its ifindex exists on no machine. */
static void fake_pf(struct vf_pf *pf, struct vf_settings *vfs)
{
	memset(pf, 0, sizeof(*pf));
	strcpy(pf->ifname, "fakepf0");
	pf->ifindex = 0x7ffffff0;
	pf->up = true;
	pf->num_vfs = 2;
	pf->n = 2;
	pf->vfs = vfs;
	vfs[0] = full;
	vfs[0].vf = 0;
	vfs[1] = full;
	vfs[1].vf = 1;
}

static void test_apply_saves_first(void **state)
{
	struct fakesys *fs = *state;
	struct vf_settings vfs[2], want = full, back;
	unsigned int changed = 99;
	struct errbuf eb;
	struct vf_pf pf;
	int ret;

	fake_pf(&pf, vfs);
	/* Nothing to change: no record. */
	assert_int_equal(vf_state_apply(fs->root, "k", &pf, 1, &want, VF_FIELD_ALL,
					&changed, &eb), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(vf_state_load(fs->root, "k", 1, &back, &eb), -ENOENT);

	/* A change: the record is written before the kernel is asked. */
	want.vlan = 10;
	ret = vf_state_apply(fs->root, "k", &pf, 1, &want, VF_FIELD_VLAN, &changed, &eb);
	assert_int_equal(ret, -ENODEV);		/* the kernel has no such PF */
	assert_non_null(strstr(eb.msg, "fakepf0"));
	assert_int_equal(changed, 0);
	assert_int_equal(vf_state_load(fs->root, "k", 1, &back, &eb), 0);
	back.vf = 1;
	assert_settings_equal(&vfs[1], &back);

	/* The next change keeps the first original. */
	vfs[1].vlan = 10;
	want.vlan = 11;
	vf_state_apply(fs->root, "k", &pf, 1, &want, VF_FIELD_VLAN, NULL, &eb);
	assert_int_equal(vf_state_load(fs->root, "k", 1, &back, &eb), 0);
	assert_int_equal(back.vlan, full.vlan);

	/* Checks come before saving. */
	assert_int_equal(vf_state_apply(fs->root, "k", &pf, 2, &want, VF_FIELD_VLAN,
					NULL, &eb), -ERANGE);
	assert_non_null(strstr(eb.msg, "no VF 2 (the PF has 2 VFs, numbered 0-1)"));
	pf.up = false;
	assert_int_equal(vf_state_apply(fs->root, "k", &pf, 0, &want, VF_FIELD_VLAN,
					NULL, &eb), -ENETDOWN);
	assert_int_equal(vf_state_load(fs->root, "k", 0, &back, &eb), -ENOENT);
}

static void test_apply_unwritable_state(void **state)
{
	struct fakesys *fs = *state;
	struct vf_settings vfs[2], want = full;
	char dir[512];
	struct errbuf eb;
	struct vf_pf pf;
	int ret;

	fake_pf(&pf, vfs);
	want.trust = true;
	/* The state "directory" is a file: nothing can be saved... */
	snprintf(dir, sizeof(dir), "%s/file", fs->root);
	fakesys_write(fs, "file", "x");
	ret = vf_state_apply(dir, "k", &pf, 0, &want, VF_FIELD_TRUST, NULL, &eb);
	assert_true(ret < 0);
	/* ...so the kernel is never asked (that would be -ENODEV). */
	assert_int_not_equal(ret, -ENODEV);
	assert_non_null(strstr(eb.msg, dir));
	/* A read-only file system (/proc) gives the state directory's advice. */
	ret = vf_state_apply("/proc/iopass-state", "k", &pf, 0, &want, VF_FIELD_TRUST,
			     NULL, &eb);
	assert_true(ret < 0);
	assert_int_not_equal(ret, -ENODEV);
	assert_non_null(strstr(eb.msg, "/proc/iopass-state"));
}

/* As root: a record for a VF-less veth is kept when restoring fails. */
static void test_restore_keeps_record(void **state)
{
	struct fakesys *fs = *state;
	struct vf_settings back, orig = full;
	unsigned int changed = 99;
	struct errbuf eb;
	char key[64];

	if (geteuid() == 0 && system("ip link del iopasst1 2>/dev/null") == 0)
		print_message("removed a stale iopasst1\n");
	if (geteuid() != 0 ||
	    system("ip link add iopasst1 type veth peer name iopasst1p 2>/dev/null")) {
		print_message("skipped: needs root to create a veth pair\n");
		skip();
	}
	assert_int_equal(vf_restore(fs->root, fs->root, "iopasst1", 0, &changed, &eb),
			 -ENOENT);
	assert_non_null(strstr(eb.msg, "no saved settings for VF 0 of iopasst1"));
	vf_pf_key(fs->root, "iopasst1", key, sizeof(key));	/* no sysfs device */
	assert_string_equal(key, "net-iopasst1");
	orig.vf = 0;
	assert_int_equal(vf_state_save(fs->root, key, "iopasst1", &orig, &eb), 1);
	assert_int_equal(vf_restore(fs->root, fs->root, "iopasst1", 0, &changed, &eb),
			 -ERANGE);
	assert_int_equal(changed, 0);
	assert_non_null(strstr(eb.msg, "no VF 0 (the PF has 0 VFs)"));
	assert_int_equal(vf_state_load(fs->root, key, 0, &back, &eb), 0);
	assert_settings_equal(&orig, &back);
	assert_int_equal(system("ip link del iopasst1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_old_state_key),
		cmocka_unit_test(test_json_damaged),
		cmocka_unit_test_setup_teardown(test_save_only_first, fakesys_setup, fakesys_teardown),
		cmocka_unit_test_setup_teardown(test_apply_saves_first, fakesys_setup, fakesys_teardown),
		cmocka_unit_test_setup_teardown(test_apply_unwritable_state, fakesys_setup, fakesys_teardown),
		cmocka_unit_test_setup_teardown(test_restore_keeps_record, fakesys_setup, fakesys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
