# SPDX-License-Identifier: GPL-2.0-only
"""The kernel's side of a net_tap uplink: tapwire.py IFACE send|count ...

  send DST-MAC VLAN N      writes N frames (VLAN 0: untagged) into the wire
  count DST-MAC SECONDS    counts the frames to DST-MAC the switch sent out
                           for SECONDS and then what is still queued, and
                           prints "COUNT total tagged-with-vlan=V..." lines;
                           "READY" on stderr once it is listening

The kernel takes an 802.1Q tag off a received frame before packet sockets
see it; PACKET_AUXDATA gives it back.
"""
import socket
import struct
import sys
import time

SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID = 1 << 4
ETH_P_ALL = 0x0003
SRC = bytes.fromhex("020000000f01")


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def main():
    iface, cmd = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    if cmd == "send":
        dst, vlan, n = mac(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        tag = struct.pack("!HH", 0x8100, vlan) if vlan else b""
        frame = dst + SRC + tag + struct.pack("!H", 0x88B5) + bytes(46)
        # Paced: the tap's queue and the guest's ring are short, and this
        # tests where frames go, not how many fit in a burst.
        for i in range(n):
            s.send(frame)
            if i % 50 == 49:
                time.sleep(0.02)
        return 0
    dst, secs = mac(sys.argv[3]), float(sys.argv[4])
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)    # SO_RCVBUFFORCE: never drop
    s.settimeout(0.2)
    # Bound: the caller starts the traffic only after this line (a loaded
    # machine can take seconds to start python, and frames sent before the
    # bind are never seen).
    print("READY", file=sys.stderr, flush=True)
    total, vlans = 0, {}
    end = time.time() + secs
    while True:
        try:
            data, anc, _, addr = s.recvmsg(2048, 64)
        except socket.timeout:
            if time.time() < end:
                continue
            break   # past the window and nothing queued: all is read
        if addr[2] == socket.PACKET_OUTGOING or data[:6] != dst:
            continue
        vlan = 0
        for level, typ, val in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA:
                status, _, _, _, _, tci = struct.unpack_from("IIIHHH", val)
                if status & TP_STATUS_VLAN_VALID:
                    vlan = tci & 0xFFF
        if data[12:14] == b"\x81\x00":      # not taken off: still in the frame
            vlan = struct.unpack("!H", data[14:16])[0] & 0xFFF
        total += 1
        vlans[vlan] = vlans.get(vlan, 0) + 1
    print("COUNT", total, " ".join(f"vlan{v}={c}" for v, c in sorted(vlans.items())))
    return 0


sys.exit(main())
