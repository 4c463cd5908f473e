#!/usr/bin/python3
"""load.py: a bounded client load on an etcd cluster through its JSON
gateway (HTTPS, client certificate), measuring how long it was unavailable.

  load.py --endpoints URL,URL,.. --cacert F --cert F --key F --out FILE
          [--duration S | --until-file F] [--rate N] [--reload]
  load.py --sum [--cycles N] FILE|DIR..

Each operation puts a unique key and value (POST /v3/kv/put) and reads it
back (POST /v3/kv/range, linearizable), on one endpoint; operations go to
the endpoints round-robin.  When a request fails (connection, timeout of
2 s, HTTP status, wrong value), the operation is tried again on the next
endpoint, at most 3 attempts in all; each attempt after the first is a
retry; an operation whose attempts all fail is failed.  The load runs for
--duration seconds, or until --until-file exists (checked between
requests: it stops within one request's timeout; an operation cut short
by it is "interrupted", not failed), or until SIGTERM/SIGINT.

With --reload, the certificate, key and CA files are looked at before each
operation; when one changed (a rotation), new connections use them.

FILE gets a JSON summary:
  operations            operations done (ok + failed)
  ok, failed            operations that succeeded, that failed
  interrupted           cut short by the stop (0 or 1)
  requests              HTTP requests sent
  first_attempt_failures  {endpoint: operations whose first attempt,
                        on that endpoint, failed}
  retries               attempts after the first
  longest_unavailable_s the longest time with no operation succeeding,
                        counting from the start and to the end
  endpoint_longest_gap_s  {endpoint: the longest time between two
                        successful requests on it (also from the start
                        and to the end)}
  start, end, duration_s, rate, endpoints
and FILE.log one line per request: "<epoch> <endpoint> <1|0> <put|get>".

--sum adds up summaries (files, or every *-load.json / *-downs.json under
the directories; downs.json files from downs.py --json give the restarts)
and prints one JSON object: cycles (--cycles, else the number of load
summaries), runs, restarts, operations, requests, retries, failed,
longest_unavailable_s (the maximum), max_down (the maximum).
Exit status: 0, 1 on an error, 2 on a usage error.
"""

import argparse
import base64
import http.client
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse

TIMEOUT = 2.0
ATTEMPTS = 3


class Stop(Exception):
    pass


