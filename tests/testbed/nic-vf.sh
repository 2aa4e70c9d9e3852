#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed booted with --igb: the VFs of a real SR-IOV NIC
# (QEMU's 82576, the kernel's igb driver) through iopass. One boot:
#   - VF settings: every field igb implements (mac, vlan + qos, spoofchk,
#     trust, max-rate) set, read back through `iopass vf show --json` and
#     iproute2's `ip -j link show`, and restored; the fields igb lacks (link
#     state, min-rate, 802.1ad) refused with the driver named, the VF left
#     exactly as it was (fields set before the refused one are put back);
#     a down PF refused with the fix;
#   - NIC VF pools with VF settings: `iopass assign` (and `assign -- CMD`),
#     `vm run --device pool:` and `--nic pool:NAME,mac=,vlan=`: the pool's
#     settings (or the NIC's own MAC/VLAN) are on the VF while it is leased,
#     and the VF's original settings are back at release, at `vm stop`, when
#     the guest ends on its own, and after kill -9 of the VMM + `iopass gc`.
# One "CHECK name ok|FAIL" line per check; exit status = failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
. tests/testbed/nic.sh
export IOPASS_POOLS_CONF=/tmp/nic-pools.conf

nic_init
IF=$(netdev_of "$IGB0")
ip link set "$IF" up
wait_carrier "$IF" && ok pf_up "(igb $IGB0 $IF, wire $WIRE)" || bad pf_up "no carrier on $IF"
"$IOPASS" sriov enable "$IGB0" 4 >/dev/null 2>&1 && ok sriov_enable "(4 VFs of 7)" ||
	{ bad sriov_enable "$("$IOPASS" sriov enable "$IGB0" 4 2>&1)"; exit 1; }
VFS=()
for i in 0 1 2 3; do VFS+=("$(basename "$(readlink "/sys/bus/pci/devices/$IGB0/virtfn$i")")"); done

# One VF as both readers see it: "MAC VLAN QOS PROTO SPOOFCHK TRUST STATE MIN MAX".
IP_FMT='"\(.address) \(.vlan_list[0].vlan // 0) \(.vlan_list[0].qos // 0) \(.vlan_list[0].protocol // "802.1Q") \(.spoofchk) \(.trust) \(.link_state) \(.rate.min_tx // 0) \(.rate.max_tx // 0)"'
IOPASS_FMT='"\(.mac) \(.vlan) \(.qos) \(.vlan_proto) \(.spoofchk) \(.trust) \(.link_state) \(.min_tx_rate) \(.max_tx_rate)"'
ip_vf() { ip -j link show dev "$IF" | jq -r --argjson n "$1" ".[0].vfinfo_list[] | select(.vf == \$n) | $IP_FMT"; }
iopass_vf() { "$IOPASS" vf show "$IGB0" --json | jq -r --argjson n "$1" ".vfs[] | select(.vf == \$n) | $IOPASS_FMT"; }
expect() { # name vf "MAC VLAN ..."
	local a b
	a=$(iopass_vf "$2") b=$(ip_vf "$2")
	if [ "${a,,}" = "${3,,}" ] && [ "${b,,}" = "${3,,}" ]; then ok "$1" "($b)"
	else bad "$1" "iopass '$a', ip '$b', wanted '$3'"; fi
}
run_rc() { # want outvar cmd...: the merged output in outvar
	local _want=$1 _var=$2 _out _rc
	shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	printf -v "$_var" '%s' "$_out"
	[ "$_rc" = "$_want" ] || { echo "  (exit $_rc, wanted $_want: $_out)"; return 1; }
}
out=

# ---------------------------------------------------------------- VF settings
orig1=$(ip_vf 1)
[ "$(iopass_vf 1)" = "$orig1" ] && ok vf_readers_agree "(VF 1: $orig1)" || bad vf_readers_agree "iopass '$(iopass_vf 1)' ip '$orig1'"
read -r _ _ _ _ o_spoof o_trust _ _ _ <<<"$orig1"
if run_rc 0 out "$IOPASS" vf set "$IGB0" 1 mac 02:00:00:00:01:01 vlan 100 qos 3 spoofchk off \
	trust on max-rate 500; then ok vf_set_all_igb_fields; else bad vf_set_all_igb_fields "$out"; fi
expect vf_after_set 1 "02:00:00:00:01:01 100 3 802.1Q false true auto 0 500"
record=$IOPASS_STATE_DIR/vf/$IGB0-vf1.json
[ -s "$record" ] && [ "$(jq -r .mac "$record")" = "$(cut -d' ' -f1 <<<"$orig1")" ] &&
	ok vf_original_saved || bad vf_original_saved "$(cat "$record" 2>&1)"
