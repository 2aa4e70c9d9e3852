// SPDX-License-Identifier: GPL-2.0-only
/*
 * A NIC's datapath, best first: a VF of the pool (the guest drives the NIC's
 * own queues, nothing in between), a hardware VMDq queue pool (the NIC sorts
 * frames, the switch only moves them), a vhost-user port on iopass-switch
 * (everything in software). The reason each better path was passed over is
 * part of the answer: an operator must see why a VM got the slow path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/orch.h"

const char *orch_nic_path_name(enum orch_nic_path p)
{
	switch (p) {
	case ORCH_NIC_VF:
		return "vf";
	case ORCH_NIC_VMDQ:
		return "vmdq";
	case ORCH_NIC_VHOST_USER:
		return "vhost-user";
	case ORCH_NIC_NONE:
	default:
		return "none";
	}
}

static const char *or_unknown(const char *why)
{
	return why && *why ? why : "unavailable";
}

enum orch_nic_path orch_nic_path_choose(const struct orch_nic_paths *p, char *why,
					size_t len)
{
	if (p->vf_free) {
		snprintf(why, len, "a VF of the pool was free");
		return ORCH_NIC_VF;
	}
	if (p->vmdq) {
		snprintf(why, len, "no VF (%s); the NIC has a free VMDq pool",
			 or_unknown(p->vf_why));
		return ORCH_NIC_VMDQ;
	}
	if (p->vhost_user) {
		snprintf(why, len, "no VF (%s), no VMDq (%s); falling back to a vhost-user port on iopass-switch",
			 or_unknown(p->vf_why), or_unknown(p->vmdq_why));
		return ORCH_NIC_VHOST_USER;
	}
	snprintf(why, len, "no VF (%s), no VMDq (%s), no vhost-user (%s)",
		 or_unknown(p->vf_why), or_unknown(p->vmdq_why),
		 or_unknown(p->vhost_why));
	return ORCH_NIC_NONE;
}

static int nic_opt(struct orch_nic_spec *n, const char *s, size_t len,
		   const char *spec, struct errbuf *eb)
{
	if (len > 4 && !strncmp(s, "mac=", 4)) {
		if (mac_parse(s + 4, len - 4, n->mac))
			return errbuf_set(eb, -EINVAL,
				"--nic '%s': mac must be six hex octets like 52:54:00:12:34:56 ('%.*s' is not a unicast MAC)",
				spec, (int)(len - 4), s + 4);
		/* A multicast or all-zero MAC cannot be a NIC's own address. */
		if ((n->mac[0] & 1) || !(n->mac[0] | n->mac[1] | n->mac[2] |
					 n->mac[3] | n->mac[4] | n->mac[5]))
			return errbuf_set(eb, -EINVAL,
				"--nic '%s': '%.*s' is not a unicast MAC (a NIC's own address is unicast and not zero)",
				spec, (int)(len - 4), s + 4);
		n->has_mac = true;
		return 0;
	}
	if (len == 6 && !strncmp(s, "server", 6) && !n->is_pool) {
		n->vhost.server = true;
		return 0;
	}
	if (len > 5 && !strncmp(s, "vlan=", 5) && n->is_pool) {
		char buf[8], *end;
		long v;

		if (len - 5 >= sizeof(buf))
			goto bad_vlan;
		memcpy(buf, s + 5, len - 5);
		buf[len - 5] = '\0';
		v = strtol(buf, &end, 10);
		if (*end || end == buf || v < 1 || v > 4094)
			goto bad_vlan;
		n->vlan = (int)v;
		return 0;
bad_vlan:
		return errbuf_set(eb, -EINVAL,
			"--nic '%s': VLAN '%.*s' is not a number from 1 to 4094",
			spec, (int)(len - 5), s + 5);
	}
	return errbuf_set(eb, -EINVAL,
		"--nic '%s': unknown option '%.*s'; a NIC takes mac=MAC and %s",
		spec, (int)len, s, n->is_pool ? "vlan=ID" : "server");
}

/*
 * The one --nic grammar. A kind it does not know is named as such: the
 * message for a word with no kind at all lists both.
 */
int orch_nic_parse(const char *s, struct orch_nic_spec *out, struct errbuf *eb)
{
	const char *what, *comma, *end;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->vlan = -1;
	if (!strncmp(s, "pool:", 5)) {
		out->is_pool = true;
		what = s + 5;
	} else if (!strncmp(s, "vhost-user:", 11)) {
		what = s + 11;
	} else if (strchr(s, ':')) {
		return errbuf_set(eb, -EINVAL,
			"--nic '%s': unknown kind; give vhost-user:PATH[,mac=MAC][,server]", s);
	} else {
		return errbuf_set(eb, -EINVAL,
			"--nic '%s': say pool:NAME (a VF, else a queue pool, else iopass-switch) or vhost-user:PATH",
			s);
	}
	comma = strchr(what, ',');
	len = comma ? (size_t)(comma - what) : strlen(what);
	if (!len)
		return errbuf_set(eb, -EINVAL, "--nic '%s': the %s is missing",
				  s, out->is_pool ? "pool name" : "socket path");
	if (out->is_pool && len >= sizeof(out->pool))
		return errbuf_set(eb, -EINVAL, "--nic '%s': the pool name is longer than %zu bytes",
				  s, sizeof(out->pool) - 1);
	if (!out->is_pool && len > VMM_NIC_PATH_MAX)
		return errbuf_set(eb, -EINVAL, "--nic '%s': the socket path must be 1 to %d bytes",
				  s, VMM_NIC_PATH_MAX);
	memcpy(out->is_pool ? out->pool : out->vhost.socket, what, len);
	while (comma) {
		int ret;

		what = comma + 1;
		comma = strchr(what, ',');
		end = comma ? comma : what + strlen(what);
		ret = nic_opt(out, what, end - what, s, eb);
		if (ret)
			return ret;
	}
	/* The vhost-user backend as given: the MAC is the NIC's. */
	memcpy(out->vhost.mac, out->mac, sizeof(out->mac));
	out->vhost.mac_set = out->has_mac;
	return 0;
}
