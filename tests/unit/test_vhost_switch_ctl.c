// SPDX-License-Identifier: GPL-2.0-only
/* The switch's control protocol: requests, records, final lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/vhost.h"

static void test_simple_requests(void **state)
{
	static const struct { const char *line; enum switch_op op; } ok[] = {
		{ "ping", SWITCH_OP_PING }, { "stats", SWITCH_OP_STATS },
		{ "stop", SWITCH_OP_STOP }, { "pool list", SWITCH_OP_POOL_LIST },
		{ "port list", SWITCH_OP_PORT_LIST }, { "  port \t list\r", SWITCH_OP_PORT_LIST },
	};
	struct switch_req r;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(switch_req_parse(ok[i].line, &r, NULL), 0);
		assert_int_equal(r.op, ok[i].op);
	}
}

static void test_port_add(void **state)
{
	struct switch_req r;
	char line[SWITCH_LINE_MAX];

	(void)state;
	assert_int_equal(switch_req_parse("port add vm1 mac=52:54:00:aa:bb:cc", &r, NULL), 0);
	assert_int_equal(r.op, SWITCH_OP_PORT_ADD);
	assert_string_equal(r.port.name, "vm1");
	assert_int_equal(r.port.mac[5], 0xcc);
	assert_int_equal(r.port.vlan, 0);
	assert_int_equal(r.port.mode, SWITCH_PORT_SERVER);
	assert_string_equal(r.port.path, "");

	assert_int_equal(switch_req_parse("port add a.b-c_1 mode=client vlan=4094 "
					  "path=/run/x.sock mac=02:00:00:00:00:01", &r, NULL), 0);
	assert_int_equal(r.port.mode, SWITCH_PORT_CLIENT);
	assert_int_equal(r.port.vlan, 4094);
	assert_string_equal(r.port.path, "/run/x.sock");

	/* format then parse gives the same request back */
	assert_int_equal(switch_req_format(&r, line, sizeof(line)), 0);
	assert_string_equal(line, "port add a.b-c_1 mac=02:00:00:00:00:01 vlan=4094 "
			    "mode=client path=/run/x.sock");
	{
		struct switch_req r2;

		assert_int_equal(switch_req_parse(line, &r2, NULL), 0);
		assert_memory_equal(&r.port, &r2.port, sizeof(r.port));
	}
	assert_int_equal(switch_req_format(&r, line, 10), -ENOSPC);

	assert_int_equal(switch_req_parse("port add s mac=02:00:00:00:00:09 mode=sink", &r,
					  NULL), 0);
	assert_int_equal(r.port.mode, SWITCH_PORT_SINK);
	assert_int_equal(switch_req_parse("port del vm1", &r, NULL), 0);
	assert_int_equal(r.op, SWITCH_OP_PORT_DEL);
	assert_string_equal(r.port.name, "vm1");
}

