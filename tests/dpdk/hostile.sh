#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A hostile frontend (hostile.py) attacks one port while testpmd A sends to
# testpmd B through two other ports: the switch must log, drop, keep
# answering and keep forwarding for A and B, and end cleanly.
. "$(dirname "$0")/lib.sh"

MA=52:54:00:00:0d:01
MB=52:54:00:00:0d:02
sw_start hostile -- --port "a mac=$MA" --port "b mac=$MB" --port "h mac=52:54:00:00:0d:66"
guest_pair_start "$MA" "$MB"
send A B "$MB"

python3 "$HERE/hostile.py" "$IOPASS_STATE_DIR/vhost/h.sock" "$CTL" | tee "$T/hostile.out"
check all-attacks-survived test "${PIPESTATUS[0]}" = 0
check attacks-ran test "$(grep -c '^ATTACK .* ok' "$T/hostile.out")" -ge 11

tp_cmd A stop
sleep 1
tp_cmd B stop
atx=$(tp_stat A TX-packets)
brx=$(tp_stat B RX-packets)
echo "during the attacks: A sent $atx, B got $brx; port h: $(swget port h rx_packets) frames taken, $(swget port h rx_drops) dropped"
check switch-alive kill -0 "$SWPID"
check a-to-b-during-attacks test "${brx:-0}" -gt 1000
check a-all-taken test "$atx" = "$(swget port a rx_packets)"
check b-got-what-switch-gave test "$brx" = "$(swget port b tx_packets)"
check a-still-up test "$(swget port a state)" = up
# no bogus descriptor became a frame: only reset_under_traffic's one valid
# descriptor (a 60-byte frame of zeros) may, and it goes nowhere
check only-the-valid-descriptor-taken test "$(swget port h rx_packets)" -le 1
check nothing-from-h-forwarded test "$(swget port h rx_drops)" = "$(swget port h rx_packets)"
check b-only-got-a test "$(swget pool b packets)" = "$atx"
# the port the attacker used still works for a well-behaved frontend
tp_quit B
tp_start H "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/h.sock,mac=52:54:00:00:0d:66"
check h-usable-after-attacks wait_port h up
tp_quit H
tp_quit A
check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
finish
