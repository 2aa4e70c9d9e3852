#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The switch's control socket against local abuse (issue 17, items 2 and 3):
# its sockets are 0600 whatever the caller's umask; another uid is refused by
# SO_PEERCRED even when the socket's mode lets it connect; clients that send
# nothing or half a line neither lock the operator out nor make the CLI die
# of SIGPIPE, and are closed after their timeouts.
. "$(dirname "$0")/lib.sh"

mode() { stat -c %a "$1"; }
umask 000
sw_start ctl -- --port "a mac=52:54:00:00:0e:01"
check port-add-umask000 "$IOPASS" switch port add b --mac 52:54:00:00:0e:02
umask 022
check ctl-socket-0600 test "$(mode "$CTL")" = 600
check vhost-socket-0600 test "$(mode "$IOPASS_STATE_DIR/vhost/a.sock")" = 600
check runtime-vhost-socket-0600 test "$(mode "$IOPASS_STATE_DIR/vhost/b.sock")" = 600
check vhost-dir-private test $((0$(mode "$IOPASS_STATE_DIR/vhost") & 022)) = 0

# Another user, the socket opened to it by hand: the peer's uid decides.
chmod 0755 "$T"
chmod 0666 "$CTL"
as_nobody() { runuser -u nobody -- env IOPASS_STATE_DIR="$IOPASS_STATE_DIR" "$IOPASS" "$@"; }
out=$(as_nobody switch stop 2>&1); rc=$?
echo "as nobody, switch stop: exit $rc: $out"
check nobody-stop-refused test "$rc" -ne 0
check nobody-told-why grep -q "uid 65534 may not control this switch" <<<"$out"
out=$(as_nobody switch port del a 2>&1)
check nobody-port-del-refused grep -q "may not control this switch" <<<"$out"
out=$(as_nobody switch port add evil --mac 52:54:00:00:0e:66 --socket /tmp/iopass-evil-$$.sock 2>&1)
check nobody-port-add-refused grep -q "may not control this switch" <<<"$out"
check no-evil-socket test ! -e /tmp/iopass-evil-$$.sock
out=$(as_nobody switch stats 2>&1)
check nobody-stats-refused grep -q "may not control this switch" <<<"$out"
check switch-alive-after-nobody kill -0 "$SWPID"
check port-a-kept test "$(swget port a name)" = a
chmod 0600 "$CTL"

# Twelve silent clients and four with half a line, more than the switch's
# eight slots: the operator still gets through, the CLI says what happened
# instead of dying of SIGPIPE, and every idle client is closed in the end.
python3 "$HERE/ctl_idle.py" "$CTL" 12 4 30 >"$T/idle.out" &
IDLE=$!
PIDS+=("$IDLE")
for _ in $(seq 1 100); do grep -q ready "$T/idle.out" && break; sleep 0.1; done
check idle-clients-connected grep -q ready "$T/idle.out"
"$IOPASS" switch stats >"$T/stats.out" 2>&1; rc=$?
check stats-while-idle-clients test "$rc" = 0
check stats-says-switch grep -q "^switch\|workers" "$T/stats.out"
"$IOPASS" switch port add c --mac 52:54:00:00:0e:03 >"$T/add.out" 2>&1; rc=$?
check port-add-while-idle-clients test "$rc" = 0
"$IOPASS" switch port del c >"$T/del.out" 2>&1; rc=$?
check port-del-while-idle-clients test "$rc" = 0
wait "$IDLE"
cat "$T/idle.out"
check idle-all-closed grep -q "^closed 16 of 16" "$T/idle.out"
check half-lines-timed-out test "$(grep -c '^closed half .*no end of line' "$T/idle.out")" = 4
check switch-alive kill -0 "$SWPID"

# The CLI against a switch that hangs up at once: a message, no SIGPIPE.
python3 - "$T/hangup.sock" <<'PY' &
import socket, sys
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind(sys.argv[1]); l.listen(16)
for _ in range(20):
    c, _ = l.accept()
    c.sendall(b"err 16 too many control clients\n")
    c.shutdown(socket.SHUT_RDWR)
    c.close()
PY
HPID=$!
PIDS+=("$HPID")
for _ in $(seq 1 50); do [ -S "$T/hangup.sock" ] && break; sleep 0.1; done
sigpipe=0 told=0
for _ in $(seq 1 20); do
	out=$("$IOPASS" switch stop --ctl "$T/hangup.sock" 2>&1 </dev/null); rc=$?
	[ "$rc" = 141 ] && sigpipe=$((sigpipe + 1))
	grep -q "too many control clients" <<<"$out" && told=$((told + 1))
done
check cli-never-sigpipe test "$sigpipe" = 0
check cli-says-why test "$told" = 20
kill "$HPID" 2>/dev/null

check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
finish
