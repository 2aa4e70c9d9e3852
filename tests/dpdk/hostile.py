# SPDX-License-Identifier: GPL-2.0-only
"""A hostile vhost-user frontend: hostile.py PORT_SOCKET CONTROL_SOCKET

Connects to a switch's server-mode port again and again and sends what no
sane VMM sends: garbage, truncated and oversized messages, requests out of
order, a ring size that is not a power of two, ring addresses and
descriptors outside the memory it shared, descriptor loops. After each
attack the switch must still answer on its control socket. Prints one
"ATTACK name ok|FAIL" line each; exits 1 if the switch stopped answering.
"""
import array
import mmap
import os
import socket
import struct
import sys
import time

PORT, CTL = sys.argv[1], sys.argv[2]

GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE = 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
SET_VRING_ENABLE = 18
VERSION = 0x1
REPLY = 0x4
MEM = 1 << 20
UADDR = 0x7F0000000000          # the frontend's "virtual address" of MEM
QSIZE = 256
F_VERSION_1 = 1 << 32


def msg(req, payload=b"", flags=VERSION, size=None):
    return struct.pack("<III", req, flags, len(payload) if size is None else size) + payload


def send(s, data, fds=()):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    s.sendmsg([data], anc)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(PORT)
    return s


def recv_reply(s):
    try:
        hdr = s.recv(12)
        if len(hdr) < 12:
            return None
        _, _, size = struct.unpack("<III", hdr)
        return s.recv(size) if size else b""
    except (socket.timeout, ConnectionResetError):
        return None


def ping():
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(5)
        c.connect(CTL)
        c.sendall(b"ping\n")
        return c.recv(16) == b"ok\n"
    except OSError:
        return False


def vring_addr(idx, base):
    desc, avail, used = base, base + 0x1000, base + 0x2000
    return struct.pack("<IIQQQQ", idx, 0, UADDR + desc, UADDR + used, UADDR + avail, 0)


def setup(s, mem_fd, ring_base=0x10000, num=QSIZE, addr_override=None):
    """A whole, valid setup of one queue pair (until the last step chosen)."""
    send(s, msg(SET_OWNER))
    send(s, msg(GET_FEATURES))
    recv_reply(s)
    send(s, msg(SET_FEATURES, struct.pack("<Q", F_VERSION_1)))
    region = struct.pack("<QQQQ", 0, MEM, UADDR, 0)
    send(s, msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) + region), [mem_fd])
    kicks = []
    for q in (0, 1):
        base = ring_base + q * 0x4000
        send(s, msg(SET_VRING_NUM, struct.pack("<II", q, num)))
        send(s, msg(SET_VRING_BASE, struct.pack("<II", q, 0)))
        a = addr_override(q) if addr_override else vring_addr(q, base)
        send(s, msg(SET_VRING_ADDR, a))
        k, c = os.eventfd(0), os.eventfd(0)
        kicks += [k, c]
        send(s, msg(SET_VRING_CALL, struct.pack("<Q", q)), [c])
        send(s, msg(SET_VRING_KICK, struct.pack("<Q", q)), [k])
        send(s, msg(SET_VRING_ENABLE, struct.pack("<II", q, 1)))
    time.sleep(0.3)
    return kicks


def tx_descs(mm, descs, ring_base=0x10000):
    """Puts descriptors (addr, len, flags, next) on the TX ring (queue 1)."""
    base = ring_base + 0x4000
    for i, d in enumerate(descs):
        struct.pack_into("<QIHH", mm, base + 16 * i, *d)
    for i in range(len(descs)):
        struct.pack_into("<H", mm, base + 0x1000 + 4 + 2 * i, i)
    struct.pack_into("<H", mm, base + 0x1000 + 2, len(descs))    # avail idx


def attack_garbage(s, fd, mm):
    send(s, os.urandom(300))


def attack_truncated(s, fd, mm):
    send(s, struct.pack("<II", SET_FEATURES, VERSION))         # half a header
    s.shutdown(socket.SHUT_WR)


