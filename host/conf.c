// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host file of `iopass host apply` (docs/host.md): [sriov PF], [vf
 * PF#RANGES], [bind BDF|VENDOR:DEVICE] and [pool NAME] sections of
 * key = value lines. Pool sections are pools.conf's own syntax: they are
 * handed to its parser with their line numbers kept, and become the pools
 * file apply writes. VF settings use `iopass vf set`'s keywords and parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_impl.h"

#define LINE_MAX_LEN	4096
#define SECTIONS_MAX	256

enum kind { K_NONE, K_SRIOV, K_VF, K_BIND, K_POOL };

struct cparser {
	const char *fname;
	unsigned int line;
	struct errbuf *eb;
	struct host_conf *conf;
	enum kind kind;
	unsigned int sec_line;
	/* [vf]: the settings words for vf_args_parse, in canonical order. */
	char *vf_words[9][2];
	bool seen_vfs;
	bool seen_driver;
};

static int perr(struct cparser *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct cparser *p, unsigned int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errbuf_set(p->eb, -EINVAL, "%s:%u: %s", p->fname, line, msg);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* '#' starts a comment at the start of a line or after a blank. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++)
		if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i]))
			return 1;
		if (!strcmp(v, no[i]))
			return 0;
	}
	return -1;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < 16 && !strpbrk(s, "/:,# \t");
}

