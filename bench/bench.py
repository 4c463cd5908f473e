#!/usr/bin/python3
"""Helpers of bench/run.sh (see bench/README.md).

  bench.py median HYPERFINE.json [COMMAND]
      median of results[0].times, in seconds; with COMMAND, fails unless
      the file holds exactly one result and it is COMMAND's
  bench.py dist HYPERFINE.json
      "n median p90 p99 max" of results[0].times, in milliseconds
      (nearest-rank percentiles)
  bench.py guide-inputs GUIDE_DIR OUT
      the guide's inputs with every key RSA-2048 (the cluster init example:
      5 RSA keys), an "admin" client, and OUT/leaves ("name profile")
  bench.py harvest ETCD_PKI_OUT OUT CA_CSR GUIDE_DIR
      the CSR JSON files etcd-pki wrote (member dirs: peer, clients/: client)
      copied to OUT with OUT/leaves; its ca-csr.json, or else CA_CSR
  bench.py members GUIDE_DIR OUT N ALGO
      the CSR JSON of synthetic members m1..mN, as etcd-pki cluster issue
      -members N makes them (it writes no CSR JSON in that mode)
  bench.py key OUT ALGO
      rewrite every *-csr.json in OUT to key ALGO (ecdsa-256, rsa-2048)
  bench.py cfssl-script IN SCRIPT [flat]
      one cfssl | cfssljson pipeline per certificate, in a sh script
  bench.py openssl-script IN SCRIPT
      the same certificates through the openssl CLI
  bench.py certs CA.pem DIR
      the distinct certificates in DIR's *.pem files (not *-key.pem),
      sorted by the first file holding each: "leaf FILE" for one whose
      issuer is the CA's subject and that is not self-issued, "other
      FILE" for any other; copies of the CA and CRLs are skipped
      (python3-cryptography)
  bench.py table RESULTS.tsv
      the markdown table (see run.sh for the columns)
"""
import base64
import glob
import json
import math
import os
import re
import shlex
import shutil
import statistics
import sys


def median(path, command=None):
    with open(path) as f:
        d = json.load(f)
    got = [r["command"] for r in d["results"]]
    if command is not None and got != [command]:
        sys.exit("bench.py: %s: results of %r, not of %r"
                 % (path, got, command))
    print("%.6f" % statistics.median(d["results"][0]["times"]))


def dist(path):
    with open(path) as f:
        t = sorted(json.load(f)["results"][0]["times"])
    n = len(t)

    def rank(q):
        return t[max(0, min(n - 1, math.ceil(q * n) - 1))] * 1e3
    print("%d %.1f %.1f %.1f %.1f" % (n, statistics.median(t) * 1e3,
                                      rank(0.9), rank(0.99), t[-1] * 1e3))


PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)"
                      rb"-----END CERTIFICATE-----", re.S)


def pem_certs(path):
    with open(path, "rb") as f:
        return [base64.b64decode(m.group(1))
                for m in PEM_CERT.finditer(f.read())]


def certs(ca_path, top):
    """Which certificates under top the CA issued (see the usage)."""
    from cryptography import x509   # here: only this command needs it

    ca = pem_certs(ca_path)
    if not ca:
        sys.exit("bench.py: %s: no certificate" % ca_path)
    ca_subject = x509.load_der_x509_certificate(ca[0]).subject
    seen = {ca[0]}
    paths = []
    for d, _, files in os.walk(top):
        paths += [os.path.join(d, f) for f in files
                  if f.endswith(".pem") and not f.endswith("-key.pem")]
    for path in sorted(paths):
        for der in pem_certs(path):
            if der in seen:
                continue
            seen.add(der)
            cert = x509.load_der_x509_certificate(der)
            leaf = cert.issuer == ca_subject and cert.subject != cert.issuer
            print("%s %s" % ("leaf" if leaf else "other", path))


def load(path):
    with open(path) as f:
        return json.load(f)


def save(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=4)
        f.write("\n")


def algo_key(algo):
    kind, size = algo.split("-")
    return {"algo": kind, "size": int(size)}


