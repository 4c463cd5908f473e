#!/bin/sh
# member-ctl.sh restart|stop|start [MEMBER]: stops and starts a member of
# the test cluster of cluster3.sh; the -restart-cmd, -stop-cmd and
# -start-cmd of the live rolling tests.
#
# MEMBER defaults to $ETCD_PKI_MEMBER (etcd-pki sets it for those
# commands).  C3_DIR, the test's directory, must be in the environment:
# the member's configuration is $C3_DIR/pki/MEMBER/etcd.conf.yml, and
# $C3_DIR/run holds MEMBER.pid, MEMBER.log (etcd's output, appended; TZ
# is UTC) and the events file, one line per action:
#
#   <epoch.microseconds> MEMBER stop
#   <epoch.microseconds> MEMBER start [poisoned]
#
# stop: SIGTERM to the pid of MEMBER.pid, SIGKILL after 10 s; the time
# recorded is the time of the signal, the line is written once the
# process is gone.  A member already gone is recorded as stopped too.
# start: etcd --config-file ... in a new session, detached from the
# caller (stdin /dev/null, other descriptors closed), its pid written;
# with C3_START=env, etcd without --config-file, its settings (and CRL
# files) from $C3_DIR/pki/MEMBER/etcd.env as its environment, the way
# systemd's EnvironmentFile= gives them.
# When $C3_DIR/run/MEMBER.poison exists, start removes it and starts the
# member with a client TLS key that does not match its certificate, so it
# never becomes healthy (etcd refuses to serve), recording "poisoned".
# MC_CONF, when set, is the configuration instead (hosts.sh: the host's
# /etc/etcd/etcd.conf.yml), MC_ENV the environment file of C3_START=env
# (the host's /etc/etcd/etcd.env), and MC_USER the user etcd runs as (its
# own group, no others), as systemd's User= has it.
# restart: stop, then start.  Exits 0 on success, 1 on failure, 2 on a
# usage error.
set -eu
LC_ALL=C
TZ=UTC
export LC_ALL TZ

usage() {
	echo "usage: member-ctl.sh restart|stop|start [MEMBER]" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
action=$1
m=${2:-${ETCD_PKI_MEMBER:-}}
[ -n "$m" ] || usage
case $m in
*/*|.*) echo "member-ctl.sh: bad member name $m" >&2; exit 2 ;;
esac
[ -n "${C3_DIR:-}" ] || { echo "member-ctl.sh: C3_DIR is not set" >&2; exit 2; }
run=$C3_DIR/run
conf=${MC_CONF:-$C3_DIR/pki/$m/etcd.conf.yml}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
mkdir -p "$run"

now() {
	date +%s.%6N
}

event() {
	echo "$*" >>"$run/events"
}

alive() {
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/stat" ] || return 0
	[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# gone PID TENTHS: succeeds once PID has exited, within TENTHS x 0.1 s.
gone() {
	_i=0
	while alive "$1"; do
		[ "$_i" -lt "$2" ] || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

do_stop() {
	pid=
	[ ! -r "$run/$m.pid" ] || pid=$(cat "$run/$m.pid")
	t=$(now)
	case $pid in
	''|*[!0-9]*)
		pid= ;;
	*)
		# Only an etcd: the pid may have been reused.
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = etcd ] || pid= ;;
	esac
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || :
		if ! gone "$pid" 100; then
			echo "member-ctl.sh: $m (pid $pid) still running 10 s" \
			    "after SIGTERM: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || :
			gone "$pid" 50 || {
				echo "member-ctl.sh: $m (pid $pid) survives" \
				    "SIGKILL" >&2
				exit 1
			}
		fi
	fi
	rm -f "$run/$m.pid"
	event "$t $m stop"
}

# A copy of the configuration whose client key is another key: etcd fails
# its TLS setup (the key does not match the certificate) and does not
# serve clients.
poison_conf() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$run/$m.poison-key.pem" 2>/dev/null
	"$PY" - "$conf" "$run/$m.poison-key.pem" >"$run/$m.poison.yml" <<'EOF'
import sys
conf, key = sys.argv[1], sys.argv[2]
section = None
for line in open(conf):
    if not line.startswith(" "):
        section = line.split(":")[0]
    elif section == "client-transport-security" and \
        line.strip().startswith("key-file:"):
        line = "  key-file: '%s'\n" % key
    sys.stdout.write(line)
EOF
	grep -q "poison-key" "$run/$m.poison.yml"
}

do_start() {
	[ -r "$conf" ] || { echo "member-ctl.sh: no $conf" >&2; exit 1; }
	if [ -r "$run/$m.pid" ] && old=$(cat "$run/$m.pid") &&
	    [ -n "$old" ] && alive "$old" &&
	    [ "$(cat "/proc/$old/comm" 2>/dev/null)" = etcd ]; then
		echo "member-ctl.sh: $m already runs (pid $old)" >&2
		exit 1
	fi
	use=$conf
	how=
	if [ -e "$run/$m.poison" ]; then
		rm -f "$run/$m.poison"
		poison_conf || { echo "member-ctl.sh: cannot poison $m" >&2; exit 1; }
		use=$run/$m.poison.yml
		how=" poisoned"
	fi
	envfile=
	if [ "${C3_START:-}" = env ]; then
		envfile=${MC_ENV:-$C3_DIR/pki/$m/etcd.env}
		[ -r "$envfile" ] ||
		    { echo "member-ctl.sh: no $envfile" >&2; exit 1; }
		[ -z "$how" ] || { echo "member-ctl.sh: cannot poison $m" \
		    "started from etcd.env" >&2; exit 1; }
		how=" from etcd.env"
	fi
	t=$(now)
	# Python starts it: a new session, no descriptor of the caller kept
	# (etcd-pki must see its command end), the pid known.  From etcd.env:
	# its VAR='value' lines (sh quoting) are the environment, as systemd
	# reads them, and etcd gets no --config-file.
	pid=$("$PY" - "$use" "$run/$m.log" "$envfile" "${MC_USER:-}" <<'EOF'
import os, shlex, subprocess, sys
log = open(sys.argv[2], "ab")
user = {}
if sys.argv[4]:
    user = {"user": sys.argv[4], "group": sys.argv[4], "extra_groups": []}
args, env = ["etcd", "--config-file", sys.argv[1]], None
if sys.argv[3]:
    args, env = ["etcd"], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for line in open(sys.argv[3]):
        for word in shlex.split(line, comments=True):
            k, v = word.split("=", 1)
            env[k] = v
p = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=log,
    stderr=subprocess.STDOUT, close_fds=True, start_new_session=True,
    **user)
print(p.pid)
EOF
	) || { echo "member-ctl.sh: cannot start etcd for $m" >&2; exit 1; }
	echo "$pid" >"$run/$m.pid.tmp"
	mv "$run/$m.pid.tmp" "$run/$m.pid"
	event "$t $m start$how"
}

case $action in
stop)
	do_stop ;;
start)
	do_start ;;
restart)
	do_stop
	do_start ;;
*)
	usage ;;
esac
exit 0
