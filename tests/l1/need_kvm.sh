# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the l1 tests: need_kvm PROBE exits 77 (skipped), saying why and
# where these tests do run, when this machine's KVM cannot run a VM. PROBE is
# build/bin/kvm_probe (tests/l1/kvm_probe.c). scripts/check never gets here
# on such a machine: it runs the l1 tests in the testbed's nested KVM.
need_kvm() {
	_why=$("$1" 2>&1) && return 0
	echo "SKIP: no usable KVM on this machine ($_why); run the l1 tests in the testbed's nested KVM: tests/testbed/ctest -- -L l1 (scripts/check does)"
	exit 77
}
