#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The test guest's virtio-net NIC against DPDK's testpmd as an independent
# vhost-user backend (net_vhost, macswap: every frame comes back with its
# MACs swapped).
#
# usage: vnet_testpmd.sh [--restart] [--bench N] IOPASS GUEST
#   --restart   kill testpmd (SIGKILL) once the guest says VNET restart-ready,
#               start a new one on the same socket, and expect the guest's
#               NIC to resume (vnet.restart)
#   --bench N   also send N minimum-size frames and print the guest's rate
# Exits 77 when testpmd is missing or KVM cannot run a VM here.
set -u
restart= bench=
while [ $# -gt 0 ]; do
	case $1 in
	--restart) restart=1; shift ;;
	--bench) bench=$2; shift 2 ;;
	*) break ;;
	esac
done
iopass=$1 guest=$2
testpmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd missing (apt-get install dpdk): skipped"; exit 77; }
. "$(dirname "$0")/need_kvm.sh"
need_kvm "$(dirname "$iopass")/kvm_probe"

tmp=$(mktemp -d /tmp/iopass-vnet.XXXXXX)
sock=$tmp/vhost.sock
tp_pid= vm_pid=
cleanup() {
	[ -n "$vm_pid" ] && kill "$vm_pid" 2>/dev/null
	[ -n "$tp_pid" ] && kill "$tp_pid" 2>/dev/null && wait "$tp_pid" 2>/dev/null
	rm -rf "$tmp" /var/run/dpdk/iopass-vnet-$$-*
}
trap cleanup EXIT
n=0

# No hugepages here: memfd-backed memory (--no-huge --single-file-segments).
# The lcores float over every CPU: other jobs share this machine.
cpus="0-$(($(nproc) - 1))"
testpmd_start() {
	n=$((n + 1))
	rm -f "$sock"
	"$testpmd" --lcores "0@($cpus),1@($cpus)" --no-pci --no-huge -m 512 \
		--single-file-segments --file-prefix "iopass-vnet-$$-$n" \
		--vdev "net_vhost0,iface=$sock,queues=1" -- \
		--forward-mode=macswap --port-topology=loop --nb-cores=1 \
		--total-num-mbufs=16384 --stats-period 1 \
		>"$tmp/testpmd$n.log" 2>&1 </dev/null &
	tp_pid=$!
	for _ in $(seq 300); do
		[ -S "$sock" ] && return 0
		kill -0 "$tp_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "--- testpmd log"; tail -20 "$tmp/testpmd$n.log"
	echo "FAIL: testpmd did not create $sock"
	exit 1
}

testpmd_start
cmdline="suites=vnet vnet.mac=52:54:00:00:10:01"
# The restart run also covers the guest that leaves MRG_RXBUF alone.
[ -n "$restart" ] && cmdline="$cmdline vnet.restart=60 vnet.mrg=0"
[ -n "$bench" ] && cmdline="$cmdline vnet.bench=$bench"
"$iopass" vm run --kernel "$guest" --mem 128M --console "$tmp/console" \
	--nic "vhost-user:$sock,mac=52:54:00:00:10:01" --cmdline "$cmdline" \
	>"$tmp/vm.out" 2>"$tmp/vm.err" </dev/null &
vm_pid=$!

if [ -n "$restart" ]; then
	for _ in $(seq 600); do
		grep -q "^VNET restart-ready" "$tmp/console" 2>/dev/null && break
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q "^VNET restart-ready" "$tmp/console"; then
		kill -KILL "$tp_pid"
		wait "$tp_pid" 2>/dev/null
		tp_pid=
		sleep 1		# the NIC sees the hang-up and retries meanwhile
		testpmd_start
	fi
fi
wait "$vm_pid"
rc=$?
vm_pid=

cat "$tmp/console"
echo "--- iopass stderr"; cat "$tmp/vm.err"
fail() {
	echo "--- testpmd log (last run)"; tail -30 "$tmp/testpmd$n.log" | tr -d '\033'
	echo "FAIL: $*"
	exit 1
}
[ "$rc" -eq 0 ] || fail "iopass exit status $rc"
grep -q "^DONE [0-9]* passed, 0 failed" "$tmp/console" || fail "guest tests failed"
grep -q "^TEST vnet.echo ok" "$tmp/console" || fail "no vnet.echo"
if [ -n "$restart" ]; then
	grep -q "^TEST vnet.restart ok" "$tmp/console" || fail "no vnet.restart"
	grep -q "^TEST vnet.restart.echo ok" "$tmp/console" || fail "no vnet.restart.echo"
	grep -q "backend closed the connection" "$tmp/vm.err" || fail "no hang-up reported"
	grep -q "backend connected, rings resumed" "$tmp/vm.err" || fail "no reconnect reported"
fi
# The guest's final reset took the rings back (the ring stop path).
grep -q "read message VHOST_USER_GET_VRING_BASE" "$tmp/testpmd$n.log" ||
	fail "the rings were not stopped with GET_VRING_BASE"
if [ -n "$bench" ]; then
	grep -q "^BENCH vnet-tx" "$tmp/console" || fail "no BENCH line"
fi
echo ok
