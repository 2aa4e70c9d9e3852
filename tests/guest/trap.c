// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IDT. Every vector has a stub (entry.S) so that nothing can reach a
 * missing gate: an exception ends the run with a FAIL line naming vector,
 * RIP and CR2; an interrupt goes to its handler, or is counted as
 * unexpected for the irq suite to report.
 */
#include "guest.h"
#include "iopass/testdev.h"

#define LAPIC_SPURIOUS_VECTOR	0xff

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;		/* 0x8e: present, DPL 0, interrupt gate */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

extern char isr_stubs[];

static struct idt_gate idt[256] __noinit __attribute__((aligned(16)));
static irq_handler_t handlers[256];
volatile unsigned int irq_unexpected;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23",
	"24", "25", "26", "27", "#HV", "#VC", "#SX", "31",
};

void trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint64_t)idt };
	unsigned int i;

	for (i = 0; i < 256; i++) {
		uint64_t addr = (uint64_t)isr_stubs + i * 16;

		idt[i] = (struct idt_gate){
			.off_lo = addr,
			.sel = 0x08,
			.type = 0x8e,
			.off_mid = addr >> 16,
			.off_hi = addr >> 32,
		};
	}
	asm volatile("lidt %0" : : "m"(desc));
}

void irq_set_handler(uint8_t vector, irq_handler_t fn)
{
	handlers[vector] = fn;
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	static bool in_exception;
	uint64_t cr2;

	if (f->vector >= 32) {
		if (handlers[f->vector])
			handlers[f->vector](f);
		else if (f->vector != LAPIC_SPURIOUS_VECTOR)
			irq_unexpected++;
		return;
	}
	/* A fault while reporting a fault: just leave. */
	if (in_exception) {
		outl(TESTGUEST_EXIT_PORT, 1);
		for (;;)
			asm volatile("cli; hlt");
	}
	in_exception = true;
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	test_fail("exception %lu %s rip=0x%lx cr2=0x%lx error=0x%lx",
		  f->vector, exc_names[f->vector], f->rip, cr2, f->error);
	test_end();
	test_finish();
}
