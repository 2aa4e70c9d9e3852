# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the vnet_switch*.sh tests after tests/dpdk/lib.sh: test guests
# with a virtio-net NIC, in the background, their consoles in $T.
GUEST=$BUILD/guest/testguest.elf
. "$(dirname "${BASH_SOURCE[0]}")/need_kvm.sh"
need_kvm "$BUILD/bin/kvm_probe"

# vm NAME NIC CMDLINE...: sets VM_NAME to its PID; console $T/vmNAME.out,
# the VMM's messages $T/vmNAME.err
vm() {
	local name=$1 nic=$2
	shift 2
	"$IOPASS" vm run --kernel "$GUEST" --mem 64M --console "$T/vm$name.out" \
		--nic "$nic" --cmdline "suites=vnet $*" \
		>/dev/null 2>"$T/vm$name.err" </dev/null &
	PIDS+=($!)
	eval "VM_$name=$!"
}

# wait_line FILE REGEX [seconds]
wait_line() {
	for _ in $(seq 1 $((${3:-60} * 10))); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# guest_ok NAME: the guest's last line says nothing failed
guest_ok() {
	grep -q "^DONE [0-9]* passed, 0 failed" "$T/vm$1.out"
}
