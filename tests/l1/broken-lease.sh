#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Broken lease records (issue 17, item 4): empty, truncated, a symlink, one
# naming another device. 'leases' and 'gc' list them with their path and
# what is wrong; 'release' refuses with the fix (exit 2, one line);
# 'release --force' and 'gc --broken' remove them (never the symlink's
# target); 'pool list' shows the member blocked, as assign counts it.
# Nothing here touches a device: records only, in a state dir of its own.
#   broken-lease.sh IOPASS
set -u
IOPASS=$1
st=$(mktemp -d)
trap 'rm -rf "$st"' EXIT
export IOPASS_STATE_DIR=$st IOPASS_POOLS_CONF=$st/pools.conf
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# A device pools can hold: not a bridge.
DEV=$(for d in /sys/bus/pci/devices/*; do
	case $(cat "$d/class") in 0x06*) ;; *) basename "$d"; break ;; esac
done)
mkdir -p "$st/leases"
: >"$st/leases/$DEV.json"
printf '{"bdf":"0000:7f:1f.5","own' >"$st/leases/0000:7f:1f.5.json"
printf 'keep me\n' >"$st/target"
ln -s "$st/target" "$st/leases/0000:7f:1f.4.json"
printf '{"bdf":"0000:7f:1f.2","owner":"x"}\n' >"$st/leases/0000:7f:1f.3.json"
printf '[pool p]\naddress = %s\n' "$DEV" >"$st/pools.conf"

out=$("$IOPASS" leases 2>&1)
echo "$out" | grep -qF "BROKEN lease record $st/leases/$DEV.json is broken: is empty ('iopass release $DEV --force' or 'iopass gc --broken' removes it)" &&
	echo "$out" | grep -qF "leases/0000:7f:1f.4.json is broken: is a symbolic link" &&
	echo "$out" | grep -qF "leases/0000:7f:1f.5.json is broken: lease record is not a JSON object" &&
	echo "$out" | grep -qF "leases/0000:7f:1f.3.json is broken: names 0000:7f:1f.2" &&
	ok "leases lists the 4 broken records" || bad "leases: $out"
n=$("$IOPASS" leases --json | python3 -c 'import json,sys; print(sum(1 for l in json.load(sys.stdin) if l.get("broken")))')
[ "$n" = 4 ] && ok "leases --json has 4 broken entries" || bad "leases --json: $n broken"

out=$("$IOPASS" pool list 2>&1)
echo "$out" | grep -E "^  $DEV .* broken lease record" >/dev/null && ok "pool list shows $DEV blocked" || bad "pool list: $out"
out=$("$IOPASS" pool list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["members"][0]["status"])')
[ "$out" = broken ] && ok "pool list --json: broken" || bad "pool list --json: $out"

out=$("$IOPASS" gc 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -qF "leases/$DEV.json is broken: is empty ('iopass gc --broken' removes it)" &&
	ok "gc lists them" || bad "gc rc=$rc: $out"
[ -e "$st/leases/$DEV.json" ] && ok "gc without --broken keeps them" || bad "gc removed a record"

"$IOPASS" release "$DEV" >"$st/out" 2>"$st/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$st/err")" = 1 ] &&
	grep -qF "iopass: lease record $st/leases/$DEV.json is broken: is empty. 'iopass release $DEV --force' removes it" "$st/err" &&
	ok "release refuses with path and fix" || bad "release rc=$rc: $(cat "$st/err")"
"$IOPASS" release "$DEV" --force 2>&1; rc=$?
[ $rc = 0 ] && [ ! -e "$st/leases/$DEV.json" ] && ok "release --force removed it" || bad "release --force rc=$rc"

out=$("$IOPASS" gc --broken --dry-run 2>&1)
echo "$out" | grep -qF "would remove: lease record $st/leases/0000:7f:1f.4.json" && [ -L "$st/leases/0000:7f:1f.4.json" ] &&
	ok "gc --broken --dry-run" || bad "gc --broken --dry-run: $out"
out=$("$IOPASS" gc --broken 2>&1); rc=$?
[ $rc = 0 ] && [ "$(echo "$out" | grep -c '^removed: lease record')" = 3 ] && ok "gc --broken removed 3" || bad "gc --broken rc=$rc: $out"
[ -z "$(ls "$st/leases" | grep json)" ] && [ "$(cat "$st/target")" = "keep me" ] &&
	ok "no record left, the symlink's target intact" || bad "left: $(ls "$st/leases"), target: $(cat "$st/target")"
[ -z "$("$IOPASS" leases | grep BROKEN)" ] && ok "leases shows none" || bad "leases still shows some"
exit $fails
