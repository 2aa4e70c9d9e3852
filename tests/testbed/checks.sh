# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the testbed scripts that run inside the testbed (from the
# source tree's top): where iopass and the test guest are, the CHECK lines
# and finding devices in sysfs. `fails` counts failed checks; a script exits
# with it.
IOPASS=${IOPASS:-$(command -v iopass || echo build/bin/iopass)}
BUILD=${IOPASS_BUILD_DIR:-build}
GUEST=$BUILD/guest/testguest.elf
export IOPASS_STATE_DIR=/run/iopass-test
fails=0

ok() { echo "CHECK $1 ok${2:+ $2}"; }
bad() { echo "CHECK $1 FAIL $2"; fails=$((fails + 1)); }
driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null || true; }
# vendor device (hex, no 0x): the first function with these ids that is
# not a VF (a VF has the PF's vendor and may share its device id).
find_bdf() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/physfn" ] && continue
		if [ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ]; then
			basename "$d"
			return
		fi
	done
}
# A guest run's result: rc 0, a DONE line, no FAIL, and each named test ok.
guest_ok() { # output, test names...
	local out=$1 t
	shift
	grep -q '^DONE .* 0 failed' <<<"$out" && ! grep -q FAIL <<<"$out" || return 1
	for t in "$@"; do
		grep -q "^TEST $t ok" <<<"$out" || return 1
	done
}
