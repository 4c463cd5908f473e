#!/bin/sh
# t-docs.sh: the manual pages document what the program and the schemas
# define.
#  (1) Every flag of the table in cmd/opts.c appears in etcd-pki.1 as
#      ".Fl name" and in the -h output of at least one command; each
#      command's subsection of etcd-pki.1 documents the flags its -h lists
#      (".It Fl name") and no other, and its synopsis uses only those.
#  (2) Every key of schemas/*.schema.json ("properties", recursively, also
#      inside items, additionalProperties, if/then/else, definitions, ...;
#      patternProperties is not a key list) appears as ".Cm name" in
#      etcd-pki-csr.5 (csr and subject schemas), etcd-pki-config.5
#      (config schema) or etcd-pki-cluster.5 (cluster schema).
#  (3) Every command (the command table of cmd/ and "etcd-pki help") has a
#      ".Cm name" in the SYNOPSIS of etcd-pki.1 and a ".Ss name" subsection.
# The pages are parsed as mdoc: a word of a macro line that names a callable
# macro starts that macro, and the other words are its arguments, so
# ".Op Fl ca-key Ar key" documents the flag ca-key.
. "$(dirname "$0")/setup.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) ||
    skip_all "python3 is not installed"

"$PY" - "$TOP_SRCDIR" "$ETCD_PKI" >"$T/results" 2>"$T/py.err" <<'EOF' &&
import glob
import json
import os
import re
import subprocess
import sys

top, binary = sys.argv[1], sys.argv[2]
mandir = os.path.join(top, "man")


def report(ok, name):
    print(("PASS " if ok else "FAIL ") + name)


def diag(text):
    for line in str(text).splitlines() or [""]:
        print("DIAG " + line)


# ---- mdoc parsing ----------------------------------------------------

CALLABLE = set("""Ac Ad An Ao Ap Aq Ar At Bc Bo Bq Brc Bro Brq Bsx Bx Cm Dc
Do Dq Dv Dx Ec Em En Eo Er Es Ev Fa Fc Fl Fn Fo Fr Fx Ic Li Lk Ms Mt Nm No
Ns Nx Oc Oo Op Ot Ox Pa Pc Pf Po Pq Qc Ql Qo Qq Sc So Sq Sx Sy Ta Tn Ux Va
Vt Xc Xo Xr""".split())
DELIMS = set(". , : ; ( ) [ ] ? ! |".split())


def split_args(s):
    """Splits a macro line (without the leading dot) into (word, quoted)."""
    args, i, n = [], 0, len(s)
    while i < n:
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            break
        if s[i] == '"':
            i += 1
            buf = ""
            while i < n:
                if s[i] == '"':
                    if i + 1 < n and s[i + 1] == '"':
                        buf += '"'
                        i += 2
                        continue
                    i += 1
                    break
                buf += s[i]
                i += 1
            args.append((buf, True))
        else:
            j = i
            while j < n and s[j] not in " \t":
                j += 2 if s[j] == "\\" and j + 1 < n else 1
            args.append((s[i:j], False))
            i = j
    return args


def unescape(w):
    return w.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")


class Page:
    """The Fl and Cm arguments of an mdoc page, overall and by section."""

    def __init__(self, path):
        self.path = path
        self.fl = set()
        self.cm = set()
        self.sections = []          # (Sh, Ss) in order
        self.ss_fl = {}             # Ss title -> Fl arguments in it
        self.ss_it_fl = {}          # Ss title -> first Fl of .It heads
        self.sh_cm = {}             # Sh title -> Cm arguments in it
        self.synopsis = []          # [(Nm name, [Cm...], [Fl...])]
        sh = ss = None
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.rstrip("\n")
                if not line.startswith((".", "'")) or \
                    line.startswith((".\\\"", "'\\\"")):
                    continue
                words = split_args(line[1:])
                if not words:
                    continue
                head = words[0][0]
                rest = words[1:]
                if head == "Sh":
                    sh, ss = " ".join(w for w, _ in rest), None
                    self.sections.append((sh, None))
                    continue
                if head == "Ss":
                    ss = " ".join(w for w, _ in rest)
                    self.sections.append((sh, ss))
                    self.ss_fl.setdefault(ss, set())
                    self.ss_it_fl.setdefault(ss, set())
                    continue
                if sh == "SYNOPSIS" and head == "Nm":
                    self.synopsis.append((rest[0][0] if rest else "",
                        [], []))
                cur = head
                first_it_fl = head == "It"
                for w, quoted in rest:
                    if not quoted and w in CALLABLE:
                        if cur == "Fl" and w != "Fl":
                            first_it_fl = False
                        cur = w
                        continue
                    if cur not in ("Fl", "Cm"):
                        continue
                    if not quoted and w in DELIMS:
                        continue
                    w = unescape(w)
                    if cur == "Fl":
                        self.fl.add(w)
                        if ss is not None:
                            self.ss_fl[ss].add(w)
                            if first_it_fl and line.startswith(".It Fl "):
                                self.ss_it_fl[ss].add(w)
                        if sh == "SYNOPSIS" and self.synopsis:
                            self.synopsis[-1][2].append(w)
                    else:
                        self.cm.add(w)
                        self.sh_cm.setdefault(sh, set()).add(w)
                        if sh == "SYNOPSIS" and self.synopsis:
                            self.synopsis[-1][1].append(w)


