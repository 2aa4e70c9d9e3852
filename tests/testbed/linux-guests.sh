#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed (started by tests/testbed/linux-guests, which adds
# an NVMe controller of its own, serial iopass-hba, with a namespace
# attached to no controller, and builds the guest's initrd with
# scripts/mkguest). Linux guests under iopass, each check made by Linux's
# own drivers:
#   hba_*     the namespace attached to the controller with nvme-cli; a
#             2-vCPU guest borrows the whole controller from the host's
#             nvme driver (--return): its nvme driver sets up an I/O queue
#             and an MSI-X vector per vCPU, dd writes a pattern from vCPU 1
#             (that queue's vector fires on vCPU 1), the guest powers off:
#             iopass exits 0, the controller is reset and back on nvme, and
#             the host reads the pattern from the namespace;
#   kill_*    the controller from a pool, the guest writing and syncing
#             1 MiB blocks when its VMM is killed with SIGKILL: iopass gc
#             releases the lease, the host's nvme driver has the controller
#             again and every block the guest had synced is there;
#   vfio_*    the controller bound to vfio-pci first, the guest reboots:
#             the VM ends with status 0, the controller is reset and still
#             on vfio-pci, nobody holds it;
#   intx_*    the testbed's e1000e borrowed from its host driver (--return)
#             by a guest booted with pci=nomsi: its interrupt is an IO-APIC
#             line routed by the DSDT's _PRT and counts while it pings the
#             testbed's user-mode network, also after the guest masked and
#             unmasked it; at poweroff the NIC goes back to e1000e;
#   acpi_*    in every guest: the ACPI tables found, no ACPI error.
# One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
export IOPASS_POOLS_CONF=/tmp/pools.conf
# The kernel inflated once, by the first VM (vmm/kernel_unpack.c).
export IOPASS_KERNEL_CACHE=/tmp/kernel-cache
KERNEL=$(ls /boot/vmlinuz-* | sort -V | tail -1)
INITRD=${LINUX_INITRD:?set by tests/testbed/linux-guests}
SERIAL=iopass-hba
MIB=4

[ -c /dev/kvm ] || { bad kvm "no /dev/kvm"; exit 1; }
command -v nvme >/dev/null || { bad nvme_cli "no nvme-cli (apt-get install nvme-cli)"; exit 1; }

# The guest's console: the GUEST lines are the guest's own checks.
guest_checks() { # prefix, output
	local l
	while read -r l; do
		case $l in
		"GUEST "*" ok"*) echo "CHECK $1${l#GUEST }" ;;
		"GUEST "*" FAIL"*) echo "CHECK $1${l#GUEST }"; fails=$((fails + 1)) ;;
		esac
	done < <(tr -d '\r' <<<"$2" | grep -E '^GUEST [a-z_0-9]+ (ok|FAIL)')
}
vm() { "$IOPASS" vm run --kernel "$KERNEL" --initrd "$INITRD" --mem 256M "$@"; }
# n MiB of the guest's pattern for a seed (tests/testbed/linux/common.sh).
pattern() { yes "iopass-pattern-$1" | head -c $(($2 * 1048576)); }
md5() { md5sum | cut -d' ' -f1; }

# --- the HBA: an NVMe controller of its own with a namespace that nvme-cli
# attaches to it (namespace management on the host), used by the host's
# nvme driver until a VM borrows the whole controller
CTRL=
for c in /sys/class/nvme/nvme*; do
	[ "$(sed 's/ *$//' "$c/serial" 2>/dev/null)" = "$SERIAL" ] && CTRL=$(basename "$c")
done
[ -n "$CTRL" ] || { bad hba "no NVMe controller with serial $SERIAL"; exit 1; }
PF=$(basename "$(readlink -f "/sys/class/nvme/$CTRL/device")")
CNTLID=$(nvme id-ctrl "/dev/$CTRL" | awk '/^cntlid/ { print $3 }')
nvme list-ns "/dev/$CTRL" --all | grep -q ':0x1$' && ! nvme list-ns "/dev/$CTRL" | grep -q ':0x1$' &&
	ok hba_namespace "(nsid 1 allocated on $CTRL ($PF), attached to no controller)" ||
	bad hba_namespace "$(nvme list-ns "/dev/$CTRL" --all 2>&1)"
