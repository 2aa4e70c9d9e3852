#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed, booted with a PCIe-to-PCI bridge holding an e1000
# and a second edu (issue 18): resets.
#   - iopass list --json shows each function's reset_method (null: none);
#   - vm run with the bridged edu alone warns, before the guest runs, that it
#     has no reset and names the function that would make a bus reset possible;
#   - vm run with both functions of the bus: the VMM resets them with a
#     VFIO hot (bus) reset at start and exit, and says so; the guest reads the
#     e1000's RDBAL at start (pci.peek): what the host wrote there before is
#     gone, while with the e1000 alone (no bus reset possible) it is not;
#   - the root-bus edu: no reset possible, said up front with what would help.
# One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh

EDU=$(find_bdf 1234 11e8)		# the first: on the root bus
E1000=$(find_bdf 8086 100e)
NVME=$(find_bdf 1b36 0010)
NIC=$(find_bdf 8086 10d3)
EDU2=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && [ "$(basename "$d")" != "$EDU" ] &&
		EDU2=$(basename "$d")
done
[ -n "$EDU" ] && [ -n "$EDU2" ] && [ -n "$E1000" ] ||
	{ echo "CHECK devices FAIL edu=$EDU edu2=$EDU2 e1000=$E1000"; exit 1; }
ok "devices (edu $EDU on the root bus; e1000 $E1000 and edu $EDU2 behind a bridge)"

# --- list --json: reset_method as sysfs has it
"$IOPASS" list --json >/tmp/list.json
rm_of() { python3 -c "
import json, sys
print([f for f in json.load(open('/tmp/list.json')) if f['bdf'] == sys.argv[1]][0]['reset_method'])" "$1"; }
for d in "$EDU" "$NVME" "$NIC" "$EDU2" "$E1000"; do
	want=$(cat "/sys/bus/pci/devices/$d/reset_method" 2>/dev/null || echo None)
	got=$(rm_of "$d")
	[ "$got" = "$want" ] && ok "list --json reset_method of $d: $got" || bad "reset_method_$d" "got '$got', sysfs '$want'"
done
[ "$(rm_of "$NVME")" = flr ] && [ "$(rm_of "$EDU")" = None ] && ok "nvme has flr, edu none" ||
	bad reset_kinds "nvme $(rm_of "$NVME") edu $(rm_of "$EDU")"

# --- host check names it, with the function that would make a bus reset work
"$IOPASS" host check --json | python3 -c "
import json, sys
f = [x for x in json.load(sys.stdin)['findings'] if x['check'] == 'reset-$EDU2'][0]
assert f['level'] == 'warn' and '$E1000' in f['fix'], f
print('CHECK host_check_names_the_bus ok (' + f['fix'][:90] + '...)')" || bad host_check_reset "no reset-$EDU2 naming $E1000"

for d in "$E1000" "$EDU2" "$EDU"; do "$IOPASS" bind "$d" >/dev/null 2>&1; done
[ "$(driver_of "$E1000")$(driver_of "$EDU2")" = vfio-pcivfio-pci ] && ok "bridged functions on vfio-pci" ||
	bad bind "$(driver_of "$E1000") $(driver_of "$EDU2")"

# The e1000's RDBAL register (0x2800), through its BAR from the host: a
# value written there survives until the device is reset.
rdbal() { # [value]
	printf '\x06' | dd of="/sys/bus/pci/devices/$E1000/config" bs=1 seek=4 conv=notrunc 2>/dev/null
	python3 - "/sys/bus/pci/devices/$E1000/resource0" "${1:-}" <<'PY'
import mmap, os, struct, sys
m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR | os.O_SYNC), 0x4000)
if sys.argv[2]:
    m[0x2800:0x2804] = struct.pack("<I", int(sys.argv[2], 0))
print("0x%08x" % struct.unpack("<I", m[0x2800:0x2804])[0])
PY
}

# --- the e1000 alone: nothing resets it (its "bus" method is stale: the
# kernel computed it before the edu appeared on the bus), so the value
# written into it before the VM is what the guest finds (pci.peek reads its
# BAR at start); the VMM names the function that would make a bus reset work
w=$(rdbal 0x12345000)
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$E1000" \
	--cmdline "suites=pci pci.peek=8086:100e+2800" 2>&1)
