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

# A Linux guest for a NIC, whatever path it gets: Debian's kernel (the
# testbed's own) and an initrd from scripts/mkguest with the igbvf and
# virtio_net drivers, whose script (tests/testbed/linux/net.sh) brings eth0
# up as t.ip, pings each NAME:ADDRESS of t.ping, prints "GUEST eth0 MAC
# driver DRV", "GUEST ping_NAME ok|FAIL" and "GUEST-DONE", then holds the
# VM up with t.hold=1. Sets LINUX_KERNEL and LINUX_INITRD (built into DIR).
linux_net_guest() { # DIR
	local g=tests/testbed/linux
	LINUX_KERNEL=$(ls /boot/vmlinuz-* | sort -V | tail -n1)
	mkdir -p "$1"
	LINUX_INITRD=$1/initrd
	scripts/mkguest --kernel-version "${LINUX_KERNEL#/boot/vmlinuz-}" --modules igbvf,virtio_net \
		--add "$g/common.sh:/etc/mkguest/common.sh" --run "net=$g/net.sh" -o "$LINUX_INITRD"
}
# The kernel command line of such a guest: ADDRESS, the pings, the hold.
linux_net_cmdline() { # ip ping-list [hold]
	echo "quiet mkguest.run=net t.ip=$1 t.ping=$2${3:+ t.hold=$3}"
}

# Waits up to S seconds for a line matching RE in FILE.
wait_line() { # file re seconds
	for _ in $(seq $(($3 * 5))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
