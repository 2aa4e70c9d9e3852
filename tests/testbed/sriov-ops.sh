#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed (tests/testbed/run -- tests/testbed/sriov-ops.sh):
# the ops commands against the real kernel's SR-IOV, driver binding and
# IOMMU groups. One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
export IOPASS_POOLS_CONF=/tmp/pools.conf

check() { # name, command...
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$(tail -3 <<<"$out" | tr '\n' ' ')"; fi
}
refused() { # name, expected message part, command...: must exit 2 saying why
	local name=$1 want=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$want" <<<"$out"; then ok "$name"
	else bad "$name" "rc=$rc: $(tr '\n' ' ' <<<"$out")"; fi
}
vfs_of() {
	"$IOPASS" list --json | python3 -c "
import json, sys
print(' '.join(f['bdf'] for f in json.load(sys.stdin) if f['physfn'] == '$1'))"
}

PF=$(find_bdf 1b36 0010)
EDU=$(find_bdf 1234 11e8)
NIC=$(find_bdf 8086 10d3)
[ -n "$PF" ] && [ -n "$EDU" ] && [ -n "$NIC" ] || { echo "CHECK devices FAIL pf=$PF edu=$EDU nic=$NIC"; exit 1; }
ok "devices (nvme PF $PF, edu $EDU, e1000e $NIC)"

