// SPDX-License-Identifier: GPL-2.0-only
/*
 * NIC placement and a VM's teardown, through orch/'s own calls on fake
 * trees: leases are real lease records against a fake sysfs (the fake
 * kernel cannot move devices, so the VFs sit on vfio-pci already), and
 * iopass-switch is a stand-in that answers on the control socket as the
 * switch does (the real one runs in tests/dpdk and tests/l1).
 *
 *   VF free        the NIC gets the VF, leased to the VM; no switch asked
 *   VF taken       it falls back to a vhost-user port on the switch
 *   VMDq           a switch whose uplink sorts in hardware: a VMDq pool
 *   VMDq full      every pool in use: no datapath, nothing left behind
 *   switch down    none runs and none may be started: no datapath
 *   switch fails   the one started exits: its log's words in the events
 *   teardown       leases back before the ports go, the name last; a
 *                  failed create gives back what it took
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "iopass/lease.h"
#include "iopass/orch.h"
#include "iopass/state.h"

#include "fakesys.h"

#define VF_NET		"0000:01:00.1"	/* pool uplink, a network VF */
#define VF_NVME		"0000:01:00.2"	/* pool nvme */

/* ---- a stand-in for iopass-switch --------------------------------------- */

struct standin {
	char ctl[108];
	char dir[256];
	int lfd;
	pthread_t thread;
	const char *classifier;
	unsigned int ports, max_pools;
	unsigned int hw_free;	/* NIC (VMDq) pools left, hardware only */
	pthread_mutex_t lock;
	char reqs[16][256];
	int nreqs;
	/* At "port del": what the VM had given back by then. */
	const char *state, *lease_bdf, *vm;
	bool del_seen, lease_gone_at_del, record_there_at_del;
};

static void standin_answer(struct standin *s, int fd, const char *req)
{
	char reply[512], name[64] = "";

	if (!strcmp(req, "stats")) {
		snprintf(reply, sizeof(reply),
			 "switch workers=1 classifier=%s ports=%u max_pools=%u hw_free=%u "
			 "lossless=no\nok\n", s->classifier, s->ports, s->max_pools, s->hw_free);
	} else if (sscanf(req, "port add %63s", name) == 1) {
		/* As iopass-switch: a NIC pool while one is free, else software. */
		bool hw = !strcmp(s->classifier, "hardware") && s->hw_free;

		if (hw)
			s->hw_free--;
		snprintf(reply, sizeof(reply),
			 "port name=%s path=%s/%s.sock mode=server backend=%s why=%s\nok\n",
			 name, s->dir, name, hw ? "hardware" : "software",
			 hw ? "-" : !strcmp(s->classifier, "hardware") ? "hw-pools-full" :
			 "no-vmdq");
	} else if (sscanf(req, "port del %63s", name) == 1) {
		char rec[128], *text = NULL;
		struct lease l;

		s->del_seen = true;
		s->lease_gone_at_del = !s->lease_bdf ||
				       lease_read(s->state, s->lease_bdf, &l, NULL) == -ENOENT;
		snprintf(rec, sizeof(rec), "vms/%s.json", s->vm ? s->vm : "-");
		s->record_there_at_del = s->vm && !state_read(s->state, rec, &text, NULL);
		free(text);
		snprintf(reply, sizeof(reply), "ok\n");
	} else {
		snprintf(reply, sizeof(reply), "err 22 unknown request\n");
	}
	if (write(fd, reply, strlen(reply)) < 0)
		return;
}

static void *standin_serve(void *arg)
{
	struct standin *s = arg;

	for (;;) {
		char req[256];
		int fd = accept(s->lfd, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			return NULL;
		n = read(fd, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		req[strcspn(req, "\n")] = '\0';
		pthread_mutex_lock(&s->lock);
		if (s->nreqs < 16)
			snprintf(s->reqs[s->nreqs++], sizeof(s->reqs[0]), "%s", req);
		standin_answer(s, fd, req);
		pthread_mutex_unlock(&s->lock);
		close(fd);
	}
}

static void standin_start(struct standin *s, const char *classifier,
			  unsigned int ports, unsigned int max_pools)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	s->classifier = classifier;
	s->ports = ports;
	s->max_pools = max_pools;
	s->hw_free = !strcmp(classifier, "hardware") ? max_pools - ports : 0;
	pthread_mutex_init(&s->lock, NULL);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->ctl);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 8), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, standin_serve, s), 0);
}