class Endpoint:
    def __init__(self, url, ctx):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "https" or not u.hostname:
            raise ValueError("%s: not an https:// URL" % url)
        self.url = url.rstrip("/")
        self.host = u.hostname
        self.port = u.port or 443
        self.ctx = ctx
        self.conn = None
        self.last_ok = None
        self.longest_gap = 0.0

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None

    def post(self, path, body):
        """Returns the decoded JSON answer; raises on any failure."""
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                self.host, self.port, timeout=TIMEOUT, context=self.ctx)
        data = json.dumps(body).encode()
        try:
            self.conn.request("POST", path, body=data,
                              headers={"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            raw = resp.read()
        except Exception:
            self.close()
            raise
        if resp.status != 200:
            self.close()
            raise RuntimeError("%s%s: HTTP %d: %s" % (
                self.url, path, resp.status, raw[:200]))
        return json.loads(raw)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def tls_files(args):
    """What identifies the versions of the TLS files (through links)."""
    out = []
    for f in (args.cacert, args.cert, args.key):
        st = os.stat(f)
        out.append((st.st_dev, st.st_ino, st.st_mtime_ns))
    return out


def tls_context(args):
    ctx = ssl.create_default_context(cafile=args.cacert)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


class Load:
    def __init__(self, args):
        self.files = tls_files(args)
        ctx = tls_context(args)
        self.reloads = 0
        self.eps = [Endpoint(u, ctx)
                    for u in args.endpoints.split(",") if u]
        if not self.eps:
            raise ValueError("--endpoints: none given")
        self.args = args
        self.log = open(args.out + ".log", "w")
        self.requests = 0
        self.ok = 0
        self.failed = 0
        self.interrupted = 0
        self.retries = 0
        self.first_fail = {e.url: 0 for e in self.eps}
        self.last_success = None
        self.longest_unavail = 0.0
        self.stop_requested = False
        self.prefix = "/load/%d-%d/" % (os.getpid(), int(time.time()))
        self.start = None
        self.deadline = None

    def should_stop(self):
        if self.stop_requested:
            return True
        if self.deadline is not None and time.time() >= self.deadline:
            return True
        if self.args.until_file and os.path.exists(self.args.until_file):
            return True
        return False

    def request(self, ep, what, path, body, want=None):
        self.requests += 1
        ok = False
        try:
            ans = ep.post(path, body)
            if what == "get":
                kvs = ans.get("kvs") or []
                ok = len(kvs) == 1 and kvs[0].get("value") == want
            else:
                ok = "header" in ans
        except Exception as e:
            sys.stderr.write("load.py: %s %s: %s\n" % (ep.url, what, e))
        now = time.time()
        self.log.write("%.6f %s %d %s\n" % (now, ep.url, 1 if ok else 0,
                                            what))
        if ok:
            since = ep.last_ok if ep.last_ok is not None else self.start
            ep.longest_gap = max(ep.longest_gap, now - since)
            ep.last_ok = now
        return ok

    def attempt(self, ep, key, value):
        if not self.request(ep, "put", "/v3/kv/put",
                            {"key": b64(key), "value": b64(value)}):
            return False
        if self.should_stop():
            raise Stop()
        return self.request(ep, "get", "/v3/kv/range",
                            {"key": b64(key)}, b64(value))

    def reload(self):
        """--reload: new connections use the files as they are now (a
        rotated client certificate or trust bundle); open ones stay."""
        try:
            files = tls_files(self.args)
            if files == self.files:
                return
            ctx = tls_context(self.args)
        except (OSError, ssl.SSLError):
            return      # mid-switch: the next operation tries again
        self.files = files
        self.reloads += 1
        for ep in self.eps:
            ep.ctx = ctx

    def operation(self, n):
        if self.args.reload:
            self.reload()
        key = "%s%08d" % (self.prefix, n)
        value = "v%d-%.6f" % (n, time.time())
        first = n % len(self.eps)
        for a in range(ATTEMPTS):
            ep = self.eps[(first + a) % len(self.eps)]
            if a > 0:
                if self.should_stop():
                    raise Stop()
                self.retries += 1
            if self.attempt(ep, key, value):
                return True
            if a == 0:
                self.first_fail[ep.url] += 1
        return False

    def success(self):
        now = time.time()
        since = self.last_success if self.last_success is not None \
            else self.start
        self.longest_unavail = max(self.longest_unavail, now - since)
        self.last_success = now

    def run(self):
        self.start = time.time()
        if self.args.duration is not None:
            self.deadline = self.start + self.args.duration
        period = 1.0 / self.args.rate
        n = 0
        next_t = self.start
        while not self.should_stop():
            now = time.time()
            if now < next_t:
                time.sleep(min(next_t - now, 0.05))
                continue
            # Behind schedule (a slow or retried operation): no burst.
            next_t = max(next_t + period, now)
            try:
                if self.operation(n):
                    self.ok += 1
                    self.success()
                else:
                    self.failed += 1
            except Stop:
                self.interrupted += 1
                break
            n += 1
        self.end = time.time()
        since = self.last_success if self.last_success is not None \
            else self.start
        self.longest_unavail = max(self.longest_unavail, self.end - since)
        for ep in self.eps:
            since = ep.last_ok if ep.last_ok is not None else self.start
            ep.longest_gap = max(ep.longest_gap, self.end - since)
            ep.close()
        self.log.close()

    def summary(self):
        return {
            "operations": self.ok + self.failed,
            "ok": self.ok,
            "failed": self.failed,
            "interrupted": self.interrupted,
            "requests": self.requests,
            "first_attempt_failures": self.first_fail,
            "retries": self.retries,
            "longest_unavailable_s": round(self.longest_unavail, 6),
            "endpoint_longest_gap_s": {
                e.url: round(e.longest_gap, 6) for e in self.eps},
            "start": round(self.start, 6),
            "end": round(self.end, 6),
            "duration_s": round(self.end - self.start, 6),
            "rate": self.args.rate,
            "tls_reloads": self.reloads,
            "endpoints": [e.url for e in self.eps],
        }


def summaries(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, files in sorted(os.walk(p)):
                for f in sorted(files):
                    if f.endswith("-load.json") or f.endswith("-downs.json"):
                        yield os.path.join(d, f)
        else:
            yield p


def do_sum(paths, cycles):
    t = {"cycles": 0, "runs": 0, "restarts": 0, "operations": 0,
         "requests": 0, "retries": 0, "failed": 0,
         "longest_unavailable_s": 0.0, "max_down": 0}
    for p in summaries(paths):
        with open(p) as f:
            s = json.load(f)
        if "intervals" in s:
            t["restarts"] += len(s["intervals"])
            t["max_down"] = max(t["max_down"], s.get("max_down", 0))
        elif "operations" in s:
            t["runs"] += 1
            for k in ("operations", "requests", "retries", "failed"):
                t[k] += s[k]
            t["longest_unavailable_s"] = max(t["longest_unavailable_s"],
                                             s["longest_unavailable_s"])
        else:
            raise ValueError("%s: neither a load nor a downs summary" % p)
    t["cycles"] = cycles if cycles is not None else t["runs"]
    return t


def main():
    ap = argparse.ArgumentParser(prog="load.py")
    ap.add_argument("--endpoints")
    ap.add_argument("--cacert")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--out")
    ap.add_argument("--duration", type=float)
    ap.add_argument("--until-file")
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--reload", action="store_true")
    ap.add_argument("--sum", action="store_true")
    ap.add_argument("--cycles", type=int)
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    if args.sum:
        if not args.paths:
            ap.error("--sum needs files or directories")
        try:
            t = do_sum(args.paths, args.cycles)
        except (OSError, ValueError, KeyError) as e:
            sys.stderr.write("load.py: --sum: %s\n" % e)
            return 1
        print(json.dumps(t, sort_keys=True))
        return 0
    if args.paths:
        ap.error("unexpected arguments (files only with --sum)")
    for o in ("endpoints", "cacert", "cert", "key", "out"):
        if getattr(args, o) is None:
            ap.error("--%s is required" % o)
    if (args.duration is None) == (args.until_file is None):
        ap.error("give one of --duration and --until-file")
    if args.rate <= 0:
        ap.error("--rate must be positive")
    try:
        load = Load(args)
    except (OSError, ValueError, ssl.SSLError) as e:
        sys.stderr.write("load.py: %s\n" % e)
        return 1

    def on_signal(signum, frame):
        load.stop_requested = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    load.run()
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(load.summary(), f, indent=1, sort_keys=True)
        f.write("\n")
    os.rename(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