# --- SR-IOV: 2 then 4 VFs, through 0, autoprobe off
check sriov_enable_2 "$IOPASS" sriov enable "$PF" 2
set -- $(vfs_of "$PF")
[ $# -eq 2 ] && ok "list shows 2 VFs of $PF: $*" || bad list_2_vfs "got: $*"
[ "$(cat /sys/bus/pci/devices/$PF/sriov_drivers_autoprobe)" = 0 ] && ok autoprobe_off || bad autoprobe_off "autoprobe is on"
check sriov_enable_4 "$IOPASS" sriov enable "$PF" 4
set -- $(vfs_of "$PF")
VFS=("$@")
[ $# -eq 4 ] && ok "list shows 4 VFs: $*" || bad list_4_vfs "got: $*"
groups=$(for v in "${VFS[@]}"; do basename "$(readlink /sys/bus/pci/devices/$v/iommu_group)"; done | sort -u | wc -l)
[ "$groups" -eq 4 ] && ok "each VF in its own IOMMU group" || bad vf_groups "$groups distinct groups"
"$IOPASS" sriov show "$PF" | grep -q "VFs 4/4" && ok sriov_show || bad sriov_show "$("$IOPASS" sriov show "$PF")"
refused sriov_too_many "supports 0 to 4" "$IOPASS" sriov enable "$PF" 5

# --- bind a VF to vfio-pci and back
VF=${VFS[0]}
check bind_vf "$IOPASS" bind "$VF"
[ "$(driver_of "$VF")" = vfio-pci ] && ok "VF on vfio-pci" || bad vf_on_vfio "driver=$(driver_of "$VF")"
G=$(basename "$(readlink /sys/bus/pci/devices/$VF/iommu_group)")
[ -c "/dev/vfio/$G" ] && ok "/dev/vfio/$G exists" || bad dev_vfio "no /dev/vfio/$G"
"$IOPASS" groups --json | python3 -c "
import json,sys
g=[x for x in json.load(sys.stdin) if x['group']==$G][0]
sys.exit(0 if g['viable'] else 1)" && ok "group $G viable" || bad group_viable "group $G"
check restore_vf "$IOPASS" restore "$VF"
[ -z "$(driver_of "$VF")" ] && ok "VF back to no driver" || bad vf_restored "driver=$(driver_of "$VF")"
refused restore_twice "nothing to restore" "$IOPASS" restore "$VF"

# --- edu: bind and restore (it has no host driver)
check bind_edu "$IOPASS" bind "$EDU"
[ "$(driver_of "$EDU")" = vfio-pci ] && ok "edu on vfio-pci" || bad edu_vfio "driver=$(driver_of "$EDU")"
check restore_edu "$IOPASS" restore "$EDU"

# --- pools and leases
cat > /tmp/pools.conf <<CONF
[pool nvme-vfs]
pf = $PF
CONF
check pool_list "$IOPASS" pool list
L1=$("$IOPASS" assign nvme-vfs --owner tenant-a 2>/dev/null)
[ -n "$L1" ] && [ "$(driver_of "$L1")" = vfio-pci ] && ok "assign leased $L1 on vfio-pci" || bad assign "got '$L1' driver=$(driver_of "$L1")"
"$IOPASS" leases | grep -q "tenant-a" && ok leases_listed || bad leases_listed "$("$IOPASS" leases)"
refused disable_while_leased "leased" "$IOPASS" sriov disable "$PF"
[ "$(cat /sys/bus/pci/devices/$PF/sriov_numvfs)" = 4 ] && ok "VFs untouched after refusal" || bad vfs_kept "numvfs changed"
check release "$IOPASS" release "$L1"
[ -z "$(driver_of "$L1")" ] && ok "released VF back to no driver" || bad released "driver=$(driver_of "$L1")"
refused release_twice "not leased" "$IOPASS" release "$L1"

# every VF leased: the next assign is refused, nothing half-done
for i in 1 2 3 4; do "$IOPASS" assign nvme-vfs --owner "fill$i" >/dev/null 2>&1; done
refused pool_exhausted "no free device in pool nvme-vfs" "$IOPASS" assign nvme-vfs --owner late
for i in 1 2 3 4; do "$IOPASS" release --owner "fill$i" >/dev/null 2>&1; done
[ -z "$("$IOPASS" leases --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)) or "")')" ] && ok "all released" || bad all_released "$("$IOPASS" leases)"

# --- a crashed owner: kill -9 the holder, then gc
"$IOPASS" assign nvme-vfs --owner crashy -- sleep 600 > /tmp/held 2>/tmp/held.err &
HOLDER=$!
for _ in $(seq 100); do grep -q : /tmp/held && break; sleep 0.1; done
H=$(head -1 /tmp/held)
[ "$(driver_of "$H")" = vfio-pci ] && ok "held lease $H" || bad held "$(cat /tmp/held)"
kill -9 $HOLDER; wait $HOLDER 2>/dev/null
# Its command (the VMM) runs on and inherited the lease: gc must keep it.
"$IOPASS" leases | grep -q " CMD " && ok "lease held by the command" || bad held_by_cmd "$("$IOPASS" leases)"
"$IOPASS" gc 2>/dev/null | grep -q "released 0 orphaned" && ok "gc keeps a lease in use" || bad gc_in_use "gc released it"
[ "$(driver_of "$H")" = vfio-pci ] && ok "still on vfio-pci" || bad gc_in_use_driver "driver=$(driver_of "$H")"
pkill -9 -f "sleep 600"
for _ in $(seq 50); do "$IOPASS" leases | grep -q "GONE" && break; sleep 0.1; done
"$IOPASS" leases | grep -q "GONE" && ok "orphaned lease detected" || bad orphan "$("$IOPASS" leases)"
"$IOPASS" gc --dry-run 2>/dev/null | grep -q "would release 1 orphaned lease" && ok gc_dry_run || bad gc_dry_run "no plan"
"$IOPASS" leases | grep -q "GONE" && ok "dry run kept the lease" || bad gc_dry_kept "$("$IOPASS" leases)"
"$IOPASS" gc 2>/dev/null | grep -q "released 1 orphaned lease" && ok gc || bad gc "gc did not release"
[ -z "$(driver_of "$H")" ] && ok "gc restored $H" || bad gc_restored "driver=$(driver_of "$H")"

check sriov_disable "$IOPASS" sriov disable "$PF"
[ -z "$(vfs_of "$PF")" ] && ok "no VFs left" || bad vfs_gone "$(vfs_of "$PF")"

# --- enables and disables in parallel: serialized by the PF's lock, each
# one succeeds and the PF ends as one of them alone would have left it.
AP=/sys/bus/pci/devices/$PF/sriov_drivers_autoprobe
for round in 1 2; do
	rm -f /tmp/par.rc.*
	for i in $(seq 10); do
		n=$(( (i - 1) % 4 + 1 ))
		( "$IOPASS" sriov enable "$PF" $n >/dev/null 2>/tmp/par.err.$i; echo $? >/tmp/par.rc.e$i ) &
	done
	for k in 1 2 3 4 5; do
		( "$IOPASS" sriov disable "$PF" >/dev/null 2>&1; echo $? >/tmp/par.rc.d$k ) &
	done
	wait
	rcs=$(cat /tmp/par.rc.* | sort | uniq -c | tr -s ' \n' ' ')
	[ "$(cat /tmp/par.rc.* | grep -vc '^0$')" = 0 ] && ok "round $round: 15 parallel sriov commands exit 0" || bad "parallel_rc_$round" "exit codes: $rcs; $(cat /tmp/par.err.* | sort -u | head -3 | tr '\n' ' ')"
	num=$(cat /sys/bus/pci/devices/$PF/sriov_numvfs)
	links=$(ls -d /sys/bus/pci/devices/$PF/virtfn* 2>/dev/null | wc -l)
	rec=$IOPASS_STATE_DIR/sriov/$PF.autoprobe
	if [ "$num" = 0 ]; then
		[ "$links" = 0 ] && [ "$(cat $AP)" = 1 ] && [ ! -e "$rec" ] && ok "round $round: ends disabled, autoprobe 1, no record" || bad "parallel_end_$round" "numvfs 0, $links VFs, autoprobe $(cat $AP), record $(cat "$rec" 2>&1)"
	else
		[ "$links" = "$num" ] && [ "$(cat $AP)" = 0 ] && [ "$(cat "$rec" 2>/dev/null)" = 1 ] && ok "round $round: ends with $num VFs, autoprobe 0, record 1" || bad "parallel_end_$round" "numvfs $num, $links VFs, autoprobe $(cat $AP), record $(cat "$rec" 2>&1)"
	fi
	rm -f /tmp/par.err.*
done
check sriov_disable_after_parallel "$IOPASS" sriov disable "$PF"
[ "$(cat $AP)" = 1 ] && [ -z "$(vfs_of "$PF")" ] && ok "disabled, autoprobe back to 1" || bad parallel_disable "autoprobe $(cat $AP), VFs $(vfs_of "$PF")"

# --- the host's NIC: refused while up with an address, unless --force
IF=$(ls /sys/bus/pci/devices/$NIC/net | head -1)
ip link set "$IF" up && ip addr add 192.0.2.10/24 dev "$IF"
refused unbind_busy_nic "is up with addresses 192.0.2.10" "$IOPASS" unbind "$NIC"
[ "$(driver_of "$NIC")" = e1000e ] && ok "e1000e kept" || bad nic_kept "driver=$(driver_of "$NIC")"
"$IOPASS" unbind "$NIC" --force --dry-run | grep -q "unbind $NIC from e1000e" && ok "--force --dry-run plans it" || bad force_dry "no plan"
[ "$(driver_of "$NIC")" = e1000e ] && ok "dry run changed nothing" || bad dry_nothing "driver=$(driver_of "$NIC")"
ip addr flush dev "$IF"; ip link set "$IF" down
check unbind_idle_nic "$IOPASS" unbind "$NIC"
check restore_nic "$IOPASS" restore "$NIC"
[ "$(driver_of "$NIC")" = e1000e ] && ok "e1000e restored" || bad nic_restored "driver=$(driver_of "$NIC")"

# --- an unwritable state directory: refused before anything changes
mkdir -p /tmp/ro && mount -t tmpfs -o ro tmpfs /tmp/ro
refused readonly_state "state directory must be writable" env IOPASS_STATE_DIR=/tmp/ro/state "$IOPASS" bind "$EDU"
[ -z "$(driver_of "$EDU")" ] && ok "edu untouched" || bad ro_untouched "driver=$(driver_of "$EDU")"
out=$(IOPASS_STATE_DIR=/tmp/ro/state "$IOPASS" sriov enable "$PF" 2 2>/tmp/ro.err); rc=$?
[ $rc = 2 ] && [ -z "$out" ] && [ "$(wc -l </tmp/ro.err)" = 1 ] && grep -q "state directory must be writable" /tmp/ro.err &&
	[ "$(cat /sys/bus/pci/devices/$PF/sriov_numvfs)" = 0 ] && ok "sriov enable on a read-only state dir: one line, no plan, no VFs" ||
	bad readonly_sriov "rc=$rc out='$out' err=$(cat /tmp/ro.err)"
umount /tmp/ro

refused bad_bdf "not a PCI address" "$IOPASS" bind 00:zz.0

# --- bridges are the host's topology: bind and assign refuse them
ISA_DRV=$(driver_of 0000:00:1f.0)
refused bind_bridge "it is a bridge (class 0x0601)" "$IOPASS" bind 0000:00:1f.0
refused assign_bridge "it is a bridge (class 0x0600)" "$IOPASS" assign 0000:00:00.0 --owner br
[ "$(driver_of 0000:00:1f.0)" = "$ISA_DRV" ] && ok "ISA bridge kept on '$ISA_DRV'" || bad bridge_kept "driver=$(driver_of 0000:00:1f.0)"
! "$IOPASS" leases | grep -q " br " && ok "no lease for the bridge" || bad bridge_lease "$("$IOPASS" leases)"

# --- restore checks the record, and that its driver loads, before unbinding
check bind_edu_again "$IOPASS" bind "$EDU"
printf -- '--dry-run\n' >"$IOPASS_STATE_DIR/drivers/$EDU"
refused restore_option_record "holds '--dry-run', not a driver name" "$IOPASS" restore "$EDU"
[ "$(driver_of "$EDU")" = vfio-pci ] && ok "edu kept on vfio-pci" || bad restore_bad_kept "driver=$(driver_of "$EDU")"
echo nosuchdriver >"$IOPASS_STATE_DIR/drivers/$EDU"
refused restore_unloadable "driver nosuchdriver is not available" "$IOPASS" restore "$EDU"
[ "$(driver_of "$EDU")" = vfio-pci ] && ok "edu still on vfio-pci" || bad restore_unloadable_kept "driver=$(driver_of "$EDU")"
echo >"$IOPASS_STATE_DIR/drivers/$EDU"
check restore_edu_fixed "$IOPASS" restore "$EDU"
[ -z "$(driver_of "$EDU")" ] && ok "edu back to no driver" || bad restore_fixed "driver=$(driver_of "$EDU")"
refused no_device "no PCI function 0000:00:1f.7" "$IOPASS" bind 0000:00:1f.7
echo "sriov-ops: $fails failed"
exit $fails
