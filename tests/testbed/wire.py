#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""wire.py IFACE COMMAND ...: the testbed's end of the NIC wire (run --igb).

The virtio-net NIC that shares a QEMU hub with the igb NICs is IFACE; this
sends frames into the wire and counts what comes back, with raw AF_PACKET
sockets (no IP: the frames are what a switch or a NIC steers).

  send    --dst MAC [--vlan N] [--count N] [--src MAC]
          N frames (EtherType 0x88b5, numbered) to MAC
  reflect --dst MAC [--vlan N] [--count N] [--timeout S]
          N frames to MAC, then counts those that come back addressed to
          IFACE from MAC with our payload (a guest reflecting them: the test
          guest's vnet.mode=reflect); prints "sent N back M vlan V"
  sends   DST:COUNT[:VLAN] ...
          several sends in one process (each process costs seconds under
          the testbed's emulation), in the order given
  sink    --seconds S [--src MAC]
          counts frames arriving from MAC (any with no --src)

One line of "key=value" results on stdout; exit 0 unless the socket failed
(a count of 0 is a result, not an error: the test decides).
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETHERTYPE = 0x88B5
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
MAGIC = b"IOPASS"


def mac_bytes(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise ValueError("not a MAC: " + s)
    return b


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def open_sock(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    # The kernel takes a VLAN tag out of a received frame into auxdata.
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return s


def frame(dst, src, vlan, seq, run):
    hdr = dst + src
    if vlan:
        hdr += struct.pack("!HH", 0x8100, vlan & 0xFFF)
    payload = MAGIC + struct.pack("!II", run, seq)
    return hdr + struct.pack("!H", ETHERTYPE) + payload.ljust(46, b"\0")


def recv(s, timeout):
    """One frame: (data, vlan or 0), or None on timeout."""
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return None
    data, anc, _, addr = s.recvmsg(2048, socket.CMSG_SPACE(32))
    if addr[2] == socket.PACKET_OUTGOING:
        return "out"
    vlan = 0
    for level, kind, val in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(val) >= 20:
            status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", val[:20])
            if status & TP_STATUS_VLAN_VALID:
                vlan = tci & 0xFFF
    return data, vlan


def cmd_send(s, me, a, run):
    dst = mac_bytes(a.dst)
    src = mac_bytes(a.src) if a.src else me
    for i in range(a.count):
        s.send(frame(dst, src, a.vlan, i, run))
    print("sent=%d dst=%s vlan=%d" % (a.count, a.dst, a.vlan))


def cmd_sends(s, me, a, run):
    for spec in a.specs:
        fields = spec.rsplit(":", 2)
        # DST is a MAC (colons inside): COUNT and VLAN are the last fields.
        if len(fields) == 3 and len(fields[0]) == 17:
            dst, count, vlan = fields[0], int(fields[1]), int(fields[2])
        else:
            dst, count = spec.rsplit(":", 1)
            count, vlan = int(count), 0
        d = mac_bytes(dst)
        for i in range(count):
            s.send(frame(d, me, vlan, i, run))
        print("sent=%d dst=%s vlan=%d" % (count, dst, vlan))


def cmd_reflect(s, me, a, run):
    dst = mac_bytes(a.dst)
    seen = set()
    vlans = set()
    sent = 0
    deadline = time.monotonic() + a.timeout
    # Paced: a guest reflecting one frame at a time must not lose them to a
    # full ring (the switch's, the NIC's or its own) while we only send.
    last = time.monotonic()     # when the last frame came back
    while time.monotonic() < deadline:
        idle = time.monotonic() - last
        # A lost frame must not stop the rest: after a second without an
        # answer the window opens again; once all are out, 2 s end it.
        if sent < a.count and (sent - len(seen) < a.window or idle > 1):
            s.send(frame(dst, me, a.vlan, sent, run))
            sent += 1
            wait = 0
        elif len(seen) >= sent or (sent >= a.count and idle > 2):
            break
        else:
            wait = 0.05
        while True:
            got = recv(s, wait)
            if got is None:
                break
            wait = 0
            if got == "out":
                continue
            data, vlan = got
            if (len(data) >= 28 and data[0:6] == me and data[6:12] == dst and
                    data[12:14] == struct.pack("!H", ETHERTYPE) and data[14:20] == MAGIC):
                r, seq = struct.unpack("!II", data[20:28])
                if r == run:
                    seen.add(seq)
                    vlans.add(vlan)
                    last = time.monotonic()
    print("sent=%d back=%d vlan=%s dst=%s" % (sent, len(seen),
          ",".join(str(v) for v in sorted(vlans)) or "-", a.dst))


def cmd_sink(s, me, a, run):
    src = mac_bytes(a.src) if a.src else None
    n = 0
    deadline = time.monotonic() + a.seconds
    while time.monotonic() < deadline:
        got = recv(s, max(0, deadline - time.monotonic()))
        if got is None:
            break
        if got == "out":
            continue
        data, _ = got
        if src is None or data[6:12] == src:
            n += 1
    print("frames=%d from=%s" % (n, a.src or "any"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("iface")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("send", "reflect"):
        c = sub.add_parser(name)
        c.add_argument("--dst", required=True)
        c.add_argument("--vlan", type=int, default=0)
        c.add_argument("--count", type=int, default=64)
        c.add_argument("--src")
        c.add_argument("--timeout", type=float, default=30)
        c.add_argument("--window", type=int, default=16)
    c = sub.add_parser("sends")
    c.add_argument("specs", nargs="+", metavar="DST:COUNT[:VLAN]")
    c = sub.add_parser("sink")
    c.add_argument("--seconds", type=float, default=2)
    c.add_argument("--src")
    a = p.parse_args()
    try:
        s = open_sock(a.iface)
        me = mac_bytes(open("/sys/class/net/%s/address" % a.iface).read().strip())
    except OSError as e:
        print("wire.py: %s: %s" % (a.iface, e), file=sys.stderr)
        return 1
    run = (os.getpid() << 8 | int(time.time()) & 0xFF) & 0xFFFFFFFF
    {"send": cmd_send, "sends": cmd_sends, "reflect": cmd_reflect,
     "sink": cmd_sink}[a.cmd](s, me, a, run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
