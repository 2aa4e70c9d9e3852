// SPDX-License-Identifier: GPL-2.0-only
/*
 * `iopass switch` end to end without DPDK: bad input (exit 2, one line),
 * no switch running, and the rendering of a switch's replies (text and
 * --json) against a stand-in that answers on the control socket like
 * iopass-switch does. The real switch is tested in tests/dpdk.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "fakesys.h"

static char out[1 << 16];
static char dir[] = "/tmp/iopass-cli-switch.XXXXXX";

static int run(const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "IOPASS_STATE_DIR='%s' %s switch %s 2>&1", dir, IOPASS_BIN,
		 args);
	return run_capture(cmd, out, sizeof(out));
}

static void expect(const char *args, int code, const char *text)
{
	int rc = run(args);

	if (rc != code || !strstr(out, text))
		fail_msg("'switch %s': exit %d (want %d), output '%s' (want '%s')", args, rc,
			 code, out, text);
}

static void test_bad_input(void **state)
{
	(void)state;
	expect("", 2, "usage: iopass switch start");
	expect("bogus", 2, "unknown or incomplete subcommand 'bogus'");
	expect("port", 2, "unknown or incomplete subcommand 'port'");
	expect("port add vm1", 2, "give NAME and --mac MAC");
	expect("port add --mac 52:54:00:00:00:01", 2, "give NAME and --mac MAC");
	expect("port add vm1 --mac 01:00:5e:00:00:01", 2, "not a unicast MAC");
	expect("port add vm1 --mac 52:54:00:00:00:01 --vlan 5000", 2, "vlan '5000'");
	expect("port add vm1 --mac 52:54:00:00:00:01 --socket rel.sock", 2, "absolute");
	expect("port add 'a b' --mac 52:54:00:00:00:01", 2, "'a b' is not a port name");
	expect("port add vm1 --mac 52:54:00:00:00:01 --vlan '1 path=/x'", 2, "one word each");
	expect("port add vm1 --mac 52:54:00:00:00:01 --socket \"$(printf '/x\\nstop')\"", 2,
	       "one word each");
	expect("port del 'bad/name'", 2, "is not a port name");
	expect("start --mem x", 2, "--mem takes a positive number");
	expect("--help", 0, "iopass-switch is the DPDK poll-mode vhost-user backend");
}

static void test_no_switch(void **state)
{
	(void)state;
	expect("stats", 2, "no switch listens at");
	expect("pool list --json", 2, "start one with 'iopass switch start'");
	expect("stop", 2, "no switch listens at");
	/* the same message, once, on one line */
	run("stats");
	assert_non_null(strchr(out, '\n'));
	assert_null(strchr(strchr(out, '\n') + 1, '\n'));
}

/* A stand-in for iopass-switch: answers each request line with `reply`. */
static const char *reply;
static int lfd;
static char last_req[256];

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			return NULL;
		n = read(fd, last_req, sizeof(last_req) - 1);
		last_req[n > 0 ? n : 0] = '\0';
		if (write(fd, reply, strlen(reply)) < 0)
			break;
		close(fd);
	}
	return NULL;
}

static const char stats_reply[] =
	"switch workers=1 classifier=software ports=2 max_pools=256 lossless=no\n"
	"uplink name=net_tap0 rx_packets=10 rx_bytes=640 rx_drops=1 rx_unknown=1 "
	"tx_packets=5 tx_bytes=320 tx_drops=0\n"
	"port name=vm1 path=/run/iopass/vhost/vm1.sock mode=server mac=52:54:00:00:00:01 "
	"vlan=0 pool=0 state=up connects=1 rx_packets=7 rx_bytes=448 rx_drops=0 "
	"tx_packets=9 tx_bytes=576 tx_drops=2\n"
	"port name=s path= mode=sink mac=52:54:00:00:00:02 vlan=10 pool=1 state=up connects=0 "
	"rx_packets=0 rx_bytes=0 rx_drops=0 tx_packets=3 tx_bytes=192 tx_drops=0\n"
	"pool id=0 mac=52:54:00:00:00:01 vlan=0 port=vm1 backend=software queue=0 packets=11 "
	"bytes=704 drops=2\n"
	"pool id=1 mac=52:54:00:00:00:02 vlan=10 port=s backend=software queue=0 packets=3 "
	"bytes=192 drops=0\n"
	"ok\n";

