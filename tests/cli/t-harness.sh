#!/bin/sh
# t-harness.sh: the harness of the live rolling tests works and can fail.
# A three-member cluster (cluster3.sh) under a client load (load.py)
# keeps serving while member-ctl.sh restarts m1, then m2, one after the
# other, and downs.py finds one member down at most; restarting m1 and m2
# at the same time makes downs.py fail; a poisoned start leaves a member
# unhealthy and the next start heals it; load.py --sum and tests/soak.sh
# add up the summaries left in SOAK_OUT.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/cluster3.sh"

for c in etcd etcdctl openssl; do
	need_cmd "$c" || skip_all "$c not installed"
done
[ -x "$PY" ] || skip_all "python3 not installed"
plan 27
: "${BG_GRACE:=3}"
time_limit "${T_ETCD_LIMIT:-120}"
cd "$T" || exit 1
# Its own SOAK_OUT (the summaries it adds up); copied to the one of
# tests/soak.sh, if any, at the end.
OUTER_SOAK_OUT=${SOAK_OUT:-}
SOAK_OUT=$T/soak
export SOAK_OUT

check "c3_setup issues the PKI of m1..m3" c3_setup 1h
check "c3_start_all starts the members" c3_start_all
check "all three members healthy" c3_wait_healthy 40

