#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A Linux guest's NIC, whichever datapath iopass gave it (an igb VF driven
# by igbvf, or a vhost-user port driven by virtio_net): eth0 up as t.ip
# (a /24), then 3 pings to each NAME:ADDRESS of t.ping (comma-separated).
# Prints "GUEST eth0 MAC driver DRIVER", one check line per ping, then
# "GUEST-DONE"; with t.hold=1 it then idles (the VM stays up, pingable,
# until it is stopped), else init powers the VM off.
. /etc/mkguest/common.sh
wait_for /sys/class/net/eth0 60 || { bad net_eth0 "no eth0: $(dmesg | tail -3 | tr '\n' '|')"; echo GUEST-DONE; exit 1; }
# igbvf for a VF; virtio_net for a vhost-user port (eth0's device is then
# the virtio device, whose driver is virtio_net).
drv=$(basename "$(readlink /sys/class/net/eth0/device/driver)")
echo "GUEST eth0 $(cat /sys/class/net/eth0/address) driver $drv"
ip addr add "$(arg ip)/24" dev eth0
ip link set eth0 up
i=0
while ! grep -q 1 /sys/class/net/eth0/carrier 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
for t in $(arg ping | tr ',' ' '); do
	name=${t%%:*} addr=${t#*:}
	n=$(ping -c 3 -W 5 "$addr" | sed -n 's/.*, \([0-9]*\) packets received.*/\1/p')
	[ "${n:-0}" -ge 1 ] && ok "ping_$name" "($n/3 from $addr)" || bad "ping_$name" "${n:-0}/3 from $addr"
done
echo "GUEST eth0 rx $(cat /sys/class/net/eth0/statistics/rx_packets) tx $(cat /sys/class/net/eth0/statistics/tx_packets)"
grep eth0 /proc/interrupts | sed 's/^/GUEST irq /'
acpi_checks
echo GUEST-DONE
if [ "$(arg hold)" = 1 ]; then
	while :; do sleep 3600; done
fi
