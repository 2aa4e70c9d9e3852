// SPDX-License-Identifier: GPL-2.0-only
/*
 * A NIC's datapath, best first: a VF of the pool (the guest drives the NIC's
 * own queues, nothing in between), a hardware VMDq queue pool (the NIC sorts
 * frames, the switch only moves them), a vhost-user port on iopass-switch
 * (everything in software). The reason each better path was passed over is
 * part of the answer: an operator must see why a VM got the slow path.
 */
#include <stdio.h>

#include "iopass/orch.h"

const char *nic_path_name(enum nic_path p)
{
	switch (p) {
	case NIC_PATH_VF:
		return "vf";
	case NIC_PATH_VMDQ:
		return "vmdq";
	case NIC_PATH_VHOST_USER:
		return "vhost-user";
	case NIC_PATH_NONE:
	default:
		return "none";
	}
}

static const char *or_unknown(const char *why)
{
	return why && *why ? why : "unavailable";
}

enum nic_path nic_path_choose(const struct nic_paths *p, char *why,
			      size_t len)
{
	if (p->vf_free) {
		snprintf(why, len, "a VF of the pool was free");
		return NIC_PATH_VF;
	}
	if (p->vmdq) {
		snprintf(why, len, "no VF (%s); the NIC has a free VMDq pool",
			 or_unknown(p->vf_why));
		return NIC_PATH_VMDQ;
	}
	if (p->vhost_user) {
		snprintf(why, len, "no VF (%s), no VMDq (%s); falling back to a vhost-user port on iopass-switch",
			 or_unknown(p->vf_why), or_unknown(p->vmdq_why));
		return NIC_PATH_VHOST_USER;
	}
	snprintf(why, len, "no VF (%s), no VMDq (%s), no vhost-user (%s)",
		 or_unknown(p->vf_why), or_unknown(p->vmdq_why),
		 or_unknown(p->vhost_why));
	return NIC_PATH_NONE;
}