pages = {}
for name in ("etcd-pki.1", "etcd-pki-csr.5", "etcd-pki-config.5",
             "etcd-pki-cluster.5"):
    path = os.path.join(mandir, name)
    ok = os.path.isfile(path)
    report(ok, "man/%s exists" % name)
    if ok:
        pages[name] = Page(path)
main = pages.get("etcd-pki.1")

# ---- (1) flags -------------------------------------------------------

flags = []
opts_c = os.path.join(top, "cmd", "opts.c")
if os.path.isfile(opts_c):
    with open(opts_c, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'^\s*\{ "([a-z0-9-]+)", OPT_', line)
            if m:
                flags.append(m.group(1))
report(len(flags) > 0, "cmd/opts.c has a flag table (%d flags)" % len(flags))

commands = []
for src in sorted(glob.glob(os.path.join(top, "cmd", "*.c"))):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r'const\s+struct\s+cmd_entry\s+cmd_\w+_entry\s*='
                         r'\s*\{\s*"([a-z0-9-]+)"', text):
        if m.group(1) not in commands:
            commands.append(m.group(1))

runnable = bool(binary) and os.access(binary, os.X_OK)
report(runnable, "ETCD_PKI (%s) is executable" % (binary or "unset"))
if runnable:
    p = subprocess.run([binary, "help"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    listed = re.findall(r"^\t(\S+)\s", p.stdout, re.M)
    report(p.returncode == 0 and len(listed) > 0,
           "etcd-pki help lists the commands")
    for c in listed:
        if c not in commands:
            commands.append(c)
report(len(commands) > 0, "the commands are known (%s)" % " ".join(commands))

# Commands with subcommands ("cluster init"): the parent itself takes no
# flags; each "parent sub" is checked like a command.
parents = set()
for src in sorted(glob.glob(os.path.join(top, "cmd", "*.c"))):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r'const\s+struct\s+cmd_entry\s+cmd_\w+_entry\s*='
                         r'\s*\{\s*"([a-z0-9-]+) ([a-z0-9-]+)"', text):
        parents.add(m.group(1))
        commands.append(m.group(1) + " " + m.group(2))

help_flags = {}
if runnable:
    for c in commands:
        if c in parents:
            continue
        p = subprocess.run([binary] + c.split() + ["-h"],
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        text = p.stdout
        if "\nFlags:\n" in text:
            text = text.split("\nFlags:\n", 1)[1]
        found = re.findall(r"^\s+-([a-z0-9-]+)(?:\s|$)", text, re.M)
        ok = p.returncode == 0 and len(found) > 0
        report(ok, "etcd-pki %s -h exits 0 and lists flags" % c)
        if not ok:
            diag(p.stdout)
        help_flags[c] = set(found)

for fl in flags:
    report(main is not None and fl in main.fl,
           "flag -%s is documented as .Fl %s in etcd-pki.1" % (fl, fl))
    users = sorted(c for c in help_flags if fl in help_flags[c])
    report(len(users) > 0, "flag -%s is in the -h output of a command (%s)"
           % (fl, ", ".join(users) or "none"))

# Flags the page names must exist (-h, -help and "--" are built in).
if main is not None:
    bogus = sorted(main.fl - set(flags) - {"h", "help", "-"})
    report(not bogus, "etcd-pki.1 names no flag that does not exist")
    if bogus:
        diag("unknown: " + " ".join("-" + b for b in bogus))

# Each command's subsection lists exactly the flags its -h output lists.
if main is not None:
    for c in sorted(help_flags):
        if c not in main.ss_it_fl:
            report(False, "etcd-pki.1 has a subsection for %s" % c)
            continue
        missing = sorted(help_flags[c] - main.ss_it_fl[c])
        extra = sorted(main.ss_it_fl[c] - help_flags[c])
        report(not missing and not extra,
               "the %s subsection documents the flags of %s -h" % (c, c))
        if missing:
            diag("not documented: " + " ".join("-" + x for x in missing))
        if extra:
            diag("not accepted: " + " ".join("-" + x for x in extra))
    # The synopsis uses only flags the command accepts.
    for i, (nm, cms, fls) in enumerate(main.synopsis):
        if nm == "cfssljson":
            cmd = "json"
        elif cms and cms[0] in parents and len(cms) > 1:
            cmd = cms[0] + " " + cms[1]
        elif cms:
            cmd = cms[0]
        else:
            continue
        if cmd not in help_flags:
            continue
        extra = sorted(set(fls) - help_flags[cmd])
        report(not extra, "synopsis line %d (%s %s) uses only flags %s "
               "accepts" % (i + 1, nm, cmd, cmd))
        if extra:
            diag("not accepted: " + " ".join("-" + x for x in extra))

# ---- (2) schema keys -------------------------------------------------

SCHEMA_PAGE = {
    "csr.schema.json": "etcd-pki-csr.5",
    "subject.schema.json": "etcd-pki-csr.5",
    "config.schema.json": "etcd-pki-config.5",
    "cluster.schema.json": "etcd-pki-cluster.5",
    "cluster-issue.schema.json": "etcd-pki.1",
    "cluster-verify.schema.json": "etcd-pki.1",
    "renew.schema.json": "etcd-pki.1",
    "needs-renewal.schema.json": "etcd-pki.1",
    "check.schema.json": "etcd-pki.1",
    "rollback.schema.json": "etcd-pki.1",
    "ca-renew.schema.json": "etcd-pki.1",
    "ca-rotate.schema.json": "etcd-pki.1",
    "revoke.schema.json": "etcd-pki.1",
    "cluster-inventory.schema.json": "etcd-pki.1",
    "gencrl.schema.json": "etcd-pki.1",
    "member.schema.json": "etcd-pki.1",
    "cluster-export.schema.json": "etcd-pki.1",
}
SUB_ONE = ("items", "additionalItems", "additionalProperties", "if", "then",
           "else", "not", "contains", "propertyNames")
SUB_MAP = ("definitions", "$defs", "dependencies")
SUB_LIST = ("allOf", "anyOf", "oneOf", "items")


def schema_keys(node, keys):
    """Adds the property names of schema node and its subschemas."""
    if isinstance(node, list):
        for n in node:
            schema_keys(n, keys)
        return
    if not isinstance(node, dict):
        return
    props = node.get("properties")
    if isinstance(props, dict):
        for k, v in props.items():
            keys.append(k)
            schema_keys(v, keys)
    for kw in SUB_ONE:
        if isinstance(node.get(kw), dict):
            schema_keys(node[kw], keys)
    for kw in SUB_MAP:
        if isinstance(node.get(kw), dict):
            for v in node[kw].values():
                if isinstance(v, dict):
                    schema_keys(v, keys)
    for kw in SUB_LIST:
        if isinstance(node.get(kw), list):
            schema_keys(node[kw], keys)


schemas = sorted(glob.glob(os.path.join(top, "schemas", "*.schema.json")))
report(len(schemas) > 0, "schemas/*.schema.json exist")
for path in schemas:
    base = os.path.basename(path)
    page = SCHEMA_PAGE.get(base)
    report(page is not None, "%s has a manual page" % base)
    if page is None or page not in pages:
        continue
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        report(False, "%s is valid JSON" % base)
        diag(e)
        continue
    keys = []
    schema_keys(doc, keys)
    report(len(keys) > 0, "%s has properties" % base)
    seen = set()
    for k in keys:
        if k in seen:
            continue
        seen.add(k)
        report(k in pages[page].cm,
               "%s key %s is documented as .Cm %s in %s"
               % (base, k, k, page))

# ---- (3) commands ----------------------------------------------------

if main is not None:
    syn = main.sh_cm.get("SYNOPSIS", set())
    subsections = {ss for sh, ss in main.sections
                   if sh == "DESCRIPTION" and ss is not None}
    for c in commands:
        report(all(w in syn for w in c.split()) and c in subsections,
               "command %s is in the SYNOPSIS (.Cm %s) and has a .Ss %s "
               "in etcd-pki.1" % (c, c, c))
EOF
py_ok=1 || py_ok=0

while read -r kind rest; do
	case $kind in
	PASS) pass "$rest" ;;
	FAIL) fail "$rest" ;;
	DIAG) diag "  $rest" ;;
	esac
done <"$T/results"

if [ "$py_ok" = 1 ]; then
	pass "the docs checker ran to the end"
else
	fail "the docs checker ran to the end"
	sed 's/^/#   /' "$T/py.err"
fi
finish
