#!/usr/bin/python3
"""downs.py: the down windows of the members of a cluster3.sh cluster.

  downs.py [--json FILE] [--log MEMBER=PATH].. RUN_DIR

Reads RUN_DIR/events (member-ctl.sh: "<epoch> MEMBER stop",
"<epoch> MEMBER start [poisoned]") and each member's etcd log
(RUN_DIR/MEMBER.log unless --log gives another), whose etcd 3.4 capnslog
lines "YYYY-MM-DD HH:MM:SS.uuuuuu L | ..." carry the local time: TZ must
be the zone etcd ran in (member-ctl.sh runs etcd with TZ=UTC; this script
reads TZ, default UTC).

A member is down from a stop until the first "ready to serve client
requests" line after a later start that was not poisoned (a poisoned
start never brings it up: such an etcd may print the line and then die).
A critical line ("C |" or "F |") after that ready line, before the next
start, marks it down again from then (it crashed).  A member's first
start, with no stop before it, is the cluster's start, not a down window.

Prints each member's down intervals, and the maximum number of members
down at once; --json FILE writes {"intervals": [{"member", "down", "up",
"seconds"}], "max_down", "overlaps", "open"}.  Exit status: 0; 1 when
intervals of two different members overlap, or a member went down and
never came up again ("open"); 2 on a usage or read error.
"""

import argparse
import calendar
import json
import os
import re
import sys
import time

LINE = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) "
                  r"([A-Z]) \| (.*)$")
READY = "ready to serve client requests"


def log_time(m):
    y, mo, d, h, mi, s, us = (int(x) for x in m.groups()[:7])
    tm = (y, mo, d, h, mi, s, 0, 0, -1)
    tz = os.environ.get("TZ", "UTC")
    if tz in ("UTC", "UTC0", "GMT", ":UTC", "Etc/UTC"):
        base = calendar.timegm(tm)
    else:
        base = time.mktime(tm)
    return base + us / 1e6


def read_log(path):
    """[(time, kind)] with kind "ready" or "crash"."""
    out = []
    try:
        f = open(path, errors="replace")
    except FileNotFoundError:
        return out
    with f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            level, text = m.group(8), m.group(9)
            if READY in text:
                out.append((log_time(m), "ready"))
            elif level in ("C", "F"):
                out.append((log_time(m), "crash"))
    return out


def intervals_of(member, events, logs):
    """events: [(time, "stop"|"start"|"poisoned")] of the member, logs:
    [(time, "ready"|"crash")].  Returns ([(down, up)], open_down or
    None)."""
    timeline = sorted([(t, k, 0) for t, k in events] +
                      [(t, k, 1) for t, k in logs])
    out = []
    down = None         # time it went down, or None while up
    started = False     # a start since it went down (or ever)
    poisoned = False    # the last start was poisoned
    running = False     # up after a good start (a crash line counts)
    for t, k, _ in timeline:
        if k == "stop":
            if down is None and (started or running):
                down = t
            running = False
            started = False
        elif k in ("start", "poisoned"):
            started = True
            poisoned = k == "poisoned"
            running = False
        elif k == "ready":
            if started and not poisoned and not running:
                running = True
                if down is not None:
                    out.append((down, t))
                    down = None
        elif k == "crash":
            if running:
                running = False
                started = False
                if down is None:
                    down = t
    return out, down


def main():
    ap = argparse.ArgumentParser(prog="downs.py")
    ap.add_argument("--json")
    ap.add_argument("--log", action="append", default=[])
    ap.add_argument("run_dir")
    a = ap.parse_args()
    logpath = {}
    for spec in a.log:
        if "=" not in spec:
            ap.error("--log MEMBER=PATH")
        k, v = spec.split("=", 1)
        logpath[k] = v
    events = {}
    try:
        with open(os.path.join(a.run_dir, "events")) as f:
            for n, line in enumerate(f, 1):
                w = line.split()
                if len(w) < 3 or w[2] not in ("stop", "start"):
                    sys.stderr.write("downs.py: events:%d: bad line\n" % n)
                    return 2
                kind = w[2]
                if kind == "start" and "poisoned" in w[3:]:
                    kind = "poisoned"
                events.setdefault(w[1], []).append((float(w[0]), kind))
    except (OSError, ValueError) as e:
        sys.stderr.write("downs.py: %s\n" % e)
        return 2
    ivs = []
    opens = []
    for m in sorted(events):
        path = logpath.get(m, os.path.join(a.run_dir, m + ".log"))
        got, open_down = intervals_of(m, events[m], read_log(path))
        for d, u in got:
            ivs.append((m, d, u))
        if open_down is not None:
            opens.append((m, open_down))
    ivs.sort(key=lambda x: x[1])
    for m, d, u in ivs:
        print("%s down %.6f .. %.6f (%.3f s)" % (m, d, u, u - d))
    for m, d in opens:
        print("%s down %.6f and never ready again" % (m, d))
    # The most members down at once (open intervals last to the end).
    pts = [(d, 1) for _, d, _ in ivs] + [(u, -1) for _, _, u in ivs] + \
          [(d, 1) for _, d in opens]
    pts.sort(key=lambda p: (p[0], p[1]))  # an end before a start at a tie
    cur = best = 0
    for _, delta in pts:
        cur += delta
        best = max(best, cur)
    overlaps = []
    spans = [(m, d, u) for m, d, u in ivs] + \
            [(m, d, float("inf")) for m, d in opens]
    for i in range(len(spans)):
        for j in range(i + 1, len(spans)):
            mi, di, ui = spans[i]
            mj, dj, uj = spans[j]
            if mi != mj and di < uj and dj < ui:
                overlaps.append((mi, mj, max(di, dj)))
    for mi, mj, t in overlaps:
        print("overlap: %s and %s both down at %.6f" % (mi, mj, t))
    print("max down at once: %d" % best)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({
                "intervals": [{"member": m, "down": d, "up": u,
                               "seconds": round(u - d, 6)}
                              for m, d, u in ivs],
                "open": [{"member": m, "down": d} for m, d in opens],
                "overlaps": [{"members": [x, y], "at": t}
                             for x, y, t in overlaps],
                "max_down": best}, f, indent=1)
            f.write("\n")
    return 1 if overlaps or opens else 0


if __name__ == "__main__":
    sys.exit(main())
