#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iopass-switch --metrics (issue 18): an uplink (net_virtio_user to testpmd
# C's net_vhost), guest A (testpmd net_virtio_user) and a sink port. After
# traffic both ways, /metrics is scraped with curl, validated with promtool
# check metrics, and its counters must equal `iopass switch stats`'s; the
# link states follow the guest; anything but GET /metrics is refused.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { echo "SKIP: promtool not installed (apt-get install prometheus)"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/metrics
MA=52:54:00:00:0c:01
MS=52:54:00:00:0c:02

tp_start C "net_vhost0,iface=$T/up.sock"
sw_start metrics --vdev "net_virtio_user0,path=$T/up.sock,mac=02:00:00:00:0c:fe" -- \
	--metrics "127.0.0.1:$PORT" --port "a mac=$MA" --port "s mac=$MS mode=sink"
tp_start A "net_virtio_user0,path=$IOPASS_STATE_DIR/vhost/a.sock,mac=$MA"
check port-a-up wait_port a up

# The value of one sample: metric{labels} as written.
metric() { grep -F "$1 " "$T/m.txt" | awk '{print $NF}'; }
scrape() { curl -sf "$URL" >"$T/m.txt"; }

# Guest A to the sink, then the network (C) to A through the uplink.
send A s "$MS" 2
tp_cmd A "set fwd rxonly"
tp_cmd A start
tp_cmd C "set fwd txonly"
tp_cmd C "set eth-peer 0 $MA"
run_for C 2
sleep 1
tp_cmd A stop

check scrape scrape
check promtool-check-metrics bash -c "promtool check metrics <'$T/m.txt'"
echo "--- /metrics (first lines)"
head -n 12 "$T/m.txt"
grep -E '^iopass_switch_(port|pool|uplink)_[a-z_]+\{' "$T/m.txt" | head -n 40
echo "---"
check content-type bash -c "curl -sfI '$URL' | grep -qi '^content-type: text/plain; version=0.0.4'"

arx=$(swget port a rx_packets)
check a-sent-frames test "${arx:-0}" -gt 1000
check port-a-rx test "$(metric 'iopass_switch_port_rx_packets_total{port="a"}')" = "$arx"
check port-a-rx-bytes test "$(metric 'iopass_switch_port_rx_bytes_total{port="a"}')" = "$(swget port a rx_bytes)"
check port-a-tx test "$(metric 'iopass_switch_port_tx_packets_total{port="a"}')" = "$(swget port a tx_packets)"
check port-a-tx-drops test "$(metric 'iopass_switch_port_tx_drops_total{port="a"}')" = "$(swget port a tx_drops)"
check pool-s test "$(metric 'iopass_switch_pool_packets_total{pool="1",port="s"}')" = "$(swget pool s packets)"
check pool-s-got-a test "$(swget pool s packets)" = "$arx"
check uplink-rx test "$(metric "iopass_switch_uplink_rx_packets_total{uplink=\"net_virtio_user0\"}")" = "$(swget uplink rx_packets)"
urx=$(swget uplink rx_packets)
check uplink-got-frames test "${urx:-0}" -gt 1000
# The NIC's own counters, per queue: what the workers took, nothing missed.
hw=$(metric 'iopass_switch_uplink_hw_rx_packets_total{uplink="net_virtio_user0"}')
q0=$(metric 'iopass_switch_uplink_queue_rx_packets_total{uplink="net_virtio_user0",queue="0"}')
check hw-rx-counts-all test "$hw" = "$urx"
check hw-queue0-counts-all test "$q0" = "$urx"
check uplink-link-up test "$(metric 'iopass_switch_uplink_up{uplink="net_virtio_user0"}')" = 1
check port-a-up-gauge test "$(metric 'iopass_switch_port_up{port="a"}')" = 1
check port-s-sink-up test "$(metric 'iopass_switch_port_up{port="s"}')" = 1
check info bash -c "grep -q '^iopass_switch_info{classifier=\"software\",uplink=\"net_virtio_user0\",lossless=\"no\"} 1$' '$T/m.txt'"

# A gone: its port is down on the next scrape.
tp_quit A
check port-a-down bash -c "for i in \$(seq 50); do curl -sf '$URL' | grep -q '^iopass_switch_port_up{port=\"a\"} 0$' && exit 0; sleep 0.1; done; exit 1"
check not-found test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 404
check post-refused test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")" = 405
check control-still-answers "$IOPASS" switch stats
check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
tp_quit C
finish
