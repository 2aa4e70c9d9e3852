#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm run --numa N on this host's node 0: guest RAM preferred there
# (/proc/PID/numa_maps of the guest RAM), each vCPU thread on the node's CPUs
# (/proc/PID/task/*/status of the threads named vcpuN), the node in vm list
# --json; a node the host lacks and a bad number refused. The testbed proves
# the choice by device on two nodes (testbed_numa).
# usage: vm-numa.sh IOPASS TESTGUEST.ELF
set -u
iopass=$1
guest=$2
. "$(dirname "$0")/need_kvm.sh"
need_kvm "$(dirname "$iopass")/kvm_probe"
[ -r /sys/devices/system/node/node0/cpulist ] && [ -r /proc/self/numa_maps ] || {
	echo "SKIP: no NUMA information (CONFIG_NUMA off)"; exit 77; }
export IOPASS_STATE_DIR=$(mktemp -d /tmp/iopass-l1-numa.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$IOPASS_STATE_DIR"
}
trap cleanup EXIT
fails=0
check() {	# name, then a command that must succeed
	local name=$1; shift
	if "$@"; then echo "CHECK $name ok"; else echo "CHECK $name FAIL"; fails=$((fails + 1)); fi
}

out=$("$iopass" vm run --kernel "$guest" --mem 64M --cpus 2 --cmdline hold=1 --numa 0 \
	--name numa0 --daemon 2>&1); rc=$?
echo "$out"
check starts [ $rc -eq 0 ]
check says_node grep -q "^iopass: NUMA node 0: guest RAM and 2 vCPUs (--numa 0)$" <<<"$out"
pid=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
. "$(dirname "$0")/guest_ram.sh"
maps=$(guest_ram_numa "$pid" $((64 << 20)))
echo "$maps"
check ram_prefers_node0 grep -q ' prefer:0 ' <<<"$maps"
node_cpus=$(cat /sys/devices/system/node/node0/cpulist)
vcpus=0
for t in /proc/"$pid"/task/*; do
	[[ $(cat "$t/comm") == vcpu* ]] || continue
	vcpus=$((vcpus + 1))
	allowed=$(sed -n 's/^Cpus_allowed_list:\s*//p' "$t/status")
	check "$(cat "$t/comm")_on_node0_cpus" [ "$allowed" = "$node_cpus" ]
done
check two_vcpu_threads [ $vcpus -eq 2 ]
json=$("$iopass" vm list --json)
check list_json_node python3 -c "
import json,sys; v=json.loads(sys.argv[1]); assert v[0]['numa_node']==0" "$json"
"$iopass" vm stop numa0 >/dev/null && pid=

err=$("$iopass" vm run --kernel "$guest" --numa 1023 2>&1); rc=$?
check missing_node_refused [ $rc -eq 2 ]
check missing_node_says grep -q "^iopass: --numa 1023: this host has no NUMA node 1023 " <<<"$err"
err=$("$iopass" vm run --kernel "$guest" --numa x 2>&1); rc=$?
check bad_number_refused [ $rc -eq 2 ] && grep -q "^iopass: --numa 'x' is not a NUMA node number$" <<<"$err"

echo "vm-numa: $fails failed"
[ $fails -eq 0 ]
