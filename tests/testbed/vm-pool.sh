#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed: VMs that take their devices from pools, and what
# happens when a VMM dies. One boot:
#   - vm run --device pool:nvme-vfs --device pool:edu --name vm1 --daemon:
#     both devices leased to vm1, on vfio-pci, the guest's edu suite passes;
#   - kill -9 of that VMM: vm list shows it dead; iopass gc releases both
#     leases (devices back as they were found) and drops the record; the
#     edu device is free for the next VM;
#   - two VMs take the pool's last two VFs (one as --nic pool:), a third is
#     refused with a clear message and leaves nothing behind, so is a NIC
#     with no VF left and no switch; vm stop ends both;
#   - --return borrows a function from a host driver and gives it back.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
export IOPASS_POOLS_CONF=/tmp/pools.conf

PF=$(find_bdf 1b36 0010)
EDU=$(find_bdf 1234 11e8)
[ -n "$PF" ] && [ -n "$EDU" ] || { bad devices "PF '$PF' edu '$EDU'"; exit 1; }
edu_driver0=$(driver_of "$EDU")
cat > /tmp/pools.conf <<CONF
[pool nvme-vfs]
pf = $PF

[pool edu]
vendor = 1234
device = 11e8
CONF
"$IOPASS" sriov enable "$PF" 2 >/dev/null 2>&1 && ok sriov_enable || { bad sriov_enable ""; exit 1; }

