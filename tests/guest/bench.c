// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench=pio:N: N OUTs to the POST port, each a full exit to the VMM and
 * back, timed with the TSC. The host turns cycles into time: under KVM the
 * guest TSC runs at the host's rate unless the VMM scales it.
 */
#include "guest.h"
#include "iopass/testdev.h"

bool bench_run(void)
{
	uint64_t n, i, t0, t1;
	const char *v;
	size_t len;

	if (!cmdline_get("bench", &v, &len))
		return false;
	if (len < 5 || strncmp(v, "pio:", 4) ||
	    parse_u64(v + 4, len - 4, &n) != len - 4) {
		test_result_fail("bench", "bad bench= (want pio:N)");
		return true;
	}
	t0 = rdtsc();
	for (i = 0; i < n; i++)
		outb(TESTGUEST_BENCH_PORT, 0);
	t1 = rdtsc();
	pr("BENCH pio n=%lu tsc=%lu\n", n, t1 - t0);
	return true;
}
