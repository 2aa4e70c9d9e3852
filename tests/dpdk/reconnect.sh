#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Client-mode ports: the frontends (testpmd net_virtio_user, server=1) own
# the sockets and the switch connects to them. The switch is killed (-9) and
# started again: it reconnects and traffic flows. Then a frontend restarts
# (a VMM restart): rte_vhost reconnects on its own.
. "$(dirname "$0")/lib.sh"

MA=52:54:00:00:0c:01
MB=52:54:00:00:0c:02
PORTS=(--port "a mac=$MA mode=client path=$T/a.sock" --port "b mac=$MB mode=client path=$T/b.sock")
# The switch first: its client ports retry until the frontends listen (and a
# server=1 virtio_user waits for its backend before it finishes starting).
sw_start first -- "${PORTS[@]}"
check down-before-frontends test "$(swget port a state)" = down
tp_start A "net_virtio_user0,path=$T/a.sock,server=1,mac=$MA"
tp_start B "net_virtio_user0,path=$T/b.sock,server=1,mac=$MB"
check first-a-up wait_port a up
check first-b-up wait_port b up

# a_to_b SECONDS: A sends to B; prints what B got
a_to_b() {
	local b0
	b0=$(tp_stat B RX-packets)
	send A B "$MB" "$1"
	echo $(( $(tp_stat B RX-packets) - b0 ))
}

got=$(a_to_b 2)
echo "before the crash: B got $got"
check flows-before-crash test "$got" -gt 1000

kill -KILL "$SWPID"
wait "$SWPID" 2>/dev/null
sw_start second -- "${PORTS[@]}"
check reconnected-a wait_port a up
check reconnected-b wait_port b up
got=$(a_to_b 2)
echo "after the switch restart: B got $got, switch gave b $(swget port b tx_packets)"
check flows-after-switch-restart test "$got" -gt 1000
check counters-after-restart test "$got" = "$(swget port b tx_packets)"

# The VMM side restarts: A goes away and comes back on the same socket.
tp_quit A
check a-down-when-frontend-quits wait_port a down
tp_start A "net_virtio_user0,path=$T/a.sock,server=1,mac=$MA"
check a-reconnects-by-itself wait_port a up
check a-connected-twice test "$(swget port a connects)" = 2
b1=$(swget port b tx_packets)
got=$(a_to_b 2)
echo "after the frontend restart: B got $got"
check flows-after-frontend-restart test "$got" -gt 1000
check counters-after-frontend-restart test "$got" = "$(( $(swget port b tx_packets) - b1 ))"

check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
tp_quit A
tp_quit B
finish
