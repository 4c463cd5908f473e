#!/usr/bin/python3
"""dropin-cmp.py: compare what one script left behind when run with the
real cfssl (REF) and with etcd-pki through cfssl links (OURS).

Usage: dropin-cmp.py CERTCMP REF OURS [RULE ...]

Every file of REF must exist in OURS and the other way round (the script,
its stdout/stderr captures and its exit status included as files), with
the same mode.  Then each file is compared by what it holds, one check
per file (one per certificate in a file of certificates):

  * JSON: equal once parsed; a string holding PEM is compared as a file
    holding it would be, and an RFC 3339 time (a bundle's "expires")
    within 120 s;
  * certificates (one or more PEM blocks): certcmp.py, one by one in order,
    allowing the authority key identifier (each run has its own CA key);
  * certificate requests: certcmp.py --csr;
  * private keys: the same PEM label (the key itself differs);
  * anything else: equal bytes.

RULEs, each "GLOB:what", adjust a file (fnmatch on its name):
  GLOB:ignore            not compared (a run's own stderr, say)
  GLOB:re=REGEX          both must match REGEX (a serial number, ...)
  GLOB:allow=FIELD       passed to certcmp.py as --allow FIELD
  GLOB:json-any=KEY      both top objects have KEY, its value not compared
                         (it differs by run: a serial number, a key id)
  GLOB:json-set=KEY      the list at KEY (of the top object) is compared
                         as a set (cfssl's order is a Go map's)
  GLOB:json-ours=KEY     OURS's top object may have KEY, REF's not (a
                         known difference); it is left out
  GLOB:ours-only         a known difference: OURS has it, REF not
  GLOB:known=TEXT        a known difference, TEXT says which: the file
                         must differ (a "KNOWN" line, both sides shown);
                         the same contents fail (the test is out of date)
  GLOB:log               a Go log: the date and time each line starts
                         with and "serial number N" digits are left out
  GLOB:ours-extra=REGEX  OURS's lines that match REGEX are left out
                         (a warning of etcd-pki's own, say); each one
                         is printed as a DIAG line
Prints "PASS text" / "FAIL text" / "KNOWN text" / "DIAG text" lines.
"""

import calendar
import difflib
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import time

certcmp, ref, ours = sys.argv[1:4]
rules = [r.split(":", 1) for r in sys.argv[4:]]
TMP = tempfile.mkdtemp(prefix="dropin-cmp.")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def rule(name, kind):
    out = []
    for glob, what in rules:
        if fnmatch.fnmatch(name, glob):
            k, _, v = what.partition("=")
            if k == kind:
                out.append(v)
    return out


def files(top):
    found = {}
    for d, _, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            found[os.path.relpath(p, top)] = p
    return found


def report(ok, text, details=""):
    print(("PASS " if ok else "FAIL ") + text)
    if not ok:
        for line in details.splitlines():
            print("DIAG " + line)


def blocks(data, label):
    return re.findall(r"-----BEGIN %s-----.*?-----END %s-----\n?" %
                      (label, label), data, re.S)


