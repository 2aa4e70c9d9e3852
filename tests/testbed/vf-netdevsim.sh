#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `iopass vf` against the kernel's own SR-IOV VF code: netdevsim implements
# ndo_set_vf_* / ndo_get_vf_config, so RTM_SETLINK/RTM_GETLINK go through
# the real rtnetlink paths. Every value set is read back twice: through
# `iopass vf show --json` and through iproute2's `ip -j link show`, an
# independent reader. One "PASS:"/"FAIL:" line per check; exit 0 when all
# pass, 1 when any failed, 77 when netdevsim cannot be had (a skip).
#
#   tests/testbed/run --build-dir BUILD -- tests/testbed/vf-netdevsim.sh
#
# Debian's kernels are built without CONFIG_NETDEVSIM. On the host,
#   tests/testbed/vf-netdevsim.sh --build-module [--build-dir BUILD] [--kernel VERSION]
# builds netdevsim.ko out of tree (needs linux-headers-VERSION and the
# matching linux-source-6.1) into BUILD/testbed/netdevsim/VERSION/, where this
# script finds it inside the testbed (IOPASS_NETDEVSIM_KO overrides).
set -u

PROG=${0##*/}
NSIM_ID=${NSIM_ID:-10}
NUM_VFS=4

# ------------------------------------------------------- --build-module

default_kernel() {
	# The testbed runner's choice: the newest kernel with its modules.
	local v best=
	for v in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V); do
		[[ -f /lib/modules/$v/modules.dep ]] && best=$v
	done
	echo "$best"
}

build_module() {
	local build_dir=${IOPASS_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build} kver= src tmp out
	while (($#)); do
		case $1 in
		--build-dir) build_dir=$2; shift 2 ;;
		--kernel) kver=$2; shift 2 ;;
		*) echo "$PROG: unknown argument '$1' to --build-module" >&2; return 2 ;;
		esac
	done
	[[ -n $kver ]] || kver=$(default_kernel)
	out=$build_dir/testbed/netdevsim/$kver
	if [[ -f $out/netdevsim.ko && $out/netdevsim.ko -nt /lib/modules/$kver/modules.dep ]]; then
		echo "$PROG: $out/netdevsim.ko is up to date"
		return 0
	fi
	if modinfo -k "$kver" netdevsim >/dev/null 2>&1; then
		echo "$PROG: kernel $kver has netdevsim already; nothing to build"
		return 0
	fi
	[[ -d /lib/modules/$kver/build ]] || {
		echo "$PROG: no kernel headers for $kver: apt-get install linux-headers-$kver" >&2
		return 2
	}
	src=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
	[[ -n $src ]] || {
		echo "$PROG: no kernel source: apt-get install linux-source-${kver%%.*}.$(echo "$kver" | cut -d. -f2)" >&2
		return 2
	}
	tmp=$(mktemp -d) || return 1
	local top
	top=$(basename "$src" .tar.xz)
	if ! tar -xJf "$src" -C "$tmp" "$top/drivers/net/netdevsim"; then
		echo "$PROG: cannot extract drivers/net/netdevsim from $src" >&2
		rm -rf "$tmp"
		return 1
	fi
	if ! make -s -C "/lib/modules/$kver/build" M="$tmp/$top/drivers/net/netdevsim" \
		CONFIG_NETDEVSIM=m modules >"$tmp/build.log" 2>&1; then
		tail -n 30 "$tmp/build.log" >&2
		echo "$PROG: building netdevsim for $kver failed" >&2
		rm -rf "$tmp"
		return 1
	fi
	mkdir -p "$out" && cp "$tmp/$top/drivers/net/netdevsim/netdevsim.ko" "$out/" || {
		rm -rf "$tmp"
		return 1
	}
	rm -rf "$tmp"
	echo "$PROG: built $out/netdevsim.ko (from $(basename "$src"))"
}

if [[ ${1:-} == --build-module ]]; then
	shift
	build_module "$@"
	exit
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '3,19s/^# \{0,1\}//p' "$0"
	exit 0
fi

