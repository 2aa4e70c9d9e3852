#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed booted with --igb --smp 2: the three datapaths
# `vm run --nic pool:NAME` picks, best first, each with frames reaching its
# guest. One boot; igb0 keeps its kernel driver and one VF (the pool), igb1
# is iopass-switch's uplink (hardware VMDq, one NIC pool for guests:
# --hw-pools 1, started on demand by the first NIC that needs it):
#   1. VM na gets the pool's VF (NIC settings on it); its Linux guest's own
#      igbvf driver brings it up and pings the wire (VF -> igb0 -> wire);
#   2. VM nb, no VF left: a VMDq pool on the switch's uplink; frames sent
#      from the wire to its MAC land in its NIC pool's queue and its test
#      guest reflects them back onto the wire;
#   3. VM nc, no NIC pool left either: a vhost-user port the switch
#      classifies in software (from the default pool's queue); frames
#      from the wire reach its guest and come back the same way;
#   then every VM stopped: the VF's settings back, the ports gone.
# One "CHECK name ok|FAIL" line per check; exit status = failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
. tests/testbed/nic.sh
export IOPASS_POOLS_CONF=/tmp/paths-pools.conf

MA=02:00:00:00:aa:01 MB=02:00:00:00:aa:02 MC=02:00:00:00:aa:03
nic_init
hugepages_init 256
IF=$(netdev_of "$IGB0")
ip link set "$IF" up
wait_carrier "$IF" || bad pf_up "no carrier on $IF"
"$IOPASS" sriov enable "$IGB0" 1 >/dev/null 2>&1 || { bad sriov_enable ""; exit 1; }
VF=$(basename "$(readlink "/sys/bus/pci/devices/$IGB0/virtfn0")")
vf0_before=$(ip -j link show dev "$IF" | jq -c '.[0].vfinfo_list[0] | [.address, .vlan_list, .spoofchk, .trust]')
"$IOPASS" bind "$IGB1" >/dev/null 2>&1 || { bad uplink_bind ""; exit 1; }
cat >"$IOPASS_POOLS_CONF" <<CONF
[pool nics]
pf = $IF
spoofchk = on
CONF
export IOPASS_SWITCH_START_ARGS="--uplink $IGB1 --hw-pools 1"
ok setup "(VF $VF of $IGB0 in pool nics; switch uplink $IGB1, 1 NIC pool for guests)"
linux_vf_guest /tmp/vfguest

nic() { # vm key: its first NIC's key in vm list --json
	"$IOPASS" vm list --json | jq -r --arg n "$1" --arg k "$2" '.[] | select(.name == $n) | .nics[0][$k]'
}
pool() { "$IOPASS" switch pool list --json | jq -r --arg p "$1" --arg k "$2" '.[] | select(.port == $p) | .[$k]'; }

# --- 1: the VF, a Linux guest on its igbvf
out=$("$IOPASS" vm run --name na --daemon --kernel "$LINUX_KERNEL" --initrd "$LINUX_INITRD" \
	--mem 256M --nic "pool:nics,mac=$MA" --cmdline "console=ttyS0 panic=-1 quiet" 2>&1)
[ "$(nic na path)" = vf ] && [ "$(nic na bdf)" = "$VF" ] && ok na_vf "($(grep "nic0" <<<"$out"))" ||
	bad na_vf "$out"
log=$IOPASS_STATE_DIR/vms/na.log
if wait_line "$log" "^GUEST-DONE" 300; then
	grep '^GUEST' "$log" | sed 's/^/  na| /'
	grep -q "^GUEST eth0 $MA driver igbvf" "$log" && ok na_guest_sees_mac "($MA)" || bad na_guest_sees_mac "$(grep GUEST "$log")"
	grep -q "^GUEST ping [1-3]/3 ok" "$log" && ok na_frames_reach_guest "($(grep -o 'ping [0-9]/3' "$log") through the VF and the wire)" ||
		bad na_frames_reach_guest "$(grep 'GUEST ping' "$log")"
else
	bad na_guest "no GUEST-DONE in 300 s: $(tail -5 "$log")"