def certcmp_run(args, x, y):
    """certcmp.py ARGS on the texts x (cfssl's) and y (ours)."""
    paths = []
    for who, text in (("cfssl", x), ("ours", y)):
        p = os.path.join(TMP, who)
        with open(p, "w") as f:
            f.write(text)
        paths.append(p)
    r = subprocess.run([sys.executable, certcmp] + args + paths,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    return r.returncode == 0, r.stdout


def text_diff(da, db):
    return "".join(difflib.unified_diff(da.splitlines(True),
                                        db.splitlines(True), "cfssl",
                                        "etcd-pki", n=1))[:3000]


def compare_pem(name, da, db):
    """(handled, [(ok, what, details)]) for texts holding PEM."""
    allow = []
    for f in ["ext:aki"] + rule(name, "allow"):
        allow += ["--allow", f]
    ca, cb = blocks(da, "CERTIFICATE"), blocks(db, "CERTIFICATE")
    if ca or cb:
        if len(ca) != len(cb):
            return True, [(False, "as many certificates",
                           "cfssl %d, etcd-pki %d" % (len(ca), len(cb)))]
        out = []
        for i, (x, y) in enumerate(zip(ca, cb)):
            ok, text = certcmp_run(allow, x, y)
            for line in text.splitlines():
                # An allowance of the rules (not the AKI, every run's own).
                if ok and line.startswith("allowed:") and \
                        "authorityKeyIdentifier" not in line:
                    print("DIAG %s: certificate %d: %s" % (name, i + 1, line))
            out.append((ok, "certificate %d field by field (certcmp)" %
                        (i + 1), text))
        return True, out
    if blocks(da, "CERTIFICATE REQUEST") or blocks(db, "CERTIFICATE REQUEST"):
        ok, text = certcmp_run(["--csr"] + allow, da, db)
        return True, [(ok, "request field by field (certcmp --csr)", text)]
    if "PRIVATE KEY-----" in da or "PRIVATE KEY-----" in db:
        la = [l for l in da.splitlines() if l.startswith("-----BEGIN")]
        lb = [l for l in db.splitlines() if l.startswith("-----BEGIN")]
        # The label only, without the armour dashes (t-keysafety scans logs).
        return True, [(la == lb, "same private key PEM label",
                       "cfssl %s, etcd-pki %s" %
                       ([l.strip("-") for l in la],
                        [l.strip("-") for l in lb]))]
    return False, []


def json_diff(name, path, a, b, bad):
    """Appends to bad the differences between the JSON values a and b."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = "%s.%s" % (path, k) if path else k
            if k not in a or k not in b:
                bad.append("%s: only in %s" %
                           (p, "cfssl's" if k in a else "etcd-pki's"))
            else:
                json_diff(name, p, a[k], b[k], bad)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            bad.append("%s: %d items in cfssl's, %d in etcd-pki's" %
                       (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            json_diff(name, "%s[%d]" % (path, i), x, y, bad)
    elif isinstance(a, str) and isinstance(b, str) and a != b:
        handled, res = compare_pem(name, a, b)
        if handled:
            for ok, what, details in res:
                if not ok:
                    bad.append("%s: %s:\n%s" % (path, what, details))
        elif RFC3339.fullmatch(a) and RFC3339.fullmatch(b):
            ta, tb = (calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))
                      for t in (a, b))
            if abs(ta - tb) > 120:
                bad.append("%s: cfssl %s, etcd-pki %s" % (path, a, b))
        else:
            bad.append("%s: cfssl %r, etcd-pki %r" % (path, a[:200], b[:200]))
    elif a != b or type(a) != type(b):
        bad.append("%s: cfssl %r, etcd-pki %r" % (path, a, b))


def compare(name, da, db):
    """[(ok, what, details)] for the contents da (REF) and db (OURS) of
    the file name, by the kind of content and the RULEs."""
    if rule(name, "log"):
        da, db = (re.sub(r"serial number [0-9]+", "serial number N",
                         re.sub(r"(?m)^[0-9]{4}/[0-9]{2}/[0-9]{2} "
                                r"[0-9]{2}:[0-9]{2}:[0-9]{2} ", "", d))
                  for d in (da, db))
    extra = rule(name, "ours-extra")
    if extra:
        kept = []
        for line in db.splitlines(True):
            if any(re.search(x, line) for x in extra):
                print("DIAG %s: etcd-pki's own line: %s" % (name,
                                                          line.rstrip()))
            else:
                kept.append(line)
        db = "".join(kept)
    res = rule(name, "re")
    if res:
        bad = [w for w, d in (("cfssl", da), ("etcd-pki", db))
               if not re.fullmatch(res[0], d, re.S)]
        return [(not bad, "both match " + res[0],
                 "; ".join("%s: %r" % (w, (da if w == "cfssl" else db)[:200])
                           for w in bad))]
    try:
        ja, jb = json.loads(da), json.loads(db)
    except ValueError:
        ja = jb = None
    if ja is not None and jb is not None:
        if isinstance(ja, dict) and isinstance(jb, dict):
            for k in rule(name, "json-set"):
                for j in (ja, jb):
                    if isinstance(j.get(k), list):
                        j[k] = sorted(j[k], key=json.dumps)
            for k in rule(name, "json-any"):
                if k in ja and k in jb:
                    ja[k] = jb[k] = None
            for k in rule(name, "json-ours"):
                if k not in ja and k in jb:
                    print("DIAG %s: etcd-pki's own key %s: %s" %
                          (name, k, json.dumps(jb.pop(k))))
        bad = []
        json_diff(name, "", ja, jb, bad)
        return [(not bad, "same JSON (PEM values field by field)",
                 "\n".join(bad))]
    handled, out = compare_pem(name, da, db)
    if handled:
        return out
    return [(da == db, "same bytes", text_diff(da, db))]


rf, of = files(ref), files(ours)
scenario = os.path.basename(ref)
for name in sorted(set(rf) | set(of)):
    if rule(name, "ignore"):
        continue
    label = "%s: %s" % (scenario, name)
    if rule(name, "ours-only"):
        report(name in of and name not in rf, label + ": written by etcd-pki "
               "only (a known difference)")
        continue
    if name not in rf or name not in of:
        report(False, label + ": present in both",
               "only in " + ("cfssl's run" if name in rf else "etcd-pki's run"))
        continue
    a, b = rf[name], of[name]
    ma, mb = os.stat(a).st_mode & 0o7777, os.stat(b).st_mode & 0o7777
    da = open(a, "rb").read().decode("utf-8", "replace")
    db = open(b, "rb").read().decode("utf-8", "replace")
    known = rule(name, "known")
    if known:
        same = all(ok for ok, _, _ in compare(name, da, db)) and ma == mb
        if same:
            report(False, "%s: differs (%s)" % (label, known[0]),
                   "the same in both runs: the test is out of date")
        else:
            print("KNOWN %s: %s" % (label, known[0]))
            for who, d in (("cfssl", da), ("etcd-pki", db)):
                for line in d.splitlines()[:3]:
                    print("DIAG   %s: %s" % (who, line[:160]))
        continue
    for ok, what, details in compare(name, da, db):
        if ma != mb:
            ok = False
            details = ("mode: cfssl %o, etcd-pki %o\n" % (ma, mb)) + details
        report(ok, "%s: %s%s" % (label, what, "" if ma != mb else
                                 ", same mode"), details)
for f in os.listdir(TMP):
    os.unlink(os.path.join(TMP, f))
os.rmdir(TMP)
