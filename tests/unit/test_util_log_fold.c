// SPDX-License-Identifier: GPL-2.0-only
/* util/log_fold.c: what `iopass switch start` shows of a failed switch's log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iopass/util.h"

#define DMA "EAL: Unexpected size 0 of DMA remapping cleared instead of 2097152\n"

/* The log of the first hardware VMDq start on the 82576 (issue 14). */
static void test_switch_failure(void **state)
{
	char log[8192] = "EAL: Detected CPU lcores: 2\n"
		"EAL: Probe PCI driver: net_e1000_igb (8086:10c9) device: 0000:02:00.0 (socket -1)\n"
		"igb_alloc_rx_queue_mbufs(): RX mbuf alloc failed queue_id=15\n"
		"eth_igb_start(): Unable to initialize RX hardware\n"
		"iopass-switch: uplink 0000:02:00.0: start failed: Cannot allocate memory\n";
	char *out;

	(void)state;
	for (int i = 0; i < 60; i++)
		strcat(log, DMA);
	out = log_fold(log, strlen(log), 3, "iopass-switch:", "  ");
	assert_non_null(out);
	assert_string_equal(out,
		"  igb_alloc_rx_queue_mbufs(): RX mbuf alloc failed queue_id=15\n"
		"  eth_igb_start(): Unable to initialize RX hardware\n"
		"  EAL: Unexpected size 0 of DMA remapping cleared instead of 2097152 [60 times]\n"
		"  iopass-switch: uplink 0000:02:00.0: start failed: Cannot allocate memory\n");
	free(out);
	/* all of it: the first occurrence keeps its place */
	out = log_fold(log, strlen(log), 100, "iopass-switch:", "");
	assert_non_null(out);
	assert_non_null(strstr(out, "EAL: Detected CPU lcores: 2\nEAL: Probe"));
	assert_non_null(strstr(out, "queue_id=15\neth_igb_start"));
	assert_int_equal(strrchr(out, '\n')[1], '\0');
	assert_non_null(strstr(out, "[60 times]\niopass-switch: uplink"));
	free(out);
}

static void test_edges(void **state)
{
	char *out;

	(void)state;
	out = log_fold("", 0, 5, "x", "  ");
	assert_string_equal(out, "");
	free(out);
	/* CRLF, blank lines, no final newline, no prefix given */
	out = log_fold("a\r\n\n\nb\na\nb", 10, 5, NULL, NULL);
	assert_string_equal(out, "a [2 times]\nb [2 times]\n");
	free(out);
	/* several own lines keep their order; zero other lines kept */
	out = log_fold("x: 1\nnoise\nx: 2\n", 16, 0, "x:", "");
	assert_string_equal(out, "x: 1\nx: 2\n");
	free(out);
	/* the length is honoured: nothing past len is read */
	out = log_fold("abc\ndef\n", 4, 5, NULL, "");
	assert_string_equal(out, "abc\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_failure),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
