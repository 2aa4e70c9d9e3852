#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# --lossless: B (testpmd rxonly) is slower than A (txonly) because it shares
# a core with the switch; the switch holds what B's ring refuses and reads
# A's ring only when B has taken it, so nothing is lost between them.
. "$(dirname "$0")/lib.sh"

MA=52:54:00:00:0e:01
MB=52:54:00:00:0e:02
sw_start lossless -- --lossless --port "a mac=$MA" --port "b mac=$MB"
check lossless-reported test "$(swget switch lossless)" = yes
tp_start A "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/a.sock,mac=$MA"
tp_start B "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/b.sock,mac=$MB"
check a-up wait_port a up
check b-up wait_port b up
tp_cmd B "set fwd rxonly"
tp_cmd B start
tp_cmd A "set fwd txonly"
tp_cmd A "set eth-peer 0 $MB"
run_for A 3
sleep 1
tp_cmd B stop
atx=$(tp_stat A TX-packets)
brx=$(tp_stat B RX-packets)
echo "A sent $atx, B got $brx, switch dropped $(swget port b tx_drops) for b"
check flows test "${atx:-0}" -gt 1000
check no-drops test "$(swget port b tx_drops)" = 0
check b-got-all test "$brx" = "$atx"
check counters-agree test "$(swget port b tx_packets)/$(swget port a rx_packets)" = "$atx/$atx"
tp_quit A
tp_quit B
check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
finish
