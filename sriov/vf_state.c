// SPDX-License-Identifier: GPL-2.0-only
/*
 * VF settings as text — the `ip link`-style keywords users type and the
 * JSON record a VF's original settings are saved in — and the save-before-
 * first-change / restore-then-forget discipline that keeps one tenant's
 * MAC, VLAN or trust from leaking to the next.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>


#include "iopass/sriov.h"
#include "iopass/state.h"

static const char *const field_names[] = {
	"mac", "vlan", "spoofchk", "trust", "state", "min-rate", "max-rate",
};

const char *vf_field_name(unsigned int field)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(field_names); i++)
		if (field == 1u << i)
			return field_names[i];
	return "?";
}

const char *vf_vlan_proto_name(enum vf_vlan_proto p)
{
	return p == VF_VLAN_8021AD ? "802.1ad" : "802.1Q";
}

static const char *const link_state_names[] = { "auto", "enable", "disable" };

const char *vf_link_state_name(enum vf_link_state s)
{
	return (unsigned int)s < ARRAY_SIZE(link_state_names) ?
	       link_state_names[s] : "?";
}

/* ---------------------------------------------------------- keywords */

/* Decimal without sign, spaces or trailing junk, at most max. */
void vf_settings_row(const struct vf_settings *s, bool saved, char *buf, size_t len)
{
	char mac[18] = "-", vlan[8] = "-", qos[4] = "-", min[12] = "-", max[12] = "-", vf[12];
	const char *proto = "-", *sc = "-", *tr = "-", *st = "-";

	if (!s) {
		snprintf(buf, len, "%-4s %-17s %-5s %-3s %-7s %-8s %-5s %-7s %-8s %-8s %s", "VF",
			 "MAC", "VLAN", "QOS", "PROTO", "SPOOFCHK", "TRUST", "STATE",
			 "MIN-RATE", "MAX-RATE", "SAVED");
		return;
	}
	if (s->known & VF_FIELD_MAC)
		mac_format(s->mac, mac);
	if (s->known & VF_FIELD_VLAN) {
		snprintf(vlan, sizeof(vlan), "%u", s->vlan);
		snprintf(qos, sizeof(qos), "%u", s->qos);
		proto = vf_vlan_proto_name(s->vlan_proto);
	}
	if (s->known & VF_FIELD_SPOOFCHK)
		sc = s->spoofchk ? "on" : "off";
	if (s->known & VF_FIELD_TRUST)
		tr = s->trust ? "on" : "off";
	if (s->known & VF_FIELD_LINK_STATE)
		st = vf_link_state_name(s->link_state);
	if (s->known & VF_FIELD_MIN_RATE)
		snprintf(min, sizeof(min), "%u", s->min_tx_rate);
	if (s->known & VF_FIELD_MAX_RATE)
		snprintf(max, sizeof(max), "%u", s->max_tx_rate);
	snprintf(vf, sizeof(vf), "%d", s->vf);
	snprintf(buf, len, "%-4s %-17s %-5s %-3s %-7s %-8s %-5s %-7s %-8s %-8s %s", vf, mac,
		 vlan, qos, proto, sc, tr, st, min, max, saved ? "yes" : "no");
}

int vf_rates_check(const struct vf_settings *cur, const struct vf_settings *want,
		   unsigned int mask, struct errbuf *eb)
{
	uint32_t min = mask & VF_FIELD_MIN_RATE ? want->min_tx_rate : cur->min_tx_rate;
	uint32_t max = mask & VF_FIELD_MAX_RATE ? want->max_tx_rate : cur->max_tx_rate;

	if ((mask & (VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE)) && max && min > max)
		return errbuf_set(eb, -EINVAL, "min-rate %u would exceed max-rate %u of VF %d "
				  "(0 means no limit); give both", min, max, cur->vf);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *val)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (ULONG_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*val = v;
	return 0;
}

int vf_index_parse(const char *s, int *vf, struct errbuf *eb)
{
	unsigned long v;

	if (parse_uint(s, 0xffff, &v))
		return errbuf_set(eb, -EINVAL, "'%s' is not a VF number: expected 0, 1, 2, ... "
				  "(the VF's index under its PF)", s);
	*vf = (int)v;
	return 0;
}

