# SPDX-License-Identifier: GPL-2.0-only
# Sourced: guest_ram_numa PID SIZE-BYTES prints the /proc/PID/numa_maps line
# of the VMM's guest RAM, found by its size in /proc/PID/maps (a memfd for
# a VM that shares its RAM with a switch, private anonymous memory else).
guest_ram_numa() {
	local pid=$1 size=$2 range s e
	while read -r range _; do
		s=${range%-*} e=${range#*-}
		if (( 0x$e - 0x$s == size )); then
			grep "^$s " "/proc/$pid/numa_maps"
			return
		fi
	done <"/proc/$pid/maps"
	return 1
}
