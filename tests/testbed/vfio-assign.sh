#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the testbed (tests/testbed/run -- tests/testbed/vfio-assign.sh):
# device assignment through the real kernel VFIO type1 and the emulated
# VT-d. edu (1234:11e8) goes to the test guest with `iopass vm run
# --device`; the guest's pci suite must find it (and its edu suite, when
# the test guest has one, drives its DMA engine and MSI). Then what must be
# refused is refused: a group with a member still on a host driver, the
# same device to two VMs at once or twice to one, an RLIMIT_MEMLOCK too
# low; after every run the device is reset and still on vfio-pci, nothing
# is left pinned. One line per check; exit status = number of failed checks.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/testbed/checks.sh
refused() { # name, expected message part, command...: must exit 2 saying why
	local name=$1 want=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$want" <<<"$out" &&
	   [ "$(grep -c '^iopass: ' <<<"$out")" -eq 1 ]; then
		ok "$name" "($(grep '^iopass: ' <<<"$out"))"
	else
		bad "$name" "rc=$rc: $(tr '\n' ' ' <<<"$out")"
	fi
}
group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
# The device's command register as the host sees it (lspci-free).
command_of() { od -An -tx2 -j4 -N2 "/sys/bus/pci/devices/$1/config" | tr -d ' '; }
vmlck_kb() { awk '/VmLck/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# The boot (see CMakeLists.txt) adds a PCIe-to-PCI bridge with a second NVMe
# controller and a second edu behind it: a conventional bus, so the bridge
# and both functions share one IOMMU group, as a GPU and its audio function
# would. The first function with the ids is on the root bus.
EDU=$(find_bdf 1234 11e8)
PF=$(find_bdf 1b36 0010)
NIC=$(find_bdf 8086 10d3)
[ -n "$EDU" ] && [ -n "$PF" ] && [ -n "$NIC" ] || { echo "CHECK devices FAIL edu=$EDU nvme=$PF e1000e=$NIC"; exit 1; }
[ -c /dev/kvm ] || { echo "CHECK kvm FAIL no /dev/kvm"; exit 1; }
ok devices "(edu $EDU group $(group_of "$EDU"), NVMe $PF, e1000e $NIC)"
# The shared group: edu and NVMe behind the bridge.
EDU2= NVME2=
for d in /sys/bus/pci/devices/*; do
	b=$(basename "$d")
	[ "$b" = "$EDU" ] || [ "$b" = "$PF" ] && continue
	[ "$(group_of "$b")" = "$(group_of "$EDU")" ] && continue
	case "$(cat "$d/vendor"):$(cat "$d/device")" in
	0x1234:0x11e8) EDU2=$b ;;
	0x1b36:0x0010) NVME2=$b ;;
	esac
done

# Not on vfio-pci yet: refused, and the message names the fix.
refused edu_not_bound "iopass bind $EDU" \
	"$IOPASS" vm run --kernel "$GUEST" --device "$EDU" --cmdline suites=pci

if "$IOPASS" bind "$EDU" >/dev/null 2>&1 && [ "$(driver_of "$EDU")" = vfio-pci ]; then
	ok bind_edu
else
	bad bind_edu "driver=$(driver_of "$EDU")"
fi

# --- the guest drives edu: found on its bus; with the edu suite, DMA
# through the IOMMU into guest RAM and MSI through a KVM irqfd.
run_guest() { # name, suites, expect ids, extra args...
	local name=$1 suites=$2 expect=$3; shift 3
	local out rc t0 t1
	t0=$(date +%s%N)
	out=$("$IOPASS" vm run --kernel "$GUEST" --mem 128M "$@" \
		--cmdline "suites=$suites pci.expect=$expect" 2>&1)
	rc=$?
	t1=$(date +%s%N)
	grep -E '^(iopass:|TEST|DONE)' <<<"$out"
	if [ $rc -eq 0 ] && grep -q '^DONE' <<<"$out" && ! grep -q FAIL <<<"$out" &&
	   grep -q "^TEST pci.expect ok" <<<"$out"; then
		ok "$name" "(suites=$suites, $(((t1 - t0) / 1000000)) ms)"
	else
		bad "$name" "rc=$rc"
	fi
}
suites=pci
[ -f tests/guest/suite_edu.c ] && suites=pci,edu
run_guest guest_drives_edu "$suites" 1234:11e8 --device "$EDU"
run_guest guest_drives_edu_relay "$suites" 1234:11e8 --device "$EDU,irq=relay"
[ "$(driver_of "$EDU")" = vfio-pci ] && ok edu_still_on_vfio || bad edu_still_on_vfio "driver=$(driver_of "$EDU")"

# --- the same device twice in one VM
refused same_device_twice "given twice" \
	"$IOPASS" vm run --kernel "$GUEST" --device "$EDU" --device "${EDU#0000:}"

# --- one VM holds edu; a second VM asking for it is told who has it
log=/tmp/vm1.log
"$IOPASS" vm run --kernel "$GUEST" --mem 128M --device "$EDU" \
	--cmdline "suites=pci bench=pio:1000000000" >"$log" 2>&1 &
vm1=$!
for _ in $(seq 1 300); do
	grep -q "is the guest's" "$log" && break
	kill -0 $vm1 2>/dev/null || break
	sleep 0.1
done
if grep -q "is the guest's" "$log"; then
	ok vm1_holds_edu "(pid $vm1)"
	lck=$(vmlck_kb $vm1)
	# type1 charges what it pins to the process: all 128 MiB of guest RAM.
	[ "${lck:-0}" -ge $((128 * 1024)) ] && ok ram_pinned_while_running "(VmLck $lck kB)" ||
		bad ram_pinned_while_running "VmLck ${lck:-?} kB"
	refused second_vm_refused "in use by another VM.*pid $vm1 (iopass)" \
		"$IOPASS" vm run --kernel "$GUEST" --device "$EDU"
	kill -TERM $vm1
	wait $vm1
	rc=$?
	[ $rc -eq 143 ] && ok vm1_sigterm_clean "(status 143)" || bad vm1_sigterm_clean "rc=$rc: $(tail -3 "$log" | tr '\n' ' ')"
else
	bad vm1_holds_edu "$(tail -3 "$log" | tr '\n' ' ')"
	kill -TERM $vm1 2>/dev/null; wait $vm1
fi
held=$(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c "/dev/vfio/$(group_of "$EDU")$")
[ "$held" -eq 0 ] && [ "$(driver_of "$EDU")" = vfio-pci ] &&
	ok edu_released "(no process holds /dev/vfio/$(group_of "$EDU"); still on vfio-pci)" ||
	bad edu_released "held by $held fds, driver=$(driver_of "$EDU")"

# --- RLIMIT_MEMLOCK too low (root's CAP_IPC_LOCK would lift it: drop it)
refused memlock_too_low "ulimit -l" \
	setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock sh -c \
	"ulimit -l 1024; exec '$IOPASS' vm run --kernel '$GUEST' --mem 128M --device '$EDU'"

# --- a group with a member on a host driver
if [ -n "$EDU2" ] && [ -n "$NVME2" ] && [ "$(driver_of "$NVME2")" = nvme ]; then
	"$IOPASS" bind "$EDU2" >/dev/null 2>&1
	refused group_not_viable "$NVME2 (driver nvme)" \
		"$IOPASS" vm run --kernel "$GUEST" --device "$EDU2"
	"$IOPASS" restore "$EDU2" >/dev/null 2>&1
else
	bad group_not_viable "no shared group in this boot (edu2=$EDU2 nvme2=$NVME2 driver=$(driver_of "$NVME2"))"
fi

# --- NVMe PF: MSI-X (table and PBA trapped inside BAR0, the rest mmap'd),
# PCIe/PM capabilities passed through, FLR at start and exit. The marker:
# the message data of the last MSI-X table entry, written from the host
# before the run (through sysfs resource0), is cleared by a function reset
# (QEMU resets the table on FLR; register values like AQA survive it, and
# vfio-pci restores config space after a reset, so neither can show it).
msix_mark() { # BDF [value]: read or write the last MSI-X entry's data
	python3 - "$1" "${2:-}" <<'PY'
import mmap, os, struct, sys
dev = "/sys/bus/pci/devices/%s/" % sys.argv[1]
cfg = open(dev + "config", "rb").read()
ptr = cfg[0x34]
while ptr and cfg[ptr] != 0x11:
    ptr = cfg[ptr + 1]
ctrl, table = struct.unpack("<HI", cfg[ptr + 2:ptr + 8])
assert table & 7 == 0, "table not in BAR0"
off = (table & ~7) + (ctrl & 0x7ff) * 16 + 8
fd = os.open(dev + "resource0", os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, (off // 4096 + 1) * 4096)
if sys.argv[2]:
    m[off:off + 4] = struct.pack("<I", int(sys.argv[2], 0))
print("0x%08x" % struct.unpack("<I", m[off:off + 4])[0])
PY
}
if "$IOPASS" bind "$PF" >/dev/null 2>&1; then
	# vfio-pci puts a device nobody uses into D3hot, and QEMU 10 stops
	# decoding its BARs there (reads 0, writes lost): keep it in D0 so
	# that both pokes reach it and only a reset can clear the marker.
	echo on >"/sys/bus/pci/devices/$PF/power/control"
	# Memory decoding on, so that the host's own poke reaches the device.
	printf '\x06' | dd of=/sys/bus/pci/devices/$PF/config bs=1 seek=4 conv=notrunc 2>/dev/null
	before=$(msix_mark "$PF" 0xc0ffee)
	run_guest guest_sees_nvme pci 1b36:0010 --device "$PF"
	after=$(msix_mark "$PF")
	if [ "$before" = 0x00c0ffee ] && [ "$after" = 0x00000000 ]; then
		ok nvme_reset "(MSI-X entry data $before before, $after after)"
	else
		bad nvme_reset "MSI-X entry data $before before, $after after"
	fi
	echo auto >"/sys/bus/pci/devices/$PF/power/control"
	"$IOPASS" restore "$PF" >/dev/null 2>&1
	[ "$(driver_of "$PF")" = nvme ] && ok nvme_back_on_host_driver || bad nvme_back_on_host_driver "driver=$(driver_of "$PF")"
else
	bad nvme_bind "cannot bind $PF"
fi

"$IOPASS" restore "$EDU" >/dev/null 2>&1
echo "# failed checks: $fails"
exit $fails
