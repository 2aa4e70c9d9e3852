// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI registers of a hardware-reduced platform (acpi.h has the map):
 * the FADT's sleep control and status registers, through which Linux's
 * poweroff enters S5, and the Generic Event Device's event register, which
 * says why the GED interrupt fired (the power button).
 *
 * A poweroff stops the VM like any other end (vm_stop): the VMM then
 * resets and unmaps its devices and gives everything back before it exits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "vm_impl.h"

struct acpi_pm {
	struct vm *vm;
	pthread_mutex_t lock;
	struct acpi_pm_regs regs;
};

enum acpi_pm_action acpi_pm_io(struct acpi_pm_regs *r, uint64_t addr,
			       uint8_t *data, uint32_t len, bool is_write)
{
	enum acpi_pm_action act = ACPI_PM_NONE;

	if (!is_write)
		memset(data, 0, len);
	/* Each byte is its own register: wider accesses cover several. */
	for (uint32_t i = 0; i < len && i < 8; i++) {
		uint64_t reg = addr + i;

		if (reg < addr)		/* wrapped */
			break;
		if (is_write) {
			/* SLEEP_STATUS (write 1 to clear) has nothing set. */
			if (reg == ACPI_PM_SLEEP_CONTROL &&
			    (data[i] & ACPI_SLP_EN) &&
			    ((data[i] & ACPI_SLP_TYP_MASK) >>
			     ACPI_SLP_TYP_SHIFT) == ACPI_S5_TYPE)
				act = ACPI_PM_POWEROFF;
			continue;
		}
		if (reg == ACPI_PM_GED_EVENT) {
			data[i] = r->ged_events;
			r->ged_events = 0;
		}
	}
	return act;
}

static void acpi_pm_port(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	struct acpi_pm *pm = opaque;
	enum acpi_pm_action act;

	pthread_mutex_lock(&pm->lock);
	act = acpi_pm_io(&pm->regs, addr, data, len, is_write);
	pthread_mutex_unlock(&pm->lock);
	if (act == ACPI_PM_POWEROFF)
		vm_stop(pm->vm, VM_EXIT_POWEROFF, 0,
			"guest powered off (ACPI S5, vCPU %u)",
			vcpu ? vcpu->id : 0);
}

int acpi_pm_init(struct vm *vm, struct errbuf *eb)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (!pm)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	pm->vm = vm;
	pthread_mutex_init(&pm->lock, NULL);
	vm->acpi_pm = pm;
	ret = vm_register_pio(vm, ACPI_PM_PORT, ACPI_PM_PORT_LEN, acpi_pm_port,
			      pm);
	if (ret)
		return errbuf_set(eb, ret, "ACPI register ports: %s",
				  strerror(-ret));
	return 0;
}

void acpi_pm_exit(struct vm *vm)
{
	if (!vm->acpi_pm)
		return;
	pthread_mutex_destroy(&vm->acpi_pm->lock);
	free(vm->acpi_pm);
	vm->acpi_pm = NULL;
}

int vm_power_button(struct vm *vm)
{
	struct acpi_pm *pm = vm->acpi_pm;
	int ret;

	if (!pm)
		return -ENODEV;
	pthread_mutex_lock(&pm->lock);
	pm->regs.ged_events |= ACPI_GED_EVENT_POWER_BUTTON;
	pthread_mutex_unlock(&pm->lock);
	/* An edge: the GED's _CRS says edge-triggered, active high. */
	ret = irq_line_set(vm, ACPI_GED_GSI, true);
	if (!ret)
		ret = irq_line_set(vm, ACPI_GED_GSI, false);
	return ret;
}
