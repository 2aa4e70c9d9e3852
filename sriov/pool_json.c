// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pools and PCI functions as JSON, the formats docs/pools.md and `iopass
 * list --json` describe, kept with the parser so that one place defines
 * them: a front end adds what only it knows (lease status, names, groups).
 */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>

#include <json-c/json.h>

#include "iopass/lease.h"
#include "iopass/sriov.h"

static json_object *int_or_null(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

static json_object *hex_string(unsigned int v, int digits)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%0*x", digits, v);
	return json_object_new_string(buf);
}

json_object *pci_func_json(const struct pci_func *f)
{
	json_object *o = json_object_new_object();
	char pf[PCI_ADDR_STRLEN];

	json_object_object_add(o, "bdf", json_object_new_string(f->bdf));
	json_object_object_add(o, "vendor_id", hex_string(f->vendor, 4));
	json_object_object_add(o, "device_id", hex_string(f->device, 4));
	json_object_object_add(o, "class", hex_string(f->class, 6));
	json_object_object_add(o, "driver", f->driver[0] ?
			       json_object_new_string(f->driver) : NULL);
	json_object_object_add(o, "numa_node", int_or_null(f->numa_node));
	json_object_object_add(o, "sriov_totalvfs", int_or_null(f->sriov_total));
	json_object_object_add(o, "sriov_numvfs", f->sriov_total < 0 ? NULL :
			       json_object_new_int(f->sriov_num));
	json_object_object_add(o, "is_vf", json_object_new_boolean(f->is_vf));
	if (f->is_vf)
		pci_addr_format(&f->pf, pf);
	json_object_object_add(o, "physfn", f->is_vf ?
			       json_object_new_string(pf) : NULL);
	json_object_object_add(o, "vf_index", int_or_null(f->vf_index));
	return o;
}

static json_object *selectors_json(const struct pool *p)
{
	json_object *o = json_object_new_object(), *a;
	char buf[128];

	a = json_object_new_array();
	for (size_t i = 0; i < p->nvendors; i++)
		json_object_array_add(a, hex_string(p->vendors[i], 4));
	json_object_object_add(o, "vendor", a);
	a = json_object_new_array();
	for (size_t i = 0; i < p->ndevices; i++)
		json_object_array_add(a, hex_string(p->devices[i], 4));
	json_object_object_add(o, "device", a);
	a = json_object_new_array();
	for (size_t i = 0; i < p->naddrs; i++) {
		pci_addr_format(&p->addrs[i], buf);
		json_object_array_add(a, json_object_new_string(buf));
	}
	json_object_object_add(o, "address", a);
	a = json_object_new_array();
	for (size_t i = 0; i < p->ndrivers; i++)
		json_object_array_add(a, json_object_new_string(p->drivers[i][0] ?
							p->drivers[i] : "none"));
	json_object_object_add(o, "driver", a);
	a = json_object_new_array();
	for (size_t i = 0; i < p->nclasses; i++)
		json_object_array_add(a, json_object_new_string(
					      pool_class_name(p->classes[i])));
	json_object_object_add(o, "class", a);
	a = json_object_new_array();
	for (size_t i = 0; i < p->npfs; i++) {
		pool_pf_format(&p->pfs[i], buf, sizeof(buf));
		json_object_array_add(a, json_object_new_string(buf));
	}
	json_object_object_add(o, "pf", a);
	json_object_object_add(o, "vfs_only", json_object_new_boolean(p->vfs_only));
	return o;
}

json_object *pool_json(const struct pool *p)
{
	json_object *o = json_object_new_object(), *vf = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "line", json_object_new_int((int)p->line));
	json_object_object_add(o, "selectors", selectors_json(p));
	/* A setting the pool leaves alone is null: the VF keeps its own. */
	vf_settings_json_add(vf, &p->vf.want, p->vf.mask, VF_JSON_NULLS);
	if (p->vf.mac_auto)
		json_object_object_add(vf, "mac", json_object_new_string("auto"));
	json_object_object_add(o, "vf_settings", vf);
	return o;
}

const char *pool_member_status(const char *state, const char *bdf, char *owner,
			       size_t len)
{
	struct lease l;
	int ret = lease_read(state, bdf, &l, NULL);

	snprintf(owner, len, "%s", ret ? "" : l.owner);
	return ret == -ENOENT ? "free" : ret == -EINVAL ? "broken" : ret ? "unknown" : "leased";
}

json_object *pool_members_json(const char *state, const struct pool *p,
			       const struct pci_func *funcs, const size_t *m, size_t nm)
{
	json_object *o = pool_json(p), *a = json_object_new_array();

	for (size_t i = 0; i < nm; i++) {
		json_object *f = pci_func_json(&funcs[m[i]]);
		char owner[sizeof(((struct lease *)0)->owner)];
		const char *st = pool_member_status(state, funcs[m[i]].bdf, owner,
						    sizeof(owner));

		json_object_object_add(f, "status", json_object_new_string(st));
		json_object_object_add(f, "owner", owner[0] ?
				       json_object_new_string(owner) : NULL);
		json_object_array_add(a, f);
	}
	json_object_object_add(o, "members", a);
	return o;
}

json_object *pci_func_list_json(const struct pci_func *f, int group,
				const struct pci_names *nm)
{
	json_object *o = pci_func_json(f);

	json_object_object_add(o, "class_name", json_object_new_string(nm->class));
	json_object_object_add(o, "vendor_name", json_object_new_string(nm->vendor));
	json_object_object_add(o, "device_name", json_object_new_string(nm->device));
	json_object_object_add(o, "iommu_group", group < 0 ? NULL : json_object_new_int(group));
	json_object_object_add(o, "reset_method", f->reset_method[0] ?
			       json_object_new_string(f->reset_method) : NULL);
	return o;
}

json_object *sriov_pf_json(const struct sriov_pf *pf)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pf", json_object_new_string(pf->f.bdf));
	json_object_object_add(o, "driver", pf->f.driver[0] ?
			       json_object_new_string(pf->f.driver) : NULL);
	json_object_object_add(o, "totalvfs", json_object_new_int(pf->f.sriov_total));
	json_object_object_add(o, "numvfs", json_object_new_int(pf->f.sriov_num));
	json_object_object_add(o, "autoprobe", json_object_new_boolean(pf->autoprobe));
	json_object_object_add(o, "leased", json_object_new_int(pf->leased));
	return o;
}
