#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The uplink: the switch's uplink is a net_virtio_user ethdev whose peer is
# testpmd C's net_vhost (C plays the network). Guest A (testpmd
# net_virtio_user) sits in VLAN 10 with a sink port; another sink is in VLAN
# 20. Unknown MACs from a guest go to the uplink, tagged with the port's
# VLAN; tagged frames from the uplink reach the pool of their MAC and VLAN
# untagged; broadcast reaches every pool of its VLAN and no other; unknown
# unicast from the uplink is dropped and counted.
. "$(dirname "$0")/lib.sh"

MA=52:54:00:00:0b:01
S10=52:54:00:00:0b:10
S20=52:54:00:00:0b:20
tp_start C "net_vhost0,iface=$T/up.sock"
sw_start uplink --vdev "net_virtio_user0,path=$T/up.sock,mac=02:00:00:00:0b:fe" -- \
	--port "a mac=$MA vlan=10" --port "s10 mac=$S10 vlan=10 mode=sink" \
	--port "s20 mac=$S20 vlan=20 mode=sink"
tp_start A "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/a.sock,mac=$MA"
check port-a-up wait_port a up
check uplink-is-virtio-user bash -c "'$IOPASS' switch stats | grep -q '^uplink net_virtio_user0'"

# 1. Guest to an unknown MAC: to the uplink, tagged 10 (4 more bytes).
send A C 02:00:00:00:99:99 2
atx=$(tp_stat A TX-packets)
atxb=$(tp_stat A TX-bytes)
crx=$(tp_stat C RX-packets)
crxb=$(tp_stat C RX-bytes)
uptx=$(swget uplink tx_packets)
echo "A sent $atx ($atxb bytes), uplink sent $uptx (dropped $(swget uplink tx_drops)), C got $crx ($crxb bytes)"
check unknown-mac-flows test "${atx:-0}" -gt 1000
check unknown-mac-switch-took-all test "$atx" = "$(swget port a rx_packets)"
check unknown-mac-to-uplink test "$atx" = "$((uptx + $(swget uplink tx_drops)))"
check unknown-mac-c-got-uplink-tx test "$crx" = "$uptx"
check unknown-mac-tagged test "$crxb" = "$((crx * (atxb / atx + 4)))"
check unknown-mac-not-to-sinks test "$(swget pool s10 packets)$(swget pool s20 packets)" = 00

# 2. Uplink to A, tagged 10: A gets it untagged; nothing reaches the sinks.
tp_cmd A "set fwd rxonly"
tp_cmd A start
tp_cmd C "port stop 0"
tp_cmd C "tx_vlan set 0 10"
tp_cmd C "port start 0"
tp_cmd C "set fwd txonly"
tp_cmd C "set eth-peer 0 $MA"
check a-up-after-c-restart wait_port a up
c0=$(tp_stat C TX-packets)
a0=$(tp_stat A RX-packets)
run_for C 2
sleep 1
tp_cmd A stop
ctx=$(( $(tp_stat C TX-packets) - c0 ))
arx=$(( $(tp_stat A RX-packets) - a0 ))
arxb=$(tp_stat A RX-bytes)
echo "C sent $ctx tagged 10 to A, uplink took $(swget uplink rx_packets), a got $(swget port a tx_packets), A got $arx"
check uplink-to-a-flows test "$ctx" -gt 1000
check uplink-took-all test "$ctx" = "$(swget uplink rx_packets)"
check uplink-to-a-delivered test "$arx" = "$(swget port a tx_packets)"
check uplink-to-a-nothing-lost test "$ctx" = "$(( arx + $(swget port a tx_drops) ))"
check uplink-to-a-untagged test "$arxb" = "$((arx * (atxb / atx)))"
check uplink-to-a-not-to-sinks test "$(swget pool s10 packets)$(swget pool s20 packets)" = 00

# 3. Broadcast in VLAN 10 from the uplink: A and the VLAN 10 sink, not VLAN 20.
tp_cmd A start
tp_cmd C "set eth-peer 0 ff:ff:ff:ff:ff:ff"
u0=$(swget uplink rx_packets)
p0=$(swget pool a packets)
run_for C 2
sleep 1
tp_cmd A stop
bc=$(( $(swget uplink rx_packets) - u0 ))
echo "broadcast in VLAN 10: $bc frames; pool a $(( $(swget pool a packets) - p0 )), s10 $(swget pool s10 packets), s20 $(swget pool s20 packets)"
check bcast10-flows test "$bc" -gt 100
check bcast10-to-a test "$bc" = "$(( $(swget pool a packets) - p0 ))"
check bcast10-to-s10 test "$bc" = "$(swget pool s10 packets)"
check bcast10-not-to-s20 test "$(swget pool s20 packets)" = 0

# 4. The same broadcast in VLAN 20: only the VLAN 20 sink.
tp_cmd C "port stop 0"
tp_cmd C "tx_vlan set 0 20"
tp_cmd C "port start 0"
check a-up-again wait_port a up
u0=$(swget uplink rx_packets)
p0=$(swget pool a packets)
s0=$(swget pool s10 packets)
run_for C 2
sleep 1
bc=$(( $(swget uplink rx_packets) - u0 ))
check bcast20-flows test "$bc" -gt 100
check bcast20-to-s20 test "$bc" = "$(swget pool s20 packets)"
check bcast20-not-to-vlan10 test "$(swget pool a packets)/$(swget pool s10 packets)" = "$p0/$s0"

# 5. Unknown unicast from the uplink: dropped, counted, delivered nowhere.
tp_cmd C "set eth-peer 0 02:00:00:00:77:77"
u0=$(swget uplink rx_packets)
k0=$(swget uplink rx_unknown)
run_for C 2
sleep 1
bc=$(( $(swget uplink rx_packets) - u0 ))
check unknown-from-uplink-flows test "$bc" -gt 100
check unknown-from-uplink-counted test "$bc" = "$(( $(swget uplink rx_unknown) - k0 ))"
check unknown-from-uplink-nowhere test "$(swget pool s20 packets)/$(swget pool a packets)" = "$(swget pool s20 packets)/$p0"

tp_quit A
check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
tp_quit C
finish