def attack_oversized(s, fd, mm):
    send(s, msg(SET_MEM_TABLE, b"\0" * 16, size=0x7FFFFFFF))


def attack_unknown_request(s, fd, mm):
    send(s, msg(999, b"\0" * 8))
    send(s, msg(0, b""))


def attack_out_of_order(s, fd, mm):
    # ring set-up before owner, features and memory; kick for a queue that
    # does not exist; a base for a ring that has no size
    send(s, msg(SET_VRING_ADDR, vring_addr(1, 0x10000)))
    send(s, msg(SET_VRING_KICK, struct.pack("<Q", 200)), [os.eventfd(0)])
    send(s, msg(SET_VRING_BASE, struct.pack("<II", 300, 0)))
    send(s, msg(GET_VRING_BASE, struct.pack("<II", 1, 0)))


def attack_bad_ring_size(s, fd, mm):
    send(s, msg(SET_OWNER))
    for num in (3, 0, 65535, 1 << 20):
        send(s, msg(SET_VRING_NUM, struct.pack("<II", 1, num)))


def attack_mem_table(s, fd, mm):
    send(s, msg(SET_OWNER))
    send(s, msg(SET_MEM_TABLE, struct.pack("<II", 100, 0) + b"\0" * 32))    # 100 regions
    send(s, msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) +
                struct.pack("<QQQQ", 0, 1 << 40, UADDR, 0)), [fd])        # bigger than the fd
    send(s, msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) +
                struct.pack("<QQQQ", 0, MEM, UADDR, 0)))                  # no fd at all


def attack_ring_outside_memory(s, fd, mm):
    setup(s, fd, addr_override=lambda q: struct.pack(
        "<IIQQQQ", q, 0, UADDR + (1 << 30), UADDR + (1 << 31), UADDR - 0x1000, 0))


def attack_desc_outside_memory(s, fd, mm):
    setup(s, fd)
    tx_descs(mm, [(1 << 32, 64, 0, 0), (MEM - 8, 64, 0, 0), (0x80000, 0xFFFFFFFF, 0, 0)])
    time.sleep(0.3)


def attack_desc_loop(s, fd, mm):
    setup(s, fd)
    # 0 -> 1 -> 0 ... (NEXT flag = 1), and an indirect table (flag 4) outside memory
    tx_descs(mm, [(0x80000, 64, 1, 1), (0x80100, 64, 1, 0), (1 << 33, 4096, 4, 0)])
    time.sleep(0.3)


def attack_reset_under_traffic(s, fd, mm):
    setup(s, fd)
    tx_descs(mm, [(0x80000, 60, 0, 0)])
    send(s, msg(SET_MEM_TABLE, struct.pack("<II", 0, 0)))     # memory gone under the ring
    send(s, msg(SET_VRING_NUM, struct.pack("<II", 1, 5)))
    send(s, msg(GET_VRING_BASE, struct.pack("<II", 1, 0)))
    time.sleep(0.3)


ATTACKS = [attack_garbage, attack_truncated, attack_oversized, attack_unknown_request,
           attack_out_of_order, attack_bad_ring_size, attack_mem_table,
           attack_ring_outside_memory, attack_desc_outside_memory, attack_desc_loop,
           attack_reset_under_traffic]


def main():
    ok = True
    for attack in ATTACKS:
        fd = os.memfd_create("hostile")
        os.ftruncate(fd, MEM)
        mm = mmap.mmap(fd, MEM)
        s = None
        for _ in range(50):     # the previous connection may still be closing
            try:
                s = connect()
                break
            except OSError:
                time.sleep(0.1)
        name = attack.__name__[len("attack_"):]
        try:
            if s is None:
                raise OSError("port socket refused connections")
            attack(s, fd, mm)
        except OSError as e:    # the switch hanging up on us is fine
            print(f"note: {name}: {e}")
        time.sleep(0.2)
        alive = ping()
        print(f"ATTACK {name} {'ok' if alive else 'FAIL (switch does not answer)'}",
              flush=True)
        ok = ok and alive
        if s:
            s.close()
        mm.close()
        os.close(fd)
    return 0 if ok else 1


sys.exit(main())
