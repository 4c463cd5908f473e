# cluster3.sh: a live three-member etcd cluster for the CLI tests, started
# and stopped through member-ctl.sh, with a client load (load.py) and the
# down-window analysis (downs.py).  Source it after setup.sh:
#
#   . "$(dirname "$0")/setup.sh"
#   . "$(dirname "$0")/cluster3.sh"
#
# Functions:
#   c3_setup [EXPIRY] [NOT_BEFORE]   (C3_BACKDATE=DUR: leaves backdated by
#                     DUR instead of cfssl's 5 min, for short lifetimes;
#                     with it, C3_CLIENT_EXPIRY=DUR gives the clients, the
#                     admin whose certificate the harness and load.py use,
#                     their own lifetime, default EXPIRY;
#                     C3_CLIENTS=JSON: the description's clients instead
#                     of [{"name": "admin"}]; C3_START=env, exported:
#                     members start from their etcd.env, see
#                     member-ctl.sh)
#                     write $C3_DESC (members m1..m3 on 127.0.0.1, free
#                     ports, data dirs $T/data-mN, client "admin", ecdsa
#                     256, fragments, signing.expiry EXPIRY, default
#                     "1h"; NOT_BEFORE, RFC 3339, fixes the leaves'
#                     notBefore through a signing config $T/signing.json)
#                     Mind that the expiry counts from notBefore, which
#                     is 5 minutes in the past (cfssl's backdate): "5m"
#                     gives certificates that expire now; "7m" ones that
#                     expire in 2 minutes.
#                     and run "cluster issue $C3_DESC -o $C3_PKI"
#   c3_start N | c3_stop N | c3_restart N
#                     member-ctl.sh start/stop/restart of member N
#                     (1..3 or m1..m3)
#   c3_start_all      start m1..m3 (no wait)
#   c3_stop_all       stop every member that has a pid file
#   c3_wait_healthy SECS [N..]
#                     wait until the members (default all) are healthy
#                     through their own endpoints; on failure, prints the
#                     tails of their logs as TAP diagnostics, returns 1
#   c3_healthy [N..]  once: succeeds if every member given is healthy
#   c3_ctl ARGS..     etcdctl with the admin environment (all endpoints)
#   c3_ctl_on N ARGS..  the same, through member N's endpoint only
#   c3_pid N          print member N's pid (from $C3_RUN/mN.pid)
#   c3_poison N       make member N's next start fail its health gate
#   c3_load_start [ARGS..]
#                     start load.py in the background against all three
#                     endpoints (extra ARGS: --rate N ...), summary in
#                     $C3_RUN/load.json, request log in load.json.log
#   c3_load_stop      stop it (creates the until-file) and wait for it
#   c3_downs          run downs.py on $C3_RUN; its report in
#                     $C3_RUN/downs.out, its JSON in $C3_RUN/downs.json;
#                     returns downs.py's exit status
#   c3_load_get KEY   print KEY of the load summary (python expression
#                     on the JSON object s, e.g. 's["failed"]')
#   c3_lock_holds FILE
#                     from etcd-pki's -record FILE: succeeds when the
#                     cluster lock was taken at least once and never
#                     while another run held it (prints the count)
#   c3_save NAME      copy load.json and downs.json to
#                     $SOAK_OUT/NAME-load.json, NAME-downs.json when
#                     SOAK_OUT is set (for tests/soak.sh)
#
# Variables (set by c3_setup, exported where commands need them):
#   C3_DIR (= $T, exported: member-ctl.sh needs it), C3_RUN ($T/run),
#   C3_PKI ($T/pki), C3_DESC ($T/desc.json), C3_CTL (member-ctl.sh),
#   C3_MEMBERS ("m1 m2 m3"), C3_ENDPOINTS (client URLs, comma-separated),
#   C3_CPORT1..3, C3_PPORT1..3 (client and peer ports), C3_ADMIN_ENV
#   (the admin's etcdctl.env), C3_CACERT, C3_CERT, C3_KEY (the admin's
#   files), PY (/usr/bin/python3).  For etcd-pki:
#   -restart-cmd "$C3_CTL restart" (member-ctl.sh takes the member from
#   ETCD_PKI_MEMBER), -stop-cmd "$C3_CTL stop", -start-cmd "$C3_CTL start".
#
# Every member started through member-ctl.sh, also by etcd-pki, has its
# pid in $C3_RUN/mN.pid; the exit hook installed here kills them all
# (TERM, KILL after $BG_GRACE s) before setup.sh's cleanup.  etcd logs
# are in $C3_RUN/mN.log (capnslog, UTC: member-ctl.sh sets TZ=UTC), the
# stop/start events in $C3_RUN/events.

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
C3_DIR=$T
C3_RUN=$T/run
C3_PKI=$T/pki
C3_DESC=$T/desc.json
C3_HERE=$TOP_SRCDIR/tests/cli
C3_CTL=$C3_HERE/member-ctl.sh
# shellcheck disable=SC2034 # for the tests
C3_MEMBERS="m1 m2 m3"
export C3_DIR
mkdir -p "$C3_RUN"

