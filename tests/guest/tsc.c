// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TSC rate, measured against PIT channel 2 (1.193182 MHz, gated and
 * read back through port 0x61, as Linux's quick calibration does): the
 * suites need seconds for timeouts and rates, not just cycles.
 */
#include "virtio.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61
#define  PORT_B_GATE2	0x01
#define  PORT_B_SPKR	0x02
#define  PORT_B_OUT2	0x20
#define CAL_MS		20
/* When the PIT does not answer: a guess, good to a factor of two or so. */
#define TSC_FALLBACK_HZ	2000000000ull

uint64_t tsc_hz(void)
{
	static uint64_t hz;
	uint32_t latch = PIT_HZ / (1000 / CAL_MS);
	uint64_t t0, t1;
	uint32_t spins = 0;

	if (hz)
		return hz;
	/* Gate on, speaker off; mode 0 counts down once, then OUT2 rises. */
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPKR) | PORT_B_GATE2);
	outb(PIT_CMD, 0xb0);	/* channel 2, lobyte/hibyte, mode 0 */
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2) && ++spins < 50000000)
		;
	t1 = rdtsc();
	if (spins >= 50000000 || t1 <= t0) {
		hz = TSC_FALLBACK_HZ;
		pr("# tsc: the PIT did not count down; assuming %lu Hz\n", hz);
	} else {
		hz = (t1 - t0) * (1000 / CAL_MS);
		pr("# tsc: %lu kHz\n", hz / 1000);
	}
	return hz;
}
