// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pool configuration parser (format: docs/pools.md): the file's
 * structure, lines, "[pool NAME]" sections, "key = value" lines, lists,
 * and the checks a whole pool needs; pool_items.c parses each key's
 * values. It is a pure function over a byte buffer of any content, so a
 * fuzzer drives it directly (tests/fuzz/fuzz_pool_conf.c): every line is
 * copied into a bounded buffer before it is looked at, and every error
 * names FILE:LINE:COLUMN and what was expected there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool_conf_impl.h"

#define CONF_SIZE_MAX	(1 << 20)

const char *pool_conf_default_path(void)
{
	const char *path = getenv("IOPASS_POOLS_CONF");

	return path && *path ? path : "/etc/iopass/pools.conf";
}

/* col is 0-based in the line; messages count from 1, like compilers. */
int conf_perr(struct parser *p, size_t col, const char *fmt, ...)
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

void conf_suggest(const char *word, const char *const *names, size_t n,
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

int conf_split_list(struct parser *p, char *s, size_t col, conf_item_fn fn,
		    void *arg, const char *empty_msg)
{
	char *item = s;
	int ret;

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
			return conf_perr(p, icol, "%s", empty_msg);
		ret = fn(p, item, icol, arg);
		if (ret || !comma)
			return ret;
		item = comma + 1;
	}
}

static int list_item(struct parser *p, char *item, size_t col, void *arg)
{
	(void)arg;
	return p->key->parse(p, item, col);
}

static int parse_list(struct parser *p, char *val, size_t col)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "empty value in the list of '%s' (two commas?)",
		 p->key->name);
	return conf_split_list(p, val, col, list_item, NULL, msg);
}

/* The error of a key that needs another: at the dependent key's line. */
static int perr_at_key(struct parser *p, enum key_id id, const char *msg)
{
	p->line = p->key_line[id];
	return conf_perr(p, p->key_col[id], "%s in pool '%s'", msg, p->cur->name);
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
		ret = conf_perr(p, p->cur_col, "pool '%s' has no selectors and would take every PCI function of the host; add vendor, device, address, pf, driver or class",
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
			return conf_perr(p, name_col, "duplicate pool '%s' (first defined at line %u); pool names must be unique",
				    conf->pools[i].name, conf->pools[i].line);
	if (conf->npools == POOL_MAX)
		return conf_perr(p, col, "too many pools (at most %d)", POOL_MAX);
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
			return conf_perr(p, i, "expected 'pool' after '[': sections are '[pool NAME]'");
		snprintf(word, sizeof(word), "%.*s", (int)(i - w < 32 ? i - w : 32),
			 s + w);
		conf_suggest(word, types, ARRAY_SIZE(types), hint, sizeof(hint));
		return conf_perr(p, w, "unknown section '%s'%s: sections are '[pool NAME]'",
			    word, hint);
	}
	while (is_space(s[i]))
		i++;
	for (name = i; s[i] && s[i] != ']' && !is_space(s[i]); i++)
		;
	nlen = i - name;
	if (!nlen)
		return conf_perr(p, name, "empty pool name: expected '[pool NAME]'");
	if (nlen >= POOL_NAME_MAX)
		return conf_perr(p, name, "pool name is too long (%zu characters, at most %d)",
			    nlen, POOL_NAME_MAX - 1);
	for (size_t j = name; j < i; j++)
		if (!is_word(s[j]) && s[j] != '.')
			return conf_perr(p, j, "bad character '%c' in pool name: use letters, digits, '-', '_' and '.'",
				    s[j]);
	while (is_space(s[i]))
		i++;
	if (s[i] != ']')
		return conf_perr(p, i, s[i] ? "expected ']' after pool name '%.*s' (pool names cannot contain spaces)"
				       : "expected ']' after pool name '%.*s'",
			    (int)nlen, s + name);
	for (i++; is_space(s[i]); i++)
		;
	if (s[i] && s[i] != '#')
		return conf_perr(p, i, "unexpected '%c' after ']': expected the end of the line or a # comment",
			    s[i]);
	return pool_start(p, s + name, nlen, col, name);
}

static const struct key *key_lookup(const char *name)
{
	for (size_t i = 0; i < K_COUNT; i++)
		if (!strcmp(name, pool_conf_keys[i].name))
			return &pool_conf_keys[i];
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
		return conf_perr(p, col, "expected a key, '[pool NAME]' or a # comment, not '%c'",
			    s[col]);
	memcpy(name, s + col, i - col);
	name[i - col] = '\0';
	p->key = key_lookup(name);
	if (!p->key) {
		for (size_t k = 0; k < K_COUNT; k++)
			names[k] = pool_conf_keys[k].name;
		conf_suggest(name, names, K_COUNT, hint, sizeof(hint));
		if (hint[0])
			return conf_perr(p, col, "unknown key '%.64s'%s", name, hint);
		return conf_perr(p, col, "unknown key '%.64s': expected vendor, device, address, driver, class, pf, vfs-only, mac, vlan, qos, vlan-proto, spoofchk, trust, state, max-tx-rate or min-tx-rate",
			    name);
	}
	id = (enum key_id)(p->key - pool_conf_keys);
	if (!p->cur)
		return conf_perr(p, col, "key '%s' outside a section: start a pool with '[pool NAME]' first",
			    name);
	while (is_space(s[i]))
		i++;
	if (s[i] != '=')
		return conf_perr(p, i, "expected '=' after key '%s'", name);
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
		return conf_perr(p, vcol, "expected a value after '%s ='", name);
	if (p->key->kind == KIND_ONCE && p->key_line[id])
		return conf_perr(p, col, "'%s' is already set for pool '%s' at line %u; set it once",
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
			return conf_perr(p, j, "NUL byte: the pool configuration must be a text file");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return conf_perr(p, j, "control character 0x%02x: the pool configuration must be a text file",
				    c);
	}
	i = utf8_valid_len(p->buf, len);
	if (i < len)
		return conf_perr(p, i, "byte 0x%02x is not UTF-8: the pool configuration must "
				 "be a UTF-8 text file", (unsigned char)p->buf[i]);
	i = 0;
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
			ret = conf_perr(p, CONF_LINE_MAX, "line is longer than %d bytes",
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
	struct stat st;
	ssize_t n;
	int fd, ret;

	memset(conf, 0, sizeof(*conf));
	/* O_NONBLOCK: a FIFO given as the file must not hang us in open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return errbuf_set(eb, ret, "cannot read %s: %s", path,
				  strerror(-ret));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(eb, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
				  "%s is not a regular file: give the pool "
				  "configuration file (--config or $IOPASS_POOLS_CONF)", path);
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
