#!/bin/sh
# t-rolling.sh: "renew -restart rolling" on a live three-member etcd
# cluster with client-cert-auth and certificates that live two minutes,
# under a client load through all endpoints, with every member running its
# own renew "timer" at the same time:
#   - T_ROLL_CYCLES (default 2) full renewal cycles (every member renewed
#     that often), no client operation failing (retries on the next
#     endpoint allowed), never two members down at once (from the
#     members' own logs and member-ctl's events), the cluster lock's
#     holds never overlapping (from the tool's -record);
#   - two members forced at the same moment: one restarts, the other is
#     deferred (75) at once and restarts after;
#   - a lock held with "etcdctl lock etcd-pki-rollover" defers renew (75);
#   - a member down: the gates refuse (3) and nothing changes;
#   - a new certificate made to fail the gates after the restart is
#     rolled back (4): the member serves the old one again;
#   - on a terminal, a progress line of the members restarted.
# Figures for the closing note: $SOAK_OUT (tests/soak.sh) or the diag lines.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/cluster3.sh"

for c in etcd etcdctl openssl; do
	need_cmd "$c" || skip_all "$c not installed"
done
CYCLES=${T_ROLL_CYCLES:-2}
plan 34
LIMIT=${T_ROLL_LIMIT:-420}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

cd "$T" || exit 1
E=$ETCD_PKI
REC=$C3_RUN/record.jsonl
# Leaves live 2 minutes from a notBefore 31 s back (cfssl rounds "now" to
# the minute, so less could lie in the future); due at 75% left, so each
# member is due again soon after its renewal.  The admin's certificate,
# which the health checks and the load use and nothing renews, lives an
# hour: under load the whole test takes longer than two minutes.
C3_BACKDATE=31s
C3_CLIENT_EXPIRY=1h
c3_setup 2m || { diag "cluster issue failed"; exit 1; }
c3_start_all
check "three members from cluster issue's fragments are healthy" \
    c3_wait_healthy 40

# renew_m M [ARGS]: one rolling renew of member M; prints its exit status.
renew_m() {
	_m=$1
	shift
	"$E" renew -restart rolling -cluster "$C3_DESC" -member "$_m" \
	    -restart-cmd "$C3_CTL restart" -gate-timeout 30s -lock-ttl 60s \
	    -settle 1s -record "$REC" -keep 2 "$@" "$C3_PKI" \
	    >>"$C3_RUN/renew-$_m.out" 2>&1 && echo 0 || echo $?
}
serial_on_disk() {
	openssl x509 -noout -serial -in "$C3_PKI/$1/$1.pem" | sed 's/^serial=//' |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}
