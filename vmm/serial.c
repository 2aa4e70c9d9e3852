// SPDX-License-Identifier: GPL-2.0-only
/*
 * COM1: an 8250/16550A UART at 0x3f8, IRQ 4 through the in-kernel
 * PIC/IOAPIC. The transmitter is infinitely fast: THR is always empty and
 * output is line buffered into the console descriptor (vm_run's loop
 * flushes partial lines). Received bytes wait in a small FIFO. Loopback
 * mode is emulated because Linux's 8250 probe checks it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vm_impl.h"

#define COM1_BASE	0x3f8
#define COM1_IRQ	4

#define UART_RX		0
#define UART_TX		0
#define UART_DLL	0
#define UART_IER	1
#define UART_DLM	1
#define UART_IIR	2
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_FIFO	0xc0
#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_LCR_DLAB	0x80
#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

#define SERIAL_RX_SIZE	256
#define SERIAL_TX_SIZE	4096

struct serial {
	struct vm *vm;
	pthread_mutex_t lock;
	int out_fd;
	uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
	bool thr_ipending;
	bool irq_level;
	uint8_t rx[SERIAL_RX_SIZE];
	unsigned int rx_head, rx_count;
	uint8_t tx[SERIAL_TX_SIZE];
	size_t tx_len;
};

/* Under s->lock. */
static void serial_tx_flush(struct serial *s)
{
	size_t off = 0;

	while (off < s->tx_len) {
		ssize_t n = write(s->out_fd, s->tx + off, s->tx_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* console gone: the guest keeps running */
		off += n;
	}
	s->tx_len = 0;
}

static uint8_t serial_iir(struct serial *s)
{
	uint8_t fifo = (s->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return UART_IIR_RDI | fifo;
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return UART_IIR_THRI | fifo;
	return UART_IIR_NO_INT | fifo;
}

/* Under s->lock: drive IRQ 4 to match the pending interrupt state. */
static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & UART_IIR_NO_INT);
	struct kvm_irq_level irq = { .irq = COM1_IRQ, .level = level };

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	ioctl(vm_fd(s->vm), KVM_IRQ_LINE, &irq);
}

static void serial_rx_push(struct serial *s, uint8_t c)
{
	if (s->rx_count == SERIAL_RX_SIZE)
		return;		/* overrun: drop, as a real UART would */
	s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_SIZE] = c;
	s->rx_count++;
}

static uint8_t serial_rx_pop(struct serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_RX_SIZE;
	s->rx_count--;
	return c;
}

static void serial_tx(struct serial *s, uint8_t c)
{
	if (s->mcr & UART_MCR_LOOP) {
		serial_rx_push(s, c);
		return;
	}
	s->tx[s->tx_len++] = c;
	if (c == '\n' || s->tx_len == SERIAL_TX_SIZE)
		serial_tx_flush(s);
}

static uint8_t serial_msr(struct serial *s)
{
	uint8_t m = s->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return ((m & UART_MCR_OUT2) ? UART_MSR_DCD : 0) |
	       ((m & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
	       ((m & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
	       ((m & UART_MCR_RTS) ? UART_MSR_CTS : 0);
}

static void serial_write(struct serial *s, uint64_t reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			s->dll = v;
			break;
		}
		serial_tx(s, v);
		s->thr_ipending = true;	/* sent at once: THR empty again */
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with THR empty raises it (as a 16550 does). */
		if (!(s->ier & UART_IER_THRI) && (v & UART_IER_THRI))
			s->thr_ipending = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		if (v & UART_FCR_CLEAR_RX)
			s->rx_count = 0;
		s->fcr = v & UART_FCR_ENABLE;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	}
}

static uint8_t serial_read(struct serial *s, uint64_t reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v = 0;

	switch (reg) {
	case UART_RX:
		v = dlab ? s->dll : serial_rx_pop(s);
		break;
	case UART_IER:
		v = dlab ? s->dlm : s->ier;
		break;
	case UART_IIR:
		v = serial_iir(s);
		if ((v & 0x0f) == UART_IIR_THRI)
			s->thr_ipending = false;
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT |
		    (s->rx_count ? UART_LSR_DR : 0);
		break;
	case UART_MSR:
		v = serial_msr(s);
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	return v;
}

static void serial_io(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		      uint32_t len, bool is_write, void *opaque)
{
	struct serial *s = opaque;

	(void)vcpu;
	pthread_mutex_lock(&s->lock);
	/* Wider accesses touch consecutive registers, one byte each. */
	for (uint32_t i = 0; i < len && addr + i < 8; i++) {
		if (is_write)
			serial_write(s, addr + i, data[i]);
		else
			data[i] = serial_read(s, addr + i);
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void serial_input(struct serial *s, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < len; i++)
		serial_rx_push(s, buf[i]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

void serial_flush(struct serial *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->tx_len)
		serial_tx_flush(s);
	pthread_mutex_unlock(&s->lock);
}

int serial_init(struct vm *vm, int out_fd, struct errbuf *eb)
{
	struct serial *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	s->vm = vm;
	s->out_fd = out_fd;
	pthread_mutex_init(&s->lock, NULL);
	ret = vm_register_pio(vm, COM1_BASE, 8, serial_io, s);
	if (ret) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return errbuf_set(eb, ret, "COM1 ports: %s", strerror(-ret));
	}
	vm->serial = s;
	return 0;
}

void serial_exit(struct vm *vm)
{
	struct serial *s = vm->serial;

	if (!s)
		return;
	serial_flush(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
	vm->serial = NULL;
}
