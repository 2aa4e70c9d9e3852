#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Holds control-socket clients that never finish a request: SILENT that send
# nothing and HALF that send half a line. Prints "ready" once all are
# connected, then waits up to WAIT seconds for the switch to close each, and
# prints one "closed KIND I: WHAT IT SAID" line per client it closed and
# "open KIND I" for one still open, then "closed N of M".
# usage: ctl_idle.py CTL SILENT HALF WAIT
import select
import socket
import sys
import time

ctl, silent, half, wait = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
clients = []
for kind, n in (("silent", silent), ("half", half)):
    for i in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(ctl)
        if kind == "half":
            s.sendall(b"stat")
        clients.append([kind, i, s, b"", False])
        time.sleep(0.05)	# a distinct arrival for each
print("ready", flush=True)
end = time.monotonic() + wait
while time.monotonic() < end and not all(c[4] for c in clients):
    live = [c for c in clients if not c[4]]
    r, _, _ = select.select([c[2] for c in live], [], [], 0.5)
    for c in live:
        if c[2] in r:
            try:
                d = c[2].recv(4096)
            except OSError:
                d = b""
            if d:
                c[3] += d
            else:
                c[4] = True
for kind, i, s, said, closed in clients:
    text = said.decode(errors="replace").strip().replace("\n", " | ")
    print(("closed" if closed else "open") + f" {kind} {i}: {text}")
print(f"closed {sum(c[4] for c in clients)} of {len(clients)}", flush=True)
