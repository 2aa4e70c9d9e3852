#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Writes 1 MiB blocks of pattern t.seed-N to block N of the namespace, one
# after the other with O_DIRECT and fsync, and says "GUEST synced N" after
# each, until the VMM is killed under it.
. /etc/mkguest/common.sh
seed=$(arg seed)
wait_for /dev/nvme0n1 60 || { bad nvme_probe "no /dev/nvme0n1"; exit 1; }
ok nvme_probe
n=0
while [ $n -lt 64 ]; do
	pattern "$seed-$n" 1 | dd of=/dev/nvme0n1 bs=1M seek=$n oflag=direct conv=fsync 2>/dev/null || break
	echo "GUEST synced $n"
	n=$((n + 1))
done
