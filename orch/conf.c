// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM description file: `key = value` lines that stand for the long
 * options of `iopass vm run`, so that one option parser serves both and the
 * file can never mean something the command line cannot say.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iopass/orch.h"

#define CONF_MAX_BYTES	(1 << 20)
#define CONF_MAX_LINES	4096

struct words {
	int n;
	int cap;
	char **v;
};

static int words_add(struct words *w, const char *s, size_t len)
{
	char *copy;

	if (w->n + 2 > w->cap) {
		int cap = w->cap ? w->cap * 2 : 16;
		char **v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	w->v[w->n++] = copy;
	w->v[w->n] = NULL;
	return 0;
}

static const struct orch_conf_key *conf_key(const struct orch_conf_key *keys,
					  size_t nkeys, const char *s,
					  size_t len)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strlen(keys[i].name) == len && !memcmp(keys[i].name, s, len))
			return &keys[i];
	return NULL;
}

/* yes/true/1 -> 1, no/false/0 -> 0, else -1. */
static int conf_flag(const char *s, size_t len)
{
	static const char *const yes[] = { "yes", "true", "1", "on" };
	static const char *const no[] = { "no", "false", "0", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == len && !strncasecmp(yes[i], s, len))
			return 1;
		if (strlen(no[i]) == len && !strncasecmp(no[i], s, len))
			return 0;
	}
	return -1;
}

