#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed booted with --igb --smp 2: hardware VMDq on a real
# VMDq NIC model (QEMU's 82576) under iopass-switch (DPDK's net_e1000_igb on
# vfio-pci), frames sent into the wire and counted per RX queue. One boot:
#   - a start that fails shows iopass-switch's own error last, repeated EAL
#     lines folded into one with a count;
#   - --classifier auto picks hardware; 8 NIC pools of which 7 for guests,
#     the 8th the default pool: 8 ports, the 8th classified in software;
#   - unicast to a pool's MAC lands in its NIC pool's own queue (per-queue
#     counters in `iopass switch stats --json`), broadcast in every pool of
#     its VLAN, unknown unicast in the default queue, dropped and counted;
#   - a VLAN pool in a NIC pool (the VLAN filter set, the uplink restarted)
#     and one in software: tagged frames to each, untagged ones to the VLAN
#     pool's MAC are unknown, VLAN broadcast stays in the VLAN.
# One "CHECK name ok|FAIL" line per check; exit status = failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
. tests/testbed/nic.sh

nic_init
hugepages_init 256
"$IOPASS" bind "$IGB1" >/dev/null 2>&1 && [ "$(driver_of "$IGB1")" = vfio-pci ] &&
	ok uplink_on_vfio "($IGB1)" || { bad uplink_on_vfio "$(driver_of "$IGB1")"; exit 1; }