static int parse_onoff(const char *kw, const char *v, bool *out,
		       struct errbuf *eb)
{
	if (!strcmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off")) {
		*out = false;
		return 0;
	}
	return errbuf_set(eb, -EINVAL, "%s '%s' is not on or off", kw, v);
}

static const char kw_list[] =
	"mac, vlan (with qos, proto), spoofchk, trust, state, min-rate, max-rate";

int vf_args_parse(int argc, char *const argv[], struct vf_settings *want,
		  unsigned int *mask, struct errbuf *eb)
{
	bool have_qos = false, have_proto = false;
	unsigned int m = 0;
	unsigned long v;
	int ret;

	for (int i = 0; i < argc; i += 2) {
		const char *kw = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned int field = 0;

		if (!strcmp(kw, "mac"))
			field = VF_FIELD_MAC;
		else if (!strcmp(kw, "vlan"))
			field = VF_FIELD_VLAN;
		else if (!strcmp(kw, "spoofchk"))
			field = VF_FIELD_SPOOFCHK;
		else if (!strcmp(kw, "trust"))
			field = VF_FIELD_TRUST;
		else if (!strcmp(kw, "state"))
			field = VF_FIELD_LINK_STATE;
		else if (!strcmp(kw, "min-rate") || !strcmp(kw, "min_tx_rate"))
			field = VF_FIELD_MIN_RATE;
		else if (!strcmp(kw, "max-rate") || !strcmp(kw, "max_tx_rate"))
			field = VF_FIELD_MAX_RATE;
		else if (strcmp(kw, "qos") && strcmp(kw, "proto"))
			return errbuf_set(eb, -EINVAL,
					  "unknown VF setting '%s'; the settings are %s",
					  kw, kw_list);
		if (!val)
			return errbuf_set(eb, -EINVAL, "'%s' needs a value", kw);
		if (!field) {		/* qos or proto: parts of vlan */
			if (!(m & VF_FIELD_VLAN))
				return errbuf_set(eb, -EINVAL,
						  "'%s' must follow 'vlan V' (e.g. vlan 100 %s %s)",
						  kw, kw, kw[0] == 'q' ? "3" : "802.1ad");
		} else if (m & field) {
			return errbuf_set(eb, -EINVAL, "'%s' given twice", kw);
		}

		switch (field) {
		case VF_FIELD_MAC:
			if (mac_parse(val, strlen(val), want->mac))
				return errbuf_set(eb, -EINVAL,
						  "malformed MAC address '%s': expected six ':'-separated hex bytes like 02:00:00:00:00:01",
						  val);
			if (want->mac[0] & 1)
				return errbuf_set(eb, -EINVAL,
						  "MAC %s is a multicast address (lowest bit of the first byte set): a VF needs a unicast MAC, or 00:00:00:00:00:00 to clear it",
						  val);
			break;
		case VF_FIELD_VLAN:
			if (parse_uint(val, 4095, &v))
				return errbuf_set(eb, -EINVAL,
						  "VLAN '%s' is not a VLAN ID 0-4095 (0: no VLAN tag)",
						  val);
			want->vlan = (uint16_t)v;
			want->qos = 0;
			want->vlan_proto = VF_VLAN_8021Q;
			break;
		case VF_FIELD_SPOOFCHK:
			ret = parse_onoff(kw, val, &want->spoofchk, eb);
			if (ret)
				return ret;
			break;
		case VF_FIELD_TRUST:
			ret = parse_onoff(kw, val, &want->trust, eb);
			if (ret)
				return ret;
			break;
		case VF_FIELD_LINK_STATE:
			for (v = 0; v < ARRAY_SIZE(link_state_names); v++)
				if (!strcmp(val, link_state_names[v]))
					break;
			if (v == ARRAY_SIZE(link_state_names))
				return errbuf_set(eb, -EINVAL,
						  "state '%s' is not auto, enable or disable", val);
			want->link_state = (enum vf_link_state)v;
			break;
		case VF_FIELD_MIN_RATE:
		case VF_FIELD_MAX_RATE:
			if (parse_uint(val, UINT32_MAX, &v))
				return errbuf_set(eb, -EINVAL,
						  "%s '%s' is not a rate in Mbit/s (a whole number 0-%u; 0: no limit)",
						  kw, val, UINT32_MAX);
			if (field == VF_FIELD_MIN_RATE)
				want->min_tx_rate = (uint32_t)v;
			else
				want->max_tx_rate = (uint32_t)v;
			break;
		default:
			if (kw[0] == 'q') {
				if (have_qos)
					return errbuf_set(eb, -EINVAL, "'qos' given twice");
				if (parse_uint(val, 7, &v))
					return errbuf_set(eb, -EINVAL,
							  "QoS '%s' is not an 802.1p priority 0-7", val);
				want->qos = (uint8_t)v;
				have_qos = true;
			} else {
				if (have_proto)
					return errbuf_set(eb, -EINVAL, "'proto' given twice");
				if (!strcasecmp(val, "802.1Q"))
					want->vlan_proto = VF_VLAN_8021Q;
				else if (!strcasecmp(val, "802.1ad"))
					want->vlan_proto = VF_VLAN_8021AD;
				else
					return errbuf_set(eb, -EINVAL,
							  "VLAN protocol '%s' is not 802.1Q or 802.1ad", val);
				have_proto = true;
			}
			break;
		}
		m |= field;
	}
	if (!m)
		return errbuf_set(eb, -EINVAL, "nothing to set: give at least one of %s",
				  kw_list);
	if ((m & VF_FIELD_MIN_RATE) && (m & VF_FIELD_MAX_RATE) &&
	    want->max_tx_rate && want->min_tx_rate > want->max_tx_rate)
		return errbuf_set(eb, -EINVAL,
				  "min-rate %u exceeds max-rate %u (0 means no limit)",
				  want->min_tx_rate, want->max_tx_rate);
	*mask = m;
	return 0;
}