run_rc 0 out "$IOPASS" vf set "$IGB0" 1 vlan 0 max-rate 0 &&
	expect vf_vlan_rate_cleared 1 "02:00:00:00:01:01 0 0 802.1Q false true auto 0 0" ||
	bad vf_vlan_rate_cleared "$out"
# What igb does not implement: refused, the driver named, nothing changed
# (trust off is set first and put back when state is refused).
before=$(ip_vf 1)
if run_rc 1 out "$IOPASS" vf set "$IGB0" 1 trust off state disable &&
	grep -q "driver of $IF does not support setting state on VFs; nothing was changed" <<<"$out" &&
	[ "$(ip_vf 1)" = "$before" ]; then ok vf_state_refused_nothing_changed "($out)"
else bad vf_state_refused_nothing_changed "$out; now $(ip_vf 1), was $before"; fi
if run_rc 1 out "$IOPASS" vf set "$IGB0" 1 min-rate 10 max-rate 100 &&
	grep -q "refused 'min-rate 10 max-rate 100'" <<<"$out" && [ "$(ip_vf 1)" = "$before" ]; then
	ok vf_min_rate_refused "($out)"
else bad vf_min_rate_refused "$out"; fi
if run_rc 1 out "$IOPASS" vf set "$IGB0" 1 vlan 20 proto 802.1ad &&
	grep -q "does not support VLAN protocol 802.1ad" <<<"$out" && [ "$(ip_vf 1)" = "$before" ]; then
	ok vf_8021ad_refused "($out)"
else bad vf_8021ad_refused "$out"; fi
ip link set "$IF" down
if run_rc 2 out "$IOPASS" vf set "$IGB0" 1 trust off && grep -q "ip link set $IF up" <<<"$out"; then
	ok vf_pf_down_refused
else bad vf_pf_down_refused "$out"; fi
ip link set "$IF" up
wait_carrier "$IF"
run_rc 0 out "$IOPASS" vf restore "$IGB0" 1 && expect vf_restored 1 "$orig1" || bad vf_restored "$out"
[ ! -e "$record" ] && ok vf_record_gone || bad vf_record_gone "$record"

# ---------------------------------------------------------------- pools
cat >"$IOPASS_POOLS_CONF" <<CONF
[pool igb-vfs]
pf = $IF#0-1
mac = auto
vlan = 10
qos = 2
spoofchk = on
trust = on
max-tx-rate = 100

