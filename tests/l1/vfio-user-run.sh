#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs a command against a vfio-user server started for it, then stops the
# server (by its PID, never by name).
# usage: vfio-user-run.sh SERVER [--server-arg ARG]... [--stale]
#                         [--log-has REGEX]... -- COMMAND...
#   @SOCK@ in COMMAND becomes the server's socket path (in a fresh temp dir).
#   --server-arg ARG  passed to the server (repeatable)
#   --stale           kill the server (SIGKILL) before the command runs: its
#                     socket file stays, with nobody listening
#   --log-has REGEX   the server's log must have a line matching REGEX
# Exits with the command's status (1 if a --log-has check fails). The
# server's log goes to stdout (prefixed "server: ") after the command, so
# the command's stderr stays its own.
set -u
server=$1; shift
sargs= stale= checks=
while [ $# -gt 0 ]; do
	case $1 in
	--server-arg) sargs="$sargs
$2"; shift 2 ;;
	--stale) stale=1; shift ;;
	--log-has) checks="$checks
$2"; shift 2 ;;
	--) shift; break ;;
	*) echo "vfio-user-run.sh: bad option $1"; exit 2 ;;
	esac
done

tmp=$(mktemp -d /tmp/iopass-vu-l1.XXXXXX)
sock=$tmp/edu.sock
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# Server arguments one per line (they hold no newlines).
old_ifs=$IFS
IFS='
'
# shellcheck disable=SC2086
"$server" --socket-path "$sock" $sargs >"$tmp/ready" 2>"$tmp/log" &
pid=$!
IFS=$old_ifs
i=0
until grep -q "listening on" "$tmp/ready" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "vfio-user-run.sh: the server did not start"
		cat "$tmp/log"
		exit 1
	fi
	sleep 0.05
done
if [ -n "$stale" ]; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	pid=
fi

# The command, with @SOCK@ replaced in every argument.
n=$#
while [ $n -gt 0 ]; do
	a=$1; shift
	case $a in
	*@SOCK@*) a="${a%%@SOCK@*}$sock${a#*@SOCK@}" ;;
	esac
	set -- "$@" "$a"
	n=$((n - 1))
done
"$@"
rc=$?

if [ -n "$pid" ]; then
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
fi
sed 's/^/server: /' "$tmp/log"
IFS='
'
for re in $checks; do
	if ! grep -Eq "$re" "$tmp/log"; then
		echo "vfio-user-run.sh: the server's log has no line matching: $re"
		rc=1
	fi
done
exit $rc
