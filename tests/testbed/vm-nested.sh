#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed: iopass's VMM on the testbed's nested KVM
# (kvm_amd on QEMU's emulated SVM with NPT).
#   vm-nested.sh guest   the freestanding test guest, every suite
#   vm-nested.sh linux   Debian's bzImage + a busybox initrd whose init
#                        prints a marker and reboots
set -uo pipefail
cd "$(dirname "$0")/../.."
IOPASS=${IOPASS:-$(command -v iopass || echo build/bin/iopass)}
BUILD=${IOPASS_BUILD_DIR:-build}
MARKER=IOPASS-LINUX-GUEST-INIT-OK

[ -c /dev/kvm ] || { echo "CHECK kvm FAIL no /dev/kvm in the testbed"; exit 1; }

case "${1:-guest}" in
guest)
	t0=$(date +%s%N)
	out=$("$IOPASS" vm run --kernel "$BUILD/guest/testguest.elf" --mem 256M --testdev 2>&1)
	rc=$?
	t1=$(date +%s%N)
	echo "$out" | grep -E '^(TEST|DONE)'
	if [ $rc -eq 0 ] && grep -q '^DONE' <<<"$out" && ! grep -q FAIL <<<"$out"; then
		echo "CHECK nested_testguest ok ($(((t1 - t0) / 1000000)) ms)"
	else
		echo "CHECK nested_testguest FAIL rc=$rc"
		exit 1
	fi
	;;
linux)
	kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
	dir=$(mktemp -d)
	mkdir -p "$dir/root/bin"
	cp /bin/busybox "$dir/root/bin/busybox"
	ln -s busybox "$dir/root/bin/sh"
	cat > "$dir/root/init" <<INIT
#!/bin/sh
/bin/busybox echo $MARKER
/bin/busybox reboot -f
INIT
	chmod +x "$dir/root/init"
	(cd "$dir/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir/initrd"
	t0=$(date +%s%N)
	out=$(timeout 1200 "$IOPASS" vm run --kernel "$kernel" --initrd "$dir/initrd" \
		--mem 256M --cmdline "console=ttyS0 panic=-1 quiet" 2>&1)
	rc=$?
	t1=$(date +%s%N)
	rm -rf "$dir"
	tail -5 <<<"$out"
	if grep -q "^$MARKER" <<<"$out"; then
		echo "CHECK linux_boot ok: $(basename "$kernel") reached its init in $(((t1 - t0) / 1000000)) ms (rc=$rc)"
	else
		echo "CHECK linux_boot FAIL rc=$rc, no marker from the guest's init"
		exit 1
	fi
	;;
*)
	echo "usage: vm-nested.sh guest|linux" >&2
	exit 2
	;;
esac
