// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pool configuration parser (format: docs/pools.md). It is a pure
 * function over a byte buffer of any content, so a fuzzer can drive it
 * directly: every line is copied into a bounded buffer before it is looked
 * at, and every error names FILE:LINE:COLUMN and what was expected there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iopass/sriov.h"

#define CONF_LINE_MAX	4096		/* bytes, without the newline */
#define CONF_SIZE_MAX	(1 << 20)

enum key_kind {
	KIND_LIST,	/* comma separated values; the key may repeat */
	KIND_REPEAT,	/* one value a line; the key may repeat */
	KIND_ONCE,	/* one value, set once per pool */
};

enum key_id {
	K_VENDOR, K_DEVICE, K_ADDRESS, K_DRIVER, K_CLASS, K_PF, K_VFS_ONLY,
	K_MAC, K_VLAN, K_QOS, K_VLAN_PROTO, K_SPOOFCHK, K_TRUST, K_STATE,
	K_MAX_TX_RATE, K_MIN_TX_RATE, K_COUNT,
};

struct parser;
typedef int (*item_fn)(struct parser *p, const char *s, size_t col);

struct key {
	const char *name;
	enum key_kind kind;
	item_fn parse;
};

struct parser {
	const char *fname;
	struct errbuf *eb;
	struct pool_conf *conf;
	struct pool *cur;		/* NULL before the first section */
	size_t cur_col;			/* of cur's '[' */
	unsigned int line;
	const struct key *key;		/* the key being parsed */
	unsigned int key_line[K_COUNT];	/* where cur set each key; 0: unset */
	size_t key_col[K_COUNT];
	char buf[CONF_LINE_MAX + 1];
};

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

const char *pool_conf_default_path(void)
{
	const char *path = getenv("IOPASS_POOLS_CONF");

	return path && *path ? path : "/etc/iopass/pools.conf";
}

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

