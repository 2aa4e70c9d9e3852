// SPDX-License-Identifier: GPL-2.0-only
/*
 * The values of the pool configuration's keys (docs/pools.md): ids,
 * addresses, driver and class names, PF selectors with VF ranges, and the
 * VF settings a lease applies. Each parser gets one value, blanks trimmed,
 * and its column for the error message; pool_conf.c does the rest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pool_conf_impl.h"

static const struct {
	const char *name;
	unsigned int base;
} class_names[] = {
	/* The names of 'iopass list --class'. */
	{ "storage", 0x01 }, { "net", 0x02 }, { "display", 0x03 },
	{ "multimedia", 0x04 }, { "memory", 0x05 }, { "bridge", 0x06 },
	{ "comm", 0x07 }, { "system", 0x08 }, { "serial-bus", 0x0c },
	{ "accel", 0x12 }, { "other", 0xff },
};

/* In enum vf_link_state order. */
static const char *const link_states[] = { "auto", "enable", "disable" };

int pool_class_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (!strcmp(name, class_names[i].name))
			return (int)class_names[i].base;
	return -1;
}

const char *pool_class_name(unsigned int base)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (class_names[i].base == base)
			return class_names[i].name;
	return NULL;
}

/* Decimal digits only; -ERANGE above max, -EINVAL when not a number. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max) {
			for (s++; *s; s++)
				if (*s < '0' || *s > '9')
					return -EINVAL;
			return -ERANGE;
		}
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]))
			return 1;
		if (!strcmp(s, no[i]))
			return 0;
	}
	return -1;
}

static bool list_full(struct parser *p, size_t n, size_t col, int *ret)
{
	if (n < POOL_LIST_MAX)
		return false;
	*ret = conf_perr(p, col, "too many values for '%s' in pool '%s' (at most %d)",
		    p->key->name, p->cur->name, POOL_LIST_MAX);
	return true;
}

static int item_hex_id(struct parser *p, const char *s, size_t col,
		       uint16_t *ids, size_t *n)
{
	const char *h = s;
	unsigned int v = 0;
	size_t digits = 0;
	int ret, d;

	if (list_full(p, *n, col, &ret))
		return ret;
	if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
		h += 2;
	for (; (d = hex_digit(*h)) >= 0 && digits < 5; h++, digits++)
		v = v * 16 + (unsigned int)d;
	if (!digits || digits > 4 || *h)
		return conf_perr(p, col, "bad %s id '%s': expected 1 to 4 hex digits, like %s",
			    p->key->name, s,
			    strcmp(p->key->name, "vendor") ? "10fb" : "8086");
	ids[(*n)++] = (uint16_t)v;
	return 0;
}

static int item_vendor(struct parser *p, const char *s, size_t col)
{
	return item_hex_id(p, s, col, p->cur->vendors, &p->cur->nvendors);
}

static int item_device(struct parser *p, const char *s, size_t col)
{
	return item_hex_id(p, s, col, p->cur->devices, &p->cur->ndevices);
}

static int item_address(struct parser *p, const char *s, size_t col)
{
	struct pool *pool = p->cur;
	int ret;

	if (list_full(p, pool->naddrs, col, &ret))
		return ret;
	if (pci_addr_parse(s, &pool->addrs[pool->naddrs]))
		return conf_perr(p, col, "bad PCI address '%s': expected DDDD:BB:DD.F, like 0000:03:00.0",
			    s);
	pool->naddrs++;
	return 0;
}

static int item_driver(struct parser *p, const char *s, size_t col)
{
	struct pool *pool = p->cur;
	size_t len = strlen(s);
	int ret;

	if (list_full(p, pool->ndrivers, col, &ret))
		return ret;
	for (size_t i = 0; i < len; i++)
		if (!is_word(s[i]) && s[i] != '.')
			return conf_perr(p, col + i, "bad driver name '%s': expected letters, digits, '-', '_' or '.' (or 'none')",
				    s);
	if (len >= POOL_DRIVER_MAX)
		return conf_perr(p, col, "driver name '%.16s...' is too long (at most %d characters)",
			    s, POOL_DRIVER_MAX - 1);
	/* "" stands for "no driver bound". */
	if (!strcmp(s, "none"))
		len = 0;
	memcpy(pool->drivers[pool->ndrivers], s, len);
	pool->drivers[pool->ndrivers++][len] = '\0';
	return 0;
}

