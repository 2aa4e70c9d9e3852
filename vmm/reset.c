// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ways a guest stops the machine: the i8042 keyboard controller's
 * reset command (0xfe, what Linux's reboot=k does) and its output port's
 * reset line, the chipset's reset control at 0xcf9, and the test exit port
 * 0xf4 (iopass/testdev.h). Port 0x80 (POST codes) is a claimed no-op.
 *
 * The i8042 is only what Linux's probe needs to give up quickly: a
 * controller that passes its self test, has no keyboard and no aux port.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/testdev.h"
#include "vm_impl.h"

#define I8042_DATA		0x60
#define I8042_CMD		0x64	/* registered as 0x60..0x64 */

#define I8042_STR_OBF		0x01
#define I8042_STR_SYSFLAG	0x04
#define I8042_STR_CMDDAT	0x08

#define I8042_CMD_CTL_RCTR	0x20
#define I8042_CMD_CTL_WCTR	0x60
#define I8042_CMD_AUX_TEST	0xa9
#define I8042_CMD_CTL_TEST	0xaa
#define I8042_CMD_KBD_TEST	0xab
#define I8042_CMD_WRITE_OUTPUT	0xd1
#define I8042_CMD_AUX_LOOP	0xd3
#define I8042_CMD_RESET		0xfe

#define CF9_RST_CPU		0x04

struct vm_reset {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t status;
	uint8_t ctr;		/* controller command byte */
	uint8_t out;		/* output buffer */
	uint8_t pending_cmd;	/* a command waiting for its data byte */
	uint8_t cf9;
};

static void i8042_reply(struct vm_reset *r, uint8_t v)
{
	r->out = v;
	r->status |= I8042_STR_OBF;
}

static void i8042_command(struct vm_reset *r, uint8_t cmd)
{
	r->status |= I8042_STR_CMDDAT;
	switch (cmd) {
	case I8042_CMD_CTL_RCTR:
		i8042_reply(r, r->ctr);
		break;
	case I8042_CMD_CTL_WCTR:
	case I8042_CMD_WRITE_OUTPUT:
	case I8042_CMD_AUX_LOOP:
		r->pending_cmd = cmd;
		break;
	case I8042_CMD_CTL_TEST:
		i8042_reply(r, 0x55);
		break;
	case I8042_CMD_KBD_TEST:
		i8042_reply(r, 0x00);
		break;
	case I8042_CMD_AUX_TEST:
		i8042_reply(r, 0x01);	/* clock line stuck: no aux port */
		break;
	case I8042_CMD_RESET:
		vm_stop(r->vm, VM_EXIT_RESET, 0, "guest reset (i8042)");
		break;
	}
}

static void i8042_data(struct vm_reset *r, uint8_t v)
{
	r->status &= ~I8042_STR_CMDDAT;
	switch (r->pending_cmd) {
	case I8042_CMD_CTL_WCTR:
		r->ctr = v;
		break;
	case I8042_CMD_WRITE_OUTPUT:
		if (!(v & 1))	/* bit 0 low: the CPU reset line */
			vm_stop(r->vm, VM_EXIT_RESET, 0,
				"guest reset (i8042 output port)");
		break;
	case I8042_CMD_AUX_LOOP:
		i8042_reply(r, (uint8_t)~v);	/* a loop that fails */
		break;
	}
	/* Without a command: bytes for a keyboard that is not there. */
	r->pending_cmd = 0;
}

static void i8042_io(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		     uint32_t len, bool is_write, void *opaque)
{
	struct vm_reset *r = opaque;

	(void)vcpu;
	if (addr != 0 && addr != I8042_CMD - I8042_DATA) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (is_write && addr)
		i8042_command(r, data[0]);
	else if (is_write)
		i8042_data(r, data[0]);
	else if (addr)
		data[0] = r->status;
	else {
		data[0] = r->out;
		r->status &= ~I8042_STR_OBF;
	}
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_unlock(&r->lock);
}

/* Port 0xcf9: handed to the PCI bus, which owns ports 0xcf8-0xcff. */
void reset_cf9_io(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
		  uint32_t len, bool is_write, void *opaque)
{
	struct vm_reset *r = opaque;

	(void)vcpu;
	(void)addr;
	(void)len;
	if (!is_write) {
		data[0] = r->cf9;
		return;
	}
	r->cf9 = data[0] & ~CF9_RST_CPU;
	if (data[0] & CF9_RST_CPU)
		vm_stop(r->vm, VM_EXIT_RESET, 0, "guest reset (port 0xcf9)");
}

static void exit_port_io(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	struct vm_reset *r = opaque;
	uint32_t status = 0;

	(void)addr;
	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(&status, data, len < 4 ? len : 4);
	vm_stop(r->vm, VM_EXIT_STATUS, status,
		"guest exited with status %u (vCPU %u)", status,
		vcpu ? vcpu->id : 0);
}

static void post_port_io(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	(void)vcpu;
	(void)addr;
	(void)opaque;
	if (!is_write)
		memset(data, 0xff, len);
}

/*
 * What a CPU reset runs, at F000:FFF0: there is no firmware, so the reset
 * vector resets the machine (port 0xcf9), which ends the VM. Linux jumps
 * here to reboot when everything else returned: on a hardware-reduced ACPI
 * machine its default reboot path is EFI, then this "BIOS" reset
 * (arch/x86/kernel/reboot.c), never the FADT's reset register; without
 * this stub the guest ran whatever the BIOS area held, forever.
 */
static const uint8_t reset_vector[] = {
	0xb0, 0x06,		/* mov al, 0x06: CPU reset, hard */
	0xba, 0xf9, 0x0c,	/* mov dx, 0xcf9 */
	0xee,			/* out dx, al */
	0xf4,			/* hlt */
	0xeb, 0xfd,		/* jmp hlt */
};

#define RESET_VECTOR_ADDR	0xffff0

int reset_init(struct vm *vm, struct errbuf *eb)
{
	struct vm_reset *r = calloc(1, sizeof(*r));
	uint8_t *rv = memory_hva(vm, RESET_VECTOR_ADDR, sizeof(reset_vector));
	int ret;

	if (!r)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	if (rv)
		memcpy(rv, reset_vector, sizeof(reset_vector));
	r->vm = vm;
	r->status = I8042_STR_SYSFLAG;
	r->ctr = 0x45;	/* translate, system flag, keyboard interrupt */
	pthread_mutex_init(&r->lock, NULL);
	vm->reset = r;

	ret = vm_register_pio(vm, I8042_DATA, I8042_CMD - I8042_DATA + 1,
			      i8042_io, r);
	if (ret)
		return errbuf_set(eb, ret, "i8042 ports: %s", strerror(-ret));
	ret = vm_register_pio(vm, TESTGUEST_EXIT_PORT, 4, exit_port_io, r);
	if (ret)
		return errbuf_set(eb, ret, "exit port: %s", strerror(-ret));
	ret = vm_register_pio(vm, TESTGUEST_BENCH_PORT, 1, post_port_io, r);
	if (ret)
		return errbuf_set(eb, ret, "port 0x80: %s", strerror(-ret));
	return 0;
}

void reset_exit(struct vm *vm)
{
	if (!vm->reset)
		return;
	pthread_mutex_destroy(&vm->reset->lock);
	free(vm->reset);
	vm->reset = NULL;
}
