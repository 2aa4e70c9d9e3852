// SPDX-License-Identifier: GPL-2.0-only
/*
 * COM1, an 8250/16550 at 0x3f8. The baud divisor is left alone: both VMMs
 * ignore it, and a VMM whose UART model lacks the divisor latch would print
 * the divisor as a character.
 */
#include "guest.h"

#define COM1		0x3f8
#define UART_IER	1
#define UART_FCR	2
#define  UART_FCR_FIFO	0x07	/* enable and clear both FIFOs */
#define UART_LSR	5
#define FIFO_SIZE	16
#define  UART_LSR_THRE	0x20
#define THRE_SPINS	100000

/* Set once THRE never came: a UART model that does not report it. */
static bool no_thre;
/* Bytes we may write before looking at LSR again: each look is an exit. */
static unsigned int fifo_room;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);	/* we poll; no interrupts */
	outb(COM1 + UART_FCR, UART_FCR_FIFO);
}

static void serial_putc(char c)
{
	unsigned int i;

	/* THRE on a 16550 with FIFOs on: the whole FIFO is free. */
	for (i = 0; !fifo_room && !no_thre; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			fifo_room = FIFO_SIZE;
		else if (i == THRE_SPINS)
			no_thre = true;
		else
			cpu_relax();
	}
	if (fifo_room)
		fifo_room--;
	outb(COM1, c);
}

void serial_write(const char *s, size_t len)
{
	while (len--)
		serial_putc(*s++);
}
