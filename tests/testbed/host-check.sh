#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed: `iopass host check` against the real kernel.
#   host-check.sh good    booted with intel_iommu=on iommu=pt hugepages=32: no
#                         finding fails; then faults injected at run time
#                         (VFIO modules unloaded, hugepages given back, a user
#                         without CAP_IPC_LOCK and a low memlock limit), each
#                         named with its fix, and the fix applied clears it.
#   host-check.sh faulty  booted with intel_iommu=off (without the parameter
#                         Debian's kernel turns VT-d on by itself), VFIO
#                         modules unloaded, no hugepages: each fault named
#                         with its fix, exit status 1.
# One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh

mode=${1:-good}
OUT=/tmp/host-check.out

# Runs host check (args...), keeping its output in $OUT; returns its status.
hc() {
	"$IOPASS" host check "$@" >"$OUT" 2>&1
}
# The finding's level (ok/warn/fail) and its seen/fix, from the JSON.
finding() { # check field
	"$IOPASS" host check --json 2>/dev/null | python3 -c "
import json, sys
for f in json.load(sys.stdin)['findings']:
    if f['check'] == sys.argv[1]:
        print(f[sys.argv[2]] or '')
        break
else:
    print('absent')" "$1" "$2"
}
expect() { # name check level [fix-part]
	local name=$1 check=$2 level=$3 want=${4:-} got fix
	got=$(finding "$check" level)
	fix=$(finding "$check" fix)
	if [ "$got" = "$level" ] && { [ -z "$want" ] || grep -qF -- "$want" <<<"$fix"; }; then
		ok "$name" "($check $level${want:+, fix: $want})"
	else
		bad "$name" "$check is '$got' (wanted $level), fix '$fix' (wanted '$want'); seen: $(finding "$check" seen)"
	fi
}

EDU=$(find_bdf 1234 11e8)
PF=$(find_bdf 1b36 0010)
[ -n "$EDU" ] && [ -n "$PF" ] || { echo "CHECK devices FAIL edu=$EDU pf=$PF"; exit 1; }

if [ "$mode" = good ]; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs hugetlbfs /dev/hugepages
	hc && ok "host check exits 0 on a good host" || bad good_rc "rc=$?: $(grep -E '^FAIL' -A2 "$OUT" | tr '\n' ' ')"
	echo "---- iopass host check (good host) ----"
	cat "$OUT"
	echo "----"
	grep -q '^FAIL' "$OUT" && bad no_fail "$(grep '^FAIL' "$OUT")" || ok "no finding fails"
	expect iommu_on iommu ok
	expect iommu_pt iommu_passthrough ok
	expect intremap interrupt_remapping ok
	expect vfio vfio_modules ok
	expect dev_vfio dev_vfio ok
	expect kvm kvm ok
	expect nested kvm_nested ok
	expect hugepages hugepages ok
	expect hugetlbfs hugetlbfs ok
	expect memlock_root memlock ok
	expect pf_listed "sriov-$PF" ok
	expect edu_no_reset "reset-$EDU" warn "root bus"
	grep -q "0 of 4 VFs" <<<"$(finding "sriov-$PF" seen)" && ok "PF's VF count shown" || bad pf_vfs "$(finding "sriov-$PF" seen)"
	"$IOPASS" host check --json | python3 -c "
