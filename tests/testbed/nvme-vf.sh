#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed (tests/testbed/run -- tests/testbed/nvme-vf.sh):
# an SR-IOV virtual function of the NVMe controller (1b36:0010) handed to a
# guest. iopass creates one VF (autoprobe off); nvme-cli on the PF (bound
# to the host's nvme driver) gives its secondary controller queue and
# interrupt resources and brings it online; iopass binds it to vfio-pci and
# `iopass vm run --device VF` boots the test guest, whose nvme suite resets
# and enables the controller, routes MSI-X vector 0 and IDENTIFYs it: the
# serial number and controller id must be what the host reports. Then the
# VF goes offline, its resources back, the VFs away, and the host must be
# as it was (PF driver, VF count, autoprobe, the secondary controller list).
# One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh || exit 1

PF=$(find_bdf 1b36 0010)
[ -n "$PF" ] || { echo "CHECK devices FAIL no NVMe PF 1b36:0010"; exit 1; }
[ -c /dev/kvm ] || { echo "CHECK kvm FAIL no /dev/kvm"; exit 1; }
command -v nvme >/dev/null || { echo "CHECK nvme_cli FAIL no nvme-cli (apt-get install nvme-cli)"; exit 1; }
sysdev=/sys/bus/pci/devices/$PF
[ "$(driver_of "$PF")" = nvme ] || { echo "CHECK pf_driver FAIL PF $PF on '$(driver_of "$PF")', want nvme"; exit 1; }
CTRL=$(ls "$sysdev/nvme" 2>/dev/null | head -1)
[ -c "/dev/$CTRL" ] || { echo "CHECK pf_ctrl FAIL no /dev/nvmeN for $PF"; exit 1; }
SERIAL=$(sed 's/ *$//' "/sys/class/nvme/$CTRL/serial")
ok devices "(PF $PF /dev/$CTRL serial '$SERIAL')"

# What must be the same at the end: `iopass sriov enable` turns autoprobe
# off and `disable` puts it back.
host_state() {
	echo "driver=$(driver_of "$PF") numvfs=$(cat "$sysdev/sriov_numvfs") autoprobe=$(cat "$sysdev/sriov_drivers_autoprobe")"
	nvme list-secondary "/dev/$CTRL" 2>&1
}
before=$(host_state)

# --- one VF, online, on vfio-pci
if "$IOPASS" sriov enable "$PF" 1 >/dev/null 2>&1; then
	VF=$(basename "$(readlink "$sysdev/virtfn0")")
	ok sriov_enable "(VF $VF, autoprobe $(cat "$sysdev/sriov_drivers_autoprobe"))"
else
	bad sriov_enable "$("$IOPASS" sriov enable "$PF" 1 2>&1 | tail -1)"
	exit $fails
fi
[ -z "$(driver_of "$VF")" ] && ok vf_unbound || bad vf_unbound "a host driver took it: $(driver_of "$VF")"
read -r SCID state <<<"$(secondary_of 1)"
if [ -n "$SCID" ] && nvme_vf_online; then
	read -r _ state <<<"$(secondary_of 1)"
	[ "$state" = Online ] && ok vf_online "(secondary controller $SCID: 2 queue, 1 interrupt resources)" ||
		bad vf_online "state '$state'"
else
	bad vf_online "virt-mgmt on controller '$SCID' failed"
fi
if "$IOPASS" bind "$VF" >/dev/null 2>&1 && [ "$(driver_of "$VF")" = vfio-pci ]; then
	ok bind_vf
else
	bad bind_vf "driver=$(driver_of "$VF")"
fi

# --- the guest drives it
t0=$(date +%s%N)
out=$("$IOPASS" vm run --kernel "$GUEST" --mem 256M --device "$VF" \
	--cmdline "suites=nvme nvme.serial=$SERIAL nvme.cntlid=$((SCID))" 2>&1)
rc=$?
t1=$(date +%s%N)
grep -E '^(iopass:|TEST|DONE|# nvme)' <<<"$out"
if [ $rc -eq 0 ] && guest_ok "$out" nvme.regs nvme.reset nvme.msix nvme.enable nvme.identify; then
	ok guest_identify "($(grep '^# nvme identify' <<<"$out" | cut -d: -f2- | sed 's/^ //'), $(((t1 - t0) / 1000000)) ms)"
else
	bad guest_identify "rc=$rc"
fi
[ "$(driver_of "$VF")" = vfio-pci ] && ok vf_still_on_vfio || bad vf_still_on_vfio "driver=$(driver_of "$VF")"

# --- put everything back
"$IOPASS" restore "$VF" >/dev/null 2>&1
[ -z "$(driver_of "$VF")" ] && ok vf_restored || bad vf_restored "driver=$(driver_of "$VF")"
if nvme_vf_offline; then
	read -r _ state <<<"$(secondary_of 1)"
	[ "$state" = Offline ] && ok vf_offline || bad vf_offline "state '$state'"
else
	bad vf_offline "virt-mgmt failed"
fi
if "$IOPASS" sriov disable "$PF" >/dev/null 2>&1; then ok sriov_disable
else bad sriov_disable "$("$IOPASS" sriov disable "$PF" 2>&1 | tail -1)"; fi
after=$(host_state)
if [ "$before" = "$after" ]; then
	ok host_as_before "($(head -1 <<<"$after"))"
else
	bad host_as_before "differs:"
	diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
fi

echo "# failed checks: $fails"
exit $fails