/* `iopass switch stats --json`, parsed (the caller puts it). */
static json_object *stats_json(void)
{
	json_object *root;

	assert_int_equal(run("stats --json"), 0);
	root = json_tokener_parse(out);
	assert_non_null(root);
	return root;
}

/* o's member k, which must be there. */
static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	return v;
}

/* Hardware VMDq: a pool in a NIC pool, one in software, the RX queues. */
static const char hw_reply[] =
	"switch workers=1 classifier=hardware ports=2 max_pools=256 lossless=no "
	"hw_pools=7 hw_free=6\n"
	"uplink name=0000:02:00.0 rx_packets=40 rx_bytes=2400 rx_drops=7 rx_unknown=7 "
	"tx_packets=0 tx_bytes=0 tx_drops=0 rx_cycles=123456 tsc_hz=2000000000\n"
	"pool id=0 mac=52:54:00:aa:00:01 vlan=0 port=s1 backend=hardware nic_pool=0 queue=0 "
	"why=- packets=16 bytes=960 drops=0 queue_packets=16 queue_bytes=960\n"
	"pool id=1 mac=52:54:00:aa:00:08 vlan=0 port=s8 backend=software nic_pool=- queue=7 "
	"why=hw-pools-full packets=38 bytes=2280 drops=0 queue_packets=45 queue_bytes=2700\n"
	"queue id=0 nic_pool=0 role=pool port=s1 packets=16 bytes=960\n"
	"queue id=7 nic_pool=7 role=default port=- packets=45 bytes=2700\n"
	"ok\n";

static void test_rendering(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_object *root, *ports, *p, *v;
	pthread_t t;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/switch.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	reply = stats_reply;
	pthread_create(&t, NULL, serve, NULL);

	expect("stats", 0, "uplink net_tap0: rx 10 pkts 640 bytes (1 dropped, 1 to unknown MACs)");
	assert_string_equal(last_req, "stats\n");
	assert_non_null(strstr(out, "vm1          up    server 52:54:00:00:00:01    0    0"));
	assert_non_null(strstr(out, "s            up    sink   52:54:00:00:00:02   10    1"));

	root = stats_json();
	ports = get(root, "ports");
	assert_int_equal(json_object_array_length(ports), 2);
	p = json_object_array_get_idx(ports, 0);
	v = get(p, "tx_drops");
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int(v), 2);
	assert_string_equal(json_object_get_string(get(p, "mac")), "52:54:00:00:00:01");
	get(root, "uplink");
	get(root, "switch");
	json_object_put(root);

	/* hardware VMDq: backends, queues, why; a queues array in JSON */
	reply = hw_reply;
	expect("stats", 0, "hardware classifier, 2 port(s), up to 256 pools (6 of 7 in NIC pools free)");
	assert_non_null(strstr(out, "s8           software     7           45           38"));
	assert_non_null(strstr(out, "hw-pools-full"));
	assert_non_null(strstr(out, "7     7        default  -                      45"));
	root = stats_json();
	v = get(root, "queues");
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 1), "role")),
			    "default");
	p = json_object_array_get_idx(get(root, "pools"), 0);
	assert_int_equal(json_object_get_int(get(p, "nic_pool")), 0);
	json_object_put(root);

	/* port add sends what the switch parses back to the same request */
	reply = "ok\n";
	expect("port add vm3 --mac 52:54:00:00:00:03 --vlan 7 --client --socket /run/x.sock",
	       0, "");
	assert_string_equal(last_req, "port add vm3 mac=52:54:00:00:00:03 vlan=7 mode=client "
			    "path=/run/x.sock\n");

	/* the switch's errors are the command's, with its message */
	reply = "err 17 port vm3 exists; delete it first\n";
	expect("port add vm3 --mac 52:54:00:00:00:03", 2, "switch: port vm3 exists");
	reply = "err 2 no port vm9 ('port list' lists them)\n";
	expect("port del vm9", 2, "no port vm9");
	reply = "err 5 something broke\n";
	expect("port list", 1, "something broke");
	reply = "garbage\n";	/* a record line and then the connection ends */
	expect("pool list", 1, "closed the connection");

	shutdown(lfd, SHUT_RDWR);
	close(lfd);
	pthread_join(t, NULL);
	unlink(sa.sun_path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_no_switch),
		cmocka_unit_test(test_rendering),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
