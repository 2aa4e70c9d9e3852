# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the dpdk tests: iopass-switch against testpmd peers on this
# machine (--no-huge, memfd; HUGE=1 uses 2 MiB hugepages). Every DPDK process
# gets its own --file-prefix; cleanup kills only the PIDs started here.
# A test prints "CHECK name ok|FAIL ..." lines and exits 1 if any failed,
# 77 when dpdk-testpmd is missing.
set -u
: "${BUILD:?BUILD=build dir}"
IOPASS=$BUILD/bin/iopass
SWITCH=$BUILD/bin/iopass-switch
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v dpdk-testpmd >/dev/null; then
	echo "SKIP: dpdk-testpmd not installed (apt-get install dpdk-dev)"
	exit 77
fi
T=$(mktemp -d /tmp/iopass-dpdk.XXXXXX)
export IOPASS_STATE_DIR=$T/state
mkdir -p "$IOPASS_STATE_DIR"
CTL=$IOPASS_STATE_DIR/switch.sock
TAG=iopt$$
PIDS=()
FAILED=0
if [ "${HUGE:-0}" = 1 ]; then
	MEM="-m 256 --single-file-segments${HUGE_DIR:+ --huge-dir $HUGE_DIR}"
else
	MEM="--no-huge -m 512 --single-file-segments"
fi
EAL="--no-pci $MEM --log-level=lib.eal:warning --log-level=lib.vhost.config:warning"

cleanup() {
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T" /var/run/dpdk/"$TAG"-*
}
trap cleanup EXIT

dump() {
	for f in "$T"/*.log "$IOPASS_STATE_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f (last lines)"
		grep -v VHOST_CONFIG "$f" | tail -n 15
	done
}

# CHECK lines say when (seconds since the test began): where a slow machine
# (the testbed's nested KVM) spends its time shows in the log.
T0=${EPOCHREALTIME/[.,]/}
check() {
	local name=$1 at
	shift
	if "$@"; then
		at=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 ))
		echo "CHECK $name ok (at $((at / 10)).$((at % 10)) s)"
	else
		at=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 ))
		echo "CHECK $name FAIL ($*) (at $((at / 10)).$((at % 10)) s)"
		FAILED=1
	fi
}

finish() {
	[ "$FAILED" = 0 ] || dump
	exit "$FAILED"
}

die() {
	echo "FAIL: $*"
	dump
	exit 1
}

# sw_start NAME [EAL args] -- [switch args]
sw_start() {
	local name=$1
	shift
	local eal=() sw=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do eal+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	sw=("$@")
	# SW_LCORES: e.g. 0@0,1@1,2@1 for two workers on this 2-CPU machine
	local lcores="-l 0,1"
	[ -n "${SW_LCORES:-}" ] && lcores="--lcores $SW_LCORES"
	"$SWITCH" $lcores $EAL \
		--file-prefix "$TAG-sw-$name" "${eal[@]}" -- --ctl "$CTL" \
		"${sw[@]}" >>"$T/switch-$name.log" 2>&1 &
	SWPID=$!
	PIDS+=("$SWPID")
	for _ in $(seq 1 300); do
		"$IOPASS" switch stats >/dev/null 2>&1 && return 0
		kill -0 "$SWPID" 2>/dev/null || die "iopass-switch $name exited at start"
		sleep 0.1
	done
	die "iopass-switch $name did not answer within 30 s"
}

# swget port|pool NAME FIELD, or swget switch|uplink FIELD: one field of the
# switch's stats (jq: in the testbed a python3 start costs seconds)
swget() {
	local q
	case $1 in
	port) q='.ports[] | select(.name == $n) | .[$f]' ;;
	pool) q='.pools[] | select(.port == $n) | .[$f]' ;;
	*) q='.[$t][$n]' ;;
	esac
	"$IOPASS" switch stats --json |
		jq -er --arg t "$1" --arg n "$2" --arg f "${3:-}" "$q"
}

# wait_port NAME STATE [seconds]
wait_port() {
	for _ in $(seq 1 $((${3:-30} * 10))); do
		[ "$(swget port "$1" state 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# tp_start ID VDEV [testpmd args]: an interactive testpmd driven through a FIFO
tp_start() {
	local id=$1 vdev=$2
	shift 2
	mkfifo "$T/$id.in"
	stdbuf -oL dpdk-testpmd -l 0,1 $EAL --file-prefix "$TAG-$id" --vdev "$vdev" -- -i \
		--total-num-mbufs=8192 --nb-cores=1 "$@" <"$T/$id.in" >"$T/$id.log" 2>&1 &
	PIDS+=($!)
	eval "TP_$id=$!"
	exec {fd}>"$T/$id.in"
	eval "FD_$id=$fd"
	for _ in $(seq 1 600); do
		grep -q "testpmd> " "$T/$id.log" 2>/dev/null && return 0
		kill -0 "$(eval echo \$TP_$id)" 2>/dev/null || die "testpmd $id exited at start"
		sleep 0.1
	done
	die "testpmd $id not ready within 60 s"
}

tp_cmd() {
	local id=$1
	shift
	echo "$*" >&"$(eval echo \$FD_$id)"
}

# tp_stat ID FIELD (RX-packets, TX-packets, RX-bytes...): port 0's counter now
tp_stat() {
	local id=$1 field=$2 n
	n=$(grep -c "Tx-pps:" "$T/$id.log")
	tp_cmd "$id" "show port stats 0"
	for _ in $(seq 1 100); do
		[ "$(grep -c "Tx-pps:" "$T/$id.log")" -gt "$n" ] && break
		sleep 0.1
	done
	grep -o "$field: *[0-9]*" "$T/$id.log" | tail -n 1 | awk '{print $2}'
}

tp_quit() {
	local id=$1 pid
	pid=$(eval echo \$TP_$id)
	tp_cmd "$id" quit
	eval "exec $(eval echo \$FD_$id)>&-"
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

# run ID SECONDS: forward for a while, then stop and let the switch drain
run_for() {
	tp_cmd "$1" start
	sleep "$2"
	tp_cmd "$1" stop
}

# guest_pair_start MAC-A MAC-B: testpmd A and B (net_virtio_user)
# on the switch's server ports a and b, both connected
guest_pair_start() {
	tp_start A "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/a.sock,mac=$1"
	tp_start B "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/b.sock,mac=$2"
	check a-up wait_port a up
	check b-up wait_port b up
}

# send FROM TO DST-MAC [SECONDS]: FROM sends to DST-MAC, TO receives; with no
# SECONDS FROM keeps sending, else FROM stops, the switch drains, TO stops
send() {
	tp_cmd "$2" "set fwd rxonly"
	tp_cmd "$2" start
	tp_cmd "$1" "set fwd txonly"
	tp_cmd "$1" "set eth-peer 0 $3"
	[ $# -lt 4 ] && { tp_cmd "$1" start; return; }
	run_for "$1" "$4"
	settle "$2"
	tp_cmd "$2" stop
}

# settle ID: waits until testpmd ID's RX count stays put for a second (at
# most 30 s): the switch may still be taking the last frames off the
# sender's ring (slow under ASan on a loaded machine), and a receiver
# stopped before they arrive counts fewer than the switch gave it.
settle() {
	local a b
	b=$(tp_stat "$1" RX-packets)
	for _ in $(seq 1 30); do
		sleep 1
		a=$b
		b=$(tp_stat "$1" RX-packets)
		[ "$a" = "$b" ] && return 0
	done
}
