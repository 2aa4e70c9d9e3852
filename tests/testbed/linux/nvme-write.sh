#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The guest of an NVMe VF with a namespace: Linux's nvme driver probes it
# over MSI-X (a vector per vCPU), dd writes t.mib MiB of pattern t.seed at
# MiB t.off of the namespace from vCPU t.cpu, reads it back; then init
# powers off (or the guest reboots, with t.end=reboot).
. /etc/mkguest/common.sh
acpi_checks
seed=$(arg seed)
mib=$(arg mib)
off=$(arg off)
off=${off:-0}
if wait_for /dev/nvme0n1 60; then
	ok nvme_probe "($(dmesg | grep -o 'nvme0: [0-9/]* default/read/poll queues'))"
else
	bad nvme_probe "no /dev/nvme0n1: $(dmesg | grep nvme | tail -3 | tr '\n' '|')"
	exit 1
fi
echo "GUEST cpus $(grep -c ^processor /proc/cpuinfo)"
grep nvme /proc/interrupts | sed 's/^/GUEST irq /'
pattern "$seed" "$mib" >/tmp/p
if taskset -c "$(arg cpu)" dd if=/tmp/p of=/dev/nvme0n1 bs=1M seek="$off" oflag=direct conv=fsync 2>/tmp/dd.err; then
	ok nvme_write "($mib MiB at MiB $off from vCPU $(arg cpu))"
else
	bad nvme_write "$(tail -1 /tmp/dd.err)"
fi
want=$(md5sum </tmp/p | cut -d' ' -f1)
got=$(dd if=/dev/nvme0n1 bs=1M skip="$off" count="$mib" iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$want" = "$got" ] && ok nvme_readback "($got)" || bad nvme_readback "read $got, wrote $want"
grep nvme /proc/interrupts | sed 's/^/GUEST irq /'
if [ "$(arg end)" = reboot ]; then
	sync
	reboot -f
fi
