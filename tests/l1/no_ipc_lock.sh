#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# no_ipc_lock.sh KIB CMD...: runs CMD with RLIMIT_MEMLOCK at KIB KiB and
# without CAP_IPC_LOCK (which would lift the limit for root), as a host
# with a low locked-memory limit would.
kib=$1
shift
ulimit -l "$kib" || exit 77
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || { echo "needs setpriv: skipped"; exit 77; }
	exec setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock -- "$@"
fi
exec "$@"
