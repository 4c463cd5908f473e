# setup.sh: shared helpers for the CLI tests (tests/cli/t-*.sh).
#
# Source it first thing:     . "$(dirname "$0")/setup.sh"
#
# It sets "set -eu" and LC_ALL=C, makes a work directory $T that is removed
# on exit (T_KEEP=1 keeps it for debugging), and provides:
#
#   plan N            print the TAP plan up front (else finish prints it)
#   pass NAME         "ok N - NAME"
#   fail NAME         "not ok N - NAME"
#   check NAME CMD..  run CMD; pass if it exits 0, else fail and show its
#                     output as "# " lines.  Never stops the script.
#   skip REASON       "ok N # skip REASON"; REASON must name what is missing
#                     (CI fails on skips and greps for the reason)
#   skip_all REASON   "1..0 # skip REASON" and exit 0 (whole test skipped)
#   diag TEXT..       "# TEXT"
#   run CMD..         run CMD: stdout in $T/out, stderr in $T/err, status
#                     in $rc
#   expect NAME RC [REGEX]  the last run exited RC, output matching REGEX
#   finish            print the plan if not given, check the count, and
#                     exit 1 if any test failed, 0 otherwise
#   need_shared       set $FIXTURES to cfssl's test data, or return 1
#   need_cmd NAME     return 1 if command NAME is not installed
#   need_inject       set INJECT and PRELOAD for tests/inject.so, or
#                     return 1 if it is not built
#   bg_pid PID        kill PID on exit: TERM, then KILL what is left after
#                     $BG_GRACE seconds (default 5)
#   at_exit CMD       run CMD (one word: a function) on exit, after the
#                     bg_pid processes are gone and before $T is removed
#   free_port         print a free TCP port on 127.0.0.1 (not one given out
#                     before in this test)
#   wait_for SECS CMD..  run CMD until it succeeds (return 0) or SECS
#                     seconds have passed (return 1)
#   etcd_check_cluster   two tests on a 3-member cluster the test started
#                     (logs in $T/etcdN.log), through the test's own
#                     ctl ENDPOINTS ARGS..: every member of $endpoints
#                     healthy within 30 s, and member list (through
#                     $cport1) shows etcd1..3 started
#   etcd_healthy      succeeds if every member of $endpoints is healthy
#
# Environment from the harness: ETCD_PKI (the binary under test), LIBPKI,
# TOP_SRCDIR and TOP_BUILDDIR.  Signals INT, TERM, HUP and PIPE (output
# piped into head, say) end the test through the same cleanup.

set -eu
LC_ALL=C
export LC_ALL
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
: "${ETCD_PKI:=$TOP_BUILDDIR/etcd-pki}"
: "${LIBPKI:=$TOP_BUILDDIR/pki/libpki.a}"
export TOP_SRCDIR TOP_BUILDDIR ETCD_PKI LIBPKI

_tap_n=0
_tap_failed=0
_tap_planned=
_bg_pids=
_exit_hooks=

# Succeeds if process $1 runs (a zombie, exited but not yet reaped by
# wait, does not count).
_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/stat" ] || return 0
	[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

_cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP PIPE
	for _p in $_bg_pids; do
		kill -TERM "$_p" 2>/dev/null || :
	done
	# Up to BG_GRACE s for all of them to end, then KILL what is left.
	_i=0
	while [ "$_i" -lt "$((${BG_GRACE:-5} * 10))" ]; do
		_left=
		for _p in $_bg_pids; do
			_alive "$_p" && _left=1
		done
		[ -n "$_left" ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
	for _p in $_bg_pids; do
		kill -KILL "$_p" 2>/dev/null || :
		wait "$_p" 2>/dev/null || :
	done
	for _h in $_exit_hooks; do
		"$_h" || :
	done
	if [ "${T_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		cd /
		rm -rf "$T"
	fi
	exit "$_rc"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/etcd-pki-test.XXXXXX")
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

bg_pid() {
	_bg_pids="$_bg_pids $1"
}

at_exit() {
	_exit_hooks="$_exit_hooks $1"
}

plan() {
	_tap_planned=$1
	echo "1..$1"
}

pass() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$1"
}

fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$1"
}

diag() {
	printf '# %s\n' "$*"
}

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $rc
# (several tests keep their own copy of it).
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}
# expect NAME RC [REGEX]: the last run exited RC and its output matches.
expect() {
	expect_run "$T/out" "$T/err" "$@"
}