static void test_bad_requests(void **state)
{
	static const struct { const char *line, *msg; } bad[] = {
		{ "", "empty request" },
		{ "   ", "empty request" },
		{ "pong", "unknown request" },
		{ "ping extra", "unknown request" },
		{ "port add", "give a port name" },
		{ "port add bad/name mac=02:00:00:00:00:01", "give a port name" },
		{ "port add abcdefghijabcdefghijabcdefghij12 mac=02:00:00:00:00:01",
		  "give a port name" },
		{ "port add vm1", "needs mac=MAC" },
		{ "port add vm1 vlan=3", "needs mac=MAC" },
		{ "port add vm1 mac=01:00:5e:00:00:01", "not a unicast" },
		{ "port add vm1 mac=ff:ff:ff:ff:ff:ff", "not a unicast" },
		{ "port add vm1 mac=00:00:00:00:00:00", "not a unicast" },
		{ "port add vm1 mac=52:54:00:aa:bb", "not a unicast" },
		{ "port add vm1 mac=52:54:00:aa:bb:cc:dd", "not a unicast" },
		{ "port add vm1 mac=02:00:00:00:00:01 vlan=4095", "vlan '4095'" },
		{ "port add vm1 mac=02:00:00:00:00:01 vlan=-1", "vlan '-1'" },
		{ "port add vm1 mac=02:00:00:00:00:01 vlan=99999999999999999999", "vlan" },
		{ "port add vm1 mac=02:00:00:00:00:01 vlan=", "vlan ''" },
		{ "port add vm1 mac=02:00:00:00:00:01 path=relative.sock", "absolute" },
		{ "port add vm1 mac=02:00:00:00:00:01 path=/run/a\x7f.sock", "control character (0x7f)" },
		{ "port add vm1 mac=02:00:00:00:00:01 path=/run/a\x1b[2J", "control character (0x1b)" },
		{ "port add vm1 mac=02:00:00:00:00:01 mode=both", "mode 'both'" },
		{ "port add vm1 mac=02:00:00:00:00:01 mac=02:00:00:00:00:02", "given twice" },
		{ "port add vm1 mac=02:00:00:00:00:01 colour=red", "unknown key 'colour'" },
		{ "port add vm1 mac=02:00:00:00:00:01 =x", "not key=value" },
		{ "port add vm1 mac=02:00:00:00:00:01 junk", "not key=value" },
		{ "port del", "give a port name" },
		{ "port del vm1 vm2", "only a name" },
		{ "a b c d e f g h i j k l m n o p q", "more than 16 words" },
		{ "port add vm1 mac=02:00:00:00:00:01 path=/x\nstop", "control character (0x0a)" },
		{ "ping\x1b[2J", "control character (0x1b)" },
	};
	struct switch_req r;
	struct errbuf eb;
	char big[SWITCH_LINE_MAX + 10];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eb.msg[0] = '\0';
		assert_int_equal(switch_req_parse(bad[i].line, &r, &eb), -EINVAL);
		if (!strstr(eb.msg, bad[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].line, eb.msg, bad[i].msg);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(switch_req_parse(big, &r, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "longer than"));
}

/* A line as it came off the socket: a NUL inside is refused, not a cut. */
static void test_nul_in_line(void **state)
{
	static const char stop_garbage[] = "stop\0garbage";
	struct switch_req req;
	struct errbuf eb;

	(void)state;
	assert_int_equal(switch_req_parse_line(stop_garbage, sizeof(stop_garbage) - 1,
					       &req, &eb), -EINVAL);
	assert_string_equal(eb.msg, "request has a NUL byte");
	assert_int_equal(switch_req_parse_line("stop\0", 5, &req, &eb), -EINVAL);
	assert_int_equal(switch_req_parse_line("stop", 4, &req, &eb), 0);
	assert_int_equal(req.op, SWITCH_OP_STOP);
}

static void test_records(void **state)
{
	char line[] = "port name=vm1 path=/x mac=52:54:00:00:00:01 rx_packets=10 empty=";
	char bad[] = "port name=vm1 junk";
	struct switch_kv kv[SWITCH_MAX_KV];
	const char *type;
	unsigned int n;

	(void)state;
	assert_int_equal(switch_kv_split(line, &type, kv, SWITCH_MAX_KV, &n), 0);
	assert_string_equal(type, "port");
	assert_int_equal(n, 5);
	assert_string_equal(switch_kv_get(kv, n, "rx_packets"), "10");
	assert_string_equal(switch_kv_get(kv, n, "mac"), "52:54:00:00:00:01");
	assert_string_equal(switch_kv_get(kv, n, "empty"), "");
	assert_null(switch_kv_get(kv, n, "nope"));
	assert_int_equal(switch_kv_split(bad, &type, kv, SWITCH_MAX_KV, &n), -EINVAL);
	{
		char two[] = "t a=1 b=2 c=3";

		assert_int_equal(switch_kv_split(two, &type, kv, 2, &n), -EINVAL);
	}
}

/* What `iopass switch port add|del` sends: checked before it is sent. */
static void test_port_req(void **state)
{
	char line[SWITCH_LINE_MAX];
	struct errbuf eb;

	(void)state;
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_ADD, "vm1", "52:54:00:00:00:01", "7",
					 "/run/p.sock", "client", line, sizeof(line), &eb), 0);
	assert_string_equal(line, "port add vm1 mac=52:54:00:00:00:01 vlan=7 mode=client "
			    "path=/run/p.sock");
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_DEL, "vm1", NULL, NULL, NULL, NULL,
					 line, sizeof(line), &eb), 0);
	assert_string_equal(line, "port del vm1");
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_ADD, "a b", "52:54:00:00:00:01", NULL,
					 NULL, NULL, line, sizeof(line), &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "'a b' is not a port name"));
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_ADD, "vm1", "52:54:00:00:00:01",
					 "1 path=/x", NULL, NULL, line, sizeof(line), &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "one word each"));
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_ADD, "vm1", NULL, NULL, NULL, NULL,
					 line, sizeof(line), &eb), -EINVAL);
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_ADD, "vm1", "01:00:5e:00:00:01", NULL,
					 NULL, NULL, line, sizeof(line), &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "not a unicast"));
	assert_int_equal(switch_port_req(SWITCH_OP_PORT_DEL, "x/y", NULL, NULL, NULL, NULL,
					 line, sizeof(line), &eb), -EINVAL);
}