# ----------------------------------------------------------- the checks

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# check DESCRIPTION COMMAND...: PASS when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
skip() {
	echo "SKIP: $*"
	exit 77
}

[[ $(id -u) == 0 ]] || skip "needs root (run it inside tests/testbed/run)"
command -v iopass >/dev/null || skip "no iopass in PATH ($PATH)"
command -v jq >/dev/null || skip "needs jq to read JSON"

kver=$(uname -r)
load_netdevsim() {
	[[ -d /sys/bus/netdevsim ]] && return 0
	modprobe netdevsim 2>/dev/null && return 0
	local ko=${IOPASS_NETDEVSIM_KO:-${IOPASS_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}/testbed/netdevsim/$kver/netdevsim.ko}
	[[ -f $ko ]] || return 1
	local deps
	deps=$(modinfo -F depends "$ko" 2>/dev/null | tr ',' ' ')
	[[ -z $deps ]] || modprobe -a $deps || return 1
	insmod "$ko"
}
load_netdevsim || skip "no netdevsim for kernel $kver (Debian builds without CONFIG_NETDEVSIM): run '$0 --build-module --build-dir BUILD' on the host first"

STATE=$(mktemp -d /tmp/vf-netdevsim-state.XXXXXX)
export IOPASS_STATE_DIR=$STATE
DEV=/sys/bus/netdevsim/devices/netdevsim$NSIM_ID
cleanup() {
	[[ -d $DEV ]] && echo "$NSIM_ID" >/sys/bus/netdevsim/del_device 2>/dev/null
	rm -rf "$STATE"
}
trap cleanup EXIT

echo "$NSIM_ID 1" >/sys/bus/netdevsim/new_device || skip "cannot create netdevsim$NSIM_ID"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[[ -n $(ls "$DEV/net" 2>/dev/null) ]] && break
	sleep 0.2
done
PF=$(ls "$DEV/net" 2>/dev/null | head -n1)
[[ -n $PF ]] || skip "netdevsim$NSIM_ID has no network interface"
check "create $NUM_VFS VFs on netdevsim$NSIM_ID ($PF)" \
	sh -c "echo $NUM_VFS > $DEV/sriov_numvfs"
echo "info: kernel $kver, PF $PF, netdevsim$NSIM_ID, state dir $STATE"

# ip_vf N FILTER: jq FILTER on VF N of iproute2's view of the PF.
ip_vf() {
	ip -j link show dev "$PF" | jq -r --argjson n "$1" \
		".[0].vfinfo_list[] | select(.vf == \$n) | $2"
}
# iopass_vf N FILTER: the same through `iopass vf show --json`.
iopass_vf() {
	iopass vf show "$PF" --json | jq -r --argjson n "$1" \
		".vfs[] | select(.vf == \$n) | $2"
}
# Both readers' view of VF N as one comparable line.
IP_FMT='"\(.address) \(.vlan_list[0].vlan // 0) \(.vlan_list[0].qos // 0) \(.vlan_list[0].protocol // "802.1Q") \(.spoofchk) \(.trust) \(.link_state) \(.rate.min_tx // 0) \(.rate.max_tx // 0)"'
IOPASS_FMT='"\(.mac) \(.vlan) \(.qos) \(.vlan_proto) \(.spoofchk) \(.trust) \(.link_state) \(.min_tx_rate) \(.max_tx_rate)"'
# expect WHAT N "MAC VLAN QOS PROTO SPOOFCHK TRUST STATE MIN MAX" (case-folded)
expect() {
	local what=$1 n=$2 want=${3,,} a b
	a=$(iopass_vf "$n" "$IOPASS_FMT")
	b=$(ip_vf "$n" "$IP_FMT")
	a=${a,,} b=${b,,}
	if [[ $a == "$want" ]]; then ok "$what: iopass vf show reads '$a'"
	else bad "$what: iopass vf show reads '$a', wanted '$want'"; fi
	if [[ $b == "$want" ]]; then ok "$what: ip -j link show reads '$b'"
	else bad "$what: ip -j link show reads '$b', wanted '$want'"; fi
}
# run_rc WANT_RC OUTVAR CMD...: runs CMD, keeps its merged output in OUTVAR.
run_rc() {
	local _want=$1 _var=$2 _out _rc
	shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	printf -v "$_var" '%s' "$_out"
	[[ $_rc == "$_want" ]] || { echo "  (exit $_rc, wanted $_want: $_out)"; return 1; }
}
out=
record=$STATE/vf/netdevsim$NSIM_ID-vf1.json

