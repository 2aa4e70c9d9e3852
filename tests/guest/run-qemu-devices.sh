#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The passthrough suites (edu, nvme) and bench=edu-irq against QEMU's own
# emulated devices under QEMU/KVM: the guest's drivers are tested here, on
# every machine with /dev/kvm; the testbed runs the same suites against the
# same devices assigned through VFIO to iopass's VMM.
# Usage: run-qemu-devices.sh QEMU testguest.elf; exits 77 (skip) without
# /dev/kvm.
set -u
qemu=$1
elf=$2
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "no /dev/kvm: skipped"; exit 77; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# run WANT_STATUS QEMU-ARGS...: the guest's status (0 all ok, 1 a failure).
run() {
	want=$1
	shift
	timeout 90 "$qemu" -accel kvm -cpu host,-arch-capabilities -machine q35 \
		-kernel "$elf" -display none -nodefaults -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" </dev/null >"$out" 2>&1
	rc=$?
	grep -v '^# memmap' "$out"
	# isa-debug-exit: QEMU exits with (status << 1) | 1.
	if [ "$rc" -ne $((want * 2 + 1)) ]; then
		echo "FAIL: exit code $rc, want $((want * 2 + 1))"
		exit 1
	fi
	tail -n 1 "$out" | grep -q '^DONE ' || { echo "FAIL: no DONE line"; exit 1; }
}

need() {
	for t in "$@"; do
		grep -q "^TEST $t ok" "$out" || { echo "FAIL: no 'TEST $t ok'"; exit 1; }
	done
}

# Everything a driver does, on both devices, with the host's serial number.
run 0 -m 256M -device edu -device nvme,serial=iopass0 \
	-append 'suites=edu,nvme nvme.serial=iopass0 nvme.cntlid=0'
need edu.id edu.live edu.factorial edu.dma_low edu.dma_high edu.msi \
	edu.irq_raise edu.irq_factorial edu.dma_irq \
	nvme.regs nvme.reset nvme.msix nvme.enable nvme.identify

# Isolation with 64 MiB of RAM and a DMA to 128 MiB (nothing there without
# an IOMMU either: the guest's RAM must not change), and the irq bench.
run 0 -m 64M -device edu \
	-append 'bench=edu-irq:500 suites=edu edu.oob=0x8000000'
need edu.oob
grep -q '^BENCH edu-irq n=500 tsc=' "$out" || { echo "FAIL: no BENCH line"; exit 1; }

# The isolation check can fail: an edu whose DMA mask wraps 64 MiB onto
# address 0 puts the out-of-bounds copy into guest RAM, and the guest sees it.
run 1 -m 64M -device edu,dma_mask=0x3ffffff \
	-append 'suites=edu edu.oob=0x4000000'
grep -q '^TEST edu.oob FAIL DMA to 0x4000000 landed in guest RAM at 0x0' "$out" ||
	{ echo "FAIL: the wrapped DMA went unnoticed"; exit 1; }

# And a wrong serial number is caught.
run 1 -m 256M -device nvme,serial=other -append 'suites=nvme nvme.serial=iopass0'
grep -q "^TEST nvme.identify FAIL serial 'other'" "$out" ||
	{ echo "FAIL: the wrong serial went unnoticed"; exit 1; }
echo "all ok"
