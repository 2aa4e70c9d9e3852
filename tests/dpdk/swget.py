# SPDX-License-Identifier: GPL-2.0-only
# swget.py TYPE [NAME] FIELD < `iopass switch stats --json`
import json
import sys

d = json.load(sys.stdin)
t = sys.argv[1]
if t in ("port", "pool"):
    name, field = sys.argv[2], sys.argv[3]
    key = "name" if t == "port" else "port"
    for r in d[t + "s"]:
        if r[key] == name:
            print(r[field])
            sys.exit(0)
    sys.exit(1)
print(d[t][sys.argv[2]])
