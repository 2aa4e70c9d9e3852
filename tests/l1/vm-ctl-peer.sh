#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A VM's control socket and records against another local user (issue 17,
# item 2): started under umask 000, vms/NAME.sock is 0600 and the records
# 0600; with the socket opened to it by hand, nobody is still refused (the
# VMM asks the kernel for the peer's uid) and the VM keeps running.
# usage: vm-ctl-peer.sh IOPASS TESTGUEST.ELF
set -u
iopass=$1 guest=$2
. "$(dirname "$0")/need_kvm.sh"
need_kvm "$(dirname "$iopass")/kvm_probe"
export IOPASS_STATE_DIR=$(mktemp -d /tmp/iopass-l1-peer.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$IOPASS_STATE_DIR"
}
trap cleanup EXIT
fails=0
check() {	# name, then a command that must succeed
	local name=$1; shift
	if "$@"; then echo "CHECK $name ok"; else echo "CHECK $name FAIL"; fails=$((fails + 1)); fi
}
mode() { stat -c %a "$1"; }
vms=$IOPASS_STATE_DIR/vms

out=$(umask 000; "$iopass" vm run --kernel "$guest" --mem 64M --cmdline hold=1 \
	--name p1 --daemon 2>&1); rc=$?
check daemon_starts [ $rc -eq 0 ]
pid=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
check socket_0600 [ "$(mode "$vms/p1.sock")" = 600 ]
check record_0600 [ "$(mode "$vms/p1.json")" = 600 ]
check log_0600 [ "$(mode "$vms/p1.log")" = 600 ]
check lock_0600 [ "$(mode "$vms/p1.lock")" = 600 ]
check vms_dir_not_writable_by_others [ $((0$(mode "$vms") & 022)) = 0 ]

as_nobody() { runuser -u nobody -- env IOPASS_STATE_DIR="$IOPASS_STATE_DIR" "$@"; }
chmod 0755 "$IOPASS_STATE_DIR"
# The records are root's alone: nobody is told so, not "no VM".
err=$(as_nobody "$iopass" vm list 2>&1); rc=$?
check nobody_list_refused [ $rc -ne 0 ]
check nobody_list_says_why grep -q "p1.json: Permission denied.*run as root" <<<"$err"
# An administrator who opened all to everyone: the socket still asks who.
chmod 0644 "$vms/p1.json"
chmod 0666 "$vms/p1.sock"
err=$(as_nobody "$iopass" vm stop p1 2>&1); rc=$?
echo "as nobody, vm stop p1: exit $rc: $err"
check nobody_stop_refused [ $rc -ne 0 ]
check nobody_told_why grep -q "uid 65534 may not control this VM" <<<"$err"
err=$(as_nobody /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:	# refused at once: the answer may come before the request went
    s.sendall(b"{\"request\": \"status\"}\n"); s.shutdown(socket.SHUT_WR)
except OSError:
    pass
print(s.recv(65536).decode())' "$vms/p1.sock" 2>&1)
echo "as nobody, status: $err"
check nobody_status_refused grep -q '"ok":false.*may not control this VM' <<<"$err"
sleep 0.5
check vm_still_running kill -0 "$pid"

out=$("$iopass" vm stop p1 2>&1); rc=$?
check root_stop_ok [ $rc -eq 0 ]
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
# Nothing of p1 is left but its console log (docs/vm.md says why).
check stop_leaves_no_lock [ ! -e "$vms/p1.lock" ]
check stop_leaves_no_record [ ! -e "$vms/p1.json" ]
check stop_leaves_no_socket [ ! -e "$vms/p1.sock" ]
check stop_keeps_log grep -q "^iopass testguest" "$vms/p1.log"
# ... and a VM of the same name starts again on a fresh lock.
out=$("$iopass" vm run --kernel "$guest" --mem 64M --cmdline hold=1 --name p1 --daemon 2>&1)
check restart_ok grep -q "started VM 'p1'" <<<"$out"
pid=$(sed -nE 's/.*VMM pid ([0-9]+).*/\1/p' <<<"$out")
check restart_running grep -qE "^p1 +$pid running" <<<"$("$iopass" vm list)"
check restart_stop "$iopass" vm stop p1
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check restart_leaves_no_lock [ ! -e "$vms/p1.lock" ]

echo "vm-ctl-peer: $fails failed"
[ $fails -eq 0 ]
