#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm run --nic pool:NAME when the pool has no VF for it (this machine has no
# SR-IOV NIC): each NIC falls back to a vhost-user port on iopass-switch,
# which the first VM starts on demand ($IOPASS_SWITCH_START_ARGS).
#   - B (a reflector) and D (a named daemon) start at the same time: one
#     switch is started, not two; each gets a port; D's record says why;
#   - A then sends numbered frames to B through the on-demand switch and
#     checks every byte coming back; B's port goes when B exits;
#   - D killed with SIGKILL: its port stays until 'iopass gc' deletes it;
#   - bad pool specs are refused before anything is taken.
. "$(dirname "$0")/../dpdk/lib.sh"
. "$(dirname "$0")/vnet_lib.sh"

MA=52:54:00:00:0e:0a
MB=52:54:00:00:0e:0b
export IOPASS_POOLS_CONF=$T/pools.conf
# A pool whose only member would be a function this machine does not have.
printf '[pool edge]\naddress = 0000:ff:1f.7\n' >"$IOPASS_POOLS_CONF"
export IOPASS_SWITCH_START_ARGS="--no-huge --mem 512 --file-prefix $TAG-sw-pool -- --no-pci --log-level=lib.eal:warning"
ports() { "$IOPASS" switch port list --json | jq -r '[.[].name] | sort | join(" ")'; }
nic_of() { "$IOPASS" vm list --json |
	jq -er --arg n "$1" --arg f "$2" '.[] | select(.name == $n) | .nics[0][$f]'; }

out=$("$IOPASS" vm run --kernel "$GUEST" --nic pool:nosuch 2>&1)
check unknown-pool-refused test $? = 2 -a -n "$(grep "neither a PCI address nor a pool" <<<"$out")"
out=$("$IOPASS" vm run --kernel "$GUEST" --nic pool:edge,vlan=5000 2>&1)
check bad-vlan-refused test $? = 2 -a -n "$(grep "VLAN '5000'" <<<"$out")"
check nothing-started-yet test ! -e "$CTL"

vm b "pool:edge,mac=$MB,vlan=10" "vnet.mac=$MB vnet.mode=reflect vnet.frames=64 vnet.wait=180"
"$IOPASS" vm run --name d --daemon --kernel "$GUEST" --mem 64M \
	--nic pool:edge,vlan=10 --cmdline "suites=pci hold=1" >"$T/d.out" 2>&1
check d-started test $? = 0
check b-ready wait_line "$T/vmb.out" "^VNET reflect-ready" 120
SW=$(sed -nE 's/^switch started: pid ([0-9]+).*/\1/p' "$T/vmb.err" "$T/d.out")
[ -n "$SW" ] && PIDS+=("$SW")
check one-switch-started test "$(cat "$T/vmb.err" "$T/d.out" | grep -c "^switch started")" = 1
check b-fell-back grep -q "^iopass: nic0 pool:edge,mac=$MB,vlan=10: vhost-user port vm$VM_b-nic0 on iopass-switch" "$T/vmb.err"
DPID=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' "$T/d.out")
check d-path-vhost-user test "$(nic_of d path)" = vhost-user
check d-why grep -q "no VF (no free device in pool edge: 0 candidate(s)" <<<"$(nic_of d why)"
check d-listed grep -qE "^d +$DPID running .* nic0=vhost-user:vm$DPID-nic0$" <<<"$("$IOPASS" vm list)"
check two-ports test "$(ports)" = "$(printf '%s\n' "vm$VM_b-nic0" "vm$DPID-nic0" | sort | xargs)"

vm a "pool:edge,mac=$MA,vlan=10" "vnet.mac=$MA vnet.peer=$MB vnet.frames=64"
wait "$VM_a"
rc_a=$?
echo "--- guest A"; grep -E "^(TEST|# vnet)" "$T/vma.out"
check a-echo-via-b grep -q "^TEST vnet.echo ok" "$T/vma.out"
check a-guest-ok guest_ok a
check a-vmm-exit-0 test "$rc_a" = 0
wait "$VM_b"
check b-vmm-exit-0 test $? = 0
check a-b-ports-gone test "$(ports)" = "vm$DPID-nic0"

kill -9 "$DPID"
for _ in $(seq 100); do "$IOPASS" vm list | grep -q "dead" && break; sleep 0.1; done
check port-stays-after-kill test "$(ports)" = "vm$DPID-nic0"
gc=$("$IOPASS" gc)
echo "$gc"
check gc-deletes-port grep -q "deleted port vm$DPID-nic0 of iopass-switch (its VM died)" <<<"$gc"
check no-ports-left test -z "$(ports)"
check no-owner-left test -z "$(ls "$IOPASS_STATE_DIR/vhost/" | grep owner)"
check switch-stop "$IOPASS" switch stop
finish