static int perr(struct parser *p, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* col is 0-based in the line; messages count from 1, like compilers. */
static int perr(struct parser *p, size_t col, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errbuf_set(p->eb, -EINVAL, "%s:%u:%zu: %s", p->fname, p->line,
			  col + 1, msg);
}

/* Optimal string alignment distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* " (did you mean 'x'?)" for the closest of n names, or "". */
static void suggest(const char *word, const char *const *names, size_t n,
		    char *out, size_t len)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		size_t d = edit_distance(word, name);

		if (d < best_d && d < strlen(name)) {
			best = name;
			best_d = d;
		}
	}
	if (best)
		snprintf(out, len, " (did you mean '%s'?)", best);
	else
		out[0] = '\0';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
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
	*ret = perr(p, col, "too many values for '%s' in pool '%s' (at most %d)",
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
		return perr(p, col, "bad %s id '%s': expected 1 to 4 hex digits, like %s",
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
		return perr(p, col, "bad PCI address '%s': expected DDDD:BB:DD.F, like 0000:03:00.0",
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
			return perr(p, col + i, "bad driver name '%s': expected letters, digits, '-', '_' or '.' (or 'none')",
				    s);
	if (len >= POOL_DRIVER_MAX)
		return perr(p, col, "driver name '%.16s...' is too long (at most %d characters)",
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
		suggest(s, names, ARRAY_SIZE(names), hint, sizeof(hint));
		return perr(p, col, "unknown class '%s'%s; expected storage, net, display, multimedia, memory, comm, system, serial-bus, accel or other",
			    s, hint);
	}
	if (base == 0x06)
		return perr(p, col, "class 'bridge' cannot be pooled: a bridge cannot be assigned to a VM");
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
		return perr(p, col, "too many VF ranges (at most %d)", POOL_RANGES_MAX);
	if (dash)
		*dash = '\0';
	if (parse_uint(s, 0xffff, &first) ||
	    (dash && parse_uint(dash + 1, 0xffff, &last))) {
		if (dash)
			*dash = '-';
		return perr(p, col, "bad VF range '%s': expected an index or a range of indexes 0 to 65535, like 0-3",
			    s);
	}
	if (!dash)
		last = first;
	else
		*dash = '-';
	if (first > last)
		return perr(p, col, "bad VF range '%s': the first index is greater than the last",
			    s);
	pf->ranges[pf->nranges].first = (uint16_t)first;
	pf->ranges[pf->nranges++].last = (uint16_t)last;
	return 0;
}

static int parse_ranges(struct parser *p, struct pool_pf *pf, char *s,
			size_t col)
{
	char *item = s;
	int ret;

	if (!*s)
		return perr(p, col, "expected VF indexes after '#', like ens1#0-3,6");
	for (;;) {
		char *comma = strchr(item, ',');
		char *end = comma ? comma : item + strlen(item);
		size_t icol = col + (size_t)(item - s);

		if (comma)
			*comma = '\0';
		while (is_space(*item)) {
			item++;
			icol++;
		}
		while (end > item && is_space(end[-1]))
			*--end = '\0';
		if (!*item)
			return perr(p, icol, "empty VF range (two commas?)");
		ret = parse_range(p, pf, item, icol);
		if (ret || !comma)
			return ret;
		item = comma + 1;
	}
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
		return perr(p, col, "bad PF '%s': one PF per 'pf =' line (repeat the key for more); VF ranges go after '#', like ens1#0-3,6",
			    head);
	} else if (strchr(head, ':')) {
		if (pci_addr_parse(head, &pf->addr))
			return perr(p, col, "bad PF address '%s': expected DDDD:BB:DD.F, like 0000:01:00.0",
				    head);
	} else if (ifname_valid(head)) {
		pf->by_ifname = true;
		memcpy(pf->ifname, head, strlen(head) + 1);
	} else {
		return perr(p, col, "bad PF '%s': expected a PCI address or an interface name (1 to 15 characters, no '/', ':' or spaces)",
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
		return perr(p, col, "expected yes or no (on/off, true/false) for '%s', not '%s'",
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
			return perr(p, col, "bad MAC address '%s': expected auto or six hex pairs like 02:00:00:00:00:01",
				    s);
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return perr(p, col, "MAC address '%s' is a multicast address; a VF needs a unicast one (first octet even)",
			    s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return perr(p, col, "MAC address '%s' is all zeros; use 'auto' for a generated one",
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
		return perr(p, col, "%s %s out of range: expected %s", label, s,
			    what);
	if (ret)
		return perr(p, col, "bad %s '%s': expected a number, %s", label,
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
		return perr(p, col, "bad vlan-proto '%s': expected 802.1Q or 802.1ad",
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
	suggest(s, link_states, ARRAY_SIZE(link_states), hint, sizeof(hint));
	return perr(p, col, "bad state '%s'%s: expected auto, enable or disable",
		    s, hint);
}

static const struct key keys[K_COUNT] = {
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

static int parse_list(struct parser *p, char *val, size_t col)
{
	char *item = val;
	int ret;

	for (;;) {
		char *comma = strchr(item, ',');
		char *end = comma ? comma : item + strlen(item);
		size_t icol = col + (size_t)(item - val);

		if (comma)
			*comma = '\0';
		while (is_space(*item)) {
			item++;
			icol++;
		}
		while (end > item && is_space(end[-1]))
			*--end = '\0';
		if (!*item)
			return perr(p, icol, "empty value in the list of '%s' (two commas?)",
				    p->key->name);
		ret = p->key->parse(p, item, icol);
		if (ret || !comma)
			return ret;
		item = comma + 1;
	}
}

/* The error of a key that needs another: at the dependent key's line. */
static int perr_at_key(struct parser *p, enum key_id id, const char *msg)
{
	p->line = p->key_line[id];
	return perr(p, p->key_col[id], "%s in pool '%s'", msg, p->cur->name);
}

/* The pool just ended (a new section or the end of the file). */
static int pool_finish(struct parser *p)
{
	struct pool *pool = p->cur;
	struct vf_settings *want;
	unsigned int line = p->line;
	int ret = 0;

	if (!pool)
		return 0;
	want = &pool->vf.want;
	if (!pool->nvendors && !pool->ndevices && !pool->naddrs &&
	    !pool->ndrivers && !pool->nclasses && !pool->npfs) {
		p->line = pool->line;
		ret = perr(p, p->cur_col, "pool '%s' has no selectors and would take every PCI function of the host; add vendor, device, address, pf, driver or class",
			   pool->name);
	} else if (p->key_line[K_QOS] && want->qos && !want->vlan) {
		ret = perr_at_key(p, K_QOS, "qos needs a VLAN: set 'vlan' to 1..4094");
	} else if (p->key_line[K_VLAN_PROTO] && !want->vlan) {
		ret = perr_at_key(p, K_VLAN_PROTO, "vlan-proto needs a VLAN: set 'vlan' to 1..4094");
	} else if ((pool->vf.mask & VF_FIELD_MIN_RATE) &&
		   (pool->vf.mask & VF_FIELD_MAX_RATE) && want->max_tx_rate &&
		   want->min_tx_rate > want->max_tx_rate) {
		ret = perr_at_key(p, K_MIN_TX_RATE, "min-tx-rate is above max-tx-rate");
	}
	p->line = line;
	p->cur = NULL;
	return ret;
}

static void pool_init(struct pool *pool, const char *name, size_t len,
		      unsigned int line)
{
	memset(pool, 0, sizeof(*pool));
	memcpy(pool->name, name, len);
	pool->name[len] = '\0';
	pool->line = line;
	pool->vf.want.vf = -1;
}

static int pool_start(struct parser *p, const char *name, size_t len,
		      size_t col, size_t name_col)
{
	struct pool_conf *conf = p->conf;
	struct pool *grown;
	int ret = pool_finish(p);

	if (ret)
		return ret;
	for (size_t i = 0; i < conf->npools; i++)
		if (strlen(conf->pools[i].name) == len &&
		    !memcmp(conf->pools[i].name, name, len))
			return perr(p, name_col, "duplicate pool '%s' (first defined at line %u); pool names must be unique",
				    conf->pools[i].name, conf->pools[i].line);
	if (conf->npools == POOL_MAX)
		return perr(p, col, "too many pools (at most %d)", POOL_MAX);
	grown = realloc(conf->pools, (conf->npools + 1) * sizeof(*grown));
	if (!grown)
		return errbuf_set(p->eb, -ENOMEM, "out of memory");
	conf->pools = grown;
	p->cur = &conf->pools[conf->npools++];
	p->cur_col = col;
	pool_init(p->cur, name, len, p->line);
	memset(p->key_line, 0, sizeof(p->key_line));
	return 0;
}

/* "[pool NAME]", possibly with spaces inside the brackets and a comment. */
static int parse_section(struct parser *p, size_t col)
{
	static const char *const types[] = { "pool" };
	const char *s = p->buf;
	size_t i = col + 1, w, name, nlen;
	char hint[64], word[33];

	while (is_space(s[i]))
		i++;
	for (w = i; is_word(s[i]); i++)
		;
	if (i - w != 4 || memcmp(s + w, "pool", 4)) {
		if (i == w)
			return perr(p, i, "expected 'pool' after '[': sections are '[pool NAME]'");
		snprintf(word, sizeof(word), "%.*s", (int)(i - w < 32 ? i - w : 32),
			 s + w);
		suggest(word, types, ARRAY_SIZE(types), hint, sizeof(hint));
		return perr(p, w, "unknown section '%s'%s: sections are '[pool NAME]'",
			    word, hint);
	}
	while (is_space(s[i]))
		i++;
	for (name = i; s[i] && s[i] != ']' && !is_space(s[i]); i++)
		;
	nlen = i - name;
	if (!nlen)
		return perr(p, name, "empty pool name: expected '[pool NAME]'");
	if (nlen >= POOL_NAME_MAX)
		return perr(p, name, "pool name is too long (%zu characters, at most %d)",
			    nlen, POOL_NAME_MAX - 1);
	for (size_t j = name; j < i; j++)
		if (!is_word(s[j]) && s[j] != '.')
			return perr(p, j, "bad character '%c' in pool name: use letters, digits, '-', '_' and '.'",
				    s[j]);
	while (is_space(s[i]))
		i++;
	if (s[i] != ']')
		return perr(p, i, s[i] ? "expected ']' after pool name '%.*s' (pool names cannot contain spaces)"
				       : "expected ']' after pool name '%.*s'",
			    (int)nlen, s + name);
	for (i++; is_space(s[i]); i++)
		;
	if (s[i] && s[i] != '#')
		return perr(p, i, "unexpected '%c' after ']': expected the end of the line or a # comment",
			    s[i]);
	return pool_start(p, s + name, nlen, col, name);
}

static const struct key *key_lookup(const char *name)
{
	for (size_t i = 0; i < K_COUNT; i++)
		if (!strcmp(name, keys[i].name))
			return &keys[i];
	return NULL;
}

static int parse_key_line(struct parser *p, size_t col)
{
	char *s = p->buf, name[CONF_LINE_MAX + 1], hint[64], *val, *end;
	const char *names[K_COUNT];
	size_t i = col, vcol;
	enum key_id id;

	while (is_word(s[i]))
		i++;
	if (i == col)
		return perr(p, col, "expected a key, '[pool NAME]' or a # comment, not '%c'",
			    s[col]);
	memcpy(name, s + col, i - col);
	name[i - col] = '\0';
	p->key = key_lookup(name);
	if (!p->key) {
		for (size_t k = 0; k < K_COUNT; k++)
			names[k] = keys[k].name;
		suggest(name, names, K_COUNT, hint, sizeof(hint));
		if (hint[0])
			return perr(p, col, "unknown key '%.64s'%s", name, hint);
		return perr(p, col, "unknown key '%.64s': expected vendor, device, address, driver, class, pf, vfs-only, mac, vlan, qos, vlan-proto, spoofchk, trust, state, max-tx-rate or min-tx-rate",
			    name);
	}
	id = (enum key_id)(p->key - keys);
	if (!p->cur)
		return perr(p, col, "key '%s' outside a section: start a pool with '[pool NAME]' first",
			    name);
	while (is_space(s[i]))
		i++;
	if (s[i] != '=')
		return perr(p, i, "expected '=' after key '%s'", name);
	for (i++; is_space(s[i]); i++)
		;
	vcol = i;
	val = s + i;
	/* '#' starts a comment only after a blank: "pf = ens1#0-3" is a value. */
	for (end = val; *end; end++) {
		if (*end == '#' && (end == val || is_space(end[-1]))) {
			*end = '\0';
			break;
		}
	}
	while (end > val && is_space(end[-1]))
		*--end = '\0';
	if (!*val)
		return perr(p, vcol, "expected a value after '%s ='", name);
	if (p->key->kind == KIND_ONCE && p->key_line[id])
		return perr(p, col, "'%s' is already set for pool '%s' at line %u; set it once",
			    name, p->cur->name, p->key_line[id]);
	p->key_line[id] = p->line;
	p->key_col[id] = vcol;
	if (p->key->kind == KIND_LIST)
		return parse_list(p, val, vcol);
	return p->key->parse(p, val, vcol);
}

static int parse_line(struct parser *p, size_t len)
{
	size_t i = 0;

	for (size_t j = 0; j < len; j++) {
		unsigned char c = (unsigned char)p->buf[j];

		if (!c)
			return perr(p, j, "NUL byte: the pool configuration must be a text file");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(p, j, "control character 0x%02x: the pool configuration must be a text file",
				    c);
	}
	while (is_space(p->buf[i]))
		i++;
	if (!p->buf[i] || p->buf[i] == '#')
		return 0;
	if (p->buf[i] == '[')
		return parse_section(p, i);
	return parse_key_line(p, i);
}

int pool_conf_parse(const char *fname, const char *buf, size_t len,
		    struct pool_conf *conf, struct errbuf *eb)
{
	struct parser *p;
	size_t pos = 0;
	int ret = 0;

	memset(conf, 0, sizeof(*conf));
	p = calloc(1, sizeof(*p));
	if (!p)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	p->fname = fname ? fname : "<config>";
	p->eb = eb;
	p->conf = conf;
	while (pos < len && !ret) {
		const char *start = buf + pos, *nl;
		size_t n;

		nl = memchr(start, '\n', len - pos);
		n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		p->line++;
		if (n && start[n - 1] == '\r')
			n--;
		if (n > CONF_LINE_MAX) {
			ret = perr(p, CONF_LINE_MAX, "line is longer than %d bytes",
				   CONF_LINE_MAX);
			break;
		}
		memcpy(p->buf, start, n);
		p->buf[n] = '\0';
		ret = parse_line(p, n);
	}
	if (!ret)
		ret = pool_finish(p);
	free(p);
	if (ret)
		pool_conf_free(conf);
	return ret;
}

int pool_conf_load(const char *path, struct pool_conf *conf,
		   struct errbuf *eb)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *grown;
	ssize_t n;
	int fd, ret;

	memset(conf, 0, sizeof(*conf));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return errbuf_set(eb, ret, "cannot read %s: %s", path,
				  strerror(-ret));
	}
	for (;;) {
		if (len == cap) {
			if (cap > CONF_SIZE_MAX) {
				ret = errbuf_set(eb, -EFBIG, "%s is larger than %d bytes; is it the right file?",
						 path, CONF_SIZE_MAX);
				goto err_free;
			}
			cap = cap ? cap * 2 : 8192;
			grown = realloc(buf, cap);
			if (!grown) {
				ret = errbuf_set(eb, -ENOMEM, "out of memory");
				goto err_free;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			errbuf_set(eb, ret, "cannot read %s: %s", path, strerror(-ret));
			goto err_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	ret = pool_conf_parse(path, buf, len, conf, eb);
	free(buf);
	return ret;

err_free:
	free(buf);
	close(fd);
	return ret;
}

void pool_conf_free(struct pool_conf *conf)
{
	free(conf->pools);
	conf->pools = NULL;
	conf->npools = 0;
}

const struct pool *pool_conf_find(const struct pool_conf *conf,
				  const char *name)
{
	for (size_t i = 0; i < conf->npools; i++)
		if (!strcmp(conf->pools[i].name, name))
			return &conf->pools[i];
	return NULL;
}

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
