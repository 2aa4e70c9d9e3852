// SPDX-License-Identifier: GPL-2.0-only
/*
 * VF settings in JSON, one codec with one key per field for everything
 * that writes or reads them: the saved originals (vf_state.c), `iopass vf
 * show --json` and `iopass pool list --json` (docs/pools.md). The key names
 * are iproute2's (`ip -j link`): "link_state", not `vf set`'s keyword
 * "state", which pool list used to print and is still read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "iopass/sriov.h"

#define VF_RECORD_VERSION 1

static void add(json_object *o, const char *key, bool known, json_object *v,
		unsigned int flags)
{
	if (known)
		json_object_object_add(o, key, v);
	else if (flags & VF_JSON_NULLS)
		json_object_object_add(o, key, NULL);
	if (!known)
		json_object_put(v);
}

void vf_settings_json_add(json_object *o, const struct vf_settings *s,
			  unsigned int fields, unsigned int flags)
{
	bool vlan = fields & VF_FIELD_VLAN;
	char mac[18];

	mac_format(s->mac, mac);
	add(o, "mac", fields & VF_FIELD_MAC, json_object_new_string(mac), flags);
	add(o, "vlan", vlan, json_object_new_int(s->vlan), flags);
	add(o, "qos", vlan, json_object_new_int(s->qos), flags);
	add(o, "vlan_proto", vlan,
	    json_object_new_string(vf_vlan_proto_name(s->vlan_proto)), flags);
	add(o, "spoofchk", fields & VF_FIELD_SPOOFCHK,
	    json_object_new_boolean(s->spoofchk), flags);
	add(o, "trust", fields & VF_FIELD_TRUST,
	    json_object_new_boolean(s->trust), flags);
	add(o, "link_state", fields & VF_FIELD_LINK_STATE,
	    json_object_new_string(vf_link_state_name(s->link_state)), flags);
	add(o, "min_tx_rate", fields & VF_FIELD_MIN_RATE,
	    json_object_new_int64(s->min_tx_rate), flags);
	add(o, "max_tx_rate", fields & VF_FIELD_MAX_RATE,
	    json_object_new_int64(s->max_tx_rate), flags);
}

char *vf_settings_to_json(const char *key, const char *ifname,
			  const struct vf_settings *s)
{
	json_object *o = json_object_new_object();
	char when[32];
	struct tm tm;
	time_t now = time(NULL);
	char *text;

	if (!o)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "version", json_object_new_int(VF_RECORD_VERSION));
	json_object_object_add(o, "pf", json_object_new_string(key));
	json_object_object_add(o, "ifname", json_object_new_string(ifname));
	json_object_object_add(o, "vf", json_object_new_int(s->vf));
	json_object_object_add(o, "saved_at", json_object_new_string(when));
	/* What the driver did not report is not saved, so never restored. */
	vf_settings_json_add(o, s, s->known, 0);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* The integer member key of o in [min, max]: 1 found, 0 absent, -EBADMSG. */
static int get_int(json_object *o, const char *key, int64_t min, int64_t max,
		   int64_t *v)
{
	json_object *j;

	if (!json_object_object_get_ex(o, key, &j) || !j)
		return 0;
	if (!json_object_is_type(j, json_type_int))
		return -EBADMSG;
	errno = 0;
	*v = json_object_get_int64(j);
	return errno || *v < min || *v > max ? -EBADMSG : 1;
}

static int get_bool(json_object *o, const char *key, bool *v)
{
	json_object *j;

	if (!json_object_object_get_ex(o, key, &j) || !j)
		return 0;
	if (!json_object_is_type(j, json_type_boolean))
		return -EBADMSG;
	*v = json_object_get_boolean(j);
	return 1;
}

static const char *get_str(json_object *o, const char *key, int *ret)
{
	json_object *j;

	*ret = 0;
	if (!json_object_object_get_ex(o, key, &j) || !j)
		return NULL;
	if (!json_object_is_type(j, json_type_string)) {
		*ret = -EBADMSG;
		return NULL;
	}
	*ret = 1;
	return json_object_get_string(j);
}

/* A rate member into *rate, its field into s->known; -EBADMSG naming it. */
static int get_rate(json_object *o, const char *key, unsigned int field,
		    uint32_t *rate, struct vf_settings *s, const char **bad)
{
	int64_t v;
	int r = get_int(o, key, 0, UINT32_MAX, &v);

	if (r < 0)
		*bad = key;
	if (r > 0) {
		*rate = (uint32_t)v;
		s->known |= field;
	}
	return r < 0 ? r : 0;
}

