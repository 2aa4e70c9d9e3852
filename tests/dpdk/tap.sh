#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The uplink is a net_tap device: the kernel is the peer (tapwire.py writes
# and reads frames on the tap interface). Tagged frames from the wire reach
# their pool untagged; broadcast stays in its VLAN; a guest's frames for
# unknown MACs leave on the wire with the port's VLAN tag.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: net_tap needs root"; exit 77; }

IF=iopt$$
MA=52:54:00:00:0f:01
sw_start tap --vdev "net_tap0,iface=$IF" -- --port "a mac=$MA vlan=5" \
	--port "s5 mac=52:54:00:00:0f:05 vlan=5 mode=sink" \
	--port "s6 mac=52:54:00:00:0f:06 vlan=6 mode=sink"
sysctl -qw "net.ipv6.conf.$IF.disable_ipv6=1"
ip link set "$IF" txqueuelen 10000 up
tp_start A "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/a.sock,mac=$MA"
check a-up wait_port a up
tp_cmd A "set fwd rxonly"
tp_cmd A start
wire() { python3 "$HERE/tapwire.py" "$IF" "$@"; }

# 1. 1000 frames tagged 5 for A
wire send "$MA" 5 1000
sleep 2
tp_cmd A stop
got=$(tp_stat A RX-packets)
lost=$(swget port a tx_drops)
echo "wire -> a: pool a $(swget pool a packets), A got $got ($(tp_stat A RX-bytes) bytes), its full ring refused $lost"
check wire-to-a test "$(swget pool a packets)" = 1000
# A loaded machine may keep A off its CPU until its ring is full: what the
# switch could not deliver it counts, and every frame is in one count.
check a-got-all-or-counted test "$((got + lost))" = 1000
check a-got-most test "$got" -ge 500
check a-got-untagged test "$(tp_stat A RX-bytes)" = $((got * 60))
check wire-to-a-not-sinks test "$(swget pool s5 packets)/$(swget pool s6 packets)" = 0/0

# 2. broadcast tagged 6: the VLAN 6 sink only
wire send ff:ff:ff:ff:ff:ff 6 500
sleep 1
check bcast6-to-s6 test "$(swget pool s6 packets)" = 500
check bcast6-not-vlan5 test "$(swget pool a packets)/$(swget pool s5 packets)" = 1000/0

# 3. A to an unknown MAC: out on the wire, tagged 5
u0=$(swget uplink tx_packets)
wire count 02:00:00:00:99:99 5 >"$T/count" 2>"$T/count.ready" &
for _ in $(seq 100); do grep -q READY "$T/count.ready" && break; sleep 0.1; done
tp_cmd A "set fwd txonly"
tp_cmd A "set eth-peer 0 02:00:00:00:99:99"
run_for A 2
wait $!
read -r _ total vlans <"$T/count"
out=$(( $(swget uplink tx_packets) - u0 ))
echo "A -> unknown MAC: uplink sent $out, the wire saw $total ($vlans)"
check unknown-out-flows test "$out" -gt 100
check wire-saw-all test "$total" = "$out"
check all-tagged-5 test "$vlans" = "vlan5=$out"

tp_quit A
check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
finish
