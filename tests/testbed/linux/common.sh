# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the guest scripts of tests/testbed/linux-guests.sh, inside a
# Linux guest built by scripts/mkguest (busybox sh). Each check prints one
# line the host greps: "GUEST name ok ..." or "GUEST name FAIL ...".
ok() { echo "GUEST $1 ok${2:+ $2}"; }
bad() { echo "GUEST $1 FAIL $2"; }
# The value of t.NAME=VALUE on the kernel command line.
arg() {
	for w in $(cat /proc/cmdline); do
		case $w in "t.$1="*) echo "${w#t.$1=}"; return ;; esac
	done
}
# Waits up to $2 s for a path to appear (drivers probe asynchronously).
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}
# n MiB of the pattern of a seed: the host makes the same bytes.
pattern() { yes "iopass-pattern-$1" | head -c $(($2 * 1048576)); }
# What the kernel made of iopass's ACPI tables.
acpi_checks() {
	e=$(dmesg | grep -iE 'ACPI( BIOS)? (Error|Warning)|RSDP was not found' | head -3 | tr '\n' '|')
	[ -z "$e" ] && ok acpi_no_errors || bad acpi_no_errors "$e"
	n=$(grep -c ^processor /proc/cpuinfo)
	dmesg | grep -q 'ACPI: Using ACPI (MADT) for SMP configuration' &&
		dmesg | grep -q "smpboot: Allowing $n CPUs" &&
		ok acpi_madt "($(dmesg | grep -o 'IOAPIC\[0\]: apic_id [0-9]*, version [0-9]*, address 0x[0-9a-f]*, GSI [0-9-]*'); $n CPUs)" ||
		bad acpi_madt "$(dmesg | grep -E 'smpboot: Allowing|MADT|IOAPIC' | tr '\n' '|')"
	dmesg | grep -q 'ACPI: PCI Root Bridge \[PCI0\]' && dmesg | grep -q 'PCI: Using ACPI for IRQ routing' &&
		ok acpi_pci_root || bad acpi_pci_root "$(dmesg | grep -i 'PCI' | head -5 | tr '\n' '|')"
}
