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
# The BDFs that an owner (vm:NAME, ...) holds leases on, sorted.
leases_of() { # owner
	"$IOPASS" leases --json | python3 -c "
import json, sys
print(' '.join(sorted(l['bdf'] for l in json.load(sys.stdin) if l['owner'] == sys.argv[1])))" "$1"
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
# NVMe SR-IOV with nvme-cli on the PF's controller /dev/$CTRL (see
# nvme-vf.sh). The secondary controller of VF number vfn: "SCID STATE"
# (STATE Online or Offline).
secondary_of() { # vfn
	nvme list-secondary "/dev/$CTRL" | awk -v vfn="$1" '
		/SCID/ { id = $NF }
		/SCS/ { st = $NF; gsub(/[()]/, "", st) }
		/VFN/ && tolower($NF) == sprintf("0x%04x", vfn) { print id, st; exit }'
}
virt_mgmt() { nvme virt-mgmt "/dev/$CTRL" -c "$SCID" "$@" >/dev/null 2>&1; }
# Secondary controller $SCID: 2 queue and 1 interrupt resources, online;
# and back: offline, no resources.
nvme_vf_online() { virt_mgmt -r 0 -a 8 -n 2 && virt_mgmt -r 1 -a 8 -n 1 && virt_mgmt -a 9; }
nvme_vf_offline() { virt_mgmt -a 7 && virt_mgmt -r 0 -a 8 -n 0 && virt_mgmt -r 1 -a 8 -n 0; }