# served PORT: the serial the port presents (lower-case hex).
served() {
	printf 'Q\n' | timeout 5 openssl s_client -connect "127.0.0.1:$1" \
	    -cert "$C3_CERT" -key "$C3_KEY" -CAfile "$C3_CACERT" 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//' |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}
renewals() {
	grep -c '"event":"switch"' "$REC" 2>/dev/null | head -n 1
}
renewals_of() {
	grep '"event":"switch"' "$REC" 2>/dev/null |
	    grep -c "\"member\":\"$1\"" | head -n 1
}

# ---- 1. timers on every member, under load ----------------------------
c3_load_start --rate 40
START=$(date +%s)
for m in m1 m2 m3; do
	(
		while [ ! -e "$T/timers.stop" ]; do
			st=$(renew_m "$m" -renew-before 75% -quiet)
			echo "$(date +%s.%N) $m $st" >>"$C3_RUN/timer-$m.log"
			sleep 1
		done
	) &
	bg_pid $!
done
done_cycles() {
	for m in m1 m2 m3; do
		[ "$(renewals_of "$m")" -ge "$CYCLES" ] || return 1
	done
}
wait_for "$((LIMIT - 120))" done_cycles || :
: >"$T/timers.stop"
wait_timers() {
	for m in m1 m2 m3; do
		# The last run ends within its gate timeout.
		[ -z "$(pgrep -f -- "-member $m .*$C3_PKI" 2>/dev/null)" ] ||
		    return 1
	done
}
wait_for 60 wait_timers || :
sleep 1
c3_load_stop || :
END=$(date +%s)
for m in m1 m2 m3; do
	diag "$m: $(renewals_of "$m") renewals; timer exits: $(awk '{print $3}' \
	    "$C3_RUN/timer-$m.log" | sort | uniq -c | tr '\n' ' ')"
done
check "every member renewed at least $CYCLES times (rolling, timers running concurrently)" \
    done_cycles
bad_exits() {
	awk '$3 != 0 && $3 != 10 && $3 != 75 {print "# " $0; bad = 1} END {exit bad}' \
	    "$C3_RUN"/timer-m*.log
}
check "every timer run exited 0, 10 or 75" bad_exits
deferred() { grep -q ' 75$' "$C3_RUN"/timer-m*.log; }
check "some timer runs were deferred by the cluster lock (75)" deferred
ops=$(c3_load_get 's["operations"]') failed=$(c3_load_get 's["failed"]')
retries=$(c3_load_get 's["retries"]')
unav=$(c3_load_get 's["longest_unavailable_s"]')
diag "leaf renewal under load: $(renewals) restarts in $((END - START)) s," \
    "$ops operations, $retries retried, $failed failed, longest" \
    "unavailability ${unav}s"
check "the load made operations throughout (at least 100)" \
    test "${ops:-0}" -ge 100
check "no client operation failed" test "${failed:-1}" = 0
check "never two members down at once (members' logs, member-ctl events)" \
    c3_downs
sed 's/^/#   /' "$C3_RUN/downs.out" | tail -n 4
check "the cluster lock was never held twice at once (-record)" c3_lock_holds "$REC"
c3_save rolling
all_serve_disk() {
	for n in 1 2 3; do
		s=$(serial_on_disk "m$n")
		eval "cp=\$C3_CPORT$n pp=\$C3_PPORT$n"
		[ "$(served "$cp")" = "$s" ] && [ "$(served "$pp")" = "$s" ] ||
		    return 1
	done
}
check "every member serves the certificate on disk on both ports" \
    all_serve_disk
check "the cluster is healthy after the cycles" c3_wait_healthy 20

# ---- 2. two members due at the same moment ----------------------------
: >"$REC"
renew_m m1 -force >"$T/f1" &
p1=$!
renew_m m2 -force >"$T/f2" &
p2=$!
wait "$p1" || :
wait "$p2" || :
pair=$(cat "$T/f1" "$T/f2" | sort | tr '\n' ' ')
diag "two forced at once: exits $pair"
tail -n 4 "$C3_RUN/renew-m1.out" "$C3_RUN/renew-m2.out" | sed 's/^/#   /'
check "two members forced at once: one renews (10), the other is deferred (75)" \
    test "$pair" = "10 75 "
busy_fast() {
	grep '"event":"busy"' "$REC" | grep -q .
}
check "the deferred one recorded the busy lock" busy_fast
late=m1
grep -q '"member":"m1","event":"busy"' "$REC" || late=m2
check "the deferred member renews on its next run (10)" \
    test "$(renew_m "$late" -force)" = 10
check "one after the other: the lock holds did not overlap" c3_lock_holds "$REC"

# ---- 3. the lock held from outside ------------------------------------
s0=$(serial_on_disk m3)
(
	# shellcheck disable=SC1090
	. "$C3_ADMIN_ENV"
	exec timeout 30 etcdctl lock etcd-pki-rollover sleep 25
) >"$T/outside.out" 2>&1 &
lp=$!
bg_pid "$lp"
sleep 2
t0=$(date +%s)
st=$(renew_m m3 -force)
t1=$(date +%s)
check "etcdctl lock etcd-pki-rollover held: renew exits 75" test "$st" = 75
check "... at once (within 6 s)" test "$((t1 - t0))" -le 6
check "... and changes nothing" test "$(serial_on_disk m3)" = "$s0"
kill "$lp" 2>/dev/null || :
wait "$lp" 2>/dev/null || :

# ---- 4. a member down: the gates before the restart refuse -------------
c3_stop 3
cur=$(readlink "$C3_PKI/m1/current")
ng=$(ls "$C3_PKI/m1/gen" | wc -l)
st=$(renew_m m1 -force)
check "m3 down: renew of m1 exits 3 (the gates refuse)" test "$st" = 3
check "... m1's current generation is unchanged" \
    test "$(readlink "$C3_PKI/m1/current")" = "$cur"
check "... and its staged generation was removed" \
    test "$(ls "$C3_PKI/m1/gen" | wc -l)" = "$ng"
check "... it says why" grep -q "m3 is not healthy" "$C3_RUN/renew-m1.out"
c3_start 3
check "m3 back: healthy" c3_wait_healthy 30

# ---- 5. a new certificate that fails the gates is rolled back -----------
old=$(serial_on_disk m2)
cur=$(readlink "$C3_PKI/m2/current")
c3_poison 2
c3_load_start --rate 20
st=$(renew_m m2 -force -gate-timeout 12s)
c3_load_stop || :
check "poisoned restart: renew exits 4 (rolled back)" test "$st" = 4
check "... current points at the previous generation again" \
    test "$(readlink "$C3_PKI/m2/current")" = "$cur"
check "... m2 serves the old certificate again" \
    test "$(served "$C3_CPORT2")" = "$old"
check "... the cluster is healthy" c3_wait_healthy 20
check "... no client operation failed meanwhile" \
    test "$(c3_load_get 's["failed"]')" = 0
check "... the record shows the rollback" \
    grep -q '"event":"rolled-back"' "$REC"

# ---- 6. the progress line of the restarts, on a terminal ---------------
# One renew of the three members under util-linux script: a line of the
# members restarted of three, with rate and ETA; none with stderr a file.
check "stderr a file (the runs above): no progress line" sh -c \
    '! grep -aq "members restarted" "$@"' sh "$C3_RUN"/renew-m*.out
if need_cmd script; then
	script -qfc "'$E' renew -restart rolling -force -cluster '$C3_DESC' \
	    -restart-cmd '$C3_CTL restart' -gate-timeout 30s -lock-ttl 60s \
	    -settle 1s -record '$REC' -keep 2 '$C3_PKI' >/dev/null" /dev/null \
	    >"$T/roll.tty" 2>&1 </dev/null || :
	tr '\r' '\n' <"$T/roll.tty" | grep -a "members restarted" |
	    sed 's/^/# as the terminal showed it: /; s/\x1b\[K//g' | tail -n 3
	check "renew -restart rolling on a terminal: members restarted N/3" \
	    grep -aq "$(printf '\r')renew: members restarted [0-3]/3 (" \
	    "$T/roll.tty"
	check "... up to 3/3, with rate and ETA" grep -aEq \
	    "renew: members restarted 3/3 \(100%\)  [0-9.]+/s  ETA 0s" \
	    "$T/roll.tty"
	check "... in place of the line of the sets" sh -c \
	    '! grep -aq "renew: sets" "$1"' sh "$T/roll.tty"
	check "... every message on a line of its own" python3 \
	    "$TOP_SRCDIR/tests/cli/linestart.py" "$T/roll.tty"
else
	for i in 1 2 3 4; do
		skip "util-linux script is not installed"
	done
fi
check "the cluster is healthy at the end" c3_wait_healthy 30

finish