import json, sys
d = json.load(sys.stdin)
s = d['summary']
assert s['fail'] == 0 and s['ok'] + s['warn'] == len(d['findings']), s
assert all(f['level'] in ('ok', 'warn', 'fail') and f['seen'] for f in d['findings'])
assert all((f['fix'] is None) == (f['level'] == 'ok') for f in d['findings'])" &&
		ok "--json: a finding each with seen, fix only when not ok" || bad json "bad JSON"

	# Fault: the VFIO modules unloaded; the fix the finding names loads them.
	modprobe -r vfio_pci vfio_iommu_type1
	hc; rc=$?
	[ $rc -eq 1 ] && ok "exit 1 with vfio_pci unloaded" || bad vfio_rc "rc=$rc"
	expect vfio_unloaded vfio_modules fail "modprobe vfio-pci vfio_iommu_type1"
	grep -q "vfio_pci, vfio_iommu_type1$" <<<"$(finding vfio_modules seen)" && ok "names both missing modules" ||
		bad vfio_seen "$(finding vfio_modules seen)"
	fix=$(finding vfio_modules fix)
	${fix%%;*}
	hc && ok "'${fix%%;*}' (the fix) clears it" || bad vfio_fixed "rc=$?: $(grep -A2 '^FAIL' "$OUT")"

	# Fault: no hugepages; the sysctl in the fix brings them back.
	echo 0 >/proc/sys/vm/nr_hugepages
	expect hugepages_gone hugepages warn "sysctl -w vm.nr_hugepages=N"
	hc && ok "hugepages missing is a warning (exit 0)" || bad huge_rc "rc=$?"
	sysctl -q -w vm.nr_hugepages=16
	expect hugepages_back hugepages ok

	# Fault: a user without CAP_IPC_LOCK under a 64 KiB memlock limit.
	out=$(ulimit -l 64; setpriv --reuid 65534 --regid 65534 --clear-groups \
		env IOPASS_STATE_DIR=/tmp/nobody-state "$IOPASS" host check --json --mem 512M)
	python3 -c "
import json, sys
f = {x['check']: x for x in json.load(sys.stdin)['findings']}
m, k = f['memlock'], f['kvm']
assert m['level'] == 'fail' and '64 KiB' in m['seen'] and '512 MiB' in m['seen'], m
assert 'limits.d' in m['fix'] and 'LimitMEMLOCK=infinity' in m['fix'], m
assert k['level'] == 'fail' and 'cannot open it read-write' in k['seen'], k
print('CHECK memlock_nobody ok (' + m['seen'] + ')')" <<<"$out" || bad memlock_nobody "$out"
	out=$(ulimit -l 64; "$IOPASS" host check --json --mem 512M)
	python3 -c "
import json, sys
m = [x for x in json.load(sys.stdin)['findings'] if x['check'] == 'memlock'][0]
assert m['level'] == 'ok' and 'CAP_IPC_LOCK' in m['seen'], m" <<<"$out" &&
		ok "root under the same limit: CAP_IPC_LOCK, ok" || bad memlock_root_low "$out"
else
	modprobe -r vfio_pci vfio_iommu_type1 vfio
	hc; rc=$?
	echo "---- iopass host check (booted with intel_iommu=off, VFIO unloaded, no hugepages) ----"
	cat "$OUT"
	echo "----"
	[ $rc -eq 1 ] && ok "host check exits 1" || bad faulty_rc "rc=$rc"
	expect iommu_off iommu fail "replace intel_iommu=off by intel_iommu=on"
	grep -q "no IOMMU groups" <<<"$(finding iommu seen)" && ok "no IOMMU groups named" || bad iommu_seen "$(finding iommu seen)"
	expect dmar_table iommu_firmware ok
	expect vfio_gone vfio_modules fail "modprobe vfio-pci"
	expect dev_vfio_gone dev_vfio fail "modprobe vfio"
	expect no_hugepages hugepages warn "vm.nr_hugepages"
	# Interrupt remapping does not need DMA remapping: name what the kernel did.
	ir=$(finding interrupt_remapping level)
	if [ "$ir" = ok ] || { [ "$ir" = fail ] && grep -q "enable the IOMMU first" <<<"$(finding interrupt_remapping fix)"; }; then
		ok "interrupt remapping reported ($ir: $(finding interrupt_remapping seen))"
	else
		bad intremap "$ir: $(finding interrupt_remapping seen)"
	fi
	grep -q '^FAIL  group-\|^WARN  group-' "$OUT" && bad no_groups "group findings without an IOMMU" ||
		ok "no group findings without an IOMMU"
fi

echo "host-check $mode: $fails failed"
exit $fails