int vf_settings_json_get(json_object *o, struct vf_settings *s,
			 const char **bad)
{
	const char *str, *key;
	int64_t v, q;
	int r;

	str = get_str(o, "mac", &r);
	if (r < 0 || (r && mac_parse(str, strlen(str), s->mac))) {
		*bad = "mac";
		return -EBADMSG;
	}
	if (r)
		s->known |= VF_FIELD_MAC;
	r = get_int(o, "vlan", 0, 4095, &v);
	if (r) {
		if (r < 0 || get_int(o, "qos", 0, 7, &q) != 1) {
			*bad = r < 0 ? "vlan" : "qos";
			return -EBADMSG;
		}
		str = get_str(o, "vlan_proto", &r);
		if (r != 1 || (strcmp(str, "802.1Q") && strcmp(str, "802.1ad"))) {
			*bad = "vlan_proto";
			return -EBADMSG;
		}
		s->vlan = (uint16_t)v;
		s->qos = (uint8_t)q;
		s->vlan_proto = strcmp(str, "802.1Q") ? VF_VLAN_8021AD : VF_VLAN_8021Q;
		s->known |= VF_FIELD_VLAN;
	}
	r = get_bool(o, "spoofchk", &s->spoofchk);
	if (r < 0) {
		*bad = "spoofchk";
		return -EBADMSG;
	}
	s->known |= r ? VF_FIELD_SPOOFCHK : 0;
	r = get_bool(o, "trust", &s->trust);
	if (r < 0) {
		*bad = "trust";
		return -EBADMSG;
	}
	s->known |= r ? VF_FIELD_TRUST : 0;
	key = "link_state";
	str = get_str(o, key, &r);
	if (!r) {
		key = "state";
		str = get_str(o, key, &r);
	}
	if (r) {
		unsigned int i;

		for (i = VF_LINK_AUTO; r == 1 && i <= VF_LINK_DISABLE; i++)
			if (!strcmp(str, vf_link_state_name(i)))
				break;
		if (r < 0 || i > VF_LINK_DISABLE) {
			*bad = key;
			return -EBADMSG;
		}
		s->link_state = (enum vf_link_state)i;
		s->known |= VF_FIELD_LINK_STATE;
	}
	if (get_rate(o, "min_tx_rate", VF_FIELD_MIN_RATE, &s->min_tx_rate, s, bad) ||
	    get_rate(o, "max_tx_rate", VF_FIELD_MAX_RATE, &s->max_tx_rate, s, bad))
		return -EBADMSG;
	return 0;
}

int vf_settings_from_json(const char *text, struct vf_settings *s,
			  struct errbuf *eb)
{
	enum json_tokener_error jerr;
	const char *bad = NULL;
	json_object *o;
	int64_t v;

	memset(s, 0, sizeof(*s));
	o = json_tokener_parse_verbose(text, &jerr);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return errbuf_set(eb, -EBADMSG, "not a JSON object (%s)",
				  o ? "another JSON value" : json_tokener_error_desc(jerr));
	}
	if (get_int(o, "version", 1, INT32_MAX, &v) != 1) {
		bad = "version";
		goto err_bad;
	}
	if (v != VF_RECORD_VERSION) {
		json_object_put(o);
		return errbuf_set(eb, -EPROTO,
				  "record version %lld; this iopass reads version %d",
				  (long long)v, VF_RECORD_VERSION);
	}
	if (get_int(o, "vf", 0, 0xffff, &v) != 1) {
		bad = "vf";
		goto err_bad;
	}
	s->vf = (int)v;
	if (vf_settings_json_get(o, s, &bad))
		goto err_bad;
	json_object_put(o);
	return 0;

err_bad:
	json_object_put(o);
	return errbuf_set(eb, -EBADMSG, "field '%s' is missing or malformed", bad);
}

json_object *vf_pf_json(const struct vf_pf *pf, const char *key,
			const char *state)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();

	json_object_object_add(o, "pf", json_object_new_string(key));
	json_object_object_add(o, "ifname", json_object_new_string(pf->ifname));
	json_object_object_add(o, "ifindex", json_object_new_int(pf->ifindex));
	json_object_object_add(o, "up", json_object_new_boolean(pf->up));
	json_object_object_add(o, "num_vfs", json_object_new_int(pf->num_vfs));
	for (size_t i = 0; i < pf->n; i++) {
		const struct vf_settings *s = &pf->vfs[i];
		json_object *vf = json_object_new_object();
		struct vf_settings saved;

		json_object_object_add(vf, "vf", json_object_new_int(s->vf));
		vf_settings_json_add(vf, s, s->known, VF_JSON_NULLS);
		json_object_object_add(vf, "saved", json_object_new_boolean(
			!vf_state_load(state, key, s->vf, &saved, NULL)));
		json_object_array_add(arr, vf);
	}
	json_object_object_add(o, "vfs", arr);
	return o;
}
