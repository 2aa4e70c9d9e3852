// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI registers (vmm/acpi_pm.c) under any sequence of guest reads and
 * writes (any offset, any length up to 8) and power button presses,
 * checked against the model of acpi.h:
 *  - a poweroff comes from a write whose byte at SLEEP_CONTROL has SLP_EN
 *    and S5's SLP_TYP, and from nothing else;
 *  - reads give the pending events at GED_EVENT, once, and 0 everywhere
 *    else; writes never raise or clear an event;
 *  - no access touches memory outside the caller's buffer (each gets a
 *    heap buffer of exactly len bytes).
 * Input: records of [op: u8][addr: u8, or u64 when op & 0x80][len: u8]
 * [len data bytes for a write]; op & 3: 0 write, 1 read, 2 press.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct acpi_pm_regs r = { 0 };
	uint8_t model = 0;

	while (fuzz_more(&in)) {
		uint8_t op = fuzz_u8(&in);
		uint64_t addr = op & 0x80 ? fuzz_u64(&in) : fuzz_u8(&in);
		uint32_t len = fuzz_u8(&in) % 8 + 1;
		uint8_t *buf;
		enum acpi_pm_action act;
		bool off = false;

		if ((op & 3) == 2) {
			r.ged_events |= ACPI_GED_EVENT_POWER_BUTTON;
			model |= ACPI_GED_EVENT_POWER_BUTTON;
			continue;
		}
		buf = malloc(len);
		FUZZ_CHECK(buf);
		if ((op & 3) == 0) {
			memset(buf, 0, len);
			fuzz_bytes(&in, buf, len);
			for (uint32_t i = 0; i < len; i++) {
				uint8_t b = buf[i];

				if (addr + i == ACPI_PM_SLEEP_CONTROL &&
				    addr + i >= addr && (b & ACPI_SLP_EN) &&
				    (b & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT ==
				    ACPI_S5_TYPE)
					off = true;
			}
			act = acpi_pm_io(&r, addr, buf, len, true);
			FUZZ_CHECK((act == ACPI_PM_POWEROFF) == off);
		} else {
			memset(buf, 0xa5, len);
			act = acpi_pm_io(&r, addr, buf, len, false);
			FUZZ_CHECK(act == ACPI_PM_NONE);
			for (uint32_t i = 0; i < len; i++) {
				uint8_t want = 0;

				if (addr + i >= addr &&
				    addr + i == ACPI_PM_GED_EVENT) {
					want = model;
					model = 0;
				}
				FUZZ_CHECK(buf[i] == want);
			}
		}
		FUZZ_CHECK(r.ged_events == model);
		free(buf);
	}
	return 0;
}