# Kills every member of the pid files, then setup.sh's cleanup with the
# exit status the test had.
_c3_exit() {
	_c3_rc=$?
	trap - EXIT INT TERM HUP
	trap '' PIPE
	_c3_killall || :
	# _cleanup takes the status from $? (an "||" list: not set -e).
	(exit "$_c3_rc") || _cleanup
	_cleanup
}
trap _c3_exit EXIT

_c3_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/stat" ] || return 0
	[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

_c3_killall() {
	_c3_pids=
	for _f in "$C3_RUN"/*.pid; do
		[ -r "$_f" ] || continue
		_p=$(cat "$_f" 2>/dev/null) || continue
		case $_p in ''|*[!0-9]*) continue ;; esac
		# Not a pid reused by something else since.
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = etcd ] || continue
		kill -TERM "$_p" 2>/dev/null && _c3_pids="$_c3_pids $_p"
	done
	[ -n "$_c3_pids" ] || return 0
	_i=0
	while [ "$_i" -lt "$((${BG_GRACE:-5} * 10))" ]; do
		_left=
		for _p in $_c3_pids; do
			_c3_alive "$_p" && _left=1
		done
		[ -n "$_left" ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
	for _p in $_c3_pids; do
		kill -KILL "$_p" 2>/dev/null || :
	done
	# Gone before setup.sh removes their data directories.
	_i=0
	while [ "$_i" -lt 30 ]; do
		_left=
		for _p in $_c3_pids; do
			_c3_alive "$_p" && _left=1
		done
		[ -n "$_left" ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
}

# _c3_m N: the member name of N (1, m1 -> m1).
_c3_m() {
	case $1 in
	[1-3]) echo "m$1" ;;
	m[1-3]) echo "$1" ;;
	*) echo "cluster3.sh: no member $1" >&2; return 1 ;;
	esac
}

# _c3_n N: the number of N (m2, 2 -> 2).
_c3_n() {
	_m=$(_c3_m "$1") || return 1
	echo "${_m#m}"
}

c3_setup() {
	_exp=${1:-1h}
	_nb=${2:-}
	C3_CPORT1=$(free_port) C3_CPORT2=$(free_port) C3_CPORT3=$(free_port)
	C3_PPORT1=$(free_port) C3_PPORT2=$(free_port) C3_PPORT3=$(free_port)
	C3_ENDPOINTS="https://127.0.0.1:$C3_CPORT1,https://127.0.0.1:$C3_CPORT2,https://127.0.0.1:$C3_CPORT3"
	if [ -n "${C3_BACKDATE:-}" ]; then
		# Short-lived leaves: cfssl rounds "now" to the minute, so a
		# notBefore less than 30 s back could lie in the future.
		cat >"$T/signing.json" <<EOF
{"signing": {
  "default": {"expiry": "$_exp", "backdate": "$C3_BACKDATE",
    "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "profiles": {
    "peer": {"expiry": "$_exp", "backdate": "$C3_BACKDATE",
      "usages": ["signing", "key encipherment", "server auth", "client auth"]},
    "client": {"expiry": "${C3_CLIENT_EXPIRY:-$_exp}", "backdate": "$C3_BACKDATE",
      "usages": ["signing", "key encipherment", "client auth"]}}}}
EOF
		_sign='{"config": "signing.json"}'
	elif [ -n "$_nb" ]; then
		# The built-in profiles have no notBefore: the same three
		# profiles with a fixed one.
		cat >"$T/signing.json" <<EOF
{"signing": {
  "default": {"expiry": "$_exp", "not_before": "$_nb",
    "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "profiles": {
    "peer": {"expiry": "$_exp", "not_before": "$_nb",
      "usages": ["signing", "key encipherment", "server auth", "client auth"]},
    "client": {"expiry": "$_exp", "not_before": "$_nb",
      "usages": ["signing", "key encipherment", "client auth"]}}}}
EOF
		_sign='{"config": "signing.json"}'
	else
		_sign="{\"expiry\": \"$_exp\"}"
	fi
	_clients=${C3_CLIENTS:-}
	[ -n "$_clients" ] || _clients='[{"name": "admin"}]'
	cat >"$C3_DESC" <<EOF
{
    "name": "c3",
    "token": "c3-$$-$(date +%s)",
    "key": {"algo": "ecdsa", "size": 256},
    "fragments": true,
    "signing": $_sign,
    "members": [
        {"name": "m1", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$C3_PPORT1"],
         "client_urls": ["https://127.0.0.1:$C3_CPORT1"],
         "data_dir": "$T/data-m1"},
        {"name": "m2", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$C3_PPORT2"],
         "client_urls": ["https://127.0.0.1:$C3_CPORT2"],
         "data_dir": "$T/data-m2"},
        {"name": "m3", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$C3_PPORT3"],
         "client_urls": ["https://127.0.0.1:$C3_CPORT3"],
         "data_dir": "$T/data-m3"}
    ],
    "clients": $_clients
}
EOF
	C3_ADMIN_ENV=$C3_PKI/clients/admin/etcdctl.env
	C3_CACERT=$C3_PKI/clients/admin/ca.pem
	C3_CERT=$C3_PKI/clients/admin/admin.pem
	C3_KEY=$C3_PKI/clients/admin/admin-key.pem
	if ! "$ETCD_PKI" cluster issue "$C3_DESC" -o "$C3_PKI" \
	    >"$T/c3-issue.out" 2>&1; then
		sed 's/^/#   /' "$T/c3-issue.out"
		return 1
	fi
}

c3_start() {
	_m=$(_c3_m "$1") || return 1
	"$C3_CTL" start "$_m"
}

c3_stop() {
	_m=$(_c3_m "$1") || return 1
	"$C3_CTL" stop "$_m"
}

c3_restart() {
	_m=$(_c3_m "$1") || return 1
	"$C3_CTL" restart "$_m"
}

c3_start_all() {
	for _n in 1 2 3; do
		c3_start "$_n" || return 1
	done
}

c3_stop_all() {
	_rc=0
	for _f in "$C3_RUN"/m[1-3].pid; do
		[ -e "$_f" ] || continue
		_m=$(basename "$_f" .pid)
		"$C3_CTL" stop "$_m" || _rc=1
	done
	return "$_rc"
}

c3_pid() {
	_m=$(_c3_m "$1") || return 1
	cat "$C3_RUN/$_m.pid"
}

c3_poison() {
	_m=$(_c3_m "$1") || return 1
	: >"$C3_RUN/$_m.poison"
}

c3_ctl() (
	# shellcheck disable=SC1090
	. "$C3_ADMIN_ENV"
	ETCDCTL_ENDPOINTS=$C3_ENDPOINTS
	export ETCDCTL_ENDPOINTS
	timeout 10 etcdctl --dial-timeout 2s --command-timeout 4s "$@"
)

c3_ctl_on() (
	_n=$(_c3_n "$1") || exit 1
	shift
	# shellcheck disable=SC1090
	. "$C3_ADMIN_ENV"
	eval "ETCDCTL_ENDPOINTS=https://127.0.0.1:\$C3_CPORT$_n"
	export ETCDCTL_ENDPOINTS
	timeout 10 etcdctl --dial-timeout 2s --command-timeout 4s "$@"
)

c3_healthy() {
	[ $# -gt 0 ] || set -- 1 2 3
	for _h in "$@"; do
		c3_ctl_on "$_h" endpoint health >/dev/null 2>&1 || return 1
	done
}

c3_wait_healthy() {
	_secs=$1
	shift
	[ $# -gt 0 ] || set -- 1 2 3
	if wait_for "$_secs" c3_healthy "$@"; then
		return 0
	fi
	for _h in "$@"; do
		_m=$(_c3_m "$_h") || continue
		diag "$_m not healthy within $_secs s; $_m.log (tail):"
		tail -n 5 "$C3_RUN/$_m.log" 2>/dev/null | sed 's/^/#   /' || :
	done
	return 1
}

c3_load_start() {
	rm -f "$C3_RUN/load.stop" "$C3_RUN/load.json" "$C3_RUN/load.json.log"
	"$PY" "$C3_HERE/load.py" --endpoints "$C3_ENDPOINTS" \
	    --cacert "$C3_CACERT" --cert "$C3_CERT" --key "$C3_KEY" \
	    --out "$C3_RUN/load.json" --until-file "$C3_RUN/load.stop" \
	    "$@" >"$C3_RUN/load.out" 2>&1 &
	C3_LOAD_PID=$!
	bg_pid "$C3_LOAD_PID"
}

c3_load_stop() {
	: >"$C3_RUN/load.stop"
	_rc=0
	wait "$C3_LOAD_PID" || _rc=$?
	if [ "$_rc" != 0 ] || [ ! -s "$C3_RUN/load.json" ]; then
		diag "load.py exited $_rc:"
		sed 's/^/#   /' "$C3_RUN/load.out"
		return 1
	fi
}

c3_load_get() {
	"$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$C3_RUN/load.json" "$1"
}

c3_downs() {
	TZ=UTC "$PY" "$C3_HERE/downs.py" --json "$C3_RUN/downs.json" "$C3_RUN" \
	    >"$C3_RUN/downs.out" 2>&1
}

c3_save() {
	[ -n "${SOAK_OUT:-}" ] || return 0
	mkdir -p "$SOAK_OUT"
	[ ! -s "$C3_RUN/load.json" ] ||
	    cp "$C3_RUN/load.json" "$SOAK_OUT/$1-load.json"
	[ ! -s "$C3_RUN/downs.json" ] ||
	    cp "$C3_RUN/downs.json" "$SOAK_OUT/$1-downs.json"
}

c3_lock_holds() {
	"$PY" - "$1" <<'EOF'
import json, sys
held, n, bad = set(), 0, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    k = (e["pid"], e["member"])
    if e["event"] == "locked":
        if held:
            print("# %s took the lock while %s held it" % (k, sorted(held)))
            bad = 1
        held.add(k)
        n += 1
    elif e["event"] == "unlocked":
        held.discard(k)
print("# %d holds of the cluster lock" % n)
sys.exit(1 if bad or n == 0 else 0)
EOF
}
