// SPDX-License-Identifier: GPL-2.0-only
/*
 * host apply's plan against hand-made observations (an igb PF with two VFs
 * on ens1, an NVMe PF, edu), and host_apply end to end on a fake sysfs for
 * the steps a fake tree can take (the pools file): idempotence, dry run,
 * refusal of a held function with nothing changed.
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

#include "iopass/host.h"
#include "iopass/lease.h"

#include "fakesys.h"

#define IGB	"0000:01:00.0"
#define VF0	"0000:01:10.0"
#define VF1	"0000:01:10.2"
#define EDU	"0000:00:02.0"
#define NVME	"0000:00:03.0"

struct world {
	struct host_obs obs;
	struct pci_func funcs[5];
	char held[5][HOST_WHY_MAX];
	struct host_obs_pf pfs[2];
	struct vf_settings vfs[2];
	struct host_conf conf;
	struct host_plan plan;
	struct errbuf eb;
};

static void func(struct pci_func *f, const char *bdf, uint16_t v, uint16_t d,
		 uint32_t class, const char *driver)
{
	memset(f, 0, sizeof(*f));
	pci_addr_parse(bdf, &f->addr);
	pci_addr_format(&f->addr, f->bdf);
	f->vendor = v;
	f->device = d;
	f->class = class;
	snprintf(f->driver, sizeof(f->driver), "%s", driver);
	f->sriov_total = -1;
	f->vf_index = -1;
	f->numa_node = -1;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	func(&w->funcs[0], EDU, 0x1234, 0x11e8, 0x00ff00, "");
	func(&w->funcs[1], NVME, 0x1b36, 0x0010, 0x010802, "nvme");
	w->funcs[1].sriov_total = 4;
	func(&w->funcs[2], IGB, 0x8086, 0x10c9, 0x020000, "igb");
	w->funcs[2].sriov_total = 7;
	w->funcs[2].sriov_num = 2;
	for (int i = 0; i < 2; i++) {
		struct pci_func *f = &w->funcs[3 + i];

		func(f, i ? VF1 : VF0, 0x8086, 0x10ca, 0x020000, i ? "vfio-pci" : "");
		f->is_vf = true;
		pci_addr_parse(IGB, &f->pf);
		f->vf_index = i;
		w->vfs[i].vf = i;
		w->vfs[i].known = VF_FIELD_ALL;
		w->vfs[i].spoofchk = true;
	}
	w->vfs[0].vlan = 100;
	snprintf(w->pfs[0].bdf, sizeof(w->pfs[0].bdf), NVME);
	w->pfs[0].autoprobe = 1;
	w->pfs[0].vf_device = 0x0010;
	snprintf(w->pfs[1].bdf, sizeof(w->pfs[1].bdf), IGB);
	snprintf(w->pfs[1].ifname, sizeof(w->pfs[1].ifname), "ens1");
	w->pfs[1].up = true;
	w->pfs[1].vf_device = 0x10ca;
	w->pfs[1].have_nl = true;
	w->pfs[1].nl.n = 2;
	w->pfs[1].nl.num_vfs = 2;
	w->pfs[1].nl.vfs = w->vfs;
	w->obs.funcs = w->funcs;
	w->obs.n = 5;
	w->obs.held = w->held;
	w->obs.pfs = w->pfs;
	w->obs.npfs = 2;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	host_plan_free(&w->plan);
	host_conf_free(&w->conf);
	free(w);
	return 0;
}

/* Parses text as the file and plans; returns the plan's result. */
static int plan(struct world *w, const char *text)
{
	host_plan_free(&w->plan);
	host_conf_free(&w->conf);
	if (host_conf_parse("h.conf", text, strlen(text), &w->conf, &w->eb))
		fail_msg("%s", w->eb.msg);
	w->eb.msg[0] = '\0';
	return host_plan_make(&w->conf, &w->obs, &w->plan, &w->eb);
}

static void step_is(struct world *w, size_t i, enum host_action a, const char *what)
{
	assert_true(i < w->plan.n);
	assert_int_equal(w->plan.steps[i].action, a);
	if (!strstr(w->plan.steps[i].what, what))
		fail_msg("step %zu is '%s', expected '%s'", i, w->plan.steps[i].what, what);
}

