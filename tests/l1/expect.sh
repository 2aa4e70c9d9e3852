#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs a command and checks what it did.
# usage: expect.sh [--code N] [--err-line REGEX] [--out REGEX] [--no-out REGEX]
#                  [--as-nobody] [--no-dev] [--no-iommu] [--kvm PROBE]
#                  -- COMMAND...
#   --code N         exit status must be N (default 0)
#   --err-line RE    stderr must be exactly one line, matching RE (grep -E)
#   --out RE         stdout must have a line matching RE
#   --no-out RE      stdout must have no line matching RE
#   --as-nobody      run as uid/gid nobody with no groups (EACCES on /dev/kvm)
#   --no-dev         run with an empty /dev (ENOENT on /dev/kvm)
#   --no-iommu       run with an empty /sys/kernel/iommu_groups (a host
#                    without an IOMMU, even on a VT-d host or in the testbed)
#   --kvm PROBE      skip (77) unless PROBE (kvm_probe) says KVM can run a VM
# Exits 77 (skipped) when the environment cannot set up the case.
# $IOPASS_TEST_WRAPPER (e.g. tests/valgrind-run) is put in front of COMMAND.
set -u
code=0 err_re= out_re= no_out_re= wrap= probe=
while [ $# -gt 0 ]; do
	case $1 in
	--code) code=$2; shift 2 ;;
	--err-line) err_re=$2; shift 2 ;;
	--out) out_re=$2; shift 2 ;;
	--no-out) no_out_re=$2; shift 2 ;;
	--as-nobody) wrap=nobody; shift ;;
	--no-dev) wrap=nodev; shift ;;
	--no-iommu) wrap=noiommu; shift ;;
	--kvm) probe=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "expect.sh: bad option $1"; exit 2 ;;
	esac
done

if [ -n "$probe" ]; then
	. "$(dirname "$0")/need_kvm.sh"
	need_kvm "$probe"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

case $wrap in
nobody)
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || { echo "needs root and setpriv: skipped"; exit 77; }
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		${IOPASS_TEST_WRAPPER:-} "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null ;;
nodev)
	[ "$(id -u)" = 0 ] && command -v unshare >/dev/null || { echo "needs root and unshare: skipped"; exit 77; }
	unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh \
		${IOPASS_TEST_WRAPPER:-} "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null ;;
noiommu)
	[ "$(id -u)" = 0 ] && command -v unshare >/dev/null || { echo "needs root and unshare: skipped"; exit 77; }
	unshare -m sh -c 'mount -t tmpfs none /sys/kernel/iommu_groups && exec "$@"' sh \
		${IOPASS_TEST_WRAPPER:-} "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null ;;
*)
	${IOPASS_TEST_WRAPPER:-} "$@" >"$tmp/out" 2>"$tmp/err" </dev/null ;;
esac
rc=$?

fail() {
	echo "--- stdout"; tail -n 40 "$tmp/out"
	echo "--- stderr"; cat "$tmp/err"
	echo "FAIL: $*"
	exit 1
}

[ "$rc" -eq "$code" ] || fail "exit status $rc, want $code"
if [ -n "$err_re" ]; then
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stderr is not exactly one line"
	grep -Eq "$err_re" "$tmp/err" || fail "stderr does not match: $err_re"
fi
if [ -n "$out_re" ]; then
	grep -Eq "$out_re" "$tmp/out" || fail "stdout has no line matching: $out_re"
fi
if [ -n "$no_out_re" ]; then
	! grep -Eq "$no_out_re" "$tmp/out" || fail "stdout has a line matching: $no_out_re"
fi
tail -n 5 "$tmp/out"
cat "$tmp/err"
echo "ok"
