#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iopass-switch killed (-9) and started again under two running test
# guests. A's NIC is a vhost-user server (--nic ...,server) that the
# switch's client-mode port connects to; B's NIC is a client of the
# switch's own socket. A sends to B, B sends back; when A says
# VNET restart-ready the switch dies, A's link must go down, and after the
# restart both NICs must come back with the guests' rings where they were.
# Uses the dpdk tests' helpers (tests/dpdk/lib.sh): BUILD=build dir.
. "$(dirname "$0")/../dpdk/lib.sh"
. "$(dirname "$0")/vnet_lib.sh"

MA=52:54:00:00:0d:0a
MB=52:54:00:00:0d:0b
PORTS=(--port "a mac=$MA mode=client path=$T/a.sock" --port "b mac=$MB")

sw_start first -- "${PORTS[@]}"
vm b "vhost-user:$IOPASS_STATE_DIR/vhost/b.sock,mac=$MB" \
	"vnet.mac=$MB vnet.mode=reflect vnet.frames=320 vnet.wait=240"
check b-ready wait_line "$T/vmb.out" "^VNET reflect-ready" 120
vm a "vhost-user:$T/a.sock,mac=$MA,server" \
	"vnet.mac=$MA vnet.peer=$MB vnet.frames=64 vnet.restart=120"
check a-restart-ready wait_line "$T/vma.out" "^VNET restart-ready" 120

kill -KILL "$SWPID"
wait "$SWPID" 2>/dev/null
sleep 1
sw_start second -- "${PORTS[@]}"
check a-reconnected wait_port a up 60
check b-reconnected wait_port b up 60

wait "$VM_a"
rc_a=$?
echo "--- guest A"; grep -E "^(TEST|DONE|# vnet: (link|traffic))" "$T/vma.out"
echo "--- iopass A"; cat "$T/vma.err"
check a-guest-ok guest_ok a
check a-vmm-exit-0 test "$rc_a" = 0
check a-resumed grep -q "^TEST vnet.restart.echo ok" "$T/vma.out"
check a-server-saw-hangup grep -q "backend closed the connection" "$T/vma.err"
check a-server-resumed grep -q "backend connected, rings resumed" "$T/vma.err"
wait "$VM_b"
rc_b=$?
echo "--- guest B"; grep -E "^(TEST|DONE|# vnet: reflected)" "$T/vmb.out"
echo "--- iopass B"; cat "$T/vmb.err"
check b-guest-ok guest_ok b
check b-vmm-exit-0 test "$rc_b" = 0
check b-client-resumed grep -q "backend connected, rings resumed" "$T/vmb.err"

check switch-stop "$IOPASS" switch stop
finish