/* The tables `iopass switch stats` prints, one header per record type. */
static void test_records_text(void **state)
{
	char a[] = "switch workers=1 classifier=software ports=2 max_pools=256 hw_free=0 "
		   "hw_pools=0 lossless=no";
	char b[] = "port name=vm1 state=up mode=server mac=52:54:00:00:00:01 vlan=0 pool=0 "
		   "rx_packets=5 tx_packets=6 rx_drops=0 tx_drops=0 path=";
	char c[] = "port name=vm2 state=down";
	char d[] = "pool id=0 mac=52:54:00:00:00:01 vlan=0 port=vm1";
	char e[] = "bogus";
	char *lines[] = { a, b, c, d, e };
	char *text = switch_records_text(lines, 5), *port;

	(void)state;
	assert_non_null(text);
	assert_non_null(strstr(text, "switch: 1 worker lcore(s), software classifier, 2 port(s)"));
	port = strstr(text, "PORT ");
	assert_non_null(port);
	assert_null(strstr(port + 1, "\nPORT "));	/* one header for both ports */
	assert_non_null(strstr(text, "vm1          up    server 52:54:00:00:00:01"));
	/* A value the switch did not send is "-", an empty path too. */
	assert_non_null(strstr(text, "vm2          down  -      -"));
	assert_non_null(strstr(text, "\nPOOL "));
	assert_null(strstr(text, "bogus"));
	free(text);
}

static void test_final_lines(void **state)
{
	const char *msg = NULL;

	(void)state;
	assert_int_equal(switch_reply_final("ok", &msg), 1);
	assert_int_equal(switch_reply_final("port name=x", &msg), 0);
	assert_int_equal(switch_reply_final("error", &msg), 0);	/* a record type */
	assert_int_equal(switch_reply_final("err 17 port vm1 exists", &msg), -17);
	assert_string_equal(msg, "port vm1 exists");
	assert_int_equal(switch_reply_final("err 22", &msg), -22);
	assert_string_equal(msg, "");
	assert_int_equal(switch_reply_final("err", &msg), -EPROTO);
	assert_int_equal(switch_reply_final("err x", &msg), -EPROTO);
	assert_int_equal(switch_reply_final("err 0 zero", &msg), -EPROTO);
	assert_int_equal(switch_reply_final("err 99999 big", &msg), -EPROTO);
	assert_int_equal(switch_reply_final("err 12x", &msg), -EPROTO);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(switch_name_valid("vm-1.a_b"));
	assert_false(switch_name_valid(""));
	assert_false(switch_name_valid("a b"));
	assert_false(switch_name_valid("a=b"));
	assert_false(switch_name_valid("../x"));
	assert_string_equal(switch_port_mode_name(SWITCH_PORT_SINK), "sink");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_requests),
		cmocka_unit_test(test_port_add),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_nul_in_line),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_port_req),
		cmocka_unit_test(test_records_text),
		cmocka_unit_test(test_final_lines),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
