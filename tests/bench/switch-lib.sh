# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/bench/switch and tests/bench/switch-cost: the closed-loop
# generator (one testpmd, net_virtio_user ports A and B as vhost-user
# servers, io forwarding) and iopass-switch between its two ports.
# The caller sets BUILD (absolute) and SECS; KEEP=1 keeps the scratch dir.
T=$(mktemp -d /tmp/iopass-bench-switch.XXXXXX)
export IOPASS_STATE_DIR=$T/state
mkdir -p "$IOPASS_STATE_DIR"
CTL=$IOPASS_STATE_DIR/switch.sock
TAG=iopbs$$
MA=52:54:00:03:00:01
MB=52:54:00:03:00:02
PIDS=()
EAL="--no-pci --no-huge --single-file-segments --log-level=lib.eal:warning
     --log-level=lib.vhost.config:warning --log-level=pmd.net.vhost:warning"
CLEANUP_HOOK=:
cleanup() {
	$CLEANUP_HOOK
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	rm -rf /var/run/dpdk/"$TAG"-*
}
trap cleanup EXIT

die() {
	echo "bench: $*" >&2
	for f in "$T"/*.log "$T"/ovs/log/*.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; grep -av 'VHOST_CONFIG\|^testpmd> show' "$f" |
			tail -n 12 >&2; }
	done
	exit 1
}
wait_for() {	# COMMAND [TENTHS]
	for _ in $(seq 1 "${2:-600}"); do eval "$1" && return 0; sleep 0.1; done
	die "timed out waiting for: $1"
}
load() { awk '{print $1}' /proc/loadavg; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }
# the 62 MACs that make 64 pools with A's and B's
extra_mac() { printf "52:54:00:04:%02x:%02x" $(($1 / 256)) $(($1 % 256)); }

# ---- the generator: interactive testpmd driven through a FIFO. Its ports
# are vhost-user servers that wait for their backend before the prompt
# comes, so the forwarder starts after gen_start and gen_run waits.
# GEN_RING: the ports' ring size (and so how many frames can be in flight).
GEN_RING=${GEN_RING:-1024}
gen_start() {	# SIZE
	# a socket file left by the last generator would make its bind fail
	rm -f "$T/a.sock" "$T/b.sock"
	mkfifo "$T/gen.in"
	stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore 0 $EAL -m $((512 + GEN_RING / 16)) \
		--file-prefix "$TAG-gen" \
		--vdev "net_virtio_user0,path=$T/a.sock,server=1,queue_size=$GEN_RING,mac=$MA" \
		--vdev "net_virtio_user1,path=$T/b.sock,server=1,queue_size=$GEN_RING,mac=$MB" -- -i \
		--nb-cores=1 --rxd="$GEN_RING" --txd="$GEN_RING" \
		--total-num-mbufs=$((4 * GEN_RING + 16384)) \
		--forward-mode=io \
		--txpkts="$1" --eth-peer=0,$MB --eth-peer=1,$MB <"$T/gen.in" >"$T/gen.log" 2>&1 &
	GEN=$!
	PIDS+=("$GEN")
	exec 7>"$T/gen.in"
}
gen() { echo "$*" >&7; }
gen_links_up() {	# both ports' link up: the forwarder took both
	local n
	n=$(wc -l <"$T/gen.log")
	gen "show port info all"
	sleep 0.3
	[ "$(tail -n +"$((n + 1))" "$T/gen.log" | grep -ac 'Link status: up')" = 2 ]
}
gen_stop() {
	gen stop
	gen quit
	exec 7>&-
	for _ in $(seq 1 50); do kill -0 "$GEN" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$GEN" 2>/dev/null
	wait "$GEN" 2>/dev/null
	rm -f "$T/gen.in"
}
# gen_loop BURSTS: waits for the forwarder (its PID in FWD), puts BURSTS bursts of 32 frames
# in flight on each port (port B's are to its own MAC: a switch drops them)
# and lets them go round for 2 s.
gen_loop() {
	wait_for "kill -0 $FWD 2>/dev/null || die 'the forwarder exited'; kill -0 $GEN 2>/dev/null ||
		die 'the generator exited'; ! grep -aq 'probe failed' $T/gen.log ||
		die 'the generator lost a port'; grep -q 'testpmd> ' $T/gen.log" 1200
	wait_for gen_links_up 400
	gen "start tx_first $1"
	sleep 2
}
# gen_run BURSTS: gen_loop, then over a window of SECS seconds: MPPS := the
# median of the per-second receive rates (frames/s, both ports together),
# FRAMES := the frames received, WALL := its length in seconds; then stops
# the generator. The commands in $WINDOW_START and $WINDOW_END run at the
# window's ends.
gen_run() {
	local n t0 t1
	gen_loop "$1"
	n=$(wc -l <"$T/gen.log")
	gen "show port stats all"	# the baseline of the next rates
	t0=$(date +%s.%N)
	eval "${WINDOW_START:-:}"
	for _ in $(seq 1 "$SECS"); do
		sleep 1
		gen "show port stats all"
	done
	t1=$(date +%s.%N)
	eval "${WINDOW_END:-:}"
	WALL=$(echo "$t1 - $t0" | bc -l)
	sleep 0.5
	tail -n +"$((n + 1))" "$T/gen.log" >"$T/window.log"
	MPPS=$(grep -ao 'Rx-pps: *[0-9]*' "$T/window.log" | awk '{print $2}' | tail -n +3 |
		paste - - | awk '{print $1 + $2}' | median)
	FRAMES=$(grep -ao 'RX-packets: *[0-9]*' "$T/window.log" | awk '{print $2}' |
		paste - - | awk '{s = $1 + $2} NR == 1 {f = s} END {print s - f}')
	gen_stop
}

# ---- the forwarding thread's CPU: what it costs per frame, whatever the load
# fwd_tid PID NAME: the thread of PID whose name starts with NAME
fwd_tid() {
	local t
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in "$2"*) basename "$t"; return 0 ;; esac
	done
	die "no thread $2* in process $1"
}
# oncpu PID TID: nanoseconds the thread has run on a CPU (not waited for one)
oncpu() { awk '{print $1}' /proc/"$1"/task/"$2"/schedstat; }
# cost ONCPU_NS BUSY_SHARE: CPF := CPU (TSC) cycles per frame of the window,
# CORE := Mpps one forwarding core would give at that cost. The share of its
# CPU time the forwarder spent on frames comes from its own TSC accounting
# (busy / (busy + idle) iterations): a preemption lands in a busy or an idle
# iteration in proportion to their lengths, so the share holds under load
# although the cycles it counts do not.
TSC_HZ=$(awk '/^cpu MHz/ {print $4 * 1000000; exit}' /proc/cpuinfo)
# A window in which no frame went round (the loop lost its frames, or the
# forwarder never got a CPU) has no cost: it says so and counts 0, not the
# TSC rate.
cost() {
	if [ "${FRAMES:-0}" -le 0 ] || [ "$(echo "$1 * $2 == 0" | bc -l)" = 1 ]; then
		echo "    no frames forwarded in the window: this figure is 0" >&2
		CPF=0 CORE=0
		return
	fi
	CPF=$(echo "$1 / 1000000000 * $TSC_HZ * $2 / $FRAMES" | bc -l)
	CORE=$(echo "$TSC_HZ / $CPF / 1000000" | bc -l)
}

# ---- iopass-switch: ports a and b (clients of the generator's sockets) and
# sink ports up to POOLS pools; its worker on CPU 0. sw_start [PREFIX...]
# runs it under a command (valgrind) when given one.
swjson() { "$BUILD/bin/iopass" switch stats --json; }
sw_start() {	# POOLS [command...]
	local pools=$1 ports=() i
	shift
	for i in $(seq 1 $((pools - 2))); do
		ports+=(--port "d$i mac=$(extra_mac "$i") mode=sink")
	done
	ports+=(--port "a mac=$MA path=$T/a.sock mode=client" --port "b mac=$MB path=$T/b.sock mode=client")
	"$@" "$BUILD/bin/iopass-switch" -l 0,1 --main-lcore 1 $EAL -m 512 --file-prefix "$TAG-sw" -- \
		--ctl "$CTL" "${ports[@]}" >"$T/sw.log" 2>&1 &
	SW=$!
	PIDS+=("$SW")
}
sw_stop() {
	"$BUILD/bin/iopass" switch stop >/dev/null 2>&1 || kill -TERM "$SW"
	wait "$SW" 2>/dev/null
}
