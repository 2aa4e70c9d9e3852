#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guests test again on 2 MiB hugepages: switch and frontends each take
# 256 MiB of them (virtio_user shares its hugepage file with the switch).
# The pages come from a private hugetlbfs mount; when the host has too few
# free, this reserves more and gives back what it added. Skips (77) when not
# root or when the kernel cannot find the pages.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
command -v dpdk-testpmd >/dev/null || { echo "SKIP: dpdk-testpmd not installed"; exit 77; }
NEED=448		# 3 x 256 MiB in 2 MiB pages, with room
free_pages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: cannot reserve hugepages"; exit 77; }

# One hugepage test on this host at a time (other checkouts run it too):
# each adds the pages it needs and takes back only those.
exec 9>/tmp/iopass-dpdk-huge.lock
flock -w 170 9 || { echo "SKIP: another hugepage test holds the lock"; exit 77; }
added=0
dir=$(mktemp -d /tmp/iopass-huge.XXXXXX)
restore() {
	umount "$dir" 2>/dev/null || umount -l "$dir"
	rmdir "$dir"
	if [ "$added" -gt 0 ]; then
		echo $(( $(cat /proc/sys/vm/nr_hugepages) - added )) >/proc/sys/vm/nr_hugepages
	fi
}
trap restore EXIT
mount -t hugetlbfs -o pagesize=2M nodev "$dir" || { echo "SKIP: cannot mount hugetlbfs"; exit 77; }
if [ "$(free_pages)" -lt "$NEED" ]; then
	added=$((NEED - $(free_pages)))
	echo $(( $(cat /proc/sys/vm/nr_hugepages) + added )) >/proc/sys/vm/nr_hugepages
fi
if [ "$(free_pages)" -lt "$NEED" ]; then
	echo "SKIP: the kernel found only $(free_pages) free 2 MiB pages of $NEED"
	exit 77
fi
echo "hugepages: $(free_pages) free on $dir ($added added for this test)"
HUGE=1 HUGE_DIR=$dir "$HERE/guests.sh"
