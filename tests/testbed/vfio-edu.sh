#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed (tests/testbed/run -- tests/testbed/vfio-edu.sh):
# QEMU's edu DMA device, bound to vfio-pci with iopass, driven by the test
# guest's edu suite under `iopass vm run --device` on nested KVM: registers,
# MSI through a KVM irqfd, DMA through the emulated VT-d at IOVA = guest
# physical address. Then isolation: a guest with 64 MiB of RAM makes edu DMA
# to and from 128 MiB (inside edu's 28-bit reach, outside the guest). The
# guest sees none of its RAM change and no data come back; the host's
# kernel logs a DMAR fault from edu's requester id at exactly that address,
# in each direction: the IOMMU, not luck, stopped it. A normal run leaves no
# fault at all. Finally edu goes back to the driver it had.
# One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh || exit 1
OOB=0x8000000

EDU=$(find_bdf 1234 11e8)
[ -n "$EDU" ] || { echo "CHECK devices FAIL no edu 1234:11e8"; exit 1; }
[ -c /dev/kvm ] || { echo "CHECK kvm FAIL no /dev/kvm"; exit 1; }
# The kernel names a requester BB:DD.F, without the domain.
RID=${EDU#0000:}
drv0=$(driver_of "$EDU")
ok devices "(edu $EDU, driver '${drv0:-none}')"

# New DMAR lines since mark (dmesg is the kernel's, not cleared: a later
# reader still sees everything).
dmesg_mark() { dmesg | wc -l; }
dmesg_since() { dmesg | tail -n +$(($1 + 1)); }

if "$IOPASS" bind "$EDU" >/dev/null 2>&1 && [ "$(driver_of "$EDU")" = vfio-pci ]; then
	ok bind_edu "(iopass bind $EDU)"
else
	bad bind_edu "driver=$(driver_of "$EDU")"
	exit $fails
fi

# --- the edu suite on the real device
mark=$(dmesg_mark)
t0=$(date +%s%N)
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 256M --device "$EDU" \
	--cmdline "suites=edu" 2>&1)
rc=$?
t1=$(date +%s%N)
grep -E '^(iopass:|TEST|DONE|# edu)' <<<"$out"
if [ $rc -eq 0 ] && guest_ok "$out" edu.id edu.live edu.factorial edu.dma_low \
	edu.dma_high edu.msi edu.irq_raise edu.irq_factorial edu.dma_irq; then
	ok edu_suite "($(grep -c '^TEST' <<<"$out") tests, $(((t1 - t0) / 1000000)) ms)"
else
	bad edu_suite "rc=$rc"
fi
faults=$(dmesg_since "$mark" | grep -c "DMAR: \[DMA .*\[$RID\]")
[ "$faults" -eq 0 ] && ok no_dmar_faults "(every DMA of the suite was mapped)" ||
	bad no_dmar_faults "$faults DMAR faults from $RID: $(dmesg_since "$mark" | grep "DMAR:" | head -3 | tr '\n' ' ')"

# --- isolation: DMA to and from outside the guest's 64 MiB
mark=$(dmesg_mark)
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$EDU" \
	--cmdline "suites=edu edu.oob=$OOB" 2>&1)
rc=$?
grep -E '^(iopass:|TEST|DONE|# edu.oob)' <<<"$out"
if [ $rc -eq 0 ] && guest_ok "$out" edu.oob edu.dma_low edu.dma_high; then
	ok guest_ram_untouched "($(grep '^# edu.oob: device' <<<"$out" | cut -d: -f2- | sed 's/^ //'))"
else
	bad guest_ram_untouched "rc=$rc: $(grep -E '^TEST edu.oob' <<<"$out")"
fi
# Give the fault interrupt's printk a moment under software emulation.
sleep 1
new=$(dmesg_since "$mark")
grep -E 'DMAR' <<<"$new" | sed 's/^/# /' | head -8
fault_at() { # direction: a fault from edu's requester at exactly OOB
	grep -E "DMAR: \[DMA $1.*\[$RID\] fault addr 0x0*${OOB#0x} " <<<"$new" | head -1
}
line=$(fault_at Write)
[ -n "$line" ] && ok dmar_fault_write "(${line#*DMAR: })" ||
	bad dmar_fault_write "no 'DMA Write ... [$RID] fault addr $OOB' in dmesg"
line=$(fault_at Read)
[ -n "$line" ] && ok dmar_fault_read "(${line#*DMAR: })" ||
	bad dmar_fault_read "no 'DMA Read ... [$RID] fault addr $OOB' in dmesg"
others=$(grep -E "DMAR: \[DMA " <<<"$new" | grep -vc "fault addr 0x0*${OOB#0x} ")
[ "$others" -eq 0 ] && ok dmar_faults_only_oob ||
	bad dmar_faults_only_oob "$others faults at other addresses"

# --- the device is left as it was found
[ "$(driver_of "$EDU")" = vfio-pci ] && ok edu_still_on_vfio || bad edu_still_on_vfio "driver=$(driver_of "$EDU")"
"$IOPASS" restore "$EDU" >/dev/null 2>&1
[ "$(driver_of "$EDU")" = "$drv0" ] && ok edu_restored "(driver '${drv0:-none}')" ||
	bad edu_restored "driver '$(driver_of "$EDU")', was '$drv0'"

echo "# failed checks: $fails"
exit $fails
