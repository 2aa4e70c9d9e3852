// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass metrics: what iopass knows about the host, in the Prometheus text
 * format for node_exporter's textfile collector. Leases per pool and
 * holder, VMs and what they hold, SR-IOV VFs per PF and driver, pool
 * sizes, and host check's findings (so that a failed check can alert).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/lease.h"
#include "iopass/orch.h"
#include "host_impl.h"

static void leases(const struct host_env *env, struct prom *p)
{
	struct lease *l = NULL;
	size_t n = 0, orphaned = 0;

	lease_list(env->state, &l, &n, NULL);
	prom_family(p, "iopass_lease_info", "gauge",
		    "A leased PCI function (1 per lease); holder is process (held by a "
		    "live process), gone (its holder died: iopass gc releases it) or "
		    "persistent (iopass assign without a command).");
	for (size_t i = 0; i < n; i++) {
		enum lease_holder h = lease_holder(env->state, &l[i], NULL, 0);

		orphaned += h == LEASE_GONE;
		prom_sample(p, "iopass_lease_info", 1, "bdf", l[i].bdf, "pool", l[i].pool,
			    "owner", l[i].owner, "holder", h == LEASE_PERSISTENT ? "persistent" :
			    h == LEASE_GONE ? "gone" : "process", NULL);
	}
	prom_family(p, "iopass_leases", "gauge", "Leases per pool and owner.");
	for (size_t i = 0; i < n; i++) {
		size_t count = 0;
		bool seen = false;

		for (size_t k = 0; k < n; k++) {
			bool same = !strcmp(l[k].pool, l[i].pool) && !strcmp(l[k].owner, l[i].owner);

			if (same && k < i)
				seen = true;
			count += same;
		}
		if (!seen)
			prom_sample(p, "iopass_leases", count, "pool", l[i].pool,
				    "owner", l[i].owner, NULL);
	}
	prom_family(p, "iopass_leases_orphaned", "gauge",
		    "Leases whose holding process died (iopass gc releases them).");
	prom_sample(p, "iopass_leases_orphaned", orphaned, NULL);
	free(l);
}

static size_t array_len(json_object *o, const char *key)
{
	json_object *a;

	return o && json_object_object_get_ex(o, key, &a) &&
	       json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static uint64_t int_field(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static void vms(const struct host_env *env, struct prom *p)
{
	struct orch_vm_entry *e = NULL;
	size_t n = 0, running = 0;
	json_object **d;

	orch_registry_list(env->state, &e, &n, NULL);
	d = calloc(n ? n : 1, sizeof(*d));
	for (size_t i = 0; d && i < n; i++) {
		d[i] = e[i].details ? json_tokener_parse(e[i].details) : NULL;
		running += e[i].alive;
	}
	prom_family(p, "iopass_vms", "gauge", "Named VMs by state: running, or dead (a "
		    "record left by a VMM that died; iopass gc removes it).");
	prom_sample(p, "iopass_vms", running, "state", "running", NULL);
	prom_sample(p, "iopass_vms", n - running, "state", "dead", NULL);
	prom_family(p, "iopass_vm_up", "gauge", "1 when the named VM's VMM runs, 0 when "
		    "only its record is left.");
	for (size_t i = 0; i < n; i++)
		prom_sample(p, "iopass_vm_up", e[i].alive, "vm", e[i].name, NULL);
	prom_family(p, "iopass_vm_start_time_seconds", "gauge",
		    "When the VM started, in seconds since the epoch.");
	for (size_t i = 0; i < n; i++)
		prom_sample(p, "iopass_vm_start_time_seconds", (uint64_t)e[i].started,
			    "vm", e[i].name, NULL);
	prom_family(p, "iopass_vm_memory_bytes", "gauge", "The VM's guest RAM.");
	for (size_t i = 0; d && i < n; i++)
		prom_sample(p, "iopass_vm_memory_bytes", int_field(d[i], "mem"), "vm",
			    e[i].name, NULL);
	prom_family(p, "iopass_vm_vcpus", "gauge", "The VM's virtual CPUs.");
	for (size_t i = 0; d && i < n; i++)
		prom_sample(p, "iopass_vm_vcpus", int_field(d[i], "cpus"), "vm", e[i].name,
			    NULL);
	prom_family(p, "iopass_vm_devices", "gauge", "Devices assigned to the VM (--device).");
	for (size_t i = 0; d && i < n; i++)
		prom_sample(p, "iopass_vm_devices", array_len(d[i], "devices"), "vm",
			    e[i].name, NULL);
	prom_family(p, "iopass_vm_nics", "gauge", "The VM's NICs (--nic).");
	for (size_t i = 0; d && i < n; i++)
		prom_sample(p, "iopass_vm_nics", array_len(d[i], "nics"), "vm", e[i].name,
			    NULL);
	for (size_t i = 0; d && i < n; i++)
		json_object_put(d[i]);
	free(d);
	orch_vms_free(e, n);
}

static bool leased(const struct lease *l, size_t n, const char *bdf)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].bdf, bdf))
			return true;
	return false;
}

