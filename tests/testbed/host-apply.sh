#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `iopass host apply` on the real kernel, across a reboot (issue 18).
#
# On the host (no argument): writes a host file, boots the testbed with an
# igb NIC (82576, SR-IOV; QEMU 10) twice with the same file:
#   apply  the dry run changes nothing; apply makes the host as declared
#          (igb VFs with MACs, VLANs, spoof check, trust, drivers; NVMe VFs
#          and edu on vfio-pci; the pools); a second run has nothing to do;
#          a VF count change is refused while a VF is leased, a driver change
#          while a VFIO group is open; a step the driver refuses rolls
#          everything back (VF count, drivers, MACs) to as it was.
#   boot   a fresh boot: iopass-host.service's ExecStart (from the unit
#          built in the tree) makes the host as declared again.
# Inside the testbed: host-apply.sh apply|boot DIR. One line per check.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
IGB=0000:01:00.0

if [ $# -eq 0 ] || [ "$1" = --build-dir ]; then
	build=${2:-$SRC/build}
	dir=$(mktemp -d /tmp/iopass-host-apply.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
	cat >"$dir/host.conf" <<EOF
# The declared host of the host-apply testbed test.
[sriov $IGB]                  # the igb NIC's PF
vfs = 3
link = up

[vf $IGB#0]
mac = 02:00:00:00:18:00
vlan = 100
qos = 2
spoofchk = on
driver = vfio-pci

[vf $IGB#1]
mac = 02:00:00:00:18:01
vlan = 200
trust = on
driver = igbvf

[sriov 0000:00:03.0]          # the NVMe PF
vfs = 2

[vf 0000:00:03.0#0-1]
driver = vfio-pci

[bind 1234:11e8]              # edu, by its ids
driver = vfio-pci

[pool igb-spare]
pf = $IGB#2
[pool nvme-vfs]
pf = 0000:00:03.0
EOF
	run=("$HERE/run" --build-dir "$build" --timeout 500 --keep "$dir"
	     --extra "-device pcie-root-port,id=rp9,chassis=9 -device igb,bus=rp9,netdev=n9 -netdev user,id=n9,restrict=on")
	"${run[@]}" -- "$HERE/host-apply.sh" apply "$dir"
	a=$?
	"${run[@]}" -- "$HERE/host-apply.sh" boot "$dir"
	b=$?
	echo "host-apply: first boot $a failed, second boot $b failed"
	[ $a -eq 0 ] && [ $b -eq 0 ]
	exit
fi

cd "$SRC"
. tests/testbed/checks.sh
mode=$1 dir=$2
CONF=$dir/host.conf
export IOPASS_POOLS_CONF=/tmp/pools.conf
OUT=/tmp/apply.out

check() { # name, command...
	local name=$1; shift
	if "$@" >"$OUT" 2>&1; then ok "$name"; else bad "$name" "rc=$?: $(tail -5 "$OUT" | tr '\n' ' ')"; fi
}
expect_rc() { # name rc want-in-output command...
	local name=$1 want_rc=$2 want=$3 rc; shift 3
	"$@" >"$OUT" 2>&1; rc=$?
	if [ $rc -eq "$want_rc" ] && grep -qF -- "$want" "$OUT"; then ok "$name"
	else bad "$name" "rc=$rc (wanted $want_rc): $(tr '\n' ' ' <"$OUT")"; fi
}
numvfs() { cat "/sys/bus/pci/devices/$1/sriov_numvfs"; }
vf_of() { basename "$(readlink "/sys/bus/pci/devices/$1/virtfn$2")"; }

modprobe igb || { echo "CHECK igb FAIL modprobe igb"; exit 1; }
[ "$(cat /sys/bus/pci/devices/$IGB/device 2>/dev/null)" = 0x10c9 ] ||
	{ echo "CHECK igb FAIL no 82576 at $IGB (QEMU 10's igb)"; exit 1; }
PFIF=$(ls "/sys/bus/pci/devices/$IGB/net" | head -1)
EDU=$(find_bdf 1234 11e8)
NVME=$(find_bdf 1b36 0010)

# Everything the file declares, read back from sysfs and rtnetlink (iproute2).
as_declared() {
	local v0 v1 n0 n1
	[ "$(numvfs $IGB)" = 3 ] || { echo "igb has $(numvfs $IGB) VFs"; return 1; }
	[ "$(numvfs "$NVME")" = 2 ] || { echo "nvme has $(numvfs "$NVME") VFs"; return 1; }
	v0=$(vf_of $IGB 0) v1=$(vf_of $IGB 1) n0=$(vf_of "$NVME" 0) n1=$(vf_of "$NVME" 1)
	[ "$(driver_of "$v0")" = vfio-pci ] || { echo "igb VF0 $v0 on '$(driver_of "$v0")'"; return 1; }
	[ "$(driver_of "$v1")" = igbvf ] || { echo "igb VF1 $v1 on '$(driver_of "$v1")'"; return 1; }
	[ -z "$(driver_of "$(vf_of $IGB 2)")" ] || { echo "igb VF2 has a driver"; return 1; }
	[ "$(driver_of "$n0")" = vfio-pci ] && [ "$(driver_of "$n1")" = vfio-pci ] ||
		{ echo "nvme VFs on '$(driver_of "$n0")' '$(driver_of "$n1")'"; return 1; }
	[ "$(driver_of "$EDU")" = vfio-pci ] || { echo "edu on '$(driver_of "$EDU")'"; return 1; }
	ip -j link show dev "$PFIF" | grep -q '"UP"' || { echo "$PFIF is down"; return 1; }
	ip -j -d link show dev "$PFIF" | python3 -c "
import json, sys
vfs = {v['vf']: v for v in json.load(sys.stdin)[0]['vfinfo_list']}
def vlan(v): return [(x.get('vlan'), x.get('qos', 0)) for x in v.get('vlan_list', [])]
a, b = vfs[0], vfs[1]
assert a['address'] == '02:00:00:00:18:00', a
assert vlan(a) == [(100, 2)] and a['spoofchk'] is True, a
assert b['address'] == '02:00:00:00:18:01', b
assert vlan(b) == [(200, 0)] and b['trust'] is True, b
" || return 1
	# igbvf on VF 1 took the MAC the PF gave it.
	grep -qx 02:00:00:00:18:01 /sys/bus/pci/devices/$v1/net/*/address ||
		{ echo "igbvf's MAC: $(cat /sys/bus/pci/devices/$v1/net/*/address)"; return 1; }
	grep -q '^\[pool nvme-vfs\]' "$IOPASS_POOLS_CONF" || { echo "no pools file"; return 1; }
	"$IOPASS" pool list | grep -q "$(vf_of $IGB 2) " || { echo "igb-spare has no member"; return 1; }
}

if [ "$mode" = boot ]; then
	# As at boot: the unit's own command line, with the test's file.
	unit=$IOPASS_BUILD_DIR/host/iopass-host.service
	cmd=$(sed -n 's/^ExecStart=//p' "$unit")
	cmd=${cmd//\/etc\/iopass\/host.conf/$CONF}
	echo "ExecStart (from $unit): $cmd"
	[ "$(numvfs $IGB)" = 0 ] && ok "after the reboot the igb has no VFs" || bad fresh "$(numvfs $IGB) VFs"
	check "iopass-host.service's ExecStart applies the file" $cmd
	cat "$OUT"
	out=$(as_declared) && ok "the host is as declared after the reboot" || bad boot_declared "$out"
	expect_rc "a second run: nothing to do" 0 "nothing to do: the host is as" $cmd
	echo "host-apply boot: $fails failed"
	exit $fails
fi

# ---- the first boot
expect_rc "dry run prints the plan" 0 "dry run: nothing changed" "$IOPASS" host apply --dry-run "$CONF"
cat "$OUT"
grep -q "$IGB: VFs 0 -> 3" "$OUT" && grep -q "VF 0 of $IGB (new): driver (whatever probes it) -> vfio-pci" "$OUT" &&
	ok "the plan names the VF count and the new VFs' drivers" || bad plan "$(cat "$OUT")"
[ "$(numvfs $IGB)" = 0 ] && [ ! -e "$IOPASS_POOLS_CONF" ] && ok "dry run changed nothing" || bad dry "numvfs $(numvfs $IGB)"

check "host apply" "$IOPASS" host apply "$CONF"
cat "$OUT"
grep -q "^applied [0-9]* steps: the host is as" "$OUT" && ok "says what it applied" || bad applied "$(tail -2 "$OUT")"
out=$(as_declared) && ok "the host is as declared (VFs, MACs, VLANs, trust, spoofchk, drivers, pools)" ||
	bad declared "$out"
expect_rc "a second run: nothing to do" 0 "nothing to do: the host is as $CONF declares" \
	"$IOPASS" host apply "$CONF"
grep -q "^plan" "$OUT" && bad second_plan "$(cat "$OUT")" || ok "no plan the second time"

# A lease on a VF: a count change (through 0) is refused, nothing changes.
L=$("$IOPASS" assign igb-spare --owner tenant-a 2>/dev/null)
[ "$L" = "$(vf_of $IGB 2)" ] && ok "leased $L from the declared pool" || bad lease "got '$L'"
sed 's/^vfs = 3$/vfs = 4/' "$CONF" >/tmp/more.conf
expect_rc "refused while a VF is leased" 2 "the count goes through 0, and its VF $L is leased to tenant-a" \
	"$IOPASS" host apply /tmp/more.conf
[ "$(numvfs $IGB)" = 3 ] && ok "the VFs stayed" || bad vfs_stayed "$(numvfs $IGB)"
check release "$IOPASS" release "$L"

# An open VFIO group (a VMM iopass did not start): its function stays.
N0=$(vf_of "$NVME" 0)
G=$(basename "$(readlink /sys/bus/pci/devices/$N0/iommu_group)")
printf '[vf %s#0-1]\ndriver = nvme\n' "$NVME" >/tmp/nvme.conf
exec 7<>"/dev/vfio/$G"
expect_rc "refused while its VFIO group is open" 2 "its IOMMU group $G is open by pid $$" \
	"$IOPASS" host apply /tmp/nvme.conf
exec 7>&-
[ "$(driver_of "$N0")" = vfio-pci ] && ok "$N0 stayed on vfio-pci" || bad group_open "$(driver_of "$N0")"

# A step the driver refuses (igb has no minimum rate): everything undone.
{ cat "$CONF"; printf '[vf %s#2]\nmin-rate = 10\n' "$IGB"; } | sed 's/^vfs = 3$/vfs = 4/' >/tmp/bad.conf
"$IOPASS" host apply /tmp/bad.conf >"$OUT" 2>&1; rc=$?
cat "$OUT"
[ $rc -eq 1 ] && grep -q "min-rate" "$OUT" && grep -q "rolled back: [0-9]* steps undone" "$OUT" &&
	ok "a refused step fails the apply (exit 1) and rolls back" || bad rollback "rc=$rc"
grep -q "^undone: $IGB: VFs 3 -> 4" "$OUT" && ok "the VF count change was undone" || bad undone_vfs "$(grep undone "$OUT")"
out=$(as_declared) && ok "after the rollback the host is as before (VFs, drivers, MACs, VLANs)" ||
	bad after_rollback "$out"
expect_rc "and the file applies with nothing to do" 0 "nothing to do" "$IOPASS" host apply "$CONF"

# A running VM with a VF given by address (no lease): held by the VM.
N1=$(vf_of "$NVME" 1)
out=$("$IOPASS" vm run --name m1 --daemon --kernel "$GUEST" --mem 64M --device "$N1" \
	--cmdline "suites=pci hold=1" 2>&1)
VMPID=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
[ -n "$VMPID" ] && ok "VM m1 runs with $N1 (pid $VMPID)" || bad vm_start "$out"
printf '[vf %s#1]\ndriver = nvme\n' "$NVME" >/tmp/vm.conf
expect_rc "refused while a running VM has it" 2 "refusing to move $N1 to nvme: it is in use by VM m1" \
	"$IOPASS" host apply /tmp/vm.conf
L2=$("$IOPASS" assign igb-spare --owner tenant-b 2>/dev/null)

# iopass metrics: the leases, the VM, the VFs, the pools; promtool agrees.
"$IOPASS" metrics >/tmp/m.prom 2>&1 && ok "iopass metrics" || bad metrics "$(tail -3 /tmp/m.prom)"
promtool check metrics </tmp/m.prom >"$OUT" 2>&1 && ok "promtool check metrics" || bad promtool "$(cat "$OUT")"
for line in 'iopass_vms{state="running"} 1' 'iopass_vm_up{vm="m1"} 1' 'iopass_vm_devices{vm="m1"} 1' \
	"iopass_leases{pool=\"igb-spare\",owner=\"tenant-b\"} 1" \
	"iopass_lease_info{bdf=\"$L2\",pool=\"igb-spare\",owner=\"tenant-b\",holder=\"persistent\"} 1" \
	"iopass_sriov_numvfs{pf=\"$IGB\",pf_driver=\"igb\"} 3" \
	"iopass_sriov_totalvfs{pf=\"$IGB\",pf_driver=\"igb\"} 7" \
	"iopass_sriov_vfs{pf=\"$IGB\",driver=\"igbvf\",leased=\"no\"} 1" \
	"iopass_sriov_vfs{pf=\"$IGB\",driver=\"vfio-pci\",leased=\"yes\"} 1" \
	"iopass_sriov_numvfs{pf=\"$NVME\",pf_driver=\"nvme\"} 2" \
	'iopass_pool_members{pool="nvme-vfs"} 2' 'iopass_pool_leased{pool="igb-spare"} 1' \
	'iopass_host_check{check="iommu"} 0'; do
	grep -qxF "$line" /tmp/m.prom && ok "metrics: $line" || bad metrics_line "no '$line'"
done
"$IOPASS" vm stop m1 >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$VMPID" 2>/dev/null || break; sleep 0.1; done
check "release tenant-b" "$IOPASS" release "$L2"
"$IOPASS" metrics | grep -qxF 'iopass_vms{state="running"} 0' && ok "metrics: the VM gone" ||
	bad metrics_vm_gone "$("$IOPASS" metrics | grep iopass_vms)"
out=$(as_declared) && ok "after the VM and the leases, the host is as declared" || bad after_vm "$out"

expect_rc "a bad file: line named, exit 2" 2 "/tmp/typo.conf:2: unknown key 'vsf' in [sriov]" \
	sh -c "printf '[sriov $IGB]\nvsf = 2\n' >/tmp/typo.conf; exec \"$IOPASS\" host apply /tmp/typo.conf"
echo "host-apply apply: $fails failed"
exit $fails
