#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guests test again on 2 MiB hugepages: switch and frontends each take
# 256 MiB of them (virtio_user shares its hugepage file with the switch).
# When the host has too few free, this reserves them on a private hugetlbfs
# mount and gives both back afterwards. Skips (77) when not root or when the
# kernel cannot find the pages.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
command -v dpdk-testpmd >/dev/null || { echo "SKIP: dpdk-testpmd not installed"; exit 77; }
NEED=448		# 3 x 256 MiB in 2 MiB pages, with room
free_pages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: cannot reserve hugepages"; exit 77; }

before=$(cat /proc/sys/vm/nr_hugepages)
dir=$(mktemp -d /tmp/iopass-huge.XXXXXX)
restore() {
	umount "$dir" 2>/dev/null
	rmdir "$dir"
	echo "$before" >/proc/sys/vm/nr_hugepages
}
trap restore EXIT
mount -t hugetlbfs -o pagesize=2M nodev "$dir" || { echo "SKIP: cannot mount hugetlbfs"; exit 77; }
if [ "$(free_pages)" -lt "$NEED" ]; then
	echo $((before + NEED - $(free_pages))) >/proc/sys/vm/nr_hugepages
fi
if [ "$(free_pages)" -lt "$NEED" ]; then
	echo "SKIP: the kernel found only $(free_pages) free 2 MiB pages of $NEED"
	exit 77
fi
echo "hugepages: $(free_pages) free on $dir (nr_hugepages was $before)"
HUGE=1 HUGE_DIR=$dir "$HERE/guests.sh"