fi

# --- 2 and 3: no VF left; the switch starts; a VMDq pool, then software
# A test guest that reflects the frames for its MAC until it is stopped.
vm_reflect() { # name mac
	"$IOPASS" vm run --name "$1" --daemon --kernel "$GUEST" --mem 64M --nic "pool:nics,mac=$2" \
		--cmdline "suites=vnet vnet.mac=$2 vnet.mode=reflect vnet.frames=1000000 vnet.wait=900" 2>&1
}
outb=$(vm_reflect nb "$MB")
[ "$(nic nb path)" = vmdq ] && ok nb_vmdq "($(grep nic0 <<<"$outb"))" || bad nb_vmdq "$outb"
outc=$(vm_reflect nc "$MC")
[ "$(nic nc path)" = vhost-user ] && grep -q "iopass-switch: every hardware VMDq pool of the uplink is in use" <<<"$(nic nc why)" &&
	ok nc_vhost_user "($(nic nc why))" || bad nc_vhost_user "$outc"
pb=$(nic nb port) pc=$(nic nc port)
[ "$(pool "$pb" backend) $(pool "$pb" queue)" = "hardware 0" ] && [ "$(pool "$pc" backend) $(pool "$pc" queue)" = "software 7" ] &&
	ok pools_as_reported "(nb: NIC pool queue 0, nc: default queue 7)" || bad pools_as_reported "$("$IOPASS" switch pool list)"
for v in nb nc; do
	wait_line "$IOPASS_STATE_DIR/vms/$v.log" "^VNET reflect-ready" 300 || bad "${v}_ready" "$(tail -3 "$IOPASS_STATE_DIR/vms/$v.log")"
done
qb0=$(pool "$pb" queue_packets)
r=$(python3 "$WIREPY" "$WIRE" reflect --dst "$MB" --count 32 --timeout 120)
[[ $r == "sent=32 back=32 "* ]] && ok nb_frames_reach_guest "($r)" || bad nb_frames_reach_guest "$r"
qb=$(($(pool "$pb" queue_packets) - qb0))
[ "$qb" -ge 32 ] && ok nb_in_own_queue "(queue 0 took $qb frames)" || bad nb_in_own_queue "queue 0 took $qb"
r=$(python3 "$WIREPY" "$WIRE" reflect --dst "$MC" --count 32 --timeout 120)
[[ $r == "sent=32 back=32 "* ]] && ok nc_frames_reach_guest "($r)" || bad nc_frames_reach_guest "$r"
[ "$(pool "$pc" packets)" -ge 32 ] && ok nc_classified_in_software "($(pool "$pc" packets) frames from the default queue)" ||
	bad nc_classified_in_software "$(pool "$pc" packets)"

# --- all stopped: VF as it was, ports gone
for v in na nb nc; do "$IOPASS" vm stop "$v" >/dev/null 2>&1 || bad "stop_$v" ""; done
vf0_after=$(ip -j link show dev "$IF" | jq -c '.[0].vfinfo_list[0] | [.address, .vlan_list, .spoofchk, .trust]')
[ "$vf0_after" = "$vf0_before" ] && [ -z "$(driver_of "$VF")" ] && ok vf_back "($vf0_after)" ||
	bad vf_back "$vf0_after, was $vf0_before; driver '$(driver_of "$VF")'"
[ "$("$IOPASS" switch port list --json | jq length)" = 0 ] && ok ports_gone || bad ports_gone "$("$IOPASS" switch port list)"
"$IOPASS" switch stop >/dev/null 2>&1
"$IOPASS" restore "$IGB1" >/dev/null 2>&1
"$IOPASS" sriov disable "$IGB0" >/dev/null 2>&1
[ "$(driver_of "$IGB1")" = igb ] && [ "$(cat "/sys/bus/pci/devices/$IGB0/sriov_numvfs")" = 0 ] &&
	ok host_as_before || bad host_as_before "igb1 on $(driver_of "$IGB1")"
echo "# failed checks: $fails"
exit $fails