n=$(iopass vf show "$PF" --json | jq '.num_vfs')
check "iopass vf show: num_vfs is $NUM_VFS (got $n)" test "$n" = "$NUM_VFS"
n=$(iopass vf show "$PF" --json | jq '.vfs | length')
check "iopass vf show: $NUM_VFS VF entries (got $n)" test "$n" = "$NUM_VFS"
check "iopass vf show (text) lists VF 3" sh -c "iopass vf show $PF | grep -q '^3 '"
orig=$(ip_vf 1 "$IP_FMT")
echo "info: VF 1 originally: $orig"
o_iopass=$(iopass_vf 1 "$IOPASS_FMT")
check "the two readers agree on VF 1's original settings ('$o_iopass')" \
	test "${orig,,}" = "${o_iopass,,}"

# --- a down PF: refused with the fix, nothing saved
ip link set "$PF" down
check "PF down: 'vf set' exits 2" run_rc 2 out iopass vf set "$PF" 1 trust on
check "PF down: the error says 'ip link set $PF up'" \
	grep -q "ip link set $PF up" <<<"$out"
check "PF down: no record saved" test ! -e "$record"
ip link set "$PF" up

# --- input errors and range
check "VF $NUM_VFS out of range: exit 2" run_rc 2 out iopass vf set "$PF" "$NUM_VFS" trust on
check "VF out of range: the error gives the range" \
	grep -q "no VF $NUM_VFS (the PF has $NUM_VFS VFs, numbered 0-$((NUM_VFS - 1)))" <<<"$out"
check "multicast MAC refused: exit 2" run_rc 2 out iopass vf set "$PF" 1 mac 01:00:5e:00:00:01

# --- a read-only state directory: saving fails, nothing changes
check "read-only state dir: 'vf set' fails (exit 1)" \
	run_rc 1 out env IOPASS_STATE_DIR=/usr/share/iopass-vf-test iopass vf set "$PF" 1 trust on
check "read-only state dir: the error names the state directory" \
	grep -q "state directory\|/usr/share/iopass-vf-test" <<<"$out"
check "read-only state dir: VF 1 unchanged" test "$(ip_vf 1 "$IP_FMT")" = "$orig"

# --- dry run
check "dry run: exit 0" run_rc 0 out iopass vf set "$PF" 1 mac 02:00:00:00:01:01 trust on --dry-run
check "dry run: says what would change" grep -q "would set mac .* -> 02:00:00:00:01:01" <<<"$out"
check "dry run: VF 1 unchanged" test "$(ip_vf 1 "$IP_FMT")" = "$orig"
check "dry run: no record saved" test ! -e "$record"

# --- every field at once
read -r _ _ _ _ o_spoof o_trust _ _ _ <<<"$orig"
[[ $o_spoof == true ]] && n_spoof=off n_spoof_b=false || { n_spoof=on; n_spoof_b=true; }
[[ $o_trust == true ]] && n_trust=off n_trust_b=false || { n_trust=on; n_trust_b=true; }
check "vf set mac/vlan/qos/spoofchk/trust/state/rates: exit 0" \
	run_rc 0 out iopass vf set "$PF" 1 mac 02:00:00:00:01:01 vlan 100 qos 3 \
	spoofchk "$n_spoof" trust "$n_trust" state disable min-rate 100 max-rate 1000
echo "$out" | sed 's/^/  /'
expect "after set" 1 "02:00:00:00:01:01 100 3 802.1Q $n_spoof_b $n_trust_b disable 100 1000"
check "the original was saved in $record" test -s "$record"
check "the record holds the original MAC" \
	test "$(jq -r .mac "$record")" = "$(awk '{print $1}' <<<"$orig")"
