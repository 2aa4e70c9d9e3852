#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# usage: stop_after.sh SECONDS SIGNAL COMMAND...: runs COMMAND, sends it
# SIGNAL after SECONDS, and exits with its status.
set -u
secs=$1 sig=$2
shift 2
"$@" &
pid=$!
sleep "$secs"
kill -s "$sig" "$pid"
wait "$pid"
