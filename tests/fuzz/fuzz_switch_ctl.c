// SPDX-License-Identifier: GPL-2.0-only
/*
 * The switch's control protocol on any bytes, both ends. The input is
 * framed as the switch frames it (up to the first newline, read as a C
 * string): a request that parses names a known operation, and for port
 * add/del a valid port name and a path that is empty or absolute, and
 * survives a format/parse round trip unchanged; one that does not says why
 * in one line. The same bytes as a reply line (switch_reply_final,
 * switch_kv_split, what the CLI reads) give a defined answer and keys and
 * values inside the line.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "iopass/vhost.h"
#include "fuzz_input.h"

static void check_reply(const char *line)
{
	char copy[SWITCH_LINE_MAX * 4];
	struct switch_kv kv[SWITCH_MAX_KV];
	const char *msg = NULL, *type;
	unsigned int n = 0;
	size_t len = strlen(line);
	int fin = switch_reply_final(line, &msg);

	FUZZ_CHECK(fin == 1 || fin == 0 || fin < 0);
	if (fin < 0 && fin != -EPROTO)
		FUZZ_CHECK(msg != NULL && fin >= -4095);
	memcpy(copy, line, len + 1);
	if (switch_kv_split(copy, &type, kv, SWITCH_MAX_KV, &n))
		return;
	FUZZ_CHECK(n <= SWITCH_MAX_KV);
	for (unsigned int i = 0; i < n; i++) {
		FUZZ_CHECK(kv[i].key >= copy && kv[i].key < copy + len + 1);
		FUZZ_CHECK(kv[i].val >= copy && kv[i].val <= copy + len);
		FUZZ_CHECK(!strchr(kv[i].key, '='));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[SWITCH_LINE_MAX], buf[SWITCH_LINE_MAX * 2];
	struct switch_req req, again;
	struct errbuf eb = { "" };
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) : size;

	/* the switch drops a line that does not fit its buffer */
	if (len >= sizeof(line))
		return 0;
	memcpy(line, data, len);
	line[len] = '\0';
	check_reply(line);
	memset(&req, 0, sizeof(req));
	if (switch_req_parse(line, &req, &eb)) {
		FUZZ_CHECK(eb.msg[0] && !strchr(eb.msg, '\n'));
		return 0;
	}
	FUZZ_CHECK(req.op >= SWITCH_OP_PING && req.op <= SWITCH_OP_STOP);
	if (req.op == SWITCH_OP_PORT_ADD || req.op == SWITCH_OP_PORT_DEL)
		FUZZ_CHECK(switch_name_valid(req.port.name));
	if (req.op == SWITCH_OP_PORT_ADD) {
		FUZZ_CHECK(memchr(req.port.path, '\0', sizeof(req.port.path)) != NULL);
		FUZZ_CHECK(!req.port.path[0] || req.port.path[0] == '/');
		for (const char *p = req.port.path; *p; p++)
			FUZZ_CHECK((unsigned char)*p > ' ' && (unsigned char)*p != 0x7f);
		FUZZ_CHECK(req.port.vlan < 4096);
		FUZZ_CHECK(!(req.port.mac[0] & 1));
	}
	FUZZ_CHECK(switch_req_format(&req, buf, sizeof(buf)) == 0);
	FUZZ_CHECK(!strchr(buf, '\n'));
	memset(&again, 0, sizeof(again));
	FUZZ_CHECK(switch_req_parse(buf, &again, &eb) == 0);
	FUZZ_CHECK(again.op == req.op);
	if (req.op == SWITCH_OP_PORT_ADD || req.op == SWITCH_OP_PORT_DEL)
		FUZZ_CHECK(!strcmp(again.port.name, req.port.name));
	if (req.op == SWITCH_OP_PORT_ADD)
		FUZZ_CHECK(!strcmp(again.port.path, req.port.path) &&
			   again.port.mode == req.port.mode &&
			   !memcmp(again.port.mac, req.port.mac, 6) &&
			   again.port.vlan == req.port.vlan);
	return 0;
}