# jq-less JSON reading: J FILE EXPR (EXPR in python on s).
J() {
	"$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- one at a time --------------------------------------------------
c3_load_start --rate 25
sleep 1
pid1=$(c3_pid 1) pid2=$(c3_pid 2)
seq_ok=1
c3_restart 1 || seq_ok=0
c3_wait_healthy 30 || seq_ok=0
# As etcd-pki runs it: the member from ETCD_PKI_MEMBER.
ETCD_PKI_MEMBER=m2 "$C3_CTL" restart || seq_ok=0
c3_wait_healthy 30 || seq_ok=0
sleep 1
check "member-ctl.sh restarts m1, then m2, each healthy again" test "$seq_ok" = 1
t0=$(date +%s)
check "load.py ends when its until-file appears, with a summary" c3_load_stop
check "load.py ended within 3 s of the until-file" \
    test "$(($(date +%s) - t0))" -le 3
L=$C3_RUN/load.json
ops1=$(J "$L" 's["operations"]') req1=$(J "$L" 's["requests"]')
fail1=$(J "$L" 's["failed"]') unav1=$(J "$L" 's["longest_unavailable_s"]')
diag "sequential restarts: $ops1 operations, $req1 requests," \
    "$(J "$L" 's["retries"]') retries, $fail1 failed, longest" \
    "unavailability $unav1 s, per endpoint $(J "$L" 's["endpoint_longest_gap_s"]')"
check "the load ran operations (at least 20)" test "$ops1" -ge 20
check "no operation failed" test "$fail1" = 0
check "the request log has one line per request" \
    test "$(wc -l <"$L.log")" -eq "$req1"
check "downs.py: no overlap" c3_downs
sed 's/^/# downs: /' "$C3_RUN/downs.out"
check "downs.py: at most 1 member down at once" \
    grep -qx "max down at once: 1" "$C3_RUN/downs.out"
check "downs.py: one down window each for m1 and m2" \
    test "$(J "$C3_RUN/downs.json" '" ".join(i["member"] for i in s["intervals"])')" = "m1 m2"
check "m1 and m2 run under new pids (member-ctl.sh wrote them)" \
    test "$(c3_pid 1)" != "$pid1" -a "$(c3_pid 2)" != "$pid2" \
    -a "$(cat "/proc/$(c3_pid 1)/comm")" = etcd
restarts1=$(J "$C3_RUN/downs.json" 'len(s["intervals"])')
c3_save seq

# --- overlapping: downs.py must fail ---------------------------------
c3_load_start --rate 25
c3_stop 1
c3_stop 2
sleep 0.5
c3_start 1
c3_start 2
check "after stopping m1 and m2 together all are healthy again" \
    c3_wait_healthy 40
c3_load_stop || :
ops2=$(J "$L" 's["operations"]') req2=$(J "$L" 's["requests"]')
fail2=$(J "$L" 's["failed"]') unav2=$(J "$L" 's["longest_unavailable_s"]')
diag "overlapping restarts: $ops2 operations, $fail2 failed, longest" \
    "unavailability $unav2 s"
rc=0
c3_downs || rc=$?
sed 's/^/# downs: /' "$C3_RUN/downs.out"
check "downs.py exits 1 on overlapping down windows" test "$rc" = 1
check "downs.py reports 2 members down at once" \
    grep -qx "max down at once: 2" "$C3_RUN/downs.out"
check "downs.py names the overlap of m1 and m2" \
    grep -q "^overlap: m1 and m2 " "$C3_RUN/downs.out"
restarts2=$(J "$C3_RUN/downs.json" 'len(s["intervals"])')
c3_save overlap

# --- poison ----------------------------------------------------------
c3_poison 3
c3_restart 3
if wait_for 10 c3_healthy 3; then
	fail "a poisoned start: m3 not healthy within 10 s"
else
	pass "a poisoned start: m3 not healthy within 10 s"
fi
check "the poisoned start is recorded in the events" \
    grep -q " m3 start poisoned$" "$C3_RUN/events"
c3_restart 3
check "the next start of m3 is healthy" c3_wait_healthy 30 3
c3_downs || :
check "downs.py: m3's down window spans the poisoned start (>= 10 s)" \
    test "$(J "$C3_RUN/downs.json" '[i["seconds"] >= 10 for i in s["intervals"] if i["member"] == "m3"]')" = "[True]"

# --- the summaries add up --------------------------------------------
"$PY" "$C3_HERE/load.py" --sum "$SOAK_OUT" >sum.json 2>&1 || cat sum.json
diag "load.py --sum: $(cat sum.json)"
want=$("$PY" -c 'import sys; a = sys.argv[1:]
print(2, int(a[0]) + int(a[1]), int(a[2]) + int(a[3]), int(a[4]) + int(a[5]),
    max(float(a[6]), float(a[7])))' "$restarts1" "$restarts2" "$req1" "$req2" \
    "$fail1" "$fail2" "$unav1" "$unav2")
got=$(J sum.json '"%d %d %d %d %s" % (s["runs"], s["restarts"], s["requests"], s["failed"], s["longest_unavailable_s"])')
check "load.py --sum adds up runs, restarts, requests, failed, max unavailability" \
    test "$got" = "$want"

# soak.sh on a stand-in test that leaves a known summary each cycle.
cat >fake-test.sh <<'EOF'
#!/bin/sh
mkdir -p "$SOAK_OUT"
cat >"$SOAK_OUT/fake-load.json" <<J
{"operations": 10, "requests": 21, "retries": 1, "failed": 0,
 "longest_unavailable_s": 0.5}
J
cat >"$SOAK_OUT/fake-downs.json" <<J
{"intervals": [{"member": "m1"}, {"member": "m2"}, {"member": "m3"}],
 "max_down": 1}
J
[ ! -e "$FAKE_FAIL" ]
EOF
FAKE_FAIL=$T/fake-fail
export FAKE_FAIL
SOAK_CYCLES=3 SOAK_OUT=$T/soak-fake sh "$TOP_SRCDIR/tests/soak.sh" \
    "$T/fake-test.sh" >soak.out 2>&1 || :
sed 's/^/# soak: /' soak.out
check "soak.sh totals: 3 cycles, 9 restarts, 63 requests, 0 failed" \
    grep -qx "soak: cycles 3 failed-cycles 0 restarts 9 requests 63 failed 0 longest-unavailable 0.5 s" soak.out
: >"$FAKE_FAIL"
if SOAK_CYCLES=2 SOAK_OUT=$T/soak-fake2 sh "$TOP_SRCDIR/tests/soak.sh" \
    "$T/fake-test.sh" >soak2.out 2>&1; then
	fail "soak.sh exits 1 when a cycle fails"
else
	pass "soak.sh exits 1 when a cycle fails"
fi

# --- everything stops by pid -----------------------------------------
pids="$(c3_pid 1) $(c3_pid 2) $(c3_pid 3)"
check "c3_stop_all stops the members" c3_stop_all
left=
for p in $pids; do
	! _c3_alive "$p" || left="$left $p"
done
check "no member process left" test -z "$left"
rc=0
c3_downs || rc=$?
check "downs.py exits 1 when members stay down (never ready again)" \
    sh -c '[ "$1" = 1 ] && grep -q "never ready again" "$2"' sh "$rc" \
    "$C3_RUN/downs.out"

if [ -n "$OUTER_SOAK_OUT" ]; then
	mkdir -p "$OUTER_SOAK_OUT"
	cp "$T"/soak/*.json "$OUTER_SOAK_OUT"/ 2>/dev/null || :
fi
finish