def copy_common(guide, out, ca_csr=None):
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(guide, "request-config.json"),
                os.path.join(out, "request-config.json"))
    shutil.copy(ca_csr or os.path.join(guide, "ca-csr.json"),
                os.path.join(out, "ca-csr.json"))


def guide_inputs(guide, out):
    copy_common(guide, out)
    leaves = []
    for n in ("etcd1", "etcd2", "etcd3"):
        csr = load(os.path.join(guide, n + "-csr.json"))
        csr["key"] = {"algo": "rsa", "size": 2048}
        save(csr, os.path.join(out, n + "-csr.json"))
        leaves.append((n, "peer"))
    csr = load(os.path.join(guide, "client-csr.json"))
    csr["CN"] = "admin"
    csr["key"] = {"algo": "rsa", "size": 2048}
    save(csr, os.path.join(out, "admin-csr.json"))
    leaves.append(("admin", "client"))
    write_leaves(out, leaves)


def write_leaves(out, leaves):
    with open(os.path.join(out, "leaves"), "w") as f:
        for name, profile in leaves:
            f.write("%s %s\n" % (name, profile))


def harvest(src, out, ca_csr, guide):
    mine = os.path.join(src, "ca-csr.json")
    copy_common(guide, out, mine if os.path.exists(mine) else ca_csr)
    leaves = []
    for path in sorted(glob.glob(os.path.join(src, "**", "*-csr.json"),
                                 recursive=True)):
        name = os.path.basename(path)[:-len("-csr.json")]
        if name == "ca":
            continue
        rel = os.path.relpath(path, src).split(os.sep)
        profile = "client" if "clients" in rel[:-1] else "peer"
        shutil.copy(path, os.path.join(out, name + "-csr.json"))
        leaves.append((name, profile))
    if not leaves:
        sys.exit("bench.py: no *-csr.json under %s" % src)
    # Members in numeric order (m2 before m10), then clients.
    leaves.sort(key=lambda l: (l[1] == "client", len(l[0]), l[0]))
    write_leaves(out, leaves)