static int item_class(struct parser *p, const char *s, size_t col)
{
	struct pool *pool = p->cur;
	const char *names[ARRAY_SIZE(class_names)];
	char hint[64];
	int ret, base;

	if (list_full(p, pool->nclasses, col, &ret))
		return ret;
	base = pool_class_from_name(s);
	if (base < 0) {
		for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
			names[i] = class_names[i].name;
		conf_suggest(s, names, ARRAY_SIZE(names), hint, sizeof(hint));
		return conf_perr(p, col, "unknown class '%s'%s; expected storage, net, display, multimedia, memory, comm, system, serial-bus, accel or other",
			    s, hint);
	}
	if (base == 0x06)
		return conf_perr(p, col, "class 'bridge' cannot be pooled: a bridge cannot be assigned to a VM");
	pool->classes[pool->nclasses++] = (uint8_t)base;
	return 0;
}

/* Linux's dev_valid_name(), minus the characters the pf syntax uses. */
static bool ifname_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= POOL_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ',' || is_space(s[i]))
			return false;
	return true;
}

static int parse_range(struct parser *p, struct pool_pf *pf, char *s,
		       size_t col)
{
	char *dash = strchr(s, '-');
	uint64_t first, last;

	if (pf->nranges == POOL_RANGES_MAX)
		return conf_perr(p, col, "too many VF ranges (at most %d)", POOL_RANGES_MAX);
	if (dash)
		*dash = '\0';
	if (parse_uint(s, 0xffff, &first) ||
	    (dash && parse_uint(dash + 1, 0xffff, &last))) {
		if (dash)
			*dash = '-';
		return conf_perr(p, col, "bad VF range '%s': expected an index or a range of indexes 0 to 65535, like 0-3",
			    s);
	}
	if (!dash)
		last = first;
	else
		*dash = '-';
	if (first > last)
		return conf_perr(p, col, "bad VF range '%s': the first index is greater than the last",
			    s);
	pf->ranges[pf->nranges].first = (uint16_t)first;
	pf->ranges[pf->nranges++].last = (uint16_t)last;
	return 0;
}

static int range_item(struct parser *p, char *item, size_t col, void *pf)
{
	return parse_range(p, pf, item, col);
}

static int parse_ranges(struct parser *p, struct pool_pf *pf, char *s,
			size_t col)
{
	if (!*s)
		return conf_perr(p, col, "expected VF indexes after '#', like ens1#0-3,6");
	return conf_split_list(p, s, col, range_item, pf,
			       "empty VF range (two commas?)");
}

static int item_pf(struct parser *p, const char *s, size_t col)
{
	struct pool *pool = p->cur;
	char head[CONF_LINE_MAX + 1], *hash;
	struct pool_pf *pf;
	int ret;

	if (list_full(p, pool->npfs, col, &ret))
		return ret;
	pf = &pool->pfs[pool->npfs];
	memset(pf, 0, sizeof(*pf));
	snprintf(head, sizeof(head), "%s", s);
	hash = strchr(head, '#');
	if (hash)
		*hash = '\0';
	if (strchr(head, ',')) {
		return conf_perr(p, col, "bad PF '%s': one PF per 'pf =' line (repeat the key for more); VF ranges go after '#', like ens1#0-3,6",
			    head);
	} else if (strchr(head, ':')) {
		if (pci_addr_parse(head, &pf->addr))
			return conf_perr(p, col, "bad PF address '%s': expected DDDD:BB:DD.F, like 0000:01:00.0",
				    head);
	} else if (ifname_valid(head)) {
		pf->by_ifname = true;
		memcpy(pf->ifname, head, strlen(head) + 1);
	} else {
		return conf_perr(p, col, "bad PF '%s': expected a PCI address or an interface name (1 to 15 characters, no '/', ':' or spaces)",
			    head);
	}
	if (hash) {
		ret = parse_ranges(p, pf, hash + 1, col + (size_t)(hash + 1 - head));
		if (ret)
			return ret;
	}
	pool->npfs++;
	return 0;
}

static int item_bool(struct parser *p, const char *s, size_t col, int *out)
{
	int v = parse_bool(s);

	if (v < 0)
		return conf_perr(p, col, "expected yes or no (on/off, true/false) for '%s', not '%s'",
			    p->key->name, s);
	*out = v;
	return 0;
}

static int item_vfs_only(struct parser *p, const char *s, size_t col)
{
	int v = 0, ret = item_bool(p, s, col, &v);

	if (!ret)
		p->cur->vfs_only = v;
	return ret;
}

static int item_spoofchk(struct parser *p, const char *s, size_t col)
{
	int v = 0, ret = item_bool(p, s, col, &v);

	p->cur->vf.want.spoofchk = v;
	p->cur->vf.mask |= VF_FIELD_SPOOFCHK;
	return ret;
}

static int item_trust(struct parser *p, const char *s, size_t col)
{
	int v = 0, ret = item_bool(p, s, col, &v);

	p->cur->vf.want.trust = v;
	p->cur->vf.mask |= VF_FIELD_TRUST;
	return ret;
}