send() { python3 "$WIREPY" "$WIRE" send "$@" >/dev/null; }
sends() { python3 "$WIREPY" "$WIRE" sends "$@" >/dev/null; }
# The switch's counters, read at once (snap) into S[] and then looked up
# there: every process costs seconds under the testbed's emulation.
declare -A S
snap() {
	local k v
	S=()
	while read -r k v; do
		S[$k]=$v
	done < <("$IOPASS" switch stats --json | jq -r '
		(.switch | to_entries[] | "switch.\(.key) \(.value)"),
		(.uplink | to_entries[] | "uplink.\(.key) \(.value)"),
		(.pools[] as $p | $p | to_entries[] | "pool.\($p.port).\(.key) \(.value)"),
		(.queues[] as $q | "queue.\($q.id) \($q.packets)")')
}
pool() { echo "${S[pool.$1.$2]:-}"; }
queue_pkts() { echo "${S[queue.$1]:-}"; }
uplink() { echo "${S[uplink.$1]:-}"; }
# Waits (10 s at most) until the pool of port has packets >= n: the NIC's
# queues fill asynchronously from the wire. Leaves a fresh snap.
wait_pool() { # port n [tries of 0.2 s, default 50]
	for _ in $(seq "${3:-50}"); do
		snap
		[ "$(pool "$1" packets)" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
mac() { printf '52:54:00:aa:00:%02x' "$1"; }

# --- a start that fails: the switch's own words last, EAL lines folded
# (options iopass can check are refused before the start: an address this
# host does not have fails only when the switch, past EAL, listens on it)
err=$("$IOPASS" switch start --uplink "$IGB1" --metrics 192.0.2.1:9100 2>&1 >/dev/null)
rc=$?
last=$(tail -n1 <<<"$err")
dups=$(grep -v '^iopass' <<<"$err" | sort | uniq -d)
if [ $rc -ne 0 ] && [[ $last == "  iopass-switch: --metrics 192.0.2.1:9100: cannot listen: "* ]] && [ -z "$dups" ]; then
	ok start_failure_error_last "($(wc -l <<<"$err") lines$(grep -o '\[[0-9]* times\]' <<<"$err" | head -1 | sed 's/^/, a line /'))"
else
	bad start_failure_error_last "rc=$rc: $err"
fi

# --- hardware VMDq, auto
out=$("$IOPASS" switch start --uplink "$IGB1" 2>&1)
[ $? -eq 0 ] && ok switch_started || { bad switch_started "$out"; tail -20 "$IOPASS_STATE_DIR/switch.log"; exit 1; }
snap
cls=${S[switch.classifier]:-} hw=${S[switch.hw_pools]:-} free=${S[switch.hw_free]:-}
[ "$cls $hw $free" = "hardware 7 7" ] && ok auto_picks_hardware "(classifier $cls, $hw NIC pools for guests, the 8th the default)" ||
	bad auto_picks_hardware "$cls $hw $free"
for i in 1 2 3 4 5 6 7 8; do
	"$IOPASS" switch port add "s$i" --mac "$(mac $i)" --sink >/dev/null 2>&1 || bad port_add "s$i"
done
snap
good=1
for i in 1 2 3 4 5 6 7; do
	[ "$(pool "s$i" backend) $(pool "s$i" nic_pool) $(pool "s$i" queue)" = "hardware $((i - 1)) $((i - 1))" ] || good=0
done
[ $good = 1 ] && ok seven_in_nic_pools "(s1-s7: NIC pools 0-6, RX queues 0-6)" ||
	bad seven_in_nic_pools "$("$IOPASS" switch pool list)"
[ "$(pool s8 backend) $(pool s8 queue) $(pool s8 why)" = "software 7 hw-pools-full" ] &&
	ok eighth_in_software "(s8: default queue 7, why hw-pools-full)" || bad eighth_in_software "$("$IOPASS" switch pool list)"

# --- unicast per pool, broadcast, unknown
sends "$(mac 1):11" "$(mac 2):22" "$(mac 8):33" ff:ff:ff:ff:ff:ff:5 52:54:00:aa:00:99:7
wait_pool s8 38
sleep 1
snap
r1="$(pool s1 packets) $(queue_pkts 0)"
r2="$(pool s2 packets) $(queue_pkts 1)"
[ "$r1" = "16 16" ] && [ "$r2" = "27 27" ] &&
	ok unicast_in_own_queue "(s1: 11 + 5 broadcast in queue 0, s2: 22 + 5 in queue 1)" ||
	bad unicast_in_own_queue "s1 pool/queue '$r1' want '16 16', s2 '$r2' want '27 27'"
good=1
for i in 3 4 5 6 7; do
	[ "$(pool "s$i" packets) $(queue_pkts $((i - 1)))" = "5 5" ] || good=0
done
[ $good = 1 ] && ok broadcast_every_pool "(5 in each of queues 2-6 too)" ||
	bad broadcast_every_pool "$("$IOPASS" switch pool list)"
[ "$(pool s8 packets)" = 38 ] && [ "$(queue_pkts 7)" = 45 ] &&
	ok software_pool_from_default "(s8: 33 + 5; default queue: 45 with 7 unknown)" ||
	bad software_pool_from_default "s8 $(pool s8 packets) want 38, queue 7 $(queue_pkts 7) want 45"
[ "$(uplink rx_unknown)" = 7 ] && ok unknown_dropped_counted "(rx_unknown 7)" ||
	bad unknown_dropped_counted "rx_unknown $(uplink rx_unknown)"
send --dst 01:00:5e:00:00:01 --count 3
sleep 1
snap
echo "INFO multicast 01:00:5e:00:00:01 x3: s1 $(pool s1 packets) (was 16), s8 $(pool s8 packets) (was 38), default queue $(queue_pkts 7)"

# --- VLAN pools: one in a NIC pool (the filter set, the uplink restarted),
# one in software
"$IOPASS" switch port del s7 >/dev/null 2>&1
"$IOPASS" switch port add v10 --mac "$(mac 16)" --vlan 10 --sink >/dev/null 2>&1
"$IOPASS" switch port add w10 --mac "$(mac 17)" --vlan 10 --sink >/dev/null 2>&1
snap
[ "$(pool v10 backend) $(pool v10 nic_pool)" = "hardware 6" ] && [ "$(pool w10 backend)" = software ] &&
	grep -q "restarted with 1 VLAN filter" "$IOPASS_STATE_DIR/switch.log" &&
	ok vlan_pool_in_nic_pool "(v10: NIC pool 6, VLAN filter set; w10 in software)" ||
	bad vlan_pool_in_nic_pool "$("$IOPASS" switch pool list; tail -3 "$IOPASS_STATE_DIR/switch.log")"
# The restart took the link down: wait until frames flow again.
for _ in $(seq 50); do
	send --dst "$(mac 1)" --count 1
	wait_pool s1 17 5 && break
done
base1=$(pool s1 packets) unk=$(uplink rx_unknown)
sends "$(mac 16):9:10" "$(mac 16):4" "$(mac 17):6:10" ff:ff:ff:ff:ff:ff:3:10 ff:ff:ff:ff:ff:ff:2
wait_pool w10 9
sleep 1
snap
[ "$(pool v10 packets) $(pool v10 queue_packets)" = "12 $(queue_pkts 6)" ] && [ "$(pool v10 packets)" = 12 ] &&
	ok vlan_hw_pool_steered "(v10: 9 tagged + 3 VLAN broadcast in queue 6)" ||
	bad vlan_hw_pool_steered "v10 $(pool v10 packets) want 12, queue 6 $(queue_pkts 6)"
[ "$(pool w10 packets)" = 9 ] && ok vlan_sw_pool_steered "(w10: 6 tagged + 3 VLAN broadcast)" ||
	bad vlan_sw_pool_steered "w10 $(pool w10 packets) want 9"
[ "$(pool s1 packets)" = $((base1 + 2)) ] && ok vlan_broadcast_stays_in_vlan "(s1: only the 2 untagged)" ||
	bad vlan_broadcast_stays_in_vlan "s1 $(pool s1 packets) want $((base1 + 2))"
[ "$(uplink rx_unknown)" = $((unk + 4)) ] && ok untagged_to_vlan_pool_unknown "(+4)" ||
	bad untagged_to_vlan_pool_unknown "rx_unknown $(uplink rx_unknown) want $((unk + 4))"

"$IOPASS" switch stop >/dev/null 2>&1 && ok switch_stopped || bad switch_stopped ""
"$IOPASS" restore "$IGB1" >/dev/null 2>&1
[ "$(driver_of "$IGB1")" = igb ] && ok uplink_back_on_igb || bad uplink_back_on_igb "$(driver_of "$IGB1")"
echo "# failed checks: $fails"
exit $fails