def members(guide, out, n, algo):
    """What "etcd-pki cluster issue -members N" issues (fixtures mode)."""
    copy_common(guide, out)
    save({"CN": "fixtures CA", "key": algo_key(algo),
          "ca": {"expiry": "87600h"}}, os.path.join(out, "ca-csr.json"))
    leaves = []
    for i in range(1, n + 1):
        name = "m%d" % i
        csr = {"CN": name,
               "hosts": ["127.0.%d.%d" % ((i - 1) // 254, (i - 1) % 254 + 1),
                         "localhost", "127.0.0.1", "::1"],
               "key": algo_key(algo)}
        save(csr, os.path.join(out, name + "-csr.json"))
        leaves.append((name, "peer"))
    save({"CN": "admin", "key": algo_key(algo)},
         os.path.join(out, "admin-csr.json"))
    leaves.append(("admin", "client"))
    write_leaves(out, leaves)


def rekey(out, algo):
    for path in glob.glob(os.path.join(out, "*-csr.json")):
        csr = load(path)
        csr["key"] = algo_key(algo)
        save(csr, path)


def read_leaves(indir):
    with open(os.path.join(indir, "leaves")) as f:
        return [line.split() for line in f if line.strip()]


def cfssl_script(indir, script, flat):
    q = shlex.quote
    lines = [
        "#!/bin/sh",
        "# The guide's way: one cfssl | cfssljson pipeline per certificate.",
        "set -eu",
        "mkdir -p \"$1\"",
        "cd \"$1\"",
        "cfssl gencert -initca %s | cfssljson -bare ca"
        % q(os.path.join(indir, "ca-csr.json")),
        "while read -r name profile; do",
    ]
    if flat:
        out = "\"$name\""
    else:
        lines.append("\tmkdir \"$name\"")
        out = "\"$name/$name\""
    lines += [
        "\tcfssl gencert -ca ca.pem -ca-key ca-key.pem -config %s "
        "-profile \"$profile\" %s/\"$name\"-csr.json | cfssljson -bare %s"
        % (q(os.path.join(indir, "request-config.json")), q(indir), out),
        "done < %s" % q(os.path.join(indir, "leaves")),
        "",
    ]
    with open(script, "w") as f:
        f.write("\n".join(lines))


def subject(csr):
    parts = []
    names = csr.get("names") or [{}]
    for k in ("C", "ST", "L", "O", "OU"):
        if names[0].get(k):
            parts.append("%s=%s" % (k, names[0][k]))
    parts.append("CN=%s" % csr["CN"])
    return "/" + "/".join(p.replace("/", "\\/") for p in parts)


def newkey(csr):
    key = csr.get("key", {"algo": "ecdsa", "size": 256})
    if key["algo"] == "rsa":
        return "rsa:%d" % key["size"]
    return "ec -pkeyopt ec_paramgen_curve:P-%d" % key["size"]


def san(csr):
    out = []
    for h in csr.get("hosts", []):
        ip = h.replace(".", "").replace(":", "")
        if ":" in h or (h.count(".") == 3 and ip.isdigit()):
            out.append("IP:" + h)
        else:
            out.append("DNS:" + h)
    return ",".join(out)


def openssl_script(indir, script):
    q = shlex.quote
    ca = load(os.path.join(indir, "ca-csr.json"))
    lines = [
        "#!/bin/sh",
        "# The same certificates through the openssl CLI: req -x509 for",
        "# the CA, then req -newkey and x509 -req -extfile per leaf.",
        "set -eu",
        "mkdir -p \"$1\"",
        "cd \"$1\"",
        "openssl req -x509 -newkey %s -noenc -keyout ca-key.pem -out ca.pem "
        "-days 3650 -subj %s -addext "
        "'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null"
        % (newkey(ca), q(subject(ca))),
    ]
    for name, profile in read_leaves(indir):
        csr = load(os.path.join(indir, name + "-csr.json"))
        ext = os.path.join(indir, name + ".ext")
        eku = "serverAuth,clientAuth" if profile == "peer" else "clientAuth"
        with open(ext, "w") as f:
            f.write("keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=%s\n"
                    "basicConstraints=critical,CA:FALSE\n"
                    "subjectKeyIdentifier=hash\n"
                    "authorityKeyIdentifier=keyid\n" % eku)
            if san(csr):
                f.write("subjectAltName=%s\n" % san(csr))
        addext = ""
        if san(csr):
            addext = " -addext %s" % q("subjectAltName=" + san(csr))
        lines.append(
            "openssl req -new -newkey %s -noenc -keyout %s-key.pem "
            "-out %s.csr -subj %s%s 2>/dev/null"
            % (newkey(csr), name, name, q(subject(csr)), addext))
        lines.append(
            "openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca-key.pem "
            "-days 1825 -sha256 -extfile %s -out %s.pem 2>/dev/null"
            % (name, q(ext), name))
    lines.append("")
    with open(script, "w") as f:
        f.write("\n".join(lines))


WORKLOADS = {
    "a": "(a) guide: CA + 3 peers + 1 client, RSA-2048",
    "b": "(b) CA + 1,000 members, ECDSA P-256",
    "c": "(c) CA + 100 members, RSA-2048",
    "d": "(d) peak RSS of (b)",
    "e": "(e) `version`: start-up alone",
    "f": "(f) one ECDSA P-256 leaf (ECDSA CA), whole process",
    # A "|" in a table cell, even in a code span, must be escaped.
    "g": "(g) the guide's pipeline `cfssl gencert \\| cfssljson -bare`, "
         "one ECDSA leaf",
    "h": "(h) one RSA-2048 leaf (ECDSA CA), whole process",
    "i": "(i) peak RSS of one ECDSA leaf (f)",
}


def fmt(value, unit):
    if unit == "MiB":
        return "%.1f MiB" % value
    if value >= 1:
        return "%.2f s" % value
    return "%.1f ms" % (value * 1e3)


def ratio(x, y):
    if x is None or y is None or y == 0:
        return "-"
    return "%.2fx" % (x / y)


def check(wl, ep, rows, floor):
    """The target text of workload wl and whether etcd-pki meets it."""
    def find(prefix):
        for r in rows:
            if r["tool"].startswith(prefix) and r["value"] is not None:
                return r["value"]
        return None
    cfssl = find("cfssl")
    mkcert = find("mkcert (TRUST_STORES=none)")
    tests = []
    # Issue 18's targets.
    if wl == "a":
        text = "<= 1.0x floor"
        tests = [("floor", floor, lambda: ep / floor <= 1.0)]
    elif wl == "b":
        text = "<= 1.3x floor"
        tests = [("floor", floor, lambda: ep / floor <= 1.3)]
    elif wl == "c":
        text = "<= 1.1x floor"
        tests = [("floor", floor, lambda: ep / floor <= 1.1)]
    elif wl == "d":
        text = "<= 12 MiB"
        tests = [("12 MiB", ep, lambda: ep <= 12)]
    elif wl == "e":
        text = "<= 2.5 ms"
        tests = [("2.5 ms", ep, lambda: ep <= 0.0025)]
    elif wl == "g":
        text = ">= 1.8x faster than cfssl's"
        tests = [("cfssl", cfssl, lambda: cfssl / ep >= 1.8)]
    elif wl == "h":
        text = "faster than mkcert and cfssl"
        tests = [("mkcert", mkcert, lambda: ep < mkcert),
                 ("cfssl", cfssl, lambda: ep < cfssl)]
    elif wl == "i":
        text = "<= 6 MiB"
        tests = [("6 MiB", ep, lambda: ep <= 6)]
    else:
        text = "<= 4.5 ms; faster than mkcert; >= 2.5x faster than cfssl"
        tests = [("4.5 ms", ep, lambda: ep <= 0.0045),
                 ("mkcert", mkcert, lambda: ep < mkcert),
                 ("cfssl", cfssl, lambda: cfssl / ep >= 2.5)]
    missing = [name for name, v, _ in tests if v is None]
    if missing:
        return text, "? (no %s)" % ", ".join(missing)
    failed = [name for name, _, f in tests if not f()]
    if failed:
        return text, "no (%s)" % ", ".join(failed)
    return text, "yes"


def table(path):
    rows = {}
    order = []
    with open(path) as f:
        for line in f:
            wl, tool, value, unit, runs, role = line.rstrip("\n").split("\t")
            if wl not in rows:
                rows[wl] = []
                order.append(wl)
            rows[wl].append({"tool": tool, "unit": unit, "runs": runs,
                             "role": role,
                             "value": None if value == "-" else float(value)})
    print("| workload | tool | median | ratio vs etcd-pki | ratio vs floor "
          "| target | met? |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for wl in sorted(order):
        rs = rows[wl]
        ep = next((r["value"] for r in rs if r["role"] == "ep"), None)
        floor = next((r["value"] for r in rs if r["role"] == "floor"), None)
        for i, r in enumerate(rs):
            label = WORKLOADS.get(wl, wl) if i == 0 else ""
            if r["value"] is None:
                med = "n/a"
            else:
                med = fmt(r["value"], r["unit"])
                if r["runs"] not in ("", "-"):
                    med += " (n=%s)" % r["runs"]
            target = met = ""
            if r["role"] == "ep" and r["value"] is not None:
                target, met = check(wl, r["value"], rs, floor)
            print("| %s | %s | %s | %s | %s | %s | %s |" % (
                label, r["tool"], med, ratio(r["value"], ep),
                ratio(r["value"], floor), target, met))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "median":
        median(*args)
    elif cmd == "certs":
        certs(*args)
    elif cmd == "dist":
        dist(*args)
    elif cmd == "guide-inputs":
        guide_inputs(*args)
    elif cmd == "harvest":
        harvest(*args)
    elif cmd == "members":
        members(args[0], args[1], int(args[2]), args[3])
    elif cmd == "key":
        rekey(*args)
    elif cmd == "cfssl-script":
        cfssl_script(args[0], args[1], len(args) > 2 and args[2] == "flat")
    elif cmd == "openssl-script":
        openssl_script(*args)
    elif cmd == "table":
        table(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