# expect_run OUT ERR TEST RC [REGEX]: the last run ($rc) exited RC and
# its stdout OUT and stderr ERR together match REGEX.
expect_run() {
	_out=$1
	_err=$2
	shift 2
	if [ "$rc" -eq "$2" ] && { [ $# -lt 3 ] ||
	    cat "$_out" "$_err" | grep -Eq -- "$3"; }; then
		pass "$1"
	else
		fail "$1"
		diag "exit $rc, wanted $2${3:+, output matching /$3/}"
		sed 's/^/#   out: /' "$_out" | head -20
		sed 's/^/#   err: /' "$_err" | head -20
	fi
}

check() {
	_name=$1
	shift
	if "$@" >"$T/.check.out" 2>&1; then
		pass "$_name"
	else
		fail "$_name"
		printf '#   command: %s\n' "$*"
		sed 's/^/#   /' "$T/.check.out"
	fi
	rm -f "$T/.check.out"
}

skip() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d # skip %s\n' "$_tap_n" "$1"
}

skip_all() {
	printf '1..0 # skip %s\n' "$1"
	exit 0
}

finish() {
	if [ -z "$_tap_planned" ]; then
		echo "1..$_tap_n"
	elif [ "$_tap_n" -ne "$_tap_planned" ]; then
		echo "# planned $_tap_planned tests but ran $_tap_n"
		exit 1
	fi
	[ "$_tap_failed" -eq 0 ] || exit 1
	exit 0
}

need_shared() {
	FIXTURES=$TOP_SRCDIR/../shared/fixtures/cfssl
	[ -d "$FIXTURES" ]
}

need_cmd() {
	command -v "$1" >/dev/null 2>&1
}

# need_inject: sets INJECT to tests/inject.so and PRELOAD to what
# LD_PRELOAD gets (an ASan binary's runtime first) and clears the shim's
# variables; returns 1 when the shim is not built.
need_inject() {
	INJECT=$TOP_BUILDDIR/tests/inject.so
	[ -f "$INJECT" ] || return 1
	PRELOAD=$INJECT
	_asanlib=$(ldd "$ETCD_PKI" 2>/dev/null |
	    awk '/libasan/ { print $3; exit }')
	[ -z "$_asanlib" ] || PRELOAD="$_asanlib:$INJECT"
	unset INJECT_CALL INJECT_ERRNO INJECT_NTH INJECT_PATH INJECT_LOG
}

# Asks the kernel for a free port (bind to port 0); without python3, tries
# random ports until ss(8) shows none listening.  Ports already given out
# are remembered in $T so that a test never gets the same one twice.
free_port() {
	_py=/usr/bin/python3
	[ -x "$_py" ] || _py=python3
	for _try in 1 2 3 4 5 6 7 8 9 10; do
		_port=$("$_py" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null) ||
		_port=$(awk -v s="$$$_try$(date +%N)" \
		    'BEGIN { srand(s % 2147483647); print 20000 + int(rand() * 20000) }')
		if ss -Hltn "sport = :$_port" 2>/dev/null | grep -q .; then
			continue
		fi
		if ! grep -qx "$_port" "$T/.ports" 2>/dev/null; then
			echo "$_port" >>"$T/.ports"
			echo "$_port"
			return 0
		fi
	done
	return 1
}

# time_limit SECONDS: after SECONDS a watchdog prints a TAP "Bail out!"
# and sends TERM to this shell, which acts on it when its current command
# ends, so the cleanup stops every bg_pid process (given BG_GRACE s).
time_limit() {
	(
		trap 'kill "$_s" 2>/dev/null; exit 0' TERM
		sleep "$1" &
		_s=$!
		wait "$_s"
		echo "Bail out! time limit of $1 s reached"
		kill -TERM $$ 2>/dev/null
	) &
	bg_pid $!
}

wait_for() {
	_end=$(($(date +%s) + $1))
	shift
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

etcd_healthy() {
	ctl "$endpoints" endpoint health
}

etcd_check_cluster() {
	if wait_for 30 etcd_healthy; then
		pass "all three members healthy (etcdctl endpoint health)"
	else
		fail "all three members healthy (etcdctl endpoint health)"
		ctl "$endpoints" endpoint health 2>&1 | sed 's/^/#   /' || :
		for _n in 1 2 3; do
			diag "etcd$_n.log (tail):"
			tail -n 5 "$T/etcd$_n.log" | sed 's/^/#   /'
		done
	fi
	check "member list shows 3 started members" _etcd_three_started
}

_etcd_three_started() {
	ctl "https://127.0.0.1:$cport1" member list >"$T/members" &&
	    [ "$(grep -c ', started, etcd[123], ' "$T/members")" -eq 3 ]
}