# The namespace's block device, once the host's nvme driver has probed the
# controller: with NVMe multipath (Debian's kernel) the disk belongs to the
# subsystem (/dev/nvmeXn1) and the controller's own path is hidden.
blockdev() {
	local c s d
	for _ in $(seq 100); do
		for c in /sys/bus/pci/devices/"$PF"/nvme/nvme*; do
			[ -e "$c" ] || continue
			for s in /sys/class/nvme-subsystem/*; do
				[ -e "$s/$(basename "$c")" ] || continue
				for d in "$s"/nvme*n1; do
					[ -b "/dev/$(basename "$d")" ] && { echo "/dev/$(basename "$d")"; return 0; }
				done
			done
		done
		sleep 0.1
	done
	return 1
}
if nvme attach-ns "/dev/$CTRL" -n 1 -c "$CNTLID" >/dev/null 2>&1 && nvme ns-rescan "/dev/$CTRL" &&
   dev=$(blockdev); then
	ok hba_attach_ns "(nvme attach-ns: nsid 1 to controller $CNTLID, the host sees $dev)"
else
	bad hba_attach_ns "$(nvme list-ctrl "/dev/$CTRL" -n 1 2>&1 | tr '\n' ' ')"
fi
cat >/tmp/pools.conf <<CONF
[pool hba]
address = $PF
CONF
host_read() { # device, first MiB, MiB count
	dd if="$1" bs=1M skip="$2" count="$3" iflag=direct 2>/dev/null
}

# --- a 2-vCPU guest borrows the controller, writes the pattern, powers off
out=$(vm --cpus 2 --device "$PF" --return --cmdline "quiet mkguest.run=nvme-write t.seed=A t.mib=$MIB t.cpu=1" 2>&1)
rc=$?
grep -E '^(GUEST|iopass:|mkguest:)' <<<"$out" | sed 's/^/# /'
guest_checks hba_ "$out"
[ $rc -eq 0 ] && grep -q "^mkguest: nvme-write exited" <<<"$out" && ok hba_poweroff_exit_0 || bad hba_poweroff_exit_0 "rc=$rc"
# An I/O queue per vCPU, each with its own MSI-X vector (managed affinity:
# nvme0q1 on vCPU 0, nvme0q2 on vCPU 1); the dd ran on vCPU 1.
q2=$(grep 'GUEST irq' <<<"$out" | grep 'nvme0q2' | tail -1)
read -r _ _ _ c0 c1 _ <<<"$q2"
[ -n "$q2" ] && [ "${c1:-0}" -gt 0 ] && ok hba_msix_vcpu1 "(nvme0q2: $c0 on vCPU 0, $c1 on vCPU 1)" ||
	bad hba_msix_vcpu1 "no interrupt on vCPU 1: '$q2'"
if [ "$(driver_of "$PF")" = nvme ] && dev=$(blockdev); then
	ok hba_back_on_nvme "(reset, on the host's nvme driver again: $dev)"
	want=$(pattern A $MIB | md5)
	got=$(host_read "$dev" 0 $MIB | md5)
	[ "$want" = "$got" ] && ok hba_data_on_host "($MIB MiB read by the host from $dev: $got)" ||
		bad hba_data_on_host "read $got, the guest wrote $want"
else
	bad hba_back_on_nvme "driver=$(driver_of "$PF")"
fi

# --- SIGKILL of the VMM while the guest writes (the controller from a pool)
log=/tmp/kill.log
"$IOPASS" vm run --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --device pool:hba \
	--console "$log" --cmdline "quiet mkguest.run=nvme-loop t.seed=B" >/tmp/kill.out 2>&1 &
pid=$!
for _ in $(seq 1800); do grep -qE '^GUEST (synced 3|nvme_probe FAIL)' "$log" 2>/dev/null && break; sleep 0.1; done
kill -9 "$pid"
wait "$pid" 2>/dev/null
last=$(tr -d '\r' <"$log" | grep -E '^GUEST synced [0-9]+$' | tail -1 | cut -d' ' -f3)
[ -n "$last" ] && [ "$last" -ge 3 ] && ok kill_mid_write "(VMM $pid killed after the guest synced block $last)" ||
	bad kill_mid_write "the guest synced '${last:-nothing}': $(grep GUEST "$log" | tail -3 | tr '\n' '|')"
gc=$("$IOPASS" gc 2>&1)
grep -q "released 1 orphaned lease" <<<"$gc" && ok kill_gc "($(head -1 <<<"$gc"))" || bad kill_gc "$gc"
if [ "$(driver_of "$PF")" = nvme ] && dev=$(blockdev); then
	ok kill_back_on_nvme "(the host's nvme driver has it again: $dev)"
	good=0
	for n in $(seq 0 "${last:-0}"); do
		[ "$(host_read "$dev" "$n" 1 | md5)" = "$(pattern "B-$n" 1 | md5)" ] && good=$((good + 1))
	done
	[ -n "$last" ] && [ "$good" = $((last + 1)) ] && ok kill_synced_data "(blocks 0-$last as the killed guest synced them)" ||
		bad kill_synced_data "$good of $((${last:-0} + 1)) synced blocks intact"
else
	bad kill_back_on_nvme "driver=$(driver_of "$PF")"
fi
# --- a guest of the controller as it is on vfio-pci, which reboots: the VM
# ends (docs/vm.md), the controller reset and back on vfio-pci
group_held() { ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c "/dev/vfio/$(basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")")$"; }
if "$IOPASS" bind "$PF" >/dev/null 2>&1; then
	out=$(vm --device "$PF" --cmdline "quiet mkguest.run=nvme-write t.seed=C t.mib=1 t.cpu=0 t.off=32 t.end=reboot" 2>&1)
	rc=$?
	guest_checks vfio_ "$out"
	[ $rc -eq 0 ] && grep -q 'reboot: Restarting system' <<<"$out" && ! grep -q '^mkguest: nvme-write exited' <<<"$out" &&
		ok vfio_reboot_ends_vm "(the guest rebooted: exit 0, not booted again)" ||
		bad vfio_reboot_ends_vm "rc=$rc: $(tail -2 <<<"$out" | tr '\n' '|')"
	[ "$(driver_of "$PF")" = vfio-pci ] && [ "$(group_held "$PF")" = 0 ] &&
		ok vfio_back "(reset, still on vfio-pci, its group free)" ||
		bad vfio_back "driver=$(driver_of "$PF")"
	"$IOPASS" restore "$PF" >/dev/null 2>&1
	if dev=$(blockdev) && [ "$(host_read "$dev" 32 1 | md5)" = "$(pattern C 1 | md5)" ]; then
		ok vfio_data_on_host "(MiB 32 as the guest wrote it)"
	else
		bad vfio_data_on_host "driver=$(driver_of "$PF")"
	fi
else
	bad vfio_back "iopass bind $PF failed"
fi
CTRL=$(basename "$(ls -d /sys/bus/pci/devices/"$PF"/nvme/nvme* | head -1)")
nvme detach-ns "/dev/$CTRL" -n 1 -c "$CNTLID" >/dev/null 2>&1 && ok hba_detach_ns || bad hba_detach_ns ""

# --- INTx: the e1000e, borrowed from its host driver
NIC=$(find_bdf 8086 10d3)
drv0=$(driver_of "$NIC")
vm --device "$NIC" --return --cmdline "quiet pci=nomsi mkguest.run=intx" >/tmp/intx.out 2>&1 &
pid=$!
host_max=0
while kill -0 "$pid" 2>/dev/null; do
	n=$(awk '/vfio-intx/ { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts | head -1)
	[ "${n:-0}" -gt "$host_max" ] && host_max=$n
	sleep 0.5
done
wait "$pid"
rc=$?
out=$(cat /tmp/intx.out)
grep -E '^(GUEST|iopass:|mkguest:)' <<<"$out" | sed 's/^/# /'
guest_checks "" "$out"
[ $rc -eq 0 ] && ok intx_poweroff_exit_0 || bad intx_poweroff_exit_0 "rc=$rc"
[ "$host_max" -gt 0 ] && ok intx_host_vfio "(the host's vfio-intx line counted $host_max)" || bad intx_host_vfio "no vfio-intx interrupt in the host"
[ "$(driver_of "$NIC")" = "$drv0" ] && ok intx_nic_back "(on $drv0 again)" || bad intx_nic_back "driver=$(driver_of "$NIC"), was $drv0"

echo "# failed checks: $fails"
exit $fails