grep -q "^PEEK 8086:100e bar0+0x2800 0x12345000" <<<"$out" && [ "$w" = 0x12345000 ] &&
	ok "e1000 alone: the guest finds what the host wrote (RDBAL 0x12345000: not reset)" ||
	bad e1000_alone "written $w: $(grep PEEK <<<"$out")"
grep -q "^iopass: --device $E1000 is the guest's .*reset not possible yet: no reset method; a bus reset needs the VM to have every function on its bus (add --device $EDU2))" <<<"$out" &&
	ok "e1000 alone: names what would make a bus reset possible" || bad e1000_alone_note "$(grep "$E1000" <<<"$out")"

# --- the bridged edu alone: a warning of its own naming the missing function
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$EDU2" --cmdline suites=pci 2>&1)
first=$(grep -n "no reset method" <<<"$out" | head -1 | cut -d: -f1)
dev=$(grep -n "is the guest's\|IOMMU group" <<<"$out" | head -1 | cut -d: -f1)
grep -q "warning: --device $EDU2 has no reset method: .* (add --device $E1000)" <<<"$out" &&
	ok "alone: says up front what would help (--device $E1000)" || bad alone "$out"
[ -n "$first" ] && [ -n "$dev" ] && [ "$first" -lt "$dev" ] && ok "said as a warning of its own, before the device lines" ||
	bad up_front "$out"

# --- the whole bus: a bus reset at start; the guest finds the e1000 reset
w=$(rdbal 0x12345000)
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$E1000" --device "$EDU2" \
	--cmdline "suites=pci pci.peek=8086:100e+2800" 2>&1); rc=$?
grep -q "^PEEK 8086:100e bar0+0x2800 0x00000000" <<<"$out" && [ "$w" = 0x12345000 ] &&
	ok "the whole bus: the bus reset at start cleared the e1000 before the guest (RDBAL $w -> 0)" ||
	bad bus_reset_cleared "written $w: $(grep PEEK <<<"$out")"
echo "$out" | grep -E "reset|^DONE"
[ $rc -eq 0 ] && guest_ok "$out" && ok "the VM ran with both (rc 0)" || bad both_rc "rc=$rc: $(tail -3 <<<"$out")"
grep -q "iopass: --device $EDU2 has no reset method of its own: the VM has every function on its bus" <<<"$out" &&
	ok "up front: the bus reset will do" || bad both_up_front "$out"
grep -q "^iopass: --device $EDU2 is the guest's .*reset by a bus reset at start and exit, with $E1000)" <<<"$out" &&
	ok "edu: reset by a bus reset with the e1000" || bad edu_bus_reset "$(grep "$EDU2" <<<"$out")"
grep -q "^iopass: --device $E1000 is the guest's .*reset \(at start and exit\|by a bus reset at start and exit, with $EDU2\))" <<<"$out" &&
	ok "e1000: reset too" || bad e1000_reset "$(grep "$E1000" <<<"$out")"
! grep -q "reset at exit failed\|bus reset failed" <<<"$out" && ok "no reset failed" || bad reset_failed "$out"

# --- the root-bus edu: nothing can reset it; said up front, with what would help
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$EDU" --cmdline suites=pci 2>&1); rc=$?
grep -q "warning: --device $EDU has no reset method (no FLR or PM reset) and sits on a root bus" <<<"$out" &&
	ok "root bus: said up front, with what would help" || bad root_bus "$out"
grep -q "^iopass: --device $EDU is the guest's .*reset not possible: no reset method, and no bus reset" <<<"$out" &&
	ok "root bus: no bus reset either" || bad root_bus_attach "$(grep "$EDU" <<<"$out")"
[ $rc -eq 0 ] && ok "and the VM still runs (rc 0)" || bad root_rc "rc=$rc"

for d in "$E1000" "$EDU2" "$EDU"; do "$IOPASS" restore "$d" >/dev/null 2>&1; done
echo "reset: $fails failed"
exit $fails