static int parse_pf(struct cparser *p, const char *s, struct host_pf_ref *pf)
{
	memset(pf, 0, sizeof(*pf));
	if (strchr(s, ':')) {
		if (pci_addr_parse(s, &pf->addr))
			return perr(p, p->line, "'%s' is not a PCI address like 0000:01:00.0", s);
		return 0;
	}
	if (!ifname_ok(s))
		return perr(p, p->line, "'%s' is neither a PCI address (0000:01:00.0) nor "
			    "a network interface name (1-15 characters)", s);
	pf->by_ifname = true;
	snprintf(pf->ifname, sizeof(pf->ifname), "%s", s);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

/* "0-3,6" */
static int parse_ranges(struct cparser *p, char *s, struct host_vf *vf)
{
	char *save = NULL;

	for (char *item = strtok_r(s, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		unsigned long a, b;
		char *dash = strchr(item, '-');

		if (vf->nranges == POOL_RANGES_MAX)
			return perr(p, p->line, "more than %d VF ranges", POOL_RANGES_MAX);
		if (dash)
			*dash = '\0';
		if (parse_uint(trim(item), 65535, &a) ||
		    (dash && parse_uint(trim(dash + 1), 65535, &b)))
			return perr(p, p->line, "bad VF index list: expected numbers and "
				    "ranges like 0-3,6");
		if (!dash)
			b = a;
		if (a > b)
			return perr(p, p->line, "bad VF range %lu-%lu: the first index is "
				    "greater than the last", a, b);
		vf->ranges[vf->nranges].first = (uint16_t)a;
		vf->ranges[vf->nranges++].last = (uint16_t)b;
	}
	if (!vf->nranges)
		return perr(p, p->line, "no VF index after '#': expected e.g. ens1#0-3");
	return 0;
}

static int parse_bind_target(struct cparser *p, const char *s, struct host_bind *b)
{
	unsigned int v, d;
	char tail;

	if (strchr(s, '.')) {
		if (pci_addr_parse(s, &b->addr))
			return perr(p, p->line, "'%s' is not a PCI address like 0000:00:02.0", s);
		return 0;
	}
	if (sscanf(s, "%4x:%4x%c", &v, &d, &tail) != 2 || strspn(s, "0123456789abcdefABCDEF:") !=
	    strlen(s))
		return perr(p, p->line, "'%s' is neither a PCI address (0000:00:02.0) nor "
			    "vendor:device ids (8086:10ca)", s);
	b->by_id = true;
	b->vendor = (uint16_t)v;
	b->device = (uint16_t)d;
	return 0;
}

static void *grow(void *arr, size_t n, size_t size)
{
	void *g = realloc(arr, (n + 1) * size);

	if (g)
		memset((char *)g + n * size, 0, size);
	return g;
}

static void free_words(struct cparser *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(p->vf_words); i++) {
		free(p->vf_words[i][0]);
		free(p->vf_words[i][1]);
		p->vf_words[i][0] = p->vf_words[i][1] = NULL;
	}
}

/* The end of a section: what only the whole section can say. */
static int finish(struct cparser *p)
{
	struct host_conf *c = p->conf;
	int ret = 0;

	if (p->kind == K_SRIOV && !p->seen_vfs)
		ret = perr(p, p->sec_line, "[sriov] section without 'vfs = N'");
	if (p->kind == K_BIND && !p->seen_driver)
		ret = perr(p, p->sec_line, "[bind] section without 'driver = NAME' "
			   "(or 'driver = none')");
	if (p->kind == K_VF) {
		struct host_vf *vf = &c->vf[c->nvf - 1];
		char *argv[18];
		int argc = 0;

		for (size_t i = 0; i < ARRAY_SIZE(p->vf_words); i++)
			if (p->vf_words[i][0]) {
				argv[argc++] = p->vf_words[i][0];
				argv[argc++] = p->vf_words[i][1];
			}
		if (argc) {
			struct errbuf e;

			if (vf_args_parse(argc, argv, &vf->want, &vf->mask, &e))
				ret = perr(p, p->sec_line, "[vf] section: %s", e.msg);
		}
		if (!ret && !vf->mask && !vf->driver[0])
			ret = perr(p, p->sec_line, "[vf] section sets nothing: give VF "
				   "settings (mac, vlan, spoofchk, ...) or a driver");
		if (!ret && (vf->mask & VF_FIELD_MAC) &&
		    (vf->nranges != 1 || vf->ranges[0].first != vf->ranges[0].last))
			ret = perr(p, p->sec_line, "a fixed mac needs a section of one VF "
				   "([vf PF#N]); two VFs with one MAC would clash");
	}
	free_words(p);
	p->kind = K_NONE;
	return ret;
}

static int start_section(struct cparser *p, char *inner)
{
	struct host_conf *c = p->conf;
	char *arg, *hash;
	int ret;

	inner = trim(inner);
	arg = strpbrk(inner, " \t");
	if (!arg)
		return perr(p, p->line, "section '[%s]' needs an argument: [sriov PF], "
			    "[vf PF#N], [bind BDF|VENDOR:DEVICE] or [pool NAME]", inner);
	*arg++ = '\0';
	arg = trim(arg);
	p->sec_line = p->line;
	p->seen_vfs = p->seen_driver = false;
	if (c->nsriov + c->nvf + c->nbind + c->npools >= SECTIONS_MAX)
		return perr(p, p->line, "more than %d sections", SECTIONS_MAX);
	if (!strcmp(inner, "sriov")) {
		struct host_sriov *s = grow(c->sriov, c->nsriov, sizeof(*s));

		if (!s)
			return -ENOMEM;
		c->sriov = s;
		s = &c->sriov[c->nsriov++];
		s->line = p->line;
		p->kind = K_SRIOV;
		ret = parse_pf(p, arg, &s->pf);
		for (size_t i = 0; !ret && i + 1 < c->nsriov; i++)
			if (c->sriov[i].pf.by_ifname == s->pf.by_ifname &&
			    (s->pf.by_ifname ? !strcmp(c->sriov[i].pf.ifname, s->pf.ifname) :
			     !pci_addr_cmp(&c->sriov[i].pf.addr, &s->pf.addr)))
				ret = perr(p, p->line, "PF %s already has a [sriov] section "
					   "(line %u)", arg, c->sriov[i].line);
		return ret;
	}
	if (!strcmp(inner, "vf")) {
		struct host_vf *vf = grow(c->vf, c->nvf, sizeof(*vf));

		if (!vf)
			return -ENOMEM;
		c->vf = vf;
		vf = &c->vf[c->nvf++];
		vf->line = p->line;
		p->kind = K_VF;
		hash = strchr(arg, '#');
		if (hash)
			*hash = '\0';
		ret = parse_pf(p, trim(arg), &vf->pf);
		if (!ret && hash)
			ret = parse_ranges(p, hash + 1, vf);
		return ret;
	}
	if (!strcmp(inner, "bind")) {
		struct host_bind *b = grow(c->bind, c->nbind, sizeof(*b));

		if (!b)
			return -ENOMEM;
		c->bind = b;
		b = &c->bind[c->nbind++];
		b->line = p->line;
		p->kind = K_BIND;
		ret = parse_bind_target(p, arg, b);
		for (size_t i = 0; !ret && i + 1 < c->nbind; i++)
			if (c->bind[i].by_id == b->by_id &&
			    (b->by_id ? c->bind[i].vendor == b->vendor &&
					c->bind[i].device == b->device :
			     !pci_addr_cmp(&c->bind[i].addr, &b->addr)))
				ret = perr(p, p->line, "%s already has a [bind] section (line %u)",
					   arg, c->bind[i].line);
		return ret;
	}
	if (!strcmp(inner, "pool")) {
		p->kind = K_POOL;
		c->npools++;
		return 0;
	}
	return perr(p, p->line, "unknown section '[%s ...]': expected sriov, vf, bind "
		    "or pool", inner);
}

static const char *const vf_keys[] = {
	"mac", "vlan", "qos", "proto", "spoofchk", "trust", "state", "min-rate",
	"max-rate",
};

static int key_line(struct cparser *p, char *key, char *val)
{
	struct host_conf *c = p->conf;
	unsigned long v;
	int b;

	switch (p->kind) {
	case K_SRIOV: {
		struct host_sriov *s = &c->sriov[c->nsriov - 1];

		if (!strcmp(key, "vfs")) {
			if (parse_uint(val, 65535, &v))
				return perr(p, p->line, "vfs '%s' is not a VF count (0-65535)", val);
			s->vfs = (int)v;
			p->seen_vfs = true;
		} else if (!strcmp(key, "autoprobe")) {
			if ((b = parse_bool(val)) < 0)
				return perr(p, p->line, "autoprobe '%s': expected yes or no", val);
			s->autoprobe = b;
		} else if (!strcmp(key, "link")) {
			if (strcmp(val, "up"))
				return perr(p, p->line, "link '%s': only 'up' can be declared", val);
			s->link_up = true;
		} else {
			return perr(p, p->line, "unknown key '%s' in [sriov]: expected vfs, "
				    "autoprobe or link", key);
		}
		return 0;
	}
	case K_VF: {
		struct host_vf *vf = &c->vf[c->nvf - 1];

		if (!strcmp(key, "driver")) {
			if (!*val || strlen(val) >= sizeof(vf->driver) || strpbrk(val, "/ \t"))
				return perr(p, p->line, "driver '%s' is not a driver name", val);
			snprintf(vf->driver, sizeof(vf->driver), "%s", val);
			return 0;
		}
		if (!strcmp(key, "force")) {
			if ((b = parse_bool(val)) < 0)
				return perr(p, p->line, "force '%s': expected yes or no", val);
			vf->force = b;
			return 0;
		}
		for (size_t i = 0; i < ARRAY_SIZE(vf_keys); i++) {
			if (strcmp(key, vf_keys[i]))
				continue;
			if (p->vf_words[i][0])
				return perr(p, p->line, "'%s' given twice in this section", key);
			p->vf_words[i][0] = strdup(key);
			p->vf_words[i][1] = strdup(val);
			return p->vf_words[i][0] && p->vf_words[i][1] ? 0 : -ENOMEM;
		}
		return perr(p, p->line, "unknown key '%s' in [vf]: expected mac, vlan, qos, "
			    "proto, spoofchk, trust, state, min-rate, max-rate, driver or force",
			    key);
	}
	case K_BIND: {
		struct host_bind *bd = &c->bind[c->nbind - 1];

		if (!strcmp(key, "driver")) {
			if (!*val || strlen(val) >= sizeof(bd->driver) || strpbrk(val, "/ \t"))
				return perr(p, p->line, "driver '%s' is not a driver name", val);
			snprintf(bd->driver, sizeof(bd->driver), "%s", val);
			p->seen_driver = true;
		} else if (!strcmp(key, "force")) {
			if ((b = parse_bool(val)) < 0)
				return perr(p, p->line, "force '%s': expected yes or no", val);
			bd->force = b;
		} else {
			return perr(p, p->line, "unknown key '%s' in [bind]: expected driver "
				    "or force", key);
		}
		return 0;
	}
	default:
		return perr(p, p->line, "key '%s' outside a section: start one with "
			    "[sriov PF], [vf PF#N], [bind BDF] or [pool NAME]", key);
	}
}

/* One line (NUL-terminated copy); pool lines were already taken aside. */
static int parse_line(struct cparser *p, char *s)
{
	char *eq;

	strip_comment(s);
	s = trim(s);
	if (!*s)
		return 0;
	if (*s == '[') {
		int ret = finish(p);
		size_t n = strlen(s);

		if (ret)
			return ret;
		if (s[n - 1] != ']')
			return perr(p, p->line, "section header without ']'");
		s[n - 1] = '\0';
		return start_section(p, s + 1);
	}
	eq = strchr(s, '=');
	if (!eq)
		return perr(p, p->line, "expected 'key = value' or a [section]");
	*eq = '\0';
	return key_line(p, trim(s), trim(eq + 1));
}

void host_pf_ref_format(const struct host_pf_ref *pf, char *buf, size_t len)
{
	char bdf[PCI_ADDR_STRLEN];

	if (pf->by_ifname) {
		snprintf(buf, len, "%s", pf->ifname);
		return;
	}
	pci_addr_format(&pf->addr, bdf);
	snprintf(buf, len, "%s", bdf);
}

/* The [pool] lines alone, other lines blank: pools.conf's parser checks them. */
static int check_pools(struct cparser *p, const char *pooltext, size_t len)
{
	struct pool_conf pc;
	int ret;

	ret = pool_conf_parse(p->fname, pooltext, len, &pc, p->eb);
	if (!ret)
		pool_conf_free(&pc);
	return ret;
}

int host_conf_parse(const char *fname, const char *buf, size_t len,
		    struct host_conf *conf, struct errbuf *eb)
{
	static const char header[] =
		"# Written by 'iopass host apply' from the [pool] sections of\n"
		"# %s: edit that file, not this one.\n";
	struct cparser p = { .fname = fname, .eb = eb, .conf = conf };
	char *pooltext = NULL, *pools = NULL, line[LINE_MAX_LEN + 1];
	size_t off = 0, plen = 0, olen = 0;
	bool in_pool = false;
	int ret = 0;

	memset(conf, 0, sizeof(*conf));
	snprintf(conf->file, sizeof(conf->file), "%s", fname);
	pooltext = malloc(len + 1);
	pools = malloc(len + sizeof(header) + strlen(fname) + 1);
	if (!pooltext || !pools) {
		ret = -ENOMEM;
		goto out;
	}
	olen = (size_t)sprintf(pools, header, fname);
	while (!ret && off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		char probe[LINE_MAX_LEN + 1], *t;

		p.line++;
		if (n > LINE_MAX_LEN) {
			ret = perr(&p, p.line, "line longer than %d bytes", LINE_MAX_LEN);
			break;
		}
		if (memchr(buf + off, '\0', n)) {
			ret = perr(&p, p.line, "NUL byte in the file");
			break;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		/* Does a section start here, and is it a pool? */
		memcpy(probe, line, n + 1);
		strip_comment(probe);
		t = trim(probe);
		if (*t == '[') {
			char *k = trim(t + 1);

			in_pool = !strncmp(k, "pool", 4) && (k[4] == ' ' || k[4] == '\t');
		}
		if (in_pool) {
			memcpy(pooltext + plen, line, n);
			plen += n;
			memcpy(pools + olen, line, n);
			olen += n;
			pools[olen++] = '\n';
			if (*t == '[')
				ret = parse_line(&p, line);	/* closes the section before */
		} else {
			ret = parse_line(&p, line);
		}
		pooltext[plen++] = '\n';
		off += n + (nl ? 1 : 0);
	}
	if (!ret)
		ret = finish(&p);
	if (!ret && conf->npools)
		ret = check_pools(&p, pooltext, plen);
	if (!ret && conf->npools) {
		pools[olen] = '\0';
		conf->pools = pools;
		pools = NULL;
	}
	/* [vf] sections against the [sriov] counts of the same file. */
	for (size_t i = 0; !ret && i < conf->nvf; i++) {
		const struct host_vf *vf = &conf->vf[i];

		for (size_t k = 0; k < conf->nsriov; k++) {
			const struct host_sriov *s = &conf->sriov[k];

			if (s->pf.by_ifname != vf->pf.by_ifname ||
			    (s->pf.by_ifname ? strcmp(s->pf.ifname, vf->pf.ifname) :
			     pci_addr_cmp(&s->pf.addr, &vf->pf.addr)))
				continue;
			for (size_t r = 0; r < vf->nranges; r++)
				if (vf->ranges[r].last >= s->vfs)
					ret = perr(&p, vf->line, "VF %u does not exist: the "
						   "[sriov] section at line %u creates %d VF%s",
						   vf->ranges[r].last, s->line, s->vfs,
						   s->vfs == 1 ? "" : "s");
		}
	}
out:
	free_words(&p);
	free(pooltext);
	free(pools);
	if (ret)
		host_conf_free(conf);
	if (ret == -ENOMEM)
		errbuf_set(eb, ret, "%s: out of memory", fname);
	return ret;
}

int host_conf_load(const char *path, struct host_conf *conf, struct errbuf *eb)
{
	char *text = NULL;
	size_t len;
	int ret;

	memset(conf, 0, sizeof(*conf));
	ret = host_read_file(path[0] == '/' ? "" : ".", path, &text);
	if (ret)
		return errbuf_set(eb, ret, "cannot read %s: %s%s", path, strerror(-ret),
				  ret == -ENOENT ? " (docs/host.md describes the file)" : "");
	len = strlen(text);
	ret = host_conf_parse(path, text, len, conf, eb);
	free(text);
	return ret;
}

void host_conf_free(struct host_conf *conf)
{
	free(conf->sriov);
	free(conf->vf);
	free(conf->bind);
	free(conf->pools);
	memset(conf, 0, sizeof(*conf));
}