/* --------------------------------------------------------- the record */

int vf_state_name(const char *key, int vf, char *name, size_t len)
{
	int n = snprintf(name, len, "vf/%s-vf%d.json", key, vf);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int vf_state_save(const char *dir, const char *key, const char *ifname,
		  const struct vf_settings *cur, struct errbuf *eb)
{
	char name[256], *text, *old;
	int ret;

	if (vf_state_name(key, cur->vf, name, sizeof(name)))
		return errbuf_set(eb, -ENAMETOOLONG, "PF name too long: %s", key);
	ret = state_read(dir, name, &old, eb);
	if (!ret) {
		free(old);
		return 0;	/* the original is the one saved first */
	}
	if (ret != -ENOENT)
		return ret;
	ret = state_mkdir(dir, "vf", eb);
	if (ret)
		return ret;
	text = vf_settings_to_json(key, ifname, cur);
	if (!text)
		return errbuf_set(eb, -ENOMEM, "out of memory for a VF record");
	ret = state_write(dir, name, text, eb);
	free(text);
	return ret ? ret : 1;
}

int vf_state_load(const char *dir, const char *key, int vf,
		  struct vf_settings *s, struct errbuf *eb)
{
	char name[256], *text, msg[sizeof(eb->msg) - 64];
	struct errbuf why;
	int ret;

	if (vf_state_name(key, vf, name, sizeof(name)))
		return errbuf_set(eb, -ENAMETOOLONG, "PF name too long: %s", key);
	ret = state_read(dir, name, &text, eb);
	if (ret)
		return ret;
	ret = vf_settings_from_json(text, s, &why);
	free(text);
	if (!ret && s->vf != vf)
		ret = errbuf_set(&why, -EBADMSG, "it is for VF %d", s->vf);
	if (ret) {
		snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, why.msg);
		return errbuf_set(eb, ret,
				  "saved record %s/%s is damaged: %s; fix or remove it by hand",
				  dir, name, msg);
	}
	return 0;
}

/* Holds dir/vf/KEY-vfN.lock so two iopass runs do not both save "originals". */
static int lock_record(const char *dir, const char *key, int vf,
		       struct errbuf *eb)
{
	char name[256];
	int ret;

