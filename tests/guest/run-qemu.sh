#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Boots the test guest under QEMU and checks the result lines and exit
# status: on KVM where this machine's /dev/kvm can run a VM (kvm_probe), else
# under QEMU's software emulation (TCG), so that the guest is checked against
# QEMU's own devices on every machine.
#   basic    (default) q35 without testdev: suites pci and memory, plus the
#            PIO bench on microvm
#   devices  the passthrough suites (edu, nvme) and bench=edu-irq against
#            QEMU's own emulated devices: the guest's drivers are tested on
#            every machine with /dev/kvm; the testbed runs the same suites
#            against the same devices assigned to iopass's VMM through VFIO
# Usage: run-qemu.sh KVM_PROBE QEMU testguest.elf [basic|devices]
set -u
probe=$1
qemu=$2
elf=$3
mode=${4:-basic}
if why=$("$probe"); then
	accel="-accel kvm -cpu host,-arch-capabilities"
	echo "# QEMU on KVM"
else
	accel="-accel tcg -cpu max"
	echo "# QEMU on TCG (software emulation): $why"
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# run STATUS QEMU-ARGS...: the guest must report STATUS (0: all ok).
run() {
	want=$(($1 * 2 + 1))	# isa-debug-exit: QEMU exits with (status << 1) | 1
	shift
	# shellcheck disable=SC2086 # $accel is several words
	timeout 240 "$qemu" $accel -kernel "$elf" \
		-display none -nodefaults -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" </dev/null >"$out" 2>&1
	rc=$?
	grep -v '^# memmap' "$out"
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: exit code $rc, want $want"
		exit 1
	fi
	tail -n 1 "$out" | grep -q '^DONE ' || { echo "FAIL: no DONE line"; exit 1; }
}

# need 'REGEX'...: a line of the last run matches each.
need() {
	for re in "$@"; do
		grep -q "^$re" "$out" || { echo "FAIL: no line '$re'"; exit 1; }
	done
}

case "$mode" in
basic)
	run 0 -m 256M -machine q35 -device edu -device pci-testdev \
		-append 'suites=pci,memory pci.expect=1234:11e8,1b36:0005'
	need 'TEST memory.sparse ok'
	run 1 -m 256M -machine q35 -append 'suites=pci pci.expect=1234:10a5'
	run 0 -m 256M -machine microvm -append 'bench=pio:100000'
	need 'BENCH pio n=100000 tsc='
	;;
devices)
	# Everything a driver does, on both devices, with the host's serial.
	run 0 -machine q35 -m 256M -device edu -device nvme,serial=iopass0 \
		-append 'suites=edu,nvme nvme.serial=iopass0 nvme.cntlid=0'
	for t in edu.id edu.live edu.factorial edu.dma_low edu.dma_high edu.msi \
		edu.irq_raise edu.irq_factorial edu.dma_irq nvme.regs nvme.reset \
		nvme.msix nvme.enable nvme.identify; do
		need "TEST $t ok"
	done
	# Isolation with 64 MiB of RAM and a DMA to 128 MiB (nothing there
	# without an IOMMU either: guest RAM must not change); the irq bench.
	run 0 -machine q35 -m 64M -device edu \
		-append 'bench=edu-irq:500 suites=edu edu.oob=0x8000000'
	need 'TEST edu.oob ok' 'BENCH edu-irq n=500 tsc='
	# The isolation check can fail: an edu whose DMA mask wraps 64 MiB
	# onto address 0 puts the copy into guest RAM, and the guest sees it.
	run 1 -machine q35 -m 64M -device edu,dma_mask=0x3ffffff \
		-append 'suites=edu edu.oob=0x4000000'
	need 'TEST edu.oob FAIL DMA to 0x4000000 landed in guest RAM at 0x0'
	# And a wrong serial number is caught.
	run 1 -machine q35 -m 256M -device nvme,serial=other \
		-append 'suites=nvme nvme.serial=iopass0'
	need "TEST nvme.identify FAIL serial 'other'"
	;;
*)
	echo "usage: run-qemu.sh QEMU testguest.elf [basic|devices]" >&2
	exit 2
	;;
esac
echo "all ok"
