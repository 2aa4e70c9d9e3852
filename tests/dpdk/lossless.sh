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
guest_pair_start "$MA" "$MB"
send A B "$MB" 3
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