saved=$(cat "$record" 2>/dev/null)

# --- single fields, 802.1ad, link states, rates
check "vf set vlan 200 proto 802.1ad: exit 0" \
	run_rc 0 out iopass vf set "$PF" 1 vlan 200 proto 802.1ad
expect "after vlan 200 proto 802.1ad" 1 \
	"02:00:00:00:01:01 200 0 802.1ad $n_spoof_b $n_trust_b disable 100 1000"
check "vf set state enable: exit 0" run_rc 0 out iopass vf set "$PF" 1 state enable
check "state enable reads back (ip)" test "$(ip_vf 1 .link_state)" = enable
check "vf set max-rate 500 keeps min-rate 100: exit 0" \
	run_rc 0 out iopass vf set "$PF" 1 max-rate 500
check "rates read back (ip): min 100 max 500" \
	test "$(ip_vf 1 '"\(.rate.min_tx) \(.rate.max_tx)"')" = "100 500"
check "min-rate above max-rate refused before any change: exit 2" \
	run_rc 2 out iopass vf set "$PF" 1 min-rate 600
check "setting the same value again: nothing to change" \
	sh -c "iopass vf set $PF 1 state enable | grep -q 'nothing to change'"
check "later changes did not overwrite the record" test "$(cat "$record")" = "$saved"
check "vf show marks VF 1 saved" test "$(iopass_vf 1 .saved)" = true
check "vf show marks VF 0 not saved" test "$(iopass_vf 0 .saved)" = false
check "VF 0 untouched by the changes to VF 1" \
	test "$(ip_vf 0 "$IP_FMT")" = "$orig"

# --- restore
check "restore --dry-run: exit 0" run_rc 0 out iopass vf restore "$PF" 1 --dry-run
check "restore --dry-run: lists the changes" grep -q "would restore mac" <<<"$out"
check "restore --dry-run: record kept" test -e "$record"
check "vf restore: exit 0" run_rc 0 out iopass vf restore "$PF" 1
echo "$out" | sed 's/^/  /'
expect "after restore" 1 "$orig"
check "restore removed the record" test ! -e "$record"
check "a second restore: exit 1, nothing saved" run_rc 1 out iopass vf restore "$PF" 1
check "a second restore says so" grep -q "no saved settings for $PF VF 1" <<<"$out"

# --- PF by name only (netdevsim has no BDF) and a MAC clear on VF 2
check "vf set VF 2 mac: exit 0" run_rc 0 out iopass vf set "$PF" 2 mac 02:00:00:00:02:02
check "vf set VF 2 mac 00:00:00:00:00:00 (clear): exit 0" \
	run_rc 0 out iopass vf set "$PF" 2 mac 00:00:00:00:00:00
check "VF 2 MAC cleared (ip)" test "$(ip_vf 2 .address)" = 00:00:00:00:00:00
check "vf restore VF 2: exit 0" run_rc 0 out iopass vf restore "$PF" 2

# --- a PF named by its PCI address (the testbed's e1000e: no SR-IOV)
pci_if=$(ls -d /sys/bus/pci/devices/*/net/* 2>/dev/null | head -n1)
if [[ -n $pci_if ]]; then
	bdf=$(basename "$(dirname "$(dirname "$pci_if")")")
	check "PF by PCI address: vf show $bdf reads ${pci_if##*/}" \
		test "$(iopass vf show "$bdf" --json | jq -r '"\(.ifname) \(.pf)"')" = "${pci_if##*/} $bdf"
	check "PF by PCI address without VFs: vf set exits 2 (no VF 0)" \
		run_rc 2 out iopass vf set "$bdf" 0 trust on
	check "... saying 'no VF 0 (the PF has 0 VFs)'" grep -q "no VF 0 (the PF has 0 VFs)" <<<"$out"
fi

echo "vf-netdevsim: $pass passed, $fail failed"
((fail == 0))
