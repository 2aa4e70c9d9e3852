#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end: three test guests under iopass's VMM, each with a virtio-net
# NIC on one iopass-switch, and testpmd C as the network behind the
# switch's uplink (net_virtio_user -> C's net_vhost).
#   A (VLAN 10) sends numbered frames to B (VLAN 10), which sends them
#   back: A checks every byte (frames both ways between two VMs).
#   A then sends frames to C's MAC (a pool in VLAN 20) and to a MAC no pool
#   owns: both go out of the uplink, where testpmd counts them.
#   C (VLAN 20) must see none of it; it ends on a frame the uplink sends to
#   it tagged VLAN 20 (uplink to guest, VLAN stripped).
# Uses the dpdk tests' helpers (tests/dpdk/lib.sh): BUILD=build dir.
. "$(dirname "$0")/../dpdk/lib.sh"
. "$(dirname "$0")/vnet_lib.sh"

MA=52:54:00:00:0c:0a
MB=52:54:00:00:0c:0b
MC=52:54:00:00:0c:0c
UNKNOWN=02:00:00:00:99:99
N_C=100
N_UNKNOWN=200

# sw_vm NAME MAC CMDLINE: a guest on the switch's port NAME
sw_vm() {
	local name=$1 mac=$2
	shift 2
	vm "$name" "vhost-user:$IOPASS_STATE_DIR/vhost/$name.sock,mac=$mac" \
		"vnet.mac=$mac $*"
}

tp_start C "net_vhost0,iface=$T/up.sock"
sw_start vms --vdev "net_virtio_user0,path=$T/up.sock,mac=02:00:00:00:0c:fe" -- \
	--port "a mac=$MA vlan=10" --port "b mac=$MB vlan=10" \
	--port "c mac=$MC vlan=20"
tp_cmd C "set fwd rxonly"
tp_cmd C start
CMAC=$(grep -o "Port 0: [0-9A-Fa-f:]*" "$T/C.log" | head -n 1 | awk '{print tolower($3)}')
[ -n "$CMAC" ] || die "no MAC for testpmd C"

sw_vm c "$MC" "vnet.mode=quiet vnet.wait=180 vnet.stopmac=$CMAC"
sw_vm b "$MB" "vnet.mode=reflect vnet.frames=64 vnet.wait=180"
check c-ready wait_line "$T/vmc.out" "^VNET quiet-ready" 120
check b-ready wait_line "$T/vmb.out" "^VNET reflect-ready" 120

sw_vm a "$MA" "vnet.peer=$MB vnet.frames=64 vnet.blast=$MC:$N_C,$UNKNOWN:$N_UNKNOWN"
wait "$VM_a"
rc_a=$?
echo "--- guest A"; grep -E "^(TEST|# vnet)" "$T/vma.out"
check a-guest-ok guest_ok a
check a-vmm-exit-0 test "$rc_a" = 0
check a-echo-via-b grep -q "^TEST vnet.echo ok" "$T/vma.out"
wait "$VM_b"
rc_b=$?
echo "--- guest B"; grep -E "^(TEST|DONE)" "$T/vmb.out"
check b-reflected guest_ok b
check b-vmm-exit-0 test "$rc_b" = 0

sleep 1
tp_cmd C stop
crx=$(tp_stat C RX-packets)
echo "uplink peer got $crx frames (want $((N_C + N_UNKNOWN))); switch to port c: $(swget port c tx_packets)"
check cross-vlan-and-unknown-to-uplink test "$crx" = "$((N_C + N_UNKNOWN))"
check nothing-to-port-c test "$(swget port c tx_packets)" = 0

# The uplink sends to C in VLAN 20: C gets it, and stops listening.
tp_cmd C "port stop 0"
tp_cmd C "tx_vlan set 0 20"
tp_cmd C "port start 0"
tp_cmd C "set fwd txonly"
tp_cmd C "set eth-peer 0 $MC"
check c-port-up wait_port c up
run_for C 1
wait "$VM_c"
rc_c=$?
echo "--- guest C"; grep -E "^(TEST|DONE)" "$T/vmc.out"
check c-quiet-then-uplink-frame guest_ok c
check c-vmm-exit-0 test "$rc_c" = 0
check c-got-uplink-frames test "$(swget port c tx_packets)" -gt 0

check switch-stop "$IOPASS" switch stop
tp_quit C
finish
