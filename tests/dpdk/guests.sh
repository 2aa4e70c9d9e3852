#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Two guest ports, each with testpmd's net_virtio_user as an independent
# vhost-user frontend: A -> B, then B -> A (the switch classifies on the
# destination MAC), then broadcast. Counters of both peers and of the switch
# must agree exactly once forwarding has stopped.
. "$(dirname "$0")/lib.sh"

MA=52:54:00:00:0a:01
MB=52:54:00:00:0a:02
sw_start guests -- --port "a mac=$MA" --port "b mac=$MB" --port "s mac=52:54:00:00:0a:03 vlan=7 mode=sink"
guest_pair_start "$MA" "$MB"
[ -n "${SW_LCORES:-}" ] && check workers test "$(swget switch workers)" -gt 1

# A -> B
send A B "$MB" 3
atx=$(tp_stat A TX-packets)
brx=$(tp_stat B RX-packets)
arx_sw=$(swget port a rx_packets)
btx_sw=$(swget port b tx_packets)
bdrop_sw=$(swget port b tx_drops)
echo "A sent $atx, switch took $arx_sw from a, gave $btx_sw to b (dropped $bdrop_sw), B got $brx"
check a-to-b-flows test "${atx:-0}" -gt 1000
check a-to-b-switch-took-all test "$atx" = "$arx_sw"
check a-to-b-b-got-what-switch-gave test "$brx" = "$btx_sw"
check a-to-b-nothing-lost test "$arx_sw" = "$((btx_sw + bdrop_sw))"
check a-to-b-pool-counts test "$(swget pool b packets)" = "$arx_sw"
check vlan7-sink-untouched test "$(swget pool s packets)" = 0

# B -> A: the other way on the same connections
send B A "$MA" 3
btx=$(( $(tp_stat B TX-packets) ))
arx=$(( $(tp_stat A RX-packets) - brx * 0 ))
check b-to-a-flows test "$btx" -gt 1000
check b-to-a-switch-took-all test "$btx" = "$(swget port b rx_packets)"
check b-to-a-a-got-what-switch-gave test "$arx" = "$(swget port a tx_packets)"

# Broadcast from A reaches B (same VLAN), not the VLAN 7 sink
b0=$(swget port b tx_packets)
a0=$(swget port a rx_packets)
send A B ff:ff:ff:ff:ff:ff 2
da=$(( $(swget port a rx_packets) - a0 ))
db=$(( $(swget port b tx_packets) + $(swget port b tx_drops) - b0 - bdrop_sw ))
echo "broadcast: A sent $da, b got $db"
check broadcast-flows test "$da" -gt 100
check broadcast-to-b test "$da" = "$db"
check broadcast-not-to-vlan7 test "$(swget pool s packets)" = 0
check broadcast-not-back-to-a test "$(swget port a tx_packets)" = "$arx"

tp_quit A
tp_quit B
check ports-down-after-quit wait_port a down 10
check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
finish