	ret = state_mkdir(dir, "vf", eb);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "vf/%s-vf%d.lock", key, vf);
	return state_lock(dir, name, true, eb);
}

int vf_state_apply(const char *dir, const char *key, const struct vf_pf *pf,
		   int vf, const struct vf_settings *want, unsigned int mask,
		   unsigned int *changed, struct errbuf *eb)
{
	const struct vf_settings *cur;
	int ret;

	if (changed)
		*changed = 0;
	ret = vf_check(pf, vf, eb);
	if (ret)
		return ret;
	cur = vf_pf_find(pf, vf);
	if (!vf_settings_diff(cur, want, mask))
		return 0;	/* nothing will change: nothing to save */
	ret = vf_state_save(dir, key, pf->ifname, cur, eb);
	if (ret < 0)
		return ret;
	return vf_apply(pf, vf, want, mask, changed, eb);
}

int vf_state_set(const char *dir, const char *sysfs, const char *ifname, int vf,
		 const struct vf_settings *want, unsigned int mask,
		 unsigned int *changed, struct errbuf *eb)
{
	char key[128], msg[sizeof(eb->msg) - 128];
	struct pci_addr pci;
	struct vf_pf pf;
	int lock, pf_lock = -1, ret;

	if (changed)
		*changed = 0;
	vf_pf_key(sysfs, ifname, key, sizeof(key));
	/* Not while the PF's VF count changes (sriov enable/disable). */
	if (!pci_addr_parse(key, &pci)) {
		pf_lock = sriov_pf_lock(dir, key, eb);
		if (pf_lock < 0)
			return pf_lock;
	}
	lock = lock_record(dir, key, vf, eb);
	if (lock < 0) {
		if (pf_lock >= 0)
			close(pf_lock);
		return lock;
	}
	ret = vf_get_all(ifname, 0, &pf, eb);
	if (ret)
		goto out;
	ret = vf_state_apply(dir, key, &pf, vf, want, mask, changed, eb);
	if (ret && changed && *changed && eb) {
		snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, eb->msg);
		errbuf_set(eb, ret, "%s; the originals are saved: 'iopass vf restore %s %d' puts them back",
			   msg, ifname, vf);
	}
	vf_pf_free(&pf);
out:
	close(lock);
	if (pf_lock >= 0)
		close(pf_lock);
	return ret;
}

int vf_restore(const char *dir, const char *sysfs, const char *ifname, int vf,
	       unsigned int *changed, struct errbuf *eb)
{
	struct vf_settings orig;
	char key[128], name[256];
	struct vf_pf pf;
	int lock, ret;

	if (changed)
		*changed = 0;
	vf_pf_key(sysfs, ifname, key, sizeof(key));
	ret = vf_state_load(dir, key, vf, &orig, eb);
	if (ret == -ENOENT)
		return errbuf_set(eb, -ENOENT,
				  "no saved settings for VF %d of %s (%s/vf/): iopass has not changed it, or it was restored already",
				  vf, ifname, dir);
	if (ret)
		return ret;
	lock = lock_record(dir, key, vf, eb);
	if (lock < 0)
		return lock;
	/* Again under the lock: another run may have restored it meanwhile. */
	ret = vf_state_load(dir, key, vf, &orig, eb);
	if (ret == -ENOENT)
		ret = errbuf_set(eb, -ENOENT,
				 "VF %d of %s was restored meanwhile by another iopass run",
				 vf, ifname);
	if (ret)
		goto out;
	ret = vf_get_all(ifname, 0, &pf, eb);
	if (ret)
		goto out;
	ret = vf_apply(&pf, vf, &orig, orig.known, changed, eb);
	vf_pf_free(&pf);
	if (ret)
		goto out;
	/* Only now is the record no longer needed. */
	vf_state_name(key, vf, name, sizeof(name));
	ret = state_remove(dir, name);
	if (ret)
		ret = errbuf_set(eb, ret,
				 "VF %d of %s is restored but its record %s/%s could not be removed: %s",
				 vf, ifname, dir, name, strerror(-ret));
out:
	close(lock);
	return ret;
}