static void standin_stop(struct standin *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	close(s->lfd);
	pthread_join(s->thread, NULL);
	unlink(s->ctl);
}

static bool standin_got(struct standin *s, const char *prefix)
{
	bool got = false;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < s->nreqs; i++)
		got |= !strncmp(s->reqs[i], prefix, strlen(prefix));
	pthread_mutex_unlock(&s->lock);
	return got;
}

/* ---- the host ----------------------------------------------------------- */

struct host {
	struct fakesys sys, proc;
	char state[300], pools[300], log[300];
	struct orch_ctx ctx;
	struct standin sw;
	bool sw_running;
	char events[32][1024];
	int nevents;
};

static void on_event(void *opaque, enum orch_event kind, const char *msg)
{
	struct host *h = opaque;

	if (h->nevents < 32)
		snprintf(h->events[h->nevents++], sizeof(h->events[0]), "%d %s",
			 (int)kind, msg);
}

/* The event of kind holding needle, or NULL. */
static const char *event(struct host *h, enum orch_event kind, const char *needle)
{
	for (int i = 0; i < h->nevents; i++)
		if (atoi(h->events[i]) == (int)kind && strstr(h->events[i], needle))
			return h->events[i];
	return NULL;
}

static int setup(void **state)
{
	struct host *h = calloc(1, sizeof(*h));

	fakesys_init(&h->sys);
	fakesys_init(&h->proc);
	snprintf(h->state, sizeof(h->state), "%s/state", h->proc.root);
	snprintf(h->pools, sizeof(h->pools), "%s/pools.conf", h->proc.root);
	fakesys_add_pci(&h->sys, "0000:01:00.0", 0x8086, 0x10c9, 0x020000);
	fakesys_make_pf(&h->sys, "0000:01:00.0", 7, 2);
	fakesys_add_vf(&h->sys, "0000:01:00.0", 0, VF_NET, 0x8086, 0x10ca);
	fakesys_add_vf(&h->sys, "0000:01:00.0", 1, VF_NVME, 0x8086, 0x10ca);
	fakesys_set_attr(&h->sys, VF_NET, "class", "0x020000\n");
	fakesys_set_group(&h->sys, VF_NET, 11);
	fakesys_set_group(&h->sys, VF_NVME, 12);
	/* Already on vfio-pci: the fake kernel cannot move devices. */
	fakesys_set_driver(&h->sys, VF_NET, "vfio-pci");
	fakesys_set_driver(&h->sys, VF_NVME, "vfio-pci");
	fakesys_write(&h->proc, "self/mountinfo", "");
	fakesys_write(&h->proc, "pools.conf",
		      "[pool uplink]\naddress = " VF_NET "\n"
		      "[pool nvme]\naddress = " VF_NVME "\n");
	orch_ctx_init(&h->ctx);
	h->ctx.state = h->state;
	h->ctx.sysfs = h->sys.root;
	h->ctx.procfs = h->proc.root;
	h->ctx.pools = h->pools;
	h->ctx.event = on_event;
	h->ctx.opaque = h;
	/* A socket path must fit sun_path: a temp dir always does. */
	if (snprintf(h->sw.ctl, sizeof(h->sw.ctl), "%s/sw.sock",
		     h->proc.root) >= (int)sizeof(h->sw.ctl))
		return -1;
	snprintf(h->sw.dir, sizeof(h->sw.dir), "%s", h->proc.root);
	h->sw.state = h->state;
	h->ctx.switch_ctl = h->sw.ctl;
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct host *h = *state;

	if (h->sw_running)
		standin_stop(&h->sw);
	fakesys_cleanup(&h->sys);
	fakesys_cleanup(&h->proc);
	free(h);
	return 0;
}

static void run_switch(struct host *h, const char *classifier, unsigned int ports,
		       unsigned int max_pools)
{
	standin_start(&h->sw, classifier, ports, max_pools);
	h->sw_running = true;
}

/* Someone else's persistent lease of bdf: the pool has nothing free. */
static void take(struct host *h, const char *bdf)
{
	struct lease_ctx lc = orch_lease_ctx(&h->ctx, 0);
	struct pci_addr a;
	struct lease l;
	struct errbuf eb;

	pci_addr_parse(bdf, &a);
	assert_int_equal(lease_acquire(&lc, &a, 1, "someone-else", "", NULL, "vfio-pci",
				       NULL, &l, &eb), 0);
}

