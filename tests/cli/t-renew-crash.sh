#!/bin/sh
# t-renew-crash.sh: crash safety of renew.  renew is killed with SIGKILL at
# seeded random moments spread over its whole run (its run time is
# measured first), in the generations layout (key kept, and -rekey), and
# during the conversion of a fixed set.  After every kill: "current" names
# a complete generation whose key matches its certificate (or, during a
# conversion, the fixed files are still a matching pair), DIR/NAME.pem
# reads as that certificate, and the next renew completes (exit 10) and
# leaves no temporary file.  Then a reader that opens cert and key the way
# etcd does (two opens through the links) runs during repeated renewals
# and must never see a mismatched pair.
. "$(dirname "$0")/setup.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "python3 is not installed"
PAIRREAD=$TOP_BUILDDIR/tests/pairread
[ -x "$PAIRREAD" ] || skip_all "tests/pairread is not built"
plan 8
time_limit "${T_CRASH_LIMIT:-240}"

cd "$T" || exit 1
E=$ETCD_PKI

cat >ca-csr.json <<'EOF'
{"CN": "Crash CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >etcd1-csr.json <<'EOF'
{"CN": "etcd1", "hosts": ["etcd1.test", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >config.json <<'EOF'
{"signing": {"default": {"expiry": "2h", "usages": ["signing",
  "key encipherment", "server auth", "client auth"]}}}
EOF
"$E" gencert -initca -o ca ca-csr.json 2>/dev/null
mkdir tmpl
cp etcd1-csr.json ca.pem tmpl/
"$E" gencert -ca ca.pem -ca-key ca-key.pem -config config.json \
    -o tmpl/etcd1 tmpl/etcd1-csr.json 2>/dev/null

SEED=${T_CRASH_SEED:-$(date +%s)}
diag "seed $SEED (T_CRASH_SEED=$SEED reproduces the kill times)"

"$PY" - "$E" "$SEED" >crash.tap 2>crash.err <<'EOF'
import os, random, shutil, signal, statistics, subprocess, sys, time

E, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
SIGN = ["-ca", "ca.pem", "-ca-key", "ca-key.pem", "-config", "config.json"]

def pub(args):
    return subprocess.run(args, capture_output=True).stdout

def pair_ok(cert, key):
    c = pub(["openssl", "x509", "-noout", "-pubkey", "-in", cert])
    k = pub(["openssl", "pkey", "-pubout", "-in", key])
    return c != b"" and c == k

def check_state(d, converting):
    """Returns a problem string, or None when the set is sound."""
    cur = os.path.join(d, "current")
    if os.path.islink(cur):
        t = os.readlink(cur)
        if not t.startswith("gen/") or "/" in t[4:]:
            return "current -> %s" % t
        g = os.path.join(d, t)
        for f in ("etcd1.pem", "etcd1-key.pem", "etcd1.csr"):
            if not os.path.isfile(os.path.join(g, f)):
                return "%s lacks %s" % (t, f)
        if not pair_ok(os.path.join(g, "etcd1.pem"), os.path.join(g, "etcd1-key.pem")):
            return "%s: key does not match certificate" % t
        if (os.stat(os.path.join(g, "etcd1-key.pem")).st_mode & 0o777) != 0o600:
            return "%s: key mode" % t
    elif not converting:
        return "no current link"
    # What etcd opens: DIR/etcd1.pem and DIR/etcd1-key.pem.
    c, k = os.path.join(d, "etcd1.pem"), os.path.join(d, "etcd1-key.pem")
    if not (os.path.exists(c) and os.path.exists(k)):
        return "etcd1.pem or etcd1-key.pem does not resolve"
    if not pair_ok(c, k):
        return "DIR/etcd1.pem and DIR/etcd1-key.pem do not match"
    return None

def leftovers(d):
    bad = []
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            if ".tmp" in n:
                bad.append(os.path.join(root, n))
    return bad

def renew(d, extra):
    return [E, "renew", "-force"] + extra + SIGN + [os.path.join(d, "etcd1.pem")]

def timed_runs(d, extra, n=7):
    ts = []
    for _ in range(n):
        t0 = time.monotonic()
        r = subprocess.run(renew(d, extra), capture_output=True)
        ts.append(time.monotonic() - t0)
        if r.returncode != 10:
            print("# timing run failed: %d %s" % (r.returncode, r.stderr.decode()))
    return statistics.median(ts)

results = []

def trials(label, d, extra, want_kills, converting=False):
    if converting:
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree("tmpl", d)
        dur = timed_runs(d, extra, 1)
        # Convert-and-renew from scratch each time: measure that.
        ds = []
        for _ in range(5):
            shutil.rmtree(d); shutil.copytree("tmpl", d)
            t0 = time.monotonic()
            subprocess.run(renew(d, extra), capture_output=True)
            ds.append(time.monotonic() - t0)
        dur = statistics.median(ds)
    else:
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree("tmpl", d)
        subprocess.run(renew(d, extra), capture_output=True)
        dur = timed_runs(d, extra)
    kills = finished = 0
    problems = []
    n = 0
    while kills < want_kills and n < want_kills * 4:
        n += 1
        if converting:
            shutil.rmtree(d); shutil.copytree("tmpl", d)
        delay = rng.uniform(0, dur * 1.1)
        p = subprocess.Popen(renew(d, extra), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        if rc == -signal.SIGKILL:
            kills += 1
        else:
            finished += 1
        prob = check_state(d, converting)
        if prob:
            problems.append("trial %d (kill after %.1f ms): %s" % (n, delay * 1000, prob))
            continue
        r = subprocess.run(renew(d, extra), capture_output=True)
        if r.returncode != 10:
            problems.append("trial %d: next run exited %d: %s" % (n, r.returncode, r.stderr.decode().strip()))
            continue
        prob = check_state(d, False)
        left = leftovers(d)
        if prob or left:
            problems.append("trial %d: after the next run: %s %s" % (n, prob or "", left))
    results.append((label, kills, finished, dur, problems))

trials("generations, key kept", "g", [], 30)
trials("generations, -rekey", "r", ["-rekey", "-restart-cmd", "true"], 15)
trials("conversion of a fixed set", "c", [], 30, converting=True)

for label, kills, finished, dur, problems in results:
    print("# %s: run time %.1f ms, %d killed mid-run, %d finished first" % (label, dur * 1000, kills, finished))
    for p in problems[:10]:
        print("#   " + p)
    ok = not problems
    print("%s - %s: %d kill -9 trials, every state sound, every next run completes" % ("ok" if ok else "not ok", label, kills))
total = sum(r[1] for r in results)
print("# total: %d kill -9 trials landed mid-run" % total)
print("%s - at least 75 kill -9 trials landed mid-run (%d)" % ("ok" if total >= 75 else "not ok", total))
EOF
rc=$?
sed -n 's/^\(#.*\)$/\1/p' crash.tap
n=0
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	esac
	n=$((n + 1))
done <crash.tap
[ -s crash.err ] && sed 's/^/#   /' crash.err
check "the crash driver ran to the end" test "$rc" = 0 -a "$(grep -c '^\(not \)\{0,1\}ok - ' crash.tap)" = 4

# ---- a reader during repeated renewals (key kept)
rm -rf rd
cp -r tmpl rd
"$E" renew -force -ca ca.pem -ca-key ca-key.pem -config config.json rd/etcd1.pem >/dev/null 2>&1 || :
"$PAIRREAD" rd/etcd1.pem rd/etcd1-key.pem "$T/stop" >pairread.out 2>&1 &
rpid=$!
bg_pid $rpid
fails=0
for i in $(seq 1 40); do
	"$E" renew -force -keep 2 -ca ca.pem -ca-key ca-key.pem -config config.json \
	    rd/etcd1.pem >/dev/null 2>&1 || [ $? = 10 ] || fails=$((fails + 1))
done
touch "$T/stop"
rrc=0
wait "$rpid" || rrc=$?
diag "reader: $(cat pairread.out)"
check "40 renewals while a reader opens cert and key: all exit 10" test "$fails" = 0
check "the reader never saw a mismatched pair or a read error" test "$rrc" = 0
check "the reader saw several certificates (it ran across renewals)" \
    sh -c 'test "$(sed -n "s/.*serials=\([0-9]*\).*/\1/p" pairread.out)" -ge 3'

finish
