#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# An e1000e driven by Linux on legacy INTx (the guest boots with pci=nomsi):
# its interrupt must be an IO-APIC line routed by the DSDT's _PRT, and it
# must keep firing while the NIC passes traffic (each interrupt is masked
# in the host until the guest's EOI comes back through KVM's resampler),
# also after the guest masked the line (the interface down, then up).
. /etc/mkguest/common.sh
acpi_checks
irqs() { grep -E ' eth0$' /proc/interrupts | awk '{ n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }'; }
wait_for /sys/class/net/eth0 30 || { bad intx_probe "no eth0: $(dmesg | grep e1000e | tail -2 | tr '\n' '|')"; exit 1; }
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
line=$(grep -E ' eth0$' /proc/interrupts)
case $line in
*IO-APIC*fasteoi*) ok intx_ioapic "($(echo $line | tr -s ' '))" ;;
*) bad intx_ioapic "eth0's interrupt is not an IO-APIC line: '$line'" ;;
esac
grep -q 'MSI' /proc/interrupts && bad intx_no_msi "$(grep MSI /proc/interrupts)" || ok intx_no_msi
# Link up takes a moment (e1000e's watchdog).
wait_for_link() { i=0; while ! grep -q 1 /sys/class/net/eth0/carrier 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; }
wait_for_link
n0=$(irqs)
if ping -c 5 -W 5 10.0.2.2 >/tmp/ping 2>&1; then
	ok intx_ping "($(grep -o '[0-9]* packets received' /tmp/ping))"
else
	bad intx_ping "$(tail -2 /tmp/ping | tr '\n' '|')"
fi
n1=$(irqs)
[ "$n1" -gt "$((n0 + 4))" ] && ok intx_counts "($n0 -> $n1 interrupts during 5 pings)" ||
	bad intx_counts "$n0 -> $n1 interrupts"
# Masked by the guest: down frees the IRQ (its IOAPIC pin masked), up
# requests it again; interrupts must flow again after that.
ip link set eth0 down
sleep 1
ip link set eth0 up
wait_for_link
n2=$(irqs)
if ping -c 3 -W 5 10.0.2.2 >/tmp/ping 2>&1; then
	n3=$(irqs)
	[ "$n3" -gt "$n2" ] && ok intx_after_mask "($n2 -> $n3 interrupts, $(grep -o '[0-9]* packets received' /tmp/ping))" ||
		bad intx_after_mask "$n2 -> $n3 interrupts"
else
	bad intx_after_mask "no ping after down/up: $(tail -2 /tmp/ping | tr '\n' '|')"
fi
grep -E ' eth0$' /proc/interrupts | sed 's/^/GUEST irq /'