static bool owner_files(struct host *h)
{
	char **names;
	size_t n;
	bool any;

	if (state_list(h->state, "vhost", ".owner", &names, &n))
		return false;
	any = n > 0;
	state_list_free(names, n);
	return any;
}

/* ---- placement ---------------------------------------------------------- */

static void test_vf_free(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;
	struct lease l;

	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), 0);
	assert_int_equal(nic.path, ORCH_NIC_VF);
	assert_string_equal(nic.bdf, VF_NET);
	assert_string_equal(nic.why, "a VF of the pool was free");
	assert_non_null(event(h, ORCH_EVENT_INFO, "nic0 pool:uplink: vf " VF_NET));
	/* Held by this process for the VM; no switch was needed. */
	assert_int_equal(lease_read(h->state, VF_NET, &l, NULL), 0);
	assert_string_equal(l.owner, "vm:web1");
	assert_int_equal(l.pid, getpid());
	assert_false(nic.port[0]);
	assert_null(event(h, ORCH_EVENT_INFO, "starting iopass-switch"));

	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
	assert_int_equal(lease_read(h->state, VF_NET, &l, NULL), -ENOENT);
}

static void test_vf_not_a_nic(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;

	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:nvme", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), 0);
	assert_int_equal(nic.path, ORCH_NIC_VF);
	assert_non_null(event(h, ORCH_EVENT_INFO, "is not a network controller"));
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

static void test_vf_taken(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;
	char want[512];

	take(h, VF_NET);
	run_switch(h, "software", 1, 256);
	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink,mac=52:54:00:00:00:07,vlan=7",
				       &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 2, &leases, &eb), 0);
	assert_int_equal(nic.path, ORCH_NIC_VHOST_USER);
	assert_non_null(strstr(nic.why, "no VF (no free device in pool uplink: 1 candidate(s), 1 leased"));
	assert_non_null(strstr(nic.why, "no VMDq (iopass-switch's uplink has no VMDq"));
	assert_non_null(strstr(nic.why, "falling back to a vhost-user port"));
	/* The port: named after this VMM, the NIC's MAC and VLAN, server mode. */
	snprintf(want, sizeof(want), "port add vm%d-nic2 mac=52:54:00:00:00:07 vlan=7 mode=server",
		 (int)getpid());
	assert_true(standin_got(&h->sw, want));
	snprintf(want, sizeof(want), "%s/vm%d-nic2.sock", h->proc.root, (int)getpid());
	assert_string_equal(nic.cfg.socket, want);
	assert_true(nic.cfg.mac_set);
	assert_true(owner_files(h));
	assert_int_equal(leases.n, 0);

	orch_nic_release(&h->ctx, &nic);
	snprintf(want, sizeof(want), "port del vm%d-nic2", (int)getpid());
	assert_true(standin_got(&h->sw, want));
	assert_false(owner_files(h));
	assert_false(nic.port[0]);
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

static void test_vmdq(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;

	take(h, VF_NET);
	run_switch(h, "hardware", 3, 8);
	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), 0);
	assert_int_equal(nic.path, ORCH_NIC_VMDQ);
	assert_non_null(strstr(nic.why, "the NIC has a free VMDq pool"));
	assert_non_null(event(h, ORCH_EVENT_INFO, "vmdq pool, port vm"));
	orch_nic_release(&h->ctx, &nic);
	assert_false(owner_files(h));
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

/* The NIC's pools are taken, the switch's ports are not: a software port. */
static void test_vmdq_hw_full(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;

	take(h, VF_NET);
	run_switch(h, "hardware", 3, 8);
	h->sw.hw_free = 0;
	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), 0);
	assert_int_equal(nic.path, ORCH_NIC_VHOST_USER);
	assert_non_null(strstr(nic.why, "every hardware VMDq pool of the uplink is in use"));
	orch_nic_release(&h->ctx, &nic);
	assert_false(owner_files(h));
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

static void test_vmdq_full(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;

	take(h, VF_NET);
	run_switch(h, "hardware", 8, 8);
	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), -ENODEV);
	assert_int_equal(nic.path, ORCH_NIC_NONE);
	assert_non_null(strstr(eb.msg, "--nic pool:uplink: no datapath: no VF ("));
	assert_non_null(strstr(eb.msg, "no VMDq (no pool left)"));
	assert_non_null(strstr(eb.msg, "no vhost-user (iopass-switch has all its 8 ports in use)"));
	assert_true(orch_err_fixable(-ENODEV));
	/* Nothing taken: no port asked for, no owner lock, no lease. */
	assert_false(standin_got(&h->sw, "port add"));
	assert_false(owner_files(h));
	assert_int_equal(leases.n, 0);
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