vmm_pid() { sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$1"; }
# Waits until the guest printed its edu results into the VM's log.
wait_log() { for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# --- a VM with two pool devices, killed with SIGKILL
out=$("$IOPASS" vm run --name vm1 --daemon --kernel "$GUEST" --mem 128M \
	--device pool:nvme-vfs --device pool:edu \
	--cmdline "suites=edu hold=1" 2>&1)
pid=$(vmm_pid "$out")
if [ -n "$pid" ]; then ok vm1_started "(pid $pid)"; else bad vm1_started "$out"; exit $fails; fi
held=$(leases_of vm:vm1)
VF=$(tr " " "\n" <<<"$held" | grep -v "^$EDU$")
[ "$(wc -w <<<"$held")" = 2 ] && [[ $held == *"$EDU"* ]] && ok vm1_leases "($held)" || bad vm1_leases "'$held'"
[ "$(driver_of "$EDU")" = vfio-pci ] && [ "$(driver_of "$VF")" = vfio-pci ] && ok vm1_on_vfio ||
	bad vm1_on_vfio "edu $(driver_of "$EDU") vf $(driver_of "$VF")"
log=$IOPASS_STATE_DIR/vms/vm1.log
if wait_log "$log" "^HOLD\|FAIL"; then :; fi
grep -q "^TEST edu.dma.* ok" "$log" && ! grep -q FAIL "$log" && ok vm1_guest_edu "($(grep -c '^TEST edu' "$log") edu tests)" ||
	bad vm1_guest_edu "$(grep -E '^TEST|FAIL' "$log" | tail -3)"

kill -9 "$pid"
# The lock goes with the VMM's last thread, a moment after the leader.
for _ in $(seq 100); do "$IOPASS" vm list | grep -qE "^vm1 +$pid dead" && break; sleep 0.1; done
"$IOPASS" vm list | grep -qE "^vm1 +$pid dead" && ok vm1_dead_listed || bad vm1_dead_listed "$("$IOPASS" vm list)"
gc=$("$IOPASS" gc 2>&1)
grep -q "released 2 orphaned leases" <<<"$gc" && grep -q "removed the record of VM 'vm1'" <<<"$gc" &&
	ok gc_after_kill || bad gc_after_kill "$gc"
[ -z "$(leases_of vm:vm1)" ] && ok gc_no_leases || bad gc_no_leases "$(leases_of vm:vm1)"
[ "$(driver_of "$EDU")" = "$edu_driver0" ] && [ -z "$(driver_of "$VF")" ] && ok gc_devices_back ||
	bad gc_devices_back "edu '$(driver_of "$EDU")' vf '$(driver_of "$VF")'"
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 128M --device pool:edu --cmdline suites=edu 2>&1)
rc=$?
[ $rc -eq 0 ] && guest_ok "$out" && ok edu_free_after_gc || bad edu_free_after_gc "rc=$rc $(tail -2 <<<"$out")"
[ "$(driver_of "$EDU")" = "$edu_driver0" ] && ok edu_released_after_run || bad edu_released_after_run "$(driver_of "$EDU")"

# --- the last VFs: two VMs get one each, the third is refused
# (vmb asks for its VF as a NIC: --nic pool: takes a free VF first)
pids=()
for n in a b; do
	what=(--device pool:nvme-vfs)
	[ $n = b ] && what=(--nic pool:nvme-vfs)
	out=$("$IOPASS" vm run --name "vm$n" --daemon --kernel "$GUEST" --mem 64M \
		"${what[@]}" --cmdline "suites=pci hold=1" 2>&1)
	pids+=("$(vmm_pid "$out")")
	[ $n = b ] && nicline=$(grep "nic0 pool:nvme-vfs" <<<"$out")
done
[ -n "${pids[0]}" ] && [ -n "${pids[1]}" ] && ok two_vms_two_vfs "($(leases_of vm:vma), $(leases_of vm:vmb))" ||
	bad two_vms_two_vfs "${pids[*]}"
grep -q "nic0 pool:nvme-vfs: vf $(leases_of vm:vmb) (a VF of the pool was free)" <<<"$nicline" &&
	ok nic_took_vf "($nicline)" || bad nic_took_vf "'$nicline'"
err=$("$IOPASS" vm run --name vmc --kernel "$GUEST" --mem 64M --device pool:nvme-vfs 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] && grep -q "no free device in pool nvme-vfs" <<<"$err" && ok third_refused "($(head -1 <<<"$err"))" ||
	bad third_refused "rc=$rc $err"
[ -z "$(leases_of vm:vmc)" ] && ! "$IOPASS" vm list | grep -q vmc && ok third_left_nothing || bad third_left_nothing ""
# A NIC with no VF left and a switch that cannot start (no lcore 7 on this
# one-CPU host): refused, saying each path's reason; nothing taken.
err=$(IOPASS_SWITCH_START_ARGS="--lcores 0,7 --no-huge --wait 20" "$IOPASS" vm run --name vmd \
	--kernel "$GUEST" --mem 64M --nic pool:nvme-vfs 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] && grep -q "no datapath: no VF (no free device in pool nvme-vfs" <<<"$err" &&
	grep -q "no vhost-user (iopass-switch did not start" <<<"$err" && ok nic_no_path_refused "($(grep "no datapath" <<<"$err"))" ||
	bad nic_no_path_refused "rc=$rc $err"
[ -z "$(leases_of vm:vmd)" ] && ! "$IOPASS" vm list | grep -q vmd &&
	[ -z "$(ls "$IOPASS_STATE_DIR/vhost" 2>/dev/null | grep owner)" ] && ok nic_no_path_left_nothing ||
	bad nic_no_path_left_nothing "$(ls "$IOPASS_STATE_DIR/vhost")"
for n in a b; do "$IOPASS" vm stop "vm$n" >/dev/null 2>&1; done
[ -z "$(leases_of vm:vma)$(leases_of vm:vmb)" ] && [ -z "$("$IOPASS" vm list | tail -n +2)" ] &&
	ok stop_released || bad stop_released "$("$IOPASS" leases)"

"$IOPASS" sriov disable "$PF" >/dev/null 2>&1 && ok sriov_disable || bad sriov_disable ""

# --- --return: a function on a host driver, borrowed for one run (the PF
# itself: vfio-pci takes a PF only while it has no VFs)
NVDRV=$(driver_of "$PF")
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$PF" --cmdline suites=pci 2>&1)
[ $? -eq 2 ] && grep -q "iopass bind" <<<"$out" && ok no_return_refused || bad no_return_refused "$out"
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 64M --device "$PF" --return \
	--cmdline "suites=pci pci.expect=1b36:0010" 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "borrowed from $NVDRV" <<<"$out" && ok return_borrowed || bad return_borrowed "rc=$rc $(grep iopass: <<<"$out" | tail -2)"
[ "$(driver_of "$PF")" = "$NVDRV" ] && ok return_given_back "($NVDRV)" || bad return_given_back "$(driver_of "$PF")"

echo "# failed checks: $fails"
exit $fails
