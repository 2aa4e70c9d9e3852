/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iopass-switch, the DPDK poll-mode vhost-user backend, as the rest of
 * iopass sees it: its control protocol and a client for it. The switch
 * itself (virtio-vhost-user/switch_*.c) is a DPDK program of its own; only
 * it links DPDK. docs/switch.md describes the protocol for people.
 *
 * The control socket is a UNIX stream socket, by default
 * $IOPASS_STATE_DIR/switch.sock. A request is one line; the reply is zero or
 * more record lines ("TYPE key=value ...") and then one final line, "ok" or
 * "err ERRNO MESSAGE" (ERRNO a positive errno number). Requests:
 *
 *   ping
 *   port add NAME mac=MAC [vlan=N] [path=PATH] [mode=server|client|sink]
 *   port del NAME
 *   port list
 *   pool list
 *   stats
 *   stop
 *
 * Values never hold blanks: names are [A-Za-z0-9_.-], paths are absolute.
 */
#ifndef IOPASS_VHOST_H
#define IOPASS_VHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

#define SWITCH_NAME_MAX		32	/* with the NUL */
#define SWITCH_PATH_MAX		108	/* sun_path */
#define SWITCH_LINE_MAX		1024
#define SWITCH_MAX_KV		32

enum switch_op {
	SWITCH_OP_PING,
	SWITCH_OP_PORT_ADD,
	SWITCH_OP_PORT_DEL,
	SWITCH_OP_PORT_LIST,
	SWITCH_OP_POOL_LIST,
	SWITCH_OP_STATS,
	SWITCH_OP_STOP,
};

enum switch_port_mode {
	SWITCH_PORT_SERVER,	/* the switch listens; the VMM connects */
	SWITCH_PORT_CLIENT,	/* the switch connects, and reconnects */
	SWITCH_PORT_SINK,	/* no socket: frames are counted and freed */
};

const char *switch_port_mode_name(enum switch_port_mode m);

/* A guest port: a vhost-user socket whose guest owns one pool (MAC+VLAN). */
struct switch_port_spec {
	char name[SWITCH_NAME_MAX];
	char path[SWITCH_PATH_MAX];	/* "": the switch's default for NAME */
	enum switch_port_mode mode;
	uint8_t mac[6];
	uint16_t vlan;			/* 0: untagged */
};

struct switch_req {
	enum switch_op op;
	struct switch_port_spec port;	/* add: all of it; del: the name */
};

/* One request line (without its newline). -EINVAL with the reason in eb. */
int switch_req_parse(const char *line, struct switch_req *req, struct errbuf *eb);
/* A line as read (len bytes, NUL-terminated after them): any NUL in it is refused. */
int switch_req_parse_line(const char *buf, size_t len, struct switch_req *req,
			  struct errbuf *eb);
/* The line for req, without a newline; -ENOSPC when it does not fit. */
int switch_req_format(const struct switch_req *req, char *buf, size_t len);
/*
 * One key=value of "port add" (mac, vlan, path, mode) into p, checked as
 * the switch checks it; seen (may be NULL) refuses a key given twice.
 */
int switch_port_set(struct switch_port_spec *p, const char *key, const char *val,
		    unsigned int *seen, struct errbuf *eb);

/* A port name: 1-31 of [A-Za-z0-9_.-]. */
bool switch_name_valid(const char *name);

/*
 * The request line for "port add" (name, mac, and vlan, path, mode when
 * not NULL) or "port del" (name), each value checked as the switch checks
 * it, so that bad input never reaches a running switch. -EINVAL with why.
 */
int switch_port_req(enum switch_op op, const char *name, const char *mac,
		    const char *vlan, const char *path, const char *mode,
		    char *line, size_t len, struct errbuf *eb);

/*
 * Splits a record line in place: *type := its first word, kv := its
 * key=value words (at most max). -EINVAL for a word without '='.
 */
struct switch_kv {
	const char *key;
	const char *val;
};

int switch_kv_split(char *line, const char **type, struct switch_kv *kv,
		    unsigned int max, unsigned int *n);
const char *switch_kv_get(const struct switch_kv *kv, unsigned int n,
			  const char *key);

/*
 * A final line: 1 for "ok", 0 for a record line, or -ERRNO for
 * "err ERRNO MESSAGE" (*msg := MESSAGE). A malformed final line is -EPROTO.
 */
int switch_reply_final(const char *line, const char **msg);

/* $IOPASS_STATE_DIR/switch.sock (or /run/iopass/switch.sock). */
void switch_default_ctl(char *buf, size_t len);

/*
 * Sends one request and collects the record lines of its reply (*lines,
 * malloc'd, free with switch_lines_free). Returns 0 on "ok", the switch's
 * -errno on "err" (its message in eb), -ENOENT or -ECONNREFUSED when no
 * switch listens at ctl, -ETIMEDOUT after timeout_ms without a reply.
 */
int switch_call(const char *ctl, const char *request, int timeout_ms,
		char ***lines, size_t *nlines, struct errbuf *eb);
void switch_lines_free(char **lines, size_t n);

/*
 * A reply's records as JSON (`iopass switch ... --json`, docs/switch.md):
 * an object with "switch" and "uplink" objects and "ports" and "pools"
 * arrays, or with only ("port" or "pool") that array alone. Numbers are
 * numbers; MACs, names and paths strings. Splits the lines in place.
 */
struct json_object;
struct json_object *switch_records_json(char **lines, size_t n, const char *only);
/*
 * The same records as the text tables `iopass switch` prints (ports, pools,
 * queues, the switch and uplink lines), malloc'd; NULL without memory.
 * Splits the lines in place.
 */
char *switch_records_text(char **lines, size_t n);

#endif
