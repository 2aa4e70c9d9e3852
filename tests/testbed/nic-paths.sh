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
linux_net_guest /tmp/netguest >/dev/null || { bad mkguest "scripts/mkguest failed"; exit 1; }
# The three NICs are on VLAN 10 (--nic ...,vlan=10): the VF's port VLAN, the
# switch ports' VLAN. The wire's end of VLAN 10 answers at WIRE10.
modprobe 8021q
ip link add link "$WIRE" name wire10 type vlan id 10 && ip addr add 10.99.10.1/24 dev wire10 &&
	ip link set wire10 up || bad wire_vlan "no VLAN 10 interface on $WIRE"
WIRE10=10.99.10.1 IPA=10.99.10.2 IPB=10.99.10.3 IPC=10.99.10.4

nic() { # vm key: its first NIC's key in vm list --json
	"$IOPASS" vm list --json | jq -r --arg n "$1" --arg k "$2" '.[] | select(.name == $n) | .nics[0][$k]'
}
pool() { "$IOPASS" switch pool list --json | jq -r --arg p "$1" --arg k "$2" '.[] | select(.port == $p) | .[$k]'; }
# A Linux VM on a NIC of pool nics, held up once its pings are done.
vm_linux() { # name mac ip pings
	"$IOPASS" vm run --name "$1" --daemon --kernel "$LINUX_KERNEL" --initrd "$LINUX_INITRD" \
		--mem 160M --nic "pool:nics,mac=$2,vlan=10" --cmdline "$(linux_net_cmdline "$3" "$4" 1)" 2>&1
}
# The guest's report: its check lines as checks of PREFIX, MAC and driver.
guest_report() { # name prefix mac driver
	local log=$IOPASS_STATE_DIR/vms/$1.log l
	if ! wait_line "$log" "^GUEST-DONE" 400; then
		bad "$2guest" "no GUEST-DONE in 400 s: $(tail -5 "$log" | tr '\r\n' '  ')"
		return
	fi
	grep '^GUEST' "$log" | tr -d '\r' | sed "s/^/  $1| /"
	grep -q "^GUEST eth0 $3 driver $4" "$log" && ok "$2sees_mac" "($3 on Linux's $4)" ||
		bad "$2sees_mac" "$(grep 'GUEST eth0' "$log")"
	while read -r l; do
		case $l in
		"GUEST "*" ok"*) echo "CHECK $2${l#GUEST }" ;;
		"GUEST "*" FAIL"*) echo "CHECK $2${l#GUEST }"; fails=$((fails + 1)) ;;
		esac
	done < <(tr -d '\r' <"$log" | grep -E '^GUEST [a-z_0-9]+ (ok|FAIL)')
}

# --- 1: the VF, a Linux guest on its igbvf: the pool's MAC and VLAN, a
# ping to the testbed's end of the wire (VF -> igb0 -> wire, tagged)
out=$(vm_linux na "$MA" "$IPA" "wire:$WIRE10")
[ "$(nic na path)" = vf ] && [ "$(nic na bdf)" = "$VF" ] && ok na_vf "($(grep "nic0" <<<"$out"))" ||
	bad na_vf "$out"
vf0=$(ip -j link show dev "$IF" | jq -c '.[0].vfinfo_list[0]')
[ "$(jq -r .address <<<"$vf0")" = "$MA" ] && [ "$(jq -r '.vlan_list[0].vlan' <<<"$vf0")" = 10 ] &&
	ok na_vf_settings "(VF 0 of $IF: mac $MA, vlan 10)" || bad na_vf_settings "$vf0"
guest_report na na_ "$MA" igbvf

# --- 2 and 3: no VF left; the switch starts; a VMDq pool, then software.
# Each guest's virtio_net pings the first VM (VMDq pool or software port ->
# switch -> igb1 -> wire -> igb0 -> na's VF, and back) and the wire.
outb=$(vm_linux nb "$MB" "$IPB" "na:$IPA,wire:$WIRE10")
[ "$(nic nb path)" = vmdq ] && ok nb_vmdq "($(grep nic0 <<<"$outb"))" || bad nb_vmdq "$outb"
outc=$(vm_linux nc "$MC" "$IPC" "na:$IPA,wire:$WIRE10")
[ "$(nic nc path)" = vhost-user ] && grep -q "iopass-switch: every hardware VMDq pool of the uplink is in use" <<<"$(nic nc why)" &&
	ok nc_vhost_user "($(nic nc why))" || bad nc_vhost_user "$outc"
pb=$(nic nb port) pc=$(nic nc port)
[ "$(pool "$pb" backend) $(pool "$pb" queue)" = "hardware 0" ] && [ "$(pool "$pc" backend) $(pool "$pc" queue)" = "software 7" ] &&
	ok pools_as_reported "(nb: NIC pool queue 0, nc: default queue 7)" || bad pools_as_reported "$("$IOPASS" switch pool list)"
guest_report nb nb_ "$MB" virtio_net
guest_report nc nc_ "$MC" virtio_net
# What came back to nb arrived in its NIC pool's own RX queue; nc's was
# sorted in software from the default pool's queue.
qb=$(pool "$pb" queue_packets)
[ "${qb:-0}" -ge 6 ] && ok nb_in_own_queue "(queue 0 took $qb frames)" || bad nb_in_own_queue "queue 0 took $qb"
[ "$(pool "$pc" packets)" -ge 6 ] && ok nc_classified_in_software "($(pool "$pc" packets) frames from the default queue)" ||
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
