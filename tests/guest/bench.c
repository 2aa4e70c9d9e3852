// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench=NAME:N, timed with the TSC. The host turns cycles into time: under
 * KVM the guest TSC runs at the host's rate unless the VMM scales it.
 *   pio:N       N OUTs to the POST port, each a full exit to the VMM and back
 *   edu-irq:N   N interrupts from an edu device, one at a time: raise through
 *               BAR0, wait for the MSI, the handler acks; the delivery path
 *               (KVM irqfd or a relay through the VMM) is the host's choice
 */
#include "edu.h"
#include "iopass/testdev.h"

#define EDU_IRQ_TIMEOUT	4000000000ull	/* cycles, for one interrupt */

static void bench_pio(uint64_t n)
{
	uint64_t i, t0, t1;

	t0 = rdtsc();
	for (i = 0; i < n; i++)
		outb(TESTGUEST_BENCH_PORT, 0);
	t1 = rdtsc();
	pr("BENCH pio n=%lu tsc=%lu\n", n, t1 - t0);
}

static void bench_edu_irq(uint64_t n)
{
	static struct edu e;
	uint64_t i, t0, t1;
	int err;

	if (edu_open(&e)) {
		test_result_fail("bench", "edu-irq: no edu device 1234:11e8");
		return;
	}
	err = edu_irq_enable(&e);
	if (err) {
		test_result_fail("bench", "edu-irq: cannot enable MSI (%d)",
				 err);
		return;
	}
	t0 = rdtsc();
	for (i = 0; i < n; i++) {
		edu_write(&e, EDU_REG_IRQ_RAISE, 1);
		if (!irq_wait(&e.irqs, i + 1, EDU_IRQ_TIMEOUT)) {
			test_result_fail("bench", "edu-irq: interrupt %lu of "
					 "%lu never arrived", i + 1, n);
			msi_disable(e.pci);
			return;
		}
	}
	t1 = rdtsc();
	msi_disable(e.pci);
	pr("BENCH edu-irq n=%lu tsc=%lu\n", n, t1 - t0);
}

static const struct {
	const char *name;
	void (*run)(uint64_t n);
} benches[] = {
	{ "pio", bench_pio },
	{ "edu-irq", bench_edu_irq },
};

bool bench_run(void)
{
	const char *v;
	unsigned int i;
	uint64_t n;
	size_t len, k;

	if (!cmdline_get("bench", &v, &len))
		return false;
	for (i = 0; i < ARRAY_SIZE(benches); i++) {
		k = strlen(benches[i].name);
		if (len > k + 1 && !strncmp(v, benches[i].name, k) &&
		    v[k] == ':' &&
		    parse_u64(v + k + 1, len - k - 1, &n) == len - k - 1) {
			benches[i].run(n);
			return true;
		}
	}
	test_result_fail("bench", "bad bench= (want pio:N or edu-irq:N)");
	return true;
}