static void test_switch_down(void **state)
{
	struct host *h = *state;
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;

	take(h, VF_NET);
	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), -ENODEV);
	assert_non_null(strstr(eb.msg, "no VMDq (no iopass-switch)"));
	assert_non_null(strstr(eb.msg,
		"no vhost-user (no iopass-switch runs, and this VMM may not start one)"));
	assert_false(owner_files(h));
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

static void test_switch_start_fails(void **state)
{
	struct host *h = *state;
	struct orch_switch_opts opts = { .wait_s = 20, .no_huge = true };
	struct orch_leases leases;
	struct orch_nic nic;
	struct errbuf eb;
	char bin[300];

	/* An iopass-switch that cannot start: what DPDK says, then exit 1. */
	snprintf(bin, sizeof(bin), "%s/iopass-switch", h->proc.root);
	fakesys_write(&h->proc, "iopass-switch",
		      "#!/bin/sh\necho 'EAL: Cannot get hugepage information.' >&2\nexit 1\n");
	assert_int_equal(chmod(bin, 0755), 0);
	snprintf(h->log, sizeof(h->log), "%s/switch.log", h->proc.root);
	opts.bin = bin;
	opts.log = h->log;
	h->ctx.switch_start = &opts;
	take(h, VF_NET);
	orch_leases_init(&leases, "web1");
	assert_int_equal(orch_nic_init(&nic, "pool:uplink", &eb), 0);
	assert_int_equal(orch_nic_place(&h->ctx, &nic, 0, &leases, &eb), -ENODEV);
	assert_non_null(event(h, ORCH_EVENT_INFO, "starting iopass-switch"));
	assert_non_null(event(h, ORCH_EVENT_WARN, "exited (status 1) before it answered"));
	/* The switch's own words say why: the log's last line comes along. */
	assert_non_null(event(h, ORCH_EVENT_WARN, "EAL: Cannot get hugepage information."));
	assert_null(event(h, ORCH_EVENT_SWITCH_STARTED, ""));
	assert_non_null(strstr(eb.msg, "no vhost-user (iopass-switch did not start"));
	assert_false(owner_files(h));
	assert_int_equal(orch_leases_release(&h->ctx, &leases, &eb), 0);
}

/* ---- a VM's life without a VMM: what it takes, and the order it goes ---- */

static void *run_vm(void *arg)
{
	struct vm_exit ex;
	struct errbuf eb;

	return (void *)(intptr_t)orch_vm_run(arg, &ex, &eb);
}

static const char *member(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");
		json_object *v;

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (isdigit((unsigned char)key[0]))
			v = json_object_array_get_idx(o, (size_t)atoi(key));
		else if (!json_object_object_get_ex(o, key, &v))
			v = NULL;
		o = v;
		path += n + (path[n] == '.');
	}
	return o ? json_object_get_string(o) : "";
}