[pool igb-fixed]
pf = $IF#2
mac = 02:00:00:00:0c:02
vlan = 30
spoofchk = off
CONF
declare -A orig
for i in 0 1 2 3; do orig[$i]=$(ip_vf "$i"); done
vfn_of() { # BDF -> VF number
	local i
	for i in 0 1 2 3; do [ "${VFS[i]}" = "$1" ] && echo "$i"; done
}
# The VF of a BDF carries the pool's settings: mac (auto: a fresh local one)
leased_as() { # name bdf mac|auto "VLAN QOS PROTO SPOOF TRUST STATE MIN MAX"
	local n now mac rest
	n=$(vfn_of "$2")
	now=$(ip_vf "$n")
	mac=${now%% *} rest=${now#* }
	if { [ "$3" = auto ] && [ "$mac" != "${orig[$n]%% *}" ] &&
		(( 0x${mac:0:2} & 2 )) && ! (( 0x${mac:0:2} & 1 )); } || [ "$mac" = "$3" ]; then
		[ "$rest" = "$4" ] && [ "$(driver_of "$2")" = vfio-pci ] && { ok "$1" "(VF $n: $now, vfio-pci)"; return; }
	fi
	bad "$1" "VF $n: '$now' on '$(driver_of "$2")', wanted mac $3 and '$4' on vfio-pci"
}
back_as_found() { # name bdf
	local n
	n=$(vfn_of "$2")
	[ "$(ip_vf "$n")" = "${orig[$n]}" ] && [ -z "$(driver_of "$2")" ] && ok "$1" "(VF $n: ${orig[$n]}, no driver)" ||
		bad "$1" "VF $n: '$(ip_vf "$n")' on '$(driver_of "$2")', was '${orig[$n]}', no driver"
}

# assign / release
bdf=$("$IOPASS" assign igb-vfs --owner t1 2>/dev/null | tail -n1)
[ -n "$bdf" ] && [ "$(leases_of t1)" = "$bdf" ] && ok assign_leased "($bdf)" || bad assign_leased "'$bdf'"
leased_as assign_settings_on_vf "$bdf" auto "10 2 802.1Q true true auto 0 100"
"$IOPASS" release --owner t1 >/dev/null 2>&1
back_as_found release_restores "$bdf"
# assign -- CMD: held while the command runs, back when it ends
n2=$(vfn_of "${VFS[2]}")
"$IOPASS" assign igb-fixed --owner t2 -- sh -c "ip -j link show dev $IF >/tmp/during.json" >/dev/null 2>&1
during=$(jq -r --argjson n "$n2" ".[0].vfinfo_list[] | select(.vf == \$n) | $IP_FMT" /tmp/during.json)
[ "$(cut -d' ' -f1-5 <<<"$during")" = "02:00:00:00:0c:02 30 0 802.1Q false" ] &&
	ok assign_cmd_settings "(during the command: $during)" || bad assign_cmd_settings "'$during'"
[ -z "$(leases_of t2)" ] && back_as_found assign_cmd_restores "${VFS[2]}" ||
	bad assign_cmd_restores "still leased: $(leases_of t2)"

vmm_pid() { sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$1"; }
# vm run --device pool: then vm stop
out=$("$IOPASS" vm run --name v1 --daemon --kernel "$GUEST" --mem 64M --device pool:igb-vfs \
	--cmdline "suites=pci hold=1" 2>&1)
bdf=$(leases_of vm:v1)
[ -n "$(vmm_pid "$out")" ] && [ -n "$bdf" ] && ok vm_device_pool_leased "($bdf)" || bad vm_device_pool_leased "$out"
[ -n "$bdf" ] && leased_as vm_device_settings_on_vf "$bdf" auto "10 2 802.1Q true true auto 0 100"
"$IOPASS" vm stop v1 >/dev/null 2>&1
[ -n "$bdf" ] && back_as_found vm_stop_restores "$bdf"

# the guest ends on its own: the lease ends with the VMM
"$IOPASS" vm run --name v3 --kernel "$GUEST" --mem 64M --device pool:igb-fixed \
	--cmdline "suites=pci" >/tmp/v3.out 2>&1 &
vpid=$!
seen=
for _ in $(seq 600); do
	seen=$(ip_vf "$n2")
	[ "${seen%% *}" = 02:00:00:00:0c:02 ] && break
	kill -0 "$vpid" 2>/dev/null || break
	sleep 0.1
done
wait "$vpid"
rc=$?
[ "${seen%% *}" = 02:00:00:00:0c:02 ] && [ $rc -eq 0 ] && grep -q '^DONE' /tmp/v3.out &&
	ok vm_exit_settings_while_running "($seen)" || bad vm_exit_settings_while_running "rc=$rc seen '$seen'"
back_as_found vm_exit_restores "${VFS[2]}"

# --nic pool:NAME,mac=,vlan=: the NIC's own MAC and VLAN; kill -9 + gc
out=$("$IOPASS" vm run --name v2 --daemon --kernel "$GUEST" --mem 64M \
	--nic pool:igb-vfs,mac=02:00:00:00:0b:01,vlan=20 --cmdline "suites=pci hold=1" 2>&1)
pid=$(vmm_pid "$out")
bdf=$(leases_of vm:v2)
grep -q "nic0 pool:igb-vfs,mac=02:00:00:00:0b:01,vlan=20: vf $bdf (a VF of the pool was free)" <<<"$out" &&
	[ -n "$pid" ] && ok nic_pool_took_vf "($bdf)" || bad nic_pool_took_vf "$out"
[ -n "$bdf" ] && leased_as nic_settings_on_vf "$bdf" 02:00:00:00:0b:01 "20 2 802.1Q true true auto 0 100"
[ -n "$pid" ] && kill -9 "$pid"
for _ in $(seq 100); do "$IOPASS" vm list | grep -qE "^v2 +$pid dead" && break; sleep 0.1; done
gc=$("$IOPASS" gc 2>&1)
grep -q "released 1 orphaned lease" <<<"$gc" && ok gc_after_kill || bad gc_after_kill "$gc"
[ -n "$bdf" ] && back_as_found gc_restores "$bdf"

# ---------------------------------------------------------------- the host as it was
"$IOPASS" sriov disable "$IGB0" >/dev/null 2>&1 && [ "$(cat "/sys/bus/pci/devices/$IGB0/sriov_numvfs")" = 0 ] &&
	[ "$(driver_of "$IGB0")" = igb ] && [ -z "$("$IOPASS" leases | tail -n +2)" ] &&
	ok host_as_before || bad host_as_before "$("$IOPASS" leases)"

echo "# failed checks: $fails"
exit $fails