static void test_as_declared(void **state)
{
	struct world *w = *state;

	/* One PF by address and by name: the same PF. */
	assert_int_equal(plan(w, "[sriov " IGB "]\nvfs = 2\n[sriov ens1]\nvfs = 2\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, "h.conf:3: " IGB " already has a [sriov] section (line 1)"));
	assert_int_equal(plan(w, "[sriov " IGB "]\nvfs = 2\nlink = up\n"
			      "[vf ens1#0]\nvlan = 100\nspoofchk = on\n"
			      "[vf ens1#1]\ndriver = vfio-pci\n"
			      "[bind " EDU "]\ndriver = none\n"
			      "[bind " NVME "]\ndriver = nvme\n"), 0);
	assert_int_equal(w->plan.n, 0);
}

static void test_count_change(void **state)
{
	struct world *w = *state;

	assert_int_equal(plan(w, "[sriov " IGB "]\nvfs = 3\n"
			      "[vf ens1#0]\nvlan = 100\nspoofchk = on\n"
			      "[vf ens1#0-2]\ndriver = vfio-pci\n"), 0);
	assert_int_equal(w->plan.n, 5);
	step_is(w, 0, HOST_SET_VFS, IGB ": VFs 2 -> 3 (host drivers do not probe them)");
	assert_int_equal(w->plan.steps[0].old_vfs, 2);
	assert_int_equal(w->plan.steps[0].vfs, 3);
	/* The old VFs go with the count change: every VF is new, settings unknown. */
	step_is(w, 1, HOST_SET_VF, "ens1 VF 0 (new): vlan 100 qos 0 proto 802.1Q, spoofchk on");
	assert_false(w->plan.steps[1].old_known);
	step_is(w, 2, HOST_BIND, "VF 0 of " IGB " (new): driver (whatever probes it) -> vfio-pci");
	assert_string_equal(w->plan.steps[2].bdf, "");
	assert_int_equal(w->plan.steps[2].vf, 0);
	step_is(w, 3, HOST_BIND, "VF 1 of " IGB " (new)");
	step_is(w, 4, HOST_BIND, "VF 2 of " IGB " (new)");
}

static void test_settings_diff(void **state)
{
	struct world *w = *state;

	/* VF 0 has vlan 100 and spoofchk on: only trust changes. */
	assert_int_equal(plan(w, "[vf ens1#0]\nvlan = 100\nspoofchk = on\ntrust = on\n"), 0);
	assert_int_equal(w->plan.n, 1);
	step_is(w, 0, HOST_SET_VF, "ens1 VF 0 (" VF0 "): trust on");
	assert_int_equal(w->plan.steps[0].mask, VF_FIELD_TRUST);
	assert_true(w->plan.steps[0].old_known);
	assert_false(w->plan.steps[0].old.trust);

	/* The PF down: refused unless the file brings it up first. */
	w->pfs[1].up = false;
	assert_int_equal(plan(w, "[vf ens1#0]\ntrust = on\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, "h.conf:1: " IGB "'s interface ens1 is down"));
	assert_non_null(strstr(w->eb.msg, "add 'link = up'"));
	assert_int_equal(plan(w, "[sriov ens1]\nvfs = 2\nlink = up\n[vf ens1#0]\ntrust = on\n"), 0);
	assert_int_equal(w->plan.n, 2);
	step_is(w, 0, HOST_LINK_UP, IGB ": set ens1 up");
	step_is(w, 1, HOST_SET_VF, "trust on");
}

static void test_held(void **state)
{
	struct world *w = *state;

	snprintf(w->held[4], HOST_WHY_MAX, "leased to vm:web1");
	assert_int_equal(plan(w, "[sriov " IGB "]\nvfs = 4\n"), -EBUSY);
	assert_non_null(strstr(w->eb.msg, "h.conf:1: refusing to change the VF count of "
			       IGB " (2 -> 4): the count goes through 0, and its VF " VF1
			       " is leased to vm:web1"));
	assert_int_equal(w->plan.n, 0);
	/* Its count as it is, but a new driver for the held VF: refused too. */
	assert_int_equal(plan(w, "[sriov " IGB "]\nvfs = 2\n[vf ens1#1]\ndriver = igbvf\n"),
			 -EBUSY);
	assert_non_null(strstr(w->eb.msg, "h.conf:3: refusing to move " VF1
			       " to igbvf: it is leased to vm:web1"));
	assert_int_equal(plan(w, "[vf ens1#1]\nvlan = 7\n"), -EBUSY);
	/* What it already has is no change: fine. */
	assert_int_equal(plan(w, "[vf ens1#1]\ndriver = vfio-pci\n"), 0);
	assert_int_equal(w->plan.n, 0);
	snprintf(w->held[0], HOST_WHY_MAX, "in use by VM a (pid 1)");
	assert_int_equal(plan(w, "[bind 1234:11e8]\ndriver = vfio-pci\n"), -EBUSY);
	assert_non_null(strstr(w->eb.msg, "in use by VM a"));
}

static void test_refusals(void **state)
{
	struct world *w = *state;

	assert_int_equal(plan(w, "[vf " NVME "#0]\nvlan = 5\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, NVME " has no network interface (driver nvme)"));
	assert_int_equal(plan(w, "[vf ens1#2]\ndriver = vfio-pci\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, "VF 2 of " IGB " does not exist (it has 2 VFs)"));
	assert_int_equal(plan(w, "[sriov " NVME "]\nvfs = 5\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, "supports 0 to 4 VFs, not 5"));
	assert_int_equal(plan(w, "[sriov ens9]\nvfs = 1\n"), -ENODEV);
	assert_non_null(strstr(w->eb.msg, "no SR-IOV physical function ens9"));
	assert_int_equal(plan(w, "[bind 0000:00:1f.7]\ndriver = vfio-pci\n"), -ENODEV);
	assert_int_equal(plan(w, "[sriov " NVME "]\nvfs = 1\nlink = up\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, "link = up: " NVME " has no network interface"));
	/* One function, two drivers. */
	assert_int_equal(plan(w, "[vf ens1#0-1]\ndriver = vfio-pci\n"
			      "[bind 8086:10ca]\ndriver = igbvf\n"), -EINVAL);
	assert_non_null(strstr(w->eb.msg, "h.conf:3: " VF0 " is declared twice: driver "
			       "igbvf here, driver vfio-pci at line 1"));
	/* A vendor:device bind with no match (the card may come later): nothing. */
	assert_int_equal(plan(w, "[bind 10de:1eb8]\ndriver = vfio-pci\n"), 0);
	assert_int_equal(w->plan.n, 0);
}

static void test_bind_by_ids(void **state)
{
	struct world *w = *state;

	/* NVMe VFs by ids: the PF, which will have VFs, is left alone. */
	assert_int_equal(plan(w, "[sriov " NVME "]\nvfs = 2\n"
			      "[bind 1b36:0010]\ndriver = vfio-pci\n"
			      "[bind 8086:10ca]\ndriver = vfio-pci\n"
			      "[bind " EDU "]\ndriver = vfio-pci\n"), 0);
	assert_int_equal(w->plan.n, 5);
	step_is(w, 0, HOST_SET_VFS, NVME ": VFs 0 -> 2");
	step_is(w, 1, HOST_BIND, "VF 0 of " NVME " (new)");
	step_is(w, 2, HOST_BIND, "VF 1 of " NVME " (new)");
	step_is(w, 3, HOST_BIND, VF0 ": driver none -> vfio-pci");
	step_is(w, 4, HOST_BIND, EDU ": driver none -> vfio-pci");
	assert_int_equal(w->plan.steps[3].line, 5);
	/* The autoprobe alone. */
	assert_int_equal(plan(w, "[sriov " NVME "]\nvfs = 0\nautoprobe = no\n"), 0);
	step_is(w, 0, HOST_SET_VFS, NVME ": autoprobe on -> off");
}

static void test_pools(void **state)
{
	struct world *w = *state;

	assert_int_equal(plan(w, "[pool e]\naddress = " EDU "\n"), 0);
	assert_int_equal(w->plan.n, 1);
	step_is(w, 0, HOST_WRITE_POOLS, "write the pools file (1 pool from h.conf)");
	w->obs.pools = w->conf.pools;
	host_plan_free(&w->plan);
	assert_int_equal(host_plan_make(&w->conf, &w->obs, &w->plan, &w->eb), 0);
	assert_int_equal(w->plan.n, 0);
	w->obs.pools = NULL;
}

/* ---- host_apply on a fake sysfs ------------------------------------------ */

struct apply_world {
	struct fakesys fs;
	char state[300], pools[300], conf[300], proc[300];
	struct host_env env;
	size_t planned, done;
};

static void planned(void *opaque, const struct host_plan *p)
{
	((struct apply_world *)opaque)->planned = p->n;
}

static void reported(void *opaque, const char *verb, const struct host_step *s,
		     const char *detail)
{
	(void)s;
	(void)detail;
	if (!strcmp(verb, "done"))
		((struct apply_world *)opaque)->done++;
}

static int apply(struct apply_world *a, const char *text, bool dry, size_t *changed,
		 struct errbuf *eb)
{
	struct host_apply_ctx ctx = { .env = &a->env, .dry_run = dry, .planned = planned,
				      .report = reported, .opaque = a };
	struct host_conf conf;
	int ret;

	fakesys_write(&a->fs, "h.conf", text);
	ret = host_conf_load(a->conf, &conf, eb);
	if (ret)
		return ret;
	a->planned = a->done = 0;
	ret = host_apply(&ctx, &conf, changed, eb);
	host_conf_free(&conf);
	return ret;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_apply_fake(void **state)
{
	struct apply_world *a = calloc(1, sizeof(*a));
	static const char text[] = "[bind " EDU "]\ndriver = vfio-pci\n"
				   "[pool e]\naddress = " EDU "\n";
	struct lease l = { 0 };
	struct errbuf eb;
	size_t changed;
	char rec[1024];

	(void)state;
	fakesys_init(&a->fs);
	fakesys_add_pci(&a->fs, EDU, 0x1234, 0x11e8, 0x00ff00);
	fakesys_set_driver(&a->fs, EDU, "vfio-pci");
	fakesys_write(&a->fs, "proc/.keep", "");
	snprintf(a->state, sizeof(a->state), "%s/state", a->fs.root);
	snprintf(a->pools, sizeof(a->pools), "%s/etc/iopass/pools.conf", a->fs.root);
	snprintf(a->conf, sizeof(a->conf), "%s/h.conf", a->fs.root);
	snprintf(a->proc, sizeof(a->proc), "%s/proc", a->fs.root);
	a->env = (struct host_env){ a->fs.root, a->proc, "/dev", a->state, a->pools };

	/* Dry run: the plan, nothing written. */
	if (apply(a, text, true, &changed, &eb))
		fail_msg("%s", eb.msg);
	assert_int_equal(a->planned, 1);
	assert_int_equal(changed, 0);
	assert_null(slurp(a->pools));

	assert_int_equal(apply(a, text, false, &changed, &eb), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(a->done, 1);
	assert_non_null(strstr(slurp(a->pools), "[pool e]\naddress = " EDU "\n"));

	/* Again: nothing to do. */
	assert_int_equal(apply(a, text, false, &changed, &eb), 0);
	assert_int_equal(a->planned, 0);
	assert_int_equal(changed, 0);

	/* Held by a lease, to be moved: refused, and the pools file unchanged. */
	snprintf(l.bdf, sizeof(l.bdf), EDU);
	snprintf(l.owner, sizeof(l.owner), "tenant-a");
	l.since = 1;
	l.vf_index = -1;
	assert_int_equal(lease_format(&l, rec, sizeof(rec)), 0);
	fakesys_write(&a->fs, "state/leases/" EDU ".json", rec);
	assert_int_equal(apply(a, "[bind " EDU "]\ndriver = none\n[pool f]\naddress = "
			       EDU "\n", false, &changed, &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "refusing to move " EDU " to no driver: it is "
			       "leased to tenant-a"));
	assert_non_null(strstr(slurp(a->pools), "[pool e]"));
	assert_int_equal(a->done, 0);

	fakesys_cleanup(&a->fs);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_as_declared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_by_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools, setup, teardown),
		cmocka_unit_test(test_apply_fake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
