#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest's ACPI tables through ACPICA's iasl: each table written by
# iopass-acpi-dump must disassemble, and compile again (all optimisations
# off) without an error or a warning into the same bytes after the header
# (whose compiler id and checksum are iasl's own). Exit 77 without iasl.
set -uo pipefail
dump=$1
command -v iasl >/dev/null || { echo "SKIP: no iasl (Debian: acpica-tools)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
for cpus in 1 4; do
	rm -f "$dir"/*
	"$dump" "$dir" "$cpus" || { echo "FAIL: iopass-acpi-dump $cpus"; exit 1; }
	for t in dsdt facp apic mcfg xsdt; do
		if ! (cd "$dir" && iasl -d "$t.dat" >"$t.d.log" 2>&1); then
			echo "FAIL $t ($cpus CPUs): iasl -d"; cat "$dir/$t.d.log"
			fails=$((fails + 1)); continue
		fi
		if ! (cd "$dir" && iasl -oa -p "re_$t" "$t.dsl" >"$t.c.log" 2>&1) ||
		   ! grep -q "0 Errors, 0 Warnings" "$dir/$t.c.log"; then
			echo "FAIL $t ($cpus CPUs): iasl compile"; cat "$dir/$t.c.log"
			fails=$((fails + 1)); continue
		fi
		if ! cmp -s <(tail -c +37 "$dir/$t.dat") <(tail -c +37 "$dir/re_$t.aml"); then
			echo "FAIL $t ($cpus CPUs): iasl's bytes differ from ours"
			cmp <(tail -c +37 "$dir/$t.dat") <(tail -c +37 "$dir/re_$t.aml")
			fails=$((fails + 1)); continue
		fi
		echo "ok $t ($cpus CPUs): $(stat -c %s "$dir/$t.dat") bytes, round trip exact"
	done
done
exit $((fails > 0))
