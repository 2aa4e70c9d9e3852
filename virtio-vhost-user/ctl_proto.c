// SPDX-License-Identifier: GPL-2.0-only
/*
 * The switch's control protocol: request lines in, record lines and a final
 * ok/err line out (grammar in include/iopass/vhost.h). Both the switch and
 * the CLI use these, so the two can only disagree through a bug found here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/vhost.h"
#include "iopass/vmdq.h"

#define MAX_WORDS	16

const char *switch_port_mode_name(enum switch_port_mode m)
{
	return m == SWITCH_PORT_CLIENT ? "client" : m == SWITCH_PORT_SINK ? "sink" : "server";
}

bool switch_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= SWITCH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Splits at blanks (spaces and tabs); a trailing '\r' is a blank too. */
static int split_words(char *s, char **w, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			*s++ = '\0';
		if (!*s)
			return n;
		if (n == max)
			return -E2BIG;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
}

static int parse_u16(const char *s, unsigned int max, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int switch_port_set(struct switch_port_spec *p, const char *key, const char *val,
		    unsigned int *seen, struct errbuf *eb)
{
	unsigned int none = 0;
	static const char *const keys[] = { "mac", "vlan", "path", "mode" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			break;
	if (i == ARRAY_SIZE(keys))
		return errbuf_set(eb, -EINVAL, "port add: unknown key '%s' (keys: mac, vlan, "
				  "path, mode)", key);
	if (!seen)
		seen = &none;
	if (*seen & 1u << i)
		return errbuf_set(eb, -EINVAL, "port add: '%s' given twice", key);
	*seen |= 1u << i;
	switch (i) {
	case 0:
		if (mac_parse(val, strlen(val), p->mac) ||
		    vmdq_mac_is_multicast(p->mac) ||
		    !memcmp(p->mac, "\0\0\0\0\0\0", 6))
			return errbuf_set(eb, -EINVAL, "port add: mac '%s' is not a unicast "
					  "MAC like 52:54:00:12:34:56", val);
		return 0;
	case 1:
		if (parse_u16(val, VMDQ_VLAN_MAX, &p->vlan))
			return errbuf_set(eb, -EINVAL, "port add: vlan '%s' is not 0 "
					  "(untagged) to %u", val, VMDQ_VLAN_MAX);
		return 0;
	case 2:
		if (val[0] != '/' || strlen(val) >= SWITCH_PATH_MAX)
			return errbuf_set(eb, -EINVAL, "port add: path '%s' must be absolute "
					  "and under %d bytes", val, SWITCH_PATH_MAX);
		snprintf(p->path, sizeof(p->path), "%s", val);
		return 0;
	default:
		for (int m = SWITCH_PORT_SERVER; m <= SWITCH_PORT_SINK; m++)
			if (!strcmp(val, switch_port_mode_name(m))) {
				p->mode = m;
				return 0;
			}
		return errbuf_set(eb, -EINVAL, "port add: mode '%s' is not server, client "
				  "or sink", val);
	}
}

static int parse_port_add(char **w, int n, struct switch_req *req, struct errbuf *eb)
{
	unsigned int seen = 0;
	int err;

	for (int i = 3; i < n; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq || eq == w[i])
			return errbuf_set(eb, -EINVAL, "port add: '%s' is not key=value", w[i]);
		*eq = '\0';
		err = switch_port_set(&req->port, w[i], eq + 1, &seen, eb);
		if (err)
			return err;
	}
	if (!(seen & 1))
		return errbuf_set(eb, -EINVAL, "port add: a port needs mac=MAC (the guest's "
				  "MAC: its pool's key)");
	return 0;
}

int switch_port_req(enum switch_op op, const char *name, const char *mac,
		    const char *vlan, const char *path, const char *mode,
		    char *line, size_t len, struct errbuf *eb)
{
	struct switch_req req = { .op = op };

	if (!switch_name_valid(name))
		return errbuf_set(eb, -EINVAL, "port %s: '%s' is not a port name (1-%d of "
				  "letters, digits, '_', '.', '-')", op == SWITCH_OP_PORT_DEL ?
				  "del" : "add", name, SWITCH_NAME_MAX - 1);
	snprintf(req.port.name, sizeof(req.port.name), "%s", name);
	if (op == SWITCH_OP_PORT_ADD) {
		if (!mac)
			return errbuf_set(eb, -EINVAL, "port add: give the port's MAC (--mac MAC)");
		/* One value, one word: a blank or a newline would smuggle in
		 * another key or another request. */
		if (strpbrk(mac, " \t\r\n") || (vlan && strpbrk(vlan, " \t\r\n")) ||
		    (path && strpbrk(path, " \t\r\n")))
			return errbuf_set(eb, -EINVAL, "port add: the MAC, VLAN and socket path "
					  "take one word each (no blanks or newlines)");
		if (switch_port_set(&req.port, "mac", mac, NULL, eb) ||
		    (vlan && switch_port_set(&req.port, "vlan", vlan, NULL, eb)) ||
		    (mode && switch_port_set(&req.port, "mode", mode, NULL, eb)) ||
		    (path && switch_port_set(&req.port, "path", path, NULL, eb)))
			return -EINVAL;
	}
	return switch_req_format(&req, line, len) ?
	       errbuf_set(eb, -ENOSPC, "port %s: the request is too long", name) : 0;
}

int switch_req_parse_line(const char *buf, size_t len, struct switch_req *req,
			  struct errbuf *eb)
{
	/* "stop\0garbage" is not "stop": a NUL ends nothing on the wire. */
	if (memchr(buf, '\0', len)) {
		memset(req, 0, sizeof(*req));
		return errbuf_set(eb, -EINVAL, "request has a NUL byte");
	}
	return switch_req_parse(buf, req, eb);
}

int switch_req_parse(const char *line, struct switch_req *req, struct errbuf *eb)
{
	char buf[SWITCH_LINE_MAX], *w[MAX_WORDS];
	int n;

	memset(req, 0, sizeof(*req));
	if (strlen(line) >= sizeof(buf))
		return errbuf_set(eb, -EINVAL, "request longer than %d bytes", SWITCH_LINE_MAX - 1);
	for (const char *c = line; *c; c++)
		/* DEL too (it passed: tests/fuzz/fuzz_switch_ctl.c) */
		if (((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') || *c == 0x7f)
			return errbuf_set(eb, -EINVAL, "request has a control character "
					  "(0x%02x)", *c);
	strcpy(buf, line);
	n = split_words(buf, w, MAX_WORDS);
	if (n < 0)
		return errbuf_set(eb, -EINVAL, "request has more than %d words", MAX_WORDS);
	if (!n)
		return errbuf_set(eb, -EINVAL, "empty request");

	if (n == 1 && !strcmp(w[0], "ping"))
		req->op = SWITCH_OP_PING;
	else if (n == 1 && !strcmp(w[0], "stats"))
		req->op = SWITCH_OP_STATS;
	else if (n == 1 && !strcmp(w[0], "stop"))
		req->op = SWITCH_OP_STOP;
	else if (n == 2 && !strcmp(w[0], "pool") && !strcmp(w[1], "list"))
		req->op = SWITCH_OP_POOL_LIST;
	else if (n == 2 && !strcmp(w[0], "port") && !strcmp(w[1], "list"))
		req->op = SWITCH_OP_PORT_LIST;
	else if (n >= 2 && !strcmp(w[0], "port") &&
		 (!strcmp(w[1], "add") || !strcmp(w[1], "del"))) {
		bool add = w[1][0] == 'a';

		if (n < 3 || !switch_name_valid(w[2]))
			return errbuf_set(eb, -EINVAL, "port %s: give a port name of 1-%d "
					  "letters, digits, '_', '.' or '-'", w[1],
					  SWITCH_NAME_MAX - 1);
		strcpy(req->port.name, w[2]);
		if (!add) {
			if (n != 3)
				return errbuf_set(eb, -EINVAL, "port del takes only a name");
			req->op = SWITCH_OP_PORT_DEL;
			return 0;
		}
		req->op = SWITCH_OP_PORT_ADD;
		return parse_port_add(w, n, req, eb);
	} else {
		return errbuf_set(eb, -EINVAL, "unknown request '%.64s' (ping, port add|del|list, "
				  "pool list, stats, stop)", line);
	}
	return 0;
}

int switch_req_format(const struct switch_req *req, char *buf, size_t len)
{
	static const char *const simple[] = {
		[SWITCH_OP_PING] = "ping", [SWITCH_OP_PORT_LIST] = "port list",
		[SWITCH_OP_POOL_LIST] = "pool list", [SWITCH_OP_STATS] = "stats",
		[SWITCH_OP_STOP] = "stop",
	};
	const struct switch_port_spec *p = &req->port;
	char mac[18];
	int r;

	switch (req->op) {
	case SWITCH_OP_PORT_ADD:
		mac_format(p->mac, mac);
		r = snprintf(buf, len, "port add %s mac=%s vlan=%u mode=%s%s%s", p->name,
			     mac, p->vlan, switch_port_mode_name(p->mode),
			     p->path[0] ? " path=" : "", p->path);
		break;
	case SWITCH_OP_PORT_DEL:
		r = snprintf(buf, len, "port del %s", p->name);
		break;
	default:
		if ((unsigned int)req->op >= ARRAY_SIZE(simple) || !simple[req->op])
			return -EINVAL;
		r = snprintf(buf, len, "%s", simple[req->op]);
	}
	return r < 0 || (size_t)r >= len ? -ENOSPC : 0;
}

int switch_kv_split(char *line, const char **type, struct switch_kv *kv,
		    unsigned int max, unsigned int *n)
{
	char *w[SWITCH_MAX_KV + 1];
	int nw = split_words(line, w, SWITCH_MAX_KV + 1);

	*n = 0;
	if (nw <= 0)
		return -EINVAL;
	*type = w[0];
	for (int i = 1; i < nw; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq || eq == w[i] || *n == max)
			return -EINVAL;
		*eq = '\0';
		kv[*n].key = w[i];
		kv[*n].val = eq + 1;
		(*n)++;
	}
	return 0;
}

const char *switch_kv_get(const struct switch_kv *kv, unsigned int n, const char *key)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	return NULL;
}

int switch_reply_final(const char *line, const char **msg)
{
	char *end;
	long e;

	if (!strcmp(line, "ok"))
		return 1;
	if (strncmp(line, "err", 3) || (line[3] && line[3] != ' '))
		return 0;
	if (line[3] != ' ' || line[4] < '1' || line[4] > '9')
		return -EPROTO;
	e = strtol(line + 4, &end, 10);
	if (e <= 0 || e > 4095 || (*end && *end != ' '))
		return -EPROTO;
	*msg = *end ? end + 1 : "";
	return (int)-e;
}
