#!/bin/sh
# t-cluster-crash.sh: crash safety of cluster issue.  A fresh cluster issue
# of 150 members (new CA, new inventory built in its temporary file) is
# killed with SIGKILL at seeded random moments spread over its whole run
# (its run time is measured first).  After every kill: an inventory.db in
# place is a sound SQLite database; the next run completes (exit 0), leaves
# no temporary file or directory (the new inventory's and the new CA key's
# included), and cluster verify finds nothing wrong; the inventory then
# records at least the CA and every leaf.
. "$(dirname "$0")/setup.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "python3 is not installed"
plan 3
time_limit "${T_CRASH_LIMIT:-240}"

cd "$T" || exit 1
E=$ETCD_PKI
"$E" cluster init -members 150 -key-algo ecdsa-256 >desc.json 2>init.err
check "cluster init -members 150 writes a description" test -s desc.json

SEED=${T_CRASH_SEED:-$(date +%s)}
diag "seed $SEED (T_CRASH_SEED=$SEED reproduces the kill times)"

"$PY" - "$E" "$SEED" >crash.tap 2>crash.err <<'EOF'
import os, random, shutil, signal, sqlite3, statistics, subprocess, sys
import time

E, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
D = "d"
LEAVES = 151  # 150 members and the admin client

def issue():
    return [E, "cluster", "issue", "desc.json", "-o", D]

def inventory_problem(want=None):
    """None when DIR/inventory.db is absent (want None) or sound."""
    p = os.path.join(D, "inventory.db")
    if not os.path.exists(p):
        return None if want is None else "no inventory.db"
    try:
        db = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        n = db.execute("SELECT count(*) FROM etcd_pki_certificates")
        n = n.fetchone()[0]
        db.close()
    except sqlite3.Error as e:
        return "inventory.db: %s" % e
    if ok != "ok":
        return "inventory.db: integrity_check: %s" % ok
    # A kill after the leaves were in place and before the new CA was:
    # the next run makes a CA again, re-issues them and records the old
    # ones too, as found.
    if want is not None and n < want:
        return "inventory.db records %d certificates, not %d" % (n, want)
    return None

def leftovers():
    bad = []
    for root, dirs, files in os.walk(D):
        for n in dirs + files:
            if n.startswith(".") and n != ".etcd-pki.lock":
                bad.append(os.path.join(root, n))
    return bad

ts = []
for _ in range(5):
    shutil.rmtree(D, ignore_errors=True)
    t0 = time.monotonic()
    r = subprocess.run(issue(), capture_output=True)
    ts.append(time.monotonic() - t0)
    if r.returncode != 0:
        print("# timing run failed: %d %s" % (r.returncode,
              r.stderr.decode().strip()))
dur = statistics.median(ts)

kills = finished = n = 0
problems = []
while kills < 25 and n < 100:
    n += 1
    shutil.rmtree(D, ignore_errors=True)
    delay = rng.uniform(0, dur * 1.1)
    p = subprocess.Popen(issue(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    if p.wait() == -signal.SIGKILL:
        kills += 1
    else:
        finished += 1
    prob = inventory_problem()
    if prob:
        problems.append("trial %d (kill after %.1f ms): %s" %
                        (n, delay * 1000, prob))
        continue
    r = subprocess.run(issue(), capture_output=True)
    if r.returncode != 0:
        problems.append("trial %d: next run exited %d: %s" %
                        (n, r.returncode, r.stderr.decode().strip()))
        continue
    v = subprocess.run([E, "cluster", "verify", "desc.json", D],
                       capture_output=True)
    prob = inventory_problem(LEAVES + 1)
    left = leftovers()
    if v.returncode != 0 or prob or left:
        problems.append("trial %d: after the next run: verify %d %s %s %s" %
                        (n, v.returncode, v.stdout.decode().strip()[:200],
                         prob or "", left))

print("# run time %.1f ms, %d killed mid-run, %d finished first" %
      (dur * 1000, kills, finished))
for p in problems[:10]:
    print("#   " + p)
print("%s - %d kill -9 trials: every inventory in place sound; every next "
      "run completes, verifies and leaves no temporary" %
      ("ok" if not problems else "not ok", kills))
print("%s - at least 20 kill -9 trials landed mid-run (%d)" %
      ("ok" if kills >= 20 else "not ok", kills))
EOF
rc=$?
sed -n 's/^\(#.*\)$/\1/p' crash.tap
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	esac
done <crash.tap
[ -s crash.err ] && sed 's/^/#   /' crash.err
[ "$rc" = 0 ] || diag "the crash driver exited $rc"
