# SPDX-License-Identifier: GPL-2.0-only
# Sourced after switch-lib.sh by tests/bench/switch and switch-cost: the two
# forwarders iopass-switch is compared with, between the generator's sockets.
#   OVS-DPDK: Debian's ovs-vswitchd-dpdk with its own ovsdb-server, both in a
#     scratch directory of their own (db, run, log, etc: OVS_*DIR), started
#     here and stopped after; a system OVS is never touched. Ports a and b
#     are dpdkvhostuserclient ports; one PMD thread on CPU 0.
#   testpmd-io: two net_vhost ports (clients), io forwarding on CPU 0.
# ovs_start and io_start take an optional command to run them under.
OVS_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
OVSD=$T/ovs
VSCTL="ovs-vsctl --db=unix:$OVSD/run/db.sock --timeout=300"
BR=unix:$OVSD/run/br0.mgmt	# ovs-ofctl's way to this bridge
OVS_PID=
CLEANUP_HOOK=ovs_stop
ovs_appctl() { ovs-appctl --timeout=60 -t "$OVSD/run/ovs-vswitchd-dpdk.$OVS_PID.ctl" "$@"; }
ovs_start() {	# [command...]
	mkdir -p "$OVSD"/{db,run,log,etc}
	export OVS_RUNDIR=$OVSD/run OVS_LOGDIR=$OVSD/log OVS_DBDIR=$OVSD/db OVS_SYSCONFDIR=$OVSD/etc
	rm -f "$OVSD/db/conf.db"
	ovsdb-tool create "$OVSD/db/conf.db" /usr/share/openvswitch/vswitch.ovsschema >/dev/null ||
		die "ovsdb-tool create failed"
	ovsdb-server "$OVSD/db/conf.db" --remote="punix:$OVSD/run/db.sock" \
		--pidfile="$OVSD/run/ovsdb-server.pid" --log-file="$OVSD/log/ovsdb-server.log" \
		--no-chdir -vconsole:off >"$OVSD/log/ovsdb-stdout.log" 2>&1 &
	OVSDB_PID=$!
	PIDS+=("$OVSDB_PID")
	wait_for "[ -S $OVSD/run/db.sock ]"
	# EAL: 4 KiB pages as for the others (OVS adds --in-memory unless
	# --legacy-mem is given, and --no-huge needs legacy memory); its main
	# lcore on CPU 1, its one PMD thread on CPU 0; mempools sized per port.
	$VSCTL --no-wait init
	$VSCTL --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask=0x2 other_config:pmd-cpu-mask=0x1 \
		other_config:per-port-memory=true \
		"other_config:dpdk-extra=--no-pci --no-huge --legacy-mem -m 1024 --file-prefix $TAG-ovs --log-level=lib.vhost.config:warning"
	"$@" "$OVS_VSWITCHD" "unix:$OVSD/run/db.sock" --pidfile="$OVSD/run/ovs-vswitchd.pid" \
		--log-file="$OVSD/log/ovs-vswitchd.log" --no-chdir -vconsole:off \
		>"$OVSD/log/stdout.log" 2>&1 &
	OVS_PID=$!
	PIDS+=("$OVS_PID")
	$VSCTL add-br br0 -- set bridge br0 datapath_type=netdev ||
		die "ovs-vswitchd did not take the bridge"
	$VSCTL add-port br0 a -- set Interface a type=dpdkvhostuserclient \
		options:vhost-server-path="$T/a.sock" ofport_request=1 -- \
		add-port br0 b -- set Interface b type=dpdkvhostuserclient \
		options:vhost-server-path="$T/b.sock" ofport_request=2 || die "OVS ports"
}
ovs_stop() {
	[ -n "$OVS_PID" ] || return 0
	kill -TERM "$OVS_PID" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$OVS_PID" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$OVSDB_PID" 2>/dev/null
	kill -KILL "$OVS_PID" 2>/dev/null
	wait "$OVS_PID" "$OVSDB_PID" 2>/dev/null
	OVS_PID=
	unset OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
	rm -rf /var/run/dpdk/"$TAG"-ovs
}
# ovs_config normal|flow MACS: the NORMAL action with MACS MACs in its table
# (as the switch's sink pools: more entries, no traffic for them), or one
# port-to-port flow
ovs_config() {
	ovs-ofctl del-flows "$BR" || die "ovs-ofctl del-flows"
	ovs_appctl fdb/flush br0 >/dev/null
	if [ "$1" = normal ]; then
		ovs-ofctl add-flow "$BR" actions=NORMAL
		for i in $(seq 1 $(($2 - 2))); do
			ovs_appctl fdb/add br0 a 0 "$(extra_mac "$i")" >/dev/null
		done
	else
		ovs-ofctl add-flow "$BR" in_port=1,actions=output:2
	fi
}
# ovs_pmd_stats: "IDLE PROCESSING CYCLES_PER_PACKET" of its PMD thread since
# the last pmd-stats-clear (the last: OVS's own figure)
ovs_pmd_stats() {
	ovs_appctl dpif-netdev/pmd-stats-show | awk -F: '
		/^pmd thread/ {pmd = 1} /^main thread/ {pmd = 0} !pmd {next}
		/idle cycles/ {split($2, a, " "); i = a[1]}
		/ processing cycles:/ {split($2, a, " "); p = a[1]}
		/avg processing cycles per packet/ {split($2, a, " "); c = a[1]}
		END {printf "%d %d %.0f\n", i, p, c}'
}

# testpmd with two net_vhost ports, interactive (a FIFO on fd 8) so that its
# forwarding statistics can be cleared and read around a window
io_start() {	# [command...]
	mkfifo "$T/io.in"
	stdbuf -oL "$@" dpdk-testpmd -l 0,1 --main-lcore 1 $EAL -m 512 --file-prefix "$TAG-io" \
		--vdev "net_vhost0,iface=$T/a.sock,client=1" \
		--vdev "net_vhost1,iface=$T/b.sock,client=1" -- -i --nb-cores=1 --forward-mode=io \
		--record-core-cycles --rxd=1024 --txd=1024 --total-num-mbufs=32768 \
		<"$T/io.in" >"$T/io.log" 2>&1 &
	IO=$!
	PIDS+=("$IO")
	FWD=$IO
	exec 8>"$T/io.in"
	wait_for "grep -q 'testpmd> ' $T/io.log || ! kill -0 $IO 2>/dev/null" 3000
	echo start >&8
}
# io_busy: the busy TSC cycles testpmd counted since the last clear (it
# counts only iterations that forwarded frames)
io_busy() {
	local n
	n=$(wc -l <"$T/io.log")
	echo "show fwd stats all" >&8
	wait_for "tail -n +$((n + 1)) $T/io.log | grep -aq 'CPU cycles/packet'" 300
	tail -n +"$((n + 1))" "$T/io.log" | grep -ao 'total cycles=[0-9]*' | tail -n 1 | cut -d= -f2
}
io_stop() {
	echo stop >&8
	echo quit >&8
	exec 8>&-
	for _ in $(seq 1 100); do kill -0 "$IO" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$IO" 2>/dev/null
	wait "$IO" 2>/dev/null
	rm -f "$T/io.in"
}
