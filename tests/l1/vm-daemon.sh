#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# VMs in the background: --config, --name, --daemon, vm list, vm stop, a
# name taken twice, a VMM killed with SIGKILL then collected by iopass gc.
# usage: vm-daemon.sh IOPASS TESTGUEST.ELF
set -u
iopass=$1
guest=$2
. "$(dirname "$0")/need_kvm.sh"
need_kvm "$(dirname "$iopass")/kvm_probe"
export IOPASS_STATE_DIR=$(mktemp -d /tmp/iopass-l1-vms.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$IOPASS_STATE_DIR"
}
trap cleanup EXIT
fails=0
gone() {	# no such process, or a zombie nobody reaped yet
	! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
check() {	# name, then a command that must succeed
	local name=$1; shift
	if "$@"; then echo "CHECK $name ok"; else echo "CHECK $name FAIL"; fails=$((fails + 1)); fi
}

conf=$IOPASS_STATE_DIR/web1.conf
cat >"$conf" <<CONF
# a VM that runs until stopped
kernel  = $guest
mem     = 64M
cmdline = hold=1
testdev = yes
name    = web1
daemon  = yes
CONF

out=$("$iopass" vm run --config "$conf" 2>&1); rc=$?
check daemon_starts [ $rc -eq 0 ]
check daemon_says_pid grep -qE "^started VM 'web1' \(VMM pid [0-9]+\)" <<<"$out"
pid=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
pids+=("$pid")
check daemon_alive kill -0 "$pid"

list=$("$iopass" vm list)
check list_running grep -qE "^web1 +$pid running" <<<"$list"
json=$("$iopass" vm list --json)
check list_json python3 -c "
import json,sys; v=json.loads(sys.argv[1]); assert v[0]['name']=='web1' and v[0]['alive'] and v[0]['mem']==64<<20" "$json"

err=$("$iopass" vm run --config "$conf" 2>&1 >/dev/null); rc=$?
check name_taken_refused [ $rc -eq 2 ]
check name_taken_message grep -q "a VM named 'web1' is already running (pid $pid)" <<<"$err"
check log_kept grep -q "^iopass testguest" "$IOPASS_STATE_DIR/vms/web1.log"

out=$("$iopass" vm stop web1 2>&1); rc=$?
check stop_ok [ $rc -eq 0 ]
for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
check stop_vmm_gone gone "$pid"
check stop_record_gone bash -c "! '$iopass' vm list | grep -q web1"
err=$("$iopass" vm stop web1 2>&1); rc=$?
check stop_unknown [ $rc -eq 2 ] && grep -q "no VM named 'web1'" <<<"$err"

# SIGKILL: the record stays, shown dead, until gc.
out=$("$iopass" vm run --kernel "$guest" --mem 64M --cmdline hold=1 \
	--testdev --name db --daemon 2>&1)
pid=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
pids+=("$pid")
kill -9 "$pid"
# The lock goes with the last thread, a moment after the leader is a zombie.
for _ in $(seq 50); do "$iopass" vm list | grep -qE "^db +$pid dead" && break; sleep 0.1; done
check killed_shows_dead grep -qE "^db +$pid dead" <<<"$("$iopass" vm list)"
err=$("$iopass" vm stop db 2>&1); rc=$?
check stop_dead_says_gc grep -q "is not running (its VMM died); 'iopass gc'" <<<"$err"
out=$("$iopass" gc --dry-run)
check gc_dry_run grep -q "would remove the record of VM 'db'" <<<"$out"
out=$("$iopass" gc)
check gc_removes grep -q "removed the record of VM 'db'" <<<"$out"
check gc_done bash -c "! '$iopass' vm list | grep -q db"

# A failing daemon reports its error in the foreground.
err=$("$iopass" vm run --kernel /nonexistent --name bad --daemon 2>&1); rc=$?
check daemon_error_foreground [ $rc -eq 2 ]
check daemon_error_message grep -q "cannot open kernel /nonexistent" <<<"$err"
check daemon_error_no_record bash -c "! '$iopass' vm list | grep -q bad"

echo "vm-daemon: $fails failed"
[ $fails -eq 0 ]