static void sriov(const struct pci_func *f, size_t n,
		  const struct lease *l, size_t nl, struct prom *p)
{
	prom_family(p, "iopass_sriov_totalvfs", "gauge", "VFs an SR-IOV PF supports.");
	for (size_t i = 0; i < n; i++)
		if (f[i].sriov_total >= 0 && !f[i].is_vf)
			prom_sample(p, "iopass_sriov_totalvfs", (uint64_t)f[i].sriov_total,
				    "pf", f[i].bdf, "pf_driver", f[i].driver, NULL);
	prom_family(p, "iopass_sriov_numvfs", "gauge", "VFs an SR-IOV PF has now.");
	for (size_t i = 0; i < n; i++)
		if (f[i].sriov_total >= 0 && !f[i].is_vf)
			prom_sample(p, "iopass_sriov_numvfs", (uint64_t)f[i].sriov_num,
				    "pf", f[i].bdf, "pf_driver", f[i].driver, NULL);
	prom_family(p, "iopass_sriov_vfs", "gauge",
		    "VFs per PF by the driver they are bound to (none: no driver) and "
		    "whether they are leased.");
	for (size_t i = 0; i < n; i++) {
		if (f[i].sriov_total < 0 || f[i].is_vf)
			continue;
		/* Each (driver, leased) pair once, counted over the PF's VFs. */
		for (size_t v = 0; v < n; v++) {
			char pf[PCI_ADDR_STRLEN];
			size_t count = 0;
			bool lv, dup = false;

			if (!f[v].is_vf)
				continue;
			pci_addr_format(&f[v].pf, pf);
			if (strcmp(pf, f[i].bdf))
				continue;
			lv = leased(l, nl, f[v].bdf);
			for (size_t k = 0; k < n; k++) {
				char pk[PCI_ADDR_STRLEN];

				if (!f[k].is_vf)
					continue;
				pci_addr_format(&f[k].pf, pk);
				if (strcmp(pk, pf) || strcmp(f[k].driver, f[v].driver) ||
				    leased(l, nl, f[k].bdf) != lv)
					continue;
				if (k < v)
					dup = true;
				count++;
			}
			if (!dup)
				prom_sample(p, "iopass_sriov_vfs", count, "pf", f[i].bdf,
					    "driver", f[v].driver[0] ? f[v].driver : "none",
					    "leased", lv ? "yes" : "no",
					    NULL);
		}
	}
}

static void pools(const struct host_env *env, const struct pci_func *f, size_t n,
		  const struct lease *l, size_t nl, struct prom *p)
{
	struct pool_conf conf;

	if (!env->pools || pool_conf_load(env->pools, &conf, NULL))
		return;
	prom_family(p, "iopass_pool_members", "gauge",
		    "PCI functions a pool holds now (docs/pools.md).");
	for (size_t i = 0; i < conf.npools; i++) {
		size_t *m = NULL, nm = 0;

		pool_match(env->sysfs, &conf.pools[i], f, n, &m, &nm, NULL);
		prom_sample(p, "iopass_pool_members", nm, "pool", conf.pools[i].name, NULL);
		free(m);
	}
	prom_family(p, "iopass_pool_leased", "gauge", "Members of a pool that are leased.");
	for (size_t i = 0; i < conf.npools; i++) {
		size_t *m = NULL, nm = 0, nleased = 0;

		pool_match(env->sysfs, &conf.pools[i], f, n, &m, &nm, NULL);
		for (size_t k = 0; k < nm; k++)
			nleased += leased(l, nl, f[m[k]].bdf);
		prom_sample(p, "iopass_pool_leased", nleased, "pool", conf.pools[i].name, NULL);
		free(m);
	}
	pool_conf_free(&conf);
}

static void checks(const struct host_env *env, struct prom *p)
{
	struct host_check_opts o = { .vm_mem = 1ULL << 30 };
	struct host_report rep;

	if (host_check(env, &o, &rep, NULL))
		return;
	prom_family(p, "iopass_host_check", "gauge",
		    "iopass host check's findings: 0 ok, 1 warn, 2 fail.");
	for (size_t i = 0; i < rep.n; i++)
		prom_sample(p, "iopass_host_check", (uint64_t)rep.f[i].level, "check",
			    rep.f[i].check, NULL);
	host_report_free(&rep);
}

int host_metrics(const struct host_env *env, struct prom *p, struct errbuf *eb)
{
	struct pci_func *f = NULL;
	struct lease *l = NULL;
	size_t n = 0, nl = 0;
	int ret;

	ret = pci_func_scan(env->sysfs, &f, &n, eb);
	if (ret)
		return ret;
	lease_list(env->state, &l, &nl, NULL);
	leases(env, p);
	vms(env, p);
	sriov(f, n, l, nl, p);
	pools(env, f, n, l, nl, p);
	checks(env, p);
	free(f);
	free(l);
	if (p->oom)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	return 0;
}