static void trim(const char **s, const char **end)
{
	while (*s < *end && isblank((unsigned char)**s))
		(*s)++;
	while (*end > *s && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

static int conf_line(struct words *w, const char *s, const char *end,
		     const char *file, int line, const struct orch_conf_key *keys,
		     size_t nkeys, struct errbuf *eb)
{
	const char *k = s, *kend, *v, *vend = end;
	const struct orch_conf_key *key;
	size_t bad = utf8_valid_len(s, end - s);
	int ret;

	/* Text only: an ESC or a stray byte in a path is a mistake, or worse. */
	for (size_t i = 0; i < bad; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			bad = i;
	if (bad < (size_t)(end - s))
		return errbuf_set(eb, -EINVAL, "%s:%d: byte 0x%02x is a control character or "
				  "not UTF-8: a VM description is UTF-8 text", file, line,
				  (unsigned char)s[bad]);
	while (s < end && (isalnum((unsigned char)*s) || *s == '-' || *s == '_'))
		s++;
	kend = s;
	trim(&s, &vend);
	if (k == kend)
		return errbuf_set(eb, -EINVAL,
			"%s:%d: expected 'key = value', found '%.*s'", file,
			line, (int)(end - k) > 60 ? 60 : (int)(end - k), k);
	key = conf_key(keys, nkeys, k, kend - k);
	if (!key)
		return errbuf_set(eb, -EINVAL,
			"%s:%d: unknown key '%.*s'; the keys are the long options of 'iopass vm run' (see --help)",
			file, line, (int)(kend - k), k);
	if (s < vend && *s != '=')
		return errbuf_set(eb, -EINVAL,
			"%s:%d: expected '=' after '%s'", file, line, key->name);
	v = s < vend ? s + 1 : s;
	trim(&v, &vend);
	if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
		v++;
		vend--;
	} else if (memchr(v, '"', vend - v)) {
		return errbuf_set(eb, -EINVAL,
			"%s:%d: unbalanced quote in the value of '%s'", file,
			line, key->name);
	}

	if (!key->has_value) {
		int on = v == vend ? 1 : conf_flag(v, vend - v);

		if (on < 0)
			return errbuf_set(eb, -EINVAL,
				"%s:%d: '%s' is a yes/no flag, not '%.*s'", file,
				line, key->name, (int)(vend - v), v);
		if (!on)
			return 0;
	} else if (v == vend) {
		return errbuf_set(eb, -EINVAL, "%s:%d: '%s' needs a value",
				  file, line, key->name);
	}

	/* "--" + name */
	char opt[72];
	size_t olen = strlen(key->name);

	if (olen + 3 > sizeof(opt))
		return errbuf_set(eb, -EINVAL, "%s:%d: key too long", file, line);
	opt[0] = opt[1] = '-';
	memcpy(opt + 2, key->name, olen + 1);
	ret = words_add(w, opt, olen + 2);
	if (!ret && key->has_value)
		ret = words_add(w, v, vend - v);
	if (ret)
		return errbuf_set(eb, ret, "%s: out of memory", file);
	return 0;
}

int orch_conf_parse(const char *text, const char *file,
		    const struct orch_conf_key *keys, size_t nkeys,
		    int *argc, char ***argv, struct errbuf *eb)
{
	struct words w = { 0 };
	const char *p = text;
	int line = 0, ret = 0;

	if (strlen(text) > CONF_MAX_BYTES)
		return errbuf_set(eb, -E2BIG, "%s: larger than 1 MiB; is it a VM description?",
				  file);
	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		const char *s = p, *e = end;

		if (++line > CONF_MAX_LINES) {
			ret = errbuf_set(eb, -E2BIG, "%s: more than %d lines",
					 file, CONF_MAX_LINES);
			goto err;
		}
		trim(&s, &e);
		if (s < e && *s != '#') {
			ret = conf_line(&w, s, e, file, line, keys, nkeys, eb);
			if (ret)
				goto err;
		}
		p = nl ? nl + 1 : end;
	}
	if (!w.v) {
		w.v = calloc(1, sizeof(*w.v));	/* an empty vector */
		if (!w.v)
			return errbuf_set(eb, -ENOMEM, "%s: out of memory", file);
	}
	*argc = w.n;
	*argv = w.v;
	return 0;
err:
	orch_conf_free(w.n, w.v);
	return ret;
}

int orch_conf_load(const char *path, const struct orch_conf_key *keys,
		   size_t nkeys, int *argc, char ***argv, struct errbuf *eb)
{
	struct stat st;
	char *text;
	ssize_t got;
	int fd, ret;

	/* O_NONBLOCK: a FIFO is refused below, not waited on in open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return errbuf_set(eb, ret, "cannot open VM description %s: %s; check --config",
				  path, strerror(-ret));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(eb, -EINVAL, "VM description %s is not a regular file; check --config",
				  path);
	}
	if (st.st_size > CONF_MAX_BYTES) {
		close(fd);
		return errbuf_set(eb, -E2BIG, "%s: larger than 1 MiB; is it a VM description?",
				  path);
	}
	text = malloc(st.st_size + 1);
	if (!text) {
		close(fd);
		return errbuf_set(eb, -ENOMEM, "%s: out of memory", path);
	}
	got = read(fd, text, st.st_size);
	ret = got < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		free(text);
		return errbuf_set(eb, ret, "cannot read %s: %s", path,
				  strerror(-ret));
	}
	text[got] = '\0';
	if (memchr(text, '\0', got)) {
		free(text);
		return errbuf_set(eb, -EINVAL, "%s is a binary file, not a VM description; check --config",
				  path);
	}
	ret = orch_conf_parse(text, path, keys, nkeys, argc, argv, eb);
	free(text);
	return ret;
}

void orch_conf_free(int argc, char **argv)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int orch_conf_argv(const char *path, const struct orch_conf_key *keys,
		   size_t nkeys, int argc, char **argv, int *nargc,
		   char ***nargv, int *nconf, char ***conf, struct errbuf *eb)
{
	char **v;
	int i, k, ret;

	ret = orch_conf_load(path, keys, nkeys, nconf, conf, eb);
	if (ret)
		return ret;
	v = calloc(argc + *nconf + 1, sizeof(*v));
	if (!v) {
		orch_conf_free(*nconf, *conf);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	v[0] = argv[0];
	for (k = 0; k < *nconf; k++)
		v[1 + k] = (*conf)[k];
	for (i = 1; i < argc; i++)
		v[1 + k++] = argv[i];
	*nargc = 1 + k;
	*nargv = v;
	return 0;
}