static void test_teardown_order(void **state)
{
	struct host *h = *state;
	struct orch_vm_config cfg;
	struct orch_vm *vm;
	struct errbuf eb;
	json_object *o;
	char *reply, *text = NULL, port[64];
	struct lease l;
	pthread_t t;
	void *ret;

	take(h, VF_NET);
	run_switch(h, "software", 0, 256);
	h->sw.lease_bdf = VF_NVME;
	h->sw.vm = "t1";
	orch_vm_config_init(&cfg);
	cfg.vm.kernel = NULL;		/* no VMM: the VM only holds */
	cfg.name = "t1";
	assert_int_equal(orch_vm_config_add_device(&cfg, "pool:nvme", &eb), 0);
	assert_int_equal(orch_vm_config_add_nic(&cfg, "pool:uplink", &eb), 0);
	assert_int_equal(orch_vm_create(&h->ctx, &cfg, &vm, &eb), 0);

	/* What it took, as its control socket tells a fleet agent. */
	assert_int_equal(lease_read(h->state, VF_NVME, &l, NULL), 0);
	assert_string_equal(l.owner, "vm:t1");
	assert_int_equal(orch_control_call(h->state, "t1", "status", &reply, 2000, &eb), 0);
	o = json_tokener_parse(reply);
	assert_string_equal(member(o, "vm.name"), "t1");
	assert_string_equal(member(o, "vm.state"), "created");
	assert_string_equal(member(o, "vm.devices.0.spec"), "pool:nvme");
	assert_string_equal(member(o, "vm.devices.0.bdf"), VF_NVME);
	assert_string_equal(member(o, "vm.devices.0.pool"), "nvme");
	assert_string_equal(member(o, "vm.nics.0.path"), "vhost-user");
	snprintf(port, sizeof(port), "vm%d-nic0", (int)getpid());
	assert_string_equal(member(o, "vm.nics.0.port"), port);
	json_object_put(o);
	free(reply);

	/* Stopped through the control socket, as `iopass vm stop` does. */
	assert_int_equal(pthread_create(&t, NULL, run_vm, vm), 0);
	assert_int_equal(orch_control_call(h->state, "t1", "stop", &reply, 2000, &eb), 0);
	free(reply);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);

	assert_int_equal(orch_vm_destroy(vm, &eb), 0);
	/* The port went after the leases and before the name. */
	assert_true(h->sw.del_seen);
	assert_true(h->sw.lease_gone_at_del);
	assert_true(h->sw.record_there_at_del);
	/* And everything is back. */
	assert_int_equal(lease_read(h->state, VF_NVME, &l, NULL), -ENOENT);
	assert_int_equal(state_read(h->state, "vms/t1.json", &text, NULL), -ENOENT);
	assert_false(state_lock_held(h->state, "vms/t1.lock"));
	assert_false(owner_files(h));
	assert_int_equal(orch_control_call(h->state, "t1", "status", &reply, 500, &eb),
			 -ENOENT);
}

static void test_failed_create_gives_back(void **state)
{
	struct host *h = *state;
	struct orch_vm_config cfg;
	struct orch_vm *vm;
	struct errbuf eb;
	struct lease l;
	char *text = NULL;

	/* nic0 gets the NVMe VF; nic1 finds no VF and no switch. */
	take(h, VF_NET);
	orch_vm_config_init(&cfg);
	cfg.vm.kernel = NULL;
	cfg.name = "t2";
	assert_int_equal(orch_vm_config_add_nic(&cfg, "pool:nvme", &eb), 0);
	assert_int_equal(orch_vm_config_add_nic(&cfg, "pool:uplink", &eb), 0);
	assert_int_equal(orch_vm_create(&h->ctx, &cfg, &vm, &eb), -ENODEV);
	assert_null(vm);
	assert_non_null(strstr(eb.msg, "--nic pool:uplink: no datapath"));
	assert_non_null(event(h, ORCH_EVENT_INFO, "nic0 pool:nvme: vf " VF_NVME));
	assert_int_equal(lease_read(h->state, VF_NVME, &l, NULL), -ENOENT);
	assert_int_equal(state_read(h->state, "vms/t2.json", &text, NULL), -ENOENT);
	assert_false(owner_files(h));
}

static void test_config_checks(void **state)
{
	struct orch_vm_config cfg;
	struct errbuf eb = { "" };

	(void)state;
	orch_vm_config_init(&cfg);
	assert_int_equal(orch_vm_config_add_device(&cfg, "00:03.0", &eb), 0);
	assert_int_equal(orch_vm_config_add_device(&cfg, "0000:00:03.0", &eb), -EBUSY);
	assert_non_null(strstr(eb.msg, "is given twice (as '00:03.0' and '0000:00:03.0')"));
	assert_int_equal(orch_vm_config_add_device(&cfg, "pool:", &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "the pool name is missing"));
	assert_int_equal(orch_vm_config_add_nic(&cfg, "tap:x", &eb), -EINVAL);
	assert_int_equal(cfg.ndevices, 1);
	assert_int_equal(cfg.nnics, 0);
	for (int i = 0; i < ORCH_NICS_MAX; i++)
		assert_int_equal(orch_vm_config_add_nic(&cfg, "vhost-user:/x", &eb), 0);
	assert_int_equal(orch_vm_config_add_nic(&cfg, "vhost-user:/x", &eb), -E2BIG);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vf_free),
		T(test_vf_not_a_nic),
		T(test_vf_taken),
		T(test_vmdq),
		T(test_vmdq_hw_full),
		T(test_vmdq_full),
		T(test_switch_down),
		T(test_switch_start_fails),
		T(test_teardown_order),
		T(test_failed_create_gives_back),
		cmocka_unit_test(test_config_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
