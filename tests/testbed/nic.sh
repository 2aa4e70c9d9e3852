# SPDX-License-Identifier: GPL-2.0-only
# Sourced after checks.sh by the NIC tests, which run in the testbed booted
# with --igb (tests/testbed/run): two igb NICs (Intel 82576) and the wire,
# a virtio-net NIC on the same QEMU hub that the tests send from and
# receive on (tests/testbed/wire.py).
WIRE_MAC=02:00:00:00:ee:01
WIRE_IP=10.99.0.1
WIREPY=tests/testbed/wire.py

# The functions with these ids that are not VFs, in address order.
find_all_bdf() { # vendor device
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/physfn" ] && continue
		[ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] && basename "$d"
	done
}
netdev_of() { ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -n1; }
# Waits up to 10 s for an interface's carrier.
wait_carrier() {
	for _ in $(seq 100); do
		[ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# IGB0, IGB1: the igb PFs (igb0 on its kernel driver); WIRE: the wire's
# interface, up, with WIRE_IP. Exits the script when the testbed lacks them.
nic_init() {
	local d
	modprobe igb && modprobe virtio_net || { bad nic_modules "modprobe igb/virtio_net failed"; exit 1; }
	set -- $(find_all_bdf 8086 10c9)
	IGB0=${1:-} IGB1=${2:-}
	WIRE=
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "$WIRE_MAC" ] && WIRE=$(basename "$d")
	done
	if [ -z "$IGB0" ] || [ -z "$IGB1" ] || [ -z "$WIRE" ]; then
		bad nic_devices "igb '$IGB0' '$IGB1' wire '$WIRE': boot the testbed with --igb"
		exit 1
	fi
	ip link set "$WIRE" up && ip addr add "$WIRE_IP/24" dev "$WIRE" 2>/dev/null
	wait_carrier "$WIRE" || { bad nic_wire "no carrier on $WIRE"; exit 1; }
}

# 2 MiB pages for a DPDK process (iopass-switch on an igb): N of them.
hugepages_init() { # N
	mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages && mount -t hugetlbfs none /dev/hugepages; }
	echo "$1" >/proc/sys/vm/nr_hugepages
}

# The value of key= in the switch's record of type for name (a port or a
# pool's port), from `iopass switch stats`' JSON.
switch_get() { # ports|pools|queues name key
	"$IOPASS" switch stats --json | python3 -c "
import json, sys
for r in json.load(sys.stdin).get(sys.argv[1], []):
    if r.get('name', r.get('port')) == sys.argv[2]:
        print(r.get(sys.argv[3], '')); break" "$@"
}

# A Linux guest for a NIC VF: Debian's kernel (the testbed's own) and an
# initrd of busybox and the igbvf driver whose init brings the VF up as
# GUEST_IP, pings the wire's address 3 times, prints "GUEST ping N/3 ok"
# (or FAIL) and "GUEST-DONE", then idles until the VM is stopped.
# Sets LINUX_KERNEL and LINUX_INITRD (built into DIR).
GUEST_IP=10.99.0.2
linux_vf_guest() { # DIR
	local dir=$1 kver
	LINUX_KERNEL=$(ls /boot/vmlinuz-* | sort -V | tail -n1)
	kver=${LINUX_KERNEL#/boot/vmlinuz-}
	mkdir -p "$dir/root/bin" "$dir/root/proc" "$dir/root/sys" "$dir/root/dev"
	cp /bin/busybox "$dir/root/bin/busybox"
	for a in sh mount insmod ip ping sleep cat seq echo grep sed; do ln -sf busybox "$dir/root/bin/$a"; done
	cp "$(modinfo -k "$kver" -n igbvf)" "$dir/root/igbvf.ko"
	cat >"$dir/root/init" <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
insmod /igbvf.ko || echo "GUEST insmod igbvf FAIL"
for i in \$(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done
echo "GUEST eth0 \$(cat /sys/class/net/eth0/address) driver igbvf"
ip addr add $GUEST_IP/24 dev eth0; ip link set eth0 up
for i in \$(seq 100); do [ "\$(cat /sys/class/net/eth0/carrier)" = 1 ] && break; sleep 0.2; done
n=\$(ping -c 3 -W 5 $WIRE_IP | sed -n 's/.*, \([0-9]*\) packets received.*/\1/p')
[ "\$n" -ge 1 ] 2>/dev/null && echo "GUEST ping \$n/3 ok" || echo "GUEST ping \${n:-0}/3 FAIL"
echo "GUEST eth0 rx \$(cat /sys/class/net/eth0/statistics/rx_packets) tx \$(cat /sys/class/net/eth0/statistics/tx_packets)"
grep eth0 /proc/interrupts | sed 's/^/GUEST irq /'
echo GUEST-DONE
while :; do sleep 3600; done
INIT
	chmod +x "$dir/root/init"
	(cd "$dir/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initrd"
	LINUX_INITRD=$dir/initrd
}

# Waits up to S seconds for a line matching RE in FILE.
wait_line() { # file re seconds
	for _ in $(seq $(($3 * 5))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