static int item_mac(struct parser *p, const char *s, size_t col)
{
	struct pool_vf_settings *vf = &p->cur->vf;
	uint8_t mac[VF_MAC_LEN];
	int hi, lo;

	vf->mask |= VF_FIELD_MAC;
	if (!strcmp(s, "auto")) {
		vf->mac_auto = true;
		return 0;
	}
	for (int i = 0; i < VF_MAC_LEN; i++) {
		const char *o = s + i * 3;

		hi = hex_digit(o[0]);
		lo = hi < 0 ? -1 : hex_digit(o[1]);
		if (lo < 0 || o[2] != (i == VF_MAC_LEN - 1 ? '\0' : ':'))
			return conf_perr(p, col, "bad MAC address '%s': expected auto or six hex pairs like 02:00:00:00:00:01",
				    s);
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return conf_perr(p, col, "MAC address '%s' is a multicast address; a VF needs a unicast one (first octet even)",
			    s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return conf_perr(p, col, "MAC address '%s' is all zeros; use 'auto' for a generated one",
			    s);
	memcpy(vf->want.mac, mac, sizeof(mac));
	return 0;
}

static int item_number(struct parser *p, const char *s, size_t col,
		       const char *label, uint64_t max, const char *what,
		       uint64_t *v)
{
	int ret = parse_uint(s, max, v);

	if (ret == -ERANGE)
		return conf_perr(p, col, "%s %s out of range: expected %s", label, s,
			    what);
	if (ret)
		return conf_perr(p, col, "bad %s '%s': expected a number, %s", label,
			    s, what);
	return 0;
}

static int item_vlan(struct parser *p, const char *s, size_t col)
{
	uint64_t v = 0;
	int ret = item_number(p, s, col, "VLAN", 4094, "0 (no VLAN) to 4094", &v);

	p->cur->vf.want.vlan = (uint16_t)v;
	p->cur->vf.mask |= VF_FIELD_VLAN;
	return ret;
}

static int item_qos(struct parser *p, const char *s, size_t col)
{
	uint64_t v = 0;
	int ret = item_number(p, s, col, "qos", 7, "0 to 7 (802.1p priority)", &v);

	p->cur->vf.want.qos = (uint8_t)v;
	return ret;
}

static int item_vlan_proto(struct parser *p, const char *s, size_t col)
{
	if (!strcasecmp(s, "802.1q"))
		p->cur->vf.want.vlan_proto = VF_VLAN_8021Q;
	else if (!strcasecmp(s, "802.1ad"))
		p->cur->vf.want.vlan_proto = VF_VLAN_8021AD;
	else
		return conf_perr(p, col, "bad vlan-proto '%s': expected 802.1Q or 802.1ad",
			    s);
	return 0;
}

static int item_rate(struct parser *p, const char *s, size_t col,
		     unsigned int field, uint32_t *out)
{
	uint64_t v = 0;
	int ret = item_number(p, s, col, p->key->name, UINT32_MAX,
			      "0 (no limit) to 4294967295 Mbit/s", &v);

	*out = (uint32_t)v;
	p->cur->vf.mask |= field;
	return ret;
}

static int item_max_tx_rate(struct parser *p, const char *s, size_t col)
{
	return item_rate(p, s, col, VF_FIELD_MAX_RATE,
			 &p->cur->vf.want.max_tx_rate);
}

static int item_min_tx_rate(struct parser *p, const char *s, size_t col)
{
	return item_rate(p, s, col, VF_FIELD_MIN_RATE,
			 &p->cur->vf.want.min_tx_rate);
}

static int item_state(struct parser *p, const char *s, size_t col)
{
	char hint[64];

	for (size_t i = 0; i < ARRAY_SIZE(link_states); i++) {
		if (!strcmp(s, link_states[i])) {
			p->cur->vf.want.link_state = (enum vf_link_state)i;
			p->cur->vf.mask |= VF_FIELD_LINK_STATE;
			return 0;
		}
	}
	conf_suggest(s, link_states, ARRAY_SIZE(link_states), hint, sizeof(hint));
	return conf_perr(p, col, "bad state '%s'%s: expected auto, enable or disable",
		    s, hint);
}

const struct key pool_conf_keys[K_COUNT] = {
	[K_VENDOR] = { "vendor", KIND_LIST, item_vendor },
	[K_DEVICE] = { "device", KIND_LIST, item_device },
	[K_ADDRESS] = { "address", KIND_LIST, item_address },
	[K_DRIVER] = { "driver", KIND_LIST, item_driver },
	[K_CLASS] = { "class", KIND_LIST, item_class },
	[K_PF] = { "pf", KIND_REPEAT, item_pf },
	[K_VFS_ONLY] = { "vfs-only", KIND_ONCE, item_vfs_only },
	[K_MAC] = { "mac", KIND_ONCE, item_mac },
	[K_VLAN] = { "vlan", KIND_ONCE, item_vlan },
	[K_QOS] = { "qos", KIND_ONCE, item_qos },
	[K_VLAN_PROTO] = { "vlan-proto", KIND_ONCE, item_vlan_proto },
	[K_SPOOFCHK] = { "spoofchk", KIND_ONCE, item_spoofchk },
	[K_TRUST] = { "trust", KIND_ONCE, item_trust },
	[K_STATE] = { "state", KIND_ONCE, item_state },
	[K_MAX_TX_RATE] = { "max-tx-rate", KIND_ONCE, item_max_tx_rate },
	[K_MIN_TX_RATE] = { "min-tx-rate", KIND_ONCE, item_min_tx_rate },
};

void pool_pf_format(const struct pool_pf *pf, char *buf, size_t len)
{
	size_t off;
	int n;

	if (!len)
		return;
	if (pf->by_ifname) {
		snprintf(buf, len, "%s", pf->ifname);
	} else {
		char bdf[PCI_ADDR_STRLEN];

		pci_addr_format(&pf->addr, bdf);
		snprintf(buf, len, "%s", bdf);
	}
	off = strlen(buf);
	for (size_t i = 0; i < pf->nranges && off < len; i++) {
		const struct pool_range *r = &pf->ranges[i];

		if (r->first == r->last)
			n = snprintf(buf + off, len - off, "%c%u", i ? ',' : '#',
				     r->first);
		else
			n = snprintf(buf + off, len - off, "%c%u-%u",
				     i ? ',' : '#', r->first, r->last);
		if (n < 0)
			return;
		off += (size_t)n;
	}
}

/* Appends printf output at the end of buf, as far as it fits. */
static void cat(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
}

void pool_selectors_format(const struct pool *p, char *buf, size_t len)
{
	char one[128];

	buf[0] = '\0';
	for (size_t i = 0; i < p->nvendors; i++)
		cat(buf, len, "%s%04x", i ? "," : " vendor=", p->vendors[i]);
	for (size_t i = 0; i < p->ndevices; i++)
		cat(buf, len, "%s%04x", i ? "," : " device=", p->devices[i]);
	for (size_t i = 0; i < p->naddrs; i++) {
		pci_addr_format(&p->addrs[i], one);
		cat(buf, len, "%s%s", i ? "," : " address=", one);
	}
	for (size_t i = 0; i < p->ndrivers; i++)
		cat(buf, len, "%s%s", i ? "," : " driver=",
		    p->drivers[i][0] ? p->drivers[i] : "none");
	for (size_t i = 0; i < p->nclasses; i++)
		cat(buf, len, "%s%s", i ? "," : " class=", pool_class_name(p->classes[i]));
	for (size_t i = 0; i < p->npfs; i++) {
		pool_pf_format(&p->pfs[i], one, sizeof(one));
		cat(buf, len, " pf=%s", one);
	}
	if (p->vfs_only)
		cat(buf, len, " vfs-only");
}

void pool_vf_format(const struct pool_vf_settings *vf, char *buf, size_t len)
{
	const struct vf_settings *w = &vf->want;
	char mac[18];

	buf[0] = '\0';
	if (!vf->mask)
		cat(buf, len, " none (VFs keep their settings)");
	if (vf->mask & VF_FIELD_MAC) {
		if (vf->mac_auto)
			snprintf(mac, sizeof(mac), "auto");
		else
			mac_format(w->mac, mac);
		cat(buf, len, " mac=%s", mac);
	}
	if (vf->mask & VF_FIELD_VLAN)
		cat(buf, len, " vlan=%u qos=%u vlan-proto=%s", w->vlan, w->qos,
		    vf_vlan_proto_name(w->vlan_proto));
	if (vf->mask & VF_FIELD_SPOOFCHK)
		cat(buf, len, " spoofchk=%s", w->spoofchk ? "on" : "off");
	if (vf->mask & VF_FIELD_TRUST)
		cat(buf, len, " trust=%s", w->trust ? "on" : "off");
	if (vf->mask & VF_FIELD_LINK_STATE)
		cat(buf, len, " state=%s", vf_link_state_name(w->link_state));
	if (vf->mask & VF_FIELD_MAX_RATE)
		cat(buf, len, " max-tx-rate=%u", w->max_tx_rate);
	if (vf->mask & VF_FIELD_MIN_RATE)
		cat(buf, len, " min-tx-rate=%u", w->min_tx_rate);
}
