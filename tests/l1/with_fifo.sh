#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs COMMAND... --config FIFO with a FIFO in a temp dir of its own, and
# exits with its status. A command that waits on the FIFO hangs here: the
# test's timeout is the failure.
#   with_fifo.sh COMMAND...
d=$(mktemp -d) && mkfifo "$d/fifo" || exit 125
"$@" --config "$d/fifo"
rc=$?
rm -rf "$d"
exit $rc
