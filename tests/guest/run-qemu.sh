#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Boots the test guest under QEMU/KVM (q35, no testdev: suites pci and
# memory, plus the PIO bench) and checks the result lines and exit status.
# Usage: run-qemu.sh QEMU testguest.elf; exits 77 (skip) without /dev/kvm.
set -u
qemu=$1
elf=$2
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "no /dev/kvm: skipped"; exit 77; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() {
	want=$1
	shift
	timeout 30 "$qemu" -accel kvm -cpu host,-arch-capabilities -m 256M -kernel "$elf" \
		-display none -nodefaults -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" </dev/null >"$out" 2>&1
	rc=$?
	cat "$out"
	# isa-debug-exit: QEMU exits with (status << 1) | 1.
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: exit code $rc, want $want"
		exit 1
	fi
	tail -n 1 "$out" | grep -q '^DONE ' || { echo "FAIL: no DONE line"; exit 1; }
}

run 1 -machine q35 -device edu -device pci-testdev \
	-append 'suites=pci,memory pci.expect=1234:11e8,1b36:0005'
grep -q '^TEST memory.sparse ok' "$out" || exit 1
run 3 -machine q35 -append 'suites=pci pci.expect=1234:10a5'
run 1 -machine microvm -append 'bench=pio:100000'
grep -q '^BENCH pio n=100000 tsc=' "$out" || exit 1
echo "all ok"
