#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the hand-made seed inputs of the fuzz targets (NAME_seeds/*.seed)
in the byte encodings the targets read (see each fuzz_NAME.c). Inputs the
fuzzers found (regress-*) and pool_conf_seeds/ are kept as they are.
Run from anywhere: tests/fuzz/make_seeds.py"""
import gzip
import json
import lzma
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)
def u64(v): return struct.pack('<Q', v & 0xffffffffffffffff)


def write(target, name, data):
    d = os.path.join(HERE, target + '_seeds')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + '.seed'), 'wb') as f:
        f.write(data)


# ---------------------------------------------------------------- lease
def leases():
    ok = {"bdf": "0000:03:00.0", "owner": "vm1", "pool": None, "pid": 0,
          "since": 1700000000, "orig_driver": "e1000e", "driver": "vfio-pci"}
    write('lease', 'persistent', json.dumps(ok, indent=2).encode() + b'\n')
    held = dict(ok, pid=4242, pool="nics", vf_ifname="ens1f0", vf_index=3)
    write('lease', 'held-vf', json.dumps(held).encode())
    write('lease', 'no-owner', b'{"bdf":"0000:03:00.0"}')
    write('lease', 'bad-bdf', b'{"bdf":"03:00","owner":"x"}')
    write('lease', 'not-object', b'["0000:03:00.0"]')
    write('lease', 'trailing', json.dumps(ok).encode() + b'garbage')
    write('lease', 'truncated', json.dumps(ok).encode()[:40])
    write('lease', 'types', b'{"bdf":"0000:03:00.0","owner":"x","pid":"12",'
          b'"since":"now","vf_index":-1}')


# ----------------------------------------------------------------- boot
def boot_hdr(flags, cmdline=b'', initrd=0):
    return u8(flags) + u16(len(cmdline)) + cmdline + u32(initrd)


def pvh_elf(is64=True, entry=0x100040, paddr=0x100000):
    note = u32(4) + u32(8 if is64 else 4) + u32(18) + b'Xen\0' + \
        (u64(entry) if is64 else u32(entry))
    seg = bytes(range(256)) * 2
    if is64:
        ehsize, phsize = 64, 56
    else:
        ehsize, phsize = 52, 32
    note_off = ehsize + 2 * phsize
    seg_off = note_off + len(note)
    ident = b'\x7fELF' + u8(2 if is64 else 1) + u8(1) + u8(1) + b'\0' * 9
    if is64:
        eh = ident + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, entry, ehsize,
                                 0, 0, ehsize, phsize, 2, 0, 0, 0)
        ph = struct.pack('<IIQQQQQQ', 1, 7, seg_off, paddr, paddr, len(seg),
                         0x4000, 0x1000)
        ph += struct.pack('<IIQQQQQQ', 4, 4, note_off, 0, 0, len(note),
                          len(note), 4)
    else:
        eh = ident + struct.pack('<HHIIIIIHHHHHH', 2, 3, 1, entry, ehsize, 0,
                                 0, ehsize, phsize, 2, 0, 0, 0)
        ph = struct.pack('<IIIIIIII', 1, seg_off, paddr, paddr, len(seg),
                         0x4000, 7, 0x1000)
        ph += struct.pack('<IIIIIIII', 4, note_off, 0, 0, len(note),
                          len(note), 4, 4)
    return eh + ph + note + seg


def bzimage(kernel=0x600, reloc=1, pref=0x1000000, init_size=0x10000,
            align=0x200000, version=0x020f, payload=None):
    b = bytearray(1024)             # boot sector + 1 setup sector
    b[0x1f1] = 1                    # setup_sects
    b[0x1fe:0x200] = u16(0xaa55)
    b[0x201] = 0x66                 # header ends at 0x268
    b[0x202:0x206] = b'HdrS'
    b[0x206:0x208] = u16(version)
    b[0x211] = 1                    # LOADED_HIGH
    b[0x22c:0x230] = u32(0x7fffffff)
    b[0x230:0x234] = u32(align)
    b[0x234] = reloc
    b[0x236:0x238] = u16(1)         # XLF_KERNEL_64
    b[0x238:0x23c] = u32(2048)
    b[0x258:0x260] = u64(pref)
    b[0x260:0x264] = u32(init_size)
    if payload is not None:         # the compressed vmlinux, after 0x200
        b[0x248:0x24c] = u32(0x200)
        b[0x24c:0x250] = u32(len(payload))
        return bytes(b) + b'\x90' * 0x200 + payload + u32(0)
    return bytes(b) + bytes(range(256)) * (kernel // 256) + b'\xc3' * (kernel % 256)


def vmlinux_elf(entry=0x200000, paddr=0x200000):
    """A minimal 64-bit ELF kernel: one PT_LOAD, no PVH note."""
    seg = b'\xf4' * 256
    ident = b'\x7fELF' + u8(2) + u8(1) + u8(1) + b'\0' * 9
    eh = ident + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, entry, 64, 0, 0,
                             64, 56, 1, 0, 0, 0)
    ph = struct.pack('<IIQQQQQQ', 1, 7, 120, paddr, paddr, len(seg),
                     len(seg) + 4096, 0x1000)
    return eh + ph + seg


def boots():
    write('boot', 'pvh64', boot_hdr(0, b'console=ttyS0') + pvh_elf())
    write('boot', 'pvh32', boot_hdr(1) + pvh_elf(False))
    write('boot', 'pvh-low-segment', boot_hdr(0) + pvh_elf(paddr=0x1000,
                                                           entry=0x1040))
    write('boot', 'bzimage', boot_hdr(2, b'quiet') + bzimage())
    write('boot', 'bzimage-initrd', boot_hdr(2 | 4 | 8, b'', 0x8000) +
          bzimage())
    write('boot', 'bzimage-fixed', boot_hdr(1 | 4, b'pci=off') +
          bzimage(reloc=0, pref=0x100000))
    write('boot', 'bzimage-old', boot_hdr(0) + bzimage(version=0x0204))
    write('boot', 'garbage', boot_hdr(0) + b'this is not a kernel\n')
    # A payload the VMM inflates itself (vmm/kernel_unpack.c): gzip, xz.
    elf = vmlinux_elf()
    write('boot', 'bzimage-gzip', boot_hdr(3 | 4, b'quiet') +
          bzimage(payload=gzip.compress(elf, mtime=0)))
    write('boot', 'bzimage-xz', boot_hdr(3 | 4 | 8, b'', 0x1000) +
          bzimage(payload=lzma.compress(elf, format=lzma.FORMAT_XZ,
                                        check=lzma.CHECK_CRC32)))
    write('boot', 'bzimage-xz-truncated', boot_hdr(3 | 4) +
          bzimage(payload=lzma.compress(elf, format=lzma.FORMAT_XZ)[:60]))


# ----------------------------------------------------------------- msix
def msix_write(off, val, qword=False):
    op = 0x42 if qword else 0x00
    return u8(op) + u8(0) + u8(0) + u16(off) + (u64(val) if qword else u32(val))


def msix_read(off):
    return u8(0x01) + u8(0) + u8(0) + u16(off)


def msixs():
    enable = u8(0x45) + u8(0)          # enabled, not function-masked
    maskall = u8(0xc3) + u8(0)         # enabled, function-masked
    fire = lambda v: u8(0x04) + u8(0) + u16(v)
    pba = u8(0x02) + u8(8) + u8(0) + u16(0)
    prog = msix_write(0, 0xfee00000) + msix_write(4, 0) + \
        msix_write(8, 0x4041) + msix_write(12, 0)
    write('msix', 'program-fire', u16(4) + prog + enable + fire(0) + fire(1) +
          pba + msix_read(0))
    write('msix', 'pending-unmask', u16(4) + prog[:-8] + enable + fire(0) +
          pba + msix_write(12, 0) + pba)
    write('msix', 'function-mask', u16(8) + prog + maskall + fire(0) + enable +
          pba + u8(0x05) + u8(0))
    write('msix', 'qword-and-odd', u16(2) + msix_write(0, 0xfee0000000000000,
                                                       True) +
          u8(0x80) + u8(3) + u8(0) + u16(1) + b'abc' + msix_read(13))
    write('msix', 'large-table', u16(0x8000 | 2047) + msix_write(2047 * 16, 1) +
          enable + fire(2047))


# ------------------------------------------------------------ virtqueue
RAM_BASE = 0x10000


def vring_desc(addr, length, flags, nxt):
    return u64(addr) + u32(length) + u16(flags) + u16(nxt)


def vq_seed(flags, log2, ram, ops, desc=0, avail=0x1000, used=0x2000):
    gpa = lambda off: u8(0) + u16(off)
    return u8(flags) + u8(log2) + gpa(desc) + gpa(avail) + gpa(used) + \
        u16(len(ram)) + ram + ops


def ram_with(descs, heads, indirect=b''):
    ram = bytearray(0x3000 + len(indirect))
    for i, d in enumerate(descs):
        ram[16 * i:16 * i + 16] = d
    ram[0x1000:0x1004] = u16(0) + u16(len(heads))
    for i, h in enumerate(heads):
        ram[0x1004 + 2 * i:0x1006 + 2 * i] = u16(h)
    ram[0x3000:] = indirect
    return bytes(ram)


def virtqueues():
    pop, push = u8(0), u8(1) + u16(0) + u32(64)
    buf = RAM_BASE + 0x4000
    chain = [vring_desc(buf, 64, 1, 1), vring_desc(buf + 64, 64, 2, 0)]
    write('virtqueue', 'chain', vq_seed(0, 3, ram_with(chain, [0]),
                                        pop + push + u8(3) + pop))
    ind = vring_desc(buf, 16, 1, 1) + vring_desc(buf + 16, 16, 2, 0)
    write('virtqueue', 'indirect', vq_seed(1, 3, ram_with(
        [vring_desc(RAM_BASE + 0x3000, 32, 4, 0)], [0], ind), pop + push))
    write('virtqueue', 'loop', vq_seed(0, 2, ram_with(
        [vring_desc(buf, 8, 1, 1), vring_desc(buf, 8, 1, 0)], [0]), pop))
    write('virtqueue', 'outside-ram', vq_seed(0, 2, ram_with(
        [vring_desc(0xdead0000, 8, 0, 0)], [0]), pop))
    write('virtqueue', 'guest-rewrites', vq_seed(0, 3, ram_with(chain, [0, 1]),
        pop + u8(2) + u16(0x10) + u8(2) + u16(0x1000) + pop + push))


# ------------------------------------------------------------------ pci
def latch(dev, reg):          # 0xcf8 <- enable | dev | reg
    return u8(0x00) + u8(dev) + u8(reg)


def port_write(port, data):   # 0xcfc + port
    return u8(0x85) + u8(4 + port) + u8(len(data)) + data


def port_read(port, n):
    return u8(0x01) + u8(4 + port) + u8(n)


def ecam_read(dev, reg, n):
    return u8(0x02) + u8(n) + u8(dev) + u16(reg)


def bar_io(dev, bar, off, data, write=True):
    n = {1: 0, 2: 1, 4: 2, 8: 3}[len(data)]
    return u8(0x04 | n << 4 | (0x80 if write else 0)) + u8(dev) + u8(bar) + \
        u32(off) + data


def pcis():
    size = latch(1, 0x04) + port_write(0, u16(0)) + latch(1, 0x10) + \
        port_write(0, u32(0xffffffff)) + port_read(0, 4) + latch(1, 0x04) + \
        port_write(0, u16(7))
    write('pci', 'size-bar', size)
    write('pci', 'headers', b''.join(ecam_read(d, r, 4) for d in range(4)
                                     for r in (0, 8, 0x34)))
    write('pci', 'testdev-regs', bar_io(1, 0, 4, u32(0x12345678)) +
          bar_io(1, 0, 4, u32(0), False) + bar_io(1, 4, 0, u16(0xbeef)))
    write('pci', 'virtio-status', bar_io(2, 0, 0x14, b'\x01') +
          bar_io(2, 0, 0x14, b'\x03') + bar_io(2, 2, 0, u64(0xfee00000)))
    write('pci', 'odd-ports', port_read(1, 1) + port_read(3, 2) +
          u8(0x01) + u8(9) + u8(9) + u8(0xc1) + u32(0xfffffff0))


# ----------------------------------------------------------- virtio-pci
def vp_hdr(nq=2, log2=4, devcfg=8, features=1 << 5, ram=b''):
    return u8(nq) + u8(log2) + u16(devcfg) + u64(features) + u16(len(ram)) + ram


def common(off, val, n):
    l = {1: 0, 2: 1, 4: 2, 8: 3}[n]
    return u8(0x82) + u8(off) + u8(l) + val.to_bytes(n, 'little')


def common_read(off, n):
    return u8(0x00) + u8(off) + u8({1: 0, 2: 1, 4: 2, 8: 3}[n])


def virtio_pcis():
    base = 0x100000
    init = common(0x14, 1, 1) + common(0x14, 3, 1) + \
        common(0x00, 1, 4) + common_read(0x04, 4) + \
        common(0x08, 1, 4) + common(0x0c, 1, 4) + common(0x14, 11, 1) + \
        common(0x16, 0, 2) + common(0x18, 8, 2) + \
        common(0x20, base, 8) + common(0x28, base + 0x1000, 8) + \
        common(0x30, base + 0x2000, 8) + common(0x1c, 1, 2) + \
        common(0x14, 15, 1)
    ram = bytearray(0x3000)
    ram[0:16] = vring_desc(base + 0x4000 - 0x100000 + 0x100000, 64, 2, 0)
    ram[0x1000:0x1006] = u16(0) + u16(1) + u16(0)
    pop = u8(0x04) + u8(0)
    write('virtio_pci', 'driver-init', vp_hdr(ram=bytes(ram)) + init + pop)
    msix = u8(0x03 | 0x80 | 0x40) + u8(1) + u32(0x8000)
    vec = common(0x10, 0, 2) + common(0x1a, 1, 2)
    write('virtio_pci', 'msix-notify', vp_hdr() + msix + vec +
          u8(0x24) + u8(0) + u8(0x44) + u8(0x64))
    write('virtio_pci', 'cfg-window', vp_hdr() + u8(0x43) + u8(4) + u8(0) +
          u32(0) + u8(0x43) + u8(12) + u8(2) + u32(4) + u8(0x03) + u8(16) +
          u8(2))
    write('virtio_pci', 'bad-config', vp_hdr(nq=0))
    write('virtio_pci', 'isr-devcfg', vp_hdr() + u8(0x20 | 0x80 + 0x02) +
          u8(4) + u8(2) + u32(0xaabbccdd) + u8(0x60) + u16(0x1000) + u8(0))


# ---------------------------------------------------------- vf netlink
def nla(t, payload):
    n = 4 + len(payload)
    return u16(n) + u16(t) + payload + b'\0' * ((4 - n % 4) % 4)


def nlmsg(t, payload, flags=0):
    return u32(16 + len(payload)) + u16(t) + u16(flags) + u32(1) + u32(0) + payload


def vf_netlinks():
    ifi = u8(0) + u8(0) + u16(1) + u32(7) + u32(1) + u32(0)  # index 7, IFF_UP
    vf = nla(1, u32(0) + bytes([2, 0, 0, 0, 0, 1]) + b'\0' * 26) + \
        nla(2, u32(0) + u32(100) + u32(3)) + nla(4, u32(0) + u32(1)) + \
        nla(9, u32(0) + u32(0xffffffff)) + nla(6, u32(0) + u32(10) + u32(100)) + \
        nla(5, u32(0) + u32(2))
    vf1 = nla(1, u32(1) + b'\0' * 32) + nla(12, nla(1, u32(1) + u32(5) +
                                                       u32(0) + b'\x88\xa8\0\0'))
    link = ifi + nla(3, b'ens1f0\0') + nla(21, u32(2)) + \
        nla(22, nla(1, vf) + nla(1, vf1))
    write('vf_netlink', 'newlink', b'\0' + nlmsg(16, link))
    write('vf_netlink', 'newlink-no-vfs', b'\0' + nlmsg(16, ifi + nla(3, b'lo\0')))
    write('vf_netlink', 'newlink-short-attr', b'\0' + nlmsg(16, ifi + nla(22, nla(1, nla(1, u32(0))))))
    req = nlmsg(19, ifi)
    write('vf_netlink', 'error-ack', b'\x03' + nlmsg(2, u32(0) + req[:16]))
    write('vf_netlink', 'error-extack', b'\x03' + nlmsg(2, u32(-95) + req[:16] +
          nla(1, b'VF does not support this\0'), 0x200))


# --------------------------------------------------------- vfio config
VC_READ, VC_WRITE, VC_BAR, VC_DEV, VC_FIRE, VC_SPECIAL = 0, 2, 4, 5, 6, 7


def vc_cfg(caps=(), bars=(), pin=0, cap_ptr=None, status=0x10):
    c = bytearray(256)
    c[0:4] = u16(0x8086) + u16(0x10fb)
    c[4:8] = u16(0x0008) + u16(status)
    c[8:12] = u32(0x02000001)
    c[0x0e] = 0x80
    for i, v in bars:
        c[0x10 + 4 * i:0x14 + 4 * i] = u32(v)
    c[0x2c:0x30] = u32(0x00031af4)
    c[0x3d] = pin
    for off, data in caps:
        c[off:off + len(data)] = data
    c[0x34] = caps[0][0] if cap_ptr is None and caps else (cap_ptr or 0)
    return bytes(c)


def vc_region(size=0, rw=3, mmap=False, areas=(), nofd=False):
    kind = rw | (4 if mmap else 0) | (8 if nofd else 0) | len(areas) << 4
    return u8(kind) + size.to_bytes(5, 'little') + \
        b''.join(u32(o) + u32(n) for o, n in areas)


def vc_dev(cfg, regions, intx=1, msi=8, msix=8, flags=1):
    regions = list(regions) + [vc_region()] * (7 - len(regions))
    return u8(flags) + cfg + b''.join(regions) + u8(intx) + u8(msi) + u16(msix)


def vc_op(op, off, len_sel=2, rest=b''):
    return u8(op) + u16(off) + u8(len_sel) + rest


def vc_rd(off, n=4):
    return vc_op(VC_READ, off, {1: 0, 2: 1, 4: 2}[n])


def vc_wr(off, val, n=4):
    return vc_op(VC_WRITE, off, {1: 0, 2: 1, 4: 2}[n], u32(val))


def vc_odd(off, n, write=False, val=0):     # any length 0..8, any offset
    return vc_op((VC_WRITE if write else VC_READ) | 0x20 | 0x40, off, n,
                 u32(val) if write else b'')


def vc_bar(bar, off, data=b'', write=False, aim=0):
    n = {1: 0, 2: 1, 4: 2, 8: 3}[len(data) if write else 4]
    return vc_op(VC_BAR | aim << 4 | (0x80 if write else 0), 0, 0,
                 u8(bar) + u8(n) + u32(off) + (data if write else b''))


def vc_fire(v):
    return vc_op(VC_FIRE, 0, 0, u16(v))


def vc_special(what):   # 0 function reset, 1 device I/O fails, 2 SET_IRQS fails
    return vc_op(VC_SPECIAL | what << 3, 0, 0)


def vfio_configs():
    msi = u8(0x05) + u8(0x70) + u16(0x0186)               # 64-bit, PVM, 8
    msix = u8(0x11) + u8(0) + u16(7) + u32(0x2000) + u32(0x3000)
    pm = u32(0x00035001) + u32(8)
    nic = vc_cfg(caps=[(0x40, pm), (0x50, msi), (0x70, msix)],
                 bars=[(0, 0xc), (2, 0x1)], pin=1)
    regions = [vc_region(0x4000, mmap=True), vc_region(), vc_region(0x20),
               vc_region(), vc_region(), vc_region(), vc_region(0x800, 1)]
    firmware = vc_wr(0x10, 0xfebf0000) + vc_wr(0x14, 0) + vc_wr(0x18, 0xc000) + \
        vc_wr(0x04, 0x0007, 2)
    sizing = vc_wr(0x10, 0xffffffff) + vc_rd(0x10) + vc_wr(0x30, 0xffffffff) + \
        vc_rd(0x30) + vc_wr(0x30, 0xfeb00001) + vc_rd(0x30)
    msix_on = vc_bar(0, 0x2000, u32(0xfee00000), True) + \
        vc_bar(0, 0x2008, u32(0x4041), True) + vc_bar(0, 0x200c, u32(0), True) + \
        vc_wr(0x72, 0x8000, 2) + vc_fire(0) + vc_bar(0, 0x200c, u32(1), True) + \
        vc_fire(0) + vc_bar(0, 0x3000) + vc_bar(0, 0x200c, u32(0), True) + \
        vc_wr(0x72, 0, 2)
    msi_on = vc_wr(0x54, 0xfee00000) + vc_wr(0x5c, 0x4020, 2) + vc_wr(0x60, 2) + \
        vc_wr(0x52, 0x21, 2) + vc_fire(1) + vc_rd(0x64) + vc_wr(0x60, 0) + \
        vc_rd(0x64) + vc_wr(0x52, 0, 2)
    write('vfio_config', 'nic', vc_dev(nic, regions) + firmware + sizing +
          msix_on + msi_on + vc_bar(2, 4, u16(0x55aa), True) + vc_bar(2, 0) +
          vc_rd(0x40) + vc_wr(0x44, 3, 2) + vc_rd(0x06, 2) + vc_rd(0x100) +
          vc_wr(0x100, 0x12345678) + vc_special(0) + vc_rd(0x04))
    write('vfio_config', 'odd-accesses', vc_dev(nic, regions) + firmware +
          vc_odd(0x3, 3) + vc_odd(0xfe, 4) + vc_odd(0x71, 4, True, 0xffffffff) +
          vc_odd(0xffe, 4) + vc_odd(0x1000, 2) + vc_odd(0x11, 0) +
          vc_odd(0x12, 7, True, 1) + vc_odd(0x05, 3, True, 0xffffff))
    write('vfio_config', 'hostile-runtime', vc_dev(nic, regions) + firmware +
          vc_op(VC_DEV, 0x06, 0, u8(0xff)) + vc_rd(0x04) +
          vc_op(VC_DEV, 0x44, 0, u8(0x0b)) + vc_rd(0x44) + vc_special(1) +
          vc_rd(0x40) + vc_wr(0x04, 0x0547, 2) + vc_special(1) +
          vc_special(2) + vc_wr(0x72, 0x8000, 2) + vc_special(2) +
          vc_wr(0x52, 0x01, 2))
    loop = vc_cfg(caps=[(0x40, u8(0x01) + u8(0x48)), (0x48, u8(0x05) + u8(0x40) +
                                                         u16(0))])
    write('vfio_config', 'cap-loop', vc_dev(loop, regions, flags=0) +
          vc_rd(0x40) + vc_rd(0x48))
    bad_bir = vc_cfg(caps=[(0x40, u8(0x11) + u8(0) + u16(0x7ff) + u32(0x7) +
                            u32(0x3000))], bars=[(0, 0xc)])
    write('vfio_config', 'msix-bad-bir', vc_dev(bad_bir, regions))
    far = vc_cfg(caps=[(0x40, u8(0x11) + u8(0) + u16(3) + u32(0xfffff003) +
                        u32(0x10))], bars=[(0, 0x0)])
    write('vfio_config', 'msix-table-off-bar', vc_dev(far, regions) + firmware +
          vc_wr(0x42, 0x8000, 2) + vc_bar(3, 0x10) + vc_bar(0, 0x10, aim=2))
    sparse = [vc_region(0x10000, mmap=True, areas=[(0, 0x8000), (0x9000, 0x7000),
                                                   (0x1800, 0x100)]),
              vc_region(), vc_region(0x20), vc_region(0x100000, mmap=True,
                                                      nofd=True)]
    wide = vc_cfg(caps=[(0x40, msix[:4] + u32(0x8000) + u32(0x8800))],
                  bars=[(0, 0x0), (2, 0x1), (3, 0x8)])
    write('vfio_config', 'sparse', vc_dev(wide, sparse, msix=64) + firmware +
          vc_wr(0x42, 0x8000, 2) + vc_bar(0, 0x8000, u64(0xfee00000), True) +
          vc_fire(3) + vc_bar(0, 0x8800))
    intx = vc_cfg(pin=2, status=0)
    write('vfio_config', 'intx-only', vc_dev(intx, regions, msi=0, msix=0) +
          vc_wr(0x04, 0x0400, 2) + vc_fire(0) + vc_special(0) + vc_rd(0x3c))
    write('vfio_config', 'not-pci', u8(0x06) + u8(3) + u8(1))


# ----------------------------------------------------------- vfio-user
VU_CMD, VU_REPLY = 0x0, 0x1


def vu_msg(cmd, payload, flags=VU_CMD, nfds=0, a=0, b=0, c=0, cap=64, mid=1,
           error=0):
    return u8(nfds) + u32(a) + u32(b) + u64(c) + u16(cap) + \
        u16(mid) + u16(cmd) + u32(16 + len(payload)) + u32(flags) + \
        u32(error) + payload


def vu_version_json(caps):
    return u16(0) + u16(0) + json.dumps({"capabilities": caps}).encode() + b'\0'


def vu_region_info(index, size, flags, mmap_off=0, areas=()):
    argsz = 32 + (16 + 16 * len(areas) if areas else 0)
    p = u32(argsz) + u32(flags | (8 if areas else 0)) + u32(index) + \
        u32(32 if areas else 0) + u64(size) + u64(mmap_off)
    if areas:
        p += u16(1) + u16(1) + u32(0) + u32(len(areas)) + u32(0)
        p += b''.join(u64(o) + u64(n) for o, n in areas)
    return p


def vfio_users():
    caps = {"max_msg_fds": 8, "max_data_xfer_size": 1048576,
            "max_dma_maps": 64, "pgsizes": 4096}
    w = lambda name, data: write('vfio_user', name, data)
    # Commands, as the server parses them.
    w('cmd-version', vu_msg(1, vu_version_json(caps)))
    w('cmd-version-bare', vu_msg(1, u16(0) + u16(0)))
    w('cmd-dma-map', vu_msg(2, u32(32) + u32(3) + u64(0) + u64(0x100000) +
                            u64(0x200000), nfds=1))
    w('cmd-dma-unmap', vu_msg(3, u32(24) + u32(0) + u64(0x100000) +
                              u64(0x200000)))
    w('cmd-device-info', vu_msg(4, u32(16) + u32(0) * 3))
    w('cmd-region-info', vu_msg(5, u32(64) + u32(0) + u32(7) + u32(0) +
                                u64(0) + u64(0)))
    w('cmd-irq-info', vu_msg(7, u32(16) + u32(0) + u32(2) + u32(0)))
    w('cmd-set-irqs-eventfd', vu_msg(8, u32(20) + u32(0x4 | 0x20) + u32(2) +
                                     u32(0) + u32(4), nfds=4))
    w('cmd-set-irqs-bool', vu_msg(8, u32(23) + u32(0x2 | 0x20) + u32(1) +
                                  u32(0) + u32(3) + b'\x01\x00\x01'))
    w('cmd-set-irqs-off', vu_msg(8, u32(20) + u32(0x1 | 0x20) + u32(0) +
                                 u32(0) + u32(0)))
    w('cmd-region-read', vu_msg(9, u64(0x10) + u32(7) + u32(4), a=4096))
    w('cmd-region-write', vu_msg(10, u64(0x80) + u32(0) + u32(8) +
                                 u64(0x1122334455667788), a=4096))
    w('cmd-reset', vu_msg(13, b''))
    w('cmd-unknown', vu_msg(99, b'\0' * 8))
    # Replies, as the client parses them (a/b/c: what it had asked).
    w('rep-version', vu_msg(1, vu_version_json(caps), VU_REPLY))
    w('rep-version-extra', vu_msg(1, vu_version_json(
        dict(caps, twin_socket={}, write_multiple=True, migration={})),
        VU_REPLY))
    w('rep-dma-map', vu_msg(2, b'', VU_REPLY))
    w('rep-dma-unmap', vu_msg(3, u32(24) + u32(0) + u64(0x100000) +
                              u64(0x200000), VU_REPLY, b=0x200000,
                              c=0x100000))
    w('rep-device-info', vu_msg(4, u32(16) + u32(3) + u32(9) + u32(5),
                                VU_REPLY))
    w('rep-region-info', vu_msg(5, vu_region_info(0, 0x100000, 7, 0,
                                                  [(0x80000, 0x80000)]),
                                VU_REPLY, nfds=1, a=0, b=4096))
    w('rep-region-info-plain', vu_msg(5, vu_region_info(7, 256, 3),
                                      VU_REPLY, a=7))
    w('rep-region-info-short', vu_msg(5, u32(80) + u32(0xf) + u32(0) +
                                      u32(32) + u64(0x100000) + u64(0),
                                      VU_REPLY, nfds=1, a=0))
    w('rep-irq-info', vu_msg(7, u32(16) + u32(1) + u32(2) + u32(8), VU_REPLY,
                             a=2))
    w('rep-set-irqs', vu_msg(8, b'', VU_REPLY))
    w('rep-region-read', vu_msg(9, u64(0x10) + u32(7) + u32(4) + u32(0xdeadbeef),
                                VU_REPLY, b=7 | 3 << 16, c=0x10))
    w('rep-region-write', vu_msg(10, u64(0x80) + u32(0) + u32(8), VU_REPLY,
                                 b=0 | 7 << 16, c=0x80))
    w('rep-reset', vu_msg(13, b'', VU_REPLY))
    w('rep-error', vu_msg(13, b'', VU_REPLY | 0x20, error=5))


# ------------------------------------------- switch control, VM control
def switch_ctls():
    w = lambda n, d: write('switch_ctl', n, d)
    w('ping', b'ping\n')
    w('stats', b'stats\n')
    w('stop', b'stop\n')
    w('stop-nul', b'stop\0garbage\n')
    w('port-add', b'port add vm1 mac=52:54:00:00:00:01 vlan=7 mode=client '
      b'path=/run/iopass/vhost/vm1.sock\n')
    w('port-add-sink', b'port add s mac=52:54:00:00:00:02 mode=sink\n')
    w('port-add-twice', b'port add a mac=52:54:00:00:00:01 mac=52:54:00:00:00:02\n')
    w('port-add-relative', b'port add a mac=52:54:00:00:00:01 path=x.sock\n')
    w('port-del', b'port del vm1\n')
    w('port-del-slash', b'port del ../x\n')
    w('record', b'port name=vm1 path=/x mode=server mac=52:54:00:00:00:01 vlan=0\n')
    w('err', b'err 16 too many control clients\n')
    w('err-bad', b'err x\n')
    w('ok', b'ok\n')
    w('long', b'port add ' + b'a' * 2000 + b'\n')


def vm_controls():
    w = lambda n, d: write('vm_control', n, d)
    w('status', b'{"request": "status"}\n')
    w('stop-bare', b'stop\n')
    w('stop-nul', b'{"request": "stop\\u0000x"}\n')
    w('stop-crlf', b'{"request":"stop"}\r\n')
    w('not-string', b'{"request": 1}\n')
    w('array', b'["stop"]\n')
    w('upper', b'STOP\n')
    w('long', b'{"request": "' + b's' * 100 + b'"}\n')
    w('trailing', b'{"request": "stop"} {"request": "x"}\n')
# ------------------------------------------------------------- acpi pm
def pm_write(addr, data, wide=False):
    a = (u8(0x80) + u64(addr)) if wide else (u8(0) + u8(addr))
    return a + u8(len(data) - 1) + data


def pm_read(addr, n, wide=False):
    a = (u8(0x81) + u64(addr)) if wide else (u8(1) + u8(addr))
    return a + u8(n - 1)


def acpi_pms():
    s5 = u8(5 << 2 | 0x20)
    write('acpi_pm', 'poweroff', pm_write(1, u8(0x80)) + pm_write(0, s5))
    write('acpi_pm', 'button', u8(2) + u8(0) + u8(0) + pm_read(2, 1) +
          pm_read(2, 1))
    write('acpi_pm', 'wide', u8(2) + u8(0) + u8(0) + pm_read(0, 8) +
          pm_write(0, u32(0x34) + u32(0xffffffff)))
    write('acpi_pm', 'wrap', pm_read(0xfffffffffffffffe, 8, True) +
          pm_write(0xffffffffffffffff, s5 * 8, True))
    write('acpi_pm', 'not-s5', pm_write(0, u8(3 << 2 | 0x20)) +
          pm_write(0, u8(5 << 2)) + pm_write(3, s5))


leases()
vf_netlinks()
boots()
msixs()
virtqueues()
pcis()
virtio_pcis()
vfio_configs()
vfio_users()
switch_ctls()
vm_controls()
acpi_pms()
