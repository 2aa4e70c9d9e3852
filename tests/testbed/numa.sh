#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed booted with two NUMA nodes (CPU 0 and 1 GiB on
# node 0, CPU 1 and 1 GiB on node 1) and two pxb-pcie host bridges, one on
# each node, each with an edu behind a root port (issue 18): placement.
#   - iopass list --json shows each edu's node;
#   - vm run with the node-1 edu: guest RAM preferred on node 1 and its pages
#     there (/proc/PID/numa_maps), its vCPU thread on node 1's CPU only;
#   - --numa 0 with the same edu: the operator wins, and it is said;
#   - an edu of each node: a warning naming both, the VM still runs.
# One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh

[ "$(cat /sys/devices/system/node/online)" = 0-1 ] && ok "two NUMA nodes" ||
	{ bad nodes "online: $(cat /sys/devices/system/node/online)"; exit 1; }
N0=; N1=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] || continue
	case $(cat "$d/numa_node") in
	0) N0=$(basename "$d") ;;
	1) N1=$(basename "$d") ;;
	esac
done
[ -n "$N0" ] && [ -n "$N1" ] && ok "edu $N0 on node 0, edu $N1 on node 1" ||
	{ bad devices "node 0: '$N0', node 1: '$N1'"; exit 1; }
"$IOPASS" list --json | python3 -c "
import json, sys
n = {f['bdf']: f['numa_node'] for f in json.load(sys.stdin)}
assert n['$N0'] == 0 and n['$N1'] == 1, n" && ok "list --json: numa_node 0 and 1" || bad list_json "-"
for d in "$N0" "$N1"; do "$IOPASS" bind "$d" >/dev/null 2>&1; done
[ "$(driver_of "$N0")$(driver_of "$N1")" = vfio-pcivfio-pci ] && ok "both on vfio-pci" || bad bind "-"

# The VMM of a running VM (--daemon): where its RAM is, where its vCPUs run.
vmm_pid=
start() { # name, vm run args...
	local name=$1 out
	shift
	out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --cmdline hold=1 --name "$name" --daemon "$@" 2>&1)
	echo "$out" | grep -E "NUMA|warning"
	vmm_pid=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
	LAST=$out
}
. tests/l1/guest_ram.sh
ram() { guest_ram_numa "$vmm_pid" $((64 << 20)); }
vcpu_cpus() { grep -h '^Cpus_allowed_list' $(grep -l '^vcpu' /proc/"$vmm_pid"/task/*/comm | sed 's/comm$/status/') | awk '{print $2}' | sort -u; }

# --- the node-1 edu: everything on node 1
start n1 --device "$N1"
[ -n "$vmm_pid" ] && ok "VM with the node-1 edu runs (pid $vmm_pid)" || bad start_n1 "$LAST"
grep -q "^iopass: NUMA node 1: guest RAM and 1 vCPU (the node of 1 of its 1 device)$" <<<"$LAST" &&
	ok "says node 1 and why" || bad says_n1 "$LAST"
r=$(ram); echo "$r"
grep -q ' prefer:1 ' <<<"$r" && ok "guest RAM preferred on node 1" || bad prefer1 "$r"
# VFIO pinned all of it: every page is there, on node 1 only.
grep -qE ' N1=[0-9]+' <<<"$r" && ! grep -q ' N0=' <<<"$r" && ok "its pages on node 1 only" || bad pages_n1 "$r"
c=$(vcpu_cpus)
[ "$c" = "$(cat /sys/devices/system/node/node1/cpulist)" ] && ok "vCPU thread on node 1's CPU ($c)" ||
	bad vcpu_n1 "allowed '$c'"
"$IOPASS" vm list --json | python3 -c "
import json, sys; assert json.load(sys.stdin)[0]['numa_node'] == 1" && ok "vm list --json: numa_node 1" ||
	bad vm_list_node "-"
"$IOPASS" vm stop n1 >/dev/null || bad stop_n1 "-"

# --- --numa 0 with the node-1 edu: the operator's node
start n0 --device "$N1" --numa 0
grep -q "^iopass: NUMA node 0: guest RAM and 1 vCPU (--numa 0; its devices are elsewhere)$" <<<"$LAST" &&
	ok "--numa 0 wins and says the devices are elsewhere" || bad says_n0 "$LAST"
r=$(ram)
grep -q ' prefer:0 ' <<<"$r" && grep -qE ' N0=[0-9]+' <<<"$r" && ! grep -q ' N1=' <<<"$r" &&
	ok "guest RAM on node 0" || bad pages_n0 "$r"
c=$(vcpu_cpus)
[ "$c" = "$(cat /sys/devices/system/node/node0/cpulist)" ] && ok "vCPU thread on node 0's CPU ($c)" ||
	bad vcpu_n0 "allowed '$c'"
"$IOPASS" vm stop n0 >/dev/null || bad stop_n0 "-"

# --- one edu of each node: a warning naming both; the VM runs anyway
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$N0" --device "$N1" \
	--cmdline "suites=pci" 2>&1); rc=$?
grep -q "^iopass: warning: the devices span NUMA nodes ($N0 on node 0, $N1 on node 1): DMA of those off node 0 crosses nodes" <<<"$out" &&
	ok "spanning devices: a warning naming each" || bad span_warning "$(grep -i numa <<<"$out")"
[ $rc -eq 0 ] && guest_ok "$out" && ok "and the VM runs (rc 0)" || bad span_rc "rc=$rc: $(tail -3 <<<"$out")"

for d in "$N0" "$N1"; do "$IOPASS" restore "$d" >/dev/null 2>&1; done
echo "numa: $fails failed"
exit $fails
