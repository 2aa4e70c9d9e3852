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

check switch-stop "$IOPASS" switch stop
check switch-exited-cleanly wait "$SWPID"
finish
